"""The typed payload of each kind of saved work (the ``data`` of a ``trustkit-work/`` file).

One pydantic model per kind (:data:`MODELS`), strict (a number is a number: ``"3"``, ``3.0``
and ``true`` are not an option index), and tolerant only of fields it does not know (kept, so a
newer widget's extra field survives). :func:`trustkit.work.load` migrates an older file
(:data:`MIGRATIONS`) and then validates it here; a file that does not validate is moved aside
with one message naming the file and the field, and the widget starts clean.

Schema versions of the envelope (``schema_version``):

- 1: the data as each widget wrote it, checked only by the widget reading it;
- 2: the same shapes, every field typed and checked on load; fields an older widget did not
  write are filled in by the migration (a role-play saved before assessment mode has no
  ``mode`` and ``attempt``: it was a practice, first attempt).

Imported by :mod:`trustkit.work` only when a file is read or written (pydantic is not cheap).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError


class _Payload(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


def _answer(value: Any) -> Any:
    """An answer: an option index, a list of them, text, a list of texts (the reply coach's
    attempts), or None (not answered)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("an option number cannot be negative")
        return value
    if isinstance(value, list):
        if all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
            return value
        if all(isinstance(v, str) for v in value):
            return value
    raise ValueError("an answer is an option number, a list of them, or text")


def _response(value: Any) -> Any:
    """An instrument item's answer: a scale value, "NA" (not applicable), or None."""
    if value is None or value == "NA":
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError('an answer is a number on the scale or "NA"')


Answer = Annotated[Any, AfterValidator(_answer)]
Response = Annotated[Any, AfterValidator(_response)]


class RoleplayWork(_Payload):
    """Kind ``roleplay`` (:class:`trustkit.widgets.RolePlay`): the transcript is replayed (and
    so checked) by the engine; the rest is the widget's own state."""

    scenario: str | None = None
    transcript: dict[str, Any] | None = None
    completed: bool = False
    hints_used: int = Field(0, ge=0)
    thoughts_shown: int = Field(0, ge=0)
    self_rating: dict[str, Response] | None = None
    mode: Literal["practice", "assessment"] = "practice"
    attempt: int = Field(1, ge=1)
    earlier: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    """Assessment only: the transcripts of attempts started again before their end (kept for
    the instructor; never graded)."""


class Rating(_Payload):
    """One reply's ratings. Whole numbers; whether one is on the scale is the panel's business
    (a value off its scale is shown as not rated, and graders score it as it is)."""

    quality: int | None = None
    empathy_level: int | None = None


class RatingsWork(_Payload):
    """Kind ``ratings`` (:class:`trustkit.widgets.RatingPanel`)."""

    ratings: dict[str, Rating] = Field(default_factory=dict)
    revealed: list[str] = Field(default_factory=list)


class AnswersWork(_Payload):
    """Kind ``answers`` (Answer, KnowledgeCheck, ReplyCoach: one file shared by many)."""

    answers: dict[str, Answer] = Field(default_factory=dict)


class InstrumentWork(_Payload):
    """Kinds ``encounter-rating`` and ``self-rating`` (EncounterRating, SelfRating)."""

    responses: dict[str, Response] = Field(default_factory=dict)
    compared: bool = False


MODELS: dict[str, type[_Payload]] = {
    "roleplay": RoleplayWork,
    "ratings": RatingsWork,
    "answers": AnswersWork,
    "encounter-rating": InstrumentWork,
    "self-rating": InstrumentWork,
}
"""The model of each kind. A kind not listed here is saved and read unchecked."""


def _v1_to_v2(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Fill in what an older widget did not write; never repairs a wrong type (that is moved
    aside by the validation that follows)."""
    data = dict(data)
    if kind == "roleplay":
        transcript = data.get("transcript")
        mode = transcript.get("mode") if isinstance(transcript, dict) else None
        data.setdefault("mode", mode if mode in ("practice", "assessment") else "practice")
        data.setdefault("attempt", 1)
        if "completed" not in data and isinstance(transcript, dict):
            data["completed"] = bool(transcript.get("ending"))
    elif kind == "ratings" and isinstance(data.get("ratings"), dict):
        data["ratings"] = {
            item: ({"quality": None, "empathy_level": None} | entry)
            if isinstance(entry, dict)
            else entry
            for item, entry in data["ratings"].items()
        }
    return data


MIGRATIONS: dict[int, Callable[[str, dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}
"""``MIGRATIONS[v]`` turns the data of a version-``v`` file into version ``v + 1``."""


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "data"


def problem(kind: str, data: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """Validate ``data`` of ``kind``: ``(normalised data, None)`` or ``(None, problem)``, the
    problem naming the first field that is wrong ("its field 'ratings.r1.quality' ...")."""
    model = MODELS.get(kind)
    if model is None:
        return data, None
    try:
        return model.model_validate(data).model_dump(mode="json"), None
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        message = str(error.get("msg", "is not valid"))
        message = message.removeprefix("Value error, ")
        message = message[:1].lower() + message[1:]
        return None, f"its field '{_where(tuple(error.get('loc', ())))}' is wrong: {message}"


def migrate(kind: str, version: int, data: dict[str, Any], target: int) -> dict[str, Any]:
    """The data of a version-``version`` file, migrated step by step to ``target``."""
    for v in range(version, target):
        step = MIGRATIONS.get(v)
        if step is not None:
            data = step(kind, data)
    return data
