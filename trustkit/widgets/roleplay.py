"""RolePlay: a simulated encounter in JupyterLab. A view over the engine; no rules of its own.

The learner reads the patient card and the dialogue, watches the trust meter, answers by
clicking an option or typing a reply, can peek at what the patient is thinking or ask for a
hint (both recorded), undo or restart, and at the end reads a debrief: an annotated
transcript, the trust trajectory with disclosures marked, missed facts and empathic
opportunities each with an example reply, the decision fit and the estimated adherence.

Work is saved after every action in ``trustkit-work/<key>.json`` (kind ``roleplay``) and
restored - by replaying the transcript through the engine - when the cell runs again.
"""

from __future__ import annotations

import html
import os
from typing import Any

import ipywidgets as w

from trustkit import work
from trustkit.debrief import Debrief, debrief
from trustkit.engine import AmbiguousReply, Encounter, ReplayError, replay
from trustkit.errors import TrustkitError
from trustkit.scenario import DIMENSIONS, NEGATIVE_SKILLS, SKILLS
from trustkit.widgets._figure import caption, figure_image

KIND = "roleplay"
_LABEL = {d: d.capitalize() if d != "autonomy" else "Respect for autonomy" for d in DIMENSIONS}


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _skill_tags(skills: tuple[str, ...] | list[str]) -> str:
    tags = []
    for s in skills:
        mark = "✖" if s in NEGATIVE_SKILLS else "✔"
        tags.append(
            f"<span title='{_esc(SKILLS.get(s, s))}'>{mark} {_esc(s.replace('_', ' '))}</span>"
        )
    return " · ".join(tags)


class RolePlay(w.VBox):
    """Play a packaged scenario (or a scenario file) as a conversation with a patient."""

    def __init__(self, scenario_id: str, *, key: str | None = None, seed: int = 0) -> None:
        self.key = key or f"roleplay-{scenario_id}".replace("/", "-")[:100]
        self.hints_used = 0
        self.thoughts_shown = 0
        self._recorded = False
        self.message = w.HTML()
        self.message.add_class("tk-message")
        self.encounter = Encounter(scenario_id, seed=seed)
        sc = self.encounter.scenario
        p = sc.patient
        self.card = w.HTML(
            f"<div class='tk-card'><b>{_esc(p.name)}</b>, {p.age}, {_esc(p.gender)} · "
            f"{_esc(p.setting)}<br>Here about: {_esc(p.reason_for_visit)}<br>"
            f"<small>What matters to them: {_esc('; '.join(p.what_matters))}</small></div>"
        )
        self.dialogue = w.HTML()  # grows with the conversation: the latest line sits by the options
        self.dialogue.add_class("tk-dialogue")
        self.meter = w.FloatProgress(min=0, max=100, description="Trust", bar_style="info")
        self.trust_value = w.HTML()
        self.trust_value.add_class("tk-trust-value")
        self.dims_toggle = w.ToggleButton(
            description="Show the four dimensions",
            tooltip="Competence, honesty, caring and respect for autonomy",
            icon="bars",
            layout=w.Layout(width="auto"),
        )
        self.dims = w.HTML()
        self.dims_toggle.observe(lambda _c: self._render_trust(), names="value")
        trust_box = w.VBox([w.HBox([self.meter, self.trust_value, self.dims_toggle]), self.dims])
        trust_box.add_class("tk-trust")
        self.options_box = w.VBox()
        self.reply = w.Textarea(
            placeholder="...or type your own reply and press 'Say it'",
            layout=w.Layout(width="100%", height="3.5em"),
        )
        self.reply.add_class("tk-reply")
        self.say_button = w.Button(description="Say it", icon="comment", tooltip="Say your reply")
        self.say_button.add_class("tk-say")
        self.say_button.on_click(lambda _b: self.type_reply(self.reply.value))
        self.thought_button = w.ToggleButton(
            description="What is the patient thinking?",
            icon="eye",
            tooltip="Shows the patient's inner thought (its use is recorded)",
            layout=w.Layout(width="auto"),
        )
        self.thought_button.add_class("tk-thought")
        self.thought_button.observe(self._toggle_thought, names="value")
        self.hint_button = w.Button(description="Hint", icon="lightbulb-o", tooltip="A nudge")
        self.hint_button.add_class("tk-hint")
        self.hint_button.on_click(lambda _b: self.hint())
        self.undo_button = w.Button(description="Undo", icon="undo", tooltip="Take back a turn")
        self.undo_button.add_class("tk-undo")
        self.undo_button.on_click(lambda _b: self.undo())
        self.restart_button = w.Button(description="Restart", icon="refresh", tooltip="Start over")
        self.restart_button.add_class("tk-restart")
        self.restart_button.on_click(lambda _b: self._ask_restart())
        self.confirm = w.HBox()
        self.aside = w.HTML()
        self.debrief_box = w.VBox()
        self.debrief_box.add_class("tk-debrief")
        self.debrief: Debrief | None = None
        super().__init__(
            [
                self.card,
                trust_box,
                self.dialogue,
                self.aside,
                self.options_box,
                w.HBox([self.reply, self.say_button]),
                w.HBox(
                    [self.thought_button, self.hint_button, self.undo_button, self.restart_button]
                ),
                self.confirm,
                self.message,
                self.debrief_box,
            ]
        )
        self.add_class("tk-roleplay")
        self._restore()
        self._render()

    # -- actions (also the programmatic API) ---------------------------------------------
    def choose(self, index: int) -> None:
        """Choose option ``index`` (0-based) at the current node."""
        self._step(lambda: self.encounter.step(index, **self._flags()))

    def type_reply(self, text: str) -> None:
        """Say ``text``: it is mapped to the closest option by its communication codes."""
        self.message.value = ""
        if not text or not text.strip():
            self.message.value = "<p>Type a reply first.</p>"
            return
        interp = self.encounter.interpret(text)
        if len(interp.tied) > 1:
            self._offer_tie(text, AmbiguousReply(interp))
            return
        if interp.best is None:
            self.message.value = (
                "<p>I could not match your reply to anything the patient can respond to here; "
                "try rephrasing it, or pick an option.</p>"
            )
            return
        best, reasons = interp.best, interp.reasons
        self._step(lambda: self.encounter.step(best, text=text, **self._flags()))
        self.reply.value = ""
        why = f" ({_esc('; '.join(reasons))})" if reasons else ""
        self.message.value = (
            f"<p><small>Understood as: &ldquo;{_esc(best.text)}&rdquo;{why}</small></p>"
        )

    def undo(self) -> None:
        if self.encounter.undo() is None:
            self.message.value = "<p>Nothing to undo.</p>"
            return
        self._recorded = False
        self.debrief = None
        self._after_step()

    def restart(self) -> None:
        self.encounter.restart()
        self.hints_used = self.thoughts_shown = 0
        self._recorded = False
        self.debrief = None
        self.confirm.children = []
        self._after_step()

    def hint(self) -> str:
        """A nudge towards a trust-building reply, without naming the option."""
        self.hints_used += 1
        self._hint_pending = True
        opts = self.encounter.options
        if not opts:
            text = "The visit is over: read the debrief."
        else:
            best = max(opts, key=lambda o: o.effects.overall)
            good = [s for s in best.skills if s not in NEGATIVE_SKILLS]
            skill = good[0] if good else "open_question"
            text = f"Hint: think about {SKILLS.get(skill, skill).lower()}."
        self.aside.value = f"<p class='tk-hint-text'>💡 {_esc(text)}</p>"
        self._save()
        return text

    # -- internals ------------------------------------------------------------------------
    def _flags(self) -> dict[str, bool]:
        flags = {
            "hint_used": bool(getattr(self, "_hint_pending", False)),
            "thought_shown": bool(self.thought_button.value),
        }
        self._hint_pending = False
        return flags

    def _step(self, action) -> None:
        self.message.value = ""
        try:
            action()
        except TrustkitError as exc:
            self.message.value = f"<p>{_esc(str(exc))}</p>"
            return
        self._after_step()

    def _after_step(self) -> None:
        self.aside.value = ""
        if self.thought_button.value:
            self._toggle_thought({"new": True})
        self._render()
        self._save()
        if self.encounter.finished and not self._recorded:
            self._record()

    def _offer_tie(self, text: str, exc: AmbiguousReply) -> None:
        buttons = []
        for opt in exc.interpretation.tied:
            b = w.Button(
                description=opt.text[:60] + ("..." if len(opt.text) > 60 else ""),
                tooltip=opt.text,
                layout=w.Layout(width="auto"),
            )
            b.add_class("tk-tie")
            b.on_click(lambda _b, o=opt.id: self._pick_tie(o, text))
            buttons.append(b)
        self.message.value = (
            "<p>Your reply fits more than one option equally well. Which did you mean?</p>"
        )
        self.confirm.children = buttons

    def _pick_tie(self, option_id: str, text: str) -> None:
        self.confirm.children = []
        self.reply.value = ""
        self._step(lambda: self.encounter.step(option_id, text=text, **self._flags()))

    def _ask_restart(self) -> None:
        yes = w.Button(description="Yes, start again", button_style="warning", icon="check")
        no = w.Button(description="No, keep going", icon="times")
        yes.add_class("tk-restart-yes")
        yes.on_click(lambda _b: self.restart())
        no.on_click(lambda _b: setattr(self.confirm, "children", []))
        self.confirm.children = [
            w.HTML(
                "<p>Start again? This attempt's transcript is replaced (a finished attempt "
                "stays in your progress history).</p>"
            ),
            yes,
            no,
        ]

    def _toggle_thought(self, change: Any) -> None:
        if change["new"]:
            thought = self.encounter.thought
            if thought:
                self.thoughts_shown += 1
                self.aside.value = f"<p class='tk-thought-text'>💭 <i>{_esc(thought)}</i></p>"
            else:
                self.aside.value = "<p><i>(No particular thought here.)</i></p>"
        else:
            self.aside.value = ""

    # -- rendering ------------------------------------------------------------------------
    def _render(self) -> None:
        enc = self.encounter
        name = enc.scenario.patient.name.split()[0]
        lines = [f"<p><b>{_esc(name)}:</b> {_esc(enc.opening_line)}</p>"]
        for t in enc.turns:
            typed = " <small>(typed)</small>" if t.typed else ""
            lines.append(f"<p><b>You:</b> {_esc(t.said)}{typed}</p>")
            reply = _esc(t.patient_reply)
            mark = (
                " <span title='disclosed'>🔓 <small>(shared something new)</small></span>"
                if t.disclosed
                else ""
            )
            lines.append(f"<p><b>{_esc(name)}:</b> {reply}{mark}</p>")
        self.dialogue.value = "<div>" + "".join(lines) + "</div>"
        self._render_trust()
        buttons = []
        for i, opt in enumerate(enc.options):
            b = w.Button(
                description=opt.text,
                tooltip=opt.text,
                layout=w.Layout(width="auto", height="auto"),
            )
            b.add_class("tk-option")
            b.on_click(lambda _b, i=i: self.choose(i))
            buttons.append(b)
        self.options_box.children = buttons
        for widget in (self.reply, self.say_button, self.hint_button, self.thought_button):
            widget.disabled = enc.finished
        self.undo_button.disabled = not enc.turns
        if enc.finished:
            self._render_debrief()
        else:
            self.debrief_box.children = []

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
        if self.dims_toggle.value:
            self.dims.value = (
                "<ul>"
                + "".join(f"<li>{_LABEL[d]}: {v:.0f}</li>" for d, v in enc.trust.items())
                + "</ul>"
            )
        else:
            self.dims.value = ""

    def _render_debrief(self) -> None:
        from trustkit import plots

        if os.environ.get("NBGRADER_EXECUTION"):
            self.debrief_box.children = [w.HTML("<p>Encounter complete.</p>")]
            return
        d = self.debrief = debrief(self.encounter)
        parts = [
            f"<h3>Debrief: {_esc(d.ending['title'])} ({_esc(d.ending['quality'])})</h3>",
            f"<p>{_esc(d.ending['outcome'])}</p>",
            "<h4>Your turns</h4><ol>",
        ]
        for t in self.encounter.turns:
            parts.append(
                f"<li>&ldquo;{_esc(t.said)}&rdquo;<br><small>{_skill_tags(t.skills)} · "
                f"trust {t.overall_after - t.overall_before:+.1f}</small></li>"
            )
        parts.append("</ol>")
        if d.facts_missed:
            parts.append("<h4>What the patient did not tell you</h4><ul>")
            for f in d.facts_missed:
                parts.append(
                    f"<li>✖ <b>{_esc(f.text)}</b> ({_esc(f.importance)} importance) - "
                    f"{_esc(f.why_missed or '')}<br>Try: &ldquo;{_esc(f.example_question)}&rdquo;</li>"
                )
            parts.append("</ul>")
        if d.facts_disclosed:
            parts.append(
                "<h4>What the patient shared</h4><ul>"
                + "".join(
                    f"<li>✔ {_esc(f.text)} (turn {f.disclosed_at})</li>" for f in d.facts_disclosed
                )
                + "</ul>"
            )
        if d.opportunities:
            parts.append("<h4>Empathic opportunities</h4><ul>")
            for o in d.opportunities:
                if o.met:
                    parts.append(f"<li>✔ met: {_esc(o.cue)}</li>")
                else:
                    parts.append(
                        f"<li>✖ missed: {_esc(o.cue)}<br>Try: &ldquo;{_esc(o.example_response)}&rdquo;</li>"
                    )
            parts.append("</ul>")
        if d.decision and d.decision["chosen"]:
            fit = "fits" if d.decision["fits_values"] else "does not fit"
            parts.append(
                f"<p><b>Decision:</b> {_esc(d.decision['chosen_label'])} - {fit} what "
                f"matters to the patient ({_esc('; '.join(d.decision['patient_values']))}).</p>"
            )
        for remark in d.remembered:
            parts.append(f"<p>✖ The patient remembers: {_esc(remark)}.</p>")
        parts.append(
            f"<p><b>Estimated adherence:</b> {100 * d.adherence:.0f}%<br>"
            f"<small>{_esc(d.adherence_label)}</small></p>"
        )
        image = figure_image(plots.trust_trajectory(d), "tk-debrief-figure")
        self.debrief_box.children = [w.HTML("".join(parts)), image, caption(image)]

    # -- persistence ----------------------------------------------------------------------
    def _save(self) -> None:
        data = {
            "scenario": self.encounter.scenario.id,
            "transcript": self.encounter.transcript(),
            "completed": self.encounter.finished,
            "hints_used": self.hints_used,
            "thoughts_shown": self.thoughts_shown,
            "self_rating": None,
        }
        try:
            work.save(self.key, KIND, data)
        except TrustkitError as exc:
            self.message.value = f"<p>{_esc(str(exc))}</p>"

    def _restore(self) -> None:
        loaded = work.load(self.key, KIND)
        if loaded.message:
            self.message.value = f"<p>{_esc(loaded.message)}</p>"
        if loaded.data is None:
            return
        transcript = loaded.data.get("transcript") or {}
        try:
            restored = replay(transcript, self.encounter.scenario)
        except ReplayError as exc:
            path = work.work_dir() / f"{self.key}.json"
            kept = work.move_aside(path) if path.exists() else None
            self.message.value = (
                f"<p>Your saved role-play could not be restored ({_esc(str(exc))}). It was kept"
                f" as {_esc(kept.name if kept else '?')}; you can start afresh.</p>"
            )
            return
        self.encounter = restored
        self.hints_used = int(loaded.data.get("hints_used") or 0)
        self.thoughts_shown = int(loaded.data.get("thoughts_shown") or 0)
        self._recorded = bool(loaded.data.get("completed"))

    def _record(self) -> None:
        self._recorded = True
        try:
            from trustkit.progress import History

            history = History()
            d = self.debrief or debrief(self.encounter)
            if history.record_attempt(d, transcript=self.encounter.transcript()) is None:
                if history.last_error:
                    self.message.value += f"<p><small>{_esc(history.last_error)}</small></p>"
        except Exception as exc:  # the history must never break the role-play
            self.message.value += f"<p><small>Progress not recorded: {_esc(str(exc))}</small></p>"
