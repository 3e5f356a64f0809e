"""Debrief: skill scores, facts, opportunities, decision fit, and the cited adherence model."""

from __future__ import annotations

import math

import pytest

from trustkit.debrief import debrief
from trustkit.engine import Encounter, play
from trustkit.outcomes import estimate_adherence, estimate_disclosure

from .conftest import MINI_GOOD


def _odds(p: float) -> float:
    return p / (1 - p)


def test_adherence_model_reproduces_its_cited_effect_sizes() -> None:
    # Nguyen et al. 2009: +0.5 SD of trust -> odds of adherence x1.36 (SD taken as 20 points)
    assert _odds(estimate_adherence(60, False)) / _odds(estimate_adherence(50, False)) == (
        pytest.approx(1.36)
    )
    # Zolnierek & DiMatteo 2009: OR 1.62, here for a decision that fits the patient's values
    assert _odds(estimate_adherence(50, True)) / _odds(estimate_adherence(50, False)) == (
        pytest.approx(1.62)
    )
    # Safran et al. 1998: 16.8% and 44.0%; middling trust sits halfway on the logit scale
    mid = (math.log(0.168 / 0.832) + math.log(0.44 / 0.56)) / 2
    assert estimate_adherence(50, False) == pytest.approx(1 / (1 + math.exp(-mid)))
    assert 0.168 < estimate_adherence(50, False) < 0.44
    # monotone in trust
    values = [estimate_adherence(t, False) for t in range(0, 101, 10)]
    assert values == sorted(values)


def test_good_path_debrief(mini) -> None:
    d = debrief(play(mini, MINI_GOOD))
    assert d.finished and d.ending["id"] == "good-end" and d.ending["quality"] == "good"
    assert [f.id for f in d.facts_disclosed] == ["smoking", "weight"]
    assert [f.disclosed_at for f in d.facts_disclosed] == [3, 4]
    assert d.facts_missed == []
    assert {o.id for o in d.opportunities_met} == {"worry-fuss", "tired", "job"}
    assert d.decision["chosen"] == "xray-now" and d.decision["fits_values"] is True
    assert d.trajectory == [52.5, 54.5, 57.5, 58.25, 59.75, 63.0]
    assert d.disclosure_turns == [3, 4]
    assert d.adherence == pytest.approx(estimate_adherence(63.0, True))
    skills = {s.skill: s for s in d.skills}
    # open_question was on offer at 'opening' and 'habits' and chosen both times
    assert (skills["open_question"].offered, skills["open_question"].shown) == (2, 2)
    assert skills["open_question"].score == 100.0
    # judgmental was on offer once (at the opening) and avoided
    assert skills["judgmental"].harmful and skills["judgmental"].score == 100.0
    # closed questions are counted, not scored
    assert skills["closed_question"].score is None and skills["closed_question"].offered == 4


def test_poor_path_debrief_explains_what_was_missed(mini) -> None:
    enc = Encounter(mini)
    for c in ["closed", "ask-smoke-early", "ask-weight", "skip-job", "tell"]:
        enc.step(c)
    d = debrief(enc)
    assert d.ending["quality"] == "mixed"
    missed = {f.id: f for f in d.facts_missed}
    assert set(missed) == {"smoking"}
    why = missed["smoking"].why_missed
    assert why.startswith("You asked, but it did not feel safe to say yet.")
    assert "53" not in why and "55" not in why  # words, not a trust number to hit
    assert missed["smoking"].example_question
    assert {o.id for o in d.opportunities_missed} == {"worry-fuss", "tired", "job"}
    assert d.decision["fits_values"] is False
    assert d.adherence < debrief(play(mini, MINI_GOOD)).adherence
    text = d.to_text()
    assert "[-] missed" in text and "try:" in text and "Educational approximation" in text


def test_judgmental_path_is_remembered(mini) -> None:
    d = debrief(play(mini, ["smoker", "push-on"]))
    assert d.ending["id"] == "walkout"
    assert d.remembered == ["blamed him for smoking before asking"]
    skills = {s.skill: s for s in d.skills}
    assert skills["judgmental"].score == 0.0
    missed = {f.id: f.why_missed for f in d.facts_missed}
    assert missed["smoking"].startswith("Nothing you said opened the way to it. What helps:")


def test_unfinished_encounter_and_dict_shape(mini) -> None:
    enc = Encounter(mini)
    enc.step("open")
    d = debrief(enc)
    assert not d.finished and d.ending is None
    data = d.to_dict()
    assert data["adherence"]["label"].startswith("Educational approximation")
    assert data["trust"]["overall_start"] == 52.5
    assert set(data) >= {"skills", "facts", "opportunities", "decision", "remembered"}
    assert "stopped before an ending" in d.to_text()


def test_disclosure_model_anchor() -> None:
    # Levy et al. 2018: 81.1% and 61.4% withheld something; middling trust -> 1 - 71.25%
    assert estimate_disclosure(50) == pytest.approx(1 - (0.811 + 0.614) / 2)
    assert _odds(estimate_disclosure(70)) / _odds(estimate_disclosure(50)) == pytest.approx(2.0)
