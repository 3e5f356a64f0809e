"""Small pieces the learner-facing widgets share: escaping, buttons, messages, figures, saved work,
and the plain copy of the learner's state that a reopened notebook shows.

Nothing here holds a course rule; it only keeps the views consistent:

- every button gets a ``description`` *and* a ``tooltip`` (screen readers, keyboard users);
- every message to the learner is one ``HTML`` with the CSS class ``tk-message`` and starts
  with an icon *and* a word ("Note:", "Problem:"), so no meaning is carried by colour alone;
- figures are ``<img>`` elements with their alt text in the DOM (an ipywidgets ``Image`` has no
  ``alt``), inside an ``HTML`` widget (:func:`figure_html`), with a visible caption under them;
- :class:`SavedWork` wraps :mod:`trustkit.work` so that a widget never saves defaults over
  existing work and never raises at the learner;
- :class:`CourseWidget` is the base of every course widget: it shows the widget *and*, right
  after it, a plain-HTML snapshot of the learner's state (hidden while the widget is live, kept
  up to date as the learner works). ``trustkit lab`` saves notebooks without the widget views
  (:func:`trustkit.workspace.pre_save_hook`), so a lesson reopened later shows the snapshot -
  never "Error displaying widget: model not found" - until the cell is run again.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w

from trustkit import work
from trustkit.errors import TrustkitError

NOTEBOOK_CSS = """
/* JupyterLab shows a collapsed cell's first line unwrapped: a long line (a lesson's imports)
   made the whole notebook scroll sideways on a narrow screen; cut it short instead */
.jp-Cell .jp-Placeholder-contentContainer { min-width: 0; overflow: hidden; }
.jp-Cell .jp-Placeholder-content { min-width: 0; max-width: 100%; overflow: hidden; }
.jp-Cell .jp-Placeholder-content .jp-PlaceholderText {
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0;
}
.tk-snapshot { border-left: 3px solid #999999; padding-left: 8px; max-width: 100%; }
.tk-snapshot td, .tk-snapshot th { text-align: left; vertical-align: top; }
"""
"""Rules for the notebook around the widgets; shown by every live widget and every snapshot."""

CSS = (
    """
<style>
.tk-widget { max-width: 100%; box-sizing: border-box; }
.tk-widget .widget-html-content { white-space: normal; overflow-wrap: break-word; line-height: 1.45; }
.tk-widget .widget-html-content p { margin: 0.35em 0; }
.tk-widget .widget-label { line-height: 1.45; }
.tk-option, .tk-tie { max-width: 100%; }
.tk-option button, button.tk-option, button.tk-tie {
  white-space: normal !important; text-align: left; height: auto !important;
  line-height: 1.35; padding: 4px 10px; min-height: 2.2em;
}
.tk-widget button.jupyter-button { max-width: 100%; }
.tk-widget button.jupyter-button:focus-visible { outline: 2px solid #0072B2; outline-offset: 2px; }
.tk-row { flex-wrap: wrap; gap: 4px; max-width: 100%; }
.tk-dialogue p { margin: 0.25em 0; }
.tk-dialogue .tk-typed, .tk-dialogue .tk-disclosed { font-size: 0.9em; }
.tk-message p { margin: 0.2em 0; }
.tk-widget ul.tk-marks { list-style: none; padding-left: 1em; }
.tk-figure img { max-width: 100%; height: auto; display: block; }
.tk-widget table { border-collapse: collapse; max-width: 100%; }
.tk-widget td, .tk-widget th { padding: 2px 6px; text-align: left; vertical-align: top; }
.tk-widget .widget-toggle-buttons .widget-toggle-button { min-width: 2.6em; width: auto; }
/* long answer options wrap onto more lines instead of running over the next option */
.tk-widget .widget-radio-box label, .tk-widget .widget-checkbox label {
  height: auto; min-height: var(--jp-widgets-radio-item-height, 20px); line-height: 1.4;
  white-space: normal; display: flex; align-items: flex-start; padding: 2px 0;
}
/* ipywidgets puts a radio button after its text (and floats it left): keep it on the left */
.tk-widget .widget-radio-box label { flex-direction: row-reverse; justify-content: flex-end; }
.tk-widget .widget-radio-box input, .tk-widget .widget-checkbox input {
  height: auto; flex: 0 0 auto; margin-top: 0.25em;
}
.tk-widget .widget-checkbox { height: auto; }
/* the plain snapshot next to a live widget is for a reopened notebook only */
.jp-OutputArea-child:has(.tk-widget) + .jp-OutputArea-child:has(.tk-snapshot) { display: none; }
"""
    + NOTEBOOK_CSS
    + "</style>"
)
"""CSS shared by the course widgets (each live widget carries one copy)."""


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
    # auto width (the default cuts labels short); not stretched across a column
    layout = kwargs.pop("layout", None) or (
        w.Layout(width="auto", height="auto", align_self="flex-start")
        if wrap
        else w.Layout(width="auto", align_self="flex-start")
    )
    b = w.Button(description=description, tooltip=tooltip, icon=icon, layout=layout, **kwargs)
    if css:
        b.add_class(css)
    if on_click is not None:
        b.on_click(lambda _b: on_click())
    return b


def set_disabled(toggle: w.ToggleButtons, disabled: bool) -> None:
    """Enable or disable a ``ToggleButtons`` *so that it shows*.

    Measured here (ipywidgets 8.1.9 in JupyterLab 4.6): the ToggleButtons view applies
    ``disabled`` to its buttons only when it rebuilds them, so a row disabled after it was drawn
    kept looking clickable while ignoring clicks. Changing ``icons`` in the same message makes
    the view rebuild its buttons, with ``disabled`` applied.
    """
    if bool(toggle.disabled) == bool(disabled):
        return
    with toggle.hold_sync():
        toggle.disabled = disabled
        toggle.icons = [] if toggle.icons else [""] * len(toggle.options)


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


class FigureHTML(w.HTML):
    """A figure: an ``<img>`` with its alt text in the DOM (``alt_text`` is kept here too)."""

    alt_text: str = ""


def figure_html(fig: Any, css_class: str, *, max_width: str = "600px", dpi: int = 90) -> FigureHTML:
    """Render a matplotlib figure to a PNG ``<img alt=...>`` in an HTML widget; close the figure.

    The ``<img>`` carries the CSS class ``css_class`` (so ``img.<css_class>`` finds it) and the
    figure's alt text; :func:`caption` shows the same text under it for sighted readers.
    """
    from trustkit import plots

    alt = plots.alt_text(fig)
    png = plots.to_png(fig, dpi=dpi)
    plots.close(fig)
    image = FigureHTML(img_tag(png, alt, css_class, max_width=max_width))
    image.add_class("tk-figure")
    image.alt_text = alt
    return image


def img_tag(png: bytes, alt: str, css_class: str, *, max_width: str = "600px") -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f"<img class='{esc(css_class)}' src='data:image/png;base64,{data}' alt='{esc(alt)}' "
        f"style='max-width: min(100%, {esc(max_width)}); height: auto;'>"
    )


def caption(image: Any, prefix: str = "Figure") -> w.HTML:
    """The figure's alt text as a visible caption (hidden from screen readers, which read the
    same text as the image's alt)."""
    cap = w.HTML(
        f"<small aria-hidden='true'><b>{esc(prefix)}:</b> "
        f"{esc(getattr(image, 'alt_text', ''))}</small>"
    )
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


def row(children: Sequence[w.Widget], **layout: Any) -> w.HBox:
    """A horizontal row that wraps instead of running off the side of a narrow notebook."""
    box = w.HBox(list(children), layout=w.Layout(flex_flow="row wrap", max_width="100%", **layout))
    box.add_class("tk-row")
    return box


# ---------------------------------------------------------------------------------------------
# The plain snapshot of a widget's state (what a reopened notebook shows)
# ---------------------------------------------------------------------------------------------
SNAPSHOT_META = {"trustkit": {"snapshot": True}}
"""Output metadata that marks a snapshot (read by :func:`trustkit.workspace.pre_save_hook`)."""

SNAPSHOT_NOTE = (
    "<p class='tk-snapshot-note'>▶ <b>Saved view of your work</b> (not interactive). To go on, "
    "run this cell: click it and press <kbd>Shift</kbd>+<kbd>Enter</kbd>, or use "
    "<b>Run ▸ Run All Cells</b>. Your work is restored from <code>trustkit-work/</code>.</p>"
)

_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"</?(?:p|div|li|tr|h[1-6]|br|ul|ol|table)\b[^>]*>", re.IGNORECASE)


def html_to_text(markup: str) -> str:
    """A readable plain-text version of our own simple HTML (for ``text/plain``)."""
    text = _BLOCK.sub("\n", markup)
    text = html.unescape(_TAG.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


class CourseWidget(w.VBox):
    """The base of every course widget: the shared CSS, the ``tk-widget`` class, and a plain
    snapshot of the learner's state displayed right after the widget.

    Subclasses implement :meth:`snapshot_html` (simple HTML: it must read well even where a
    notebook's HTML is sanitised) and call :meth:`refresh_snapshot` after every learner action.
    """

    _snapshot_id: str | None = None

    def __init__(self, children: Sequence[w.Widget] = (), **kwargs: Any) -> None:
        super().__init__([style(), *children], **kwargs)
        self.add_class("tk-widget")

    # -- what the snapshot shows ----------------------------------------------------------------
    def snapshot_html(self) -> str:
        """The learner's state as simple HTML (override)."""
        return ""

    def snapshot_bundle(self) -> dict[str, str]:
        body = self.snapshot_html()
        markup = f"<div class='tk-snapshot'>{SNAPSHOT_NOTE}{body}</div>"
        # the notebook's layout rules travel with it (a notebook opened untrusted drops the
        # <style>, and the snapshot reads the same without it)
        return {
            "text/html": f"<style>{NOTEBOOK_CSS}</style>{markup}",
            "text/plain": html_to_text(markup),
        }

    # -- display ------------------------------------------------------------------------------
    def _ipython_display_(self) -> None:
        """The live widget, then its snapshot (a display that :meth:`refresh_snapshot` updates)."""
        from IPython.display import display

        view: dict[str, Any] = {"text/plain": f"{type(self).__name__} (run the cell to use it)"}
        if self._view_name is not None:
            view["application/vnd.jupyter.widget-view+json"] = {
                "version_major": 2,
                "version_minor": 0,
                "model_id": self.model_id,
            }
        display(view, raw=True)
        if self._snapshot_id is None:
            self._snapshot_id = f"tk-snapshot-{self.model_id}"
        display(
            self.snapshot_bundle(), metadata=SNAPSHOT_META, raw=True, display_id=self._snapshot_id
        )

    def refresh_snapshot(self) -> None:
        """Bring the displayed snapshot up to date (never raises; nothing if not displayed)."""
        if self._snapshot_id is None:
            return
        try:
            from IPython.display import update_display

            update_display(
                self.snapshot_bundle(),
                metadata=SNAPSHOT_META,
                raw=True,
                display_id=self._snapshot_id,
            )
        except Exception:  # a snapshot must never break the lesson
            pass
