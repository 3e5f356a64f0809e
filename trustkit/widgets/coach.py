"""Practise one kind of reply in your own words, with the analyzer's explainable feedback.

The patient says something; the learner types a reply; the analyzer labels it with
communication codes and shows the exact words behind each one. The exercise names the codes to
aim for and the ones to avoid. Prompts are data in ``trustkit/data/practice/<lesson>.yaml``.
Attempts are kept in ``trustkit-work/practice-<lesson>.json`` (kind ``answers``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import cache
from typing import Any

import ipywidgets as w

from trustkit import work
from trustkit._resources import items_by_id
from trustkit.errors import TrustkitError

AVOID_DEFAULT = ("judgmental", "premature_reassurance", "jargon")
LABELS = {
    "open_question": "open question",
    "closed_question": "closed question",
    "reflection": "reflection",
    "empathy": "empathy",
    "agenda": "agenda setting",
    "ask_permission": "asking permission",
    "teach_back": "teach-back",
    "offer_choice": "offering a choice",
    "elicit_preferences": "asking about preferences",
    "jargon": "unexplained jargon",
    "premature_reassurance": "premature reassurance",
    "judgmental": "judgmental remark",
}


@cache
def lesson_prompts(lesson: str) -> dict[str, dict[str, Any]]:
    """The practice prompts of a lesson, from ``trustkit/data/practice/<lesson>.yaml``."""
    return items_by_id("practice", lesson, {"id", "patient", "aim", "tip", "example"}, "prompt")


def label(code: str, subtype: str | None = None) -> str:
    text = LABELS.get(code, code.replace("_", " "))
    return f"{text} ({subtype})" if subtype else text


def feedback_html(analysis: Any, aim: Sequence[str], avoid: Sequence[str]) -> tuple[str, bool]:
    """The coach's feedback on one analysed reply, and whether it met the aim."""
    found = {c.code for c in analysis.codes}
    lines = []
    for c in analysis.codes:
        mark = "✖" if c.code in avoid else "✔" if c.code in aim else "•"
        lines.append(
            f"<li>{mark} <b>{html.escape(label(c.code, c.subtype))}</b>: "
            f"&ldquo;{html.escape(c.evidence)}&rdquo;</li>"
        )
    met = all(a in found for a in aim) and not (found & set(avoid))
    missing = [a for a in aim if a not in found]
    bad = [a for a in avoid if a in found]
    if met:
        head = "✔ <b>That does it.</b>"
    elif bad:
        head = "✖ <b>Careful:</b> your reply reads as " + ", ".join(label(b) for b in bad) + "."
    else:
        head = "➜ <b>Not yet:</b> try for " + ", ".join(label(m) for m in missing) + "."
    body = "<ul>" + "".join(lines) + "</ul>" if lines else "<p>No communication codes found.</p>"
    return f"<p>{head}</p>{body}", met


class ReplyCoach(w.VBox):
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
        self.key = key
        self.qid = qid
        self.attempts: list[str] = []
        self._patient = w.HTML(f"<p><b>Patient:</b> &ldquo;{html.escape(patient)}&rdquo;</p>")
        aims = ", ".join(label(a) for a in self.aim)
        self._task = w.HTML(f"<p>Your aim: <b>{html.escape(aims)}</b>.</p>")
        self.reply = w.Textarea(
            placeholder="Type what you would say...",
            layout=w.Layout(width="100%", height="4em"),
        )
        self.reply.add_class("tk-coach-reply")
        self._check = w.Button(description="Check my reply", icon="comment", tooltip="Analyse")
        self._check.add_class("tk-coach-check")
        self._hint = w.Button(description="Show an example", icon="lightbulb-o", tooltip=tip)
        self.feedback = w.HTML()
        self.feedback.add_class("tk-coach-feedback")
        self._tip = tip
        self._check.on_click(lambda _b: self.check())
        self._hint.on_click(lambda _b: self.show_example())
        super().__init__(
            [
                self._patient,
                self._task,
                self.reply,
                w.HBox([self._check, self._hint]),
                self.feedback,
            ]
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
        from trustkit.analyzer import analyze

        if text is not None:
            self.reply.value = text
        said = self.reply.value.strip()
        if not said:
            self.feedback.value = "<p>Type a reply first.</p>"
            return False
        body, met = feedback_html(analyze(said), self.aim, self.avoid)
        self.feedback.value = body + f"<p><small>Tip: {html.escape(self._tip)}</small></p>"
        self.attempts.append(said)
        if self.key:
            try:
                work.save_answer(self.key, self.qid, self.attempts[-20:])
            except TrustkitError as exc:
                self.feedback.value += f"<p>{html.escape(str(exc))}</p>"
        return met

    def show_example(self) -> None:
        self.feedback.value += (
            f"<p><b>One way to say it:</b> &ldquo;{html.escape(self.example)}&rdquo;</p>"
        )

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
