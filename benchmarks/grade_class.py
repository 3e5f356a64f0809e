"""Class grading on the real ps01: sequential `nbgrader autograde` against `trustkit grade --jobs 2`.

Builds a temporary copy of the course (the repo's nbgrader_config.py and solutions/, released
and registered with `python -m trustkit.grading.release`), with 40 submissions of the real
ps01-trust that carry saved work: model, partial, blank and hostile (grading functions replaced
from the notebook's own import cell, an edited transcript, stderr noise, corrupt saved work).
One copy is graded with nbgrader's own sequential command followed by `trustkit regrade` (the
grades to compare with), another with `trustkit grade --jobs 2` (autograde and recomputation
together). It checks that every cell's grade is identical and prints the speed-up of `trustkit
grade` (recomputation included) over the sequential `nbgrader autograde` (goal: >= 1.85x on 2
cores), and what plain nbgrader would have let the forgers keep. A last run with `--jobs 1`
splits the figure: what one worker gains over nbgrader's loop (kernels forked from a template,
ready and ended without idle waits: trustkit.grading.kernels) and what the second worker adds.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PS = "ps01-trust"
GOAL = 1.85
FORGE = (
    "\nfrom trustkit.grading import checks\n"
    "for _name in dir(checks):\n"
    "    if _name.startswith(('score_', 'grade_', 'require_')):\n"
    "        setattr(checks, _name, lambda *a, points=1, **k: float(points))\n"
)
KINDS = (
    ["model"] * 14
    + ["partial"] * 10
    + ["blank"] * 6
    + ["forged"] * 4
    + ["tampered"] * 2
    + ["stderr"] * 2
    + ["corrupt"] * 2
)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TRUSTKIT_WORK_DIR", None)
    env.pop("TRUSTKIT_DB_URL", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONWARNINGS"] = "ignore"
    return env


@dataclass
class Timing:
    wall: float
    cpu: float  # user + system seconds of the command and every process it waited for
    load: float  # the machine's 1-minute load average when it ended (other users included)
    output: str


def timed(cmd: list[str], cwd: Path) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=7200)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu, os.getloadavg()[0], proc.stdout + proc.stderr)


def build(base: Path, kinds: list[str]) -> dict[str, str]:
    import nbformat

    from trustkit import work
    from trustkit.engine import play
    from trustkit.grading import instructor, release

    release.prepare_course(base, ROOT)
    release.generate(base / "exercises", base, db_url=f"sqlite:///{base / 'gradebook.db'}")
    source = base / "solutions" / PS / f"{PS}.ipynb"
    rkey, sid, criteria = next(
        (args[0], args[1], args[2])
        for cell in nbformat.read(source, 4).cells
        for name, args, _kw in instructor.grading_calls(cell.source)
        if name == "grade_roleplay"
    )
    path, _ = instructor.model_path(sid, criteria)
    students = {}
    for i, kind in enumerate(kinds):
        student = f"s{i:03d}-{kind}"
        students[student] = kind
        folder = base / "submitted" / student / PS
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
        nb = nbformat.read(base / "exercises" / PS / f"{PS}.ipynb", 4)
        if kind == "forged":
            nb.cells[1].source += FORGE
        if kind == "stderr":
            nb.cells.insert(
                2, nbformat.v4.new_code_cell("import sys\nprint('noise', file=sys.stderr)")
            )
        nbformat.write(nb, folder / f"{PS}.ipynb")
        if kind == "blank":
            continue
        if kind == "corrupt":
            (folder / "trustkit-work").mkdir()
            (folder / "trustkit-work" / "answers-ps01.json").write_bytes(b"\xff\xfe not json")
            (folder / "trustkit-work" / f"{rkey}.json").write_text('{"trustkit_work": "rolepl')
            continue
        instructor.model_work(source, folder)
        if kind in ("partial", "forged"):
            work.save_answer("answers-ps01", "q2", 0, folder)
            work.save_answer("answers-ps01", "q3", [0], folder)
            half = play(sid, path[: len(path) // 2], seed=i, mode="assessment")
            work.save(rkey, "roleplay", {"scenario": sid, "transcript": half.transcript()}, folder)
        if kind == "tampered":
            saved = work.peek(rkey, "roleplay", folder).data
            for turn in saved["transcript"]["turns"]:
                turn["trust_after"] = min(100, turn["trust_after"] + 10)
            work.save(rkey, "roleplay", saved, folder)
    return students


def grades(course: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.find_assignment(PS).submissions:
            cells = {g.name: float(g.score) for nb in sub.notebooks for g in nb.grades}
            out[sub.student.id] = {"total": float(sub.score), **cells}
    return out


def kernel_printed(course: Path, students: dict[str, str]) -> dict[str, float]:
    """What each student's kernel printed in the test cells (kept in the autograded notebook)."""
    import json

    out = {}
    for student in students:
        path = course / "autograded" / student / PS / f"{PS}.ipynb"
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError):
            continue
        out[student] = sum(
            float(c["metadata"]["trustkit"]["kernel_score"] or 0)
            for c in cells
            if "trustkit" in c.get("metadata", {})
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="time each way this many times, interleaved (sequential, parallel, parallel, "
        "sequential, ...), and compare the best of each: other users of a shared machine then "
        "weigh less on the figure (2)",
    )
    args = parser.parse_args()
    from trustkit.grading.parallel import ensure_tools_on_path

    ensure_tools_on_path()
    bindir = Path(sys.executable).parent
    kinds = (KINDS * (args.students // len(KINDS) + 1))[: args.students]
    seq_runs: list[Timing] = []
    par_runs: list[Timing] = []
    one_runs: list[Timing] = []
    regrades: list[Timing] = []
    seq_grades: list[dict] = []
    par_grades: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="trustkit-bench-") as tmp:
        base = Path(tmp) / "base"
        students = build(base, kinds)
        order = []
        for i in range(max(1, args.repeat)):
            order += ["seq", "par"] if i % 2 == 0 else ["par", "seq"]
        if args.jobs > 1:
            order.append("one")  # one worker: what the kernel handling alone gives
        for n, way in enumerate(order):
            course = Path(tmp) / f"{way}-{n}"
            shutil.copytree(base, course)
            if way == "seq":
                seq_runs.append(timed([str(bindir / "nbgrader"), "autograde", PS], course))
                kernel = grades(course)
                printed = kernel_printed(course, students)
                regrades.append(timed([str(bindir / "trustkit"), "regrade", PS], course))
                seq_grades.append(grades(course))
            else:
                jobs = 1 if way == "one" else args.jobs
                command = [str(bindir / "trustkit"), "grade", PS, "--jobs", str(jobs), "--quiet"]
                (one_runs if way == "one" else par_runs).append(timed(command, course))
                par_grades.append(grades(course))
            shutil.rmtree(course)
    t_seq = min(seq_runs, key=lambda t: t.wall)
    t_par = min(par_runs, key=lambda t: t.wall)
    t_regrade = min(regrades, key=lambda t: t.wall)
    forged = sorted(s for s, k in students.items() if k == "forged")
    named = all(
        all(f"{s}: " in r.output.split("Tampering report:", 1)[-1] for s in forged)
        for r in par_runs
    )
    counts = {k: kinds.count(k) for k in dict.fromkeys(kinds)}
    print(
        f"real {PS}, {args.students} submissions with saved work: "
        + ", ".join(f"{n} {k}" for k, n in counts.items())
    )
    print(f"order: {', '.join(order)}; each way's best of {len(seq_runs)} is compared")
    for label, runs in (
        ("nbgrader autograde", seq_runs),
        (f"trustkit grade -j{args.jobs}", par_runs),
        ("trustkit grade -j1", one_runs),
    ):
        if not runs:
            continue
        print(
            f"  {label}: "
            + "; ".join(f"{r.wall:.1f} s wall, {r.cpu:.0f} s CPU, load {r.load:.1f}" for r in runs)
        )
    print(
        f"sequential nbgrader autograde: {t_seq.wall:.1f} s ({t_seq.wall / args.students:.2f} "
        f"s/student); trustkit regrade after it: {t_regrade.wall:.1f} s"
    )
    print(
        f"trustkit grade --jobs {args.jobs} (autograde + recomputation): {t_par.wall:.1f} s "
        f"({t_par.wall / args.students:.2f} s/student)"
    )
    if one_runs:
        t_one = one_runs[0]
        print(
            f"trustkit grade --jobs 1 (one worker: kernels forked from a template and ended at "
            f"once): {t_one.wall:.1f} s, {t_seq.wall / t_one.wall:.2f}x; the second worker adds "
            f"{t_one.wall / t_par.wall:.2f}x"
        )
    speedup = t_seq.wall / t_par.wall
    print(
        f"speed-up: {speedup:.2f}x (goal >= {GOAL}x on 2 cores, on {os.cpu_count()} cores here); "
        f"against autograde + regrade: {(t_seq.wall + t_regrade.wall) / t_par.wall:.2f}x; "
        f"CPU seconds per student: {t_seq.cpu / args.students:.2f} sequential, "
        f"{t_par.cpu / args.students:.2f} trustkit grade"
    )
    same = all(g == seq_grades[0] for g in seq_grades + par_grades)
    print(
        f"grades identical, every cell, every run: {same} "
        f"({len(seq_grades[0])} students, {len(seq_grades) + len(par_grades)} runs)"
    )
    if forged:
        b = par_grades[0]
        partial = next(s for s, k in students.items() if k == "partial")
        print(
            f"forged grading functions: their kernels printed {printed[forged[0]]:g} points each; "
            f"the gradebook holds {kernel[forged[0]]['total']:g} after nbgrader autograde and "
            f"{b[forged[0]]['total']:g} after trustkit grade, what the identical partial work "
            f"earns ({b[partial]['total']:g}); the tampering report names all "
            f"{len(forged)}: {named}"
        )
    return 0 if same and named else 1


if __name__ == "__main__":
    sys.exit(main())
