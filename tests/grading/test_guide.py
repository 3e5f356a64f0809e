"""docs/instructors.md works as written: its commands, run literally and in order, on a copy of
the course with a local exchange and four students, one of whom forges the grading functions.

The guide's "One term, step by step" section is parsed: every ```console block is run, command by
command, in the course folder, exactly as written. Between the blocks this test does what the
guide says people do by hand (students work and submit; the instructor marks a reflection in
formgrader). Step 4 offers two ways to autograde; each runs on its own copy of the course.

"Done when" of issue 15: a submission that replaces the grading functions from an existing cell
gets exactly the score its saved work deserves, under `trustkit grade` and under `nbgrader
autograde` + `trustkit regrade`, and the tampering report names it.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trustkit import work
from trustkit.grading import instructor
from trustkit.grading.cells import points_for

from ..conftest import ROOT

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader")

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

PS = "ps01-trust"
GUIDE = ROOT / "docs" / "instructors.md"
BIN = Path(sys.executable).parent
FORGE = (
    "\nfrom trustkit.grading import checks\n"
    "for _name in dir(checks):\n"
    "    if _name.startswith(('score_', 'grade_', 'require_')):\n"
    "        setattr(checks, _name, lambda *a, points=1, **k: float(points))\n"
)
REFLECTION = "When I named his tiredness, he told me about the ibuprofen and the black stools."


def guide_steps() -> list[tuple[int, list[list[str]]]]:
    """``[(step number, [console block's commands, ...]), ...]`` of the step-by-step section."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("## One term, step by step", 1)[1].split("\n## ", 1)[0]
    steps: list[tuple[int, list[list[str]]]] = []
    for match in re.finditer(r"(?ms)^(\d+)\. \*\*.*?(?=^\d+\. \*\*|\Z)", section):
        blocks = re.findall(r"```console\n(.*?)```", match.group(0), re.S)
        commands = [[c.strip() for c in b.strip().splitlines() if c.strip()] for b in blocks]
        steps.append((int(match.group(1)), commands))
    return steps


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TRUSTKIT_WORK_DIR", None)  # the kernel must use the notebook's own folder
    env.pop("TRUSTKIT_DB_URL", None)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONWARNINGS"] = "ignore"
    return env


def run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    """One command of the guide, as typed in a shell in ``cwd``; it must succeed, one-line."""
    proc = subprocess.run(
        command, shell=True, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, f"{command}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stdout + proc.stderr, f"{command}\n{proc.stderr[-3000:]}"
    return proc


def _course(tmp: Path) -> Path:
    """A copy of the course as an instructor has it: config, solutions, Makefile, the venv."""
    course = tmp / "course"
    course.mkdir()
    for name in ("nbgrader_config.py", "Makefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, course / name)
    os.utime(course / "pyproject.toml", (0, 0))  # older than the venv's stamp: no reinstall
    shutil.copytree(
        ROOT / "solutions",
        course / "solutions",
        ignore=shutil.ignore_patterns("trustkit-work", ".ipynb_checkpoints", "__pycache__"),
    )
    (course / ".venv").symlink_to(BIN.parent)
    exchange = tmp / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write(
            f'\n# test course: a local exchange, shorter timeouts\nc.Exchange.root = "{exchange}"\n'
            "c.Execute.timeout = 30\n_budget = CellBudget(per_cell=30, per_notebook=240)\n"
            "c.Execute.timeout_func = _budget\nc.Execute.on_notebook_start = _budget.start\n"
        )
    return course


def _scores(course: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.find_assignment(PS).submissions:
            cells = {g.name: float(g.score) for nb in sub.notebooks for g in nb.grades}
            out[sub.student.id] = {"total": float(sub.score), **cells}
    return out


def _weak_work(folder: Path) -> None:
    """Honest but weak: q1 right (1), q3 one of two right options (1), q5 wrong; nothing else."""
    work.save_answer("answers-ps01", "q1", 1, folder)
    work.save_answer("answers-ps01", "q3", [0], folder)
    work.save_answer("answers-ps01", "q5", "no idea, sorry", folder)


def _place(course: Path, student: str, notebook, weak: bool) -> Path:
    folder = course / "submitted" / student / PS
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{PS}.ipynb")
    (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    if weak:
        _weak_work(folder)
    return folder


def _release(course: Path):
    return nbformat.read(course / "exercises" / PS / f"{PS}.ipynb", as_version=4)


def _with_reflection(nb):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "ps01-reflection":
            cell.source = REFLECTION
    return nb


@pytest.fixture(scope="module")
def term(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("guide")
    course = _course(tmp)
    steps = dict(guide_steps())
    assert sorted(steps) == [1, 2, 3, 4, 5, 6, 7], steps
    source = course / "solutions" / PS / f"{PS}.ipynb"
    log: dict = {"course": course, "out": {}}

    # 1. check and release; an instructor's try-out in exercises/ must survive `make release`
    tryout = course / "exercises" / PS / "trustkit-work" / "answers-ps01.json"
    work.save_answer("answers-ps01", "q1", 3, tryout.parent.parent)
    [block] = steps[1]
    for command in block:
        if command.startswith("nbgrader release_assignment"):
            assert tryout.exists(), "make release deleted saved work in exercises/"
            # what make release's warning says to do before releasing
            shutil.move(str(tryout.parent), str(tmp / "my-tryout"))
        proc = run(command, course)
        log["out"][command] = proc.stdout + proc.stderr
    assert not (course / "solutions" / PS / "trustkit-work").exists()  # validate wrote nothing
    assert "passes all the tests" in log["out"][block[0]]
    assert "someone's saved work, kept" in log["out"]["make release"]

    # 2. students work: one through the exchange (the OS account), three placed by hand
    assert steps[2] == []
    student_dir = tmp / "student"
    student_dir.mkdir()
    (student_dir / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f'c.Exchange.root = "{tmp / "exchange"}"\n'
        'c.CourseDirectory.course_id = "trustkit"\n'
    )
    run(f"nbgrader fetch_assignment {PS}", student_dir)
    fetched = student_dir / PS
    instructor.model_work(source, fetched)
    nb = _with_reflection(nbformat.read(fetched / f"{PS}.ipynb", as_version=4))
    nbformat.write(nb, fetched / f"{PS}.ipynb")
    run(f"nbgrader submit {PS}", student_dir)
    _place(course, "weak", _with_reflection(_release(course)), weak=True)
    forged = _with_reflection(_release(course))
    forged.cells[1].source += FORGE  # the notebook's own import cell: no cell added
    _place(course, "forger", forged, weak=True)
    _place(course, "blank", _release(course), weak=False)

    # 3. collect
    [block] = steps[3]
    for command in block:
        run(command, course)
    exchange_student = next(
        p.name
        for p in (course / "submitted").iterdir()
        if p.name not in ("weak", "forger", "blank")
    )
    assert (course / "submitted" / exchange_student / PS / "trustkit-work").is_dir()
    log["model"] = exchange_student

    # 4. autograde, both ways, each on its own copy of the course
    parallel, sequential = steps[4]
    other = tmp / "course-nbgrader"
    shutil.copytree(course, other, symlinks=True)
    log["grade"] = "".join(run(c, course).stdout for c in parallel)
    log["scores"] = _scores(course)
    for command in sequential:
        proc = run(command, other)
        if command.startswith("nbgrader autograde"):
            log["kernel_scores"] = _scores(other)  # what plain nbgrader would have kept
        else:
            log["regrade"] = proc.stdout
    log["scores_nbgrader"] = _scores(other)
    log["other"] = other

    # 5. grade by hand: what formgrader does when you mark the model's reflection
    from nbgrader.api import Gradebook

    from trustkit.grading.regrade import regrade

    assert steps[5] == []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grade = gb.find_grade("ps01-reflection", PS, PS, exchange_student)
        grade.manual_score = 3.0
        grade.needs_manual_grade = False
        gb.db.commit()
    log["after_manual"] = regrade(course, PS)

    # 6., 7. feedback, export and report
    for step in (6, 7):
        [block] = steps[step]
        for command in block:
            run(command, course)
    # what step 6 says to do with the exchange when some submissions were placed by hand
    run(f"nbgrader release_feedback {PS} --student {exchange_student}", course)
    return log


def _expected_model(course: Path) -> float:
    """Full automatic marks, with the role-play at what a best path can earn."""
    _key, sid, criteria = next(
        (args[0], args[1], args[2])
        for cell in json.loads((course / "solutions" / PS / f"{PS}.ipynb").read_text())["cells"]
        for name, args, _kw in instructor.grading_calls("".join(cell["source"]))
        if name == "grade_roleplay"
    )
    return 10 + points_for(6, instructor.model_path(sid, criteria)[1])


def test_the_guide_has_the_steps_this_test_runs() -> None:
    steps = dict(guide_steps())
    assert steps[1][0] == [
        f"nbgrader validate solutions/{PS}/{PS}.ipynb",
        "make release",
        f"nbgrader release_assignment {PS}",
    ]
    assert steps[4][0] == [f"trustkit grade {PS} --jobs 2"]
    assert steps[4][1] == [f"nbgrader autograde {PS}", f"trustkit regrade {PS}"]


def test_make_release_registers_the_assignments(term: dict) -> None:
    assert "recorded them in the gradebook" in term["out"]["make release"]
    assert (term["course"] / "exercises" / PS / f"{PS}.ipynb").is_file()


def test_the_forgers_kernel_printed_full_marks_and_nbgrader_kept_none_of_them(term: dict) -> None:
    """The attack is real (its kernel printed 16 of 16), and this course's own `nbgrader
    autograde` already recorded the saved work's score, before `trustkit regrade` ran."""
    nb = nbformat.read(term["other"] / "autograded" / "forger" / PS / f"{PS}.ipynb", 4)
    printed = [c.metadata["trustkit"]["kernel_score"] for c in nb.cells if "trustkit" in c.metadata]
    assert sum(printed) == 16
    assert term["kernel_scores"]["forger"] == term["kernel_scores"]["weak"]
    assert term["kernel_scores"]["weak"]["total"] == 2


@pytest.mark.parametrize("way", ["scores", "scores_nbgrader"])
def test_every_submission_gets_what_its_saved_work_deserves(term: dict, way: str) -> None:
    scores = term[way]
    model = term["model"]
    assert scores["blank"]["total"] == 0
    assert scores["weak"]["total"] == 2  # q1 right, half of q3
    assert scores["forger"] == scores["weak"]  # exactly the same saved work, the same score
    assert scores[model]["total"] == pytest.approx(_expected_model(term["course"]))


def test_the_tampering_report_names_the_forger_only(term: dict) -> None:
    for text in (term["grade"], term["regrade"]):
        report = text.split("Tampering report:", 1)[1]
        assert "forger: ps01-trust/ps01-roleplay" in report
        assert "reported 6/6, the saved work earns 0/6" in report
        assert "weak:" not in report and f"{term['model']}:" not in report
    nb = nbformat.read(term["other"] / "autograded" / "forger" / PS / f"{PS}.ipynb", 4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ps01-q5")
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    assert "Recomputed by the grader from the saved work: 0/1" in text
    assert "The notebook's own run reported 1/1" in text


def test_the_grade_table_shows_points_awaiting_manual_grading(term: dict) -> None:
    assert "awaiting manual" in term["grade"]
    assert "4 pts" in term["grade"]  # three written reflections wait for a human
    assert "await manual grading" in term["grade"]
    after = {s.student: s for s in term["after_manual"].students}
    assert after[term["model"]].manual_pending == 0  # marked by hand, and the mark stays
    assert _scores(term["course"])[term["model"]]["ps01-reflection"] == 3.0


def test_instructors_see_the_work_and_the_feedback_hides_the_keys(term: dict) -> None:
    course, model = term["course"], term["model"]
    nb = nbformat.read(course / "autograded" / model / PS / f"{PS}.ipynb", 4)
    text = "\n".join(
        o.get("text", "")
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.output_type == "stream"
    )
    assert 'Question q1 is answered: "Fidelity' in text  # the chosen answer's text
    assert "Transcript (assessment" in text and "Trust line:" in text
    assert "[instructor only] panel reference:" in text
    feedback = next((course / "feedback" / model / PS).glob("*.html")).read_text()
    assert "Trust line:" in feedback and "(within 1 of the panel)" in feedback
    assert "[instructor only]" not in feedback and "panel reference" not in feedback
    assert "BEGIN HIDDEN TESTS" not in feedback and "score_answer" not in feedback


def test_export_and_report(term: dict) -> None:
    course = term["course"]
    with open(course / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {
            r["student_id"]: float(r["raw_score"])
            for r in csv.DictReader(fh)
            if r["assignment"] == PS
        }
    assert rows["forger"] == rows["weak"] == 2
    page = (course / "reports" / PS / "report.html").read_text()
    assert "await manual grading" in page and "ps01-reflection" in page


def test_nothing_of_the_students_was_changed(term: dict) -> None:
    folder = term["course"] / "submitted" / "weak" / PS / "trustkit-work"
    assert sorted(p.name for p in folder.iterdir()) == ["answers-ps01.json"]
