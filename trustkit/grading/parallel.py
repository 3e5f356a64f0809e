"""Grading a whole class: nbgrader's autograde, run for many students in parallel.

nbgrader autogrades one student after another, and every ``nbgrader autograde`` command pays
for importing nbgrader and the Jupyter stack again. Here a small pool of worker processes each
imports nbgrader once and then grades student after student in-process through
:meth:`nbgrader.apps.NbGraderAPI.autograde`, the very code path ``nbgrader autograde`` runs, so
the grades are nbgrader's own. The parent:

- hands one student at a time to each idle worker (``jobs`` workers, default: the CPU count);
- kills a worker whose student takes longer than ``student_timeout`` seconds (a hanging
  submission), reports that student as failed, and starts a fresh worker for the rest;
- restarts a worker that crashed, and retries a student once if the gradebook was locked;
- skips students already autograded from the same submission unless ``force``;
- shows progress with an ETA, and returns one :class:`StudentResult` per student.

Works with nbgrader's SQLite gradebook and with PostgreSQL (``db_url``).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from trustkit.errors import TrustkitError

DEFAULT_STUDENT_TIMEOUT = 900.0


@dataclass
class StudentResult:
    student: str
    status: str  # "graded", "skipped", "failed"
    seconds: float = 0.0
    score: float | None = None
    max_score: float | None = None
    message: str = ""


@dataclass
class ClassRun:
    assignment: str
    results: list[StudentResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[StudentResult]:
        return [r for r in self.results if r.status == "failed"]

    def table(self) -> str:
        rows = [("student", "status", "score", "seconds", "note")]
        for r in sorted(self.results, key=lambda r: r.student):
            score = "" if r.score is None else f"{r.score:g}/{r.max_score:g}"
            rows.append((r.student, r.status, score, f"{r.seconds:.1f}", r.message[:70]))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [
            "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]
            for row in rows
        ]
        counts = {s: sum(1 for r in self.results if r.status == s) for s in ("graded", "skipped")}
        lines.append(
            f"{counts['graded']} graded, {counts['skipped']} skipped, {len(self.failed)} failed "
            f"in {self.seconds:.1f} s"
        )
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# course helpers
# ---------------------------------------------------------------------------------------------
def submitted_students(root: Path, assignment: str) -> list[str]:
    base = root / "submitted"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir())


def _timestamp(path: Path) -> str | None:
    try:
        return (path / "timestamp.txt").read_text(encoding="utf-8").strip()
    except OSError:
        return None


def already_graded(root: Path, assignment: str, student: str, graded_ids: set[str]) -> bool:
    """Autograded from this very submission, and recorded in the gradebook."""
    done = root / "autograded" / student / assignment
    if student not in graded_ids or not done.is_dir():
        return False
    return _timestamp(done) == _timestamp(root / "submitted" / student / assignment)


def _db_url(root: Path, db_url: str | None) -> str:
    """The gradebook: ``db_url`` if given, else the course config's, else ``gradebook.db``."""
    if db_url:
        return db_url
    config_file = root / "nbgrader_config.py"
    if config_file.exists():
        from traitlets.config.loader import PyFileConfigLoader

        try:
            cfg = PyFileConfigLoader(config_file.name, path=str(root)).load_config()
        except Exception as exc:  # the instructor's config file is broken: say where
            raise TrustkitError(f"{config_file}: cannot be read ({exc}).") from None
        configured = cfg.get("CourseDirectory", {}).get("db_url")
        if isinstance(configured, str) and configured:
            return configured
    return f"sqlite:///{(root / 'gradebook.db').resolve()}"


def assignment_in_gradebook(root: Path, assignment: str, db_url: str | None = None) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(_db_url(root, db_url)) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            return False
    return True


def gradebook_scores(root: Path, assignment: str, db_url: str | None = None) -> dict[str, Any]:
    """``{student: (score, max_score)}`` for students with a submission in the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    out: dict[str, Any] = {}
    with Gradebook(_db_url(root, db_url)) as gb:
        try:
            assignment_row = gb.find_assignment(assignment)
        except MissingEntry:
            return out
        for sub in assignment_row.submissions:
            out[sub.student.id] = (float(sub.score), float(sub.max_score))
    return out


# ---------------------------------------------------------------------------------------------
# the worker
# ---------------------------------------------------------------------------------------------
def ensure_tools_on_path() -> None:
    """nbgrader runs ``alembic`` by name: put this interpreter's bin folder first on PATH."""
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[0] != bindir:
        os.environ["PATH"] = os.pathsep.join([bindir, *parts])


def _worker(root: str, db_url: str | None, conn: Connection) -> None:
    """Import nbgrader once, then autograde every student the parent sends."""
    ensure_tools_on_path()
    os.chdir(root)
    # kernels started for the students inherit these descriptors: keep their chatter out of
    # the instructor's terminal (nbgrader's own log is captured and reported per student)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives with the worker
    from nbgrader.apps import NbGraderAPI
    from nbgrader.apps.nbgraderapp import NbGrader

    app = NbGrader()
    app.initialize([])  # reads nbgrader_config.py in the course root
    config = app.config
    config.CourseDirectory.root = root
    if db_url:
        config.CourseDirectory.db_url = db_url
    api = NbGraderAPI(config=config)
    conn.send(("ready", None))
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        assignment, student, force = msg
        t0 = time.perf_counter()
        result = api.autograde(assignment, student, force=force, create=True)
        conn.send(
            (
                "done",
                {
                    "student": student,
                    "success": bool(result.get("success")),
                    "error": result.get("error") or "",
                    "log": result.get("log") or "",
                    "seconds": time.perf_counter() - t0,
                },
            )
        )


@dataclass
class _Slot:
    process: mp.Process
    conn: Connection
    ready: bool = False
    student: str | None = None
    started: float = 0.0


def _short_reason(info: dict[str, Any]) -> str:
    text = (info.get("error") or info.get("log") or "").strip().splitlines()
    for line in reversed(text):
        line = line.strip()
        if line and not line.startswith(("File ", "^", "~")):
            return line[:200]
    return "autograde failed"


class _Progress:
    def __init__(self, total: int, stream=None, enabled: bool = True) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.t0 = time.perf_counter()
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = 0.0

    def update(self, student: str, status: str) -> None:
        self.done += 1
        self.failed += status == "failed"
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.t0
        eta = elapsed / self.done * (self.total - self.done)
        width = 24
        filled = int(width * self.done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        line = (
            f"[{bar}] {self.done}/{self.total} graded, {self.failed} failed, "
            f"elapsed {elapsed:.0f}s, ETA {eta:.0f}s  ({student}: {status})"
        )
        if self.tty:
            end = "\n" if self.done == self.total else ""
            self.stream.write("\r" + line.ljust(100) + end)
        elif self.done == self.total or time.perf_counter() - self._last > 2 or self.done == 1:
            self.stream.write(line + "\n")
            self._last = time.perf_counter()
        self.stream.flush()


def grade_class(
    root: str | Path,
    assignment: str,
    *,
    jobs: int | None = None,
    force: bool = False,
    db_url: str | None = None,
    student_timeout: float = DEFAULT_STUDENT_TIMEOUT,
    students: list[str] | None = None,
    progress: bool = True,
    stream=None,
    on_result: Callable[[StudentResult], None] | None = None,
) -> ClassRun:
    """Autograde every submitted student of ``assignment`` in parallel; see the module doc."""
    root = Path(root).resolve()
    ensure_tools_on_path()
    if not (root / "nbgrader_config.py").exists():
        raise TrustkitError(f"{root}: no nbgrader_config.py here; run from the course folder.")
    if not assignment_in_gradebook(root, assignment, db_url):
        raise TrustkitError(
            f"{root}: the gradebook has no assignment '{assignment}'; release it first "
            "(nbgrader generate_assignment)."
        )
    everyone = students if students is not None else submitted_students(root, assignment)
    if not everyone:
        raise TrustkitError(
            f"{root}: nobody has submitted '{assignment}' yet (submitted/ is empty)."
        )
    jobs = max(1, jobs or os.cpu_count() or 1)
    url = _db_url(root, db_url)
    run = ClassRun(assignment)
    t_start = time.perf_counter()
    graded_before = set(gradebook_scores(root, assignment, db_url)) if not force else set()
    todo: list[str] = []
    for s in everyone:
        if not force and already_graded(root, assignment, s, graded_before):
            run.results.append(StudentResult(s, "skipped", message="already autograded"))
        else:
            todo.append(s)
    bar = _Progress(len(todo), stream, progress)
    ctx = mp.get_context("spawn")
    slots: list[_Slot] = []

    def start_slot() -> _Slot:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(str(root), url, child), daemon=True)
        proc.start()
        child.close()
        return _Slot(proc, parent)

    def finish(result: StudentResult) -> None:
        run.results.append(result)
        bar.update(result.student, result.status)
        if on_result:
            on_result(result)

    queue = list(todo)
    retried: set[str] = set()
    try:
        slots = [start_slot() for _ in range(min(jobs, len(queue)))]
        while queue or any(s.student for s in slots):
            for slot in slots:
                if slot.ready and slot.student is None and queue:
                    slot.student = queue.pop(0)
                    slot.started = time.perf_counter()
                    slot.conn.send((assignment, slot.student, True))
            ready = wait([s.conn for s in slots] + [s.process.sentinel for s in slots], 0.5)
            now = time.perf_counter()
            for i, slot in enumerate(list(slots)):
                if slot.conn in ready:
                    try:
                        kind, info = slot.conn.recv()
                    except (EOFError, OSError):
                        kind, info = "dead", None
                    if kind == "ready":
                        slot.ready = True
                        continue
                    if kind == "done" and info is not None:
                        student = slot.student or info["student"]
                        slot.student = None
                        if info["success"]:
                            finish(StudentResult(student, "graded", info["seconds"]))
                        elif "database is locked" in info["error"] and student not in retried:
                            retried.add(student)
                            queue.insert(0, student)
                        else:
                            finish(
                                StudentResult(
                                    student, "failed", info["seconds"], message=_short_reason(info)
                                )
                            )
                        continue
                if not slot.process.is_alive() or (slot.student and kind_dead(slot, ready)):
                    student = slot.student
                    slot.conn.close()
                    slots[i] = start_slot()
                    if student:
                        finish(
                            StudentResult(
                                student,
                                "failed",
                                now - slot.started,
                                message="the grading process crashed on this submission",
                            )
                        )
                    continue
                if slot.student and now - slot.started > student_timeout:
                    student = slot.student
                    slot.process.kill()
                    slot.process.join(5)
                    slot.conn.close()
                    slots[i] = start_slot()
                    finish(
                        StudentResult(
                            student,
                            "failed",
                            now - slot.started,
                            message=f"grading took longer than {student_timeout:g} s and was "
                            "stopped",
                        )
                    )
    finally:
        for slot in slots:
            try:
                slot.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
        for slot in slots:
            slot.process.join(10)
            if slot.process.is_alive():
                slot.process.kill()
    scores = gradebook_scores(root, assignment, db_url)
    for r in run.results:
        if r.student in scores and r.status != "failed":
            r.score, r.max_score = scores[r.student]
    run.seconds = time.perf_counter() - t_start
    return run


def kind_dead(slot: _Slot, ready: list[Any]) -> bool:
    """The worker's process ended (its sentinel is ready) while it held a student."""
    return slot.process.sentinel in ready and not slot.process.is_alive()
