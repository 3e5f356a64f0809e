"""The scenario file format: pydantic models, safe loading with line numbers, JSON Schema.

A scenario is a YAML file (``trustkit/data/scenarios/<id>.yaml``). Loading is defensive:

- the bytes must be UTF-8 and at most :data:`MAX_FILE_BYTES` long;
- YAML anchors and aliases are refused (they are the vehicle of "billion laughs" bombs and a
  scenario never needs them), as are duplicate keys in a mapping;
- the document is validated by :class:`Scenario`; every error is reported as
  ``FILE:LINE: message`` using the line of the offending YAML node.

The trust model: four dimensions (``competence``, ``honesty``, ``caring``, ``autonomy``, after
Hall et al. 2001, Milbank Q 79:613), each 0-100; the overall trust is their mean.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trustkit import loading
from trustkit import skills as _skills
from trustkit._resources import data_files
from trustkit.errors import TrustkitError
from trustkit.loading import FieldError, line_for

MAX_FILE_BYTES = loading.MAX_YAML_BYTES
"""Largest scenario file accepted (4 MiB). A 10,000-node generated scenario fits well inside."""

DIMENSIONS: tuple[str, ...] = ("competence", "honesty", "caring", "autonomy")
"""Trust dimensions (Hall et al. 2001). ``autonomy`` stands for respect for the patient's autonomy."""

SKILLS: dict[str, str] = {s.code: s.description for s in _skills.skills()}
"""The skill vocabulary (code -> description), from ``trustkit/data/skills.yaml`` via
:mod:`trustkit.skills`. Scenario options may only use these codes (``trustkit lint`` checks)."""

NEGATIVE_SKILLS: frozenset[str] = _skills.with_effect("harmful")
"""Skills that harm trust; the debrief counts them against the learner."""

NEUTRAL_SKILLS: frozenset[str] = _skills.with_effect("neutral")
"""Skills that are neither good nor bad in themselves; the debrief counts them, scores nothing."""

EMPATHIC_SKILLS: frozenset[str] = frozenset(s.code for s in _skills.skills() if s.empathic)
"""Skills that can answer an empathic opportunity. They answer one only when the option is
authored for that cue (``meets``); showing the skill alone never meets a cue."""

SAFETY_FLOOR = 20.0
"""Overall trust above which a safety-critical fact (``safety: true``) is disclosed to a
direct, compassionate question, whatever its ordinary threshold."""

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Effects(_Model):
    """Change in each trust dimension (points on the 0-100 scale) when an option is chosen."""

    competence: float = Field(0, ge=-50, le=50)
    honesty: float = Field(0, ge=-50, le=50)
    caring: float = Field(0, ge=-50, le=50)
    autonomy: float = Field(0, ge=-50, le=50)

    def as_dict(self) -> dict[str, float]:
        return {d: float(getattr(self, d)) for d in DIMENSIONS}

    @property
    def overall(self) -> float:
        return sum(self.as_dict().values()) / len(DIMENSIONS)


class TrustLevels(_Model):
    """Level of each trust dimension on the 0-100 scale."""

    competence: float = Field(ge=0, le=100)
    honesty: float = Field(ge=0, le=100)
    caring: float = Field(ge=0, le=100)
    autonomy: float = Field(ge=0, le=100)

    def as_dict(self) -> dict[str, float]:
        return {d: float(getattr(self, d)) for d in DIMENSIONS}


class LearningObjective(_Model):
    id: Slug
    text: Text
    skills: list[str] = Field(min_length=1)


class Patient(_Model):
    name: Text
    age: int = Field(ge=0, le=120)
    gender: Text
    setting: Text
    reason_for_visit: Text
    health_literacy: Literal["low", "moderate", "high"]
    what_matters: list[Text] = Field(min_length=1)
    language: Text = "English"
    background: Text | None = None


class Condition(_Model):
    """What must have happened for a line, option, branch or ending to be reachable.

    All listed items must hold: every fact disclosed (and none of ``not_facts``), every option
    chosen (``node/option`` or a bare option id chosen at any node; none of ``not_options``),
    every opportunity met, no
    remark remembered when ``no_remarks`` is true, and overall trust at least ``min_trust``.
    """

    facts: list[Slug] = Field(default_factory=list)
    not_facts: list[Slug] = Field(
        default_factory=list, description="Facts that must NOT have been disclosed."
    )
    options: list[
        Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)?$")]
    ] = Field(default_factory=list)
    not_options: list[
        Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)?$")]
    ] = Field(default_factory=list, description="Options that must NOT have been chosen.")
    met: list[Slug] = Field(default_factory=list)
    no_remarks: bool = False
    min_trust: float | None = Field(None, ge=0, le=100)


class Branch(_Model):
    """A conditional route: taken when overall trust (after the step) is at least ``min_trust``
    and ``requires`` (if given) holds."""

    min_trust: float = Field(0, ge=0, le=100)
    requires: Condition | None = None
    next: Slug


class Option(_Model):
    """Something the learner can say at a node."""

    id: Slug
    text: Text
    skills: list[str] = Field(min_length=1)
    reason: Text = Field(description="Why a tutor would praise or question this reply.")
    effects: Effects = Effects()
    next: Slug = Field(description="Node or ending reached (unless a branch applies first).")
    branches: list[Branch] = Field(
        default_factory=list,
        description="Checked in order; the first whose min_trust is reached wins over `next`.",
    )
    opens: list[Slug] = Field(
        default_factory=list, description="Hidden facts this reply invites the patient to share."
    )
    meets: list[Slug] = Field(
        default_factory=list,
        description="Empathic opportunities this reply answers (empathy/reflection skills also do).",
    )
    remembered: Text | None = Field(
        None,
        description="A judgmental or dismissive remark the patient remembers, at a lasting cost.",
    )
    choice: Slug | None = Field(
        None, description="The decision option this reply settles on, at a decision node."
    )
    requires: Condition | None = Field(
        None, description="The option is offered only when this holds (e.g. a fact was told)."
    )
    mentions: list[Slug] = Field(
        default_factory=list,
        description="Facts this reply presumes the patient told; lint checks `requires` covers them.",
    )
    keywords: list[Annotated[str, Field(min_length=2, max_length=40)]] = Field(
        default_factory=list,
        description="Topic words a typed reply must touch to be matched to this option "
        "(added to the content words of `text`).",
    )


class Node(_Model):
    id: Slug
    patient: Text | list[Text] = Field(
        description="What the patient says on arriving here; a list gives variants picked by seed."
    )
    thought: Text | None = Field(None, description="What the patient thinks but does not say.")
    raises: list[Slug] = Field(
        default_factory=list, description="Empathic opportunities the patient raises here."
    )
    decision: Slug | None = Field(None, description="The decision point settled at this node.")
    requires: Condition | None = Field(
        None, description="Reached only when this holds; otherwise the engine goes to `otherwise`."
    )
    otherwise: Slug | None = Field(
        None, description="Node or ending reached instead when `requires` does not hold."
    )
    mentions: list[Slug] = Field(
        default_factory=list, description="Facts the patient's line presumes were told."
    )
    aside: Text | None = Field(
        None,
        description="In-character reply to a typed reply that shows a skill but is about none of "
        "the options here (the topic does not advance).",
    )
    options: list[Option] = Field(min_length=1)

    def variants(self) -> list[str]:
        return [self.patient] if isinstance(self.patient, str) else list(self.patient)


class Fact(_Model):
    """Something the patient discloses only when trust allows and the learner opens the way."""

    id: Slug
    text: Text = Field(description="The fact, as a clinician would note it.")
    disclosure: Text = Field(description="What the patient says when disclosing it.")
    threshold: float = Field(ge=0, le=100, description="Overall trust needed to disclose.")
    importance: Literal["low", "moderate", "high"]
    why_it_matters: Text
    example_question: Text = Field(description="A reply that would have opened the way.")
    safety: bool = Field(
        False,
        description="Suicide, self-harm or safeguarding: disclosed to a direct, compassionate "
        "question at any trust above the safety floor.",
    )
    what_helps: Text | None = Field(
        None,
        description="In words, what would have made it safe to tell (shown when it stayed hidden).",
    )


class Opportunity(_Model):
    """An empathic opportunity (Bylund & Makoul 2005): emotion, challenge or progress."""

    id: Slug
    kind: Literal["emotion", "challenge", "progress"]
    cue: Text = Field(description="What the patient voices.")
    window: int = Field(2, ge=1, le=5, description="Learner turns within which a reply counts.")
    example_response: Text
    expected: bool = Field(
        True,
        description="A good path raises this cue: it counts in the opportunities score even when "
        "the learner steered around it. False for cues only a poor path raises.",
    )


class DecisionOption(_Model):
    id: Slug
    label: Text
    fits_values: bool = Field(
        description="Whether this option fits what matters to the patient (when `fits_if` is "
        "absent or holds)."
    )
    fits_if: Condition | None = Field(
        None,
        description="The option fits only when this holds at the end (e.g. a disclosure that "
        "changes what suits the patient); otherwise it does not fit.",
    )
    note: Text


class Decision(_Model):
    """A preference-sensitive decision (Elwyn et al. 2017, three-talk model)."""

    id: Slug
    question: Text
    patient_values: list[Text] = Field(min_length=1)
    options: list[DecisionOption] = Field(min_length=2)


class Ending(_Model):
    id: Slug
    title: Text
    patient: Text
    outcome: Text
    quality: Literal["good", "mixed", "poor"]
    requires: Condition | None = Field(
        None, description="Reached only when this holds; otherwise the engine goes to `otherwise`."
    )
    otherwise: Slug | None = Field(
        None, description="Ending (or node) reached instead when `requires` does not hold."
    )
    mentions: list[Slug] = Field(
        default_factory=list, description="Facts the ending's text presumes were told."
    )


class Scenario(_Model):
    """A complete encounter: patient, dialogue graph, hidden facts, opportunities, endings."""

    format: Literal[1] = 1
    id: Slug
    title: Text
    version: Annotated[str, Field(pattern=r"^\d+(\.\d+){0,2}$")]
    summary: Text
    learning_objectives: list[LearningObjective] = Field(min_length=1)
    patient: Patient
    initial_trust: TrustLevels = Field(description="Starting level of each trust dimension.")
    start: Slug
    nodes: list[Node] = Field(min_length=1)
    facts: list[Fact] = Field(default_factory=list)
    opportunities: list[Opportunity] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    endings: list[Ending] = Field(min_length=1)
    references: list[Text] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_unique(self) -> Scenario:
        """Ids are unique; a duplicate is reported at its own line (:class:`FieldError`)."""
        seen: dict[str, str] = {}
        for field, kind, items in (
            ("nodes", "node", self.nodes),
            ("endings", "ending", self.endings),
        ):
            for i, item in enumerate(items):
                if item.id in seen:
                    raise FieldError(
                        f"duplicate id '{item.id}' ({seen[item.id]} and {kind})", field, i, "id"
                    )
                seen[item.id] = kind
        for field, kind, items in (
            ("facts", "fact", self.facts),
            ("opportunities", "opportunity", self.opportunities),
            ("decisions", "decision", self.decisions),
            ("learning_objectives", "learning objective", self.learning_objectives),
        ):
            ids: set[str] = set()
            for i, item in enumerate(items):
                if item.id in ids:
                    raise FieldError(f"duplicate {kind} id '{item.id}'", field, i, "id")
                ids.add(item.id)
        for ni, node in enumerate(self.nodes):
            ids = set()
            for oi, opt in enumerate(node.options):
                if opt.id in ids:
                    raise FieldError(
                        f"duplicate option id '{opt.id}' in node '{node.id}'",
                        "nodes",
                        ni,
                        "options",
                        oi,
                        "id",
                    )
                ids.add(opt.id)
        for di, dec in enumerate(self.decisions):
            ids = set()
            for oi, opt in enumerate(dec.options):
                if opt.id in ids:
                    raise FieldError(
                        f"duplicate option id '{opt.id}' in decision '{dec.id}'",
                        "decisions",
                        di,
                        "options",
                        oi,
                        "id",
                    )
                ids.add(opt.id)
        return self

    # -- convenient lookups (computed, not stored) -------------------------------------------
    def node(self, node_id: str) -> Node:
        return self._lookup[0][node_id]

    def ending(self, ending_id: str) -> Ending:
        return self._lookup[1][ending_id]

    def is_ending(self, target: str) -> bool:
        return target in self._lookup[1]

    def fact(self, fact_id: str) -> Fact:
        return self._lookup[2][fact_id]

    def opportunity(self, opp_id: str) -> Opportunity:
        return self._lookup[3][opp_id]

    def decision(self, decision_id: str) -> Decision:
        return self._lookup[4][decision_id]

    @cached_property
    def _lookup(self) -> tuple[dict, dict, dict, dict, dict]:
        """Id -> item maps, built once (pydantic leaves cached properties out of equality)."""
        return (
            {n.id: n for n in self.nodes},
            {e.id: e for e in self.endings},
            {f.id: f for f in self.facts},
            {o.id: o for o in self.opportunities},
            {d.id: d for d in self.decisions},
        )

    @property
    def skills(self) -> list[str]:
        """Skills this scenario practises (from its learning objectives), in order."""
        out: list[str] = []
        for lo in self.learning_objectives:
            out.extend(s for s in lo.skills if s not in out)
        return out

    def mechanics(self) -> dict[str, Any]:
        """The scenario without its prose: what decides how an encounter plays out.

        Ids, routes, effects, conditions, thresholds, windows, skills and topic keywords stay;
        dialogue, thoughts, reasons, titles, outcomes and references go. A typo fix or a
        corrected citation leaves the mechanics (and so :meth:`content_hash`) unchanged.
        """
        data = self.model_dump(mode="json")
        for key in ("title", "summary", "references", "version", "patient"):
            data.pop(key, None)
        data["learning_objectives"] = [
            {"id": lo["id"], "skills": lo["skills"]} for lo in data["learning_objectives"]
        ]
        for node in data["nodes"]:
            for key in ("patient", "thought", "aside"):
                node.pop(key, None)
            for opt in node["options"]:
                for key in ("text", "reason"):
                    opt.pop(key, None)
                opt["remembered"] = opt["remembered"] is not None
        for fact in data["facts"]:
            for key in ("text", "disclosure", "why_it_matters", "example_question", "what_helps"):
                fact.pop(key, None)
        for opp in data["opportunities"]:
            for key in ("cue", "example_response"):
                opp.pop(key, None)
        for dec in data["decisions"]:
            dec.pop("question", None)
            dec.pop("patient_values", None)
            dec["options"] = [
                {"id": o["id"], "fits_values": o["fits_values"], "fits_if": o.get("fits_if")}
                for o in dec["options"]
            ]
        for ending in data["endings"]:
            for key in ("title", "patient", "outcome"):
                ending.pop(key, None)
        return data

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of the scenario's :meth:`mechanics` (not its prose)."""
        payload = json.dumps(self.mechanics(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Loading with line numbers (the readers themselves live in trustkit.loading)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """A validated scenario plus the YAML line of each path, for error messages and lint."""

    scenario: Scenario
    source: str
    lines: dict[tuple[Any, ...], int]

    def line_of(self, *path: Any) -> int:
        return line_for(self.lines, path)


def read_yaml(raw: bytes | str, source: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse YAML safely; return the data and a map from key path to line number.

    Raises :class:`TrustkitError` (``source``, ``line``) for every kind of bad input; see
    :func:`trustkit.loading.read_yaml`.
    """
    return loading.read_yaml(raw, source, MAX_FILE_BYTES)


def iter_validation_problems(
    data: Any, lines: dict[tuple[Any, ...], int], source: str
) -> Iterator[tuple[int, str]]:
    """Yield ``(line, 'FILE:LINE: message')`` for each schema error, in file order."""
    for err in loading.problems(Scenario, data, source, lines, "scenario"):
        yield err.line or 1, str(err)


def validate(data: Any, lines: dict[tuple[Any, ...], int], source: str) -> Located:
    """Validate parsed YAML as a :class:`Scenario`; raise the first error as ``FILE:LINE``."""
    return Located(loading.validate(Scenario, data, source, lines, "scenario"), source, lines)


def load_file(path: str | Path) -> Located:
    """Load and validate one scenario file from disk (schema only; lint checks the graph)."""
    data, lines = loading.read_yaml_file(path, MAX_FILE_BYTES, "scenario file")
    return validate(data, lines, str(path))


def packaged_ids() -> list[str]:
    """Ids of the scenarios shipped in ``trustkit/data/scenarios``, sorted."""
    return [f.name.removesuffix(".yaml") for f in data_files("scenarios", ".yaml")]


_CACHE: dict[str, Located] = {}


def load_packaged(scenario_id: str) -> Located:
    """Load a packaged scenario by id (cached: packaged files do not change while running)."""
    if scenario_id in _CACHE:
        return _CACHE[scenario_id]
    if (
        not isinstance(scenario_id, str)
        or not loading.SLUG.match(scenario_id)
        or (scenario_id not in packaged_ids())
    ):
        known = ", ".join(packaged_ids())
        raise TrustkitError(f"there is no packaged scenario '{scenario_id}'; known: {known}.")
    parts = ("scenarios", f"{scenario_id}.yaml")
    source = loading.packaged_source(*parts)
    data, lines = read_yaml(loading.read_packaged(*parts, max_bytes=MAX_FILE_BYTES), source)
    located = validate(data, lines, source)
    _CACHE[scenario_id] = located
    return located


def load(ref: str | Path | Scenario) -> Scenario:
    """A scenario from a packaged id, a path to a scenario file, or a Scenario (returned as is).

    Which text is a path is decided by :func:`trustkit.loading.scenario_ref` (the rule
    ``lint`` and ``play`` share).
    """
    if isinstance(ref, Scenario):
        return ref
    kind, text = loading.scenario_ref(ref)
    if kind == "file":
        return load_file(text).scenario
    return load_packaged(text).scenario


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario format, for authors' editors."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "trustkit scenario"
    return schema
