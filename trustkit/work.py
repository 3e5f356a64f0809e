"""The learner's saved work: JSON files in ``trustkit-work/`` next to the notebook.

Rules (the learner's work is never lost or silently overwritten):

- every file is written atomically (a temporary file in the same folder, fsync, rename);
- every file carries ``schema_version`` and ``kind``; a reader checks both;
- a file that cannot be read (bad JSON, not UTF-8, wrong kind, a newer schema, too large) is
  moved aside to ``<name>.corrupt-<UTC time>.json`` - kept, never deleted - and the caller gets
  a clear message; the learner can go on from a fresh start;
- this folder is what travels with an nbgrader submission; graders *replay* transcripts from it
  (:func:`trustkit.engine.replay`) and never trust a number written here;
- while nbgrader executes a notebook (``NBGRADER_EXECUTION`` is set) saved work is evidence:
  nothing is moved or renamed, so the test cells see exactly what the learner submitted.

The folder is ``$TRUSTKIT_WORK_DIR`` if set, else ``./trustkit-work`` (Jupyter runs a notebook
with its own folder as the working directory, so that is "next to the notebook").
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trustkit.errors import TrustkitError

WORK_DIR_NAME = "trustkit-work"
SCHEMA_VERSION = 1
MAX_WORK_FILE_BYTES = 8 * 1024 * 1024
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}$")


def work_dir(base: str | Path | None = None) -> Path:
    """The saved-work folder (not created until something is saved)."""
    if base is not None:
        return Path(base) / WORK_DIR_NAME
    env = os.environ.get("TRUSTKIT_WORK_DIR")
    if env:
        return Path(env)
    return Path.cwd() / WORK_DIR_NAME


def atomic_write_text(path: Path, text: str) -> None:
    """Write text so that a crash leaves either the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _path(key: str, base: str | Path | None) -> Path:
    if not _KEY.match(key) or ".." in key:
        raise TrustkitError(f"'{key}' is not a valid name for saved work (letters, digits, -_.).")
    return work_dir(base) / f"{key}.json"


@dataclass(frozen=True)
class Loaded:
    """The result of reading saved work: the data (or None) and a message for the learner."""

    data: dict[str, Any] | None
    message: str | None = None
    moved_to: Path | None = None
    saved_at: str | None = None


def save(key: str, kind: str, data: dict[str, Any], base: str | Path | None = None) -> Path:
    """Save ``data`` as ``trustkit-work/<key>.json`` atomically, with schema version and kind."""
    path = _path(key, base)
    doc = {
        "trustkit_work": kind,
        "schema_version": SCHEMA_VERSION,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": data,
    }
    try:
        atomic_write_text(path, json.dumps(doc, indent=1, ensure_ascii=False))
    except OSError as exc:
        raise TrustkitError(
            f"{path}: your work could not be saved ({exc.strerror}); it is still on screen."
        ) from None
    return path


def grading() -> bool:
    """Whether nbgrader is executing this notebook (then saved work is left untouched)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def move_aside(path: Path) -> Path:
    """Rename an unreadable file to ``<stem>.corrupt-<time>[-n]<suffix>``; return the new path.

    The original extension is kept (``.json``, ``.sqlite``), so the copy opens as what it was.
    Refused while nbgrader grades the notebook: a submission is never altered.
    """
    if grading():
        raise TrustkitError(f"{path.name}: saved work is left untouched while it is graded.")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        count = "" if n == 0 else f"-{n}"
        target = path.with_name(f"{path.stem}.corrupt-{stamp}{count}{path.suffix}")
        if not target.exists():
            os.replace(path, target)
            return target
    raise TrustkitError(f"{path}: too many unreadable copies are kept next to it; tidy up first.")


def _problem(path: Path, kind: str) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """Read and check a saved-work file: (data, saved_at, problem)."""
    from trustkit.loading import read_bytes

    try:  # a regular file only: a pipe or a device in a submission is refused, never read
        if path.stat().st_size > MAX_WORK_FILE_BYTES:
            return None, None, "it is larger than any saved work should be"
        raw = read_bytes(path, MAX_WORK_FILE_BYTES, "saved-work file")
    except OSError as exc:
        return None, None, f"it cannot be read ({exc.strerror})"
    except TrustkitError as exc:
        said = exc.message.rstrip(".")
        return (
            None,
            None,
            f"it {said[5:]}" if said.startswith("this ") else f"it cannot be read ({said})",
        )
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, None, "it is not UTF-8 text"
    except (json.JSONDecodeError, RecursionError) as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        return None, None, f"it is not valid JSON{where}"
    if not isinstance(doc, dict) or "schema_version" not in doc:
        return None, None, "it is not a trustkit saved-work file"
    version = doc.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
        return None, None, f"it has schema version {version!r}, which this trustkit cannot read"
    if doc.get("trustkit_work") != kind:
        return None, None, f"it holds {doc.get('trustkit_work')!r} work, not {kind!r}"
    if not isinstance(doc.get("data"), dict):
        return None, None, "its data is missing"
    return doc["data"], doc.get("saved_at"), None


def load(key: str, kind: str, base: str | Path | None = None) -> Loaded:
    """Read saved work. Missing: ``Loaded(None)``. Unreadable: moved aside, with a message."""
    path = _path(key, base)
    if not path.exists():
        return Loaded(None)
    data, saved_at, problem = _problem(path, kind)
    if problem is None:
        return Loaded(data, saved_at=saved_at)
    if grading():
        return Loaded(None, f"{path.name} could not be read: {problem} (left untouched).")
    try:
        moved = move_aside(path)
    except OSError as exc:
        return Loaded(
            None,
            f"Your saved work in {path} could not be read ({problem}), and it could not be moved "
            f"aside ({exc.strerror}); it is untouched. Nothing new will be saved over it.",
        )
    return Loaded(
        None,
        f"Your saved work in {path.name} could not be read ({problem}). It was kept as "
        f"{moved.name} in {moved.parent}; you can go on from a fresh start.",
        moved_to=moved,
    )


def peek(key: str, kind: str, base: str | Path | None = None) -> Loaded:
    """Like :func:`load`, but never moves anything: for graders reading a submission."""
    path = _path(key, base)
    if not path.exists():
        return Loaded(None, f"{path.name} is missing from {path.parent}.")
    data, saved_at, problem = _problem(path, kind)
    if problem is None:
        return Loaded(data, saved_at=saved_at)
    return Loaded(None, f"{path.name} could not be read: {problem}.")


def list_work(base: str | Path | None = None) -> list[Path]:
    folder = work_dir(base)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json") if ".corrupt-" not in p.name)


def load_answers(key: str, base: str | Path | None = None) -> Loaded:
    """The ``answers`` saved under ``key`` (kind ``answers``: ``{"answers": {qid: value}}``)."""
    loaded = load(key, "answers", base)
    if loaded.data is not None and not isinstance(loaded.data.get("answers"), dict):
        return Loaded({"answers": {}}, "The saved answers had no answer list; starting afresh.")
    return loaded


def save_answer(key: str, qid: str, value: Any, base: str | Path | None = None) -> Path:
    """Record one answer in the shared answers file, keeping every other answer in it."""
    current = peek(key, "answers", base)
    answers = dict((current.data or {}).get("answers") or {}) if current.data else {}
    if current.data is None and work_dir(base).joinpath(f"{key}.json").exists():
        # unreadable: keep it (moved aside) rather than overwrite it
        load(key, "answers", base)
    answers[qid] = value
    return save(key, "answers", {"answers": answers}, base)
