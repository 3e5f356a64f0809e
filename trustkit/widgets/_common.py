"""Small pieces the learner-facing widgets share: escaping, buttons, messages, figures, saved work.

Nothing here holds a course rule; it only keeps the views consistent:

- every button gets a ``description`` *and* a ``tooltip`` (screen readers, keyboard users);
- every message to the learner is one ``HTML`` with the CSS class ``tk-message`` and starts
  with an icon *and* a word ("Note:", "Problem:"), so no meaning is carried by colour alone;
- figures are PNG ``Image`` widgets carrying their alt text (``image.alt_text``) and
  a caption under the image;
- :class:`SavedWork` wraps :mod:`trustkit.work` so that a widget never saves defaults over
  existing work and never raises at the learner.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from trustkit import work
from trustkit.errors import TrustkitError

CSS = """
<style>
.tk-option, .tk-tie { max-width: 100%; }
.tk-option button, button.tk-option, button.tk-tie {
  white-space: normal !important; text-align: left; height: auto !important;
  line-height: 1.35; padding: 4px 10px; min-height: 2.2em;
}
.tk-dialogue p { margin: 0.25em 0; }
.tk-dialogue .tk-typed, .tk-dialogue .tk-disclosed { font-size: 0.9em; }
.tk-message p { margin: 0.2em 0; }
</style>
"""
"""CSS that lets long option texts wrap inside their buttons (shown once per widget)."""


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def style() -> w.HTML:
    """An invisible HTML holding :data:`CSS`."""
    return w.HTML(CSS, layout=w.Layout(height="0px", margin="0px"))


def button(
    description: str,
    tooltip: str,
    *,
    css: str | None = None,
    icon: str = "",
    on_click: Callable[[], Any] | None = None,
    wrap: bool = False,
    **kwargs: Any,
) -> w.Button:
    """A button with a description and a tooltip (always both), a ``tk-*`` class and a handler."""
    layout = kwargs.pop("layout", None) or (
        w.Layout(width="auto", height="auto") if wrap else w.Layout(width="auto")
    )
    b = w.Button(description=description, tooltip=tooltip, icon=icon, layout=layout, **kwargs)
    if css:
        b.add_class(css)
    if on_click is not None:
        b.on_click(lambda _b: on_click())
    return b


def message_widget() -> w.HTML:
    m = w.HTML()
    m.add_class("tk-message")
    return m


def note(text: str) -> str:
    """A neutral message (icon and word, not colour)."""
    return f"<p>ℹ <b>Note:</b> {esc(text)}</p>"


def problem(text: str) -> str:
    """Something went wrong, said in one sentence; the learner can go on."""
    return f"<p>⚠ <b>Problem:</b> {esc(text)}</p>"


def figure_image(fig: Any, css_class: str, *, max_width: str = "600px", dpi: int = 90) -> w.Image:
    """Render a matplotlib figure to a PNG ``Image`` (class ``css_class``) and close the figure.

    ``Image`` has no ``alt`` attribute in ipywidgets, so the alt text is kept on the Python
    side as ``image.alt_text`` and shown in the caption from :func:`caption`. Do not set
    ``image.tooltip``: measured here (JupyterLab 4.6, ipywidgets 8.1.9), a tooltip on an
    ``Image`` stops its view from rendering in the browser.
    """
    from trustkit import plots

    image = w.Image(
        value=plots.to_png(fig, dpi=dpi), format="png", layout=w.Layout(max_width=max_width)
    )
    image.add_class(css_class)
    image.alt_text = plots.alt_text(fig)
    plots.close(fig)
    return image


def caption(image: w.Image, prefix: str = "Figure") -> w.HTML:
    """The figure's alt text as a visible caption (the text a screen reader would read)."""
    cap = w.HTML(f"<small><b>{esc(prefix)}:</b> {esc(getattr(image, 'alt_text', ''))}</small>")
    cap.add_class("tk-figure-caption")
    return cap


class SavedWork:
    """One saved-work file for one widget: ``trustkit-work/<key>.json`` of a given kind.

    - :meth:`load` reads it once when the widget is created; an unreadable file is moved
      aside by :func:`trustkit.work.load` and :attr:`message` says so.
    - If the file could not be read *and* is still in place (it could not be moved aside),
      :attr:`blocked` is set: nothing is ever saved over it.
    - :meth:`save` never raises: a failure is returned as a message for the learner.
    """

    def __init__(self, key: str, kind: str) -> None:
        self.key = key
        self.kind = kind
        self.message: str | None = None
        self.blocked = False

    @property
    def path(self):
        return work.work_dir() / f"{self.key}.json"

    def load(self) -> dict[str, Any] | None:
        try:
            loaded = work.load(self.key, self.kind)
        except TrustkitError as exc:  # e.g. an invalid key
            self.message, self.blocked = str(exc), True
            return None
        self.message = loaded.message
        if loaded.data is None and loaded.message and self.path.exists():
            self.blocked = True
        return loaded.data

    def move_aside(self) -> str:
        """Keep a file that no longer fits (renamed, never deleted); returns its new name."""
        try:
            moved = work.move_aside(self.path)
        except (OSError, TrustkitError):
            self.blocked = True
            return f"{self.path.name} (left in place; nothing will be saved over it)"
        return moved.name

    def save(self, data: dict[str, Any]) -> str | None:
        if self.blocked:
            return (
                f"your work is not being saved, so that {self.path.name} (which could not be "
                "read) is not overwritten; move it away and run the cell again."
            )
        try:
            work.save(self.key, self.kind, data)
        except TrustkitError as exc:
            return str(exc)
        return None


def history() -> tuple[Any, str | None]:
    """The progress history, or ``(None, reason)`` if it cannot be used here."""
    try:
        from trustkit.progress import History
    except ImportError:
        return None, "the progress history is not available in this installation."
    try:
        return History(), None
    except Exception as exc:  # the history must never break a widget
        return None, f"the progress history could not be opened ({exc})."
