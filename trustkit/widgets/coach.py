"""Practise one kind of reply in your own words, with the analyzer's explainable feedback.

The patient says something; the learner types a reply; the analyzer labels it with
communication codes and shows the exact words behind each one. The exercise names the codes to
aim for and the ones to avoid. Prompts are data in ``trustkit/data/practice/<lesson>.yaml``.
Attempts are kept in ``trustkit-work/practice-<lesson>.json`` (kind ``answers``).

The coach approves a reply only when it shows a sign of its aim (:func:`judge`):

- a prompt with ``aim`` codes needs every one of them, and none of the codes to avoid;
- a prompt whose aim is only to *avoid* something (``aim: []``, e.g. "use plain words") is not
  met by saying nothing wrong: the reply must also do what the model reply does - show one of
  the model reply's own skills (e.g. empathy, or openness about uncertainty), or, when the
  model reply shows none, talk about the subject (a content word shared with the patient's
  line or the model reply, such as "scan"). "Hmm, ok." never passes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import ipywidgets as w

from trustkit import skills as vocabulary
from trustkit import work
from trustkit.errors import TrustkitError
from trustkit.widgets._common import CourseWidget, button, esc, row

AVOID_DEFAULT: tuple[str, ...] = tuple(
    c for c in vocabulary.analyzer_codes("benchmarked") if vocabulary.is_harmful(c)
)
"""What a prompt avoids unless it says otherwise: the harmful codes of the benchmarked set."""
APPROVED = "✔ <b>That does it.</b>"


@cache
def lesson_prompts(lesson: str) -> dict[str, dict[str, Any]]:
    """The practice prompts of a lesson, from ``trustkit/data/practice/<lesson>.yaml``."""
    from trustkit.content import lesson_prompts as load_prompts

    return load_prompts(lesson)


def label(code: str, subtype: str | None = None) -> str:
    """The skill's label from the vocabulary, with its NURSE subtype if any."""
    text = vocabulary.label(code)
    return f"{text} ({subtype})" if subtype else text


@dataclass(frozen=True)
class Verdict:
    """Whether a reply met its prompt's aim, and the sentence that says so."""

    met: bool
    head: str


def judge(
    analysis: Any,
    aim: Sequence[str],
    avoid: Sequence[str],
    *,
    said: str = "",
    patient: str = "",
    example: str = "",
) -> Verdict:
    """The coach's rule (see the module docstring). ``said``, ``patient`` and ``example`` are
    used only for a prompt without ``aim`` codes."""
    found = {c.code for c in analysis.codes}
    bad = [a for a in avoid if a in found]
    if bad:
        return Verdict(
            False, "✖ <b>Careful:</b> your reply reads as " + ", ".join(label(b) for b in bad) + "."
        )
    if aim:
        missing = [a for a in aim if a not in found]
        if missing:
            return Verdict(
                False, "➜ <b>Not yet:</b> try for " + ", ".join(label(m) for m in missing) + "."
            )
        return Verdict(True, APPROVED)
    # an aim that only says what to avoid: saying nothing wrong is not enough
    from trustkit.analyzer import analyze
    from trustkit.topics import topic_words

    shown = {c.code for c in analyze(example).codes} if example else set()
    wanted = sorted(c for c in shown - set(avoid) if not vocabulary.is_neutral(c))
    if wanted:
        if found & set(wanted):
            return Verdict(True, APPROVED)
        return Verdict(
            False,
            "➜ <b>Not yet:</b> nothing wrong in it, but it does not yet do what the prompt asks; "
            "try " + " or ".join(label(c) for c in wanted) + ".",
        )
    if topic_words(said) & (topic_words(patient) | topic_words(example)):
        return Verdict(True, APPROVED)
    return Verdict(
        False,
        "➜ <b>Not yet:</b> nothing wrong in it, but it does not answer what the patient asked; "
        "answer it, in everyday words.",
    )


def feedback_html(
    analysis: Any,
    aim: Sequence[str],
    avoid: Sequence[str],
    *,
    said: str = "",
    patient: str = "",
    example: str = "",
) -> tuple[str, bool]:
    """The coach's feedback on one analysed reply, and whether it met the aim."""
    lines = []
    for c in analysis.codes:
        mark = "✖" if c.code in avoid else "✔" if c.code in aim else "•"
        lines.append(
            f"<li>{mark} <b>{html.escape(label(c.code, c.subtype))}</b>: "
            f"&ldquo;{html.escape(c.evidence)}&rdquo;</li>"
        )
    verdict = judge(analysis, aim, avoid, said=said, patient=patient, example=example)
    body = (
        "<p>What the coach recognised, and the words behind it:</p><ul class='tk-marks'>"
        + "".join(lines)
        + "</ul>"
        if lines
        else "<p>The coach recognised no communication skill in this reply.</p>"
    )
    return f"<p>{verdict.head}</p>{body}", verdict.met


def aim_text(aim: Sequence[str], avoid: Sequence[str], tip: str) -> str:
    """The aim in words: the skills to show, or - for a prompt that only says what to avoid -
    its tip and what to avoid (never an empty "Your aim: .")."""
    if aim:
        return ", ".join(label(a) for a in aim)
    text = tip.strip().rstrip(".") or "answer the patient"
    if avoid:
        text += " (and avoid " + " or ".join(label(a) for a in avoid) + ")"
    return text


class ReplyCoach(CourseWidget):
    """One practice prompt: the patient's line, a box for the learner's reply, feedback."""

    def __init__(
        self,
        patient: str,
        aim: Sequence[str],
        tip: str,
        example: str,
        *,
        avoid: Sequence[str] = AVOID_DEFAULT,
        key: str | None = None,
        qid: str = "reply",
    ) -> None:
        self.aim = list(aim)
        self.avoid = list(avoid)
        self.example = example
        self.patient = patient
        self.key = key
        self.qid = qid
        self.attempts: list[str] = []
        self.met: bool | None = None  # the last check; None until a reply is checked
        self._tip = tip
        self._patient = w.HTML(f"<p><b>Patient:</b> &ldquo;{html.escape(patient)}&rdquo;</p>")
        self._task = w.HTML(
            f"<p>Your aim: <b>{html.escape(aim_text(self.aim, self.avoid, tip))}</b>.</p>"
        )
        self.reply = w.Textarea(
            placeholder="Type what you would say...",
            description="Your reply",
            layout=w.Layout(width="auto", max_width="100%", height="4em"),
        )
        self.reply.add_class("tk-coach-reply")
        self._check = button(
            "Check my reply",
            "The coach names the skills it recognises in your reply (not graded)",
            css="tk-coach-check",
            icon="comment",
            on_click=self.check,
        )
        self._hint = button(
            "Show an example",
            "Show one way to say it",
            css="tk-coach-example",
            icon="lightbulb-o",
            on_click=self.show_example,
        )
        self.feedback = w.HTML()
        self.feedback.add_class("tk-coach-feedback")
        super().__init__(
            [self._patient, self._task, self.reply, row([self._check, self._hint]), self.feedback]
        )
        self.add_class("tk-coach")
        self._restore()

    @classmethod
    def load(cls, lesson: str, qid: str) -> ReplyCoach:
        prompts = lesson_prompts(lesson)
        if qid not in prompts:
            raise TrustkitError(f"lesson '{lesson}' has no practice prompt '{qid}'.")
        p = prompts[qid]
        return cls(
            p["patient"],
            p["aim"],
            p["tip"],
            p["example"],
            avoid=p.get("avoid", AVOID_DEFAULT),
            key=f"practice-{lesson}",
            qid=qid,
        )

    def check(self, text: str | None = None) -> bool:
        if text is not None:
            self.reply.value = text
        said = self.reply.value.strip()
        if not said:
            self.feedback.value = "<p>ℹ <b>Note:</b> Type a reply first.</p>"
            return False
        met = self._show(said)
        self.attempts.append(said)
        if self.key:
            try:
                saved = work.record_answer(self.key, self.qid, self.attempts[-20:])
            except TrustkitError as exc:
                self.feedback.value += f"<p>{html.escape(str(exc))}</p>"
            else:
                if saved.message:  # an unreadable answers file was moved aside first
                    self.feedback.value += f"<p>{html.escape(saved.message)}</p>"
        self.refresh_snapshot()
        return met

    def _show(self, said: str) -> bool:
        from trustkit.analyzer import analyze

        body, met = feedback_html(
            analyze(said),
            self.aim,
            self.avoid,
            said=said,
            patient=self.patient,
            example=self.example,
        )
        self.met = met
        self.feedback.value = body + f"<p><small>Tip: {html.escape(self._tip)}</small></p>"
        return met

    def show_example(self) -> None:
        if "One way to say it" not in self.feedback.value:
            self.feedback.value += (
                f"<p><b>One way to say it:</b> &ldquo;{html.escape(self.example)}&rdquo;</p>"
            )
        self.refresh_snapshot()

    def snapshot_html(self) -> str:
        said = self.attempts[-1] if self.attempts else ""
        reply = (
            f"<p><b>Your reply:</b> &ldquo;{esc(said)}&rdquo;</p>{self.feedback.value}"
            if said
            else "<p><i>No reply checked yet.</i></p>"
        )
        return self._patient.value + self._task.value + reply

    def _restore(self) -> None:
        if not self.key:
            return
        loaded = work.load_answers(self.key)
        if loaded.message:
            self.feedback.value = f"<p>{html.escape(loaded.message)}</p>"
        saved = (loaded.data or {}).get("answers", {}).get(self.qid)
        if isinstance(saved, list) and saved and all(isinstance(s, str) for s in saved):
            self.attempts = list(saved)
            self.reply.value = saved[-1]
            self._show(saved[-1])  # with the feedback it got
