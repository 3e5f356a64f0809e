"""nbgrader preprocessors the course configuration uses (``nbgrader_config.py``).

:class:`SnapshotEvidence`, :class:`RecomputeFromEvidence`, :class:`NoteDifferences`
    Grades from the evidence inside ``nbgrader autograde`` itself. Before the student's kernel
    starts, the saved work (``trustkit-work/*.json``) is read into memory; after the kernel has
    run, every trustkit test cell is recomputed from that copy in nbgrader's own process
    (:func:`trustkit.grading.regrade.recompute`), and its output replaced by what the grader
    printed, so ``SaveAutoGrades`` records the recomputed score, whatever the kernel printed.
    A differing kernel score is kept in the cell's metadata and output, and put in formgrader's
    comment (``NoteDifferences``, after ``SaveAutoGrades``). ``trustkit regrade`` reads them
    back for its tampering report, and does the same recomputation for a course whose
    configuration lacks these.
:class:`OverwriteCells`
    nbgrader's own, minus a false alarm. A test cell with hidden tests is *released* without
    them, so every student's copy differs from the gradebook's and stock nbgrader logs
    ``Attribute 'checksum' for cell ... has changed!`` for every test cell of every student.
    This one restores the cell exactly as nbgrader does, and warns only when the student's copy
    differs from what was released (the student edited a locked cell), in one line that says so.
:class:`HideKeys`
    For the feedback: removes the lines the grading helpers mark
    :data:`trustkit.grading.cells.INSTRUCTOR_MARK` (the reference ratings) from the outputs,
    so formgrader shows them to the instructor and the feedback does not show them to students.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.preprocessors import OverwriteCells as _NbgraderOverwriteCells

_HIDDEN = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S
)


def released_source(source: str) -> str:
    """A test cell's source as ``nbgrader generate_assignment`` releases it (hidden tests out)."""
    return _HIDDEN.sub("", source)


def _same(a: str, b: str) -> bool:
    return a.strip() == b.strip()


class OverwriteCells(_NbgraderOverwriteCells):
    """nbgrader's OverwriteCells, without the checksum warning for cells nobody edited."""

    def preprocess_cell(self, cell: Any, resources: Any, cell_index: int) -> tuple[Any, Any]:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", None)
        if grade_id is not None and utils.is_locked(cell):
            try:
                source_cell = self.gradebook.find_source_cell(
                    grade_id, self.notebook_id, self.assignment_id
                )
            except Exception:  # nbgrader's own code reports a cell missing from the database
                source_cell = None
            if (
                source_cell is not None
                and source_cell.locked
                and cell.cell_type == source_cell.cell_type
                and _same(cell.source, released_source(source_cell.source))
            ):
                cell.source = source_cell.source  # what nbgrader would restore, silently
        before = cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if grade_id is not None and cell.source != before:
            self.log.warning(
                "Cell '%s' was edited in the submission; the original was put back.", grade_id
            )
        return cell, resources

    def report_change(self, name: str, attr: str, old: Any, new: Any) -> None:
        if attr == "checksum":
            return  # said in one line by preprocess_cell, only when the student edited it
        super().report_change(name, attr, old, new)


class HideKeys(NbGraderPreprocessor):
    """Remove the instructor-only lines (reference ratings) from every cell's text outputs."""

    def preprocess_cell(self, cell: Any, resources: Any, cell_index: int) -> tuple[Any, Any]:
        from trustkit.grading.cells import INSTRUCTOR_MARK

        for output in cell.get("outputs", []) or []:
            if output.get("output_type") == "stream":
                output["text"] = _drop(output.get("text", ""), INSTRUCTOR_MARK)
            data = output.get("data") or {}
            if isinstance(data.get("text/plain"), str):
                data["text/plain"] = _drop(data["text/plain"], INSTRUCTOR_MARK)
        return cell, resources


def _drop(text: Any, mark: str) -> Any:
    if isinstance(text, list):
        text = "".join(text)
    if not isinstance(text, str) or mark not in text:
        return text
    return "".join(line for line in text.splitlines(keepends=True) if mark not in line)


# ---------------------------------------------------------------------------------------------
# grades from the evidence, inside nbgrader's autograde
# ---------------------------------------------------------------------------------------------
RESULTS: list[dict[str, Any]] = []
"""What :class:`RecomputeFromEvidence` did in this process, one entry per notebook, for
``trustkit grade``'s workers (which run nbgrader in-process) to report."""

_MAX_FILES = 200


def _snapshot(folder: Path) -> dict[str, bytes] | bytes | None:
    """The saved-work files as submitted: ``{name: bytes}``, the bytes of a *file* named
    ``trustkit-work`` (a broken submission), or None when there is none."""
    from trustkit.work import MAX_WORK_FILE_BYTES

    if folder.is_file():
        with folder.open("rb") as fh:
            return fh.read(MAX_WORK_FILE_BYTES + 1)
    if not folder.is_dir():
        return None
    out: dict[str, bytes] = {}
    for path in sorted(folder.glob("*.json"))[:_MAX_FILES]:
        try:
            with path.open("rb") as fh:  # one byte more than allowed keeps "too large" true
                out[path.name] = fh.read(MAX_WORK_FILE_BYTES + 1)
        except OSError:
            continue
    return out


def _materialise(evidence: dict[str, bytes] | bytes | None, base: Path) -> Path:
    target = base / "trustkit-work"
    if isinstance(evidence, bytes):
        target.write_bytes(evidence)
    elif isinstance(evidence, dict):
        target.mkdir()
        for name, data in evidence.items():
            (target / name).write_bytes(data)
    return base


class SnapshotEvidence(NbGraderPreprocessor):
    """Keep the submitted saved work in memory before the student's kernel can change it."""

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        folder = Path((resources.get("metadata") or {}).get("path") or ".")
        try:
            resources["trustkit_evidence"] = _snapshot(folder / "trustkit-work")
        except OSError as exc:
            self.log.warning("trustkit: the saved work in %s cannot be read (%s)", folder, exc)
            resources["trustkit_evidence"] = None
        return nb, resources


class RecomputeFromEvidence(NbGraderPreprocessor):
    """Recompute every trustkit test cell from the snapshot, in this (nbgrader's) process."""

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        if "trustkit_evidence" not in resources:
            self.log.warning(
                "trustkit: SnapshotEvidence did not run before Execute; not recomputed"
            )
            return nb, resources
        from nbgrader.api import Gradebook

        from trustkit.grading.regrade import (
            CellChange,
            auto_cells,
            course_layout,
            recompute,
            rewrite_cell,
        )

        info = resources["nbgrader"]
        student, assignment, notebook = info["student"], info["assignment"], info["notebook"]
        with Gradebook(info["db_url"]) as gb:
            cells = {k[1]: v for k, v in auto_cells(gb, assignment).items() if k[0] == notebook}
        folder = Path((resources.get("metadata") or {}).get("path") or ".").resolve()
        source = None
        try:
            layout = course_layout(folder.parents[2])
            candidate = layout.source_notebook(assignment, notebook)
            source = candidate if candidate.exists() else None
        except Exception:  # only the answers' texts come from there
            pass
        changes: list[Any] = []
        recomputed = 0
        with tempfile.TemporaryDirectory(prefix="trustkit-evidence-") as tmp:
            base = _materialise(resources["trustkit_evidence"], Path(tmp))
            for cell in nb.cells:
                gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                spec = cells.get(gid) if gid and utils.is_grade(cell) else None
                if spec is None or not spec.recomputable:
                    continue
                kernel, _max = utils.determine_grade(cell, self.log)
                rec = recompute(spec, base, source)
                rewrite_cell(cell, rec, kernel)
                recomputed += 1
                if kernel is None or abs(float(kernel) - rec.score) > 1e-6:
                    changes.append(
                        CellChange(
                            student,
                            notebook,
                            gid,
                            None if kernel is None else float(kernel),
                            rec.score,
                            rec.max_score,
                        )
                    )
        resources["trustkit_changes"] = changes
        RESULTS.append(
            {"student": student, "notebook": notebook, "recomputed": recomputed, "changes": changes}
        )
        return nb, resources


class NoteDifferences(NbGraderPreprocessor):
    """After SaveAutoGrades: the differences into formgrader's comment of the notebook."""

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        if "trustkit_changes" not in resources:
            return nb, resources
        from nbgrader.api import Gradebook

        from trustkit.grading.regrade import note_changes

        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            row = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            note_changes(row, resources["trustkit_changes"])
            gb.db.commit()
        return nb, resources
