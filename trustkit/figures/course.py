"""The course's figures: a scenario's dialogue graph, trust during an encounter, the outcome
models against trust."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from trustkit.figures._base import OKABE_ITO, finish, new_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from trustkit.scenario import Scenario


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
    fig = new_figure(min(width, 40), min(height, 40))
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
    fig = new_figure(7.0, 3.6)
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
    fig = new_figure(7.0, 3.8)
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
