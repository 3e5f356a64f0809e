"""Rating instruments as data, and their published scoring rules.

Each instrument is a YAML file in ``trustkit/data/instruments/<id>.yaml`` (validated by
:class:`Instrument` on load; a broken file raises :class:`TrustkitError` naming the file and
line). Item texts are in our own words, with citations: paraphrases of what each item is about,
or, for CollaboRATE (whose licence allows no adapted versions), a one-line description of each
official item, so that only answers collected on the official form are scored. See each file's
``licence_note``.

:func:`score` applies an instrument's scoring rule to one response set,
``{item id: value or None}``, where ``None`` means "not applicable" or "left blank". The rule
decides whether such a set can be scored; when it cannot, the result has ``score=None`` and a
``reason`` in one sentence. Bad input (an unknown item, a value off the scale, a fraction where
the scale has whole points) raises :class:`TrustkitError` instead.

Scoring rules (``scoring.rule`` in the file):

* ``sum_mean_imputed`` (CARE, Mercer et al. 2004): sum; up to ``max_missing`` blank or N/A
  items are replaced by the mean of the answered items; more: not scored.
* ``sum_scaled`` (OPTION-5, Barr et al. 2015): sum x ``factor``; every item needed.
* ``top_score`` (CollaboRATE, Barr et al. 2014): 1.0 if every item is at the scale maximum,
  else 0.0; :func:`score_many` adds the share of top scores.
* ``sum_rescaled`` (trust): reverse items turned round, sum rescaled to 0-100.
* ``percent_of_max`` (Calgary-Cambridge checklist): N/A items left out, percent of the maximum.
* ``single_item`` (empathy level): the value itself.

Also here: :func:`patient_care_rating`, the documented bridge from a simulated patient's state
to CARE answers, and :func:`self_vs_patient`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trustkit._resources import data_files
from trustkit.errors import TrustkitError
from trustkit.loading import FieldError

Rule = Literal[
    "sum_mean_imputed", "sum_scaled", "top_score", "sum_rescaled", "percent_of_max", "single_item"
]


# =============================================================================================
# The file format
# =============================================================================================
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Anchor(_Model):
    value: int
    label: str = Field(min_length=1)
    description: str | None = None


class Scale(_Model):
    min: int
    max: int
    integer: bool = True
    anchors: list[Anchor] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"scale max ({self.max}) must be above min ({self.min})")
        values = [a.value for a in self.anchors]
        if len(set(values)) != len(values):
            raise ValueError("two anchors share a value")
        bad = [v for v in values if not self.min <= v <= self.max]
        if bad:
            raise ValueError(f"anchor value(s) {bad} lie outside the scale {self.min}-{self.max}")
        return self


class Item(_Model):
    id: str = Field(pattern=r"^[1-9][0-9]*$")
    text: str = Field(min_length=3)
    reverse: bool = False
    stage: str | None = None
    dimension: str | None = None


class Stage(_Model):
    id: str
    label: str


class Scoring(_Model):
    rule: Rule
    range: tuple[float, float]
    description: str = Field(min_length=10)
    max_missing: int = Field(default=0, ge=0)
    factor: float = 1.0


class Instrument(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    construct_text: str = Field(alias="construct")  # "construct" would shadow a pydantic method
    respondent: Literal["patient", "observer", "clinician"]
    citations: list[str] = Field(min_length=1)
    licence_note: str
    prompt: str | None = None
    scale: Scale
    allow_na: bool
    na_label: str | None = None
    stages: list[Stage] = Field(default_factory=list)
    items: list[Item] = Field(min_length=1)
    scoring: Scoring

    @model_validator(mode="after")
    def _check(self) -> Instrument:
        ids = [i.id for i in self.items]
        expected = [str(n) for n in range(1, len(ids) + 1)]
        if ids != expected:
            wrong = next(i for i, (a, b) in enumerate(zip(ids, expected, strict=True)) if a != b)
            raise FieldError(
                f"item ids must be '1'..'{len(ids)}' in order, got {ids}", "items", wrong, "id"
            )
        if self.allow_na and not self.na_label:
            raise ValueError("an instrument that allows N/A needs an na_label")
        stage_ids = {s.id for s in self.stages}
        for i, item in enumerate(self.items):
            if self.stages and item.stage not in stage_ids:
                raise FieldError(
                    f"item {item.id}: stage {item.stage!r} is not one of {sorted(stage_ids)}",
                    "items",
                    i,
                    "stage",
                )
        if self.scoring.rule == "sum_mean_imputed" and not self.allow_na:
            raise ValueError("the sum_mean_imputed rule needs allow_na: true")
        if self.scoring.rule == "single_item" and len(self.items) != 1:
            raise ValueError("the single_item rule needs exactly one item")
        lo, hi = self.expected_range()
        if (lo, hi) != tuple(self.scoring.range):
            raise FieldError(
                f"scoring.range {list(self.scoring.range)} should be [{lo:g}, {hi:g}]",
                "scoring",
                "range",
            )
        return self

    @property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]

    def expected_range(self) -> tuple[float, float]:
        """The score range the rule produces on this scale."""
        n, lo, hi = len(self.items), self.scale.min, self.scale.max
        rule = self.scoring.rule
        if rule == "sum_mean_imputed":
            return (float(n * lo), float(n * hi))
        if rule == "sum_scaled":
            return (n * lo * self.scoring.factor, n * hi * self.scoring.factor)
        if rule == "top_score":
            return (0.0, 1.0)
        if rule in ("sum_rescaled", "percent_of_max"):
            return (0.0, 100.0)
        return (float(lo), float(hi))


# =============================================================================================
# Loading
# =============================================================================================
def validate_yaml(raw: bytes, source: str, model: type[BaseModel]) -> BaseModel:
    """Parse YAML bytes and validate them as ``model``; every problem is one ``FILE:LINE`` line."""
    return validate_located(raw, source, model)[0]


def validate_located(
    raw: bytes, source: str, model: type[BaseModel]
) -> tuple[BaseModel, dict[tuple[Any, ...], int]]:
    """:func:`validate_yaml`, also returning the key-path -> line map for later checks."""
    from trustkit import loading

    data, lines = loading.read_yaml(raw, source)
    return loading.validate(model, data, source, lines), lines


def list_instruments() -> list[str]:
    """The ids of the packaged instruments, sorted."""
    return [f.name.removesuffix(".yaml") for f in data_files("instruments", ".yaml")]


@cache
def load_instrument(instrument_id: str) -> Instrument:
    """Load and validate ``trustkit/data/instruments/<instrument_id>.yaml``."""
    known = list_instruments()
    if instrument_id not in known:
        raise TrustkitError(
            f"there is no instrument '{instrument_id}'; the instruments are {', '.join(known)}."
        )
    from trustkit import loading

    parts = ("instruments", f"{instrument_id}.yaml")
    source = loading.packaged_source(*parts)
    inst = validate_yaml(loading.read_packaged(*parts), source, Instrument)
    assert isinstance(inst, Instrument)
    if inst.id != instrument_id:
        raise TrustkitError(
            f"the id '{inst.id}' does not match the file name.", source=source, line=1
        )
    return inst


# =============================================================================================
# Scoring
# =============================================================================================
@dataclass(frozen=True)
class ScoreResult:
    """One scored response set. ``score`` is None when the set cannot be scored (see ``reason``)."""

    instrument: str
    score: float | None
    reason: str | None
    n_items: int
    n_answered: int
    n_missing: int  # blank or not applicable
    imputed: dict[str, float] = field(default_factory=dict)  # item -> value put in its place
    raw_sum: float | None = None  # before rescaling, reverse items turned round, after imputing
    missing_items: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["missing_items"] = list(self.missing_items)
        return d


def _check_value(inst: Instrument, item: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TrustkitError(
            f"{inst.id} item {item}: {value!r} is not a number (use a number or NA)."
        )
    v = float(value)
    if not math.isfinite(v):
        raise TrustkitError(f"{inst.id} item {item}: {value!r} is not a finite number.")
    if inst.scale.integer and not v.is_integer():
        raise TrustkitError(
            f"{inst.id} item {item}: {value!r} is not a whole number; the scale has whole points."
        )
    if not inst.scale.min <= v <= inst.scale.max:
        raise TrustkitError(
            f"{inst.id} item {item}: {value:g} is outside the scale "
            f"{inst.scale.min}-{inst.scale.max}."
        )
    return v


def _checked(inst: Instrument, responses: Mapping[str, Any]) -> dict[str, float | None]:
    known = set(inst.item_ids)
    out: dict[str, float | None] = {}
    for raw_item, value in responses.items():
        item = str(raw_item)
        if item not in known:
            raise TrustkitError(
                f"{inst.id} has no item '{item}'; its items are 1-{len(inst.items)}."
            )
        out[item] = _check_value(inst, item, value)
    return out


def score(instrument_id: str, responses: Mapping[str, float | None]) -> ScoreResult:
    """Score one response set ``{item id: value or None}`` by the instrument's rule.

    An item that is absent or ``None`` is missing (blank or not applicable); whether the set can
    still be scored depends on the rule (see the module docstring and the instrument file).
    For ``calgary`` every item must be present, with ``None`` meaning "not applicable".
    """
    inst = load_instrument(instrument_id)
    values = _checked(inst, responses)
    n = len(inst.items)
    answered = {i: v for i, v in values.items() if v is not None}
    missing = tuple(i for i in inst.item_ids if values.get(i) is None)
    rule = inst.scoring.rule
    base = {
        "instrument": inst.id,
        "n_items": n,
        "n_answered": len(answered),
        "n_missing": len(missing),
        "missing_items": missing,
    }

    def unscorable(reason: str) -> ScoreResult:
        return ScoreResult(score=None, reason=reason, **base)  # type: ignore[arg-type]

    def listing(items: tuple[str, ...]) -> str:
        return ", ".join(items)

    if rule == "sum_mean_imputed":
        limit = inst.scoring.max_missing
        if len(missing) > limit:
            return unscorable(
                f"{len(missing)} items are blank or not applicable ({listing(missing)}); "
                f"the rule allows at most {limit}, so this response set is not scored."
            )
        mean = sum(answered.values()) / len(answered)
        imputed = {i: mean for i in missing}
        total = sum(answered.values()) + mean * len(missing)
        return ScoreResult(score=total, reason=None, imputed=imputed, raw_sum=total, **base)  # type: ignore[arg-type]

    if rule in ("sum_scaled", "top_score", "sum_rescaled", "single_item") and missing:
        return unscorable(
            f"item(s) {listing(missing)} not answered; {inst.id} is scored only when every "
            "item is answered."
        )

    if rule == "sum_scaled":
        total = sum(answered.values())
        return ScoreResult(
            score=total * inst.scoring.factor,
            reason=None,
            raw_sum=total,
            **base,  # type: ignore[arg-type]
        )
    if rule == "top_score":
        top = all(v == inst.scale.max for v in answered.values())
        return ScoreResult(
            score=1.0 if top else 0.0,
            reason=None,
            raw_sum=sum(answered.values()),
            **base,  # type: ignore[arg-type]
        )
    if rule == "sum_rescaled":
        lo, hi = inst.scale.min, inst.scale.max
        reverse = {i.id for i in inst.items if i.reverse}
        total = sum((lo + hi - v) if i in reverse else v for i, v in answered.items())
        smin, smax = n * lo, n * hi
        return ScoreResult(
            score=(total - smin) / (smax - smin) * 100.0,
            reason=None,
            raw_sum=total,
            **base,  # type: ignore[arg-type]
        )
    if rule == "percent_of_max":
        absent = [i for i in inst.item_ids if i not in values]
        if absent:
            return unscorable(
                f"item(s) {listing(tuple(absent))} not rated; rate every item, "
                "or mark it NA if it did not apply."
            )
        if not answered:
            return unscorable("every item is marked not applicable, so there is nothing to score.")
        total = sum(answered.values())
        return ScoreResult(
            score=total / (inst.scale.max * len(answered)) * 100.0,
            reason=None,
            raw_sum=total,
            **base,  # type: ignore[arg-type]
        )
    # single_item
    (value,) = answered.values()
    return ScoreResult(score=value, reason=None, raw_sum=value, **base)  # type: ignore[arg-type]


def score_many(
    instrument_id: str, response_sets: Mapping[str, Mapping[str, float | None]]
) -> dict[str, Any]:
    """Score several response sets: ``{"instrument", "scores": {respondent: ScoreResult}}``.

    For a ``top_score`` instrument (CollaboRATE) the result also holds ``top_score_share``: the
    share of *scorable* sets with a top score (``None`` if none is scorable), and
    ``n_scored`` - sets that could not be scored are left out of the share.
    """
    inst = load_instrument(instrument_id)
    scores = {str(r): score(instrument_id, resp) for r, resp in response_sets.items()}
    out: dict[str, Any] = {"instrument": inst.id, "scores": scores}
    if inst.scoring.rule == "top_score":
        scored = [s.score for s in scores.values() if s.score is not None]
        out["top_score_share"] = sum(scored) / len(scored) if scored else None
        out["n_scored"] = len(scored)
    return out


# =============================================================================================
# The simulated patient's view, and self-assessment
# =============================================================================================
TRUST_DIMENSIONS = ("competence", "honesty", "caring", "autonomy")

CARE_DRIVERS: dict[str, str] = {
    "1": "caring",
    "2": "disclosure",
    "3": "empathy",
    "4": "caring",
    "5": "empathy",
    "6": "caring",
    "7": "competence",
    "8": "honesty",
    "9": "autonomy",
    "10": "autonomy",
}
"""Which part of the simulated patient's state drives each CARE item (see patient_care_rating)."""


def _to_care_point(percent: float) -> int:
    """0-100 -> 1-5: 1 + 4 x percent/100, rounded half up (0-12.4 -> 1, 12.5-37.4 -> 2, ...)."""
    return max(1, min(5, math.floor(1 + 4 * percent / 100 + 0.5)))


def patient_care_rating(
    trust: Mapping[str, float], facts_disclosed_ratio: float, empathy_met_ratio: float
) -> dict[str, int]:
    """How the simulated patient would answer the ten CARE items (an educational approximation).

    Each item is driven by one named part of the patient's state at the end of the encounter.
    Trust dimensions are 0-100; the two ratios (0-1) are taken as 0-100. The driver's value
    ``p`` becomes an answer ``1 + 4p/100`` rounded half up, so 0-12.4 gives 1, 12.5-37.4 gives
    2, 37.5-62.4 gives 3, 62.5-87.4 gives 4 and 87.5-100 gives 5.

    ==== ================================== ==========================================
    item what it is about (paraphrase)      driver
    ==== ================================== ==========================================
    1    courteous, so I felt comfortable   trust: caring
    2    room to tell my story              share of hidden facts disclosed
    3    kept attention on what I said      share of empathic opportunities met
    4    interest in my life beyond illness trust: caring
    5    grasped what worried me            share of empathic opportunities met
    6    showed they cared                  trust: caring
    7    hopeful and constructive           trust: competence
    8    explained clearly                  trust: honesty
    9    helped me feel able to manage      trust: autonomy
    10   worked out next steps with me      trust: autonomy
    ==== ================================== ==========================================

    The mapping is ours, chosen so that each CARE item moves with the part of the simulation
    that best stands for it; it is not a validated model of how patients answer.
    """
    missing = [d for d in TRUST_DIMENSIONS if d not in trust]
    if missing:
        raise TrustkitError(f"the patient's trust lacks the dimension(s) {', '.join(missing)}.")
    drivers: dict[str, float] = {}
    for d in TRUST_DIMENSIONS:
        v = trust[d]
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 100:
            raise TrustkitError(f"trust '{d}' must be a number from 0 to 100, got {v!r}.")
        drivers[d] = float(v)
    for name, ratio in (
        ("facts_disclosed_ratio", facts_disclosed_ratio),
        ("empathy_met_ratio", empathy_met_ratio),
    ):
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 <= ratio <= 1:
            raise TrustkitError(f"{name} must be a number from 0 to 1, got {ratio!r}.")
    drivers["disclosure"] = 100.0 * facts_disclosed_ratio
    drivers["empathy"] = 100.0 * empathy_met_ratio
    return {item: _to_care_point(drivers[d]) for item, d in CARE_DRIVERS.items()}


SELF_GAP_TOLERANCE = 5.0
"""A CARE gap (self minus patient) of at most this many points (of 10-50) counts as close."""

DAVIS_2006 = (
    "Davis DA, Mazmanian PE, Fordis M, et al. Accuracy of physician self-assessment compared "
    "with observed measures of competence: a systematic review. JAMA. 2006;296(9):1094-102."
)


def self_vs_patient(
    self_responses: Mapping[str, float | None], patient_responses: Mapping[str, float | None]
) -> dict[str, Any]:
    """The learner's own CARE answers against the (simulated) patient's, with a teaching message.

    Returns ``{"self": ScoreResult, "patient": ScoreResult, "gap": self - patient or None,
    "direction": "over" | "under" | "close" | None, "message": str, "citation": str}``. A gap
    within :data:`SELF_GAP_TOLERANCE` points counts as close.
    """
    mine = score("care", self_responses)
    theirs = score("care", patient_responses)
    if mine.score is None or theirs.score is None:
        which = "your own" if mine.score is None else "the patient's"
        why = (mine if mine.score is None else theirs).reason
        return {
            "self": mine,
            "patient": theirs,
            "gap": None,
            "direction": None,
            "message": f"The comparison cannot be made because {which} CARE answers could not be "
            f"scored: {why}",
            "citation": DAVIS_2006,
        }
    gap = mine.score - theirs.score
    if gap > SELF_GAP_TOLERANCE:
        direction = "over"
        message = (
            f"You rated yourself {gap:.0f} points higher on CARE than the patient did; "
            "clinicians' self-assessments often miss how they come across (Davis et al. 2006), "
            "so let the patient's view guide what you practise next."
        )
    elif gap < -SELF_GAP_TOLERANCE:
        direction = "under"
        message = (
            f"You rated yourself {-gap:.0f} points lower on CARE than the patient did; "
            "self-assessment is unreliable in both directions (Davis et al. 2006), and here the "
            "patient valued more of what you did than you noticed."
        )
    else:
        direction = "close"
        message = (
            "Your CARE rating of yourself is close to the patient's; that is less common than "
            "people expect (Davis et al. 2006), so keep checking it against the patient's view."
        )
    return {
        "self": mine,
        "patient": theirs,
        "gap": gap,
        "direction": direction,
        "message": message,
        "citation": DAVIS_2006,
    }
