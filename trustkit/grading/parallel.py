"""Grading a whole class: nbgrader's autograde, run for many students in parallel.

nbgrader autogrades one student after another, and every ``nbgrader autograde`` command pays
for importing nbgrader and the Jupyter stack again. Here a process pool (:class:`pebble.ProcessPool`)
grades student after student in-process through :meth:`nbgrader.apps.NbGraderAPI.autograde`,
the very code path ``nbgrader autograde`` runs, so the grades are nbgrader's own. The workers
fork from a server process that imported nbgrader once (``forkserver`` with
:data:`PRELOAD`), each builds its ``NbGraderAPI`` once (:func:`_start_worker`), and this process
never imports nbgrader: its gradebook questions are pool tasks too. So a class run costs no more
imports than one ``nbgrader autograde``. Each worker runs its students' kernels through
:mod:`trustkit.grading.kernels`: nbgrader's Execute, with each kernel forked from a template
that imported IPython once, and ended as soon as its last cell has run. The parent:

- hands one student at a time to each idle worker (``jobs`` workers, default: the CPU count),
  the biggest submissions first;
- has pebble stop a worker whose student takes longer than ``student_timeout`` seconds (a
  hanging submission), reports that student as failed, and goes on with a fresh worker;
- reports a student whose worker crashed (pebble starts another), and retries a student once
  if the gradebook was locked;
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
import re
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
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


# ---------------------------------------------------------------------------------------------
# the workers (pebble's process pool; every function below the pool's runs in a worker)
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


_WORKER: dict[str, Any] = {}
"""In a worker: the NbGraderAPI, the gradebook URL and the course layout (or the error that
kept them from being made), built once by :func:`_start_worker`."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _start_worker(root: str, db_url: str | None, env: dict[str, str] | None = None) -> None:
    """The pool's initializer: set up one worker, once, for every student it will grade.

    Never raises (pebble counts a failing initializer as a worker that died): a broken
    ``nbgrader_config.py`` is kept as a message the worker gives for every task instead.
    ``env`` is the parent's environment now (a fork server keeps the one it started with).
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
    _WORKER.clear()
    try:
        from nbgrader.apps import NbGraderAPI
        from nbgrader.apps.nbgraderapp import NbGrader

        from trustkit.grading import kernels, regrade

        app = NbGrader()
        app.initialize([])  # reads nbgrader_config.py in the course root
        config = app.config
        config.CourseDirectory.root = root
        if db_url:
            config.CourseDirectory.db_url = db_url
        kernels.use_worker_execute(config)  # kernels forked from a template, ended at once
        kernels.start_template()
        _stop_template_on_exit()
        api = NbGraderAPI(config=config)
        _WORKER.update(api=api, url=api.coursedir.db_url, layout=regrade.course_layout(root))
    except Exception as exc:  # a broken nbgrader_config.py, most likely: say it, then stop
        config_file = Path(root) / "nbgrader_config.py"
        _WORKER["error"] = f"{config_file}: cannot be read ({_first_line(exc)})."


def _stop_template() -> None:
    """Stop this worker's kernel template and wait for it (it reaps its kernels first, so
    their CPU time is counted like any child's), with SIGTERM held off meanwhile."""
    from trustkit.grading import kernels

    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    kernels.TEMPLATE.stop()


def _stop_template_on_exit() -> None:
    """However pebble ends this worker, the template goes first: at a normal end (its channel
    closed: multiprocessing's finalizers) and on SIGTERM (the pool stopping, or a student over
    time), which may also come in the middle of the first, whose own exit it would cut short."""
    from multiprocessing import util

    util.Finalize(None, _stop_template, exitpriority=10)
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: Any) -> None:
        _stop_template()
        if callable(previous):
            previous(signum, frame)
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)


def _ask_gradebook(kind: str, assignment: str, *args: Any) -> tuple[str, Any]:
    """A pool task: the parent's gradebook questions, before the class ("prepare") and after
    ("finish"). Returns ``("ok", answer)`` or ``("error", one sentence)``; never raises."""
    if "error" in _WORKER:
        return "error", _WORKER["error"]
    url = _WORKER["url"]
    try:
        return "ok", _query(url, _WORKER["layout"], kind, assignment, *args)
    except Exception as exc:
        return "error", f"{url}: the gradebook cannot be opened ({_first_line(exc)[:200]})."


def _query(url: str, layout: Any, kind: str, assignment: str, *args: Any) -> dict[str, Any]:
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
        return {"exists": True, "regraded": regraded, "scores": _scores(gb, assignment)}


def _scores(gb: Any, assignment: str) -> dict[str, tuple[float, float, float]]:
    """``{student: (score, max score, points awaiting manual grading)}`` from the gradebook."""
    out = {}
    for sub in gb.find_assignment(assignment).submissions:
        waiting = sum(
            float(g.max_score) for nb in sub.notebooks for g in nb.grades if g.needs_manual_grade
        )
        out[sub.student.id] = (float(sub.score), float(sub.max_score), waiting)
    return out


def _grade_student(assignment: str, student: str, cells: Any) -> dict[str, Any]:
    """A pool task: autograde one student (and recompute); never raises."""
    if "error" in _WORKER:
        return {"student": student, "success": False, "error": _WORKER["error"], "seconds": 0.0}
    try:
        return _grade_one(
            _WORKER["api"], _WORKER["url"], _WORKER["layout"], assignment, student, cells
        )
    except Exception as exc:  # nbgrader itself failed on this submission
        return {
            "student": student,
            "success": False,
            "error": f"{type(exc).__name__}: {_first_line(exc)}",
            "seconds": 0.0,
        }


def _grade_one(
    api: Any, url: str, layout: Any, assignment: str, student: str, cells: Any
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
        # force: the parent has already decided whom to skip
        result = api.autograde(assignment, student, force=True, create=True)
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


# ---------------------------------------------------------------------------------------------
# the parent
# ---------------------------------------------------------------------------------------------
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Timeout)\b.*")


def _short_reason(info: dict[str, Any]) -> str:
    """One line saying why autograde failed: the exception nbgrader logged, rather than its
    closing "Please see the above traceback" line."""
    text = (info.get("error") or info.get("log") or "").strip().splitlines()
    if any("above traceback" in line or "see the error log" in line for line in text[-3:]):
        logged = [
            line.strip()
            for line in (info.get("log") or "").splitlines()
            if _EXCEPTION_LINE.match(line.strip()) and "NbGraderException" not in line
        ]
        if logged:
            return logged[-1][:200]
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


def _ask(pool: Any, root: Path, *question: Any) -> dict[str, Any]:
    """A gradebook question, answered by whichever worker is free."""
    try:
        kind, answer = pool.schedule(_ask_gradebook, args=question).result()
    except Exception:  # the worker died (ProcessExpired) or the pool broke
        raise TrustkitError(
            f"{root}: the grading process stopped before it could read the gradebook."
        ) from None
    if kind == "error":
        raise TrustkitError(answer)
    return answer


def _outcome(
    student: str, future: Future, seconds: float, student_timeout: float, may_retry: bool = False
) -> StudentResult | None:
    """What a finished grading task means for its student; None: grade it again (the gradebook
    was locked, and ``may_retry``)."""
    from pebble import ProcessExpired

    try:
        info = future.result()
    except TimeoutError:
        return StudentResult(
            student,
            "failed",
            seconds,
            message=f"grading took longer than {student_timeout:g} s and was stopped",
        )
    except ProcessExpired:
        return StudentResult(
            student, "failed", seconds, message="the grading process crashed on this submission"
        )
    except Exception as exc:  # the pool itself broke: say so for this student, go on
        return StudentResult(
            student, "failed", seconds, message=f"the grading process failed ({_first_line(exc)})"
        )
    if info["success"] and info.get("regrade_error"):
        return StudentResult(
            student,
            "failed",
            info["seconds"],
            message="autograded, but the saved work could not be "
            f"recomputed ({info['regrade_error'][:120]})",
        )
    if info["success"]:
        return _with_regrade(StudentResult(student, "graded", info["seconds"]), info.get("regrade"))
    if may_retry and "database is locked" in info["error"]:
        return None
    return StudentResult(student, "failed", info["seconds"], message=_short_reason(info))


def _grade_all(
    pool: Any,
    assignment: str,
    todo: list[str],
    cells: Any,
    student_timeout: float,
    finish: Callable[[StudentResult], None],
) -> None:
    """Hand every student to the pool (in this order), and ``finish`` each as it ends.

    pebble stops a worker whose student runs longer than ``student_timeout`` (counted from
    when the worker took the student) and starts a fresh one; a worker that dies fails only
    its own student. A student whose autograde found the gradebook locked goes again, once.
    """
    pending: dict[Future, str] = {}
    started: dict[Future, float] = {}
    retried: set[str] = set()

    def schedule(student: str) -> None:
        future = pool.schedule(
            _grade_student, args=(assignment, student, cells), timeout=student_timeout
        )
        pending[future] = student

    for student in todo:
        schedule(student)
    while pending:
        done, _ = wait(list(pending), timeout=0.5, return_when=FIRST_COMPLETED)
        now = time.perf_counter()
        for future in pending:
            if future not in started and (future.running() or future.done()):
                started[future] = now
        for future in done:
            student = pending.pop(future)
            seconds = now - started.pop(future, now)
            result = _outcome(
                student, future, seconds, student_timeout, may_retry=student not in retried
            )
            if result is None:
                retried.add(student)
                schedule(student)
            else:
                finish(result)


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
    from pebble import ProcessPool

    root = Path(root).resolve()
    ensure_tools_on_path()
    if not (root / "nbgrader_config.py").exists():
        raise TrustkitError(f"{root}: no nbgrader_config.py here; run from the course folder.")
    everyone = students if students is not None else submitted_students(root, assignment)
    jobs = max(1, jobs or os.cpu_count() or 1)
    run = ClassRun(assignment)
    t_start = time.perf_counter()
    ctx = _context()
    # the workers start (forked from a server that imported nbgrader once) with the first task
    pool = ProcessPool(
        max_workers=max(1, min(jobs, len(everyone))),
        initializer=_start_worker,
        initargs=(str(root), db_url, dict(os.environ)),
        context=ctx,
    )
    try:
        prepared = _ask(pool, root, "prepare", assignment)
        if not prepared["exists"]:
            raise TrustkitError(
                f"{root}: the gradebook has no assignment '{assignment}'; release it first "
                "(make release registers it)."
            )
        if not everyone:
            raise TrustkitError(
                f"{root}: nobody has submitted '{assignment}' yet (submitted/ is empty)."
            )
        graded_before = set(prepared["graded"]) if not force else set()
        cells = prepared["cells"]
        todo: list[str] = []
        for s in everyone:
            if not force and already_graded(root, assignment, s, graded_before):
                run.results.append(StudentResult(s, "skipped", message="already autograded"))
            else:
                todo.append(s)
        # the biggest submissions first: the last one to finish is then a short one
        todo.sort(key=lambda s: -_size(root / "submitted" / s / assignment))
        bar = _Progress(len(todo), stream, progress)

        def finish(result: StudentResult) -> None:
            run.results.append(result)
            bar.update(result.student, result.status)
            if on_result:
                on_result(result)

        _grade_all(pool, assignment, todo, cells, student_timeout, finish)
        skipped = [r.student for r in run.results if r.status == "skipped"]
        final = _ask(pool, root, "finish", assignment, skipped, cells)
    finally:
        pool.stop()
        pool.join()
        _stop_fork_server(ctx)
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
