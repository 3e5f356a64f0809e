"""Unit tests of trustkit.grading.parallel's dispatch on a scripted pool: what a timeout, a
crashed worker, a locked gradebook or a failed recomputation mean for each student.

The real pool, nbgrader and kernels are exercised end to end by tests/grading/test_grade_class.py."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import pytest

from trustkit.grading import parallel

pebble = pytest.importorskip("pebble")


def _info(student: str, **extra: Any) -> dict[str, Any]:
    return {"student": student, "success": True, "error": "", "log": "", "seconds": 1.5, **extra}


LOCKED = {"success": False, "error": "(sqlite3.OperationalError) database is locked"}


class ScriptedPool:
    """Stands in for pebble.ProcessPool: each student's attempts, in order, are a result
    (the worker's dict) or the exception pebble would raise from ``future.result()``."""

    def __init__(self, script: dict[str, list[Any]]) -> None:
        self.script = {s: list(v) for s, v in script.items()}
        self.calls: list[tuple[str, float | None]] = []

    def schedule(self, fn: Any, args: tuple = (), timeout: float | None = None) -> Future:
        assert fn is parallel._grade_student
        _assignment, student, _cells = args
        self.calls.append((student, timeout))
        outcome = self.script[student].pop(0)
        future: Future = Future()
        future.set_running_or_notify_cancel()
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(_info(student, **outcome))
        return future


def _run(script: dict[str, list[Any]], timeout: float = 15) -> tuple[dict, ScriptedPool]:
    pool = ScriptedPool(script)
    results: dict[str, parallel.StudentResult] = {}
    parallel._grade_all(
        pool, "ps1", list(script), {}, timeout, lambda r: results.__setitem__(r.student, r)
    )
    assert all(not left for left in pool.script.values()), "an attempt was not made"
    return results, pool


def test_every_student_is_scheduled_in_order_with_the_timeout() -> None:
    results, pool = _run({"big": [{}], "small": [{}]}, timeout=42)
    assert pool.calls == [("big", 42), ("small", 42)]
    assert {s: r.status for s, r in results.items()} == {"big": "graded", "small": "graded"}
    assert results["big"].seconds == 1.5  # the worker's own measure


def test_a_timeout_and_a_crash_fail_only_their_student() -> None:
    results, _ = _run(
        {
            "hangs": [TimeoutError("Task timeout", 15)],
            "kills-its-worker": [pebble.ProcessExpired("Abnormal termination", code=-9)],
            "fine": [{}],
        }
    )
    assert results["hangs"].status == "failed"
    assert results["hangs"].message == "grading took longer than 15 s and was stopped"
    assert results["kills-its-worker"].status == "failed"
    assert "crashed on this submission" in results["kills-its-worker"].message
    assert results["fine"].status == "graded"


def test_a_locked_gradebook_is_retried_once() -> None:
    results, pool = _run({"once": [LOCKED, {}], "twice": [LOCKED, LOCKED]})
    assert [s for s, _ in pool.calls].count("once") == 2
    assert results["once"].status == "graded"
    assert [s for s, _ in pool.calls].count("twice") == 2  # not a third time
    assert results["twice"].status == "failed" and "database is locked" in results["twice"].message


def test_a_failed_autograde_or_recomputation_is_reported() -> None:
    results, _ = _run(
        {
            "broken": [{"success": False, "error": "", "log": "Traceback\n  File x\nBadNotebook"}],
            "unchecked": [{"regrade_error": "OSError: disk full"}],
            "pool-broke": [RuntimeError("Unexpected error within the Pool")],
        }
    )
    assert results["broken"].status == "failed" and results["broken"].message == "BadNotebook"
    assert results["unchecked"].status == "failed"
    assert "could not be recomputed (OSError: disk full)" in results["unchecked"].message
    assert results["pool-broke"].status == "failed"
    assert "Unexpected error within the Pool" in results["pool-broke"].message


def test_a_failed_autograde_names_the_exception_nbgrader_logged() -> None:
    log = (
        "[INFO] Converting notebook ps1.ipynb\n"
        "[ERROR] There was an error processing assignment: /c/submitted/a/ps1\n"
        "[ERROR] Traceback (most recent call last):\n"
        '  File "nbclient/client.py", line 801, in _async_poll_for_reply\n'
        "    raise CellTimeoutError.error_from_timeout_and_cell(\n"
        "nbclient.exceptions.CellTimeoutError: A cell timed out while it was being executed\n"
        "[ERROR] There was an error processing assignment 'ps1' for student 'a'\n"
        "[ERROR] Please see the the above traceback for details on the specific errors on the "
        "above failures.\n"
    )
    error = (
        "Traceback (most recent call last):\n  File x\nnbgrader.converters.base.NbGraderException: "
        "Please see the the above traceback for details on the specific errors on the above "
        "failures."
    )
    results, _ = _run({"a": [{"success": False, "error": error, "log": log}]})
    assert results["a"].message == (
        "nbclient.exceptions.CellTimeoutError: A cell timed out while it was being executed"
    )


def test_a_broken_config_in_a_worker_is_one_sentence_per_task(tmp_path, monkeypatch) -> None:
    """What a worker does when its NbGraderAPI could not be made (the pool's initializer never
    raises: pebble would count the worker as dead)."""
    monkeypatch.setattr(parallel, "_WORKER", {"error": f"{tmp_path}/nbgrader_config.py: boom."})
    assert parallel._ask_gradebook("prepare", "ps1") == ("error", parallel._WORKER["error"])
    info = parallel._grade_student("ps1", "a", {})
    assert info["success"] is False and info["error"].endswith("boom.")
