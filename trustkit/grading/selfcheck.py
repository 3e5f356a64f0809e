"""Check my answers: what a self-learner runs, without nbgrader, to see what is still to do.

:func:`check_my_answers` reads the assignment's own notebook, runs the *visible* checks of its
test cells (the ``require_*`` calls above ``### BEGIN HIDDEN TESTS``; the hidden part, which
holds the keys, is never read) on the learner's saved work, and prints a friendly summary:
what is answered, whether the role-play is complete, how the ratings compare with the
reference panel where the package has one. It is not a grade, and it never raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trustkit.grading import cells
from trustkit.grading._shared import HIDDEN_BEGIN, cell_sources, grading_calls, quiet, say

__all__ = ["CheckLine", "check_my_answers", "collect_checks"]

_REQUIRES = ("require_answer", "require_roleplay", "require_ratings")


@dataclass
class CheckLine:
    label: str
    ok: bool | None  # None: not autograded (a written answer)
    text: str


def _visible_calls(source: str) -> list[tuple[str, list[Any], dict[str, Any]]]:
    """The ``checks.require_*`` calls of a test cell's visible part, with literal arguments."""
    return grading_calls(source.split(HIDDEN_BEGIN, 1)[0], _REQUIRES)


def _cell_label(source: str, fallback: str) -> str:
    first = source.strip().splitlines()[0] if source.strip() else ""
    if first.startswith("#"):
        label = first.lstrip("# ").strip()
        for cut in (". Do not edit", ": do not edit", " - do not edit"):
            label = label.split(cut)[0]
        return label.removeprefix("Test:").strip() or fallback
    return fallback


def _check_line(name: str, args: list[Any], kwargs: dict[str, Any], label: str) -> CheckLine:
    base = kwargs.get("base")
    if name == "require_answer":
        key, qid = args[0], args[1]
        ok = cells.answer(key, qid, base=base) is not None
        return CheckLine(label, ok, "answered" if ok else "not answered yet")
    if name == "require_roleplay":
        key, sid = args[0], args[1]
        res = cells.roleplay_result(key, sid, base=base)
        if res.status != "ok":
            return CheckLine(label, False, res.message)
        if res.turns == 0:
            return CheckLine(label, False, "not played yet")
        if not res.finished:
            return CheckLine(label, False, f"started ({res.turns} turns) but not finished")
        return CheckLine(label, True, f"complete in {res.turns} turns: {res.message}")
    key, items = args[0], list(args[1])
    tolerance = kwargs.get("tolerance", 1)
    fields = kwargs.get("fields", ("quality",))
    res = cells.ratings_result(key, items, fields=fields, tolerance=tolerance, base=base)
    if res.status == "no-reference":  # graded replies: the reference is the instructor's
        rated = cells.rated_items(key, items, base)
        text = (
            f"{len(rated)} of {len(items)} replies rated; your instructor compares them with "
            "the reference panel when marking"
        )
        return CheckLine(label, len(rated) == len(items), text)
    if res.status != "ok":
        return CheckLine(label, False, res.message)
    ok = res.rated == res.total
    return CheckLine(label, ok, res.message)


def _find_notebook(ps: str, notebook: str | Path | None) -> Path | None:
    if notebook is not None:
        path = Path(notebook)
        return path if path.is_file() else None
    for candidate in (Path.cwd() / f"{ps}.ipynb", Path.cwd() / ps / f"{ps}.ipynb"):
        if candidate.is_file():
            return candidate
    found = sorted(Path.cwd().glob("*.ipynb"))
    return found[0] if len(found) == 1 else None


def _points(meta: dict[str, Any]) -> str:
    points = meta.get("points", 0)
    return f"{points:g}" if isinstance(points, int | float) else "?"


def collect_checks(ps: str, notebook: str | Path | None = None) -> list[CheckLine]:
    """The visible checks of assignment ``ps`` (read from its notebook), each with its status.

    Raises FileNotFoundError when the notebook is not found, ValueError (``FILE:LINE: ...``)
    when it is not a notebook.
    """
    path = _find_notebook(ps, notebook)
    if path is None:
        raise FileNotFoundError(f"{ps}.ipynb is not in {Path.cwd()}")
    lines: list[CheckLine] = []
    for meta, kind, source in cell_sources(path):
        if not meta.get("grade"):
            continue
        points = _points(meta)
        if kind == "markdown":
            written = bool(source.strip()) and "YOUR ANSWER HERE" not in source
            text = "written" if written else "not written yet"
            label = f"written answer '{meta.get('grade_id', '?')}' ({points} points)"
            lines.append(CheckLine(label, None, f"{text}; your instructor marks it by hand"))
            continue
        for name, args, kwargs in _visible_calls(source):
            fallback = f"{meta.get('grade_id', 'check')} ({points} points)"
            try:
                lines.append(_check_line(name, args, kwargs, _cell_label(source, fallback)))
            except Exception as exc:
                lines.append(CheckLine(fallback, False, f"could not be checked ({exc})"))
    return lines


@quiet
def check_my_answers(ps: str, notebook: str | Path | None = None) -> None:
    """Run the visible checks of an assignment without nbgrader and print a friendly summary.

    It tells you what is answered, whether the role-play is complete and how your ratings
    compare with the reference panel. It does not reveal the answer keys and is not a grade.
    Never raises.
    """
    try:
        lines = collect_checks(ps, notebook)
    except Exception as exc:
        say(f"Check my answers ({ps}): I could not read the assignment ({exc}).")
        say("Open this notebook from its own folder and run this cell again.")
        return
    say(f"Check my answers: {ps} (a self-check, not your grade)")
    for line in lines:
        mark = "✎" if line.ok is None else ("✔" if line.ok else "✖")
        say(f"  {mark} {line.label}: {line.text}")
    auto = [ln for ln in lines if ln.ok is not None]
    done = sum(1 for ln in auto if ln.ok)
    if auto and done == len(auto):
        say(f"All {len(auto)} checks done. Well done - remember to save and submit.")
    else:
        say(f"{done} of {len(auto)} checks done. Go back to the ones marked ✖.")
