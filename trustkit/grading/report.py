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


# ---------------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------------
def score_distribution(data: ClassData):
    from trustkit.plots import OKABE_ITO, _figure, finish

    fig = _figure(6.5, 3.6)
    ax = fig.add_subplot()
    pct = [100 * s / m if m else 0.0 for s, m in data.students.values()]
    ax.hist(
        pct,
        bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.001],
        color=OKABE_ITO["blue"],
        edgecolor="black",
        hatch="//",
    )
    ax.set_xlabel("score (% of the maximum)")
    ax.set_ylabel("students")
    ax.set_xlim(0, 100)
    med = statistics.median(pct)
    ax.axvline(med, color="black", linestyle="--", label=f"median {med:.0f}%")
    ax.legend(fontsize=8)
    alt = (
        f"Histogram of {len(pct)} students' scores on {data.assignment}: median {med:.0f}%, "
        f"lowest {min(pct):.0f}%, highest {max(pct):.0f}%."
    )
    return finish(fig, f"Score distribution: {data.assignment}", alt)


def question_difficulty(data: ClassData):
    from trustkit.plots import OKABE_ITO, _figure, finish

    names = sorted(data.questions)  # graded cells only: unmarked manual cells are left out
    means = [100 * statistics.fmean(s / m for s, m in data.questions[n] if m) for n in names]
    fig = _figure(6.5, max(2.5, 0.35 * len(names) + 1))
    ax = fig.add_subplot()
    bars = ax.barh(names, means, color=OKABE_ITO["green"], edgecolor="black")
    ax.bar_label(bars, labels=[f"{m:.0f}%" for m in means], fontsize=7, padding=2)
    ax.set_xlim(0, 110)
    ax.set_xlabel("mean score (% of the question's points); lower = harder")
    ax.invert_yaxis()
    hardest = names[means.index(min(means))] if names else "none"
    alt = f"Bar chart of the mean score of {len(names)} graded cells; hardest: {hardest}."
    if data.pending:
        alt += f" Not yet marked by hand, so left out: {', '.join(sorted(data.pending))}."
    return finish(fig, "Per-question difficulty", alt)


def skills_heatmap(data: ClassData):
    from trustkit.plots import _figure, finish

    students = sorted(data.skills)
    skills = sorted({s for v in data.skills.values() for s in v})
    fig = _figure(max(6.0, 0.5 * len(skills) + 2), max(3.0, 0.3 * len(students) + 1.5))
    ax = fig.add_subplot()
    if not students:
        ax.text(0.5, 0.5, "No role-play transcripts could be replayed.", ha="center")
        ax.set_axis_off()
        return finish(fig, "Skills (from replayed role-plays)", "No role-play data.")
    grid = [[data.skills[s].get(k, float("nan")) for k in skills] for s in students]
    image = ax.imshow(grid, cmap="cividis", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(len(skills)), skills, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(students)), students, fontsize=7)
    if len(students) * len(skills) <= 400:
        for i, row in enumerate(grid):
            for j, v in enumerate(row):
                if v == v:  # not NaN: write the number, so colour is not the only carrier
                    ax.text(
                        j,
                        i,
                        f"{v:.0f}",
                        ha="center",
                        va="center",
                        fontsize=6,
                        color="white" if v < 50 else "black",
                    )
    fig.colorbar(image, ax=ax, label="skill score (0-100)")
    means = {k: statistics.fmean(r[j] for r in grid if r[j] == r[j]) for j, k in enumerate(skills)}
    weakest = min(means, key=means.get)
    alt = (
        f"Heatmap of {len(skills)} communication skills for {len(students)} students, from "
        f"replayed role-plays; the weakest skill across the class is {weakest} "
        f"(mean {means[weakest]:.0f})."
    )
    return finish(fig, "Skills per student (replayed role-plays)", alt)


def rating_calibration(data: ClassData):
    from trustkit.plots import OKABE_ITO, _figure, finish

    fig = _figure(6.0, 3.6)
    ax = fig.add_subplot()
    students = sorted(data.ratings_gap)
    if not students:
        ax.text(0.5, 0.5, "No ratings were submitted.", ha="center")
        ax.set_axis_off()
        return finish(fig, "Rating calibration", "No rating data.")
    ax.scatter(
        [data.rating_bias[s] for s in students],
        [data.ratings_gap[s] for s in students],
        marker="o",
        color=OKABE_ITO["vermillion"],
        edgecolors="black",
    )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("bias: learner minus reference (negative = harsher, positive = more lenient)")
    ax.set_ylabel("mean absolute gap (points)")
    gap = statistics.fmean(data.ratings_gap.values())
    alt = (
        f"Scatter of {len(students)} students' rating bias against their mean absolute gap "
        f"from the reference panel; the class's mean gap is {gap:.2f} points."
    )
    return finish(fig, "Class rating calibration against the reference panel", alt)


def write_report(root: str | Path, assignment: str, out: str | Path, db_url: str | None = None):
    """Write figures, ``scores.csv`` and ``report.html`` to ``out``; return the html path."""
    from trustkit import plots

    data = collect(root, assignment, db_url)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrustkitError(f"{out}: cannot create the report folder ({exc.strerror}).") from None
    figures = {
        "score_distribution": score_distribution(data),
        "question_difficulty": question_difficulty(data),
        "skills_heatmap": skills_heatmap(data),
        "rating_calibration": rating_calibration(data),
    }
    sections = []
    for name, fig in figures.items():
        png = plots.to_png(fig, dpi=110)
        (out / f"{name}.png").write_bytes(png)
        b64 = base64.b64encode(png).decode("ascii")
        title = html.escape(fig._suptitle.get_text() if fig._suptitle else name)
        alt = html.escape(plots.alt_text(fig))
        sections.append(
            f"<figure><img src='data:image/png;base64,{b64}' alt='{alt}'>"
            f"<figcaption>{title}. {alt}</figcaption></figure>"
        )
        plots.close(fig)
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
