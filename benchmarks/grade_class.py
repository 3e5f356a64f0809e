"""Class grading: sequential `nbgrader autograde` against `trustkit grade --jobs 2`, one run.

Builds a temporary course with 40 submissions (correct, partial, blank and hostile: an
infinite loop, stderr noise, output spam, a file that is not a notebook), grades a copy of it
with nbgrader's own sequential command and another copy with `trustkit grade --jobs 2`, checks
that every grade is identical, and prints the speed-up (goal: >= 1.8x on 2 cores).

It also reports where the time goes: the cost of starting Python with nbgrader imported (paid
once per `nbgrader autograde` command, and once per worker by trustkit) and of starting a
kernel (paid per notebook by both).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_grade_class import _scores, make_course, submit  # noqa: E402

KINDS = ["full"] * 16 + ["partial"] * 10 + ["blank"] * 6 + ["stderr", "spam", "loop", "broken"] * 2


def timed(cmd: list[str], cwd: Path) -> float:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False, timeout=3600)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        base = make_course(Path(tmp) / "base")
        kinds = (KINDS * (args.students // len(KINDS) + 1))[: args.students]
        submit(base, {f"s{i:03d}-{k}": k for i, k in enumerate(kinds)})
        seq, par = Path(tmp) / "sequential", Path(tmp) / "parallel"
        shutil.copytree(base, seq)
        shutil.copytree(base, par)
        t_import = min(
            timed([sys.executable, "-c", "import nbgrader.apps, nbgrader.api"], Path(tmp))
            for _ in range(3)
        )
        t_kernel = min(
            timed(
                [
                    sys.executable,
                    "-c",
                    "from jupyter_client.manager import start_new_kernel as s;"
                    "km, kc = s(); kc.stop_channels(); km.shutdown_kernel(now=True)",
                ],
                Path(tmp),
            )
            for _ in range(3)
        )
        t_seq = timed([str(bindir / "nbgrader"), "autograde", "ps1"], seq)
        t_par = timed(
            [str(bindir / "trustkit"), "grade", "ps1", "--jobs", str(args.jobs), "--quiet"], par
        )
        a, b = _scores(seq), _scores(par)
    same = a == b
    print(f"submissions: {args.students} ({len(set(kinds))} kinds, hostile ones included)")
    print(
        f"python + nbgrader import: {t_import:.2f} s; one kernel start and stop: {t_kernel:.2f} s"
    )
    print(f"sequential nbgrader autograde: {t_seq:.1f} s ({t_seq / args.students:.2f} s/student)")
    print(
        f"trustkit grade --jobs {args.jobs}: {t_par:.1f} s ({t_par / args.students:.2f} s/student)"
    )
    print(f"speed-up: {t_seq / t_par:.2f}x (goal >= 1.8x on 2 cores)")
    print(f"grades identical: {same} ({len(a)} students in both gradebooks)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
