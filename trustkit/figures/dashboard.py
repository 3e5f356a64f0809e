"""The progress dashboard's figures (data from :class:`trustkit.progress.History`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trustkit.figures._base import OKABE_ITO, PALETTE, empty_figure, finish, new_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

DASHBOARD_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p"]
DASHBOARD_LINESTYLES = ["-", "--", "-.", ":"]


def _short(text: str, width: int = 38) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _get(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


def attempts_per_scenario(summary_or_attempts: Any) -> Figure:
    """Horizontal bars: how many attempts per scenario, each bar labelled with its count.

    Takes :meth:`trustkit.progress.History.summary` or a list of attempts.
    """
    title = "Attempts per scenario"
    counts: dict[str, int] = {}
    names: dict[str, str] = {}
    if isinstance(summary_or_attempts, dict):
        for row in summary_or_attempts.get("scenarios", []):
            counts[row["scenario_id"]] = int(row["attempts"])
            names[row["scenario_id"]] = row.get("title") or row["scenario_id"]
    else:
        for a in summary_or_attempts or []:
            sid = _get(a, "scenario_id")
            counts[sid] = counts.get(sid, 0) + 1
            names[sid] = _get(a, "title") or sid
    if not counts:
        return empty_figure(title, "No attempts yet")
    order = sorted(counts, key=lambda s: (counts[s], names[s]))  # most attempts at the top
    fig = new_figure(7.0, max(2.4, 0.9 + 0.45 * len(order)))
    ax = fig.add_subplot()
    bars = ax.barh(
        [_short(names[s]) for s in order],
        [counts[s] for s in order],
        color=OKABE_ITO["blue"],
        edgecolor="black",
    )
    ax.bar_label(bars, labels=[str(counts[s]) for s in order], padding=3)
    ax.set_xlabel("attempts")
    ax.set_ylabel("scenario")
    ax.set_xlim(0, max(counts.values()) * 1.15 + 0.5)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="x", alpha=0.3)
    total = sum(counts.values())
    listing = "; ".join(f"{names[s]}: {counts[s]}" for s in reversed(order))
    alt = (
        f"Horizontal bar chart of {total} attempt(s) over {len(order)} scenario(s), each bar "
        f"labelled with its count: {listing}."
    )
    return finish(fig, title, alt)


def skills_radar(
    first: dict[str, float | None],
    latest: dict[str, float | None],
    *,
    scenario: str | None = None,
) -> Figure:
    """Skill scores (0-100) in the first and the latest attempt, on a polar ("radar") plot.

    First: dashed line with circles; latest: solid line with squares. A skill with no score in
    one of them leaves a gap in that line. Compare two attempts at the *same* ``scenario``
    (named in the title): scenarios differ in what they ask of a skill.
    """
    title = "Skills: first attempt and latest" + (f" at “{_short(scenario)}”" if scenario else "")
    skills = [
        s for s in dict.fromkeys([*first, *latest]) if (first.get(s), latest.get(s)) != (None, None)
    ]
    if not skills:
        return empty_figure(title, "Play a scenario twice to compare")
    import math

    n = len(skills)
    angles = [2 * math.pi * i / n for i in range(n)]

    def ring(values: dict[str, float | None]) -> list[float]:
        pts = [values.get(s) for s in skills]
        out = [math.nan if v is None else float(v) for v in pts]
        return out + out[:1]

    fig = new_figure(6.5, 6.0)
    ax = fig.add_subplot(projection="polar")
    closed = angles + angles[:1]
    ax.plot(
        closed,
        ring(first),
        color=OKABE_ITO["orange"],
        linestyle="--",
        marker="o",
        label="first attempt",
        zorder=3,
    )
    latest_ring = ring(latest)
    ax.plot(
        closed,
        latest_ring,
        color=OKABE_ITO["blue"],
        linestyle="-",
        marker="s",
        label="latest attempt",
    )
    ax.fill(
        closed,
        [0 if math.isnan(v) else v for v in latest_ring],
        color=OKABE_ITO["blue"],
        alpha=0.08,
    )
    ax.set_xticks(angles)
    ax.set_xticklabels([s.replace("_", " ") for s in skills], fontsize=8)
    ax.tick_params(axis="x", pad=10)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100])
    ax.set_yticklabels(["25", "50", "75", "100"], fontsize=7)
    ax.set_xlabel("skill score (0-100, higher is better; the centre is 0)")
    ax.legend(loc="upper right", bbox_to_anchor=(1.15, 1.12), fontsize=8)

    def fmt(v: float | None) -> str:
        return "no score" if v is None else f"{v:.0f}"

    parts = [f"{s.replace('_', ' ')} {fmt(first.get(s))} to {fmt(latest.get(s))}" for s in skills]
    pairs = [(first.get(s), latest.get(s)) for s in skills]
    up = sum(1 for a, b in pairs if a is not None and b is not None and b > a)
    down = sum(1 for a, b in pairs if a is not None and b is not None and b < a)
    alt = (
        f"Radar chart of {n} skill scores (0-100, higher is better), first attempt dashed with "
        f"circles, latest solid with squares: {'; '.join(parts)}. {up} skill(s) improved and "
        f"{down} declined."
    )
    return finish(fig, title, alt)


def trust_over_attempts(attempts: Any) -> Figure:
    """Trust at the end of each attempt, in the order played; one marker shape per scenario.

    With few attempts, each point is labelled with its ending's quality.
    """
    title = "Trust at the end of each attempt"
    rows = sorted(attempts or [], key=lambda a: (_get(a, "finished_at"), _get(a, "id")))
    if not rows:
        return empty_figure(title, "No attempts yet")
    scenario_order = list(dict.fromkeys(_get(a, "scenario_id") for a in rows))
    names = {_get(a, "scenario_id"): _get(a, "title") or _get(a, "scenario_id") for a in rows}
    # the legend goes under the plot (inside it, it hid the latest attempts): room for it
    fig = new_figure(7.5, 4.0 + 0.2 * ((len(scenario_order) + 1) // 2))
    ax = fig.add_subplot()
    label_points = len(rows) <= 40
    for k, sid in enumerate(scenario_order):
        xs = [i for i, a in enumerate(rows, start=1) if _get(a, "scenario_id") == sid]
        ys = [float(_get(rows[i - 1], "trust_end")) for i in xs]
        ax.plot(
            xs,
            ys,
            color=PALETTE[k % len(PALETTE)],
            marker=DASHBOARD_MARKERS[k % len(DASHBOARD_MARKERS)],
            linestyle=DASHBOARD_LINESTYLES[k % len(DASHBOARD_LINESTYLES)],
            linewidth=1.0,
            markersize=6 if label_points else 3,
            markeredgecolor="black",
            markeredgewidth=0.5,
            label=_short(names[sid], 32),
        )
        if label_points:
            for x, y in zip(xs, ys, strict=True):
                quality = _get(rows[x - 1], "ending_quality") or "stopped"
                ax.annotate(
                    quality,
                    (x, y),
                    textcoords="offset points",
                    xytext=(0, 7),
                    ha="center",
                    fontsize=7,
                )
    ax.set_ylim(0, 105)
    ax.set_xlim(0.5, len(rows) + 0.5)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("attempt (in the order played)")
    ax.set_ylabel("trust at the end (0-100)")
    ax.grid(alpha=0.3)
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncols=2,
        fontsize=7,
        title="scenario",
        title_fontsize=7,
    )
    first, last = rows[0], rows[-1]
    latest_by: dict[str, float] = {
        _get(a, "scenario_id"): float(_get(a, "trust_end")) for a in rows
    }
    per = "; ".join(f"{names[sid]}: latest {latest_by[sid]:.0f}" for sid in scenario_order)
    alt = (
        f"Line chart of trust at the end of {len(rows)} attempt(s) from "
        f"{str(_get(first, 'finished_at'))[:10]} to {str(_get(last, 'finished_at'))[:10]}, one "
        f"marker shape and line style per scenario; the first ended at "
        f"{float(_get(first, 'trust_end')):.0f} and the latest at "
        f"{float(_get(last, 'trust_end')):.0f}. {per}."
    )
    return finish(fig, title, alt)


MIN_RATINGS_PER_POINT = 3
"""A day with fewer ratings than this is not drawn: one or two ratings make a mean of noise."""


def agreement_over_time(ratings: Any, min_n: int = MIN_RATINGS_PER_POINT) -> Figure:
    """How far the learner's ratings are from the reference, per day (lower is better).

    Takes a list of :class:`trustkit.progress.RatingRecord` or a summary dict (its
    ``agreement.by_day``). Each point is labelled, in words, with the share of that day's
    ratings within 1 point and how many there were; days with fewer than ``min_n`` ratings are
    left out (and the alt text says how many).
    """
    title = "Your ratings against the reference"
    days: list[tuple[str, int, float, float]] = []
    if isinstance(ratings, dict):
        for row in ratings.get("agreement", {}).get("by_day", []):
            days.append((row["day"], row["n"], row["mean_abs_diff"], row["within_1_pct"]))
    else:
        groups: dict[str, list[float]] = {}
        for r in ratings or []:
            learner, reference = _get(r, "learner"), _get(r, "reference")
            if learner is None or reference is None:
                continue
            groups.setdefault(str(_get(r, "rated_at"))[:10], []).append(abs(learner - reference))
        for day in sorted(groups):
            diffs = groups[day]
            within = 100 * sum(d <= 1 for d in diffs) / len(diffs)
            days.append((day, len(diffs), sum(diffs) / len(diffs), within))
    if not days:
        return empty_figure(title, "No ratings yet")
    few = [d for d in days if d[1] < min_n]
    days = [d for d in days if d[1] >= min_n]
    if not days:
        return empty_figure(title, f"Rate at least {min_n} replies on a day to see a point")
    xs = list(range(len(days)))
    ys = [d[2] for d in days]
    fig = new_figure(7.0, 3.8)
    ax = fig.add_subplot()
    ax.plot(
        xs,
        ys,
        color=OKABE_ITO["blue"],
        marker="o",
        linestyle="-",
        label="mean difference from the reference",
    )
    ax.axhline(1.0, color=OKABE_ITO["vermillion"], linestyle=":", lw=1.2, label="1 point")
    if len(days) <= 15:
        for x, (_, n, mad, within) in zip(xs, days, strict=True):
            ax.annotate(
                f"{within:.0f}% within 1 point\nof {n} ratings",
                (x, mad),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=7,
            )
    step = max(1, -(-len(days) // 10))  # at most about 10 dates on the axis
    ax.set_xticks(xs[::step])
    ax.set_xticklabels([d[0] for d in days][::step], rotation=30, ha="right", fontsize=8)
    ax.set_xlim(-0.5, len(days) - 0.5)
    ax.set_ylim(0, max(2.0, max(ys)) * 1.35)
    ax.set_xlabel("day (UTC)")
    ax.set_ylabel("mean |your rating - reference|\n(lower is better)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    alt = (
        f"Line chart of the mean absolute difference between your ratings and the reference "
        f"over {len(days)} day(s), lower is better: from {ys[0]:.2f} on {days[0][0]} "
        f"({days[0][3]:.0f}% within 1 point) to {ys[-1]:.2f} on {days[-1][0]} "
        f"({days[-1][3]:.0f}% within 1 point)."
        + (f" {len(few)} day(s) with fewer than {min_n} ratings are not drawn." if few else "")
    )
    return finish(fig, title, alt)
