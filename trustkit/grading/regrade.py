"""Grades from the evidence: every autograded task recomputed in the grader's own process.

nbgrader runs the test cells in the student's own kernel, so a line added to any cell of the
notebook can replace the grading functions and make every test cell print full marks. Here the
scores are recomputed *outside* that kernel, from the submission's saved work:

- the test cells are read from the gradebook (the instructor's source, hidden tests and keys
  included, exactly what nbgrader put back into the notebook); a cell is recomputed when it
  holds only ``from trustkit.grading import checks`` and literal ``checks.<function>(...)``
  calls; any other cell (an assignment of your own with ``assert`` tests) keeps nbgrader's score;
- each call runs in this process (:func:`trustkit.grading.cells.grader_context`), as the
  function of that name in :mod:`trustkit.grading.cells` (never an attribute of ``checks``,
  which a kernel can replace), on the saved work in
  ``submitted/<student>/<assignment>/trustkit-work/``, with nbgrader's rules: a visible
  check that finds no work fails the cell (0), the last call's value is the score;
- the score goes to the gradebook as the cell's automatic score (a manual override you made
  in formgrader stays, as nbgrader keeps it); the cell's output in ``autograded/`` is replaced
  by what the grader printed (what the student chose, typed, rated; the role-play transcript),
  so formgrader and the feedback show the evidence, not what the kernel claimed;
- where the kernel's score differs from the recomputed one, the difference is written into
  that cell's output, added to the notebook's comment in formgrader (the comment box of its
  first manually graded cell), and listed in the run's tampering report.

Nothing a student wrote is changed or moved: ``submitted/`` is only read.
"""

from __future__ import annotations

import ast
import io
import json
import math
import warnings
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trustkit.errors import TrustkitError

CALLS = frozenset(
    {
        "require_answer",
        "require_roleplay",
        "require_ratings",
        "score_answer",
        "score_text",
        "grade_roleplay",
        "grade_ratings",
    }
)
"""The ``checks`` functions a recomputable test cell may call (from :mod:`trustkit.grading.cells`)."""

COMMENT_TAG = "[trustkit]"
_KERNEL_LINES = 40


# ---------------------------------------------------------------------------------------------
# test cells
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AutoCell:
    """An autograded test cell of the gradebook: its calls, or None when not recomputable."""

    notebook: str
    name: str
    points: float
    calls: tuple[tuple[str, tuple[Any, ...], tuple[tuple[str, Any], ...]], ...] | None

    @property
    def recomputable(self) -> bool:
        return self.calls is not None


def parse_test_cell(source: str) -> tuple | None:
    """The ``checks`` calls of a test cell with literal arguments, or None (not recomputable)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    calls = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "trustkit.grading":
            if [(a.name, a.asname) for a in stmt.names] == [("checks", None)]:
                continue
            return None
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            return None
        func = stmt.value.func
        if not (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "checks"
            and func.attr in CALLS
        ):
            return None
        try:
            args = tuple(ast.literal_eval(a) for a in stmt.value.args)
            kwargs = tuple((k.arg, ast.literal_eval(k.value)) for k in stmt.value.keywords if k.arg)
        except (ValueError, TypeError, SyntaxError):
            return None
        if any(k.arg is None for k in stmt.value.keywords):
            return None
        calls.append((func.attr, args, kwargs))
    return tuple(calls) if calls else None


def auto_cells(gb: Any, assignment: str) -> dict[tuple[str, str], AutoCell]:
    """``(notebook, cell) -> AutoCell`` for every autograded code cell of ``assignment``."""
    out: dict[tuple[str, str], AutoCell] = {}
    for nb in gb.find_assignment(assignment).notebooks:
        sources = {c.name: c for c in nb.source_cells}
        for cell in nb.grade_cells:
            src = sources.get(cell.name)
            if cell.cell_type != "code" or src is None:
                continue
            out[(nb.name, cell.name)] = AutoCell(
                nb.name, cell.name, float(cell.max_score), parse_test_cell(src.source)
            )
    return out


# ---------------------------------------------------------------------------------------------
# one cell
# ---------------------------------------------------------------------------------------------
@dataclass
class Recomputed:
    score: float
    max_score: float
    lines: list[str]
    failure: str | None = None  # the visible check's one line, when it failed the cell


def recompute(cell: AutoCell, base: Path, notebook: Path | None = None) -> Recomputed:
    """Run a test cell's calls in this process on the saved work in ``base``, as nbgrader
    would score them: a failed check is 0, the last call's number is the score (capped at the
    cell's points), a last call that returns nothing is full marks."""
    from trustkit.grading import cells

    assert cell.calls is not None
    buf = io.StringIO()
    value: Any = None
    failure = None
    with warnings.catch_warnings(), redirect_stdout(buf):
        warnings.simplefilter("ignore")
        with cells.grader_context(base, notebook):
            for i, (name, args, kwargs) in enumerate(cell.calls):
                params = {k: v for k, v in kwargs if k != "base"}
                try:
                    result = getattr(cells, name)(*args, **params)
                except cells.NotYetDone as exc:
                    failure = f"✖ {exc}"
                    break
                except Exception as exc:  # a misconfigured test: nbgrader would record an error
                    failure = f"{type(exc).__name__}: {exc}"
                    break
                if i == len(cell.calls) - 1:
                    value = result
    lines = buf.getvalue().splitlines()
    if failure is not None:
        return Recomputed(0.0, cell.points, lines, failure)
    if value is None:
        score = cell.points
    elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        score = min(max(float(value), 0.0), cell.points)
    else:
        score = cell.points  # nbgrader: an output that is not a number counts as full marks
    return Recomputed(score, cell.points, lines)


# ---------------------------------------------------------------------------------------------
# one student
# ---------------------------------------------------------------------------------------------
@dataclass
class CellChange:
    """A test cell whose kernel score and recomputed score differ."""

    student: str
    notebook: str
    cell: str
    kernel: float | None
    recomputed: float
    max_score: float
    manual: float | None = None  # a manual score of yours that stays in force

    def describe(self) -> str:
        k = "none" if self.kernel is None else f"{self.kernel:g}"
        text = (
            f"{self.notebook}/{self.cell}: the notebook's own run reported {k}/{self.max_score:g}, "
            f"the saved work earns {self.recomputed:g}/{self.max_score:g}"
        )
        if self.manual is not None:
            text += f" (your manual score {self.manual:g} stays)"
        return text


@dataclass
class StudentRegrade:
    student: str
    recomputed: int = 0
    changes: list[CellChange] = field(default_factory=list)
    score: float | None = None
    max_score: float | None = None
    manual_pending: float = 0.0  # points in cells that still need a human grade
    note: str = ""


@dataclass(frozen=True)
class CourseLayout:
    root: Path
    source: str = "source"
    submitted: str = "submitted"
    autograded: str = "autograded"

    def folder(self, kind: str, student: str, assignment: str) -> Path:
        return self.root / getattr(self, kind) / student / assignment

    def source_notebook(self, assignment: str, notebook: str) -> Path:
        return self.root / self.source / assignment / f"{notebook}.ipynb"


def course_layout(root: str | Path) -> CourseLayout:
    """The course's folders, from its ``nbgrader_config.py`` (nbgrader's defaults otherwise)."""
    root = Path(root).resolve()
    names: dict[str, str] = {}
    config_file = root / "nbgrader_config.py"
    if config_file.exists():
        from traitlets.config.loader import PyFileConfigLoader

        try:
            cfg = PyFileConfigLoader(config_file.name, path=str(root)).load_config()
        except Exception as exc:
            raise TrustkitError(f"{config_file}: cannot be read ({exc}).") from None
        course = cfg.get("CourseDirectory", {})
        for kind in ("source", "submitted", "autograded"):
            value = course.get(f"{kind}_directory")
            if isinstance(value, str) and value:
                names[kind] = value
    return CourseLayout(root, **names)


MAX_NOTEBOOK_BYTES = 256 * 1024 * 1024
"""Largest autograded notebook read back (outputs with pictures included)."""


def _read_nb(path: Path) -> Any:
    """The autograded notebook as plain JSON (nbformat's validation costs more than all the
    recomputation; nbgrader has just written and validated this file)."""
    from trustkit.loading import read_text

    try:  # a regular file only (never a pipe or a device a submission put there)
        nb = json.loads(read_text(path, MAX_NOTEBOOK_BYTES, "notebook"))
    except (TrustkitError, ValueError, RecursionError):
        return None
    ok = isinstance(nb, dict) and isinstance(nb.get("cells"), list)
    return nb if ok and all(isinstance(c, dict) for c in nb["cells"]) else None


def _write_nb(nb: Any, path: Path) -> None:
    from trustkit.work import atomic_write_text

    atomic_write_text(path, json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def _kernel_text(cell: Any) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            text = out.get("text", "")
            parts.append("".join(text) if isinstance(text, list) else str(text))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename', 'Error')}: {out.get('evalue', '')}\n")
    lines = "".join(parts).splitlines()
    if len(lines) > _KERNEL_LINES:
        lines = [*lines[:_KERNEL_LINES], f"... ({len(lines) - _KERNEL_LINES} more lines)"]
    return "\n".join(lines)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def rewrite_cell(cell: Any, rec: Recomputed, kernel: float | None) -> None:
    """Replace a test cell's outputs with what the grader printed (and the kernel's, if it
    disagreed), and remember the kernel's score in the cell's metadata."""
    head = f"Recomputed by the grader from the saved work: {rec.score:g}/{rec.max_score:g}."
    lines = [head, *rec.lines]  # a failed check's own line is the error output below
    if kernel is not None and abs(kernel - rec.score) > 1e-6:
        lines.append(
            f"⚠ The notebook's own run reported {kernel:g}/{rec.max_score:g}; that number is not "
            "used (the kernel can be changed by the notebook's cells). It printed:"
        )
        lines.extend(f"    | {line}" for line in (_kernel_text(cell) or "(nothing)").splitlines())
    outputs: list[dict[str, Any]] = [
        {"output_type": "stream", "name": "stdout", "text": _lines("\n".join(lines) + "\n")}
    ]
    if rec.failure:
        outputs.append(
            {
                "output_type": "error",
                "ename": "NotYetDone",
                "evalue": rec.failure,
                "traceback": [rec.failure],
            }
        )
    else:
        outputs.append(
            {
                "output_type": "execute_result",
                "data": {"text/plain": repr(float(rec.score))},
                "metadata": {},
                "execution_count": cell.get("execution_count"),
            }
        )
    from nbformat import from_dict

    cell["outputs"] = [from_dict(o) for o in outputs]
    meta = cell.setdefault("metadata", {}).setdefault("trustkit", {})
    meta["kernel_score"] = kernel
    meta["recomputed_score"] = rec.score


def note_changes(nb_row: Any, changes: list[CellChange]) -> None:
    """Put the differences into the notebook's first solution-cell comment (formgrader shows
    it while you grade; it also appears in the feedback). Earlier notes of ours are replaced."""
    comments = sorted(
        (c for c in nb_row.comments if getattr(c.cell, "type", "") == "SolutionCell"),
        key=lambda c: c.cell.name,
    )
    if not comments:
        return
    comment = comments[0]
    kept = [
        p
        for p in (comment.auto_comment or "").split("\n\n")
        if p.strip() and not p.startswith(COMMENT_TAG)
    ]
    if changes:
        parts = [
            f"{c.cell}: {'none' if c.kernel is None else f'{c.kernel:g}'} -> "
            f"{c.recomputed:g} of {c.max_score:g}"
            for c in changes
        ]
        note = (
            f"{COMMENT_TAG} The notebook's own run reported other scores than its saved work "
            f"earns; the gradebook holds the saved work's: {'; '.join(parts)}."
        )
        kept.append(note)
    comment.auto_comment = "\n\n".join(kept) or None


def regrade_student(
    gb: Any,
    layout: CourseLayout,
    assignment: str,
    student: str,
    cells: dict[tuple[str, str], AutoCell],
    *,
    evidence: Path | None = None,
) -> StudentRegrade:
    """Recompute every recomputable test cell of one autograded submission (see module doc)."""
    from nbgrader.api import MissingEntry

    result = StudentRegrade(student)
    submitted = layout.folder("submitted", student, assignment)
    autograded = layout.folder("autograded", student, assignment)
    base = evidence or submitted
    if evidence is None and not submitted.is_dir():
        base = autograded
        result.note = "submitted/ folder is gone: read the autograded copy of the saved work"
    try:
        submission = gb.find_submission(assignment, student)
    except MissingEntry:
        result.note = "not autograded yet"
        return result
    for nb_row in submission.notebooks:
        name = nb_row.notebook.name
        nb_path = autograded / f"{name}.ipynb"
        nb = _read_nb(nb_path) if nb_path.exists() else None
        if nb is None:  # nbgrader could not grade this notebook: leave its record as it is
            result.note = f"{nb_path.name} was not autograded (missing or unreadable); left as is"
            continue
        by_id = {}
        if nb is not None:
            for cell in nb["cells"]:
                gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if gid:
                    by_id[gid] = cell
        source_nb = layout.source_notebook(assignment, name)
        changes: list[CellChange] = []
        for grade in nb_row.grades:
            spec = cells.get((name, grade.cell.name))
            if spec is None or not spec.recomputable:
                continue
            cell = by_id.get(grade.cell.name)
            stored = (cell or {}).get("metadata", {}).get("trustkit", {})
            kernel = stored["kernel_score"] if "kernel_score" in stored else grade.auto_score
            rec = recompute(spec, base, source_nb if source_nb.exists() else None)
            result.recomputed += 1
            grade.auto_score = rec.score
            grade.needs_manual_grade = grade.manual_score is not None
            if kernel is None or abs(float(kernel) - rec.score) > 1e-6:
                changes.append(
                    CellChange(
                        student,
                        name,
                        grade.cell.name,
                        None if kernel is None else float(kernel),
                        rec.score,
                        rec.max_score,
                        grade.manual_score,
                    )
                )
            if cell is not None:
                rewrite_cell(cell, rec, None if kernel is None else float(kernel))
        note_changes(nb_row, changes)
        result.changes.extend(changes)
        if result.recomputed:
            _write_nb(nb, nb_path)
    gb.db.commit()
    gb.db.refresh(submission)
    result.score, result.max_score = float(submission.score), float(submission.max_score)
    result.manual_pending = sum(
        float(g.max_score)
        for nb_row in submission.notebooks
        for g in nb_row.grades
        if g.needs_manual_grade
    )
    return result


# ---------------------------------------------------------------------------------------------
# a class
# ---------------------------------------------------------------------------------------------
@dataclass
class RegradeRun:
    assignment: str
    students: list[StudentRegrade] = field(default_factory=list)

    @property
    def changes(self) -> list[CellChange]:
        return [c for s in self.students for c in s.changes]

    def table(self) -> str:
        rows = [("student", "recomputed", "score", "awaiting manual", "note")]
        for s in sorted(self.students, key=lambda s: s.student):
            score = "" if s.score is None else f"{s.score:g}/{s.max_score:g}"
            pending = f"{s.manual_pending:g} pts" if s.manual_pending else ""
            note = s.note or (f"{len(s.changes)} cell(s) differ" if s.changes else "")
            rows.append((s.student, f"{s.recomputed} cells", score, pending, note))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = [
            "  ".join(c.ljust(widths[i]) for i, c in enumerate(r[:4])) + "  " + r[4] for r in rows
        ]
        lines.append(f"{len(self.students)} submissions recomputed from their saved work.")
        lines.append(tampering_report(self.changes))
        return "\n".join(lines)


def tampering_report(changes: list[CellChange]) -> str:
    """The run's summary of every cell where the kernel's score and the evidence disagree."""
    if not changes:
        return "Tampering report: no differences; every kernel score matches the saved work."
    students = sorted({c.student for c in changes})
    lines = [
        f"Tampering report: {len(students)} submission(s) where the notebook's own run and the "
        "saved work disagree (the gradebook now holds the saved work's score):"
    ]
    for c in sorted(changes, key=lambda c: (c.student, c.notebook, c.cell)):
        lines.append(f"  {c.student}: {c.describe()}")
    return "\n".join(lines)


def regrade(
    root: str | Path,
    assignment: str,
    *,
    students: list[str] | None = None,
    db_url: str | None = None,
) -> RegradeRun:
    """Recompute every autograded submission of ``assignment`` (or only ``students``)."""
    from nbgrader.api import Gradebook, MissingEntry

    from trustkit.grading.parallel import _db_url, ensure_tools_on_path

    ensure_tools_on_path()
    layout = course_layout(root)
    if not (layout.root / "nbgrader_config.py").exists():
        raise TrustkitError(
            f"{layout.root}: no nbgrader_config.py here; run from the course folder."
        )
    run = RegradeRun(assignment)
    url = _db_url(layout.root, db_url)
    try:
        gb_context = Gradebook(url)
    except Exception as exc:  # a corrupt or unreachable gradebook: say which, in one line
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TrustkitError(f"{url}: the gradebook cannot be opened ({reason[:200]}).") from None
    with gb_context as gb:
        try:
            assignment_row = gb.find_assignment(assignment)
        except MissingEntry:
            raise TrustkitError(
                f"{layout.root}: the gradebook has no assignment '{assignment}'; release it "
                "first (make release)."
            ) from None
        cells = auto_cells(gb, assignment)
        graded = sorted(s.student.id for s in assignment_row.submissions)
        wanted = graded if students is None else list(students)
        unknown = [s for s in wanted if s not in graded]
        if unknown:
            raise TrustkitError(
                f"{layout.root}: {', '.join(unknown)} has no autograded submission of "
                f"'{assignment}' (run nbgrader autograde {assignment} first)."
            )
        if not wanted:
            raise TrustkitError(
                f"{layout.root}: nobody has been autograded for '{assignment}' yet "
                f"(run nbgrader autograde {assignment} first)."
            )
        for student in wanted:
            run.students.append(regrade_student(gb, layout, assignment, student, cells))
    return run


def snapshot_work(folder: Path, dest: Path) -> Path:
    """Copy a submission's ``trustkit-work/`` into ``dest`` before the kernel runs, so the
    recomputation reads what was submitted even if a cell rewrites files while it runs."""
    import shutil

    source = folder / "trustkit-work"
    dest.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, dest / "trustkit-work", symlinks=True, dirs_exist_ok=True)
    elif source.exists():  # not a folder (a hostile or broken submission): keep it as it is
        shutil.copy2(source, dest / "trustkit-work")
    return dest


__all__ = [
    "CALLS",
    "CellChange",
    "RegradeRun",
    "StudentRegrade",
    "AutoCell",
    "course_layout",
    "parse_test_cell",
    "recompute",
    "regrade",
    "regrade_student",
    "snapshot_work",
    "tampering_report",
    "auto_cells",
]
