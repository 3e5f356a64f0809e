"""Grades out to a learning platform: ``trustkit export ASSIGNMENT --to canvas|moodle FILE.csv``.

nbgrader keeps the grades in its gradebook (SQLite or PostgreSQL, the course config's
``db_url``); schools record them in Canvas or Moodle. This module reads one assignment's grades
from the gradebook and writes a CSV file in the layout each platform's gradebook import reads
(``docs/deploy.md``, "Grades to the learning platform", gives the import steps and cites the
platforms' documentation):

Canvas (Gradebook > Import)
    ``Student, ID, SIS User ID, SIS Login ID, Section, <assignment>``, and a second row starting
    ``Points Possible`` (the layout of Canvas's own gradebook export). ``Student`` is
    ``Last, First``; ``ID`` is the Canvas user ID when nbgrader has it (``lms_user_id``);
    ``SIS Login ID`` is the student's nbgrader id, which on the hub is the login name.
    The grade column is named after the assignment (Canvas creates a new assignment of that
    name) unless ``column`` gives the header of an existing Canvas assignment, such as
    ``Problem set 1 (4567)`` copied from a Canvas export.
Moodle (Grades > Import > CSV file)
    ``Username, ID number, Email address, First name, Last name, <assignment>``: on Moodle's
    import page, *Map from* ``Username`` to ``username`` (or ``Email address`` to
    ``useremail``, or ``ID number`` to ``useridnumber``) and map the grade column to a grade
    item or to a new one.

Scores are nbgrader's: the submission's score minus any late penalty, never below 0, rounded to
two decimals. A student in the gradebook without a submission gets an empty cell (the platform
leaves that grade alone) unless ``zero_missing``. While any submission still awaits manual
grading the export refuses, naming the students, unless ``allow_pending``: a total without the
hand-marked reflection is not the grade.

Every text cell is CSV-injection safe: a cell that starts with ``= + - @``, a tab or a carriage
return (or their full-width forms) gets a leading apostrophe, so a spreadsheet shows it as text
instead of running it as a formula (OWASP, "CSV Injection"); text cells are quoted, numbers not.
"""

from __future__ import annotations

import csv
import io
import math
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# the one escaping rule lives in trustkit.csvsafe; FORMULA_STARTS and safe_cell stay reachable
# here for callers of this module
from trustkit.csvsafe import FORMULA_STARTS as FORMULA_STARTS
from trustkit.csvsafe import safe_cell as safe_cell
from trustkit.csvsafe import safe_row
from trustkit.errors import TrustkitError

PLATFORMS = ("canvas", "moodle")

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "Points Possible"
MOODLE_COLUMNS = ("Username", "ID number", "Email address", "First name", "Last name")


@dataclass(frozen=True)
class StudentGrade:
    """One student's grade for one assignment, as the gradebook has it."""

    student_id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    score: float | None = None  # None: no submission
    needs_manual_grade: bool = False

    @property
    def submitted(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class AssignmentGrades:
    assignment: str
    max_score: float
    students: tuple[StudentGrade, ...]

    @property
    def pending(self) -> list[str]:
        """Students whose submission still awaits manual grading."""
        return [s.student_id for s in self.students if s.needs_manual_grade]


def _score(value: float) -> float:
    """Two decimals, never below 0 (nbgrader's own export clamps the late penalty at 0)."""
    if not math.isfinite(value):
        return 0.0
    return round(max(0.0, value), 2)


def read_grades(
    course_dir: str | Path, assignment: str, db_url: str | None = None
) -> AssignmentGrades:
    """Every student in the gradebook and their grade for ``assignment``."""
    from trustkit.grading.parallel import ensure_tools_on_path, url_of

    ensure_tools_on_path()
    from nbgrader.api import Gradebook, MissingEntry

    root = Path(course_dir).resolve()
    url = url_of(root, db_url)
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        raise TrustkitError(f"{root}: there is no gradebook here yet (looked for {url}).")
    with Gradebook(url) as gb:
        try:
            row = gb.find_assignment(assignment)
        except MissingEntry:
            known = ", ".join(sorted(a.name for a in gb.assignments)) or "none"
            raise TrustkitError(
                f"{root}: the gradebook has no assignment '{assignment}' (it has: {known})."
            ) from None
        max_score = float(row.max_score or 0)
        students = []
        for student in sorted(gb.students, key=lambda s: s.id):
            base = {
                "student_id": student.id,
                "first_name": student.first_name or "",
                "last_name": student.last_name or "",
                "email": student.email or "",
                "lms_user_id": student.lms_user_id or "",
            }
            try:
                sub = gb.find_submission(assignment, student.id)
            except MissingEntry:
                students.append(StudentGrade(**base))
                continue
            penalty = float(sub.late_submission_penalty or 0)
            students.append(
                StudentGrade(
                    **base,
                    score=_score(float(sub.score or 0) - penalty),
                    needs_manual_grade=bool(sub.needs_manual_grade),
                )
            )
    return AssignmentGrades(assignment, max_score, tuple(students))


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _grade_cell(grade: StudentGrade, zero_missing: bool) -> float | int | str:
    if grade.score is None:
        return 0 if zero_missing else ""
    return _number(grade.score)


def canvas_rows(
    grades: AssignmentGrades, column: str | None = None, *, zero_missing: bool = False
) -> list[list[object]]:
    """The rows of a Canvas gradebook import file (header, points possible, one per student)."""
    header = [*CANVAS_COLUMNS, column or grades.assignment]
    rows: list[list[object]] = [header]
    rows.append([CANVAS_POINTS_ROW, "", "", "", "", _number(grades.max_score)])
    for g in grades.students:
        name = ", ".join(p for p in (g.last_name, g.first_name) if p) or g.student_id
        rows.append([name, g.lms_user_id, "", g.student_id, "", _grade_cell(g, zero_missing)])
    return rows


def moodle_rows(
    grades: AssignmentGrades, column: str | None = None, *, zero_missing: bool = False
) -> list[list[object]]:
    """The rows of a Moodle "Import grades from CSV" file (header, one per student)."""
    rows: list[list[object]] = [[*MOODLE_COLUMNS, column or grades.assignment]]
    for g in grades.students:
        rows.append(
            [
                g.student_id,
                g.lms_user_id,
                g.email,
                g.first_name,
                g.last_name,
                _grade_cell(g, zero_missing),
            ]
        )
    return rows


def to_csv(rows: Iterable[Sequence[object]]) -> str:
    """CSV text: text cells escaped (:func:`trustkit.csvsafe.safe_cell`) and quoted, numbers
    bare."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    for row in rows:
        writer.writerow(safe_row(row))
    return out.getvalue()


def render(
    grades: AssignmentGrades,
    platform: str,
    column: str | None = None,
    *,
    zero_missing: bool = False,
) -> str:
    if platform == "canvas":
        rows = canvas_rows(grades, column, zero_missing=zero_missing)
    elif platform == "moodle":
        rows = moodle_rows(grades, column, zero_missing=zero_missing)
    else:
        raise TrustkitError(f"--to must be one of {', '.join(PLATFORMS)}, not '{platform}'.")
    return to_csv(rows)


def _write(text: str, dest: str) -> None:
    if dest == "-":
        sys.stdout.write(text)
        return
    path = Path(dest)
    if path.is_dir():
        raise TrustkitError(f"{path}: is a folder; give a file name such as grades.csv.")
    if not path.parent.is_dir():
        raise TrustkitError(f"{path.parent}: no such folder.")
    # write next to the target, then rename: an interrupted export never leaves half a file
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export(
    course_dir: str | Path,
    assignment: str,
    platform: str,
    dest: str,
    *,
    db_url: str | None = None,
    column: str | None = None,
    allow_pending: bool = False,
    zero_missing: bool = False,
) -> AssignmentGrades:
    """Write ``assignment``'s grades for ``platform`` to ``dest`` (``-``: standard output)."""
    if platform not in PLATFORMS:
        raise TrustkitError(f"--to must be one of {', '.join(PLATFORMS)}, not '{platform}'.")
    grades = read_grades(course_dir, assignment, db_url)
    if not grades.students:
        raise TrustkitError(f"'{assignment}': the gradebook has no students yet.")
    pending = grades.pending
    if pending and not allow_pending:
        raise TrustkitError(
            f"'{assignment}': {len(pending)} submission(s) still await manual grading "
            f"({', '.join(pending)}); grade them in formgrader first, or pass --allow-pending "
            "to export the points given so far."
        )
    _write(render(grades, platform, column, zero_missing=zero_missing), dest)
    return grades
