"""Every figure of the course, matplotlib only, imported lazily.

Each public function returns a :class:`matplotlib.figure.Figure` that has a title and alt text
(``fig.get_label()`` and :func:`alt_text`), works headless (the Agg backend unless a notebook
backend is already active), and uses the Okabe-Ito colour-blind-safe palette. No meaning is
carried by colour alone: markers, line styles, hatches and words carry it too.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from trustkit.scenario import Scenario

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour vision.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
PALETTE = [OKABE_ITO[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky")]


def _figure(width: float = 7.0, height: float = 4.0) -> Figure:
    """A new Figure not attached to pyplot (no global state, no GUI, safe in threads)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def finish(fig: Figure, title: str, alt: str) -> Figure:
    """Give a figure its title and alt text (stored as the figure's label)."""
    fig.suptitle(title)
    fig.set_label(alt)
    return fig


def alt_text(fig: Figure) -> str:
    """The alt text of a figure made here."""
    return fig.get_label()


def close(fig: Figure) -> None:
    """Release a figure (ours are not registered with pyplot, so this only clears it)."""
    fig.clear()


def to_png(fig: Figure, dpi: int = 100) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Scenario graph
# ---------------------------------------------------------------------------------------------
def _depths(sc: Scenario) -> dict[str, int]:
    depth = {sc.start: 0}
    queue = deque([sc.start])
    node_ids = {n.id for n in sc.nodes}
    while queue:
        v = queue.popleft()
        if v not in node_ids:
            continue
        for opt in sc.node(v).options:
            for t in [opt.next, *(b.next for b in opt.branches)]:
                if t not in depth:
                    depth[t] = depth[v] + 1
                    queue.append(t)
    deepest = max(depth.values(), default=0)
    for n in sc.nodes:
        depth.setdefault(n.id, deepest + 1)
    for e in sc.endings:
        depth.setdefault(e.id, deepest + 1)
    return depth


def scenario_graph(sc: Scenario) -> Figure:
    """The dialogue graph: nodes in columns by distance from the start.

    Shapes tell kinds apart without colour: start ▶ triangle, node ● circle, decision ◆
    diamond, ending ■ square (with its quality written beside it); an ``F`` marks a node whose
    options can open a gated fact, an ``E`` a node raising an empathic opportunity.
    """
    depth = _depths(sc)
    columns: dict[int, list[str]] = {}
    for item, d in depth.items():
        columns.setdefault(d, []).append(item)
    pos: dict[str, tuple[float, float]] = {}
    for d, items in columns.items():
        for i, item in enumerate(items):
            pos[item] = (float(d), -(i - (len(items) - 1) / 2))
    width = max(6.0, 1.3 * (max(columns) + 1))
    height = max(4.0, 0.9 * max(len(v) for v in columns.values()))
    fig = _figure(min(width, 40), min(height, 40))
    ax = fig.add_subplot()
    for node in sc.nodes:
        x0, y0 = pos[node.id]
        for opt in node.options:
            for k, t in enumerate([opt.next, *(b.next for b in opt.branches)]):
                if t not in pos:
                    continue
                x1, y1 = pos[t]
                ax.annotate(
                    "",
                    xy=(x1, y1),
                    xytext=(x0, y0),
                    arrowprops={
                        "arrowstyle": "->",
                        "color": OKABE_ITO["vermillion"] if opt.remembered else "#777777",
                        "linestyle": "--" if k else "-",
                        "lw": 0.8,
                        "shrinkA": 7,
                        "shrinkB": 7,
                    },
                )
    gated = {n.id for n in sc.nodes if any(o.opens for o in n.options)}
    kinds = {
        "start": ("^", OKABE_ITO["green"], "start"),
        "node": ("o", OKABE_ITO["sky"], "patient line"),
        "decision": ("D", OKABE_ITO["orange"], "decision point"),
        "ending": ("s", OKABE_ITO["purple"], "ending"),
    }
    groups: dict[str, list[str]] = {k: [] for k in kinds}
    for node in sc.nodes:
        kind = "start" if node.id == sc.start else "decision" if node.decision else "node"
        groups[kind].append(node.id)
    groups["ending"] = [e.id for e in sc.endings]
    for kind, ids in groups.items():
        if not ids:
            continue
        marker, colour, label = kinds[kind]
        ax.scatter(
            [pos[i][0] for i in ids],
            [pos[i][1] for i in ids],
            marker=marker,
            s=150,
            c=colour,
            edgecolors="black",
            linewidths=0.8,
            label=label,
            zorder=3,
        )
    small = len(sc.nodes) <= 60
    for node in sc.nodes:
        x, y = pos[node.id]
        tags = ("F" if node.id in gated else "") + ("E" if node.raises else "")
        if small:
            ax.text(x, y - 0.28, node.id, ha="center", va="top", fontsize=7)
        if tags:
            ax.text(x + 0.12, y + 0.12, tags, fontsize=8, fontweight="bold", zorder=4)
    for e in sc.endings:
        x, y = pos[e.id]
        ax.text(x + 0.15, y, f"{e.id} ({e.quality})", va="center", fontsize=7)
    ax.set_axis_off()
    ax.margins(0.12)
    ax.legend(loc="upper left", fontsize=7, frameon=False, ncols=4, bbox_to_anchor=(0, -0.02))
    n_edges = sum(1 + len(o.branches) for n in sc.nodes for o in n.options)
    alt = (
        f"Dialogue graph of '{sc.title}': {len(sc.nodes)} patient lines, {len(sc.endings)} "
        f"endings, {n_edges} links. F marks {len(gated)} node(s) where a gated fact can be "
        f"opened; E marks {sum(1 for n in sc.nodes if n.raises)} node(s) with an empathic "
        "opportunity; dashed arrows are trust-dependent branches."
    )
    return finish(fig, f"Scenario: {sc.title}", alt)


def trust_trajectory(debrief: Any) -> Figure:
    """Overall trust after each turn, with turns that brought a disclosure marked."""
    fig = _figure(7.0, 3.6)
    ax = fig.add_subplot()
    traj = list(debrief.trajectory)
    xs = list(range(len(traj)))
    ax.plot(xs, traj, marker="o", color=OKABE_ITO["blue"], label="overall trust")
    marks = [t for t in debrief.disclosure_turns if t < len(traj)]
    if marks:
        ax.scatter(
            marks,
            [traj[t] for t in marks],
            marker="*",
            s=220,
            c=OKABE_ITO["orange"],
            edgecolors="black",
            zorder=3,
            label="fact disclosed",
        )
    ax.set_ylim(0, 100)
    ax.xaxis.get_major_locator().set_params(integer=True)  # turns are whole numbers
    ax.set_xlabel("turn")
    ax.set_ylabel("trust (0-100)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    alt = (
        f"Line chart of overall trust over {len(traj) - 1} turns, from {traj[0]:.0f} to "
        f"{traj[-1]:.0f}; stars mark the {len(marks)} turn(s) in which the patient disclosed a "
        "hidden fact."
    )
    return finish(fig, f"Trust during '{debrief.title}'", alt)


def outcome_curves(trust: float, fits_values: bool = False) -> Figure:
    """The course's outcome models against trust, with the chosen trust level marked.

    Solid line with circles: chance of disclosing a sensitive fact; dashed line with squares:
    estimated adherence (with a value-fitting shared decision if ``fits_values``).
    """
    from trustkit.outcomes import estimate_adherence, estimate_disclosure

    xs = list(range(0, 101, 2))
    fig = _figure(7.0, 3.8)
    ax = fig.add_subplot()
    ax.plot(
        xs,
        [100 * estimate_disclosure(x) for x in xs],
        color=OKABE_ITO["blue"],
        marker="o",
        markevery=5,
        label="shares a sensitive fact when asked",
    )
    ax.plot(
        xs,
        [100 * estimate_adherence(x, fits_values) for x in xs],
        color=OKABE_ITO["orange"],
        linestyle="--",
        marker="s",
        markevery=5,
        label="follows the plan" + (" (shared decision)" if fits_values else ""),
    )
    d = 100 * estimate_disclosure(trust)
    a = 100 * estimate_adherence(trust, fits_values)
    ax.axvline(trust, color="#555555", linestyle=":", lw=1)
    # The two read-outs never sit on top of each other: the higher curve's label goes above its
    # point, the lower one's below, and both are kept a line apart even where the curves cross;
    # near the right edge they are written to the left of the line.
    side, ha = (-8, "right") if trust > 70 else (8, "left")
    labels = sorted([(d, "disclosure"), (a, "adherence")], reverse=True)
    for (value, name), dy in zip(labels, (10, -18), strict=True):
        ax.annotate(
            f"{name} {value:.0f}%",
            (trust, value),
            textcoords="offset points",
            xytext=(side, dy),
            ha=ha,
            fontsize=9,
        )
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel("patient's trust (0-100)")
    ax.set_ylabel("estimated chance (%)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    alt = (
        f"Two rising curves. At trust {trust:.0f}, the model estimates a {d:.0f}% chance that "
        f"the patient shares a sensitive fact and a {a:.0f}% chance of following the plan"
        + (" with a shared decision" if fits_values else "")
        + ". Educational approximation."
    )
    return finish(fig, "Trust, disclosure and adherence (educational model)", alt)


# ---------------------------------------------------------------------------------------------
# Progress dashboard (data from trustkit.progress.History)
# ---------------------------------------------------------------------------------------------
DASHBOARD_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p"]
DASHBOARD_LINESTYLES = ["-", "--", "-.", ":"]


def _nothing_yet(title: str, message: str = "No attempts yet") -> Figure:
    """A small figure that says there is nothing to draw (instead of an empty plot)."""
    fig = _figure(6.0, 2.4)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=14, transform=ax.transAxes)
    return finish(fig, title, f"{title}: {message}.")


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
        return _nothing_yet(title)
    order = sorted(counts, key=lambda s: (counts[s], names[s]))  # most attempts at the top
    fig = _figure(7.0, max(2.4, 0.9 + 0.45 * len(order)))
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
        return _nothing_yet(title, "Play a scenario twice to compare")
    import math

    n = len(skills)
    angles = [2 * math.pi * i / n for i in range(n)]

    def ring(values: dict[str, float | None]) -> list[float]:
        pts = [values.get(s) for s in skills]
        out = [math.nan if v is None else float(v) for v in pts]
        return out + out[:1]

    fig = _figure(6.5, 6.0)
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
        return _nothing_yet(title)
    scenario_order = list(dict.fromkeys(_get(a, "scenario_id") for a in rows))
    names = {_get(a, "scenario_id"): _get(a, "title") or _get(a, "scenario_id") for a in rows}
    # the legend goes under the plot (inside it, it hid the latest attempts): room for it
    fig = _figure(7.5, 4.0 + 0.2 * ((len(scenario_order) + 1) // 2))
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
        return _nothing_yet(title, "No ratings yet")
    few = [d for d in days if d[1] < min_n]
    days = [d for d in days if d[1] >= min_n]
    if not days:
        return _nothing_yet(title, f"Rate at least {min_n} replies on a day to see a point")
    xs = list(range(len(days)))
    ys = [d[2] for d in days]
    fig = _figure(7.0, 3.8)
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
