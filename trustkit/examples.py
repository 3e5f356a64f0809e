"""Example encounters for rating practice: a short transcript, the instrument to rate it with, and
the course reference panel's ratings of each item.

Files live in ``trustkit/data/examples/<id>.yaml`` (format: see ``sinusitis-talk.yaml``). Loading
checks everything a learner would otherwise trip on later - the instrument exists, every item
of it has reference ratings on its scale, the panel has the same raters throughout - and says
what is wrong in one ``FILE:LINE`` sentence.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from trustkit._resources import data_files
from trustkit.errors import TrustkitError


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _RefItem(_Model):
    ratings: list[int] = Field(min_length=3)
    rationale: str = Field(min_length=1)


class _Reference(_Model):
    raters: list[str] = Field(min_length=3)
    items: dict[str, _RefItem]


class _RawExample(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    context: str
    instrument: str
    lines: list[tuple[Literal["clinician", "patient"], str]] = Field(min_length=2)
    reference: _Reference


@dataclass(frozen=True)
class ExampleEncounter:
    """A rated example: the transcript and, per instrument item, the panel's ratings."""

    id: str
    title: str
    context: str
    instrument: str
    lines: tuple[tuple[str, str], ...]
    raters: tuple[str, ...]
    ratings: dict[str, tuple[int, ...]]  # item id -> one rating per rater
    rationales: dict[str, str]

    @property
    def reference(self) -> dict[str, float]:
        """The panel's median per item (the reference a learner is compared with)."""
        return {i: float(statistics.median(r)) for i, r in self.ratings.items()}


def list_examples() -> list[str]:
    """The ids of the packaged example encounters."""
    return [f.name.removesuffix(".yaml") for f in data_files("examples", ".yaml")]


@cache
def load_example(example_id: str) -> ExampleEncounter:
    """Load and check ``trustkit/data/examples/<example_id>.yaml`` against its instrument."""
    known = list_examples()
    if example_id not in known:
        raise TrustkitError(
            f"there is no example encounter '{example_id}'; the examples are "
            f"{', '.join(known) or 'none'}."
        )
    from trustkit import loading

    parts = ("examples", f"{example_id}.yaml")
    return parse_example(loading.read_packaged(*parts), loading.packaged_source(*parts), example_id)


def load_example_file(path: str | Path) -> ExampleEncounter:
    """Load and check an example encounter file (an author's draft, say)."""
    from trustkit import loading

    p = Path(path)
    raw = loading.read_bytes(p, loading.MAX_YAML_BYTES, "example encounter file")
    return parse_example(raw, str(p), p.stem)


def parse_example(raw_bytes: bytes, source: str, expected_id: str) -> ExampleEncounter:
    """Validate an example's YAML; every problem is one ``FILE:LINE: ...`` sentence."""
    from trustkit import loading
    from trustkit.instruments import load_instrument

    data, lines = loading.read_yaml(raw_bytes, source)
    raw = loading.validate(_RawExample, data, source, lines, "example encounter")

    def fail(message: str, *loc: str) -> TrustkitError:
        return TrustkitError(message, source=source, line=loading.line_for(lines, loc))

    if raw.id != expected_id:
        raise fail(f"the id '{raw.id}' does not match the file.", "id")
    try:
        inst = load_instrument(raw.instrument)
    except TrustkitError as exc:
        raise fail(str(exc), "instrument") from None
    items = raw.reference.items
    missing = [i for i in inst.item_ids if i not in items]
    if missing:
        raise fail(
            f"no reference ratings for {inst.id} item(s) {', '.join(missing)}.",
            "reference",
            "items",
        )
    for item_id, ref in items.items():
        at = ("reference", "items", item_id)
        if item_id not in inst.item_ids:
            raise fail(f"'{item_id}' is not an item of {inst.id}.", *at)
        if len(ref.ratings) != len(raw.reference.raters):
            raise fail(
                f"item {item_id} has {len(ref.ratings)} ratings for "
                f"{len(raw.reference.raters)} raters.",
                *at,
            )
        bad = [v for v in ref.ratings if not inst.scale.min <= v <= inst.scale.max]
        if bad:
            raise fail(
                f"item {item_id} rating {bad[0]} is outside the {inst.id} scale "
                f"{inst.scale.min:g}-{inst.scale.max:g}.",
                *at,
            )
    return ExampleEncounter(
        id=raw.id,
        title=raw.title,
        context=raw.context,
        instrument=raw.instrument,
        lines=tuple((who, text) for who, text in raw.lines),
        raters=tuple(raw.reference.raters),
        ratings={i: tuple(items[i].ratings) for i in inst.item_ids},
        rationales={i: items[i].rationale for i in inst.item_ids},
    )
