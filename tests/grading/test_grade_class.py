"""`trustkit grade` / `trustkit report` on a small synthetic course: the same grades as
sequential `nbgrader autograde`, hostile submissions survived, resume, PostgreSQL for real."""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.nbgrader

nbformat = pytest.importorskip("nbformat")
BIN = Path(sys.executable).parent


def _cell(kind: str, src: str, **meta):
    c = nbformat.v4.new_code_cell(src) if kind == "code" else nbformat.v4.new_markdown_cell(src)
    c.metadata["nbgrader"] = {"schema_version": 3, "task": False, **meta}
    return c


def make_course(
    root: Path, db_url: str | None = None, manual: bool = False, timeout: int = 5
) -> Path:
    """A course with one assignment: an answer cell and two test cells (2 + 3 points), and
    with ``manual`` a written answer marked by hand (4 points)."""
    (root / "source" / "ps1").mkdir(parents=True)
    config = [
        "c = get_config()",
        'c.CourseDirectory.course_id = "demo"',
        f"c.ExecutePreprocessor.timeout = {timeout}",
    ]
    if db_url:
        config.append(f'c.CourseDirectory.db_url = "{db_url}"')
    (root / "nbgrader_config.py").write_text("\n".join(config) + "\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        _cell(
            "code",
            "### BEGIN SOLUTION\nanswer = 42\nhalf = 21\n### END SOLUTION",
            grade=False,
            solution=True,
            locked=False,
            grade_id="answer",
        ),
        _cell(
            "code",
            "assert answer == 42",
            grade=True,
            solution=False,
            locked=True,
            grade_id="t1",
            points=2,
        ),
        _cell(
            "code",
            "assert half * 2 == 42",
            grade=True,
            solution=False,
            locked=True,
            grade_id="t2",
            points=3,
        ),
    ]
    if manual:
        nb.cells.append(
            _cell(
                "markdown",
                "### BEGIN SOLUTION\nA model answer.\n### END SOLUTION",
                grade=True,
                solution=True,
                locked=False,
                grade_id="essay",
                points=4,
            )
        )
    nbformat.write(nb, root / "source" / "ps1" / "ps1.ipynb")
    _nbgrader(root, "generate_assignment", "ps1")
    return root


def _nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )


ANSWERS = {
    "full": "answer = 42\nhalf = 21",
    "partial": "answer = 42\nhalf = 1",
    "blank": None,
    "loop": "while True:\n    pass",
    "stderr": "import sys\nprint('noise', file=sys.stderr)\nanswer = 42\nhalf = 21",
    "spam": "for i in range(20000):\n    print('spam' * 20)\nanswer = 42\nhalf = 21",
    "broken": "BROKEN",  # not a notebook at all
    # kills the process grading it (jupyter_client tells every kernel its pid): a crash in the
    # middle of autograde
    "crash": "import os, signal\nos.kill(int(os.environ['JPY_PARENT_PID']), signal.SIGKILL)\n"
    "answer = 42\nhalf = 21",
}
EXPECTED = {"full": 5, "partial": 2, "blank": 0, "loop": 0, "stderr": 5, "spam": 5}


def submit(root: Path, students: dict[str, str], essay: str | None = None) -> None:
    release = root / "release" / "ps1" / "ps1.ipynb"
    for student, kind in students.items():
        target = root / "submitted" / student / "ps1"
        target.mkdir(parents=True)
        (target / "timestamp.txt").write_text("2026-11-24 10:00:00.000000 UTC")
        if ANSWERS[kind] == "BROKEN":
            (target / "ps1.ipynb").write_text("{this is not a notebook")
            continue
        nb = json.loads(release.read_text())
        if ANSWERS[kind] is not None:
            nb["cells"][0]["source"] = ANSWERS[kind]
        if essay is not None and len(nb["cells"]) > 3:
            nb["cells"][3]["source"] = essay
        (target / "ps1.ipynb").write_text(json.dumps(nb))


def _scores(root: Path, db_url: str | None = None) -> dict[str, float]:
    """Every submission's score in the course's gradebook, read through nbgrader."""
    from nbgrader.api import Gradebook

    url = db_url or f"sqlite:///{root / 'gradebook.db'}"
    with Gradebook(url) as gb:
        return {s.student.id: float(s.score) for s in gb.find_assignment("ps1").submissions}


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return make_course(tmp_path / "course")


def test_same_grades_as_sequential_nbgrader(course: Path, tmp_path: Path) -> None:
    from trustkit.grading.parallel import grade_class

    students = {f"s{i:02d}-{k}": k for i, k in enumerate(EXPECTED)}
    submit(course, students)
    sequential = tmp_path / "sequential"
    shutil.copytree(course, sequential)
    _nbgrader(sequential, "autograde", "ps1")
    expected = _scores(sequential)
    run = grade_class(course, "ps1", jobs=2, progress=False)
    assert not run.failed, run.table()
    assert _scores(course) == expected
    assert expected == {s: EXPECTED[k] for s, k in students.items()}
    # the per-cell grades are identical too
    for student in students:
        a = json.loads((course / "autograded" / student / "ps1" / "ps1.ipynb").read_text())
        b = json.loads((sequential / "autograded" / student / "ps1" / "ps1.ipynb").read_text())
        assert [c.get("outputs", [])[:1] and c["metadata"].get("nbgrader") for c in a["cells"]] == [
            c.get("outputs", [])[:1] and c["metadata"].get("nbgrader") for c in b["cells"]
        ]


def test_bad_submission_is_reported_and_the_rest_go_on(
    course: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from trustkit.cli import main

    submit(
        course, {"a-full": "full", "b-broken": "broken", "c-partial": "partial", "d-crash": "crash"}
    )
    code = main(["grade", "ps1", "--course-dir", str(course), "-j", "2"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "b-broken could not be graded" in err and "Traceback" not in err
    assert "d-crash could not be graded: the grading process crashed on this submission" in err
    scores = _scores(course)
    assert scores["a-full"] == 5.0 and scores["c-partial"] == 2.0
    assert scores.get("b-broken", 0.0) == 0.0  # nbgrader may record the failed one as 0
    assert scores.get("d-crash", 0.0) == 0.0
    assert "2 graded, 0 skipped, 2 failed" in out


def test_resume_skips_graded_students_unless_forced(course: Path) -> None:
    from trustkit.grading.parallel import grade_class

    submit(course, {"a": "full", "b": "partial"})
    first = grade_class(course, "ps1", jobs=2, progress=False)
    assert sorted(r.status for r in first.results) == ["graded", "graded"]
    again = grade_class(course, "ps1", jobs=2, progress=False)
    assert [r.status for r in again.results] == ["skipped", "skipped"]
    assert {r.student: r.score for r in again.results} == {"a": 5.0, "b": 2.0}
    # a resubmission (new timestamp) is graded again
    (course / "submitted" / "b" / "ps1" / "timestamp.txt").write_text("2026-11-25 09:00:00 UTC")
    nb = json.loads((course / "submitted" / "b" / "ps1" / "ps1.ipynb").read_text())
    nb["cells"][0]["source"] = ANSWERS["full"]
    (course / "submitted" / "b" / "ps1" / "ps1.ipynb").write_text(json.dumps(nb))
    third = grade_class(course, "ps1", jobs=2, progress=False)
    assert {r.student: r.status for r in third.results} == {"a": "skipped", "b": "graded"}
    assert _scores(course)["b"] == 5.0
    forced = grade_class(course, "ps1", jobs=2, force=True, progress=False)
    assert [r.status for r in forced.results] == ["graded", "graded"]


def test_a_hanging_student_is_stopped(tmp_path: Path) -> None:
    from trustkit.grading.parallel import grade_class

    # the cell timeout is 120 s; our per-student limit of 15 s stops the worker first (and
    # leaves time for an honest student's kernel to start on a busy machine)
    course = make_course(tmp_path / "course", timeout=120)
    submit(course, {"a": "loop", "b": "full"})
    t0 = time.perf_counter()
    run = grade_class(course, "ps1", jobs=1, student_timeout=15, progress=False)
    assert time.perf_counter() - t0 < 110
    status = {r.student: r for r in run.results}
    assert status["a"].status == "failed" and "longer than 15 s" in status["a"].message
    assert status["b"].status == "graded" and status["b"].score == 5.0
    # and the hanging kernel is gone with its worker (the kernel template ends it)
    assert _kernels_in(course) == []


def _kernels_in(course: Path, seconds: float = 10.0) -> list[int]:
    """Processes still running in a folder of ``course`` after ``seconds`` (Linux's /proc)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    end = time.monotonic() + seconds
    while True:
        alive = []
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cwd = Path(os.readlink(entry / "cwd"))
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z" and cwd.is_relative_to(course.resolve() / "autograded"):
                alive.append(int(entry.name))
        if not alive or time.monotonic() > end:
            return alive
        time.sleep(0.1)


def test_usage_errors(course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from trustkit.cli import main

    assert main(["grade", "ps1", "--course-dir", str(course)]) == 1
    assert "nobody has submitted 'ps1'" in capsys.readouterr().err
    assert main(["grade", "ps9", "--course-dir", str(course)]) == 1
    assert "no assignment 'ps9'" in capsys.readouterr().err
    assert main(["grade", "ps1", "--course-dir", str(tmp_path)]) == 1
    assert "no nbgrader_config.py" in capsys.readouterr().err
    assert main(["grade", "ps1", "--course-dir", str(course), "-j", "0"]) == 1


def test_report(course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from trustkit.cli import main
    from trustkit.grading.parallel import grade_class

    submit(course, {"a": "full", "b": "partial", "c": "blank"})
    grade_class(course, "ps1", jobs=2, progress=False)
    out = tmp_path / "report"
    assert main(["report", "ps1", "--course-dir", str(course), "-o", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert page.count("<img src='data:image/png;base64,") == 4
    assert "median score 40%" in page
    rows = list(csv.DictReader((out / "scores.csv").open()))
    assert {r["student"]: float(r["score"]) for r in rows} == {"a": 5.0, "b": 2.0, "c": 0.0}
    for name in ("score_distribution", "question_difficulty", "skills_heatmap"):
        assert (out / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    assert main(["report", "ps9", "--course-dir", str(course), "-o", str(out)]) == 1


def test_regrade_leaves_cells_it_cannot_recompute_to_nbgrader(
    course: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Plain `assert` test cells are not trustkit tasks: their scores stay nbgrader's."""
    from trustkit.cli import main

    assert main(["regrade", "ps1", "--course-dir", str(course)]) == 1
    assert "nobody has been autograded for 'ps1'" in capsys.readouterr().err
    submit(course, {"a": "full", "b": "partial"})
    _nbgrader(course, "autograde", "ps1")
    before = _scores(course)
    notebook = (course / "autograded" / "a" / "ps1" / "ps1.ipynb").read_text()
    assert main(["regrade", "ps1", "--course-dir", str(course)]) == 0
    out = capsys.readouterr().out
    assert "0 cells" in out and "no differences" in out
    assert _scores(course) == before
    assert (course / "autograded" / "a" / "ps1" / "ps1.ipynb").read_text() == notebook
    assert main(["regrade", "ps9", "--course-dir", str(course)]) == 1
    assert "no assignment 'ps9'" in capsys.readouterr().err
    assert main(["regrade", "ps1", "--student", "zz", "--course-dir", str(course)]) == 1
    err = capsys.readouterr().err
    assert "zz has no autograded submission" in err and "Traceback" not in err


def test_points_awaiting_manual_grading_are_shown_and_left_out_of_hardest(tmp_path: Path) -> None:
    from trustkit.grading.parallel import grade_class
    from trustkit.grading.report import collect, question_difficulty

    course = make_course(tmp_path / "course", manual=True)
    submit(course, {"a": "full", "b": "partial"}, essay="My own words.")
    run = grade_class(course, "ps1", jobs=2, progress=False)
    assert {r.student: r.manual_pending for r in run.results} == {"a": 4.0, "b": 4.0}
    table = run.table()
    assert "awaiting manual" in table and "4 pts" in table
    assert "8 points in 2 submission(s) await manual grading" in table
    data = collect(course, "ps1")
    assert "ps1:essay" not in data.questions and data.pending == {"ps1:essay": 2}
    assert "ps1:t2" in data.questions  # the autograded cells are there
    fig = question_difficulty(data)
    from trustkit import plots

    assert "Not yet marked by hand, so left out: ps1:essay" in plots.alt_text(fig)
    plots.close(fig)


# ---------------------------------------------------------------------------------------------
# PostgreSQL, for real
# ---------------------------------------------------------------------------------------------
def _pg_bin() -> Path | None:
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / "initdb").exists() and (base / "pg_ctl").exists():
            return base
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres(tmp_path_factory: pytest.TempPathFactory):
    """A throwaway PostgreSQL server on loopback; skipped (or failed under CI) if impossible."""
    pg = _pg_bin()
    problem = None
    if pg is None:
        problem = "PostgreSQL is not installed (make test installs Debian's postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        problem = problem or "psycopg is not installed"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    base = tmp_path_factory.mktemp("pg")
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(base, 0o755)
        parent = base.parent
        while parent != parent.parent:  # the postgres user must be able to reach the folder
            os.chmod(parent, os.stat(parent).st_mode | 0o011)
            parent = parent.parent
    port = _free_port()
    run = lambda *cmd: subprocess.run(  # noqa: E731
        [*as_user, *cmd], check=True, capture_output=True, text=True, timeout=120
    )
    run(str(pg / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    run(
        str(pg / "pg_ctl"),
        "-D",
        str(data),
        "-w",
        "-l",
        str(base / "log"),
        "-o",
        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
        "start",
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )


def test_postgresql_gradebook(tmp_path: Path, postgres: str) -> None:
    from trustkit.grading.parallel import grade_class

    course = make_course(tmp_path / "course", db_url=postgres)
    assert not (course / "gradebook.db").exists()
    submit(course, {"a": "full", "b": "partial", "c": "blank"})
    run = grade_class(course, "ps1", jobs=2, progress=False)
    assert not run.failed, run.table()
    assert _scores(course, postgres) == {"a": 5.0, "b": 2.0, "c": 0.0}
    assert not (course / "gradebook.db").exists()  # everything went to PostgreSQL


def test_a_broken_gradebook_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from trustkit.cli import main

    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    (tmp_path / "gradebook.db").write_text("not a database")
    for command in ("grade", "regrade"):
        assert main([command, "ps1", "--course-dir", str(tmp_path)]) == 1
        err = capsys.readouterr().err
        assert "gradebook.db: the gradebook cannot be opened" in err, err
        assert err.count("\n") == 1 and "Traceback" not in err
    assert (tmp_path / "gradebook.db").read_text() == "not a database"  # left as it was
