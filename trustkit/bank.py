"""The reference response bank: clinicians' replies in context, rated by the course panel.

``trustkit/data/response_bank.yaml`` holds each reply with the patient's line before it and the
ratings of the three-member *course reference panel* (the course authors; a teaching
reference, not a validated study - see the file header). Two ratings per rater:

* ``quality`` 1-5 (1 harmful .. 5 excellent);
* ``empathy_level`` 0-6 on the ``empathy_level`` instrument, or ``None`` for every rater when
  the patient's line holds no empathic opportunity.

:func:`load_bank` returns :class:`BankItem` objects. The ``reference`` of an item is the
**median** of the panel's ratings (with three raters, always one of the ratings given, and
robust to one outlying rater). An item is a ``discussion_item`` when the panel disagrees
noticeably: the range (highest minus lowest) of its quality ratings, or of its empathy levels,
is 2 or more. Discussion items make good seminar material: there is a case for more than one
rating.

:func:`panel_agreement` reports the panel's own agreement (ICC(2,1) with its 95% CI, and
Krippendorff's ordinal alpha) so learners can see how far even the reference raters agree.

**Graded replies carry no ratings here.** The replies the problem sets ask learners to rate
for marks are in ``trustkit/data/graded_replies.yaml`` *without* any rating, rationale or skill
tag (:func:`graded_replies`); their reference ratings live only with the instructor (the hidden
tests of ``solutions/`` and ``solutions/reference_ratings.yaml``), so the rating task cannot be
copied from the installed package. :func:`load_bank` and the panel statistics cover the practice
bank only; :func:`get_item` finds a graded reply too, as a :class:`BankItem` with
``graded=True``, no ratings and no reference.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trustkit._resources import data_path
from trustkit.errors import TrustkitError
from trustkit.loading import FieldError

SOURCE = "trustkit/data/response_bank.yaml"
GRADED_SOURCE = "trustkit/data/graded_replies.yaml"
QUALITY_MIN, QUALITY_MAX = 1, 5
DISCUSSION_RANGE = 2
"""An item is a discussion item when the panel's ratings of it span at least this many points."""

FIELDS = ("quality", "empathy_level")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _RawItem(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    skills: list[str] = Field(min_length=1)
    nurse: str | None = None
    context: str = Field(min_length=3)
    patient: str = Field(min_length=2)
    reply: str = Field(min_length=2)
    quality: list[int] = Field(min_length=1)
    empathy_level: list[int] | None = None
    note: str = Field(min_length=3)

    @model_validator(mode="after")
    def _check(self) -> _RawItem:
        from trustkit.analyzer import NURSE_SUBTYPES
        from trustkit.instruments import load_instrument
        from trustkit.scenario import SKILLS

        unknown = [s for s in self.skills if s not in SKILLS]
        if unknown:
            raise ValueError(f"unknown skill code(s) {unknown}; see trustkit.scenario.SKILLS")
        if self.nurse is not None:
            if self.nurse not in NURSE_SUBTYPES:
                raise ValueError(f"nurse must be one of {list(NURSE_SUBTYPES)}")
            if self.empathy_level is None:
                raise ValueError("a NURSE subtype needs an empathic opportunity (empathy_level)")
        bad = [q for q in self.quality if not QUALITY_MIN <= q <= QUALITY_MAX]
        if bad:
            raise ValueError(f"quality rating(s) {bad} outside {QUALITY_MIN}-{QUALITY_MAX}")
        if self.empathy_level is not None:
            scale = load_instrument("empathy_level").scale
            bad = [e for e in self.empathy_level if not scale.min <= e <= scale.max]
            if bad:
                raise ValueError(f"empathy level(s) {bad} outside {scale.min}-{scale.max}")
            if len(self.empathy_level) != len(self.quality):
                raise ValueError("empathy_level needs one rating per rater, like quality")
        return self


class _RawBank(_Model):
    raters: list[str] = Field(min_length=2)
    items: list[_RawItem] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> _RawBank:
        if len(set(self.raters)) != len(self.raters):
            raise ValueError("two raters share an id")
        seen: set[str] = set()
        for i, item in enumerate(self.items):
            if item.id in seen:
                raise FieldError(f"the item id {item.id!r} is used twice", "items", i, "id")
            seen.add(item.id)
            if len(item.quality) != len(self.raters):
                raise FieldError(
                    f"item {item.id} has {len(item.quality)} quality ratings for "
                    f"{len(self.raters)} raters",
                    "items",
                    i,
                    "quality",
                )
        return self


@dataclass(frozen=True)
class BankItem:
    """One reply in context, with the panel's ratings and the reference derived from them."""

    id: str
    skills: tuple[str, ...]
    context: str
    patient: str
    reply: str
    ratings: dict[str, dict[str, int | None]]  # rater -> {"quality": q, "empathy_level": e}
    note: str
    nurse: str | None = None
    reference: dict[str, float | None] = field(default_factory=dict)
    graded: bool = False  # a graded reply: no ratings, no rationale, no tags in the package
    cue: bool | None = None  # a graded reply's "empathic opportunity" flag

    @property
    def opportunity(self) -> bool:
        """Whether the patient's line holds an empathic opportunity."""
        if self.cue is not None:
            return self.cue
        return self.reference.get("empathy_level") is not None

    @property
    def rationale(self) -> str:
        return self.note

    def values(self, name: str) -> list[int | None]:
        """The panel's ratings of ``name`` ("quality" or "empathy_level"), in rater order."""
        return [r[name] for r in self.ratings.values()]

    def spread(self, name: str) -> int | None:
        """Highest minus lowest panel rating of ``name`` (None if not rated)."""
        vals = [v for v in self.values(name) if v is not None]
        return max(vals) - min(vals) if vals else None

    @property
    def discussion_item(self) -> bool:
        """True when the panel's quality or empathy ratings span DISCUSSION_RANGE or more."""
        return any((self.spread(f) or 0) >= DISCUSSION_RANGE for f in FIELDS)


def _median(values: list[int]) -> float:
    return float(statistics.median(values))


@cache
def _load() -> tuple[tuple[str, ...], tuple[BankItem, ...]]:
    from trustkit import loading

    data, lines, source = loading.read_packaged_yaml("response_bank.yaml")
    raw = loading.validate(_RawBank, data, source, lines, "response bank")
    items = []
    for it in raw.items:
        emp = it.empathy_level or [None] * len(raw.raters)
        ratings = {
            r: {"quality": q, "empathy_level": e}
            for r, q, e in zip(raw.raters, it.quality, emp, strict=True)
        }
        items.append(
            BankItem(
                id=it.id,
                skills=tuple(it.skills),
                context=it.context,
                patient=it.patient,
                reply=it.reply,
                ratings=ratings,
                note=it.note,
                nurse=it.nurse,
                reference={
                    "quality": _median(it.quality),
                    "empathy_level": _median(it.empathy_level) if it.empathy_level else None,
                },
            )
        )
    return tuple(raw.raters), tuple(items)


def load_bank() -> list[BankItem]:
    """Every reply in the response bank, in file order."""
    return list(_load()[1])


def raters() -> list[str]:
    """The panel's rater ids, in the order of the ratings."""
    return list(_load()[0])


def get_item(item_id: str) -> BankItem:
    """One bank item by id (a graded reply too); an unknown id raises :class:`TrustkitError`."""
    for item in (*_load()[1], *_load_graded()):
        if item.id == item_id:
            return item
    raise TrustkitError(f"there is no reply with the id '{item_id}' in the response bank.")


class _GradedReply(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    context: str = Field(min_length=3)
    patient: str = Field(min_length=2)
    reply: str = Field(min_length=2)
    opportunity: bool


class _GradedFile(_Model):
    replies: list[_GradedReply] = Field(min_length=1)


@cache
def _load_graded() -> tuple[BankItem, ...]:
    from trustkit import loading

    if not data_path("graded_replies.yaml").is_file():
        return ()
    data, lines, source = loading.read_packaged_yaml("graded_replies.yaml")
    raw = loading.validate(_GradedFile, data, source, lines, "graded replies")
    practice = {i.id for i in _load()[1]}
    seen: set[str] = set()
    items = []
    for n, it in enumerate(raw.replies):
        if it.id in practice or it.id in seen:
            where = "the practice bank" if it.id in practice else "this file"
            raise TrustkitError(
                f"the reply id '{it.id}' is also in {where}.",
                source=source,
                line=loading.line_for(lines, ("replies", n, "id")),
            )
        seen.add(it.id)
        items.append(
            BankItem(
                id=it.id,
                skills=(),
                context=it.context,
                patient=it.patient,
                reply=it.reply,
                ratings={},
                note="",
                reference={"quality": None, "empathy_level": None},
                graded=True,
                cue=it.opportunity,
            )
        )
    return tuple(items)


def graded_replies(item_ids: Iterable[str] | None = None) -> list[BankItem]:
    """The replies used in graded rating tasks (no ratings), all or ``item_ids`` in that order.

    An id that is not a graded reply raises :class:`TrustkitError` naming it.
    """
    items = {i.id: i for i in _load_graded()}
    if item_ids is None:
        return list(items.values())
    wanted = list(item_ids)
    unknown = [i for i in wanted if i not in items]
    if unknown:
        raise TrustkitError(
            f"{GRADED_SOURCE}: no graded reply with the id(s) {', '.join(unknown)}."
        )
    return [items[i] for i in wanted]


class _RatingSets(_Model):
    """``trustkit/data/rating_sets.yaml``: set name -> the ids of its bank replies, in order."""

    sets: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")], list[str]]


@cache
def rating_sets() -> dict[str, list[str]]:
    """The named sets of bank replies in ``trustkit/data/rating_sets.yaml`` (empty if none).

    A broken file, or a set naming a reply the bank does not hold, is one :class:`TrustkitError`
    sentence naming the file and line.
    """
    from trustkit import loading

    if not data_path("rating_sets.yaml").is_file():
        return {}
    data, lines, source = loading.read_packaged_yaml("rating_sets.yaml")
    # the file is a bare mapping; validate it as the one field of a model, lines unchanged
    shifted = {("sets", *k): v for k, v in lines.items()}
    parsed = loading.validate(_RatingSets, {"sets": data}, source, shifted, "rating sets")
    known = {i.id for i in _load()[1]}
    for name, ids in parsed.sets.items():
        for n, item_id in enumerate(ids):
            if item_id not in known:
                raise TrustkitError(
                    f"set '{name}' names {item_id}, not in the bank.",
                    source=source,
                    line=loading.line_for(lines, (name, n)),
                )
    return {str(k): list(v) for k, v in parsed.sets.items()}


def paired_ratings(
    ratings: Mapping[str, Any], name: str = "quality", only: Iterable[str] | None = None
) -> tuple[dict[str, float], dict[str, float]]:
    """A learner's saved ratings (``{item id: {"quality": q, ...}}``) next to the panel's.

    Returns ``(learner, reference)``, two dicts over the same item ids: bank items with a
    reference for ``name`` that the learner gave a number; ``only`` (e.g. the revealed ids)
    restricts the items further. Anything else in ``ratings`` is ignored, never an error.
    """
    reference = {i.id: i.reference.get(name) for i in _load()[1]}
    wanted = None if only is None else set(only)
    learner: dict[str, float] = {}
    ref: dict[str, float] = {}
    for item_id, given in ratings.items():
        value = given.get(name) if isinstance(given, dict) else None
        panel = reference.get(item_id)
        if wanted is not None and item_id not in wanted:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool) and panel is not None:
            learner[item_id], ref[item_id] = float(value), float(panel)
    return learner, ref


def panel_agreement() -> dict[str, Any]:
    """The panel's agreement with itself, per rated field.

    ``{"raters": [...], "quality": {...}, "empathy_level": {...}}``, each field with
    ``n_items``, ``icc21`` (value, 95% CI, Koo & Li label), ``krippendorff_alpha_ordinal``,
    ``all_agree`` (share of items where every rater gave the same rating) and
    ``discussion_items`` (ids). Empathy is computed over the items with an opportunity only.
    """
    from trustkit.calibration import icc, krippendorff_alpha

    names, items = _load()
    out: dict[str, Any] = {"raters": list(names)}
    for name in FIELDS:
        rated = [i for i in items if i.values(name)[0] is not None]
        matrix = [[float(v) for v in i.values(name)] for i in rated]  # type: ignore[arg-type]
        result = icc(matrix)["ICC(2,1)"]
        out[name] = {
            "n_items": len(rated),
            "icc21": {"value": result.value, "ci95": result.ci95, "label": result.label},
            "krippendorff_alpha_ordinal": krippendorff_alpha(matrix, "ordinal"),
            "all_agree": sum(len(set(i.values(name))) == 1 for i in rated) / len(rated),
            "discussion_items": [i.id for i in rated if (i.spread(name) or 0) >= DISCUSSION_RANGE],
        }
    return out
