"""The role-play criteria: what each one measures, how a replayed encounter scores on them,
and the weights each problem set grades its scenario with.

:func:`score_encounter` is the one rule: the grader applies it to a replayed role-play
(:func:`trustkit.grading.cells.roleplay_result`), ``trustkit audit`` and
:func:`trustkit.grading.instructor.model_path` measure with it, so they measure what is graded.

:data:`EXERCISE_CRITERIA` is a copy of the weights in the hidden tests of
``solutions/*/*.ipynb``, packaged so that ``trustkit audit`` can measure the exercises' own
criteria from a wheel (the solutions are not shipped). ``tests/grading/test_graded_replies.py`` fails
when this copy and the notebooks disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

CRITERIA: dict[str, str] = {
    "completed": "the encounter reached an ending",
    "facts": "share of the patient's hidden facts disclosed",
    "key_facts": "share of the high-importance hidden facts disclosed",
    "opportunities": "share of the empathic opportunities met in time (of those a good path "
    "raises, and any other that arose)",
    "decision": "the decision fits what matters to the patient",
    "ending": "quality of the ending (good 1, mixed 0.5, poor 0)",
    "respect": "no remark the patient holds against you (each one costs half)",
}
"""Role-play criteria, each scored 0..1 from the replayed encounter."""

DEFAULT_CRITERIA: dict[str, float] = {
    "completed": 1,
    "facts": 2,
    "opportunities": 2,
    "decision": 1,
    "ending": 1,
}
"""The weights of a role-play test that names no criteria."""

ENDING_CREDIT = {"good": 1.0, "mixed": 0.5, "poor": 0.0}

Criteria = Mapping[str, float] | Iterable[str] | None
"""Criteria as a test cell gives them: ``{name: weight}``, a list of names (weight 1 each), or
None (:data:`DEFAULT_CRITERIA`)."""


def criteria_weights(criteria: Criteria) -> dict[str, float]:
    """``{criterion: weight}`` of the positive weights; ValueError for an unknown criterion
    (the test cell's author's mistake, never the learner's)."""
    if criteria is None:
        return dict(DEFAULT_CRITERIA)
    if isinstance(criteria, Mapping):
        weights = {str(k): float(v) for k, v in criteria.items()}
    else:
        weights = {str(k): 1.0 for k in criteria}
    unknown = sorted(set(weights) - set(CRITERIA))
    if unknown:
        known = ", ".join(CRITERIA)
        raise ValueError(f"unknown role-play criteria {unknown}; known: {known}.")
    return {k: v for k, v in weights.items() if v > 0}


def criteria_credit(enc: Any, wanted: Iterable[str]) -> tuple[dict[str, float], dict[str, str]]:
    """Credit 0..1 and a short note for every applicable criterion (others are left out)."""
    sc = enc.scenario
    credit: dict[str, float] = {}
    notes: dict[str, str] = {}
    disclosed = set(enc.disclosed)
    for name in wanted:
        if name == "completed":
            credit[name] = 1.0 if enc.finished else 0.0
            notes[name] = "ending reached" if enc.finished else "not finished"
        elif name in ("facts", "key_facts"):
            facts = [f for f in sc.facts if name == "facts" or f.importance == "high"]
            if not facts:
                continue
            got = sum(1 for f in facts if f.id in disclosed)
            credit[name] = got / len(facts)
            notes[name] = f"{got} of {len(facts)} {'key ' if name == 'key_facts' else ''}facts"
        elif name == "opportunities":
            met = set(enc.opportunities_met)
            due = {o.id for o in sc.opportunities if o.expected} | set(enc.opportunities_raised)
            if not due:
                continue
            got = len(met & due)
            credit[name] = got / len(due)
            notes[name] = f"{got} of {len(due)} empathic opportunities met"
        elif name == "decision":
            if not sc.decisions:
                continue
            dec = sc.decisions[0]
            fits = enc.fits(dec.id)
            credit[name] = 1.0 if fits else 0.0
            notes[name] = (
                "no decision reached"
                if fits is None
                else ("decision fits the patient's values" if fits else "decision does not fit")
            )
        elif name == "ending":
            ending = enc.ending
            credit[name] = ENDING_CREDIT.get(ending.quality, 0.0) if ending else 0.0
            notes[name] = f"{ending.quality} ending" if ending else "no ending"
        elif name == "respect":
            n = len(enc.memory)
            credit[name] = max(0.0, 1.0 - 0.5 * n)
            notes[name] = "no remark held against you" if n == 0 else f"{n} remark(s) remembered"
    return credit, notes


def score_encounter(
    enc: Any, criteria: Criteria = None
) -> tuple[float, dict[str, float], dict[str, str]]:
    """The weighted fraction (0..1) an encounter earns on ``criteria``, with credit and notes.

    The same rule the grader applies to a replayed role-play (mode aside), so the audit and
    ``model_path`` measure exactly what is graded.
    """
    weights = criteria_weights(criteria)
    credit, notes = criteria_credit(enc, weights)
    total = sum(weights[c] for c in credit)
    fraction = sum(weights[c] * v for c, v in credit.items()) / total if total else 0.0
    return fraction, credit, notes


EXERCISE_CRITERIA: dict[str, dict[str, float]] = {
    "weekend-chest-pain": {
        "completed": 1,
        "facts": 2,
        "opportunities": 1,
        "decision": 1,
        "ending": 1,
    },
    "blood-pressure-review": {
        "completed": 1,
        "facts": 2,
        "opportunities": 1,
        "decision": 1,
        "ending": 1,
    },
    "new-diagnosis-parent": {"completed": 1, "facts": 1, "opportunities": 3, "ending": 1},
    "menopause-choices": {
        "completed": 1,
        "facts": 1,
        "opportunities": 1,
        "decision": 2,
        "ending": 1,
    },
    "missed-result": {
        "completed": 1,
        "facts": 2,
        "opportunities": 2,
        "decision": 1,
        "ending": 1,
        "respect": 1,
    },
}
"""Scenario id -> criterion -> weight, as in the problem sets' hidden tests."""
