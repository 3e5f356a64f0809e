"""What every figure shares: the palette, a fresh Figure, and the one :func:`finish`.

matplotlib is imported inside the functions (``import trustkit`` stays cheap) and no backend is
forced: a Figure made here is not attached to pyplot, so it works headless, in threads and in a
notebook alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

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
GREY = "#999999"
"""A neutral grey for reference lines (identity, zero): never a data series."""


def new_figure(width: float = 7.0, height: float = 4.0) -> Figure:
    """A new Figure not attached to pyplot (no global state, no GUI, safe in threads)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def finish(fig: Figure, title: str, alt: str) -> Figure:
    """Every figure ends here: its title above it and its alt text (the figure's label).

    Read them back with :func:`title` and :func:`alt_text`; both must say something.
    """
    if not title.strip() or not alt.strip():
        raise ValueError("a figure needs a title and alt text")
    fig.suptitle(title)
    fig.set_label(alt)
    return fig


def title(fig: Figure) -> str:
    """The title :func:`finish` gave a figure ("" if it has none)."""
    return fig.get_suptitle()


def alt_text(fig: Figure) -> str:
    """The alt text :func:`finish` gave a figure."""
    return fig.get_label()


def empty_figure(heading: str, message: str) -> Figure:
    """A small figure that says there is nothing to draw (instead of an empty plot)."""
    fig = new_figure(6.0, 2.4)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=14, transform=ax.transAxes)
    return finish(fig, heading, f"{heading}: {message}.")


def close(fig: Figure) -> None:
    """Release a figure (ours are not registered with pyplot, so this only clears it)."""
    fig.clear()


def to_png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
