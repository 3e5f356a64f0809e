"""Knowledge checks with instant, ungraded feedback (the lessons' self-tests).

The answer key lives in the lesson cell (collapsed), because nothing here is graded; graded
questions use :class:`trustkit.widgets.answer.Answer`, which holds no key. A learner's choices
are kept in ``trustkit-work/<key>.json`` (kind ``answers``) when a ``key`` is given, so a
re-run restores them - with the feedback the learner saw (right or not, and why), since a
choice is saved only when it is checked.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from functools import cache
from typing import Any

import ipywidgets as w

from trustkit import work
from trustkit.errors import TrustkitError
from trustkit.widgets._common import CourseWidget, esc


def stable_qid(question: str) -> str:
    """The key a check without ``qid`` is saved under: the same in every process (a digest of
    the question's text; Python's ``hash()`` of a string changes from one run to the next)."""
    digest = hashlib.sha256(" ".join(question.split()).encode("utf-8")).hexdigest()
    return f"q{digest[:12]}"


@cache
def lesson_checks(lesson: str) -> dict[str, dict[str, Any]]:
    """The knowledge checks of a lesson, from ``trustkit/data/checks/<lesson>.yaml``."""
    from trustkit.content import lesson_checks as load_checks

    return load_checks(lesson)


class KnowledgeCheck(CourseWidget):
    """A multiple-choice question with feedback on every option and an explanation."""

    def __init__(
        self,
        question: str,
        options: Sequence[str],
        answer: int | Sequence[int],
        explanation: str,
        *,
        feedback: Sequence[str] | None = None,
        key: str | None = None,
        qid: str | None = None,
    ) -> None:
        self.options = list(options)
        self.answer = {answer} if isinstance(answer, int) else set(answer)
        self.multiple = not isinstance(answer, int)
        self.explanation = explanation
        self.option_feedback = list(feedback) if feedback else [""] * len(self.options)
        self.key = key
        self.qid = qid or stable_qid(question)
        self.question = question
        self.checked: bool | None = None  # None: not checked yet; else whether it was right
        self._question = w.HTML(f"<b>{html.escape(question)}</b>")
        if self.multiple:
            self._boxes = [
                w.Checkbox(description=o, indent=False, layout=w.Layout(width="auto"))
                for o in self.options
            ]
            chooser: w.Widget = w.VBox(self._boxes)
        else:
            self._radio = w.RadioButtons(
                options=[(o, i) for i, o in enumerate(self.options)],
                value=None,
                layout=w.Layout(width="auto"),
            )
            chooser = self._radio
        self._check = w.Button(
            description="Check my answer",
            tooltip="Check your answer (not graded)",
            icon="check",
            # the default width cuts the label short; not stretched across the column
            layout=w.Layout(width="auto", align_self="flex-start"),
        )
        self._check.add_class("tk-check")
        self._feedback = w.HTML()
        self._feedback.add_class("tk-feedback")
        self._check.on_click(lambda _b: self.check())
        for control in self._boxes if self.multiple else [self._radio]:
            control.observe(lambda _c: self.refresh_snapshot(), names="value")
        super().__init__([self._question, chooser, self._check, self._feedback])
        self.add_class("tk-knowledge-check")
        self._restore()

    @classmethod
    def load(cls, lesson: str, qid: str) -> KnowledgeCheck:
        """A packaged check by lesson and id; the learner's choice is kept under the lesson."""
        checks = lesson_checks(lesson)
        if qid not in checks:
            raise TrustkitError(f"lesson '{lesson}' has no knowledge check '{qid}'.")
        item = checks[qid]
        return cls(
            item["question"],
            item["options"],
            item["answer"],
            item["explanation"],
            feedback=item.get("feedback"),
            key=f"checks-{lesson}",
            qid=qid,
        )

    # -- state ------------------------------------------------------------------------------
    @property
    def selected(self) -> set[int]:
        if self.multiple:
            return {i for i, b in enumerate(self._boxes) if b.value}
        return set() if self._radio.value is None else {int(self._radio.value)}

    def select(self, *indexes: int) -> None:
        """Choose option(s) by 0-based index (for tests and keyboard-free use)."""
        if self.multiple:
            for i, b in enumerate(self._boxes):
                b.value = i in indexes
        else:
            self._radio.value = indexes[0]

    @property
    def correct(self) -> bool:
        return self.selected == self.answer

    def check(self) -> bool:
        chosen = self.selected
        if not chosen:
            self._feedback.value = "<p>ℹ <b>Note:</b> Choose an answer first.</p>"
            return False
        ok = self._show_feedback(chosen)
        if self.key:
            try:
                saved = work.record_answer(self.key, self.qid, sorted(chosen))
            except Exception as exc:  # saving must never break the lesson
                self._feedback.value += f"<p>(Your answer could not be saved: {esc(exc)})</p>"
            else:
                if saved.message:  # an unreadable answers file was moved aside first
                    self._feedback.value += f"<p>{esc(saved.message)}</p>"
        self.refresh_snapshot()
        return ok

    def _show_feedback(self, chosen: set[int]) -> bool:
        ok = chosen == self.answer
        self.checked = ok
        head = "✔ <b>Correct.</b>" if ok else "✖ <b>Not quite.</b>"
        notes = "".join(
            f"<li>{html.escape(self.options[i])}: {html.escape(self.option_feedback[i])}</li>"
            for i in sorted(chosen)
            if self.option_feedback[i]
        )
        self._feedback.value = (
            f"<p>{head}</p>"
            + (f"<ul>{notes}</ul>" if notes else "")
            + f"<p>{html.escape(self.explanation)}</p>"
        )
        return ok

    def snapshot_html(self) -> str:
        chosen = self.selected
        lines = "".join(
            f"<li>{'☑' if i in chosen else '☐'} {esc(o)}</li>" for i, o in enumerate(self.options)
        )
        status = (
            "<p><i>Not answered yet.</i></p>"
            if self.checked is None
            else f"<p><b>You checked your answer:</b></p>{self._feedback.value}"
        )
        return f"<p><b>{esc(self.question)}</b></p><ul>{lines}</ul>{status}"

    def _restore(self) -> None:
        if not self.key:
            return
        loaded = work.load_answers(self.key)
        if loaded.message:
            self._feedback.value = f"<p>{html.escape(loaded.message)}</p>"
        saved = (loaded.data or {}).get("answers", {}).get(self.qid)
        if isinstance(saved, list) and all(isinstance(i, int) for i in saved):
            valid = [i for i in saved if 0 <= i < len(self.options)]
            if valid:
                self.select(*valid)
                self._show_feedback(set(valid))  # a saved choice was a checked one
