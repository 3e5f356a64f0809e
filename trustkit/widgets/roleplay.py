"""RolePlay: a simulated encounter in JupyterLab. A view over the engine; no rules of its own.

The learner reads the patient card and the dialogue, watches the trust meter, answers by
clicking an option or typing a reply, can peek at what the patient is thinking or ask for a
hint (both recorded), undo or restart, and at the end reads a debrief: an annotated
transcript, the trust trajectory with disclosures marked, missed facts and empathic
opportunities each with an example reply, the decision fit and the estimated adherence.

Work is saved after every action in ``trustkit-work/<key>.json`` (kind ``roleplay``) and
restored - by replaying the transcript through the engine - when the cell runs again.

Two modes. ``practice`` (lessons) teaches: the trust meter with numbers, Undo (every undone
reply is kept in the transcript), hints and the patient's thoughts. ``assessment`` (graded
exercises) measures: none of those; the patient's reaction shows only in words and body
language. The options are shown in the engine's seeded order, and every attempt (the first
run, each Restart) gets a fresh seed, recorded in the transcript.

The hint never names the best option. It names a *communication skill* (from the course's skill
vocabulary) shown by the option that would build the most trust here, as a generic nudge
("Try an open question: ..."). Skills are shared by many replies, so the learner still has to
judge which words fit; the hint's use is recorded in the transcript and the saved work.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from trustkit import skills as vocabulary
from trustkit.debrief import Debrief, debrief
from trustkit.engine import (
    MODES,
    AmbiguousReply,
    Encounter,
    ReplayError,
    Turn,
    hint_text,
    replay,
)
from trustkit.errors import TrustkitError
from trustkit.scenario import DIMENSIONS
from trustkit.widgets._common import (
    CourseWidget,
    SavedWork,
    button,
    caption,
    esc,
    figure_html,
    history,
    message_widget,
    note,
    problem,
    row,
)

KIND = "roleplay"
_LABEL = {d: d.capitalize() if d != "autonomy" else "Respect for autonomy" for d in DIMENSIONS}
DIMS_SHOW = "Show the four dimensions"
DIMS_HIDE = "Hide the four dimensions"


def _skill_tags(skills: tuple[str, ...] | list[str]) -> str:
    tags = []
    for s in skills:
        if vocabulary.is_harmful(s):
            mark = "✖"
        elif vocabulary.is_neutral(s):
            mark = "•"
        else:
            mark = "✔"
        tags.append(
            f"<span title='{esc(vocabulary.description(s))}'>{mark} "
            f"{esc(s.replace('_', ' '))}</span>"
        )
    return " · ".join(tags)


VISIT_OVER = "The visit is over: read the debrief."
FINAL = (
    "This assessment is finished: the attempt you finished is the one graded, so it cannot "
    "be started again."
)
MAX_EARLIER = 50
"""Attempts started again that an assessment keeps (the payload's limit)."""


def hint_for(options: list[Any]) -> str:
    """A skill nudge for these options, without naming any option (the engine's rule,
    :func:`trustkit.engine.hint_text`; see the module docstring)."""
    return hint_text(options) or VISIT_OVER


class RolePlay(CourseWidget):
    """Play a packaged scenario (or a scenario file) as a conversation with a patient.

    Programmatic API (tests, graders, learners): :meth:`choose`, :meth:`type_reply`,
    :meth:`pick_tied`, :meth:`hint`, :meth:`show_thought`, :meth:`undo`, :meth:`restart`,
    :attr:`encounter`, :attr:`debrief` (``None`` until the encounter has ended).
    """

    def __init__(
        self,
        scenario_id: str,
        *,
        key: str | None = None,
        seed: int | None = None,
        mode: str = "practice",
    ) -> None:
        if mode not in MODES:
            raise TrustkitError(f"mode must be one of {', '.join(MODES)}, not {mode!r}.")
        self.mode = mode
        self._fixed_seed = seed
        self.attempt = 1
        self.earlier: list[dict[str, Any]] = []  # assessment: attempts started again, kept
        self.hints_used = 0
        self.thoughts_shown = 0
        self.self_rating: dict[str, Any] | None = None
        self._recorded = False
        self._tied_text: str | None = None
        self.debrief: Debrief | None = None
        self._debrief_html = ""
        self.message = message_widget()
        self.encounter = Encounter(scenario_id, seed=self._next_seed(), mode=mode)
        sc = self.encounter.scenario
        self.key = key or f"roleplay-{sc.id}"
        self.saved = SavedWork(self.key, KIND)

        p = sc.patient
        self.card = w.HTML(
            f"<div class='tk-card'><b>{esc(sc.title)}</b><br>"
            f"<b>{esc(p.name)}</b>, {p.age}, {esc(p.gender)} · {esc(p.setting)}<br>"
            f"<b>Reason for the visit:</b> {esc(p.reason_for_visit)}<br>"
            f"<b>What matters to them:</b> {esc('; '.join(p.what_matters))}</div>"
        )
        self.card.add_class("tk-patient-card")
        self.dialogue = w.HTML()
        self.dialogue.add_class("tk-dialogue")

        # trust meter: a bar, a text value (never colour alone) and the four dimensions
        self.meter = w.FloatProgress(
            min=0, max=100, description="Trust", bar_style="info", layout=w.Layout(width="280px")
        )
        self.trust_value = w.HTML()
        self.trust_value.add_class("tk-trust-value")
        self.dims_toggle = w.ToggleButton(
            description=DIMS_SHOW,
            tooltip="Show or hide competence, honesty, caring and respect for autonomy",
            icon="bars",
            layout=w.Layout(width="auto"),
        )
        self.dims_toggle.add_class("tk-dimensions-toggle")
        self.dims = w.HTML()
        self.dims.add_class("tk-dimensions")
        self.dims_toggle.observe(lambda _c: self._render_trust(), names="value")
        trust_box = w.VBox([row([self.meter, self.trust_value, self.dims_toggle]), self.dims])
        trust_box.add_class("tk-trust")

        self._option_buttons: list[w.Button] = []
        self.options_box = w.VBox(layout=w.Layout(align_items="flex-start"))
        self.options_box.add_class("tk-options")
        self.reply = w.Textarea(
            placeholder="...or type your own reply and press 'Say it'",
            description="Your reply",
            layout=w.Layout(flex="1 1 20em", width="auto", min_width="0", height="3.5em"),
        )
        self.reply.add_class("tk-reply")
        self.say_button = button(
            "Say it",
            "Say your typed reply; it is matched to the closest reply the patient can answer",
            css="tk-say",
            icon="comment",
            on_click=lambda: self.type_reply(self.reply.value),
            layout=w.Layout(width="auto", min_width="7em", flex="0 0 auto"),
        )
        self.thought_button = w.ToggleButton(
            description="What is the patient thinking?",
            tooltip="Show what the patient thinks but does not say (its use is recorded)",
            icon="eye",
            layout=w.Layout(width="auto"),
        )
        self.thought_button.add_class("tk-thought")
        self.thought_button.observe(self._toggle_thought, names="value")
        self.hint_button = button(
            "Hint",
            "A nudge towards a communication skill (its use is recorded)",
            css="tk-hint",
            icon="lightbulb-o",
            on_click=self.hint,
        )
        self.undo_button = button(
            "Undo", "Take back your last reply", css="tk-undo", icon="undo", on_click=self.undo
        )
        self.restart_button = button(
            "Restart",
            "Start this encounter again (asks first)",
            css="tk-restart",
            icon="refresh",
            on_click=self._ask_restart,
        )
        self.confirm = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.confirm.add_class("tk-confirm")
        self.aside = w.HTML()
        self.aside.add_class("tk-aside")
        self.debrief_box = w.VBox()
        self.debrief_box.add_class("tk-debrief")
        super().__init__(
            [
                self.card,
                trust_box,
                self.dialogue,
                self.aside,
                self.options_box,
                row([self.reply, self.say_button], align_items="flex-end"),
                row([self.thought_button, self.hint_button, self.undo_button, self.restart_button]),
                self.confirm,
                self.message,
                self.debrief_box,
            ]
        )
        self.add_class("tk-roleplay")
        self.add_class(f"tk-mode-{mode}")
        if mode == "assessment":
            # assessment measures: no meter numbers, no undo, no hints, no thoughts
            trust_box.layout.display = "none"
            for b in (self.thought_button, self.hint_button, self.undo_button):
                b.layout.display = "none"
        self._restore()
        self._render()

    def _next_seed(self) -> int:
        """A fresh seed per attempt (deterministic when the widget was given a seed)."""
        if self._fixed_seed is not None:
            return int(self._fixed_seed) + self.attempt - 1
        return secrets.randbelow(2**31)

    # -- actions (also the programmatic API) ---------------------------------------------
    def choose(self, index: int | str) -> Turn | None:
        """Choose option ``index`` (0-based, or an option id) at the current node."""
        return self._step(lambda flags: self.encounter.step(index, **flags))

    def _clicked(self, index: int) -> None:
        """An option button was pressed (mouse or keyboard): choose it, then put the keyboard
        focus on the first of the next options, so a keyboard user never has to travel back."""
        turn = self.choose(index)
        if turn is not None and self.encounter.options and self._option_buttons:
            self._option_buttons[0].focus()

    def type_reply(self, text: str) -> Turn | None:
        """Say ``text``: the engine maps it to the closest option by its communication codes.

        When two or more options fit equally well, they are offered as buttons (and
        :meth:`pick_tied` chooses one); a reply that matches nothing gets a one-line message.
        """
        self.confirm.children = []
        self._tied_text = None
        text = text or ""
        interp = self.encounter.interpret(text) if text.strip() and self.encounter.options else None
        try:
            turn = self._step(lambda flags: self.encounter.say(text, **flags))
        except AmbiguousReply as exc:
            self._offer_tie(text, exc)
            return None
        if turn is None or interp is None:
            return turn
        self.reply.value = ""
        if turn.kind == "disrespect":
            self.message.value = problem(
                f"The patient heard that as disrespect (“{turn.evidence}”). It costs trust, and "
                "they will remember it."
            )
        elif turn.kind in ("aside", "puzzled"):
            self.message.value = note(
                "Not taken up: your reply is not about anything the patient can answer here "
                f"({interp.why}). Reply to what they just said, or pick an option."
            )
        else:
            option = next((o for o in interp.ranked if o[0].id == turn.option), interp.ranked[0])
            why = f" ({'; '.join(option[2])})" if option[2] else ""
            self.message.value = (
                f"<p>➜ <b>Understood as:</b> &ldquo;{esc(option[0].text)}&rdquo;{esc(why)}</p>"
            )
        return turn

    def pick_tied(self, index: int) -> Turn | None:
        """After an ambiguous typed reply: pick one of the tied options (0-based)."""
        if self._tied_text is None or not 0 <= index < len(self._tied):
            self.message.value = note("There is no choice to make right now.")
            return None
        option_id, text = self._tied[index].id, self._tied_text
        self.confirm.children = []
        self._tied_text = None
        turn = self._step(lambda flags: self.encounter.step(option_id, text=text, **flags))
        if turn is not None:
            self.reply.value = ""
        return turn

    def undo(self) -> Turn | None:
        """Take back the last turn (practice mode; the undone reply stays in the transcript)."""
        self.confirm.children = []
        if self.mode != "practice":
            self.message.value = note("There is no undo in an assessment.")
            return None
        undone = self.encounter.undo()
        if undone is None:
            self.message.value = note("Nothing to undo.")
            return None
        self.message.value = note(f"Took back: “{undone.said}”.")
        self.debrief = None
        self._after_change()
        return undone

    def restart(self) -> None:
        """Start again with a fresh seed. A finished attempt stays in the progress history.

        In an assessment a finished attempt is final (it is the one graded: starting again
        after reading the debrief would be trial and error), and an attempt started again
        before its end is kept in the saved work for the instructor."""
        if self.mode == "assessment":
            if self.encounter.finished:
                self.confirm.children = []
                self.message.value = note(FINAL)
                return
            if self.encounter.turns and len(self.earlier) < MAX_EARLIER:
                self.earlier.append(self.encounter.transcript())
        self.attempt += 1
        self.encounter = Encounter(self.encounter.scenario, seed=self._next_seed(), mode=self.mode)
        self.hints_used = self.thoughts_shown = 0
        self._recorded = False
        self.debrief = None
        self.confirm.children = []
        self.thought_button.value = False
        self.message.value = note("Started again.")
        self._after_change()

    def hint(self) -> str:
        """A nudge towards a trust-building skill, without naming the option (recorded).
        Practice mode only."""
        if self.mode != "practice":
            self.aside.value = ""
            return "There are no hints in an assessment."
        given = self.encounter.hint()  # the engine records it with the next reply
        text = given or VISIT_OVER
        # the hint takes the place of the patient's thought: release the toggle too
        self.thought_button.value = False
        if given is not None:
            self.hints_used += 1
            self._save()
        self.aside.value = f"<p class='tk-hint-text'>☞ <b>Hint:</b> {esc(text)}</p>"
        self.refresh_snapshot()
        return text

    def show_thought(self, show: bool = True) -> None:
        """Show (or hide) what the patient is thinking; same as the toggle button."""
        self.thought_button.value = show

    # -- internals ------------------------------------------------------------------------
    def _flags(self) -> dict[str, bool]:
        # hint_used: the engine records a hint it gave with the next reply (Encounter.hint)
        return {"thought_shown": bool(self.thought_button.value)}

    def _step(self, action: Callable[[dict[str, bool]], Turn]) -> Turn | None:
        """Run one engine action; a TrustkitError becomes a message, never a traceback.

        :class:`AmbiguousReply` is passed on to :meth:`type_reply`, which offers the choice.
        """
        self.message.value = ""
        try:
            turn = action(self._flags())
        except AmbiguousReply:
            raise
        except TrustkitError as exc:
            self.message.value = problem(str(exc))
            return None
        self._after_change()
        return turn

    def _after_change(self) -> None:
        self.aside.value = ""
        if self.thought_button.value:
            self._toggle_thought({"new": True})
        self._render()
        self._save()
        if self.encounter.finished and not self._recorded:
            self._record()
        self.refresh_snapshot()

    def _offer_tie(self, text: str, exc: AmbiguousReply) -> None:
        self._tied = list(exc.interpretation.tied)
        self._tied_text = text
        buttons: list[w.Widget] = [
            w.HTML("<p>? <b>Which did you mean?</b> Your reply fits these equally well:</p>")
        ]
        for i, opt in enumerate(self._tied):
            buttons.append(
                button(
                    opt.text,
                    f"I meant: {opt.text}",
                    css="tk-tie",
                    wrap=True,
                    on_click=lambda i=i: self.pick_tied(i),
                )
            )
        self.confirm.children = buttons
        self.message.value = note("Your reply fits more than one option equally well; pick one.")
        buttons[1].focus()
        self.refresh_snapshot()

    def _ask_restart(self) -> None:
        if self.mode == "assessment" and self.encounter.finished:
            self.message.value = note(FINAL)
            return
        yes = button(
            "Yes, start again",
            "Discard this attempt and start again",
            css="tk-restart-yes",
            icon="check",
            on_click=self.restart,
            button_style="warning",
        )
        no = button(
            "No, keep going",
            "Keep this attempt",
            css="tk-restart-no",
            icon="times",
            on_click=lambda: setattr(self.confirm, "children", []),
        )
        question = (
            "<p>? <b>Start again?</b> Your replies so far are kept in your saved work, and your "
            "instructor sees them; the attempt you finish is the one graded.</p>"
            if self.mode == "assessment"
            else "<p>? <b>Start again?</b> This attempt's transcript is replaced (a finished "
            "attempt stays in your progress history).</p>"
        )
        self.confirm.children = [
            w.HTML(question),
            yes,
            no,
        ]
        no.focus()  # the safe answer first, for a keyboard user

    def _toggle_thought(self, change: Any) -> None:
        if change["new"] and self.mode != "practice":
            self.thought_button.value = False
            return
        if change["new"]:
            thought = self.encounter.thought
            if thought:
                self.thoughts_shown += 1
                self.aside.value = (
                    f"<p class='tk-thought-text'>☁ <b>The patient thinks:</b> "
                    f"<i>{esc(thought)}</i></p>"
                )
            else:
                self.aside.value = "<p>☁ <i>(No particular thought here.)</i></p>"
            if thought and not self.encounter.finished:
                self._save()
        else:
            self.aside.value = ""
        self.refresh_snapshot()

    # -- rendering ------------------------------------------------------------------------
    def _render(self) -> None:
        enc = self.encounter
        name = enc.scenario.patient.name.split()[0]
        facts = {f.id: f.text for f in enc.scenario.facts}
        lines = [f"<p><b>{esc(name)}:</b> {esc(enc.opening_line)}</p>"]
        for t in enc.turns:
            typed = " <span class='tk-typed'>✎ <i>(typed)</i></span>" if t.typed else ""
            lines.append(f"<p><b>You:</b> {esc(t.said)}{typed}</p>")
            marks = "".join(
                f"<br><span class='tk-disclosed'>★ <b>Shared something new:</b> "
                f"{esc(facts.get(f, f))}</span>"
                for f in t.disclosed
            )
            if t.withheld:
                marks += (
                    "<br><span class='tk-withheld'>⊘ <b>Held something back</b> "
                    "(not ready to say yet)</span>"
                )
            if t.kind == "disrespect":
                marks += (
                    "<br><span class='tk-remembered'>✖ <b>Heard as disrespect</b> "
                    "(remembered)</span>"
                )
            elif t.kind in ("aside", "puzzled"):
                marks += "<br><span class='tk-not-taken'>… <b>Not taken up</b></span>"
            react = (
                f"<span class='tk-reaction'><i>({esc(t.reaction)})</i></span> "
                if t.reaction
                else ""
            )
            lines.append(f"<p><b>{esc(name)}:</b> {react}{esc(t.patient_reply)}{marks}</p>")
        self.dialogue.value = "<div>" + "".join(lines) + "</div>"
        self._render_trust()
        self._render_options(enc.options)
        for widget in (self.reply, self.say_button, self.hint_button, self.thought_button):
            widget.disabled = enc.finished
        self.undo_button.disabled = not enc.turns or self.mode != "practice"
        final = enc.finished and self.mode == "assessment"
        self.restart_button.disabled = final
        self.restart_button.tooltip = FINAL if final else "Start this encounter again (asks first)"
        if enc.finished:
            self._render_debrief()
        else:
            self.debrief_box.children = []

    def _render_options(self, options: list[Any]) -> None:
        # buttons are reused from turn to turn: fewer widget messages, a snappier view
        while len(self._option_buttons) < len(options):
            i = len(self._option_buttons)
            b = button("", "", css="tk-option", wrap=True, on_click=lambda i=i: self._clicked(i))
            self._option_buttons.append(b)
        for b, opt in zip(self._option_buttons, options, strict=False):
            if b.description != opt.text:
                b.description = opt.text
                b.tooltip = f"Say: {opt.text}"
        self.options_box.children = tuple(self._option_buttons[: len(options)])

    def _render_trust(self) -> None:
        enc = self.encounter
        value = enc.overall_trust
        self.meter.value = value
        change = ""
        if enc.turns:
            delta = enc.turns[-1].overall_after - enc.turns[-1].overall_before
            arrow = "▲" if delta > 0 else "▼" if delta < 0 else "="
            change = f" {arrow} ({delta:+.1f})"
        self.trust_value.value = f"<span>Trust {value:.0f}/100{change}</span>"
        self.dims_toggle.description = DIMS_HIDE if self.dims_toggle.value else DIMS_SHOW
        if self.dims_toggle.value:
            last = enc.turns[-1].trust_change if enc.turns else {}
            self.dims.value = (
                "<ul>"
                + "".join(
                    f"<li>{_LABEL[d]}: {v:.0f}/100"
                    + (f" ({last[d]:+.1f})" if last.get(d) else "")
                    + "</li>"
                    for d, v in enc.trust.items()
                )
                + "</ul>"
            )
        else:
            self.dims.value = ""

    def _render_debrief(self) -> None:
        d = self.debrief = debrief(self.encounter)
        parts = []
        if d.ending:
            parts.append(
                f"<h3>Debrief: {esc(d.ending['title'])} (outcome: {esc(d.ending['quality'])})</h3>"
                f"<p>{esc(d.ending['outcome'])}</p>"
            )
        parts.append("<h4>Your turns</h4><ol>")
        for t in self.encounter.turns:
            typed = " ✎ typed" if t.typed else ""
            parts.append(
                f"<li>&ldquo;{esc(t.said)}&rdquo;<br><small>{_skill_tags(t.skills)} · "
                f"trust {t.overall_after - t.overall_before:+.1f}{typed}"
                + ("; ★ disclosure" if t.disclosed else "")
                + "</small></li>"
            )
        parts.append("</ol>")
        if d.facts_missed:
            parts.append("<h4>What the patient did not tell you</h4><ul>")
            for f in d.facts_missed:
                parts.append(
                    f"<li>✖ <b>{esc(f.text)}</b> ({esc(f.importance)} importance) - "
                    f"{esc(f.why_missed or '')}<br>Try: &ldquo;{esc(f.example_question)}&rdquo;"
                    "</li>"
                )
            parts.append("</ul>")
        if d.facts_disclosed:
            parts.append(
                "<h4>What the patient shared</h4><ul>"
                + "".join(
                    f"<li>✔ {esc(f.text)} (turn {f.disclosed_at})</li>" for f in d.facts_disclosed
                )
                + "</ul>"
            )
        if d.opportunities:
            parts.append("<h4>Empathic opportunities</h4><ul>")
            for o in d.opportunities:
                if o.met:
                    parts.append(f"<li>✔ met: {esc(o.cue)}</li>")
                else:
                    parts.append(
                        f"<li>✖ missed: {esc(o.cue)}<br>Try: &ldquo;{esc(o.example_response)}"
                        "&rdquo;</li>"
                    )
            parts.append("</ul>")
        if d.decision:
            if d.decision.get("chosen"):
                fit = "✔ fits" if d.decision.get("fits_values") else "✖ does not fit"
                parts.append(
                    f"<p><b>Decision:</b> {esc(d.decision.get('chosen_label', ''))} - {fit} what "
                    f"matters to the patient "
                    f"({esc('; '.join(d.decision.get('patient_values') or []))}).</p>"
                )
            else:
                parts.append("<p><b>Decision:</b> ✖ no decision was reached together.</p>")
        for remark in d.remembered:
            parts.append(f"<p>✖ The patient remembers: {esc(remark)}.</p>")
        parts.append(
            f"<p><b>Estimated adherence:</b> {100 * d.adherence:.0f}%<br>"
            f"<small>{esc(d.adherence_label)}</small></p>"
        )
        if self.hints_used or self.thoughts_shown:
            parts.append(
                f"<p><small>Hints used: {self.hints_used}; patient's thoughts shown: "
                f"{self.thoughts_shown}.</small></p>"
            )
        self._debrief_html = "".join(parts)
        text = w.HTML(self._debrief_html)
        if os.environ.get("NBGRADER_EXECUTION"):
            # no matplotlib under the grader: nothing of it may reach stderr in a graded cell
            self.debrief_box.children = [text]
            return
        try:
            from trustkit import plots

            image = figure_html(plots.trust_trajectory(d), "tk-debrief-figure")
        except Exception as exc:  # a figure must never hide the written debrief
            self.debrief_box.children = [text, w.HTML(problem(f"no figure: {exc}"))]
            return
        self.debrief_box.children = [text, image, caption(image)]

    def snapshot_html(self) -> str:
        """The encounter as it stands, in plain HTML: card, trust (practice), dialogue, and the
        options still open or the written debrief."""
        enc = self.encounter
        parts = [self.card.value]
        if self.mode == "practice":
            parts.append(f"<p>{self.trust_value.value}</p>")
        parts.append(f"<div class='tk-dialogue'>{self.dialogue.value}</div>")
        if enc.finished:
            if self.debrief is None:
                self._render_debrief()
            parts.append(self._debrief_html)
        elif enc.options:
            parts.append(
                "<p><b>Your options here</b> (run the cell to answer):</p><ul>"
                + "".join(f"<li>{esc(o.text)}</li>" for o in enc.options)
                + "</ul>"
            )
        return "".join(parts)

    # -- persistence ----------------------------------------------------------------------
    def work_data(self) -> dict[str, Any]:
        """What is saved (kind ``roleplay``, see docs/architecture.md)."""
        return {
            "scenario": self.encounter.scenario.id,
            "transcript": self.encounter.transcript(),
            "completed": self.encounter.finished,
            "hints_used": self.hints_used,
            "thoughts_shown": self.thoughts_shown,
            "self_rating": self.self_rating,
            "mode": self.mode,
            "attempt": self.attempt,
            "earlier": list(self.earlier),
        }

    def _save(self) -> None:
        failure = self.saved.save(self.work_data())
        if failure:
            self.message.value += problem(failure)

    def _restore(self) -> None:
        data = self.saved.load()
        if self.saved.message:
            self.message.value = problem(self.saved.message)
        if data is None:
            return
        # the payload's types were checked by work.load; the transcript is checked by replaying
        transcript = data.get("transcript") or {}
        try:
            restored = replay(transcript, self.encounter.scenario)
        except Exception as exc:  # ReplayError, or anything odd in a hand-edited file: never raise
            known = isinstance(exc, ReplayError | TrustkitError)
            reason = str(exc) if known else f"{type(exc).__name__}: {exc}"
            kept = self.saved.move_aside()
            self.message.value = problem(
                f"Your saved role-play could not be restored ({reason}); the scenario may have "
                f"changed since. It was kept as {kept}; you can start afresh."
            )
            return
        if restored.mode != self.mode:
            kept = self.saved.move_aside()
            self.message.value = problem(
                f"Your saved role-play was played in {restored.mode} mode, but this one is "
                f"{'an' if self.mode == 'assessment' else 'a'} {self.mode}; it was kept as "
                f"{kept} and this one starts afresh."
            )
            return
        self.encounter = restored
        attempt = data.get("attempt")
        self.attempt = attempt if isinstance(attempt, int) and attempt > 0 else 1
        self.hints_used = data["hints_used"]
        self.thoughts_shown = data["thoughts_shown"]
        self.earlier = list(data.get("earlier") or [])
        rating = data.get("self_rating")
        self.self_rating = rating if isinstance(rating, dict) else None
        self._recorded = bool(data.get("completed")) and restored.finished
        if restored.turns:
            self.message.value += note(
                f"Restored your saved role-play ({len(restored.turns)} turn(s))."
            )

    def _record(self) -> None:
        """Record this finished attempt once in the progress history (never raises)."""
        self._recorded = True
        h, why = history()
        if h is None:
            self.message.value += note(f"Progress not recorded: {why}")
            return
        try:
            d = self.debrief or debrief(self.encounter)
            if h.record_attempt(d, transcript=self.encounter.transcript()) is None:
                reason = getattr(h, "last_error", None) or "unknown reason"
                self.message.value += note(f"Progress not recorded: {reason}")
        except Exception as exc:  # the history must never break the role-play
            self.message.value += note(f"Progress not recorded: {exc}")
