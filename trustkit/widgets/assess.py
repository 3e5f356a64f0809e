"""Rating activities built on the instruments and the calibration statistics.

- :class:`CalibrationView` - how a learner's revealed ratings in a :class:`RatingPanel` compare
  with the reference panel, in words first: how often within one point, the lean (harsher or
  more lenient) and the average gap; the replies furthest apart; and two figures (learner vs
  reference with the identity line; Bland-Altman). The agreement statistic (ICC(2,1), with its
  95% interval said in words) appears only from :data:`~trustkit.calibration_plots.MIN_FOR_ICC`
  compared replies: below that it is noise and would mislead.
- :class:`EncounterRating` - rate a whole example encounter with an instrument (e.g. Observer
  OPTION-5), then compare item by item with the reference panel's ratings.
- :class:`SelfRating` - after a role-play, rate yourself with the CARE items; the simulated
  patient's answers come from the encounter (:func:`trustkit.debrief.patient_care`), and the
  gap between the two is the lesson.

Each saves its own file in ``trustkit-work/`` (never another widget's), and, like the rating
panel, makes a rating final once the reference has been shown.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from trustkit import work
from trustkit.errors import TrustkitError
from trustkit.widgets._common import (
    CourseWidget,
    SavedWork,
    button,
    caption,
    esc,
    figure_html,
    message_widget,
    note,
    problem,
    row,
    set_disabled,
)

MIN_ITEMS = 3
"""Fewer compared replies than this and the calibration view asks for more."""


def _scale_buttons(inst: Any, item: Any, css: str) -> w.ToggleButtons:
    """One item's answer buttons: the scale's values, with the anchors as tooltips."""
    anchors = {a.value: a.label for a in inst.scale.anchors}
    values = list(range(int(inst.scale.min), int(inst.scale.max) + 1))
    options: list[tuple[str, Any]] = [(str(v), v) for v in values]
    tips = [f"{v} - {anchors[v]}" if v in anchors else str(v) for v in values]
    if inst.allow_na:
        options.append(("N/A", "NA"))
        tips.append(inst.na_label or "not applicable")
    tb = w.ToggleButtons(
        options=options,
        value=None,
        description=f"{item.id}.",
        tooltips=tips,
        # no fixed button width: "N/A" (and any longer label) fits instead of being cut short
        style={"button_width": "auto", "description_width": "2.2em"},
    )
    tb.add_class(css)
    return tb


def _anchor_help(inst: Any) -> str:
    parts = [f"{a.value:g} = {esc(a.label)}" for a in inst.scale.anchors]
    if inst.allow_na:
        parts.append(f"N/A = {esc(inst.na_label or 'not applicable')}")
    return "<small>" + " · ".join(parts) + "</small>"


# =============================================================================================
class CalibrationView(CourseWidget):
    """Your revealed ratings (saved by a :class:`RatingPanel` under ``key``) against the panel.

    Press "Refresh" after rating more replies. Programmatic API: :meth:`refresh`,
    :attr:`comparison` (a :class:`trustkit.calibration.Comparison` or None).
    """

    def __init__(self, key: str, *, what: str = "quality") -> None:
        self.key = key
        self.what = what
        self.comparison: Any = None
        self.message = message_widget()
        self.choice = w.ToggleButtons(
            options=[("Quality", "quality"), ("Empathy level", "empathy_level")],
            value=what,
            description="Compare",
            tooltips=["your quality ratings", "your empathy-level ratings"],
        )
        self.choice.add_class("tk-calibration-what")
        self.choice.observe(lambda c: self._set_what(c["new"]), names="value")
        self.refresh_button = button(
            "Refresh",
            "Recompute your calibration from the replies you have rated and revealed",
            css="tk-calibration-refresh",
            icon="refresh",
            on_click=self.refresh,
        )
        self.summary = w.HTML()
        self.summary.add_class("tk-calibration-summary")
        self.figures = w.VBox()
        super().__init__(
            [row([self.choice, self.refresh_button]), self.summary, self.figures, self.message]
        )
        self.add_class("tk-calibration")
        self.refresh()

    def _set_what(self, what: str) -> None:
        self.what = what
        self.refresh()

    def _pairs(self) -> tuple[dict[str, float], dict[str, float]]:
        """The revealed ratings and the panel's, paired (only revealed ratings are final)."""
        from trustkit.bank import paired_ratings

        loaded = work.peek(self.key, "ratings")
        if loaded.data is None:
            if loaded.message and "missing" not in loaded.message:
                self.message.value = problem(f"Your saved ratings {loaded.message}")
            return {}, {}
        ratings = loaded.data.get("ratings")
        revealed = loaded.data.get("revealed")
        return paired_ratings(
            ratings if isinstance(ratings, dict) else {},
            self.what,
            only=[r for r in revealed if isinstance(r, str)] if isinstance(revealed, list) else [],
        )

    def refresh(self) -> None:
        """Recompute from the saved ratings (only replies whose reference has been revealed)."""
        self._refresh()
        self.refresh_snapshot()

    def snapshot_html(self) -> str:
        return self.summary.value + self.message.value

    def _refresh(self) -> None:
        from trustkit.bank import get_item
        from trustkit.calibration import compare, interpret_icc
        from trustkit.calibration_plots import MIN_FOR_ICC, icc_shown, number

        self.message.value = ""
        self.comparison = None
        self.figures.children = ()
        try:
            learner, reference = self._pairs()
        except TrustkitError as exc:
            self.summary.value = ""
            self.message.value = problem(str(exc))
            return
        name = "quality" if self.what == "quality" else "empathy level"
        if len(learner) < MIN_ITEMS:
            self.summary.value = (
                f"<p><b>{len(learner)} of at least {MIN_ITEMS}</b> replies compared. Rate and "
                f"reveal at least {MIN_ITEMS} replies ({name}) in the panel above, then press "
                "Refresh.</p>"
            )
            return
        c = compare(learner, reference)
        self.comparison = c
        icc = c.icc21
        if icc_shown(c):
            label = interpret_icc(icc.value) or ""  # type: ignore[union-attr]
            agreement = (
                f"{label + ' agreement' if label else 'Agreement'} with the panel "
                f"(ICC(2,1) = {number(icc.value)}, on a scale where 1 is perfect agreement and 0 "  # type: ignore[union-attr]
                "is no better than chance)"
            )
            if icc.ci95:  # type: ignore[union-attr]
                lo, hi = icc.ci95  # type: ignore[union-attr]
                agreement += (
                    f"; from only {c.n} replies the true value could be anywhere from "
                    f"{number(lo)} to {number(hi)} (95% interval), so treat it as a rough guide"
                )
        elif c.n >= MIN_FOR_ICC:
            agreement = (
                "No agreement statistic: your ratings or the panel's do not vary enough to "
                "compute one"
            )
        else:
            agreement = (
                f"An agreement statistic (ICC) appears once you have compared {MIN_FOR_ICC} "
                f"replies (now {c.n}): with fewer, it swings so much that it would tell you "
                "little"
            )
        rows = []
        for g in c.furthest:
            item = get_item(g.item)
            rows.append(
                f"<li><b>{esc(g.item)}</b>: you {g.learner:g}, panel {g.reference:g} - "
                f"<i>“{esc(item.reply)}”</i><br><small>Panel: {esc(item.note)}</small></li>"
            )
        furthest = (
            "<p><b>Furthest apart:</b></p><ul>" + "".join(rows) + "</ul>"
            if rows
            else "<p>No reply differs from the panel's rating.</p>"
        )
        if c.bias_label == "close":
            lean = "none to speak of: on average your ratings match the panel's"
        else:
            side = "higher" if c.bias > 0 else "lower"
            lean = (
                f"{c.bias_label}: on average you rated {abs(c.bias):.1f} points {side} than the "
                "panel"
            )
        self.summary.value = (
            f"<p>{esc(c.message)}</p>"
            f"<p><b>Lean:</b> {esc(lean)}. <b>Average gap:</b> your rating was "
            f"{c.mean_abs_difference:.1f} points away from the panel's, either way.</p>"
            f"<p><b>Agreement:</b> {esc(agreement)}.</p>"
            + furthest
            + "<p><small>The reference is the course authors' panel, a teaching reference, not a "
            "validated standard. Agreement bands after Koo &amp; Li (2016).</small></p>"
        )
        self._draw(c)

    def _draw(self, c: Any) -> None:
        from trustkit import calibration_plots

        what = "quality" if self.what == "quality" else "empathy level"
        kids: list[w.Widget] = []
        try:
            for fig in (
                calibration_plots.scatter_vs_reference(c, what),
                calibration_plots.bland_altman(c, what),
            ):
                image = figure_html(fig, "tk-calibration-figure")
                kids += [image, caption(image)]
        except Exception as exc:  # a figure must never hide the written result
            kids.append(w.HTML(problem(f"no figure: {exc}")))
        self.figures.children = tuple(kids)


# =============================================================================================
class _InstrumentForm(CourseWidget):
    """What EncounterRating and SelfRating share: one row of answer buttons per instrument item,
    saved after every click, restored on re-run, and final once compared."""

    KIND = ""

    def _setup(self, key: str) -> None:
        self.key = key
        self.message = message_widget()
        self.responses: dict[str, Any] = {}
        self.compared = False
        self.items: dict[str, w.ToggleButtons] = {}
        self._quiet = False
        self.saved = SavedWork(key, self.KIND)

    def _item_rows(self, inst: Any, css: str, heading: str) -> list[w.Widget]:
        rows: list[w.Widget] = [w.HTML(heading), w.HTML(_anchor_help(inst))]
        for item in inst.items:
            tb = _scale_buttons(inst, item, css)
            tb.observe(lambda c, i=item.id: self._changed(i, c["new"]), names="value")
            self.items[item.id] = tb
            rows += [w.HTML(f"<small>{esc(item.id)}. {esc(item.text)}</small>"), tb]
        return rows

    def rate(self, item_id: str, value: Any) -> None:
        """Answer one item (the same as clicking its button; "NA" where N/A is allowed)."""
        self.items[str(item_id)].value = value

    def _unanswered(self) -> list[str]:
        return [i for i in self.items if self.responses.get(i) is None]

    def _changed(self, item_id: str, value: Any) -> None:
        if self._quiet:
            return
        if self.compared:  # final once the comparison has been shown: undo the click
            self._sync_buttons()
            return
        self.responses[item_id] = value
        self._save()
        self.refresh_snapshot()

    def snapshot_html(self) -> str:
        answered = "".join(
            f"<li>{esc(i)}: {esc('N/A' if v == 'NA' else v)}</li>"
            for i, v in self.responses.items()
            if v is not None
        )
        mine = f"<p><b>Your ratings</b></p><ul>{answered}</ul>" if answered else ""
        return (
            mine
            + (self.outcome.value if self.compared else "<p><i>Not compared yet.</i></p>")
            + self.message.value
        )

    def _sync_buttons(self) -> None:
        self._quiet = True
        try:
            for i, tb in self.items.items():
                tb.value = self.responses.get(i)
                set_disabled(tb, self.compared)
        finally:
            self._quiet = False
        self.compare_button.disabled = self.compared or not self.items

    def _save(self) -> None:
        failure = self.saved.save({"responses": self.responses, "compared": self.compared})
        if failure:
            self.message.value = problem(failure)

    def _restore(self) -> None:
        data = self.saved.load()
        if self.saved.message:
            self.message.value = problem(self.saved.message)
        if not data or not isinstance(data.get("responses"), dict):
            return
        for i, tb in self.items.items():
            v = data["responses"].get(i)
            if v in {val for _, val in tb.options}:
                self.responses[i] = v
        self.compared = bool(data.get("compared")) and not self._unanswered()

    def _mark_compared(self) -> None:
        if not self.compared:
            self.compared = True
            self._save()


# =============================================================================================
class EncounterRating(_InstrumentForm):
    """Rate an example encounter with an instrument, then compare with the reference panel.

    Programmatic API: :meth:`rate` (item id, value), :meth:`compare`, :attr:`responses`,
    :attr:`compared`, :attr:`result` (the learner's :class:`~trustkit.instruments.ScoreResult`).
    """

    KIND = "encounter-rating"

    def __init__(self, instrument_id: str, example_id: str, *, key: str | None = None) -> None:
        from trustkit.examples import load_example
        from trustkit.instruments import load_instrument

        self._setup(key or f"rate-{example_id}")
        self.result: Any = None
        self.transcript = w.HTML()
        self.outcome = w.HTML()
        self.outcome.add_class("tk-encounter-result")
        self.compare_button = button(
            "Compare",
            "Score your ratings and compare them with the reference panel's, item by item",
            css="tk-encounter-compare",
            icon="balance-scale",
            on_click=self.compare,
        )
        try:
            self.instrument = load_instrument(instrument_id)
            self.example = load_example(example_id)
            if self.example.instrument != instrument_id:
                raise TrustkitError(
                    f"the example '{example_id}' is rated with {self.example.instrument}, "
                    f"not {instrument_id}."
                )
        except TrustkitError as exc:
            self.message.value = problem(str(exc))
            self.compare_button.disabled = True
            super().__init__([self.message])
            self.add_class("tk-encounter-rating")
            return
        inst, ex = self.instrument, self.example
        lines = "".join(
            f"<p><b>{'Clinician' if who == 'clinician' else 'Patient'}:</b> {esc(text)}</p>"
            for who, text in ex.lines
        )
        self.transcript.value = (
            f"<div class='tk-dialogue'><p><b>{esc(ex.title)}</b></p><p><i>{esc(ex.context)}"
            f"</i></p>{lines}</div>"
        )
        heading = f"<p><b>{esc(inst.name)}</b>: {esc(inst.prompt or '')}</p>"
        rows = self._item_rows(inst, "tk-encounter-item", heading)
        super().__init__([self.transcript, *rows, self.compare_button, self.outcome, self.message])
        self.add_class("tk-encounter-rating")
        self._restore()
        self._render()

    def compare(self) -> str:
        """Score the ratings and show them next to the panel's; the ratings are then final."""
        from trustkit.instruments import score

        if not self.items:
            return ""
        missing = self._unanswered()
        if missing:
            self.message.value = note(
                f"Rate every item first (not yet: {', '.join(missing)}), then compare."
            )
            return ""
        self.message.value = ""
        self._mark_compared()
        self.result = score(self.instrument.id, self._numeric())
        self._render()
        self.refresh_snapshot()
        return self.outcome.value

    def _numeric(self) -> dict[str, float | None]:
        return {
            i: (None if v == "NA" else float(v)) for i, v in self.responses.items() if v is not None
        }

    def _render(self) -> None:
        from trustkit.instruments import score

        self._sync_buttons()
        if not self.compared:
            self.outcome.value = ""
            return
        mine = self.result or score(self.instrument.id, self._numeric())
        self.result = mine
        ref = self.example.reference
        theirs = score(self.instrument.id, {i: float(round(v)) for i, v in ref.items()})
        rows = []
        for item in self.instrument.items:
            you = self.responses.get(item.id)
            panel = ref[item.id]
            gap = "" if you in (None, "NA") else f"{float(you) - panel:+g}"
            rows.append(
                f"<tr><td>{esc(item.id)}</td><td>{esc(you)}</td><td>{panel:g}</td>"
                f"<td>{esc(gap)}</td><td><small>{esc(self.example.rationales[item.id])}</small>"
                "</td></tr>"
            )
        lo, hi = self.instrument.scoring.range
        total = (
            f"<p><b>Your total:</b> {mine.score:g}; <b>the panel's:</b> {theirs.score:g} "
            f"(range {lo:g}-{hi:g}).</p>"
            if mine.score is not None and theirs.score is not None
            else f"<p>Your ratings could not be scored: {esc(mine.reason)}</p>"
        )
        self.outcome.value = (
            total + "<table><tr><th>item</th><th>you</th><th>panel (median)</th><th>gap</th>"
            "<th>the panel's reason</th></tr>" + "".join(rows) + "</table>"
            "<p><small>The panel is the course authors' reference panel, a teaching reference, "
            "not a validated standard.</small></p>"
        )


# =============================================================================================
class SelfRating(_InstrumentForm):
    """After the role-play saved under ``roleplay_key``: rate yourself with the CARE items, then
    see how the simulated patient would rate you, and the gap.

    Programmatic API: :meth:`rate`, :meth:`compare`, :attr:`responses`, :attr:`gap` (the dict of
    :func:`trustkit.debrief.self_vs_patient_gap`, or None).
    """

    KIND = "self-rating"

    def __init__(self, roleplay_key: str, *, key: str | None = None) -> None:
        from trustkit.instruments import load_instrument

        self._setup(key or f"{roleplay_key}-self")
        self.roleplay_key = roleplay_key
        self.gap: dict[str, Any] | None = None
        self.outcome = w.HTML()
        self.outcome.add_class("tk-self-result")
        self.compare_button = button(
            "Compare with the patient",
            "See how the simulated patient would rate you, and the gap with your own rating",
            css="tk-self-compare",
            icon="balance-scale",
            on_click=self.compare,
        )
        self.instrument = inst = load_instrument("care")
        heading = f"<p><b>How good were you at ...</b> ({esc(inst.name)})</p>"
        rows = self._item_rows(inst, "tk-self-item", heading)
        super().__init__([*rows, self.compare_button, self.outcome, self.message])
        self.add_class("tk-self-rating")
        self._restore()
        self._render()

    def _encounter(self) -> tuple[Any, str | None]:
        from trustkit.engine import replay

        loaded = work.peek(self.roleplay_key, "roleplay")
        if loaded.data is None:
            if loaded.message and "missing" not in loaded.message:
                return None, f"your saved role-play {loaded.message}"
            return None, "Play the encounter above first, to its end."
        try:
            enc = replay(loaded.data.get("transcript") or {})
        except TrustkitError as exc:
            return None, f"your saved role-play cannot be replayed: {exc}"
        if not enc.finished:
            return None, "Finish the encounter above (reach an ending), then compare."
        return enc, None

    def compare(self) -> str:
        """Compare your answers with the patient's; your answers are then final."""
        unanswered = self._unanswered()
        if unanswered:
            self.message.value = note(
                f"Answer every item first (N/A where it does not apply; not yet: "
                f"{', '.join(unanswered)})."
            )
            return ""
        enc, why = self._encounter()
        if enc is None:
            self.message.value = note(why or "")
            return ""
        self.message.value = ""
        self._mark_compared()
        self._render(enc)
        self.refresh_snapshot()
        return self.outcome.value

    def _render(self, enc: Any = None) -> None:
        from trustkit.debrief import self_vs_patient_gap

        self._sync_buttons()
        if not self.compared:
            self.outcome.value = ""
            return
        if enc is None:
            enc, why = self._encounter()
            if enc is None:
                self.outcome.value = note(why or "")
                return
        mine = {i: (None if v == "NA" else v) for i, v in self.responses.items()}
        self.gap = g = self_vs_patient_gap(enc, mine)
        you, them = g["self"].score, g["patient"].score
        rows = "".join(
            f"<tr><td>{esc(i)}</td><td><small>{esc(text)}</small></td>"
            f"<td>{'N/A' if s is None else s}</td><td>{p}</td></tr>"
            for i, text, s, p in g["items"]
        )
        scores = (
            f"<p><b>You:</b> {you:g} · <b>the patient:</b> {them:g} (CARE total, 10-50)</p>"
            if you is not None and them is not None
            else ""
        )
        self.outcome.value = (
            f"<h4>Debrief: you and the patient</h4>{scores}<p>{esc(g['message'])}</p>"
            "<table><tr><th>item</th><th>about</th><th>you</th><th>patient</th></tr>"
            + rows
            + "</table><p><small>The patient's answers are derived from their trust, what was "
            "disclosed and the empathic moments met at the end of the encounter (a documented "
            "mapping, an educational approximation, not a validated model). "
            f"Self-assessment: {esc(g['citation'])}</small></p>"
        )
