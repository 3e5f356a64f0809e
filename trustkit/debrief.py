"""Debrief: from a played encounter to feedback a tutor would give.

- per-skill scores (how often the learner showed a skill when an option with it was on offer;
  for harmful skills, how often they avoided it);
- facts disclosed and missed, each missed fact with an example of what would have opened it and
  why it stayed hidden (never asked, or asked before trust allowed);
- empathic opportunities met and missed, each missed one with an example reply;
- whether the decision fits the patient's stated values;
- an estimated adherence: an **educational approximation**, not a clinical prediction.

The adherence estimate comes from :mod:`trustkit.outcomes` (cited there).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from trustkit import skills as vocabulary
from trustkit.engine import Encounter, overall
from trustkit.outcomes import ADHERENCE_LABEL, CITATIONS, estimate_adherence

ADHERENCE_CITATIONS = (
    CITATIONS["nguyen2009"],
    CITATIONS["zolnierek2009"],
    CITATIONS["safran1998"],
)


@dataclass(frozen=True)
class SkillScore:
    skill: str
    description: str
    harmful: bool
    offered: int
    shown: int
    neutral: bool = False

    @property
    def score(self) -> float | None:
        """0-100, higher is better: shown/offered, or for a harmful skill avoided/offered.

        ``None`` for a neutral skill (a closed question is neither good nor bad in itself).
        """
        if self.offered == 0 or self.neutral:
            return None
        ratio = self.shown / self.offered
        return round(100 * (1 - ratio if self.harmful else ratio), 1)


@dataclass(frozen=True)
class FactResult:
    id: str
    text: str
    importance: str
    why_it_matters: str
    example_question: str
    disclosed_at: int | None
    why_missed: str | None


@dataclass(frozen=True)
class OpportunityResult:
    id: str
    kind: str
    cue: str
    example_response: str
    met: bool


@dataclass
class Debrief:
    scenario_id: str
    title: str
    finished: bool
    ending: dict[str, str] | None
    turns: int
    trust_start: dict[str, float]
    trust_end: dict[str, float]
    trajectory: list[float]
    disclosure_turns: list[int]
    skills: list[SkillScore]
    facts: list[FactResult]
    opportunities: list[OpportunityResult]
    decision: dict[str, Any] | None
    remembered: list[str]
    adherence: float
    adherence_label: str = ADHERENCE_LABEL
    citations: tuple[str, ...] = ADHERENCE_CITATIONS
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def facts_disclosed(self) -> list[FactResult]:
        return [f for f in self.facts if f.disclosed_at is not None]

    @property
    def facts_missed(self) -> list[FactResult]:
        return [f for f in self.facts if f.disclosed_at is None]

    @property
    def opportunities_met(self) -> list[OpportunityResult]:
        return [o for o in self.opportunities if o.met]

    @property
    def opportunities_missed(self) -> list[OpportunityResult]:
        return [o for o in self.opportunities if not o.met]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_id,
            "title": self.title,
            "finished": self.finished,
            "ending": self.ending,
            "turns": self.turns,
            "trust": {
                "start": self.trust_start,
                "end": self.trust_end,
                "overall_start": round(overall(self.trust_start), 2),
                "overall_end": round(overall(self.trust_end), 2),
                "trajectory": self.trajectory,
                "disclosure_turns": self.disclosure_turns,
            },
            "skills": [{**asdict(s), "score": s.score} for s in self.skills],
            "facts": {
                "disclosed": [asdict(f) for f in self.facts_disclosed],
                "missed": [asdict(f) for f in self.facts_missed],
            },
            "opportunities": {
                "met": [asdict(o) for o in self.opportunities_met],
                "missed": [asdict(o) for o in self.opportunities_missed],
            },
            "decision": self.decision,
            "remembered": self.remembered,
            "adherence": {
                "estimate": round(self.adherence, 3),
                "label": self.adherence_label,
                "citations": list(self.citations),
            },
            **self.extra,
        }

    def to_text(self) -> str:
        """A plain-text debrief for the terminal."""
        out: list[str] = [f"Debrief: {self.title}"]
        if self.ending:
            out.append(f"Ending: {self.ending['title']} ({self.ending['quality']})")
            out.append(f"  {self.ending['outcome']}")
        else:
            out.append("The encounter was stopped before an ending.")
        out.append(
            f"Trust: {overall(self.trust_start):.0f} -> {overall(self.trust_end):.0f} "
            "(0-100; " + ", ".join(f"{d} {v:.0f}" for d, v in self.trust_end.items()) + ")"
        )
        out.append("Skills:")
        for s in self.skills:
            if s.score is None:
                continue
            verb = "avoided" if s.harmful else "shown"
            count = s.offered - s.shown if s.harmful else s.shown
            out.append(f"  {s.skill:<22} {s.score:5.1f}  ({verb} {count} of {s.offered})")
        out.append("Facts disclosed:")
        for f in self.facts_disclosed:
            out.append(f"  [+] {f.text} (turn {f.disclosed_at})")
        if not self.facts_disclosed:
            out.append("  (none)")
        out.append("Facts missed:")
        for f in self.facts_missed:
            out.append(f"  [-] {f.text} [{f.importance}] {f.why_missed}")
            out.append(f'      try: "{f.example_question}"')
        if not self.facts_missed:
            out.append("  (none)")
        out.append("Empathic opportunities:")
        for o in self.opportunities:
            mark = "[+] met   " if o.met else "[-] missed"
            out.append(f"  {mark} {o.cue}")
            if not o.met:
                out.append(f'      try: "{o.example_response}"')
        if self.decision:
            d = self.decision
            if d["chosen"] is None:
                out.append(f"Decision: {d['question']} - not reached.")
            else:
                fit = "fits" if d["fits_values"] else "does not fit"
                out.append(f"Decision: {d['chosen_label']} - {fit} what matters to the patient.")
        for remark in self.remembered:
            out.append(f"The patient remembers: {remark}")
        if self.extra.get("undone"):
            out.append(
                f"You took back {self.extra['undone']} repl"
                f"{'y' if self.extra['undone'] == 1 else 'ies'} (practice mode)."
            )
        if self.extra.get("not_taken_up"):
            out.append(
                f"{self.extra['not_taken_up']} typed repl"
                f"{'y was' if self.extra['not_taken_up'] == 1 else 'ies were'} not taken up: "
                "they answered nothing the patient had said."
            )
        out.append(f"Estimated adherence: {100 * self.adherence:.0f}%")
        out.append(f"  ({self.adherence_label})")
        return "\n".join(out)


def _why_hidden(fact: Any, asked: bool) -> str:
    """Why a fact stayed hidden, in words (never as a trust number to hit)."""
    helps = fact.what_helps or (
        "listen first - an open question, a reflection of what they said, and a question asked "
        "without judgement make it feel safe to say"
    )
    helps = helps[0].lower() + helps[1:] if helps else helps
    if fact.safety:
        lead = (
            "You asked, but they did not feel safe enough yet to answer."
            if asked
            else "Nobody asked about it directly."
        )
        return (
            f"{lead} A safety question is always worth asking directly and kindly, and asking "
            f"again later: {helps.rstrip('.')}. Keep asking."
        )
    if asked:
        return f"You asked, but it did not feel safe to say yet. What helps: {helps.rstrip('.')}."
    return f"Nothing you said opened the way to it. What helps: {helps.rstrip('.')}."


def debrief(encounter: Encounter) -> Debrief:
    """Feedback on a played (or stopped) encounter."""
    sc = encounter.scenario
    offered: dict[str, int] = {}
    shown: dict[str, int] = {}
    for turn in encounter.turns:
        on_offer = {s for opt in sc.node(turn.node).options for s in opt.skills}
        if turn.kind != "option":  # a typed reply no option matched still shows its skills
            on_offer |= {s for s in turn.skills if vocabulary.known(s)}
        for s in on_offer:
            offered[s] = offered.get(s, 0) + 1
        for s in set(turn.skills):
            shown[s] = shown.get(s, 0) + 1
    order = [s for s in vocabulary.codes() if s in offered]
    skills = [
        SkillScore(
            s,
            vocabulary.description(s),
            vocabulary.is_harmful(s),
            offered[s],
            shown.get(s, 0),
            vocabulary.is_neutral(s),
        )
        for s in order
    ]

    disclosed_at = {f: t.index for t in encounter.turns for f in t.disclosed}
    asked_at: dict[str, float] = {}
    for t in encounter.turns:
        for f in t.withheld:
            asked_at[f] = max(asked_at.get(f, 0.0), t.overall_after)
    facts = []
    for fact in sc.facts:
        why = None
        if fact.id not in disclosed_at:
            why = _why_hidden(fact, fact.id in asked_at)
        facts.append(
            FactResult(
                fact.id,
                fact.text,
                fact.importance,
                fact.why_it_matters,
                fact.example_question,
                disclosed_at.get(fact.id),
                why,
            )
        )

    met = set(encounter.opportunities_met)
    # what arose, and what a good path raises even if this one steered around it
    raised = set(encounter.opportunities_raised) | {o.id for o in sc.opportunities if o.expected}
    opportunities = [
        OpportunityResult(o.id, o.kind, o.cue, o.example_response, o.id in met)
        for o in sc.opportunities
        if o.id in raised
    ]

    decision = None
    fits: bool | None = None
    if sc.decisions:
        dec = sc.decisions[0]
        chosen = encounter.choices.get(dec.id)
        opt = next((o for o in dec.options if o.id == chosen), None)
        fits = encounter.fits(dec.id)
        decision = {
            "id": dec.id,
            "question": dec.question,
            "patient_values": list(dec.patient_values),
            "chosen": chosen,
            "chosen_label": opt.label if opt else None,
            "fits_values": fits,
            "note": opt.note if opt else None,
        }

    start = sc.initial_trust.as_dict()
    trajectory = [round(overall(start), 2)] + [round(t.overall_after, 2) for t in encounter.turns]
    end = encounter.trust
    ending = encounter.ending
    return Debrief(
        scenario_id=sc.id,
        title=sc.title,
        finished=encounter.finished,
        ending=None
        if ending is None
        else {
            "id": ending.id,
            "title": ending.title,
            "quality": ending.quality,
            "outcome": ending.outcome,
        },
        turns=len(encounter.turns),
        trust_start=start,
        trust_end=end,
        trajectory=trajectory,
        disclosure_turns=sorted({t.index for t in encounter.turns if t.disclosed}),
        skills=skills,
        facts=facts,
        opportunities=opportunities,
        decision=decision,
        remembered=encounter.memory,
        adherence=estimate_adherence(overall(end), bool(fits)),
        extra={
            "mode": encounter.mode,
            "undone": len(encounter.undone),
            "not_taken_up": sum(1 for t in encounter.turns if t.kind in ("aside", "puzzled")),
            "disrespect": [t.evidence for t in encounter.turns if t.kind == "disrespect"],
        },
    )


def patient_care(encounter: Encounter) -> dict[str, int]:
    """How the simulated patient would answer the ten CARE items after this encounter.

    The mapping is :func:`trustkit.instruments.patient_care_rating` (documented there): each
    item follows one part of the patient's state at the end. Its two ratios come from the
    encounter: hidden facts disclosed out of all hidden facts, and empathic opportunities met
    out of those that arose. When no opportunity arose (an encounter cut short), the patient's
    ``caring`` trust stands in for the ratio: there was nothing to be heard about, so the
    items follow how cared for the patient felt overall.
    """
    from trustkit.instruments import patient_care_rating

    sc = encounter.scenario
    facts = len(sc.facts)
    disclosed = len(encounter.disclosed) / facts if facts else 0.0
    met = len(encounter.opportunities_met)
    arose = met + len(encounter.opportunities_missed) + len(encounter.opportunities_open)
    empathy = met / arose if arose else encounter.trust["caring"] / 100
    return patient_care_rating(encounter.trust, disclosed, empathy)


def self_vs_patient_gap(encounter: Encounter, self_responses: dict[str, Any]) -> dict[str, Any]:
    """The learner's own CARE answers against the simulated patient's, for the debrief.

    Returns :func:`trustkit.instruments.self_vs_patient` plus ``"patient_responses"`` and
    ``"items"``: per item ``(item id, paraphrase, self, patient)``, largest gap first.
    """
    from trustkit.instruments import load_instrument, self_vs_patient

    theirs = patient_care(encounter)
    out = self_vs_patient(self_responses, theirs)
    inst = load_instrument("care")
    rows = [(i.id, i.text, self_responses.get(i.id), theirs[i.id]) for i in inst.items]

    def gap(row: tuple[str, str, Any, int]) -> float:  # an unanswered (N/A) item: no gap
        mine = row[2]
        return abs(mine - row[3]) if isinstance(mine, int | float) else 0.0

    rows.sort(key=gap, reverse=True)
    out["patient_responses"] = theirs
    out["items"] = rows
    return out
