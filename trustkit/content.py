"""The small packaged content kinds and their models: knowledge checks, practice prompts, jargon.

Each is a YAML list in ``trustkit/data/`` read through :mod:`trustkit.loading` and validated
item by item, so a broken file is one ``FILE:LINE:`` sentence at the item (a duplicate id at
the duplicate). Scenarios, instruments, the response bank, graded replies, rating sets and
example encounters have their models beside their modules (``scenario``, ``instruments``,
``bank``, ``examples``); they are read the same way.

Only the widgets and the analyzer's first analysis import this module (``import trustkit``
does not, so pydantic stays out of it).
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trustkit import loading
from trustkit.errors import TrustkitError
from trustkit.loading import FieldError


def _lesson(lesson: object) -> str:
    if not isinstance(lesson, str) or not loading.SLUG.match(lesson):
        raise TrustkitError(
            f"{lesson!r} is not a lesson name (lower-case letters, digits and hyphens)."
        )
    return lesson


Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Word = Annotated[str, Field(min_length=1, max_length=80)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(_Model):
    """One knowledge check: a question, its options, the right one(s), why."""

    id: Id
    question: Text
    options: list[Text] = Field(min_length=2)
    answer: int | list[int]
    feedback: list[Text] | None = None
    explanation: Text

    @model_validator(mode="after")
    def _check(self) -> Check:
        answers = [self.answer] if isinstance(self.answer, int) else self.answer
        if not answers:
            raise FieldError("at least one option must be right", "answer")
        for a in answers:
            if not 0 <= a < len(self.options):
                raise FieldError(
                    f"answer {a} is not an option index (0-{len(self.options) - 1})", "answer"
                )
        if self.feedback is not None and len(self.feedback) != len(self.options):
            raise FieldError(
                f"{len(self.feedback)} feedback line(s) for {len(self.options)} options",
                "feedback",
            )
        return self


class Prompt(_Model):
    """One practice prompt of the reply coach."""

    id: Id
    patient: Text
    aim: list[Id] = Field(description="Skill codes the reply must show ([]: only avoid).")
    tip: Text
    example: Text
    avoid: list[Id] | None = None

    @model_validator(mode="after")
    def _check(self) -> Prompt:
        if not self.aim and not self.avoid:
            raise FieldError("a prompt needs skill codes to aim for, or some to avoid", "aim")
        return self


class Term(_Model):
    """One jargon term, its plain-language gloss, and other spellings."""

    term: Word
    plain: Text
    variants: list[Word] = Field(default_factory=list)


_MODELS: dict[str, type[BaseModel]] = {"checks": Check, "practice": Prompt, "jargon": Term}


def _items(parts: tuple[str, ...], kind: str, what: str) -> list[Any]:
    data, lines, source = loading.read_packaged_yaml(*parts)
    items = loading.validate_items(_MODELS[kind], data, source, lines, what)
    if kind != "jargon":
        loading.unique_ids(items, "", what, source, lines)
    return items


def _dump(item: Any) -> dict[str, Any]:
    return item.model_dump(exclude_none=True)


@cache
def lesson_checks(lesson: str) -> dict[str, dict[str, Any]]:
    """The knowledge checks of a lesson (``trustkit/data/checks/<lesson>.yaml``), by id."""
    items = _items(("checks", f"{_lesson(lesson)}.yaml"), "checks", "question")
    return {i.id: _dump(i) for i in items}


@cache
def lesson_prompts(lesson: str) -> dict[str, dict[str, Any]]:
    """The practice prompts of a lesson (``trustkit/data/practice/<lesson>.yaml``), by id."""
    items = _items(("practice", f"{_lesson(lesson)}.yaml"), "practice", "prompt")
    return {i.id: _dump(i) for i in items}


@cache
def jargon_terms() -> list[dict[str, Any]]:
    """The jargon lexicon (``trustkit/data/jargon.yaml``): term, plain, variants."""
    return [_dump(i) for i in _items(("jargon.yaml",), "jargon", "term")]
