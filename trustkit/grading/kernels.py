"""How ``trustkit grade``'s workers run a student's kernel: nbgrader's Execute, made quicker.

nbgrader executes each submission in a fresh kernel through nbclient. Per student, on ps01, much
of what that costs is not the student's notebook: a new Python process imports IPython's kernel
(about 0.4 s of CPU), the client's first connection attempts fail until the kernel has bound its
ports and zmq retries only every 100 ms, jupyter_client then waits for 200 ms of silence from
the kernel before calling it ready, and at the end the kernel is shut down *gracefully* (its exit
handlers, and a check every 100 ms whether it has gone: 0.3 s). A worker uses
:class:`WorkerExecute`, nbgrader's own ``Execute`` with these changes only:

- the kernel is forked from the worker's template (:mod:`trustkit.grading._zygote`, a process
  that has imported IPython's kernel and never runs a student's code) into what ``python -m
  ipykernel_launcher`` would have started: its own session, the working directory and
  environment jupyter_client gives it, fresh random state; whenever the template cannot (it
  died, was stopped, gave no answer or another request's, another interpreter or kernel or its
  own stdin/stdout/stderr is asked for, no ``fork``), the kernel is launched as usual;
- the client retries a connection every 5 ms, and takes the kernel as ready after 30 ms of quiet
  (nbclient ignores any message that is not a reply to its own requests);
- the kernel is ended at once after the last cell (``shutdown_kernel = "immediate"``: its process
  group gets SIGKILL, which also ends anything the student's code left running), and the wait for
  it checks every 5 ms.

Grades cannot change: every output the grade is read from has arrived before the kernel ends
(nbclient waits for each cell's idle status), and ``benchmarks/grade_class.py`` checks every
cell's grade against ``nbgrader autograde``'s. Timeouts, interrupts, the cell budget and the
course's other ``Execute`` settings are nbgrader's; a course configuration whose autograde steps
have no ``Execute`` is left as it is.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from nbgrader.preprocessors import Execute
from traitlets import default

POLL_SECONDS = 0.005


class ForkedKernel:
    """The part of :class:`subprocess.Popen` jupyter_client uses, for a kernel the template
    forked (its parent is the template, not this process; a pidfd tells when it has ended)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._fd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self._fd = None

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        if self._fd is not None:
            ended, _, _ = select.select([self._fd], [], [], 0)
            if not ended:
                return None
            os.close(self._fd)
            self._fd = None
        else:
            try:
                os.kill(self.pid, 0)
                return None
            except ProcessLookupError:
                pass
        self.returncode = -1  # not known here: the template, its parent, collects it
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(POLL_SECONDS)
        return code

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class KernelTemplate:
    """A worker's kernel template (:mod:`trustkit.grading._zygote`): a process that has imported
    IPython's kernel once and forks a kernel per request. ``spawn`` returns None whenever it
    cannot (the template failed or died), and the caller launches the kernel the usual way."""

    LAUNCHER = ["-m", "ipykernel_launcher"]
    ANSWER_SECONDS = 10.0
    """How long a fork may take before the template counts as broken (a student's code could
    stop it with SIGSTOP; the next student must not wait for it)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.answers: int | None = None  # the read end of the answer pipe
        self.broken = False
        self.requests = 0

    def start(self) -> None:
        if self.proc is not None or self.broken:
            return
        if not hasattr(os, "fork"):  # Windows: kernels are launched as usual
            self.broken = True
            return
        read, write = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("_zygote.py")), str(write)],
                stdin=subprocess.PIPE,
                pass_fds=(write,),
            )
        except (OSError, ValueError):
            self.broken = True
            os.close(read)
            return
        finally:
            os.close(write)
        self.answers = read

    def fits(self, cmd: list[str]) -> bool:
        """``cmd`` is this interpreter's ``python -m ipykernel_launcher ...``."""
        return len(cmd) > 3 and cmd[0] == sys.executable and cmd[1:3] == self.LAUNCHER

    def spawn(self, cmd: list[str], cwd: str, env: dict[str, str]) -> int | None:
        self.start()
        if self.proc is None or self.broken or self.proc.poll() is not None:
            self.broken = True
            return None
        self.requests += 1
        token = f"{os.getpid()}-{self.requests}"
        request = {
            "id": token,
            "argv": [os.path.expanduser(a) for a in cmd[3:]],
            "cwd": cwd,
            "env": env,
        }
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
            answer = json.loads(self._answer() or "{}")
        except (OSError, ValueError):
            answer = {}
        if not isinstance(answer, dict) or answer.get("id") != token:
            answer = {}
        if not isinstance(answer.get("pid"), int):
            self.broken = True
            self.proc.kill()  # stopped or confused: it forks no more kernels
            return None
        return answer["pid"]

    def _answer(self) -> bytes:
        """One line from the template within ``ANSWER_SECONDS``; empty if none, or more."""
        assert self.answers is not None
        deadline = time.monotonic() + self.ANSWER_SECONDS
        got = b""
        while not got.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.answers], [], [], max(0.0, left))
            if not ready:
                return b""
            chunk = os.read(self.answers, 65536)
            if not chunk:
                return b""
            got += chunk
        return got if got.count(b"\n") == 1 else b""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
                self.proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        if self.answers is not None:
            os.close(self.answers)
            self.answers = None
        self.proc = None


TEMPLATE = KernelTemplate()
"""This worker's kernel template (started by :func:`start_template`)."""


def start_template() -> None:
    """Start this process's kernel template now, so its imports overlap other work."""
    TEMPLATE.start()


class QuickKernelClient(AsyncKernelClient):
    """jupyter_client's client, retrying a connection every 5 ms (zmq's default is 100 ms), and
    taking a kernel as ready after 30 ms without start-up messages (jupyter_client waits for
    200 ms of quiet; nbclient ignores any message that is not a reply to its own requests)."""

    QUIET_SECONDS = 0.03

    def _context_default(self) -> zmq.asyncio.Context:
        context = super()._context_default()
        context.setsockopt(zmq.RECONNECT_IVL, 5)
        return context

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        channel = self.iopub_channel
        get_msg = channel.get_msg

        async def quicker(timeout: float | None = None) -> Any:
            if timeout is not None:
                timeout = min(timeout, self.QUIET_SECONDS)
            return await get_msg(timeout=timeout)

        channel.get_msg = quicker
        try:
            await AsyncKernelClient.wait_for_ready(self, timeout=timeout)
        finally:
            del channel.get_msg


class QuickKernelManager(AsyncKernelManager):
    """jupyter_client's kernel manager, with a kernel forked from the worker's template (when
    it is this interpreter's IPython kernel and the template runs) and checking every 5 ms (not
    100) whether a kernel has ended."""

    @default("client_factory")
    def _quick_client(self) -> type:
        return QuickKernelClient

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        provisioner = self.provisioner
        redirected = any(kw.get(name) is not None for name in ("stdin", "stdout", "stderr"))
        if type(provisioner) is LocalProvisioner and TEMPLATE.fits(kernel_cmd) and not redirected:
            cwd = str(kw.get("cwd") or os.getcwd())
            env = dict(kw.get("env") or os.environ)
            env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it
            pid = TEMPLATE.spawn(kernel_cmd, cwd, env)
            if pid is not None:
                provisioner.process = ForkedKernel(pid)
                provisioner.pid = pid
                provisioner.pgid = pid  # the kernel starts its own session
                provisioner.cwd = cwd
                self._reconcile_connection_info(provisioner.connection_info)
                return
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        await super()._async_wait(pollinterval=min(pollinterval, POLL_SECONDS))


class WorkerExecute(Execute):
    """nbgrader's Execute, with kernels from :class:`QuickKernelManager` (forked from the
    template, ready without idle waits) ended at once after the last cell (module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("kernel_manager_class", QuickKernelManager)
        kwargs.setdefault("shutdown_kernel", "immediate")
        super().__init__(*args, **kwargs)


def _is_execute(step: Any) -> bool:
    if isinstance(step, str):
        return step in ("nbgrader.preprocessors.Execute", "nbgrader.preprocessors.execute.Execute")
    return step is Execute


def use_worker_execute(config: Any) -> bool:
    """Swap nbgrader's ``Execute`` for :class:`WorkerExecute` in ``config``'s autograde steps
    (the course's list, else nbgrader's default). False if the list has no ``Execute``."""
    from nbgrader.converters.autograde import Autograde

    configured = config.Autograde.get("autograde_preprocessors")
    if configured is None:
        configured = Autograde.class_traits()["autograde_preprocessors"].default()
    steps = list(configured)
    if not any(_is_execute(step) for step in steps):
        return False
    config.Autograde.autograde_preprocessors = [
        WorkerExecute if _is_execute(step) else step for step in steps
    ]
    return True
