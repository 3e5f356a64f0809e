"""RatingPanel: rate clinicians' replies, then compare with the reference panel's ratings.

Each reply is shown in context (what the patient said, then the clinician's reply). The learner
rates its overall quality (1-5) and, when the patient raised an emotion, the level of the
empathic response (the levels and their labels come from the ``empathy_level`` instrument).
"Reveal" then shows the reference panel's ratings and the gap in words ("you rated 2 points
more leniently than the panel"). Ratings are saved in ``trustkit-work/<key>.json`` (kind
``ratings``, see docs/architecture.md) after every click and restored when the cell runs again;
revealed ratings are also recorded in the progress history. Once a reply is revealed its rating
is final (the buttons lock): the comparison stays honest, and a graded panel cannot be adjusted
to match the reference after seeing it.

:meth:`RatingPanel.from_transcript` rates the learner's own turns from a :class:`RolePlay`:
there is no reference panel, so "Reveal" shows how the analyzer coded the reply instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ipywidgets as w

from trustkit import skills as vocabulary
from trustkit.errors import TrustkitError
from trustkit.widgets._common import (
    CourseWidget,
    SavedWork,
    button,
    esc,
    history,
    message_widget,
    note,
    problem,
    row,
    set_disabled,
)

KIND = "ratings"
QUALITY = {1: "harmful", 2: "poor", 3: "mixed", 4: "good", 5: "excellent"}
"""The quality scale, with the anchors the reference panel rated by (trustkit/data/response_bank.yaml);
a learner who saw other anchors (3 = "good") would be calibrated against a different scale."""

# Used only if the empathy_level instrument cannot be read: the ordinal levels of Bylund &
# Makoul's Empathic Communication Coding System (PEC 2005, 58:207), in our own words.
FALLBACK_EMPATHY_LEVELS = {
    0: "denies or dismisses the feeling",
    1: "perfunctory recognition",
    2: "implicit recognition",
    3: "acknowledges the feeling",
    4: "acknowledges and explores",
    5: "confirms the feeling as legitimate",
    6: "shares the feeling or experience",
}


@dataclass
class RatingItem:
    """One reply to rate, whatever its source (response bank or the learner's own transcript)."""

    id: str
    patient: str
    reply: str
    context: str = ""
    reference: dict[str, float | None] = field(default_factory=dict)
    opportunity: bool = False
    rationale: str = ""
    codes: list[str] = field(default_factory=list)  # own turns: how the analyzer coded them


def from_bank_item(item: Any) -> RatingItem:
    """Adapt a :class:`trustkit.bank.BankItem` to what the panel shows."""
    empathy = item.reference.get("empathy_level")
    return RatingItem(
        id=item.id,
        patient=item.patient,
        reply=item.reply,
        context=item.context,
        reference={"quality": item.reference.get("quality"), "empathy_level": empathy},
        opportunity=empathy is not None,
        rationale=item.note,
    )


def _bank(item_ids: list[str] | None, set_name: str, n: int) -> tuple[list[RatingItem], str | None]:
    from trustkit.bank import load_bank, rating_sets

    try:
        bank = load_bank()
        named = None if item_ids else rating_sets().get(set_name)
    except TrustkitError as exc:
        return [], str(exc)
    item_ids = item_ids or named
    if not item_ids:
        return [from_bank_item(i) for i in bank[: max(1, n)]], None
    by_id = {i.id: i for i in bank}
    missing = [i for i in item_ids if i not in by_id]
    msg = f"no reply with the id(s) {', '.join(missing)} in the bank." if missing else None
    return [from_bank_item(by_id[i]) for i in item_ids if i in by_id], msg


def _empathy_levels() -> dict[int, str]:
    try:
        from trustkit.instruments import load_instrument

        inst = load_instrument("empathy_level")
        scale = inst.scale
        anchors = {int(a.value): str(a.label) for a in getattr(scale, "anchors", []) or []}
        levels = range(int(scale.min), int(scale.max) + 1)
        return {v: anchors.get(v, "") for v in levels}
    except Exception:  # the instrument is data owned elsewhere: fall back, never fail
        return dict(FALLBACK_EMPATHY_LEVELS)


def gap_in_words(learner: float | None, reference: float | None, what: str = "quality") -> str:
    """'you rated 2 points more leniently than the panel' (quality) or levels (empathy)."""
    if learner is None or reference is None:
        return ""
    diff = learner - reference
    amount = f"{abs(diff):.1f}".rstrip("0").rstrip(".")
    if what == "quality":
        unit = "point" if abs(diff) == 1 else "points"
        if abs(diff) < 0.25:
            return "✔ you rated it the same as the panel"
        side = "more leniently" if diff > 0 else "more strictly"
        return f"you rated {amount} {unit} {side} than the panel"
    unit = "level" if abs(diff) == 1 else "levels"
    if abs(diff) < 0.25:
        return "✔ you chose the same level as the panel"
    side = "higher" if diff > 0 else "lower"
    return f"you rated the empathy {amount} {unit} {side} than the panel"


class RatingPanel(CourseWidget):
    """Rate clinicians' replies from the response bank against the reference panel.

    Programmatic API: :meth:`rate` (quality 1-5, empathy level), :meth:`reveal`,
    :meth:`next`, :meth:`previous`, :meth:`go`, :attr:`ratings`, :attr:`revealed`, :attr:`items`.
    """

    def __init__(
        self,
        item_ids: list[str] | None = None,
        *,
        key: str | None = None,
        set_name: str = "default",
        n: int = 5,
        items: list[RatingItem] | None = None,
    ) -> None:
        self.set_name = set_name
        self.key = key or f"ratings-{set_name}"
        self.own = False
        self.message = message_widget()
        if items is None:
            items, why = _bank(list(item_ids) if item_ids else None, set_name, n)
            if why:
                self.message.value = note(f"Nothing to rate: {why}" if not items else why)
        self.items: list[RatingItem] = list(items)
        self.ratings: dict[str, dict[str, int | None]] = {}
        self.revealed: list[str] = []
        self.index = 0
        self.saved = SavedWork(self.key, KIND)
        self._levels = _empathy_levels()
        self._quiet = False

        self.header = w.HTML()
        self.header.add_class("tk-rating-header")
        self.context = w.HTML()
        self.context.add_class("tk-rating-context")
        self.quality = w.ToggleButtons(
            options=[(str(v), v) for v in QUALITY],
            value=None,
            description="Quality",
            tooltips=[f"{v} - {label}" for v, label in QUALITY.items()],
            style={"button_width": "3.2em"},
        )
        self.quality.add_class("tk-rate-quality")
        self.quality_help = w.HTML(
            "<small>" + " · ".join(f"{v} = {label}" for v, label in QUALITY.items()) + "</small>"
        )
        self.empathy = w.ToggleButtons(
            options=[(str(v), v) for v in self._levels],
            value=None,
            description="Empathy",
            tooltips=[f"{v} - {label}" for v, label in self._levels.items()],
            style={"button_width": "3.2em"},
        )
        self.empathy.add_class("tk-rate-empathy")
        self.empathy_help = w.HTML(
            "<small>Level of the empathic response: "
            + " · ".join(f"{v} = {esc(label)}" for v, label in self._levels.items())
            + "</small>"
        )
        self.empathy_box = w.VBox([self.empathy, self.empathy_help])
        self.quality.observe(lambda c: self._changed("quality", c["new"]), names="value")
        self.empathy.observe(lambda c: self._changed("empathy_level", c["new"]), names="value")
        self.reveal_button = button(
            "Reveal",
            "Show the reference panel's ratings and how far yours are from them",
            css="tk-reveal",
            icon="eye",
            on_click=self.reveal,
        )
        self.prev_button = button(
            "Previous",
            "Go to the previous reply",
            css="tk-prev",
            icon="arrow-left",
            on_click=self.previous,
        )
        self.next_button = button(
            "Next", "Go to the next reply", css="tk-next", icon="arrow-right", on_click=self.next
        )
        self.result = w.HTML()
        self.result.add_class("tk-rating-result")
        super().__init__(
            [
                self.header,
                self.context,
                self.quality,
                self.quality_help,
                self.empathy_box,
                row([self.prev_button, self.reveal_button, self.next_button]),
                self.result,
                self.message,
            ]
        )
        self.add_class("tk-rating")
        self._restore()
        self._render()

    @classmethod
    def from_transcript(cls, roleplay: Any, *, key: str | None = None) -> RatingPanel:
        """Rate your own turns in a :class:`RolePlay` (no reference: the analyzer's codes)."""
        enc = roleplay.encounter
        items, before = [], enc.opening_line
        for t in enc.turns:
            codes = list(t.skills)
            if t.typed:
                try:
                    from trustkit.analyzer import analyze

                    codes = sorted(analyze(t.said).code_set()) or codes
                except Exception:  # the comparison is a bonus: keep the engine's codes
                    pass
            items.append(
                RatingItem(
                    id=f"turn-{t.index}",
                    patient=before,
                    reply=t.said,
                    codes=codes,
                    opportunity=bool(t.opportunities_raised or t.opportunities_met)
                    or any(vocabulary.is_empathic(c) for c in codes),
                )
            )
            before = t.patient_reply
        set_name = f"own-{enc.scenario.id}"
        panel = cls(key=key or f"ratings-{set_name}", set_name=set_name, items=items)
        panel.own = True
        if not items:
            panel.message.value = note("Play some turns first: there is nothing of yours to rate.")
        panel._render()
        return panel

    # -- programmatic API ------------------------------------------------------------------
    @property
    def current(self) -> RatingItem | None:
        return self.items[self.index] if self.items else None

    def rate(self, quality: int | None = None, empathy_level: int | None = None) -> None:
        """Rate the current reply (the same as clicking the toggle buttons)."""
        if quality is not None:
            self.quality.value = int(quality)
        if empathy_level is not None:
            self.empathy.value = int(empathy_level)

    def go(self, index: int) -> None:
        if self.items:
            self.index = max(0, min(index, len(self.items) - 1))
            self._render()

    def next(self) -> None:
        self.go(self.index + 1)

    def previous(self) -> None:
        self.go(self.index - 1)

    def reveal(self) -> str:
        """Show the reference ratings (or, for own turns, the analyzer's codes) and the gap."""
        item = self.current
        if item is None:
            return ""
        mine = self.ratings.get(item.id, {})
        if mine.get("quality") is None:
            self.message.value = note("Rate the reply's quality first, then reveal.")
            return ""
        self.message.value = ""
        first_time = item.id not in self.revealed
        if first_time:
            self.revealed.append(item.id)
            self._save()
            if not self.own:
                self._record(item, mine)
        self._render()  # the header's count and the result
        return self.result.value

    # -- internals -------------------------------------------------------------------------
    def _changed(self, field_name: str, value: int | None) -> None:
        item = self.current
        if self._quiet or item is None:
            return
        if item.id in self.revealed:  # a rating is final once the reference has been shown
            self._render()
            return
        self.ratings.setdefault(item.id, {"quality": None, "empathy_level": None})[field_name] = (
            value
        )
        self._save()

    def _result_html(self, item: RatingItem) -> str:
        mine = self.ratings.get(item.id, {})
        if self.own:
            tags = " · ".join(
                f"{'✖' if vocabulary.is_harmful(c) else '✔'} {esc(c.replace('_', ' '))}"
                for c in item.codes
            )
            return (
                f"<p><b>Your rating:</b> quality {mine.get('quality')}. There is no reference "
                f"panel for your own replies; the analyzer coded this reply as: "
                f"{tags or 'no codes'}.</p>"
            )
        ref_q = item.reference.get("quality")
        ref_e = item.reference.get("empathy_level")
        parts = [
            f"<p><b>Panel:</b> quality {_show(ref_q)}; <b>you:</b> {mine.get('quality')} - "
            f"{esc(gap_in_words(mine.get('quality'), ref_q, 'quality'))}.</p>"
        ]
        if item.opportunity and ref_e is not None:
            label = self._levels.get(round(ref_e), "")
            gap = gap_in_words(mine.get("empathy_level"), ref_e, "empathy")
            yours = mine.get("empathy_level")
            parts.append(
                f"<p><b>Panel:</b> empathy level {_show(ref_e)} ({esc(label)}); <b>you:</b> "
                f"{'not rated' if yours is None else yours}"
                + (f" - {esc(gap)}" if gap else "")
                + ".</p>"
            )
        if item.rationale:
            parts.append(f"<p><small>Why: {esc(item.rationale)}</small></p>")
        return "".join(parts)

    def _render(self) -> None:
        item = self.current
        total = len(self.items)
        for b in (self.prev_button, self.next_button, self.reveal_button):
            b.disabled = item is None
        if item is None:
            self.header.value = "<p><b>No replies to rate.</b></p>"
            self.context.value = ""
            set_disabled(self.quality, True)
            set_disabled(self.empathy, True)
            self.empathy_box.layout.display = "none"
            self.result.value = ""
            return
        self.prev_button.disabled = self.index == 0
        self.next_button.disabled = self.index >= total - 1
        done = sum(1 for i in self.items if i.id in self.revealed)
        self.header.value = f"<p><b>Reply {self.index + 1} of {total}</b> · {done} revealed</p>"
        context = f"<p><i>{esc(item.context)}</i></p>" if item.context else ""
        self.context.value = (
            f"<div>{context}<p><b>Patient:</b> {esc(item.patient)}</p>"
            f"<p><b>Clinician:</b> {esc(item.reply)}</p></div>"
        )
        mine = self.ratings.get(item.id, {})
        self._quiet = True
        try:
            quality = mine.get("quality")
            self.quality.value = quality if quality in QUALITY else None
            level = mine.get("empathy_level")
            self.empathy.value = level if level in self._levels else None
        finally:
            self._quiet = False
        self.empathy_box.layout.display = None if item.opportunity else "none"
        final = item.id in self.revealed  # a revealed rating can no longer change
        set_disabled(self.quality, final)
        set_disabled(self.empathy, final)
        self.reveal_button.disabled = final
        self.result.value = self._result_html(item) if final else ""

    def work_data(self) -> dict[str, Any]:
        return {"ratings": self.ratings, "revealed": self.revealed}

    def snapshot_html(self) -> str:
        done = [i for i in self.items if i.id in self.revealed]
        rows = []
        for item in done:
            mine = self.ratings.get(item.id, {})
            if self.own:
                panel, gap = "no panel", ""
            else:
                ref = item.reference.get("quality")
                panel, gap = _show(ref), gap_in_words(mine.get("quality"), ref, "quality")
            rows.append(
                f"<tr><td>{esc(item.reply)}</td><td>{esc(mine.get('quality'))}</td>"
                f"<td>{esc(panel)}</td><td>{esc(gap)}</td></tr>"
            )
        table = (
            "<table><tr><th scope='col'>reply</th><th scope='col'>your quality rating</th>"
            "<th scope='col'>panel</th><th scope='col'>in words</th></tr>"
            + "".join(rows)
            + "</table>"
            if rows
            else ""
        )
        return (
            f"<p><b>Rating replies:</b> {len(done)} of {len(self.items)} rated and revealed.</p>"
            + table
            + self.message.value
        )

    def _save(self) -> None:
        failure = self.saved.save(self.work_data())
        if failure:
            self.message.value = problem(failure)
        self.refresh_snapshot()

    def _restore(self) -> None:
        data = self.saved.load()
        if self.saved.message:
            self.message.value += problem(self.saved.message)
        if not data:
            return
        ratings = data.get("ratings")
        if isinstance(ratings, dict):
            for item_id, value in ratings.items():
                if isinstance(value, dict):
                    self.ratings[str(item_id)] = {
                        "quality": _int(value.get("quality")),
                        "empathy_level": _int(value.get("empathy_level")),
                    }
        revealed = data.get("revealed")
        if isinstance(revealed, list):
            self.revealed = [str(r) for r in revealed]
        # go on where the learner stopped: the first reply not yet revealed
        ids = [i.id for i in self.items]
        self.index = next((k for k, i in enumerate(ids) if i not in self.revealed), 0)

    def _record(self, item: RatingItem, mine: dict[str, int | None]) -> None:
        h, why = history()
        if h is None:
            self.message.value = note(f"Progress not recorded: {why}")
            return
        try:
            for field_name in ("quality", "empathy_level"):
                learner = mine.get(field_name)
                reference = item.reference.get(field_name)
                if learner is None or reference is None:
                    continue
                if (
                    h.record_rating(item.id, field_name, learner, reference, set_name=self.set_name)
                    is None
                ):
                    reason = getattr(h, "last_error", None) or "unknown reason"
                    self.message.value = note(f"Progress not recorded: {reason}")
        except Exception as exc:  # the history must never break the panel
            self.message.value = note(f"Progress not recorded: {exc}")


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _show(value: float | None) -> str:
    if value is None:
        return "not given"
    return f"{value:.1f}".rstrip("0").rstrip(".")
