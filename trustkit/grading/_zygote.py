"""A kernel template for ``trustkit grade``'s workers: forks students' IPython kernels.

A worker runs this file as a script, ``python .../_zygote.py FD``
(:class:`trustkit.grading.kernels.KernelTemplate`). It imports the IPython kernel once, then
reads one request per line on stdin, a JSON object ``{"id": ..., "argv": [...], "cwd": ...,
"env": {...}}`` holding the arguments ``python -m ipykernel_launcher`` would get, forks, and
answers ``{"pid": N, "id": ...}`` (or ``{"error": ...}``) on the pipe ``FD``. The child becomes
what that command would have started: its own session (process group), that working directory
and environment, stdin on /dev/null, the stdout and stderr this process was given, fresh random
state, SIGINT as a new process has it, and then the kernel app's own ``launch_new_instance``.
This process never runs a student's code, so every kernel starts from the same clean state; it
only saves each kernel the time of importing IPython.

It reaps the kernels it forked, and when stdin closes (its worker has gone, stopped for a
hanging student, say) it kills those still running, as their worker no longer can.
Nothing here starts a thread, an event loop or a socket before forking.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
from pathlib import Path

# as ipykernel_launcher does: the working directory is not a place to import from
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import importlib  # noqa: E402

import ipykernel_launcher  # noqa: E402 - only its file name, for sys.argv[0]
from ipykernel import kernelapp  # noqa: E402

# what a kernel imports while it starts (its debugger, history, inspector): importing them here
# saves every kernel that time (measured on ps01: ready in 0.07 s instead of 0.14 s, 0.04 s of
# the kernel's CPU instead of 0.12 s); a module that cannot be imported is left to the kernel
WARM = (
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython.core.debugger",
    "IPython.core.oinspect",
    "IPython.core.completerlib",
    "IPython.extensions.storemagic",
    "sqlite3",
    "psutil",
)
for _name in WARM:
    try:
        importlib.import_module(_name)
    except Exception:  # noqa: S112 - optional: the kernel imports it itself if it needs it
        continue


def _become_kernel(request: dict) -> int:
    """In the forked child: set up as a freshly launched kernel process, run it, return a code."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)  # jupyter_client closes a kernel's stdin pipe at once
    os.close(devnull)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    import random

    random.seed()  # a fresh process would not share its random state with its siblings
    sys.argv = [ipykernel_launcher.__file__, *request["argv"]]
    try:
        kernelapp.launch_new_instance(argv=list(request["argv"]))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _reap(kernels: set[int]) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        kernels.discard(pid)


def _end(kernels: set[int]) -> None:
    """The worker has gone: so do the kernels it can no longer stop (a hanging one, say)."""
    for pid in kernels:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    for pid in kernels:
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass


def main(answer_fd: int) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker ends us (stdin closes)
    requests = sys.stdin.buffer
    answers = os.fdopen(answer_fd, "w", buffering=1, encoding="utf-8")
    kernels: set[int] = set()
    while True:
        ready, _, _ = select.select([requests], [], [], 0.2)
        _reap(kernels)
        if not ready:
            continue
        line = requests.readline()
        if not line:
            _end(kernels)
            return 0
        try:
            request = json.loads(line)
            pid = os.fork()
        except (ValueError, OSError) as exc:
            answers.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            continue
        if pid == 0:  # the kernel
            code = 1
            try:
                answers.close()
                code = _become_kernel(request)
            finally:
                import atexit

                atexit._run_exitfuncs()
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        kernels.add(pid)
        answers.write(json.dumps({"pid": pid, "id": request.get("id")}) + "\n")


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
