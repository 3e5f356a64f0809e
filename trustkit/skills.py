"""The skill vocabulary, read from its one home: ``trustkit/data/skills.yaml``.

Every module that needs to know about communication skills asks here: the scenario format and
lint (which codes exist), the engine (which skills are harmful, the hint's nudge), the analyzer
(which codes it detects, how a match is explained), the debrief, the topic rules and the
widgets (labels, marks). Nothing else defines a skill (``tests/test_skills.py`` checks).

Importing this module is cheap: the file is read (and YAML imported) on first use, then
cached. A broken vocabulary file is a packaging error, reported as one
:class:`~trustkit.errors.TrustkitError` naming the file and the skill.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from trustkit.errors import TrustkitError

SOURCE = "trustkit/data/skills.yaml"
EFFECTS: tuple[str, ...] = ("helpful", "harmful", "neutral")
ANALYZER_SETS: tuple[str, ...] = ("benchmarked", "extra")
_FIELDS = {
    "code",
    "label",
    "description",
    "effect",
    "empathic",
    "listening",
    "analyzer",
    "phrase",
    "read_as",
    "question_job",
    "hint",
}


@dataclass(frozen=True)
class Skill:
    """One communication skill (see the field list at the top of ``skills.yaml``)."""

    code: str
    label: str
    description: str
    effect: str
    empathic: bool = False
    listening: bool = False
    analyzer: str | None = None
    phrase: str | None = None
    read_as: str | None = None
    question_job: bool = False
    hint: str | None = None

    @property
    def harmful(self) -> bool:
        return self.effect == "harmful"

    @property
    def neutral(self) -> bool:
        return self.effect == "neutral"


def _text(entry: dict, name: str, where: str, *, required: bool = True) -> str | None:
    value = entry.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise TrustkitError(f"{where}: '{name}' must be a non-empty text.")
    return value.strip()


def _flag(entry: dict, name: str, where: str) -> bool:
    value = entry.get(name, False)
    if not isinstance(value, bool):
        raise TrustkitError(f"{where}: '{name}' must be true or false, not {value!r}.")
    return value


def _parse(doc: object) -> dict[str, Skill]:
    if not isinstance(doc, dict) or not isinstance(doc.get("skills"), list):
        raise TrustkitError(f"{SOURCE}: expected a mapping with a list of 'skills'.")
    out: dict[str, Skill] = {}
    for n, entry in enumerate(doc["skills"], start=1):
        where = f"{SOURCE}: skill {n}"
        if not isinstance(entry, dict):
            raise TrustkitError(f"{where}: expected a mapping of fields.")
        code = _text(entry, "code", where)
        where = f"{SOURCE}: skill {n} ({code})"
        unknown = set(entry) - _FIELDS
        if unknown:
            raise TrustkitError(
                f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}."
            )
        if code in out:
            raise TrustkitError(f"{where}: the code is defined twice.")
        effect = _text(entry, "effect", where)
        if effect not in EFFECTS:
            raise TrustkitError(f"{where}: effect must be one of {', '.join(EFFECTS)}.")
        analyzer = _text(entry, "analyzer", where, required=False)
        if analyzer is not None and analyzer not in ANALYZER_SETS:
            raise TrustkitError(f"{where}: analyzer must be one of {', '.join(ANALYZER_SETS)}.")
        skill = Skill(
            code=str(code),
            label=str(_text(entry, "label", where)),
            description=str(_text(entry, "description", where)),
            effect=str(effect),
            empathic=_flag(entry, "empathic", where),
            listening=_flag(entry, "listening", where),
            analyzer=analyzer,
            phrase=_text(entry, "phrase", where, required=False),
            read_as=_text(entry, "read_as", where, required=False),
            question_job=_flag(entry, "question_job", where),
            hint=_text(entry, "hint", where, required=False),
        )
        if skill.analyzer and not skill.phrase:
            raise TrustkitError(f"{where}: an analyzer code needs a 'phrase'.")
        if not skill.harmful and not skill.hint:
            raise TrustkitError(f"{where}: a {skill.effect} skill needs a 'hint'.")
        if skill.harmful and skill.hint:
            raise TrustkitError(f"{where}: a harmful skill is never hinted at; drop its 'hint'.")
        out[skill.code] = skill
    for skill in out.values():
        target = out.get(skill.read_as) if skill.read_as else None
        if skill.read_as and (target is None or not target.analyzer):
            raise TrustkitError(
                f"{SOURCE}: skill {skill.code}: read_as '{skill.read_as}' is not an analyzer code."
            )
    return out


@cache
def vocabulary() -> dict[str, Skill]:
    """Every skill by code, in the file's order (cached)."""
    from trustkit.loading import read_packaged_yaml

    doc, _lines, _source = read_packaged_yaml("skills.yaml")
    return _parse(doc)


def skills() -> tuple[Skill, ...]:
    """Every skill, in the vocabulary's order."""
    return tuple(vocabulary().values())


def codes() -> tuple[str, ...]:
    """Every skill code, in the vocabulary's order."""
    return tuple(vocabulary())


def get(code: str) -> Skill | None:
    """The skill ``code`` (an ``empathy:<subtype>`` code counts as ``empathy``), or None."""
    return vocabulary().get(str(code).split(":")[0])


def known(code: str) -> bool:
    return get(code) is not None


def label(code: str) -> str:
    """A short name for learners ("agenda setting"); an unknown code reads as its words."""
    skill = get(code)
    return skill.label if skill else str(code).replace("_", " ")


def description(code: str) -> str:
    skill = get(code)
    return skill.description if skill else str(code)


def is_harmful(code: str) -> bool:
    skill = get(code)
    return bool(skill and skill.harmful)


def is_neutral(code: str) -> bool:
    skill = get(code)
    return bool(skill and skill.neutral)


def is_empathic(code: str) -> bool:
    skill = get(code)
    return bool(skill and skill.empathic)


def is_listening(code: str) -> bool:
    skill = get(code)
    return bool(skill and skill.listening)


def hint(code: str) -> str | None:
    """The nudge towards ``code`` (None for a harmful or unknown skill)."""
    skill = get(code)
    return skill.hint if skill else None


@cache
def with_effect(effect: str) -> frozenset[str]:
    """The codes of one effect (``helpful``, ``harmful`` or ``neutral``)."""
    return frozenset(s.code for s in skills() if s.effect == effect)


@cache
def analyzer_codes(which: str | None = None) -> tuple[str, ...]:
    """The codes the analyzer detects, in order: ``benchmarked``, ``extra``, or both (None)."""
    return tuple(s.code for s in skills() if s.analyzer and (which is None or s.analyzer == which))
