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
Empathic opportunities
    Arriving at a node that ``raises`` an opportunity opens it. It is *met* if one of the
    learner's next ``window`` replies answers it (lists it in ``meets`` or shows an empathic
    skill, see :data:`trustkit.scenario.EMPATHIC_SKILLS`); otherwise it is *missed*.
Routing
    The first ``branch`` whose ``min_trust`` the new overall trust reaches wins; else ``next``.
Determinism
    Patient line variants are picked by a PRNG seeded from ``(seed, turn, node)``, so the same
    seed and choices always give the same encounter; undo rebuilds from the start.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from trustkit.errors import TrustkitError
from trustkit.scenario import (
    DIMENSIONS,
    EMPATHIC_SKILLS,
    NEGATIVE_SKILLS,
    NEUTRAL_SKILLS,
    Option,
    Scenario,
    load,
)

MEMORY_CEILING_COST = 10.0
"""Points each remembered remark takes off the ceiling of every trust dimension."""

MEMORY_GAIN_FACTOR = 0.6
"""Factor applied to every later trust gain, once per remembered remark."""

TRANSCRIPT_FORMAT = "trustkit-transcript"
TRANSCRIPT_SCHEMA_VERSION = 1


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
        }


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


def overall(trust: dict[str, float]) -> float:
    """Overall trust: the mean of the four dimensions."""
    return sum(trust[d] for d in DIMENSIONS) / len(DIMENSIONS)


@dataclass
class Interpretation:
    """How a typed reply was understood: its codes and the authored options it resembles."""

    text: str
    analysis: Any  # trustkit.analyzer.Analysis
    ranked: list[tuple[Option, float, list[str]]]

    @property
    def best(self) -> Option | None:
        return self.ranked[0][0] if self.ranked and self.ranked[0][1] > 0 else None

    @property
    def tied(self) -> list[Option]:
        """Options that fit as well as the best one (more than one: ask the learner)."""
        if not self.ranked or self.ranked[0][1] <= 0:
            return []
        top = self.ranked[0][1]
        return [opt for opt, score, _ in self.ranked if abs(score - top) < 1e-9]

    @property
    def reasons(self) -> list[str]:
        return self.ranked[0][2] if self.ranked else []


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
    memory: list[str] = field(default_factory=list)
    disclosed: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    open_opps: dict[str, int] = field(default_factory=dict)  # id -> learner turns before raise
    met: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    choices: dict[str, str] = field(default_factory=dict)
    ending: str | None = None


class Encounter:
    """A playable encounter. Pure: the only inputs are the scenario, the seed and the choices."""

    def __init__(
        self,
        scenario: Scenario | str,
        seed: int = 0,
        *,
        clock: Callable[[], str] = _now,
    ) -> None:
        self.scenario: Scenario = load(scenario)
        self.seed = int(seed)
        self._clock = clock
        self.started_at = clock()
        self._records: list[_Record] = []
        self.turns: list[Turn] = []
        self._state = self._initial_state()

    # -- state ------------------------------------------------------------------------------
    def _initial_state(self) -> _State:
        sc = self.scenario
        state = _State(node=sc.start, trust=sc.initial_trust.as_dict())
        for opp in sc.node(sc.start).raises:
            state.open_opps[opp] = 0
        return state

    @property
    def node(self):  # -> Node
        return self.scenario.node(self._state.node)

    @property
    def options(self) -> list[Option]:
        return [] if self.finished else list(self.node.options)

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
    def choices(self) -> dict[str, str]:
        """Decision id -> chosen decision option id."""
        return dict(self._state.choices)

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

    # -- playing ----------------------------------------------------------------------------
    def _resolve(self, choice: int | str | Option) -> Option:
        if self.finished:
            raise TrustkitError("the encounter has ended; restart or undo to go on.")
        options = self.node.options
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
        """Play one turn: ``choice`` is a 0-based index or an option id at the current node.

        ``text`` is the learner's own typed words when the option was matched from free text.
        """
        option = self._resolve(choice)
        record = _Record(self._state.node, option.id, text, self._clock(), hint_used, thought_shown)
        turn = self._apply(option, text)
        self._records.append(record)
        self.turns.append(turn)
        return turn

    def _apply(self, option: Option, text: str | None) -> Turn:
        sc = self.scenario
        st = self._state
        index = len(self.turns) + 1
        node = sc.node(st.node)
        before = dict(st.trust)

        # remembered remarks: remember first, so the remark's own gain is not damped
        n_mem = len(st.memory)
        factor = MEMORY_GAIN_FACTOR**n_mem
        if option.remembered:
            st.memory.append(option.remembered)
        ceiling = max(0.0, 100.0 - MEMORY_CEILING_COST * len(st.memory))
        after: dict[str, float] = {}
        for dim, delta in option.effects.as_dict().items():
            change = delta * factor if delta > 0 else delta
            after[dim] = round(min(ceiling, max(0.0, before[dim] + change)), 6)
        st.trust = after
        now = overall(after)

        # disclosure: the learner opened the way and trust is high enough
        disclosed: list[str] = []
        withheld: list[str] = []
        for fact_id in option.opens:
            if fact_id in st.disclosed:
                continue
            if now >= sc.fact(fact_id).threshold:
                st.disclosed.append(fact_id)
                disclosed.append(fact_id)
            else:
                withheld.append(fact_id)
                if fact_id not in st.withheld:
                    st.withheld.append(fact_id)

        # empathic opportunities open before this reply
        met: list[str] = []
        missed: list[str] = []
        empathic = bool(EMPATHIC_SKILLS.intersection(option.skills))
        for opp_id, raised_after in list(st.open_opps.items()):
            if opp_id in option.meets or empathic:
                met.append(opp_id)
            elif index - raised_after >= sc.opportunity(opp_id).window:
                missed.append(opp_id)
            else:
                continue
            del st.open_opps[opp_id]
        st.met.extend(met)
        st.missed.extend(missed)

        if option.choice is not None and node.decision is not None:
            st.choices[node.decision] = option.choice

        target = option.next
        for branch in option.branches:
            if now >= branch.min_trust:
                target = branch.next
                break

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
        )

    # -- free text --------------------------------------------------------------------------
    def interpret(self, text: str) -> Interpretation:
        """Analyse a typed reply and rank the current node's options by how well they match."""
        from trustkit.analyzer import analyze, match_score

        analysis = analyze(text)
        ranked = []
        for opt in self.options:
            score, reasons = match_score(analysis, opt.skills)
            ranked.append((opt, score, reasons))
        ranked.sort(key=lambda r: -r[1])  # stable: authored order breaks no ties silently
        return Interpretation(text=text, analysis=analysis, ranked=ranked)

    def say(self, text: str, **flags: bool) -> Turn:
        """Play a typed reply: it is mapped to the closest authored option by its codes.

        Raises :class:`AmbiguousReply` when two or more options fit equally well (the learner
        then picks one and calls :meth:`step` with ``text=``), and :class:`TrustkitError` when
        nothing in the reply matches any option.
        """
        if not text or not text.strip():
            raise TrustkitError("type a reply first.")
        interp = self.interpret(text)
        if len(interp.tied) > 1:
            raise AmbiguousReply(interp)
        if interp.best is None:
            raise TrustkitError(
                "I could not match your reply to anything the patient can respond to here; "
                "try rephrasing it or pick one of the options."
            )
        return self.step(interp.best, text=text, **flags)

    # -- undo, restart ----------------------------------------------------------------------
    def undo(self) -> Turn | None:
        """Take back the last turn (the encounter is rebuilt from the start, deterministically)."""
        if not self._records:
            return None
        records = self._records[:-1]
        undone = self.turns[-1]
        self._rebuild(records)
        return undone

    def restart(self) -> None:
        self._rebuild([])

    def _rebuild(self, records: list[_Record]) -> None:
        self._records = []
        self.turns = []
        self._state = self._initial_state()
        for rec in records:
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


def _expect(cond: bool, reason: str) -> None:
    if not cond:
        raise ReplayError(reason)


def replay(transcript: dict[str, Any], scenario: Scenario | str | None = None) -> Encounter:
    """Rebuild an encounter from a transcript, checking that the engine reproduces it exactly.

    Raises :class:`ReplayError` with the reason when the transcript is malformed, belongs to a
    different scenario or version, or records trust values the engine does not produce (an
    edited transcript).
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
    sid = meta.get("id")
    _expect(isinstance(sid, str) and bool(sid), "the transcript's scenario id is missing.")
    try:
        sc = load(scenario if scenario is not None else sid)
    except TrustkitError as exc:
        raise ReplayError(f"the transcript's scenario cannot be loaded: {exc}") from None
    _expect(sc.id == sid, f"the transcript is for scenario '{sid}', not '{sc.id}'.")
    _expect(
        meta.get("version") == sc.version,
        f"the transcript was made with version {meta.get('version')!r} of '{sid}', "
        f"but version {sc.version} is installed.",
    )
    _expect(
        meta.get("hash") == sc.content_hash(),
        f"the content of scenario '{sid}' differs from the one the transcript was made with.",
    )
    seed = transcript.get("seed", 0)
    _expect(isinstance(seed, int) and not isinstance(seed, bool), "the seed must be an integer.")
    turns = transcript.get("turns")
    _expect(isinstance(turns, list), "the transcript has no list of turns.")
    started = transcript.get("started_at")
    enc = Encounter(sc, seed=seed, clock=lambda: str(started))
    for i, rec in enumerate(turns, start=1):
        _expect(isinstance(rec, dict), f"turn {i} is not a JSON object.")
        _expect(not enc.finished, f"turn {i} comes after the encounter had already ended.")
        node = rec.get("node")
        _expect(
            node == enc.node.id,
            f"turn {i} says it was played at node {node!r}, but the engine is at '{enc.node.id}'.",
        )
        option = rec.get("option")
        _expect(
            isinstance(option, str) and option in {o.id for o in enc.options},
            f"turn {i} chooses {option!r}, which is not an option at node '{enc.node.id}'.",
        )
        text = rec.get("text")
        _expect(text is None or isinstance(text, str), f"turn {i}'s typed text is not text.")
        at = rec.get("at")
        enc._clock = lambda at=at: str(at)
        turn = enc.step(
            option,
            text=text,
            hint_used=bool(rec.get("hint_used", False)),
            thought_shown=bool(rec.get("thought_shown", False)),
        )
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
    return enc


def play(scenario: Scenario | str, choices: Iterable[int | str], seed: int = 0) -> Encounter:
    """Play a sequence of choices (0-based indexes or option ids) and return the encounter."""
    enc = Encounter(scenario, seed=seed)
    for i, choice in enumerate(choices, start=1):
        if enc.finished:
            raise TrustkitError(f"choice {i} comes after the encounter has ended.")
        enc.step(choice)
    return enc
