"""trustkit.grading.kernels: the kernels ``trustkit grade``'s workers run a student in.

A kernel forked from the template must be what ``python -m ipykernel_launcher`` would have
started (its own session, the working directory and environment it was given, fresh random
state, no trustkit imported), must be stopped by the kernel manager as a launched one is, and
must never be needed: whenever the template is gone the kernel is launched the usual way.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from trustkit.grading import kernels

pytest.importorskip("ipykernel")

PROBE = (
    "import json, os, random, sys\n"
    "print(json.dumps({'pid': os.getpid(), 'pgid': os.getpgid(0), 'sid': os.getsid(0),"
    " 'cwd': os.getcwd(), 'env': os.environ.get('TRUSTKIT_KERNEL_PROBE'),"
    " 'random': random.random(), 'trustkit': 'trustkit' in sys.modules,"
    " 'path': sys.path, 'argv0': os.path.basename(sys.argv[0]),"
    " 'grading_dir': any(p.endswith(os.path.join('trustkit', 'grading')) for p in sys.path),"
    " 'sigchld': str(__import__('signal').getsignal(__import__('signal').SIGCHLD))}))"
)


def _arun(coro: Any) -> Any:
    """Run ``coro`` on a loop of its own, in a thread: an earlier test of the suite (a browser
    test's sync API) may have left this thread with a running loop."""
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the test's thread
            out["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def _gone(pid: int, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except OSError:
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def template():
    """A fresh template for this test (the module's one is a worker's)."""
    made = kernels.KernelTemplate()
    old = kernels.TEMPLATE
    kernels.TEMPLATE = made
    made.start()
    try:
        yield made
    finally:
        made.stop()
        kernels.TEMPLATE = old


async def _run(code: str, cwd: Path, *, interrupt_after: float | None = None) -> tuple:
    """Start a kernel with the workers' manager in ``cwd``, run ``code``, stop it at once."""
    km = kernels.QuickKernelManager(kernel_name="python3")
    env = dict(os.environ, TRUSTKIT_KERNEL_PROBE=str(cwd))
    await km.start_kernel(cwd=str(cwd), env=env)
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=60)
        out: list[str] = []
        errors: list[str] = []
        printed = asyncio.Event()

        def hook(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
                printed.set()
            elif msg["msg_type"] == "error":
                errors.append(msg["content"]["ename"])

        run = asyncio.ensure_future(kc.execute_interactive(code, timeout=60, output_hook=hook))
        if interrupt_after is not None:  # once the cell has printed, it is running
            await asyncio.wait_for(printed.wait(), timeout=60)
            await asyncio.sleep(interrupt_after)
            await km.interrupt_kernel()
        await run
        pid = km.provisioner.pid
        forked = isinstance(km.provisioner.process, kernels.ForkedKernel)
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
    return "".join(out), errors, pid, forked


def test_a_forked_kernel_is_what_the_launcher_would_start(template, tmp_path: Path) -> None:
    for name in "abc":
        (tmp_path / name).mkdir()
    first = _arun(_run(PROBE, tmp_path / "a"))
    second = _arun(_run(PROBE, tmp_path / "b"))
    assert first[3] and second[3], "both kernels came from the template"
    template.broken = True
    launched = _arun(_run(PROBE, tmp_path / "c"))
    assert not launched[3], "launched the usual way"
    a, b, c = (json.loads(r[0]) for r in (first, second, launched))
    same = ("path", "argv0", "sigchld", "trustkit", "grading_dir")
    assert {k: a[k] for k in same} == {k: c[k] for k in same}
    for seen, folder in ((a, tmp_path / "a"), (b, tmp_path / "b"), (c, tmp_path / "c")):
        assert seen["pgid"] == seen["pid"] == seen["sid"]  # its own session, as launched
        assert Path(seen["cwd"]) == folder
        assert seen["env"] == str(folder)  # the environment the manager gave it
        assert seen["trustkit"] is False  # nothing of ours is imported before the student's
        assert seen["grading_dir"] is False
        assert seen["argv0"] == "ipykernel_launcher.py"
        assert seen["pid"] != template.proc.pid
    assert a["random"] != b["random"]  # siblings do not share the template's random state
    assert all(_gone(x["pid"]) for x in (a, b, c))  # ended by shutdown_kernel(now=True)


def test_a_forked_kernel_can_be_interrupted(template, tmp_path: Path) -> None:
    out, errors, _pid, forked = _arun(
        _run(
            "import time\nprint('sleeping', flush=True)\ntime.sleep(30)",
            tmp_path,
            interrupt_after=0.2,
        )
    )
    assert forked
    assert out == "sleeping\n"
    assert errors == ["KeyboardInterrupt"]


def test_without_a_template_the_kernel_is_launched_as_usual(template, tmp_path: Path) -> None:
    template.proc.kill()
    template.proc.wait()
    out, _errors, pid, forked = _arun(_run(PROBE, tmp_path))
    assert not forked and template.broken
    assert json.loads(out)["pid"] == pid
    assert _gone(pid)


def test_an_answer_for_someone_else_is_not_taken(
    template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kernel could write to the template's pipes (same user): an answer whose token is not
    the request's makes the worker stop using the template, not adopt a stranger's pid."""
    fake = {"pid": os.getpid(), "id": "someone-else"}
    monkeypatch.setattr(template, "_answer", lambda: (json.dumps(fake) + "\n").encode())
    out, _errors, pid, forked = _arun(_run(PROBE, tmp_path))
    assert not forked and template.broken
    assert pid != os.getpid() and json.loads(out)["pid"] == pid


def test_a_stopped_template_does_not_hold_up_the_next_student(
    template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A student's code can stop its parent, the template (SIGSTOP): the next kernel is then
    launched the usual way after ANSWER_SECONDS, not never."""
    monkeypatch.setattr(template, "ANSWER_SECONDS", 1.0)
    os.kill(template.proc.pid, signal.SIGSTOP)
    t0 = time.monotonic()
    out, _errors, pid, forked = _arun(_run(PROBE, tmp_path))
    assert time.monotonic() - t0 < 50
    assert not forked and template.broken
    assert json.loads(out)["pid"] == pid
    assert template.proc.wait(timeout=10) == -signal.SIGKILL


def test_the_template_ends_its_kernels_when_its_worker_goes(template, tmp_path: Path) -> None:
    """A worker stopped for a hanging student cannot stop that student's kernel: the template,
    seeing its stdin close, does."""
    km = kernels.QuickKernelManager(kernel_name="python3")

    async def start() -> int:
        await km.start_kernel(cwd=str(tmp_path))
        return km.provisioner.pid

    pid = _arun(start())
    assert isinstance(km.provisioner.process, kernels.ForkedKernel)
    os.kill(pid, 0)
    template.proc.stdin.close()
    template.proc.wait(timeout=10)
    assert _gone(pid)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def test_worker_execute_replaces_nbgraders_execute_only() -> None:
    from nbgrader.preprocessors import Execute, LimitOutput, SaveAutoGrades
    from traitlets.config import Config

    course = Config()
    course.Autograde.autograde_preprocessors = [Execute, LimitOutput, SaveAutoGrades]
    assert kernels.use_worker_execute(course)
    assert course.Autograde.autograde_preprocessors == [
        kernels.WorkerExecute,
        LimitOutput,
        SaveAutoGrades,
    ]
    default = Config()
    assert kernels.use_worker_execute(default)  # nbgrader's own list
    assert kernels.WorkerExecute in default.Autograde.autograde_preprocessors
    assert Execute not in default.Autograde.autograde_preprocessors
    named = Config()
    named.Autograde.autograde_preprocessors = ["nbgrader.preprocessors.Execute"]
    assert kernels.use_worker_execute(named)
    assert named.Autograde.autograde_preprocessors == [kernels.WorkerExecute]
    without = Config()
    without.Autograde.autograde_preprocessors = [LimitOutput]
    assert not kernels.use_worker_execute(without)
    assert without.Autograde.autograde_preprocessors == [LimitOutput]


def test_worker_execute_keeps_the_course_settings_and_ends_kernels_at_once() -> None:
    from traitlets.config import Config

    config = Config()
    config.Execute.timeout = 7
    execute = kernels.WorkerExecute(config=config)
    assert execute.timeout == 7
    assert execute.shutdown_kernel == "immediate"
    assert execute.kernel_manager_class is kernels.QuickKernelManager
