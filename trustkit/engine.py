"""The encounter engine: a pure, deterministic state machine over a :class:`Scenario`.

``Encounter.step(option)`` plays one learner turn and returns a :class:`Turn`. The rules, all of
them here and nowhere else (widgets and graders only call this module):

Trust
    Four dimensions, each 0-100, start at ``scenario.initial_trust``; an option's ``effects``
    add to them. Overall trust is the mean of the four.
Memory of remarks
    An option with ``remembered`` is a judgmental or dismissive remark the patient keeps in mind.
    Each one remembered lowers the ceiling of every dimension by :data:`MEMORY_CEILING_COST`
    points and scales every later *gain* by :data:`MEMORY_GAIN_FACTOR` (compounded), for the
    rest of the encounter: repair is possible but slower and never complete.
Disclosure
    A hidden fact is disclosed only when the learner's reply *opens the way* to it (the option
    lists it in ``opens``) and overall trust, after this turn's change, has reached the fact's
    ``threshold``. Asking too early is recorded as *withheld*: the patient deflects.
    A safety-critical fact (``safety: true``: suicide, self-harm, safeguarding) is disclosed
    to a direct question at any trust above :data:`trustkit.scenario.SAFETY_FLOOR`.
No trust farming
    Each option's *gain* counts once per encounter (the first time it is chosen); repeating a
    reply or walking a loop again adds nothing. Losses always count.
Empathic opportunities
    Arriving at a node that ``raises`` an opportunity opens it. It is *met* only if one of the
    learner's next ``window`` replies was authored to answer that cue (lists it in ``meets``);
    an empathy-tagged reply to something else does not meet it. Otherwise it is *missed*.
Routing
    The first ``branch`` whose ``min_trust`` the new overall trust reaches (and whose
    ``requires`` holds) wins; else ``next``. A node or ending whose ``requires`` does not hold is
    replaced by its ``otherwise`` target, so text that presumes a disclosure or an apology is
    reached only when it happened. Options whose ``requires`` does not hold are not offered.
Order
    :attr:`Encounter.options` lists the offered options in the order the learner sees them: a
    deterministic shuffle per ``(seed, node, visit)``. Authored order carries no information.
Typed replies
    :meth:`Encounter.say` maps a typed reply to an option only when it is about that option's
    topic (content words of its text and ``keywords``, or the patient's own words for a
    listening reply) *and* shows its skills. Abuse, insults, contempt and profanity are always
    recognised (``disrespect``): they cost trust and are remembered at every node. A reply that
    shows a skill but touches no option's topic gets an in-character *aside*; off-topic text a
    *puzzled* reply; neither advances the conversation, gains trust or opens a fact.
Modes
    ``practice`` (lessons) allows undo, and every undone reply is kept in the transcript;
    ``assessment`` (graded exercises) allows none.
Determinism
    Patient line variants are picked by a PRNG seeded from ``(seed, turn, node)``, so the same
    seed and choices always give the same encounter; undo rebuilds from the start.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from trustkit import skills as vocabulary
from trustkit.errors import TrustkitError
from trustkit.loading import scenario_id
from trustkit.scenario import (
    DIMENSIONS,
    NEGATIVE_SKILLS,
    NEUTRAL_SKILLS,
    SAFETY_FLOOR,
    Condition,
    Effects,
    Option,
    Scenario,
    load,
)

MEMORY_CEILING_COST = 10.0
"""Points each remembered remark takes off the ceiling of every trust dimension."""

MEMORY_GAIN_FACTOR = 0.6
"""Factor applied to every later trust gain, once per remembered remark."""

TRANSCRIPT_FORMAT = "trustkit-transcript"
TRANSCRIPT_SCHEMA_VERSION = 2

MODES = ("practice", "assessment")
"""``practice``: undo allowed (and recorded); ``assessment``: no undo."""

DISRESPECT = "~disrespect"
ASIDE = "~aside"
PUZZLED = "~puzzled"
SYNTHETIC = (DISRESPECT, ASIDE, PUZZLED)
"""Option ids of typed turns that match no authored option (never valid authored ids)."""

DISRESPECT_EFFECTS = Effects(caring=-12, honesty=-4, competence=-4, autonomy=-4)
"""What an insult, a mocking remark, swearing at or contempt for the patient costs."""

HARMFUL_ASIDE_EFFECTS = Effects(caring=-4, honesty=-1)
"""A typed judgmental or dismissive remark that fits no authored option."""

ASIDE_EFFECTS = Effects(caring=1)
"""A typed listening reply that fits no option's topic (its gain counts once per node)."""

_HURT = (
    "I don't have to listen to that.",
    "...Right. I'm not sure why I bothered coming.",
    "That's a horrible thing to say to someone.",
)
_PUZZLED = (
    "Sorry - I'm not sure what that has to do with why I'm here.",
    "I'm sorry, I don't follow.",
)
_ASIDE = (
    "Mm. Maybe.",
    "I suppose so.",
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Turn:
    """One learner turn and everything it caused."""

    index: int
    node: str
    option: str
    said: str
    typed: bool
    skills: tuple[str, ...]
    trust_before: dict[str, float]
    trust_after: dict[str, float]
    next: str
    patient_reply: str
    thought: str | None
    disclosed: tuple[str, ...]
    withheld: tuple[str, ...]
    opportunities_raised: tuple[str, ...]
    opportunities_met: tuple[str, ...]
    opportunities_missed: tuple[str, ...]
    remembered: str | None
    choice: str | None
    ending: str | None
    kind: str = "option"  # option | disrespect | aside | puzzled
    reaction: str = ""  # body language and tone, in words (assessment mode shows only this)
    evidence: str | None = None  # for a disrespect turn: the words that were recognised

    @property
    def trust_change(self) -> dict[str, float]:
        return {d: round(self.trust_after[d] - self.trust_before[d], 6) for d in DIMENSIONS}

    @property
    def overall_before(self) -> float:
        return overall(self.trust_before)

    @property
    def overall_after(self) -> float:
        return overall(self.trust_after)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "node": self.node,
            "option": self.option,
            "said": self.said,
            "typed": self.typed,
            "skills": list(self.skills),
            "trust_before": self.trust_before,
            "trust_after": self.trust_after,
            "trust_change": self.trust_change,
            "overall_after": round(self.overall_after, 2),
            "next": self.next,
            "patient_reply": self.patient_reply,
            "thought": self.thought,
            "disclosed": list(self.disclosed),
            "withheld": list(self.withheld),
            "opportunities_raised": list(self.opportunities_raised),
            "opportunities_met": list(self.opportunities_met),
            "opportunities_missed": list(self.opportunities_missed),
            "remembered": self.remembered,
            "choice": self.choice,
            "ending": self.ending,
            "kind": self.kind,
            "reaction": self.reaction,
            "evidence": self.evidence,
        }


HINT_ALL_RISKY = "Every reply here has a risk: choose the one least likely to hurt trust."
"""The hint where even the most trust-building reply has no helpful skill."""


def suggested_skill(options: Iterable[Option]) -> str | None:
    """The skill a hint should point to: the most trust-building option's first helpful skill.

    ``None`` when there are no options, or when even the best option has no helpful skill.
    """
    options = list(options)
    if not options:
        return None
    best = max(options, key=lambda o: o.effects.overall)
    good = [s for s in best.skills if s not in NEGATIVE_SKILLS]
    if not good:
        return None
    return next((s for s in good if s not in NEUTRAL_SKILLS), good[0])


def hint_text(options: Iterable[Option]) -> str | None:
    """The hint for these options: a nudge towards :func:`suggested_skill`, from the skill
    vocabulary (``trustkit/data/skills.yaml``), that never names an option. ``None`` when
    there are no options (the visit is over)."""
    options = list(options)
    if not options:
        return None
    skill = suggested_skill(options)
    if skill is None:
        return HINT_ALL_RISKY
    return vocabulary.hint(skill) or f"Think about this skill: {vocabulary.label(skill)}."


def overall(trust: dict[str, float]) -> float:
    """Overall trust: the mean of the four dimensions."""
    return sum(trust[d] for d in DIMENSIONS) / len(DIMENSIONS)


@dataclass
class Interpretation:
    """How a typed reply was understood.

    ``kind`` is ``option`` (``ranked`` holds the on-topic options by how well their skills
    match, best first), ``disrespect`` (abuse aimed at the patient; ``evidence`` holds the words),
    ``aside`` (a skill but no option's topic) or ``puzzled`` (nothing to respond to).
    """

    text: str
    analysis: Any  # trustkit.analyzer.Analysis
    ranked: list[tuple[Option, float, list[str]]]
    kind: str = "option"
    evidence: str | None = None
    why: str = ""

    @property
    def best(self) -> Option | None:
        if self.kind != "option":
            return None
        return self.ranked[0][0] if self.ranked and self.ranked[0][1] > 0 else None

    @property
    def tied(self) -> list[Option]:
        """Options that fit as well as the best one (more than one: ask the learner)."""
        if self.kind != "option" or not self.ranked or self.ranked[0][1] <= 0:
            return []
        top = self.ranked[0][1]
        return [opt for opt, score, _ in self.ranked if abs(score - top) < 1e-9]

    @property
    def reasons(self) -> list[str]:
        if self.kind != "option":
            return [self.why] if self.why else []
        return self.ranked[0][2] if self.ranked else []

    @property
    def synthetic(self) -> str | None:
        """The synthetic option id this reply plays as, or None when it maps to options."""
        return {"disrespect": DISRESPECT, "aside": ASIDE, "puzzled": PUZZLED}.get(self.kind)


class AmbiguousReply(TrustkitError):
    """A typed reply fits two or more options equally well: the learner picks one."""

    def __init__(self, interpretation: Interpretation) -> None:
        self.interpretation = interpretation
        names = ", ".join(f"'{o.id}'" for o in interpretation.tied)
        super().__init__(f"your reply fits several options equally well ({names}); pick one.")


class ReplayError(TrustkitError):
    """A transcript the engine cannot reproduce."""


@dataclass
class _Record:
    node: str
    option: str
    text: str | None
    at: str
    hint: bool
    thought: bool


@dataclass
class _State:
    node: str
    trust: dict[str, float]
    visits: dict[str, int] = field(default_factory=dict)  # node -> arrivals so far
    gained: set[str] = field(default_factory=set)  # "node/option" whose gain has counted
    chosen: list[str] = field(default_factory=list)  # "node/option" in order
    memory: list[str] = field(default_factory=list)
    disclosed: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    open_opps: dict[str, int] = field(default_factory=dict)  # id -> learner turns before raise
    met: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    choices: dict[str, str] = field(default_factory=dict)
    ending: str | None = None


class Encounter:
    """A playable encounter. Pure: the only inputs are the scenario, the seed, the mode and the
    choices (option ids, or typed text re-interpreted the same way every time)."""

    def __init__(
        self,
        scenario: Scenario | str,
        seed: int = 0,
        *,
        mode: str = "practice",
        clock: Callable[[], str] = _now,
    ) -> None:
        if mode not in MODES:
            raise TrustkitError(f"mode must be one of {', '.join(MODES)}, not {mode!r}.")
        self.scenario: Scenario = load(scenario)
        self.seed = int(seed)
        self.mode = mode
        self._clock = clock
        self.started_at = clock()
        self._records: list[_Record] = []
        self.undone: list[dict[str, Any]] = []
        self.turns: list[Turn] = []
        self._hint_pending = False
        self._state = self._initial_state()

    # -- state ------------------------------------------------------------------------------
    def _initial_state(self) -> _State:
        sc = self.scenario
        state = _State(node=sc.start, trust=sc.initial_trust.as_dict())
        state.visits[sc.start] = 1
        for opp in sc.node(sc.start).raises:
            state.open_opps[opp] = 0
        return state

    @property
    def node(self):  # -> Node
        return self.scenario.node(self._state.node)

    def holds(self, condition: Condition | None, trust: float | None = None) -> bool:
        """Whether ``condition`` holds in the current state (``None`` always holds)."""
        if condition is None:
            return True
        st = self._state
        if any(f not in st.disclosed for f in condition.facts):
            return False
        if any(f in st.disclosed for f in condition.not_facts):
            return False
        if any(o not in st.met for o in condition.met):
            return False
        if condition.no_remarks and st.memory:
            return False

        def was_chosen(ref: str) -> bool:
            if "/" in ref:
                return ref in st.chosen
            return any(c.split("/", 1)[1] == ref for c in st.chosen)

        if not all(was_chosen(ref) for ref in condition.options):
            return False
        if any(was_chosen(ref) for ref in condition.not_options):
            return False
        if condition.min_trust is not None:
            level = overall(st.trust) if trust is None else trust
            if level < condition.min_trust:
                return False
        return True

    @property
    def options(self) -> list[Option]:
        """The options offered now, in the order the learner sees them (a seeded shuffle)."""
        if self.finished:
            return []
        node = self.node
        offered = [o for o in node.options if self.holds(o.requires)]
        visit = self._state.visits.get(node.id, 1)
        random.Random(f"{self.seed}:{node.id}:{visit}").shuffle(offered)
        return offered

    @property
    def finished(self) -> bool:
        return self._state.ending is not None

    @property
    def ending_id(self) -> str | None:
        return self._state.ending

    @property
    def ending(self):  # -> Ending | None
        return None if self._state.ending is None else self.scenario.ending(self._state.ending)

    @property
    def trust(self) -> dict[str, float]:
        return dict(self._state.trust)

    @property
    def overall_trust(self) -> float:
        return overall(self._state.trust)

    @property
    def memory(self) -> list[str]:
        """Remarks the patient remembers against the learner."""
        return list(self._state.memory)

    @property
    def disclosed(self) -> list[str]:
        return list(self._state.disclosed)

    @property
    def withheld(self) -> list[str]:
        """Facts the learner asked about too early and that were never disclosed later."""
        return [f for f in self._state.withheld if f not in self._state.disclosed]

    @property
    def opportunities_met(self) -> list[str]:
        return list(self._state.met)

    @property
    def opportunities_missed(self) -> list[str]:
        return list(self._state.missed)

    @property
    def opportunities_open(self) -> list[str]:
        return list(self._state.open_opps)

    @property
    def opportunities_raised(self) -> list[str]:
        """Every opportunity raised so far (met, missed or still open), in order raised."""
        return [*self._state.met, *self._state.missed, *self._state.open_opps]

    @property
    def chosen(self) -> list[str]:
        """``node/option`` of every authored option chosen, in order."""
        return list(self._state.chosen)

    @property
    def choices(self) -> dict[str, str]:
        """Decision id -> chosen decision option id."""
        return dict(self._state.choices)

    def fits(self, decision_id: str) -> bool | None:
        """Whether the decision reached fits the patient, given what they disclosed (None: no
        decision reached)."""
        chosen = self._state.choices.get(decision_id)
        if chosen is None:
            return None
        dec = self.scenario.decision(decision_id)
        opt = next((o for o in dec.options if o.id == chosen), None)
        if opt is None:
            return None
        return bool(opt.fits_values and self.holds(opt.fits_if))

    @property
    def patient_line(self) -> str:
        """What the patient is saying now (the ending line once finished)."""
        if self.ending is not None:
            return self.ending.patient
        if self.turns:
            return self.turns[-1].patient_reply
        return self._variant(self.node, 0)

    @property
    def opening_line(self) -> str:
        """What the patient said first (the start node's line for this seed)."""
        return self._variant(self.scenario.node(self.scenario.start), 0)

    @property
    def thought(self) -> str | None:
        return None if self.finished else self.node.thought

    def _variant(self, node, turn_index: int) -> str:
        variants = node.variants()
        if len(variants) == 1:
            return variants[0]
        rng = random.Random(f"{self.seed}:{turn_index}:{node.id}")
        return variants[rng.randrange(len(variants))]

    def _pick(self, lines: tuple[str, ...], salt: str) -> str:
        rng = random.Random(f"{self.seed}:{len(self.turns)}:{salt}")
        return lines[rng.randrange(len(lines))]

    # -- playing ----------------------------------------------------------------------------
    def _resolve(self, choice: int | str | Option) -> Option:
        if self.finished:
            raise TrustkitError("the encounter has ended; restart or undo to go on.")
        options = self.options
        if isinstance(choice, Option):
            choice = choice.id
        if isinstance(choice, bool):
            raise TrustkitError(f"'{choice}' is not an option here.")
        if isinstance(choice, int):
            if not 0 <= choice < len(options):
                raise TrustkitError(
                    f"option {choice + 1} does not exist here; choose 1 to {len(options)}."
                )
            return options[choice]
        for opt in options:
            if opt.id == choice:
                return opt
        known = ", ".join(o.id for o in options)
        raise TrustkitError(f"'{choice}' is not an option at node '{self.node.id}'; ({known}).")

    def step(
        self,
        choice: int | str | Option,
        *,
        text: str | None = None,
        hint_used: bool = False,
        thought_shown: bool = False,
    ) -> Turn:
        """Play one turn: ``choice`` is a 0-based index into :attr:`options` (the order the
        learner sees) or an option id at the current node.

        ``text`` is the learner's own typed words when the option was matched from free text.
        """
        option = self._resolve(choice)
        if text is not None:
            # typed words travel with the option they stand for: they must fit it (replay
            # checks the same), so typed words cannot be paired with any option at will
            if not text.strip():
                raise TrustkitError("type a reply first.")
            interp = self.interpret(text)
            allowed = [o.id for o in interp.tied] or ([interp.best.id] if interp.best else [])
            if option.id not in allowed:
                raise TrustkitError(
                    f"your words do not fit option '{option.id}' here; say them with say(), "
                    "or choose the option without words."
                )
        hint_used = hint_used or self.hint_pending
        record = _Record(self._state.node, option.id, text, self._clock(), hint_used, thought_shown)
        turn = self._apply(option, text)
        self._records.append(record)
        self.turns.append(turn)
        self._hint_pending = False
        return turn

    def _step_synthetic(
        self, kind: str, text: str, evidence: str | None, hint_used: bool, thought_shown: bool
    ) -> Turn:
        if self.finished:
            raise TrustkitError("the encounter has ended; restart or undo to go on.")
        option_id = {"disrespect": DISRESPECT, "aside": ASIDE, "puzzled": PUZZLED}[kind]
        hint_used = hint_used or self.hint_pending
        record = _Record(self._state.node, option_id, text, self._clock(), hint_used, thought_shown)
        turn = self._apply_synthetic(kind, text, evidence)
        self._records.append(record)
        self.turns.append(turn)
        self._hint_pending = False
        return turn

    # -- hints --------------------------------------------------------------------------------
    def hint(self) -> str | None:
        """A nudge towards the communication skill that would build the most trust now, without
        naming an option (:func:`hint_text`). Practice mode only. Its use is recorded: the next
        reply's turn is saved with ``hint_used``. ``None`` once the encounter has ended."""
        if self.mode != "practice":
            raise TrustkitError("There are no hints in an assessment.")
        text = hint_text(self.options)
        if text is not None:
            self._hint_pending = True
        return text

    @property
    def hint_pending(self) -> bool:
        """Whether a hint was given that the next reply has not yet been recorded with."""
        return bool(getattr(self, "_hint_pending", False))

    def _change_trust(
        self, key: str, effects: Effects, remembered: str | None = None
    ) -> tuple[dict[str, float], bool]:
        """Apply ``effects``; a gain counts only the first time ``key`` is played.

        A remark to be remembered is remembered first (it lowers the ceiling at once), but its
        own gain, if any, is damped only by the remarks remembered before it.
        """
        st = self._state
        before = dict(st.trust)
        factor = MEMORY_GAIN_FACTOR ** len(st.memory)
        if remembered:
            st.memory.append(remembered)
        ceiling = max(0.0, 100.0 - MEMORY_CEILING_COST * len(st.memory))
        first = key not in st.gained
        after: dict[str, float] = {}
        for dim, delta in effects.as_dict().items():
            if delta > 0:
                change = delta * factor if first else 0.0
            else:
                change = delta
            after[dim] = round(min(ceiling, max(0.0, before[dim] + change)), 6)
        if any(v > 0 for v in effects.as_dict().values()):
            st.gained.add(key)
        st.trust = after
        return before, first

    def _expire_opportunities(self, index: int, meets: Iterable[str]) -> tuple[list, list]:
        sc = self.scenario
        st = self._state
        met: list[str] = []
        missed: list[str] = []
        meets = set(meets)
        for opp_id, raised_after in list(st.open_opps.items()):
            if opp_id in meets:
                met.append(opp_id)
            elif index - raised_after >= sc.opportunity(opp_id).window:
                missed.append(opp_id)
            else:
                continue
            del st.open_opps[opp_id]
        st.met.extend(met)
        st.missed.extend(missed)
        return met, missed

    def _apply_synthetic(self, kind: str, text: str, evidence: str | None) -> Turn:
        st = self._state
        node = self.node
        index = len(self.turns) + 1
        remembered: str | None = None
        if kind == "disrespect":
            remembered = f'said "{evidence}"' if evidence else "spoke to them with contempt"
            before, _ = self._change_trust(
                f"{node.id}/{DISRESPECT}", DISRESPECT_EFFECTS, remembered
            )
            reply = self._pick(_HURT, "hurt")
            skills: tuple[str, ...] = ("disrespect",)
        elif kind == "aside":
            from trustkit.analyzer import analyze

            codes = analyze(text).code_set()
            harmful = bool(codes & NEGATIVE_SKILLS)
            effects = HARMFUL_ASIDE_EFFECTS if harmful else ASIDE_EFFECTS
            before, _ = self._change_trust(f"{node.id}/{ASIDE}", effects)
            reply = node.aside or self._pick(_ASIDE, "aside")
            skills = tuple(sorted(codes)) or ("aside",)
        else:
            before = dict(st.trust)
            reply = self._pick(_PUZZLED, "puzzled")
            skills = ()
        met, missed = self._expire_opportunities(index, ())
        after = dict(st.trust)
        return Turn(
            index=index,
            node=node.id,
            option={"disrespect": DISRESPECT, "aside": ASIDE, "puzzled": PUZZLED}[kind],
            said=text,
            typed=True,
            skills=skills,
            trust_before=before,
            trust_after=after,
            next=node.id,
            patient_reply=reply,
            thought=node.thought,
            disclosed=(),
            withheld=(),
            opportunities_raised=(),
            opportunities_met=tuple(met),
            opportunities_missed=tuple(missed),
            remembered=remembered,
            choice=None,
            ending=None,
            kind=kind,
            reaction=self._reaction(before, after, kind),
            evidence=evidence,
        )

    def _resolve_target(self, target: str) -> str:
        """Follow ``otherwise`` while the target's ``requires`` does not hold."""
        sc = self.scenario
        seen: set[str] = set()
        while target not in seen:
            seen.add(target)
            item = sc.ending(target) if sc.is_ending(target) else sc.node(target)
            if self.holds(item.requires) or item.otherwise is None:
                return target
            target = item.otherwise
        return target

    def _apply(self, option: Option, text: str | None) -> Turn:
        sc = self.scenario
        st = self._state
        index = len(self.turns) + 1
        node = sc.node(st.node)
        key = f"{node.id}/{option.id}"

        before, _ = self._change_trust(key, option.effects, option.remembered)
        after = dict(st.trust)
        st.chosen.append(key)
        now = overall(after)

        # disclosure: the learner opened the way and trust is high enough
        disclosed: list[str] = []
        withheld: list[str] = []
        for fact_id in option.opens:
            if fact_id in st.disclosed:
                continue
            fact = sc.fact(fact_id)
            needed = min(fact.threshold, SAFETY_FLOOR) if fact.safety else fact.threshold
            if now >= needed:
                st.disclosed.append(fact_id)
                disclosed.append(fact_id)
            else:
                withheld.append(fact_id)
                if fact_id not in st.withheld:
                    st.withheld.append(fact_id)

        met, missed = self._expire_opportunities(index, option.meets)

        if option.choice is not None and node.decision is not None:
            st.choices[node.decision] = option.choice

        target = option.next
        for branch in option.branches:
            if now >= branch.min_trust and self.holds(branch.requires, now):
                target = branch.next
                break
        target = self._resolve_target(target)

        raised: list[str] = []
        thought: str | None = None
        ending: str | None = None
        if sc.is_ending(target):
            ending = target
            st.ending = target
            reply = sc.ending(target).patient
            for opp_id in list(st.open_opps):  # the visit is over: what is open is missed
                missed.append(opp_id)
                st.missed.append(opp_id)
                del st.open_opps[opp_id]
        else:
            nxt = sc.node(target)
            st.node = target
            st.visits[target] = st.visits.get(target, 0) + 1
            reply = self._variant(nxt, index)
            thought = nxt.thought
            for opp_id in nxt.raises:
                if opp_id not in st.open_opps and opp_id not in st.met + st.missed:
                    st.open_opps[opp_id] = index
                    raised.append(opp_id)
        if disclosed:
            reply = " ".join([*(sc.fact(f).disclosure for f in disclosed), reply])

        return Turn(
            index=index,
            node=node.id,
            option=option.id,
            said=text if text is not None else option.text,
            typed=text is not None,
            skills=tuple(option.skills),
            trust_before=before,
            trust_after=dict(after),
            next=target,
            patient_reply=reply,
            thought=thought,
            disclosed=tuple(disclosed),
            withheld=tuple(withheld),
            opportunities_raised=tuple(raised),
            opportunities_met=tuple(met),
            opportunities_missed=tuple(missed),
            remembered=option.remembered,
            choice=option.choice,
            ending=ending,
            reaction=self._reaction(before, after, "option", bool(disclosed)),
        )

    def _reaction(
        self, before: dict[str, float], after: dict[str, float], kind: str, told: bool = False
    ) -> str:
        """The patient's reaction in words and body language (no numbers)."""
        he, his = _pronouns(self.scenario.patient.gender)
        delta = overall(after) - overall(before)
        if kind == "disrespect":
            lines = (
                f"{he} stiffens and looks at the door.",
                f"{he} goes quiet; {his} face closes.",
            )
        elif kind == "puzzled":
            lines = (f"{he} frowns, puzzled.", f"{he} looks at you, waiting for you to explain.")
        elif told:
            lines = (f"{he} takes a breath before answering.", f"{he} lowers {his} voice.")
        elif delta >= 2.5:
            lines = (f"{he} leans in a little.", f"{his} shoulders drop; {he} seems more at ease.")
        elif delta >= 0.5:
            lines = (f"{he} nods.", f"{he} meets your eye.")
        elif delta > -0.5:
            lines = (f"{he} pauses.", f"{he} waits to see where this is going.")
        elif delta > -3:
            lines = (f"{he} hesitates and looks away.", f"{he} shifts in the chair.")
        else:
            lines = (f"{he} folds {his} arms.", f"{his} voice goes flat.")
        text = self._pick(lines, f"react:{kind}")
        return text[0].upper() + text[1:]

    # -- free text --------------------------------------------------------------------------
    def interpret(self, text: str) -> Interpretation:
        """Understand a typed reply: abuse, an option (on its topic, by its skills), an aside
        (a skill, no option's topic) or puzzlement (nothing the patient can respond to)."""
        from trustkit.analyzer import analyze, match_score
        from trustkit.topics import content_words, listening_skill, topic_words

        analysis = analyze(text)
        for code in analysis.codes:
            if code.code == "disrespect":
                return Interpretation(
                    text, analysis, [], "disrespect", code.evidence, "it is disrespectful"
                )
        words = content_words(text)
        heard = topic_words(self.patient_line) | topic_words(self.node.thought or "")
        for opp_id in self._state.open_opps:
            heard |= topic_words(self.scenario.opportunity(opp_id).cue)
        ranked = []
        for opt in self.options:
            own = topic_words(opt.text) | topic_words(" ".join(opt.keywords))
            overlap = words & own
            on_topic = bool(overlap)
            if not on_topic and listening_skill(opt.skills):
                # a listening reply is about what the patient just said (or about nothing new)
                on_topic = not words or bool(words & heard)
            if not on_topic:
                continue
            score, reasons = match_score(analysis, opt.skills)
            if score > 0 and overlap:
                score += 0.001 * min(len(overlap), 9)  # breaks ties towards the topic named
                reasons = [*reasons, "about the same thing: " + ", ".join(sorted(overlap)[:4])]
            ranked.append((opt, round(score, 4), reasons))
        ranked.sort(key=lambda r: -r[1])  # stable within the shuffled display order
        if ranked and ranked[0][1] > 0:
            return Interpretation(text, analysis, ranked)
        by_topic = self._match_by_topic(analysis, words, heard)
        if by_topic:
            return Interpretation(text, analysis, by_topic)
        if not words and not analysis.codes and len(text.strip()) <= 40:
            # a minimal encourager ("Go on.", "Mm, take your time.", "(nods)") lets them finish
            waiting = [
                (o, 0.5, ["a minimal encourager: it gives the patient room to go on"])
                for o in self.options
                if "let_finish" in o.skills
            ]
            if waiting:
                return Interpretation(text, analysis, waiting)
        about_visit = not words or bool(words & (heard | self._vocabulary()))
        if analysis.codes and about_visit:
            why = "it shows a skill but is not about anything the patient can take up here"
            return Interpretation(text, analysis, ranked, "aside", None, why)
        if not about_visit:
            why = "it is not about the visit, so the patient cannot tell what you mean"
        else:
            why = "the patient cannot tell what you want from them"
        return Interpretation(text, analysis, ranked, "puzzled", None, why)

    TOPIC_MIN_SHARED = 2
    TOPIC_MIN_SHARE = 0.5

    def _match_by_topic(self, analysis: Any, words: frozenset[str], heard: frozenset[str]):
        """When no option's skills match (plain statements carry few codes), match on what the
        reply is about: at least :attr:`TOPIC_MIN_SHARED` shared content words making up at
        least :attr:`TOPIC_MIN_SHARE` of the reply's content words, or, in a sentence of four
        words or more whose only content word is shared, a word no other option here is about.
        Never for a reply with a trust-harming code (answered as it is, see :meth:`interpret`)."""
        from trustkit.topics import listening_skill, topic_words

        if analysis.code_set() & NEGATIVE_SKILLS or not words:
            return []
        found = []
        owns = []
        for opt in self.options:
            own = topic_words(opt.text) | topic_words(" ".join(opt.keywords))
            if listening_skill(opt.skills):
                own = own | heard
            owns.append((opt, own))
        long_enough = len(analysis.text.split()) >= 4
        for opt, own in owns:
            shared = words & own
            share = len(shared) / len(words)
            # one shared word is enough in a full sentence about nothing else, when no other
            # option here is about that word ("You need to go to hospital today.")
            unique = (
                len(shared) == 1
                and share == 1.0
                and long_enough
                and not any(shared <= other for o, other in owns if o is not opt)
            )
            if (len(shared) >= self.TOPIC_MIN_SHARED and share >= self.TOPIC_MIN_SHARE) or unique:
                reasons = [
                    "no communication codes decide it, so it is matched by what it is about: "
                    + ", ".join(sorted(shared)[:5])
                ]
                found.append((opt, round(0.5 * share, 4), reasons))
        found.sort(key=lambda r: -r[1])
        return found

    def _vocabulary(self) -> frozenset[str]:
        if getattr(self, "_words", None) is None:
            from trustkit.topics import scenario_words

            self._words = scenario_words(self.scenario)
        return self._words

    def say(self, text: str, **flags: bool) -> Turn:
        """Play a typed reply (see :meth:`interpret`).

        Raises :class:`AmbiguousReply` when two or more options fit equally well (the learner
        then picks one and calls :meth:`step` with ``text=``).
        """
        if not text or not text.strip():
            raise TrustkitError("type a reply first.")
        if self.finished:
            raise TrustkitError("the encounter has ended; restart or undo to go on.")
        interp = self.interpret(text)
        if interp.kind != "option":
            return self._step_synthetic(
                interp.kind,
                text,
                interp.evidence,
                flags.get("hint_used", False),
                flags.get("thought_shown", False),
            )
        if len(interp.tied) > 1:
            raise AmbiguousReply(interp)
        return self.step(interp.best, text=text, **flags)

    def fork(self) -> Encounter:
        """An independent copy of this encounter at its current state (for searches)."""
        new = object.__new__(Encounter)
        new.__dict__.update(self.__dict__)
        new._state = copy.deepcopy(self._state)
        new._records = list(self._records)
        new.turns = list(self.turns)
        new.undone = [dict(u) for u in self.undone]
        return new

    # -- undo, restart ----------------------------------------------------------------------
    def undo(self) -> Turn | None:
        """Take back the last turn (practice mode only). The encounter is rebuilt from the
        start, deterministically, and the undone reply is kept in :attr:`undone`."""
        if self.mode != "practice":
            raise TrustkitError("undo is not available in an assessment.")
        if not self._records:
            return None
        records = self._records[:-1]
        undone = self.turns[-1]
        last = self._records[-1]
        self.undone.append(
            {"turn": len(self._records), "node": last.node, "option": last.option, "at": last.at}
        )
        self._rebuild(records)
        return undone

    def restart(self) -> None:
        self.undone = []
        self._hint_pending = False
        self._rebuild([])

    def _rebuild(self, records: list[_Record]) -> None:
        self._records = []
        self.turns = []
        self._state = self._initial_state()
        for rec in records:
            if rec.option in SYNTHETIC:
                kind = {DISRESPECT: "disrespect", ASIDE: "aside", PUZZLED: "puzzled"}[rec.option]
                evidence = self.interpret(rec.text or "").evidence if kind == "disrespect" else None
                self.turns.append(self._apply_synthetic(kind, rec.text or "", evidence))
            else:
                option = self._resolve(rec.option)
                self.turns.append(self._apply(option, rec.text))
            self._records.append(rec)

    # -- transcripts ------------------------------------------------------------------------
    def transcript(self) -> dict[str, Any]:
        """The encounter as JSON-ready data: enough to replay it exactly."""
        sc = self.scenario
        return {
            "format": TRANSCRIPT_FORMAT,
            "schema_version": TRANSCRIPT_SCHEMA_VERSION,
            "scenario": {"id": sc.id, "version": sc.version, "hash": sc.content_hash()},
            "seed": self.seed,
            "mode": self.mode,
            "started_at": self.started_at,
            "turns": [
                {
                    "node": rec.node,
                    "option": rec.option,
                    "text": rec.text,
                    "at": rec.at,
                    "hint_used": rec.hint,
                    "thought_shown": rec.thought,
                    "trust_after": round(overall(turn.trust_after), 4),
                }
                for rec, turn in zip(self._records, self.turns, strict=True)
            ],
            "undone": [dict(u) for u in self.undone],
            "ending": self._state.ending,
            "final_trust": {d: round(v, 4) for d, v in self._state.trust.items()},
        }

    def state_summary(self) -> dict[str, Any]:
        """Everything observable about the state, for equality checks in tests and replays."""
        return {
            "node": self._state.node,
            "ending": self._state.ending,
            "trust": {d: round(v, 4) for d, v in self._state.trust.items()},
            "memory": self.memory,
            "disclosed": self.disclosed,
            "withheld": self.withheld,
            "met": self.opportunities_met,
            "missed": self.opportunities_missed,
            "open": self.opportunities_open,
            "choices": self.choices,
            "turns": [t.to_dict() for t in self.turns],
        }


def _pronouns(gender: str) -> tuple[str, str]:
    words = set(gender.lower().replace("-", " ").split())
    if words & {"woman", "girl", "female", "she"}:
        return "she", "her"
    if words & {"man", "boy", "male", "he"}:
        return "he", "his"
    return "they", "their"


def _expect(cond: bool, reason: str) -> None:
    if not cond:
        raise ReplayError(reason)


def replay(transcript: dict[str, Any], scenario: Scenario | str | None = None) -> Encounter:
    """Rebuild an encounter from a transcript, checking that the engine reproduces it exactly.

    Every turn is played again: a clicked option must be one offered at that point, and a
    typed turn's words are *re-interpreted*, so the recorded option must be what those words
    map to (a transcript cannot pair an insult with the best option's id). Raises
    :class:`ReplayError` with the reason when the transcript is malformed, belongs to a
    different scenario or version, or records what the engine does not produce.
    """
    _expect(isinstance(transcript, dict), "the transcript is not a JSON object.")
    _expect(
        transcript.get("format") == TRANSCRIPT_FORMAT,
        "this is not a trustkit transcript (its 'format' field is missing or wrong).",
    )
    _expect(
        transcript.get("schema_version") == TRANSCRIPT_SCHEMA_VERSION,
        f"transcript schema version {transcript.get('schema_version')!r} is not supported "
        f"(this trustkit reads version {TRANSCRIPT_SCHEMA_VERSION}).",
    )
    meta = transcript.get("scenario")
    _expect(isinstance(meta, dict), "the transcript does not say which scenario it belongs to.")
    # the id comes from the learner's file: a slug, checked before anything is looked up, and
    # only ever looked up among the packaged scenarios (the caller alone chooses a file)
    try:
        sid = scenario_id(meta.get("id"), "the transcript")
    except TrustkitError as exc:
        raise ReplayError(exc.message) from None
    try:
        # a slug has no path separator and no dot: `load` takes it as a packaged id, always
        sc = load(scenario if scenario is not None else sid)
    except TrustkitError as exc:
        raise ReplayError(f"the transcript's scenario cannot be loaded: {exc}") from None
    _expect(sc.id == sid, f"the transcript is for scenario '{sid}', not '{sc.id}'.")
    if meta.get("hash") != sc.content_hash():  # played on an earlier version: use that one
        from trustkit.versions import find

        sc = find(sid, meta.get("hash")) or sc
    _expect(
        meta.get("hash") == sc.content_hash(),
        f"the transcript was made with different mechanics of '{sid}' (version "
        f"{meta.get('version')!r}) than the installed version {sc.version}.",
    )
    seed = transcript.get("seed", 0)
    _expect(isinstance(seed, int) and not isinstance(seed, bool), "the seed must be an integer.")
    mode = transcript.get("mode", "practice")
    _expect(mode in MODES, f"the transcript's mode {mode!r} is not one of {', '.join(MODES)}.")
    turns = transcript.get("turns")
    _expect(isinstance(turns, list), "the transcript has no list of turns.")
    undone = transcript.get("undone", [])
    _expect(isinstance(undone, list), "the transcript's list of undone replies is not a list.")
    _expect(
        mode == "practice" or not undone, "an assessment transcript cannot have undone replies."
    )
    started = transcript.get("started_at")
    enc = Encounter(sc, seed=seed, mode=mode, clock=lambda: str(started))
    for i, rec in enumerate(turns, start=1):
        _expect(isinstance(rec, dict), f"turn {i} is not a JSON object.")
        _expect(not enc.finished, f"turn {i} comes after the encounter had already ended.")
        node = rec.get("node")
        _expect(
            node == enc.node.id,
            f"turn {i} says it was played at node {node!r}, but the engine is at '{enc.node.id}'.",
        )
        option = rec.get("option")
        text = rec.get("text")
        _expect(text is None or isinstance(text, str), f"turn {i}'s typed text is not text.")
        _expect(isinstance(option, str), f"turn {i} has no option.")
        at = rec.get("at")
        enc._clock = lambda at=at: str(at)
        flags = {
            "hint_used": bool(rec.get("hint_used", False)),
            "thought_shown": bool(rec.get("thought_shown", False)),
        }
        if text is not None:
            _expect(bool(text.strip()), f"turn {i}'s typed text is empty.")
            interp = enc.interpret(text)
            if interp.kind != "option":
                _expect(
                    option == interp.synthetic,
                    f"turn {i}'s typed words play as {interp.kind} here, not as option "
                    f"{option!r}: the transcript was edited.",
                )
                turn = enc._step_synthetic(interp.kind, text, interp.evidence, **flags)
            else:
                allowed = [o.id for o in interp.tied] or [interp.best.id]
                _expect(
                    option in allowed,
                    f"turn {i}'s typed words map to {', '.join(map(repr, allowed))}, not to "
                    f"{option!r}: the transcript was edited.",
                )
                turn = enc.step(option, text=text, **flags)
        else:
            _expect(
                option in {o.id for o in enc.options},
                f"turn {i} chooses {option!r}, which is not an option at node '{enc.node.id}'.",
            )
            turn = enc.step(option, **flags)
        if "trust_after" in rec:
            recorded = rec["trust_after"]
            _expect(
                isinstance(recorded, int | float) and not isinstance(recorded, bool),
                f"turn {i}'s recorded trust is not a number.",
            )
            _expect(
                abs(recorded - round(turn.overall_after, 4)) <= 1e-3,
                f"turn {i} records trust {recorded}, but the engine gives "
                f"{round(turn.overall_after, 4)}: the transcript was edited or is from another "
                "version.",
            )
    _expect(
        transcript.get("ending") == enc.ending_id,
        f"the transcript says it ended at {transcript.get('ending')!r}, but replaying it ends at "
        f"{enc.ending_id!r}.",
    )
    final = transcript.get("final_trust")
    if final is not None:
        _expect(isinstance(final, dict), "the transcript's final trust is not a mapping.")
        for dim in DIMENSIONS:
            value = final.get(dim)
            _expect(
                isinstance(value, int | float) and abs(value - round(enc.trust[dim], 4)) <= 1e-3,
                f"the transcript's final {dim} trust {value!r} differs from the replay's "
                f"{round(enc.trust[dim], 4)}.",
            )
    for j, u in enumerate(undone, start=1):
        _expect(
            isinstance(u, dict) and isinstance(u.get("option"), str),
            f"undone reply {j} is not a recorded reply.",
        )
    enc.undone = [dict(u) for u in undone]
    return enc


def play(
    scenario: Scenario | str, choices: Iterable[int | str], seed: int = 0, mode: str = "practice"
) -> Encounter:
    """Play a sequence of choices (0-based indexes into the displayed order, or option ids)."""
    enc = Encounter(scenario, seed=seed, mode=mode)
    for i, choice in enumerate(choices, start=1):
        if enc.finished:
            raise TrustkitError(f"choice {i} comes after the encounter has ended.")
        enc.step(choice)
    return enc
