"""The packaged scenario library meets the course's requirements (issues 2 and 3)."""

from __future__ import annotations

import pytest

from trustkit.lint import FK_GRADE_LIMIT, lint_located
from trustkit.scenario import load_packaged, packaged_ids

REFERENCE = ["lifestyle-disclosure", "knee-osteoarthritis"]
REQUIRED_TOPICS = {
    "lifestyle-disclosure": "why trust matters: lifestyle facts held back until trusted",
    "several-concerns": "active listening, agenda setting, interrupting costs",
    "delayed-result": "transparency about a delay or an error",
    "screen-distraction": "a clinician distracted by the screen",
    "anxious-grief": "empathy with an anxious or grieving patient",
    "knee-osteoarthritis": "shared decision-making (1)",
    "statin-decision": "shared decision-making (2)",
    "difficult-news": "difficult news (SPIKES)",
    "rebuilding-trust": "rebuilding trust after being dismissed",
    "teach-back": "low health literacy, teach-back",
    "interpreter-visit": "interpreter-mediated, cross-cultural visit",
    "adolescent-confidentiality": "adolescent confidentiality",
}


def test_library_size_and_topics() -> None:
    ids = packaged_ids()
    assert len(ids) >= 10, ids
    missing = sorted(set(REQUIRED_TOPICS) - set(ids))
    assert not missing, f"topics without a scenario: {missing}"


@pytest.mark.parametrize("sid", packaged_ids())
def test_scenario_meets_the_counts(sid: str) -> None:
    located = load_packaged(sid)
    sc = located.scenario
    report = lint_located(located)
    assert report.errors == [] and report.warnings == []
    assert len(sc.nodes) >= 15
    assert len({e.quality for e in sc.endings}) >= 2 and len(sc.endings) >= 3
    assert len(sc.facts) >= 2 and len(sc.opportunities) >= 2
    assert len(sc.decisions) >= 1
    assert sc.learning_objectives and sc.references
    assert report.stats["fk_grade"] <= FK_GRADE_LIMIT
    for node in sc.nodes:
        for opt in node.options:
            assert opt.skills and opt.reason


def test_patients_are_diverse() -> None:
    patients = [load_packaged(s).scenario.patient for s in packaged_ids()]
    assert len({p.gender for p in patients}) >= 2
    assert len({p.health_literacy for p in patients}) >= 2
    ages = [p.age for p in patients]
    assert min(ages) < 25 and max(ages) > 65
    assert len({p.language for p in patients}) >= 2


@pytest.mark.parametrize("sid", REFERENCE)
def test_reference_scenarios_have_a_good_path(sid: str) -> None:
    """A learner who always takes the most trust-building reply reaches a good ending."""
    from trustkit.engine import Encounter

    sc = load_packaged(sid).scenario
    enc = Encounter(sc)
    while not enc.finished and len(enc.turns) < 60:
        best = max(enc.options, key=lambda o: o.effects.overall)
        enc.step(best)
    assert enc.finished and enc.ending.quality == "good"
    assert enc.disclosed, "a trust-building path discloses at least one hidden fact"
