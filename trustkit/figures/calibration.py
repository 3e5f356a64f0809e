"""Two figures for rater calibration: learner vs reference, and a Bland-Altman plot.

Colours come from the Okabe-Ito palette, and nothing is shown by colour alone: markers and line
styles differ, and every line is labelled in the legend. Also here: when a learner is shown the
ICC (:data:`MIN_FOR_ICC`) and how a number is written for a learner (:func:`number`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trustkit.figures._base import GREY, OKABE_ITO, finish, new_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from trustkit.calibration import Comparison

MIN_FOR_ICC = 10
"""Below this many compared items the ICC (and its interval) is not shown to a learner: with
two raters and a handful of items its 95% interval spans most of -1 to 1 and says nothing."""

MIN_FOR_LIMITS = 10
"""Below this many items the Bland-Altman 95% limits of agreement are not drawn."""


def number(value: float, places: int = 2) -> str:
    """A value for a learner: never "-0.00"."""
    text = f"{value:.{places}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def icc_shown(c: Comparison) -> bool:
    """Whether the comparison has enough items for its ICC to mean something to a learner."""
    return c.n >= MIN_FOR_ICC and c.icc21 is not None and c.icc21.value is not None


def _jitter(values: list[float], step: float = 0.06) -> list[float]:
    """Spread points that land on the same spot, deterministically, so ties stay visible."""
    seen: dict[float, int] = {}
    out = []
    for v in values:
        n = seen.get(v, 0)
        seen[v] = n + 1
        out.append(v + step * ((n + 1) // 2) * (1 if n % 2 else -1))
    return out


def scatter_vs_reference(comparison: Comparison, what: str = "quality") -> Figure:
    """Learner's rating (y) against the reference rating (x) per item, with the identity line."""
    c = comparison
    fig = new_figure(5.5, 5)
    ax = fig.add_subplot()
    lo = min(c.learner + c.reference) - 0.5
    hi = max(c.learner + c.reference) + 0.5
    ax.plot([lo, hi], [lo, hi], linestyle="--", color=GREY, label="same as reference")
    xs = _jitter(c.reference)
    ax.scatter(
        xs,
        c.learner,
        marker="o",
        s=48,
        facecolor=OKABE_ITO["blue"],
        edgecolor=OKABE_ITO["black"],
        label="one item (ties spread sideways)",
    )
    # label the items furthest apart at their (spread) points; labels that would land on the
    # same spot are stacked a line apart instead of printed on top of each other
    # (written towards the middle of the plot, so that none runs into the frame)
    where = {item: (x, y) for item, x, y in zip(c.items, xs, c.learner, strict=True)}
    middle = (lo + hi) / 2
    used: dict[tuple[float, float], int] = {}
    for g in c.furthest:
        x, y = where.get(g.item, (g.reference, g.learner))
        spot = (round(x), round(y))
        k = used.get(spot, 0)
        used[spot] = k + 1
        left = x > middle
        ax.annotate(
            g.item,
            (x, y),
            textcoords="offset points",
            xytext=(-7 if left else 7, 5 - 11 * k),
            ha="right" if left else "left",
            fontsize=8,
            va="center",
        )
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel(f"reference panel {what} rating")
    ax.set_ylabel(f"your {what} rating")
    ax.legend(loc="upper left", fontsize=8)
    icc_text = (
        f"ICC(2,1) {number(c.icc21.value)}"  # type: ignore[union-attr]
        if icc_shown(c)
        else f"no agreement statistic below {MIN_FOR_ICC} items"
    )
    alt = (
        f"Scatter plot of {c.n} items: your {what} rating against the reference panel's. "
        f"Points above the dashed identity line are items you rated higher. {icc_text}; "
        f"{100 * c.within_one:.0f}% within one point; on average "
        f"{abs(c.bias):.2f} points {'higher' if c.bias > 0 else 'lower'} "
        f"({c.bias_label})."
    )
    return finish(fig, "Your ratings against the reference panel", alt)


def bland_altman(comparison: Comparison, what: str = "quality") -> Figure:
    """Difference (learner - reference) against the mean of the two, with bias and 95% limits."""
    c = comparison
    means = [(x + y) / 2 for x, y in zip(c.learner, c.reference, strict=True)]
    diffs = c.differences
    fig = new_figure(6.5, 4.5)
    ax = fig.add_subplot()
    ax.axhline(0, color=GREY, linestyle=":", label="no difference")
    ax.scatter(
        _jitter(means),
        diffs,
        marker="D",
        s=40,
        facecolor=OKABE_ITO["orange"],
        edgecolor=OKABE_ITO["black"],
        label="one item (ties spread sideways)",
    )
    ax.axhline(
        c.bias, color=OKABE_ITO["blue"], linestyle="-", label=f"mean difference {c.bias:+.2f}"
    )
    limits = c.limits_of_agreement if c.n >= MIN_FOR_LIMITS else None
    if limits:
        lo, hi = limits
        for y in (lo, hi):
            ax.axhline(y, color=OKABE_ITO["vermillion"], linestyle="--")
        ax.plot(
            [], [], color=OKABE_ITO["vermillion"], linestyle="--",
            label=f"95% limits of agreement {lo:+.2f} to {hi:+.2f}",
        )  # fmt: skip
    ax.set_xlabel(f"mean of your and the reference {what} rating")
    ax.set_ylabel("your rating minus the reference")
    # under the plot, where it can cover neither a point nor a line
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, fontsize=8)
    loa = (
        f"95% limits of agreement from {limits[0]:+.2f} to {limits[1]:+.2f}"
        if limits
        else f"no limits of agreement below {MIN_FOR_LIMITS} items"
    )
    alt = (
        f"Bland-Altman plot of {c.n} items: the difference between your {what} rating and the "
        f"reference, against their mean. Mean difference {c.bias:+.2f} points ({c.bias_label}); "
        f"{loa}."
    )
    return finish(fig, "Bland-Altman plot: where and how much you differ", alt)
