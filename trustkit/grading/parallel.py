"""Grading a whole class: nbgrader's autograde, run for many students in parallel.

nbgrader autogrades one student after another, and every ``nbgrader autograde`` command pays
for importing nbgrader and the Jupyter stack again. Here a small pool of worker processes
grades student after student in-process through :meth:`nbgrader.apps.NbGraderAPI.autograde`,
the very code path ``nbgrader autograde`` runs, so the grades are nbgrader's own. The workers
fork from a server process that imported nbgrader once, and this process never imports it (the
workers answer its gradebook questions), so a class run costs no more imports than one
``nbgrader autograde``. The parent:

- hands one student at a time to each idle worker (``jobs`` workers, default: the CPU count),
  the biggest submissions first;
- kills a worker whose student takes longer than ``student_timeout`` seconds (a hanging
  submission), reports that student as failed, and starts a fresh worker for the rest;
- restarts a worker that crashed, and retries a student once if the gradebook was locked;
- skips students already autograded from the same submission unless ``force``;
- keeps, for every trustkit task, the score recomputed from the saved work as submitted, never
  the student's kernel's: the course's ``nbgrader_config.py`` does it inside autograde
  (:mod:`trustkit.grading.preprocessors`); for a configuration without it the worker recomputes
  right after autograde (:mod:`trustkit.grading.regrade`), from a copy of the saved work taken
  before the kernel started; differences make the tampering report;
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
    manual_pending: float = 0.0  # points that still need a human grade
    changes: list[Any] = field(default_factory=list)  # regrade.CellChange: kernel != evidence
    recomputed: int = 0


@dataclass
class ClassRun:
    assignment: str
    results: list[StudentResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[StudentResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def changes(self) -> list[Any]:
        return [c for r in self.results for c in r.changes]

    def table(self) -> str:
        from trustkit.grading.regrade import tampering_report

        rows = [("student", "status", "score", "awaiting manual", "seconds", "note")]
        for r in sorted(self.results, key=lambda r: r.student):
            score = "" if r.score is None else f"{r.score:g}/{r.max_score:g}"
            pending = f"{r.manual_pending:g} pts" if r.manual_pending else ""
            note = r.message or (f"{len(r.changes)} cell(s) differ" if r.changes else "")
            rows.append((r.student, r.status, score, pending, f"{r.seconds:.1f}", note[:70]))
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = [
            "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5]
            for row in rows
        ]
        counts = {s: sum(1 for r in self.results if r.status == s) for s in ("graded", "skipped")}
        lines.append(
            f"{counts['graded']} graded, {counts['skipped']} skipped, {len(self.failed)} failed "
            f"in {self.seconds:.1f} s"
        )
        pending = sum(r.manual_pending for r in self.results)
        if pending:
            waiting = sum(1 for r in self.results if r.manual_pending)
            lines.append(
                f"{pending:g} points in {waiting} submission(s) await manual grading "
                "(formgrader > Manual Grading); the scores above do not include them yet."
            )
        lines.append(tampering_report(self.changes))
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


def url_of(root: str | Path, db_url: str | None) -> str:
    """The gradebook's database URL for a course root (``db_url`` if given)."""
    return _db_url(Path(root), db_url)


def assignment_in_gradebook(root: Path, assignment: str, db_url: str | None = None) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    url = _db_url(root, db_url)
    try:
        gb = Gradebook(url)
    except Exception as exc:  # a corrupt or unreachable gradebook: say which, in one line
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TrustkitError(f"{url}: the gradebook cannot be opened ({reason[:200]}).") from None
    with gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            return False
    return True


def gradebook_scores(
    root: Path, assignment: str, db_url: str | None = None, pending: bool = False
) -> dict[str, Any]:
    """``{student: (score, max_score)}`` for students with a submission in the gradebook;
    with ``pending``, ``(score, max_score, points awaiting manual grading)``."""
    from nbgrader.api import Gradebook, MissingEntry

    out: dict[str, Any] = {}
    with Gradebook(_db_url(root, db_url)) as gb:
        try:
            assignment_row = gb.find_assignment(assignment)
        except MissingEntry:
            return out
        for sub in assignment_row.submissions:
            row: tuple = (float(sub.score), float(sub.max_score))
            if pending:
                waiting = sum(
                    float(g.max_score)
                    for nb in sub.notebooks
                    for g in nb.grades
                    if g.needs_manual_grade
                )
                row = (*row, waiting)
            out[sub.student.id] = row
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


PRELOAD = ["trustkit.grading._preload"]
"""Imported once by the fork server; every worker is a fork of it (nbgrader costs seconds)."""


def _context() -> Any:
    """Workers fork from a server that imported nbgrader once (POSIX); else fresh spawns."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return mp.get_context("spawn")


def _stop_fork_server(ctx: Any) -> None:
    """End the fork server with the run (and wait for it, so its CPU time is accounted to this
    process like any child's); the next run starts a fresh one."""
    if ctx.get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)
    if callable(stop):
        try:
            stop()
        except OSError:
            pass


def _worker(
    root: str, db_url: str | None, conn: Connection, env: dict[str, str] | None = None
) -> None:
    """Autograde (and recompute) every student the parent sends; answer its gradebook queries.

    The parent never imports nbgrader (loading the course's nbgrader_config.py alone costs
    seconds): the workers, which need it anyway, do all the gradebook work. ``env`` is the
    parent's environment now (a fork server keeps the one it started with).
    """
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    ensure_tools_on_path()
    os.chdir(root)
    # kernels started for the students inherit these descriptors: keep their chatter out of
    # the instructor's terminal (nbgrader's own log is captured and reported per student)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives with the worker
    try:
        from nbgrader.apps import NbGraderAPI
        from nbgrader.apps.nbgraderapp import NbGrader

        from trustkit.grading import regrade

        app = NbGrader()
        app.initialize([])  # reads nbgrader_config.py in the course root
        config = app.config
        config.CourseDirectory.root = root
        if db_url:
            config.CourseDirectory.db_url = db_url
        api = NbGraderAPI(config=config)
        url = api.coursedir.db_url
        layout = regrade.course_layout(root)
    except Exception as exc:  # a broken nbgrader_config.py, most likely: say it, then stop
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        conn.send(("error", f"{Path(root) / 'nbgrader_config.py'}: cannot be read ({text})."))
        return
    conn.send(("ready", None))
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        if msg[0] == "grade":
            conn.send(("done", _grade_one(api, url, layout, *msg[1:])))
        else:
            try:
                conn.send((msg[0], _query(url, layout, *msg)))
            except Exception as exc:
                text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                conn.send(("error", f"{url}: the gradebook cannot be opened ({text[:200]})."))


def _query(url: str, layout: Any, kind: str, assignment: str, *args: Any) -> dict[str, Any]:
    """The parent's gradebook questions: before the class ("prepare") and after ("finish")."""
    from nbgrader.api import Gradebook, MissingEntry

    from trustkit.grading.regrade import auto_cells, regrade_student

    with Gradebook(url) as gb:
        try:
            row = gb.find_assignment(assignment)
        except MissingEntry:
            return {"exists": False}
        if kind == "prepare":
            return {
                "exists": True,
                "graded": sorted(sub.student.id for sub in row.submissions),
                "cells": auto_cells(gb, assignment),
            }
        skipped, cells = args
        regraded = {}
        if any(c.recomputable for c in cells.values()):  # cheap: no kernel
            for student in skipped:
                regraded[student] = regrade_student(gb, layout, assignment, student, cells)
        gb.db.expire_all()
        scores = {}
        for sub in gb.find_assignment(assignment).submissions:
            waiting = sum(
                float(g.max_score)
                for nb in sub.notebooks
                for g in nb.grades
                if g.needs_manual_grade
            )
            scores[sub.student.id] = (float(sub.score), float(sub.max_score), waiting)
        return {"exists": True, "regraded": regraded, "scores": scores}


def _grade_one(
    api: Any, url: str, layout: Any, assignment: str, student: str, force: bool, cells: Any
) -> dict[str, Any]:
    import shutil
    import tempfile

    from trustkit.grading import preprocessors, regrade

    t0 = time.perf_counter()
    info: dict[str, Any] = {"student": student, "regrade": None, "regrade_error": ""}
    tmp = Path(tempfile.mkdtemp(prefix="trustkit-evidence-"))
    try:
        # the saved work as submitted, before the student's kernel can touch any file
        evidence = regrade.snapshot_work(layout.folder("submitted", student, assignment), tmp)
        preprocessors.RESULTS.clear()
        result = api.autograde(assignment, student, force=force, create=True)
        info.update(
            success=bool(result.get("success")),
            error=result.get("error") or "",
            log=result.get("log") or "",
        )
        done = [r for r in preprocessors.RESULTS if r["student"] == student]
        if info["success"] and done:  # the course config recomputed inside nbgrader
            info["regrade"] = _from_pipeline(student, done)
        elif info["success"] and any(c.recomputable for c in cells.values()):
            try:  # a configuration without trustkit's preprocessors: recompute here
                info["regrade"] = _regrade_one(url, layout, assignment, student, cells, evidence)
            except Exception as exc:  # never count kernel scores we could not check
                info["regrade_error"] = f"{type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    info["seconds"] = time.perf_counter() - t0
    return info


def _from_pipeline(student: str, done: list[dict[str, Any]]) -> Any:
    """What RecomputeFromEvidence did for one student, as a StudentRegrade."""
    from trustkit.grading.regrade import StudentRegrade

    result = StudentRegrade(student)
    for entry in done:
        result.recomputed += entry["recomputed"]
        result.changes.extend(entry["changes"])
    return result


def _regrade_one(
    url: str, layout: Any, assignment: str, student: str, cells: Any, evidence: Path | None
) -> Any:
    from nbgrader.api import Gradebook

    from trustkit.grading.regrade import regrade_student

    with Gradebook(url) as gb:
        return regrade_student(gb, layout, assignment, student, cells, evidence=evidence)


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
    everyone = students if students is not None else submitted_students(root, assignment)
    jobs = max(1, jobs or os.cpu_count() or 1)
    run = ClassRun(assignment)
    t_start = time.perf_counter()
    ctx = _context()
    slots: list[_Slot] = []
    spare: list[_Slot] = []

    def start_slot() -> _Slot:
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=_worker, args=(str(root), db_url, child, dict(os.environ)), daemon=True
        )
        proc.start()
        child.close()
        return _Slot(proc, parent)

    def close(slot: _Slot) -> None:
        try:
            slot.conn.send(None)
        except (OSError, BrokenPipeError):
            pass

    def ask(slot: _Slot, *question: Any) -> dict[str, Any]:
        """A gradebook question answered by a worker (waiting for it to be ready first)."""
        try:
            while not slot.ready:
                kind, info = slot.conn.recv()
                if kind == "error":
                    raise TrustkitError(info)
                slot.ready = kind == "ready"
            slot.conn.send(question)
            kind, info = slot.conn.recv()
        except (EOFError, OSError):
            raise TrustkitError(
                f"{root}: the grading process stopped before it could read the gradebook."
            ) from None
        if kind == "error":
            raise TrustkitError(info)
        return info

    def stop(all_slots: list[_Slot]) -> None:
        for slot in all_slots:
            close(slot)
        for slot in all_slots:
            slot.process.join(10)
            if slot.process.is_alive():
                slot.process.kill()
        _stop_fork_server(ctx)

    # the workers start (and fork from a server that imported nbgrader once) straight away
    slots = [start_slot() for _ in range(max(1, min(jobs, len(everyone))))]
    try:
        prepared = ask(slots[0], "prepare", assignment)
        if not prepared["exists"]:
            raise TrustkitError(
                f"{root}: the gradebook has no assignment '{assignment}'; release it first "
                "(make release registers it)."
            )
        if not everyone:
            raise TrustkitError(
                f"{root}: nobody has submitted '{assignment}' yet (submitted/ is empty)."
            )
    except BaseException:
        stop(slots)
        raise
    graded_before = set(prepared["graded"]) if not force else set()
    cells = prepared["cells"]
    todo: list[str] = []
    for s in everyone:
        if not force and already_graded(root, assignment, s, graded_before):
            run.results.append(StudentResult(s, "skipped", message="already autograded"))
        else:
            todo.append(s)
    keep = max(1, len(todo))  # one worker stays for the gradebook questions at the end
    spare = slots[keep:]
    for slot in spare:
        close(slot)
    slots = slots[:keep]
    # the biggest submissions first: the last one to finish is then a short one
    todo.sort(key=lambda s: -_size(root / "submitted" / s / assignment))
    bar = _Progress(len(todo), stream, progress)

    def finish(result: StudentResult) -> None:
        run.results.append(result)
        bar.update(result.student, result.status)
        if on_result:
            on_result(result)

    queue = list(todo)
    retried: set[str] = set()
    try:
        while queue or any(s.student for s in slots):
            for slot in slots:
                if slot.ready and slot.student is None and queue:
                    slot.student = queue.pop(0)
                    slot.started = time.perf_counter()
                    slot.conn.send(("grade", assignment, slot.student, True, cells))
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
                        if info["success"] and info.get("regrade_error"):
                            finish(
                                StudentResult(
                                    student,
                                    "failed",
                                    info["seconds"],
                                    message="autograded, but the saved work could not be "
                                    f"recomputed ({info['regrade_error'][:120]})",
                                )
                            )
                        elif info["success"]:
                            finish(
                                _with_regrade(
                                    StudentResult(student, "graded", info["seconds"]),
                                    info.get("regrade"),
                                )
                            )
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
        skipped = [r.student for r in run.results if r.status == "skipped"]
        final = ask(slots[0], "finish", assignment, skipped, cells)
    finally:
        stop([*slots, *spare])
    for r in run.results:
        if r.student in final["regraded"]:
            _with_regrade(r, final["regraded"][r.student])
        if r.student in final["scores"] and r.status != "failed":
            r.score, r.max_score, r.manual_pending = final["scores"][r.student]
    run.seconds = time.perf_counter() - t_start
    return run


def _size(folder: Path) -> int:
    """Bytes in a submission folder (a rough measure of how long it takes to grade)."""
    try:
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    except OSError:
        return 0


def _with_regrade(result: StudentResult, regraded: Any) -> StudentResult:
    if regraded is not None:
        result.changes = list(regraded.changes)
        result.manual_pending = regraded.manual_pending
        result.recomputed = regraded.recomputed
        if regraded.note and not result.message:
            result.message = regraded.note
    return result


def kind_dead(slot: _Slot, ready: list[Any]) -> bool:
    """The worker's process ended (its sentinel is ready) while it held a student."""
    return slot.process.sentinel in ready and not slot.process.is_alive()
