"""The free-text analyzer: every code both ways, evidence, negations, spelling, matching."""

from __future__ import annotations

import pytest

from trustkit.analyzer import CODES, NURSE_SUBTYPES, analyze, format_analysis, match_score
from trustkit.engine import Encounter

from .conftest import MINI

PRESENT = {
    "open_question": [
        "Tell me about the headaches.",
        "Can you tell me more about that?",
        "How has the pain been since last week?",
        "Walk me through a typical day",
    ],
    "closed_question": [
        "Is the pain worse at night?",
        "You're not drinking, are you?",
        "How many tablets do you take?",
        "Do you smoke?",
    ],
    "reflection": [
        "So the evenings are the hardest.",
        "You're saying the pain started after the fall.",
        "If I've got this right, it started in March.",
    ],
    "agenda": [
        "Is there anything else you'd like to talk about today?",
        "What else?",
        "Before we start, are there any other concerns?",
    ],
    "ask_permission": [
        "Would it be OK if I explained what I think is going on?",
        "May I examine your knee?",
        "Would you like me to go through the results?",
    ],
    "teach_back": [
        "Just to make sure I explained it well, can you tell me in your own words how you'll take it?",
        "Could you tell me how you're going to use the inhaler?",
    ],
    "offer_choice": [
        "There are a few options: physio, an injection, or seeing a surgeon.",
        "One option is to wait; another option is a tablet.",
    ],
    "elicit_preferences": ["What matters most to you?", "Which option feels right for you?"],
    "jargon": [
        "You have hypertension.",
        "The biopsy showed a benign lesion.",
        "Your oedema is better.",
    ],
    "premature_reassurance": ["Don't worry, I'm sure it's nothing.", "It's just stress."],
    "judgmental": [
        "You should have come sooner. That's just irresponsible.",
        "People like you never take their tablets.",
    ],
}
ABSENT = {
    "open_question": ["Is the pain worse at night?", "How many do you take?"],
    "closed_question": ["Tell me about the pain.", "Can you tell me more about that?"],
    "reflection": ["Do you smoke?"],
    "agenda": ["What brings the pain on?"],
    "ask_permission": ["I'll explain now.", "Can you describe the pain?"],
    "teach_back": ["Do you understand?"],
    "offer_choice": ["You need a statin."],
    "elicit_preferences": ["Take one tablet a day."],
    "jargon": [
        "You have hypertension, which means high blood pressure.",
        "Your blood pressure is high - the medical word for that is hypertension.",
    ],
    "premature_reassurance": [
        "I won't tell you not to worry.",
        "Don't worry about the form, I'll fill it in.",
        "I don't know yet what it is.",
    ],
    "judgmental": ["I'm not judging you.", "It's not your fault."],
}


@pytest.mark.parametrize(("code", "text"), [(c, t) for c, ts in PRESENT.items() for t in ts])
def test_code_present(code: str, text: str) -> None:
    result = analyze(text)
    assert result.has(code), result.to_dict()
    for c in result.codes:
        assert c.evidence and c.evidence in text


@pytest.mark.parametrize(("code", "text"), [(c, t) for c, ts in ABSENT.items() for t in ts])
def test_code_absent(code: str, text: str) -> None:
    assert not analyze(text).has(code), analyze(text).to_dict()


@pytest.mark.parametrize(
    ("subtype", "text"),
    [
        ("naming", "It sounds like you've been really worried."),
        ("understanding", "Anyone in your position would feel the same."),
        ("respecting", "You've coped with so much this year."),
        ("supporting", "We'll work through this together."),
        ("exploring", "What worries you most about it?"),
    ],
)
def test_nurse_subtypes(subtype: str, text: str) -> None:
    subtypes = {c.subtype for c in analyze(text).codes if c.code == "empathy"}
    assert subtype in subtypes
    assert set(NURSE_SUBTYPES) >= subtypes


def test_every_code_is_covered_both_ways() -> None:
    assert set(PRESENT) | {"empathy"} == set(CODES)
    assert set(ABSENT) | {"empathy"} == set(CODES)
    assert not analyze("Please take a seat.").has("empathy")


def test_spelling_and_apostrophes() -> None:
    for a, b in [
        ("Your anaemia is mild.", "Your anemia is mild."),
        ("You've got oedema.", "You've got edema."),
        ("Don’t worry, it’s nothing.", "Don't worry, it's nothing."),
    ]:
        assert analyze(a).code_set() == analyze(b).code_set() != frozenset()


def test_shape_empty_and_huge_input() -> None:
    assert analyze("").codes == () and analyze("   ").to_dict() == {"text": "   ", "codes": []}
    d = analyze("What matters most to you?").to_dict()
    assert d["codes"][0] == {
        "code": "elicit_preferences",
        "subtype": None,
        "evidence": "What matters most to you",
    }
    big = "Tell me more. " * 80_000  # about 1 MB
    assert analyze(big).has("open_question")
    assert "No communication codes" in format_analysis(analyze("Hmm"))


def test_match_score_ranks_the_right_option() -> None:
    reply = analyze("Tell me more about the cough.")
    good, _ = match_score(reply, ["open_question"])
    bad, _ = match_score(reply, ["judgmental"])
    assert good > bad
    mean = analyze("Well, if you smoke, what do you expect? People like you never listen.")
    score, reasons = match_score(mean, ["judgmental"])
    assert score > match_score(mean, ["open_question"])[0]
    assert any("judgmental" in r for r in reasons)


def test_typed_replies_play_a_scenario_to_an_ending() -> None:
    enc = Encounter(str(MINI))
    for text in [
        "Tell me more about the cough and how it has been for you.",
        "It sounds like you're worn out, and you're not bothering me at all.",
    ]:
        enc.say(text)
    assert [t.option for t in enc.turns] == ["open", "empathise"]
    assert all(t.typed for t in enc.turns)
    while not enc.finished:
        enc.step(0)
    assert enc.ending_id == "good-end"
