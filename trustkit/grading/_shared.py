"""What the test-cell API, the self-check and the instructor tools share (private).

- how a grading function prints and scores: one line to stdout at a time (:func:`say`),
  warnings silenced (:func:`quiet`), a plain float between 0 and the points (:func:`points_for`);
- how a notebook's cells and their grading calls are read, without running anything
  (:func:`cell_sources`, :func:`grading_calls`).
"""

from __future__ import annotations

import ast
import functools
import json
import math
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"

F = TypeVar("F", bound=Callable[..., Any])

# what ast.literal_eval and ast.parse raise on odd (or hostile) source text: a call whose
# arguments are not plain literals, a dict literal with a list as key, nesting too deep ...
_BAD_LITERAL = (ValueError, TypeError, SyntaxError, MemoryError, RecursionError)


def say(line: str) -> None:
    """Print one line to stdout (never stderr: nbgrader zeroes a test cell writing there)."""
    print(line, flush=True)


def quiet(fn: F) -> F:
    """Run a grading function with warnings silenced (a warning reaches stderr)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def points_of(points: Any) -> float:
    """A test cell's points as a positive finite float (0 for anything else)."""
    try:
        value = float(points)
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) and value > 0 else 0.0


def points_for(points: Any, fraction: float) -> float:
    """The score ``fraction`` (0..1) of ``points`` earns: a plain float in [0, points], rounded
    down to 2 decimals (nbgrader rejects a score above the cell's points)."""
    p = points_of(points)
    f = min(1.0, max(0.0, float(fraction))) if math.isfinite(fraction) else 0.0
    return float(math.floor(p * f * 100 + 1e-6) / 100)


def clip(text: str, width: int = 140) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def read_notebook(path: Path) -> dict[str, Any]:
    """A notebook file as JSON; ValueError with ``FILE:LINE: ...`` when it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: is not a notebook (not UTF-8 text)") from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}: is not a notebook ({exc.msg})") from None
    except RecursionError:
        raise ValueError(f"{path}: is not a notebook (nested too deeply)") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells", []), list):
        raise ValueError(f"{path}: is not a notebook (no list of cells)")
    return nb


def cell_sources(path: Path) -> list[tuple[dict[str, Any], str, str]]:
    """``(nbgrader metadata, cell type, source)`` of every cell of a notebook file.

    Raises OSError or ValueError (``FILE:LINE: ...``) for a file that cannot be read as one.
    """
    out = []
    for cell in read_notebook(path).get("cells", []):
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        source = "".join(map(str, source)) if isinstance(source, list) else str(source)
        meta = cell.get("metadata")
        meta = meta.get("nbgrader") if isinstance(meta, dict) else None
        out.append((meta if isinstance(meta, dict) else {}, str(cell.get("cell_type", "")), source))
    return out


def is_source_notebook(path: str | Path) -> bool:
    """Whether a notebook is an nbgrader SOURCE notebook (a test cell still holds hidden tests)."""
    try:
        return any(
            meta.get("grade") and HIDDEN_BEGIN in source
            for meta, _kind, source in cell_sources(Path(path))
        )
    except (OSError, ValueError):
        return False


def grading_calls(
    source: str, names: Iterable[str] | None = None
) -> list[tuple[str, list[Any], dict[str, Any]]]:
    """The calls of a test cell (``checks.name(...)`` or ``name(...)``), with literal
    arguments, as ``(name, args, kwargs)``; only those in ``names`` when given.

    Calls whose arguments are not literals are left out; source that does not parse gives [].
    """
    wanted = None if names is None else set(names)
    try:
        tree = ast.parse(source)
    except _BAD_LITERAL:
        return []
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if not isinstance(name, str) or (wanted is not None and name not in wanted):
            continue
        try:
            args = [ast.literal_eval(a) for a in node.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
        except _BAD_LITERAL:
            continue
        calls.append((name, args, kwargs))
    return calls
