"""A class report for one assignment: distribution, difficulty, skills, calibration.

Everything is read from nbgrader's gradebook (scores per student and per grade cell) and from
the autograded copies of the students' ``trustkit-work/`` folders, whose role-play transcripts
are *replayed* through the engine (a report never trusts a number a student's machine wrote).
Outputs: PNG figures, ``scores.csv``, and one self-contained ``report.html`` (figures inlined).
"""

from __future__ import annotations

import base64
import csv
import html
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trustkit.errors import TrustkitError
from trustkit.figures.classreport import (
    question_difficulty,
    rating_calibration,
    score_distribution,
    skills_heatmap,
)


@dataclass
class ClassData:
    assignment: str
    students: dict[str, tuple[float, float]] = field(default_factory=dict)  # score, max
    questions: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    skills: dict[str, dict[str, float]] = field(default_factory=dict)  # student -> skill -> 0-100
    pending: dict[str, int] = field(default_factory=dict)  # cell -> submissions not yet marked
    ratings_gap: dict[str, float] = field(default_factory=dict)  # student -> mean |diff|
    rating_bias: dict[str, float] = field(default_factory=dict)  # student -> mean diff
    notes: list[str] = field(default_factory=list)


def collect(root: str | Path, assignment: str, db_url: str | None = None) -> ClassData:
    """Read the gradebook and the autograded saved work of every student."""
    from nbgrader.api import Gradebook, MissingEntry

    from trustkit.grading.parallel import _db_url, ensure_tools_on_path

    ensure_tools_on_path()
    root = Path(root).resolve()
    data = ClassData(assignment)
    with Gradebook(_db_url(root, db_url)) as gb:
        try:
            assignment_row = gb.find_assignment(assignment)
        except MissingEntry:
            raise TrustkitError(
                f"{root}: the gradebook has no assignment '{assignment}'."
            ) from None
        pending: dict[str, int] = {}
        for sub in assignment_row.submissions:
            data.students[sub.student.id] = (float(sub.score), float(sub.max_score))
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if not grade.max_score:
                        continue
                    key = f"{nb.name}:{grade.name}"
                    if grade.needs_manual_grade:  # not marked yet: it says nothing of difficulty
                        pending[key] = pending.get(key, 0) + 1
                        continue
                    data.questions.setdefault(key, []).append(
                        (float(grade.score), float(grade.max_score))
                    )
        keys = _hidden_references(gb, assignment)
        for key, n in sorted(pending.items()):
            data.pending[key] = n
            data.notes.append(
                f"{key}: {n} submission(s) still await manual grading; left out of the "
                "difficulty figure until marked"
            )
    if not data.students:
        raise TrustkitError(f"{root}: nobody has been autograded for '{assignment}' yet.")
    from trustkit.grading.regrade import course_layout

    layout = course_layout(root)
    for student in data.students:
        folder = layout.folder("submitted", student, assignment)  # the evidence, as submitted
        if not folder.is_dir():
            folder = layout.folder("autograded", student, assignment)
        _collect_work(folder, student, data, keys)
    return data


def _hidden_references(gb: Any, assignment: str) -> dict[str, float]:
    """Reply id -> reference quality, from the hidden tests' ``reference=`` (graded replies
    have no reference in the package)."""
    from trustkit.grading.regrade import auto_cells

    out: dict[str, float] = {}
    for cell in auto_cells(gb, assignment).values():
        for name, _args, kwargs in cell.calls or ():
            ref = dict(kwargs).get("reference")
            if name == "grade_ratings" and isinstance(ref, dict):
                for item, fields in ref.items():
                    value = fields.get("quality") if isinstance(fields, dict) else None
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        out[str(item)] = float(value)
    return out


def _collect_work(
    folder: Path, student: str, data: ClassData, keys: dict[str, float] | None = None
) -> None:
    from trustkit import work
    from trustkit.debrief import debrief
    from trustkit.engine import replay

    for path in work.list_work(folder):
        key = path.stem
        if key.startswith("roleplay"):
            loaded = work.peek(key, "roleplay", folder)
            if loaded.data is None:
                continue
            try:
                enc = replay(loaded.data.get("transcript") or {})
            except TrustkitError as exc:
                data.notes.append(f"{student}: {key} not reproducible ({exc})")
                continue
            for s in debrief(enc).skills:
                if s.score is not None:
                    data.skills.setdefault(student, {})[s.skill] = s.score
        elif key.startswith("ratings"):
            loaded = work.peek(key, "ratings", folder)
            if loaded.data is None:
                continue
            diffs = _rating_diffs(loaded.data, keys or {})
            if diffs:
                data.ratings_gap[student] = statistics.fmean(abs(d) for d in diffs)
                data.rating_bias[student] = statistics.fmean(diffs)


def _rating_diffs(saved: dict[str, Any], keys: dict[str, float] | None = None) -> list[float]:
    """Learner minus reference quality ratings, for the replies the student rated: practice
    bank items against the package's reference, graded replies against the hidden tests'."""
    from trustkit.bank import paired_ratings

    ratings = saved.get("ratings")
    ratings = ratings if isinstance(ratings, dict) else {}
    learner, reference = paired_ratings(ratings)
    diffs = [learner[i] - reference[i] for i in learner]
    for item_id, ref in (keys or {}).items():
        given = ratings.get(item_id)
        value = given.get("quality") if isinstance(given, dict) else None
        if (
            item_id not in learner
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            diffs.append(float(value) - ref)
    return diffs


def write_report(root: str | Path, assignment: str, out: str | Path, db_url: str | None = None):
    """Write figures, ``scores.csv`` and ``report.html`` to ``out``; return the html path."""
    from trustkit import figures

    data = collect(root, assignment, db_url)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrustkitError(f"{out}: cannot create the report folder ({exc.strerror}).") from None
    made = {
        "score_distribution": score_distribution(data),
        "question_difficulty": question_difficulty(data),
        "skills_heatmap": skills_heatmap(data),
        "rating_calibration": rating_calibration(data),
    }
    sections = []
    for name, fig in made.items():
        png = figures.to_png(fig, dpi=110)
        (out / f"{name}.png").write_bytes(png)
        b64 = base64.b64encode(png).decode("ascii")
        title = html.escape(figures.title(fig) or name)
        alt = html.escape(figures.alt_text(fig))
        sections.append(
            f"<figure><img src='data:image/png;base64,{b64}' alt='{alt}'>"
            f"<figcaption>{title}. {alt}</figcaption></figure>"
        )
        figures.close(fig)
    write_scores(data, out / "scores.csv")
    pct = [100 * s / m if m else 0.0 for s, m in data.students.values()]
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in data.notes)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>trustkit class report: {html.escape(assignment)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}
figure{{margin:2em 0}} img{{max-width:100%}} figcaption{{font-size:.9em;color:#333}}</style>
</head><body>
<h1>Class report: {html.escape(assignment)}</h1>
<p>{len(data.students)} students; median score {statistics.median(pct):.0f}% of the maximum.
Skill scores come from role-play transcripts replayed through the engine at report time.</p>
{"".join(sections)}
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}
<p>Per-student numbers: <code>scores.csv</code>.</p>
</body></html>
"""
    target = out / "report.html"
    target.write_text(page, encoding="utf-8")
    return target


def write_scores(data: ClassData, path: Path) -> None:
    """``scores.csv``: one row per student; every cell escaped (:mod:`trustkit.csvsafe`)."""
    from trustkit.csvsafe import safe_row

    skills = sorted({s for v in data.skills.values() for s in v})
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            safe_row(["student", "score", "max_score", "rating_gap", "rating_bias", *skills])
        )
        for student, (score, max_score) in sorted(data.students.items()):
            sk = data.skills.get(student, {})
            writer.writerow(
                safe_row(
                    [
                        student,
                        score,
                        max_score,
                        _fmt(data.ratings_gap.get(student)),
                        _fmt(data.rating_bias.get(student)),
                        *(_fmt(sk.get(k)) for k in skills),
                    ]
                )
            )


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"
