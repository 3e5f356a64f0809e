"""Answer: a graded question. It shows the question and saves the learner's choice; no key.

The choice is saved in ``trustkit-work/<key>.json`` (kind ``answers``,
``{"answers": {qid: value}}``) on every change, and restored when the cell runs again. The
value is the 0-based option index (one choice), a sorted list of indexes (``multiple=True``),
or the text (no options: a free-text answer). The answer key lives only in the hidden part of
the nbgrader test cell (:func:`trustkit.grading.checks.score_answer`), never here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as w

from trustkit import work
from trustkit.errors import TrustkitError
from trustkit.widgets._common import CourseWidget, esc


class Answer(CourseWidget):
    """A graded question: radio buttons, check boxes, or a text box (``options=None``)."""

    def __init__(
        self,
        qid: str,
        question: str,
        options: Sequence[str] | None = None,
        *,
        key: str = "answers",
        multiple: bool = False,
        placeholder: str = "Type your answer here",
    ) -> None:
        if not qid or not isinstance(qid, str):
            raise TrustkitError("an Answer needs a question id (qid), such as 'q1'.")
        self.qid = qid
        self.key = key
        self.options = [str(o) for o in options] if options is not None else None
        self.multiple = bool(multiple) and self.options is not None
        self._restoring = False
        self.question = question
        self._question = w.HTML(f"<b>{html.escape(question)}</b>")
        self._question.add_class("tk-answer-question")
        self.status = w.HTML()
        self.status.add_class("tk-answer-status")
        if self.options is None:
            self._text = w.Textarea(
                placeholder=placeholder,
                layout=w.Layout(width="100%", height="4em"),
                continuous_update=True,
            )
            self._text.observe(self._changed, names="value")
            chooser: w.Widget = self._text
        elif self.multiple:
            self._boxes = [
                w.Checkbox(description=o, indent=False, layout=w.Layout(width="auto"))
                for o in self.options
            ]
            for box in self._boxes:
                box.observe(self._changed, names="value")
            chooser = w.VBox(self._boxes)
        else:
            self._radio = w.RadioButtons(
                options=[(o, i) for i, o in enumerate(self.options)],
                value=None,
                layout=w.Layout(width="auto"),
            )
            self._radio.observe(self._changed, names="value")
            chooser = self._radio
        chooser.add_class("tk-answer-input")
        super().__init__([self._question, chooser, self.status])
        self.add_class("tk-answer")
        self._restore()

    # -- state ------------------------------------------------------------------------------
    @property
    def value(self) -> Any:
        """What would be saved: an index, a sorted list of indexes, or text (None: no answer)."""
        if self.options is None:
            text = self._text.value
            return text if text.strip() else None
        if self.multiple:
            chosen = [i for i, b in enumerate(self._boxes) if b.value]
            return chosen or None
        return None if self._radio.value is None else int(self._radio.value)

    def choose(self, *indexes: int) -> None:
        """Choose option(s) by 0-based index (for tests and keyboard-free use)."""
        if self.options is None:
            raise TrustkitError("this question takes a typed answer; use type_answer(text).")
        for i in indexes:
            if not 0 <= i < len(self.options):
                raise TrustkitError(
                    f"option {i + 1} does not exist; choose 1 to {len(self.options)}."
                )
        if self.multiple:
            with self.hold_trait_notifications():
                for i, b in enumerate(self._boxes):
                    b.value = i in indexes
        else:
            if len(indexes) != 1:
                raise TrustkitError("choose exactly one option.")
            self._radio.value = indexes[0]

    def type_answer(self, text: str) -> None:
        if self.options is not None:
            raise TrustkitError("this question has options; use choose(index).")
        self._text.value = text

    # -- saving -----------------------------------------------------------------------------
    def _changed(self, _change: Any = None) -> None:
        if self._restoring:
            return
        value = self.value
        try:
            saved = work.record_answer(self.key, self.qid, value)
        except Exception as exc:  # saving must never break the notebook
            self.status.value = (
                f"<p>Your answer could not be saved ({html.escape(str(exc))}); "
                "it is still on screen.</p>"
            )
            return
        self.status.value = "<small>Saved.</small>" if value is not None else ""
        if saved.message:  # an unreadable answers file was moved aside first: say so
            self.status.value += f"<p>{html.escape(saved.message)}</p>"
        self.refresh_snapshot()

    def snapshot_html(self) -> str:
        value = self.value
        if self.options is None:
            answer = (
                f"<blockquote>{esc(value)}</blockquote>"
                if value
                else "<p><i>Not answered yet.</i></p>"
            )
        else:
            chosen = set(value if isinstance(value, list) else [] if value is None else [value])
            answer = (
                "<ul>"
                + "".join(
                    f"<li>{'☑' if i in chosen else '☐'} {esc(o)}</li>"
                    for i, o in enumerate(self.options)
                )
                + "</ul>"
            )
        return f"<p><b>{esc(self.question)}</b></p>{answer}"

    def _restore(self) -> None:
        try:
            loaded = work.load_answers(self.key)
        except Exception as exc:
            self.status.value = f"<p>{html.escape(str(exc))}</p>"
            return
        if loaded.message:
            self.status.value = f"<p>{html.escape(loaded.message)}</p>"
        saved = ((loaded.data or {}).get("answers") or {}).get(self.qid)
        if saved is None:
            return
        self._restoring = True
        try:
            if self.options is None:
                if isinstance(saved, str):
                    self._text.value = saved
            else:
                picks = saved if isinstance(saved, list) else [saved]
                valid = [
                    i
                    for i in picks
                    if isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(self.options)
                ]
                if valid:
                    if self.multiple:
                        for i, b in enumerate(self._boxes):
                            b.value = i in valid
                    else:
                        self._radio.value = valid[0]
        finally:
            self._restoring = False
        if self.value is not None:
            self.status.value = "<small>Your saved answer was restored.</small>"
