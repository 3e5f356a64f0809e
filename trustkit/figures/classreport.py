"""The class report's figures (data from :func:`trustkit.grading.report.collect`): the score
distribution, per-question difficulty, skills per student and the class's rating calibration."""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

from trustkit.figures._base import OKABE_ITO, empty_figure, finish, new_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from trustkit.grading.report import ClassData


def score_distribution(data: ClassData) -> Figure:
    fig = new_figure(6.5, 3.6)
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


def question_difficulty(data: ClassData) -> Figure:
    names = sorted(data.questions)  # graded cells only: unmarked manual cells are left out
    means = [100 * statistics.fmean(s / m for s, m in data.questions[n] if m) for n in names]
    fig = new_figure(6.5, max(2.5, 0.35 * len(names) + 1))
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


def skills_heatmap(data: ClassData) -> Figure:
    students = sorted(data.skills)
    skills = sorted({s for v in data.skills.values() for s in v})
    if not students:
        return empty_figure(
            "Skills per student (replayed role-plays)", "No role-play transcript could be replayed"
        )
    fig = new_figure(max(6.0, 0.5 * len(skills) + 2), max(3.0, 0.3 * len(students) + 1.5))
    ax = fig.add_subplot()
    grid = [[data.skills[s].get(k, float("nan")) for k in skills] for s in students]
    image = ax.imshow(grid, cmap="cividis", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(len(skills)), skills, rotation=60, ha="right", fontsize=7)
    # student ids are written as they are: "$...$" in an id is not TeX to typeset
    ax.set_yticks(range(len(students)), students, fontsize=7, parse_math=False)
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


def rating_calibration(data: ClassData) -> Figure:
    students = sorted(data.ratings_gap)
    if not students:
        return empty_figure(
            "Class rating calibration against the reference panel", "No ratings were submitted"
        )
    fig = new_figure(6.0, 3.6)
    ax = fig.add_subplot()
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
