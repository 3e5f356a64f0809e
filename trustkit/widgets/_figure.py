"""One way to show a trustkit figure in a widget: a PNG Image with its alt text kept beside it."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from trustkit import plots


def figure_image(fig: Any, css_class: str, max_width: str = "600px", dpi: int = 90) -> w.Image:
    """Render ``fig`` to a PNG ``Image`` widget and release the figure.

    The alt text is kept as ``image.alt_text`` (Python side) and callers show it as a caption:
    ipywidgets' Image has no alt attribute, and a tooltip on it breaks its front-end view.
    """
    image = w.Image(
        value=plots.to_png(fig, dpi=dpi), format="png", layout=w.Layout(max_width=max_width)
    )
    image.add_class(css_class)
    image.alt_text = plots.alt_text(fig)
    plots.close(fig)
    return image


def caption(image: w.Image) -> w.HTML:
    import html

    return w.HTML(f"<small>{html.escape(image.alt_text)}</small>")
