"""The learner's saved work: JSON files in ``trustkit-work/`` next to the notebook.

Rules (the learner's work is never lost or silently overwritten):

- every file is written atomically (a temporary file in the same folder, fsync, rename);
- every file carries ``schema_version`` and ``kind``; a reader checks both;
- the data of each kind is a typed payload (:mod:`trustkit.payloads`: one model per kind);
  :func:`load` migrates an older file and validates it, so a widget gets data of the right
  types or none - a file with a wrong type in one field is moved aside like an unreadable one,
  with a message naming the file and the field;
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
SCHEMA_VERSION = 2
"""Version 2: typed payloads (see :mod:`trustkit.payloads`); version 1 files are migrated."""
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
    """Save ``data`` as ``trustkit-work/<key>.json`` atomically, with schema version and kind.

    The data is written as given (graders' tests forge odd submissions with it); the widgets
    write valid payloads of their kind, and :func:`load` checks them when they are read back.
    """
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


def _problem(
    path: Path, kind: str, typed: bool = False
) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """Read and check a saved-work file: (data, saved_at, problem). ``typed``: migrate the
    data to the current schema and validate it as its kind's payload."""
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
    if not typed:
        return doc["data"], doc.get("saved_at"), None
    from trustkit import payloads

    data = payloads.migrate(kind, version, doc["data"], SCHEMA_VERSION)
    data, wrong = payloads.problem(kind, data)
    return data, doc.get("saved_at"), wrong


def load(key: str, kind: str, base: str | Path | None = None) -> Loaded:
    """Read saved work. Missing: ``Loaded(None)``. Unreadable, or not a valid payload of its
    kind (a wrong type in one field): moved aside, with a message naming the file and the
    field. The data returned is migrated to the current schema and typed."""
    path = _path(key, base)
    if not path.exists():
        return Loaded(None)
    data, saved_at, problem = _problem(path, kind, typed=True)
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
    """Like :func:`load`, but never moves anything: for graders reading a submission. The data
    is returned as it was saved (the envelope is checked, not the payload's types: graders
    check every value they use themselves)."""
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
    """The ``answers`` saved under ``key`` (kind ``answers``: ``{"answers": {qid: value}}``).

    A malformed file is moved aside by :func:`load` (with its message), so the next answer is
    saved in a fresh file."""
    return load(key, "answers", base)


@dataclass(frozen=True)
class Saved:
    """Where an answer was saved, and anything the learner must be told about it."""

    path: Path
    message: str | None = None


def record_answer(key: str, qid: str, value: Any, base: str | Path | None = None) -> Saved:
    """Record one answer in the shared answers file, keeping every other answer in it.

    Saving never stops silently: a file that cannot be read (or is not valid answers) is moved
    aside first - kept, never overwritten - and :attr:`Saved.message` says so; this answer and
    every later one are saved in a fresh file. Raises :class:`TrustkitError` only when nothing
    can be saved (the disk, or a file that must stay untouched while it is graded).
    """
    current = load(key, "answers", base)
    if current.data is None and current.message and _path(key, base).exists():
        # unreadable, and still in place (graded, or it could not be moved): never overwrite it
        raise TrustkitError(current.message)
    answers = dict(current.data["answers"]) if current.data else {}
    answers[str(qid)] = value
    return Saved(save(key, "answers", {"answers": answers}, base), current.message)


def save_answer(key: str, qid: str, value: Any, base: str | Path | None = None) -> Path:
    """:func:`record_answer`, returning only the path (for callers that need no message)."""
    return record_answer(key, qid, value, base).path
