"""A score measures listening, not button position, length, vocabulary or trial and error.

One test (or a few) per point of the role-play validity issue: shuffled order, practice and
assessment modes, conditions on lines and endings, empathy that answers its cue, no trust
farming, safety-critical disclosure, typed replies that mean what they say (off-topic text,
abuse mixed with kind words, forged transcripts), and the lint rules behind them.
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from trustkit.debrief import debrief
from trustkit.engine import (
    ASIDE,
    DISRESPECT,
    PUZZLED,
    Encounter,
    ReplayError,
    play,
    replay,
)
from trustkit.errors import TrustkitError
from trustkit.grading import checks
from trustkit.lint import lint_located
from trustkit.scenario import Located, Scenario, packaged_ids
from trustkit.scenario import load as load_scenario

from .conftest import MINI, MINI_GOOD


def _data() -> dict:
    return yaml.safe_load(MINI.read_text(encoding="utf-8"))


def _sc(data: dict) -> Scenario:
    return Scenario.model_validate(data)


def _lint(data: dict):
    return lint_located(Located(_sc(data), "x.yaml", {}))


# -- 1. order carries no information -------------------------------------------------------
def test_options_are_shown_in_a_seeded_shuffle_and_indexes_follow_it(mini: Scenario) -> None:
    orders = {tuple(o.id for o in Encounter(mini, seed=s).options) for s in range(40)}
    assert len(orders) == 6  # all 3! orders of the opening's three options occur
    a, b = Encounter(mini, seed=5), Encounter(mini, seed=5)
    assert [o.id for o in a.options] == [o.id for o in b.options]  # deterministic
    shown = a.options
    turn = a.step(2)  # index 2 is the third option *as shown*
    assert turn.option == shown[2].id
    again = replay(json.loads(json.dumps(a.transcript())), mini)
    assert again.state_summary() == a.state_summary()
    assert a.transcript()["seed"] == 5


def test_the_authored_first_option_is_not_usually_shown_first() -> None:
    first = total = 0
    for sid in packaged_ids():
        sc = load_scenario(sid)
        for seed in range(1, 9):
            enc = Encounter(sc, seed=seed)
            authored = enc.node.options[0].id
            first += enc.options[0].id == authored
            total += 1
    assert first / total < 0.6  # with 3 options a shuffle shows it first about a third


def test_a_revisited_node_is_shuffled_again() -> None:
    data = _data()
    data["nodes"][2]["options"][0]["next"] = "guarded"  # repair loops back to 'guarded'
    sc = _sc(data)
    seen = set()
    for seed in range(30):
        enc = Encounter(sc, seed=seed)
        enc.step("smoker")
        first = [o.id for o in enc.options]
        enc.step("repair")
        seen.add((tuple(first), tuple(o.id for o in enc.options)))
    assert any(x != y for x, y in seen)


# -- 2. length and wording: lint ----------------------------------------------------------
def test_lint_warns_when_the_best_option_is_much_longer() -> None:
    data = _data()
    data["nodes"][0]["options"][0]["text"] = "Tell me more. " * 12
    messages = [p.message for p in _lint(data).warnings]
    assert any("'open' is" in m and "length gives it away" in m for m in messages)


def test_lint_warns_when_the_best_option_is_usually_the_longest() -> None:
    data = _data()
    for node in data["nodes"]:
        best = max(node["options"], key=lambda o: sum((o.get("effects") or {}).values()))
        best["text"] = best["text"] + " " + "x" * 45
    messages = [p.message for p in _lint(data).warnings]
    assert any("the best option is the longest at" in m for m in messages)
    assert not [p for p in lint_located(Located(_sc(_data()), "x", {})).problems]


# -- 3. practice and assessment ------------------------------------------------------------
def test_assessment_has_no_undo_and_records_its_mode(mini: Scenario) -> None:
    enc = Encounter(mini, mode="assessment")
    enc.step("open")
    with pytest.raises(TrustkitError, match="no|not available"):
        enc.undo()
    data = enc.transcript()
    assert data["mode"] == "assessment" and data["undone"] == []
    with pytest.raises(TrustkitError, match="mode must be"):
        Encounter(mini, mode="exam")


def test_practice_undo_leaves_a_trace(mini: Scenario) -> None:
    enc = Encounter(mini)
    enc.step("smoker")
    enc.undo()
    enc.step("open")
    data = enc.transcript()
    assert [u["option"] for u in data["undone"]] == ["smoker"]
    assert replay(data, mini).undone == data["undone"]
    forged = copy.deepcopy(data)
    forged["mode"] = "assessment"
    with pytest.raises(ReplayError, match="assessment transcript cannot have undone"):
        replay(forged, mini)


def test_every_turn_has_a_reaction_in_words(mini: Scenario) -> None:
    enc = Encounter(mini, mode="assessment")
    good = enc.step("open").reaction
    enc2 = Encounter(mini, mode="assessment")
    bad = enc2.step("smoker").reaction
    assert good and bad and good != bad
    assert not any(ch.isdigit() for ch in good + bad)  # words, never numbers


def test_the_grader_gives_a_practice_roleplay_no_marks(tmp_path, monkeypatch) -> None:
    import trustkit.engine as engine
    import trustkit.scenario as scenario
    from trustkit import work

    real = scenario.load
    monkeypatch.setattr(
        engine, "load", lambda ref: real(MINI) if ref == "mini-cough" else real(ref)
    )
    enc = play(MINI, MINI_GOOD)  # practice mode
    work.save(
        "rp", "roleplay", {"scenario": "mini-cough", "transcript": enc.transcript()}, tmp_path
    )
    res = checks.roleplay_result("rp", "mini-cough", base=tmp_path)
    assert res.status == "wrong-mode" and res.fraction == 0.0
    assert "practice mode" in res.message
    enc = play(MINI, MINI_GOOD, mode="assessment")
    work.save(
        "rp", "roleplay", {"scenario": "mini-cough", "transcript": enc.transcript()}, tmp_path
    )
    res = checks.roleplay_result("rp", "mini-cough", base=tmp_path)
    assert res.status == "ok" and res.fraction == 1.0


# -- 4. endings and lines that are true -----------------------------------------------------
def test_an_ending_that_presumes_a_fact_needs_it() -> None:
    data = _data()
    good = data["endings"][0]
    good["mentions"] = ["weight"]
    assert any("presumes fact 'weight'" in p.message for p in _lint(data).errors)
    good["requires"] = {"facts": ["weight"]}
    assert any("has `requires` but no `otherwise`" in p.message for p in _lint(data).errors)
    good["otherwise"] = "mixed-end"
    assert not _lint(data).errors
    sc = _sc(data)
    told = play(sc, MINI_GOOD)
    assert "weight" in told.disclosed and told.ending_id == "good-end"
    # the same choices when the weight was never asked about: not the good ending
    data2 = copy.deepcopy(data)
    data2["nodes"][4]["options"][0]["opens"] = []
    untold = play(_sc(data2), MINI_GOOD)
    assert "weight" not in untold.disclosed and untold.ending_id == "mixed-end"


def test_an_option_with_requires_is_offered_only_when_it_holds() -> None:
    data = _data()
    data["nodes"][4]["options"].append(
        {
            "id": "thanks-weight",
            "text": "Thank you for telling me about the weight loss.",
            "skills": ["empathy"],
            "reason": "Only true once he has said it.",
            "mentions": ["weight"],
            "requires": {"facts": ["weight"]},
            "next": "decide",
        }
    )
    sc = _sc(data)
    assert not _lint(data).errors
    enc = play(sc, ["open", "empathise", "ask-smoke"])
    assert "weight" not in enc.disclosed
    assert "thanks-weight" not in [o.id for o in enc.options]
    enc2 = play(sc, ["closed", "ask-smoke-early", "ask-weight"])
    assert "weight" in enc2.disclosed and "thanks-weight" in [o.id for o in enc2.options]
    with pytest.raises(TrustkitError):
        enc.step("thanks-weight")


def test_a_node_every_option_of_which_is_conditional_is_an_error() -> None:
    data = _data()
    for opt in data["nodes"][3]["options"]:
        opt["requires"] = {"facts": ["weight"]}
    assert any("offers no option without `requires`" in p.message for p in _lint(data).errors)


# -- 5. empathy that answers the cue --------------------------------------------------------
def test_opportunities_score_counts_the_cues_a_good_path_raises(mini: Scenario) -> None:
    # steering around the 'job' cue (never reaching 'work') does not shrink the denominator
    data = _data()
    data["nodes"][3]["options"][0]["next"] = "decide"  # ask-smoke skips 'work'
    sc = _sc(data)
    enc = play(sc, ["open", "empathise", "ask-smoke", "share"])
    frac, credit, notes = checks.score_encounter(enc, {"opportunities": 1})
    assert "job" not in enc.opportunities_raised
    assert credit["opportunities"] == pytest.approx(2 / 3)
    data["opportunities"][2]["expected"] = False
    enc = play(_sc(data), ["open", "empathise", "ask-smoke", "share"])
    assert checks.score_encounter(enc, {"opportunities": 1})[1]["opportunities"] == 1.0


# -- 6. no trust farming ---------------------------------------------------------------------
def test_repeating_a_reply_gains_nothing_but_losses_always_count() -> None:
    data = _data()
    data["nodes"][2]["options"][0]["next"] = "guarded"  # repair -> guarded: a loop
    sc = _sc(data)
    enc = Encounter(sc)
    enc.step("smoker")
    first = enc.step("repair")
    again = enc.step("repair")
    assert first.overall_after > first.overall_before
    assert again.overall_after == again.overall_before
    messages = [p.message for p in _lint(data).warnings]
    assert not any("walked again" in m for m in messages)  # only one gaining reply at 'guarded'
    data["nodes"][2]["options"][1]["effects"] = {"caring": 2}
    data["nodes"][2]["options"][1]["next"] = "guarded"
    data["nodes"][2]["options"].append(
        {
            "id": "leave",
            "text": "Let's stop here.",
            "skills": ["closing"],
            "reason": "Exit.",
            "next": "walkout",
        }
    )
    messages = [p.message for p in _lint(_sc(data) and data).warnings]
    assert any("walked again" in m for m in messages)


# -- 7. safety-critical disclosure ----------------------------------------------------------
def test_a_safety_fact_is_disclosed_to_a_direct_question_at_low_trust() -> None:
    data = _data()
    data["facts"][0]["threshold"] = 95
    plain = play(_sc(data), ["closed", "ask-smoke-early"])
    assert plain.withheld == ["smoking"]
    data["facts"][0]["safety"] = True
    safe = play(_sc(data), ["closed", "ask-smoke-early"])
    assert safe.disclosed == ["smoking"]


def test_the_debrief_says_what_helps_in_words_not_a_trust_number() -> None:
    data = _data()
    data["facts"][0]["threshold"] = 95
    data["facts"][0]["what_helps"] = "Asking about smoking as something many people do."
    enc = play(_sc(data), ["closed", "ask-smoke-early"])
    why = {f.id: f.why_missed for f in debrief(enc).facts_missed}["smoking"]
    assert "many people do" in why and "trust was" not in why and "95" not in why
    data["facts"][0]["safety"] = True
    data["facts"][1]["safety"] = True
    enc = play(_sc(data), ["closed", "ask-smoke-early"])
    why = {f.id: f.why_missed for f in debrief(enc).facts_missed}["weight"]
    assert "Keep asking" in why


# -- 8. typed replies mean what they say ----------------------------------------------------
def test_off_topic_text_gets_a_puzzled_reply_and_gains_nothing(mini: Scenario) -> None:
    enc = Encounter(mini)
    before = enc.trust
    turn = enc.say("What's the weather like in Paris?")
    assert turn.kind == "puzzled" and turn.option == PUZZLED
    assert enc.trust == before and turn.disclosed == () and enc.node.id == "opening"
    assert replay(enc.transcript(), mini).turns[0].kind == "puzzled"


def test_a_skill_without_the_topic_is_an_aside_that_does_not_advance(mini: Scenario) -> None:
    enc = Encounter(mini)
    enc.step("open")  # at 'story': the patient is worn out
    turn = enc.say("How is your garden coming along these days?")
    assert turn.kind in ("aside", "puzzled") and enc.node.id == "story"
    assert turn.overall_after - turn.overall_before <= 0.25 + 1e-9
    assert turn.disclosed == ()


@pytest.mark.parametrize(
    "text",
    [
        "You sound worn out. Stop moaning, you fat drunk.",
        "shut up",
        "stop crying",
        "I don't care, just get on with it.",
        "Honestly, man up.",
    ],
)
def test_abuse_is_recognised_costs_trust_and_is_remembered_at_any_node(
    mini: Scenario, text: str
) -> None:
    enc = Encounter(mini)
    enc.step("open")  # 'story' has no authored harsh option
    before = enc.overall_trust
    turn = enc.say(text)
    assert turn.kind == "disrespect" and turn.option == DISRESPECT
    assert enc.overall_trust < before - 4
    assert enc.memory and turn.evidence and turn.evidence.lower() in text.lower()
    assert "disrespect" in turn.skills
    assert replay(enc.transcript(), mini).memory == enc.memory


def test_a_kind_reply_still_plays_as_its_option(mini: Scenario) -> None:
    enc = Encounter(mini)
    enc.step("open")
    turn = enc.say("You sound worn out - and you're not bothering me at all.")
    assert turn.kind == "option" and turn.option == "empathise"


def test_a_forged_transcript_pairing_typed_insults_with_the_best_options_is_refused(
    mini: Scenario,
) -> None:
    enc = play(mini, MINI_GOOD, mode="assessment")
    data = enc.transcript()
    for rec in data["turns"]:
        rec["text"] = "Stop moaning, you fat drunk."
    with pytest.raises(ReplayError, match="disrespect"):
        replay(data, mini)
    # and the engine refuses the pairing at play time too
    enc = Encounter(mini, mode="assessment")
    with pytest.raises(TrustkitError, match="do not fit"):
        enc.step("open", text="Stop moaning, you fat drunk.")
    with pytest.raises(TrustkitError, match="do not fit"):
        enc.step("open", text="What's the weather like in Paris?")


def test_typed_asides_cannot_farm_trust(mini: Scenario) -> None:
    enc = Encounter(mini)
    first = enc.say("I'm listening.")
    gained = first.overall_after - first.overall_before
    total = gained
    for _ in range(5):
        t = enc.say("I'm listening.")
        total += t.overall_after - t.overall_before
    assert first.kind in ("aside", "puzzled") and enc.node.id == "opening"
    assert total == pytest.approx(gained)
    assert ASIDE in {t.option for t in enc.turns} or PUZZLED in {t.option for t in enc.turns}


# -- content hash covers mechanics, not prose ------------------------------------------------
def test_a_prose_fix_keeps_old_transcripts_valid_and_a_mechanics_change_does_not() -> None:
    data = _data()
    old = _sc(data)
    transcript = play(old, MINI_GOOD, mode="assessment").transcript()
    data["endings"][0]["outcome"] = "He has the X-ray, and comes back for the result."
    data["references"] = ["Hall MA et al. 2001, Milbank Q 79:613-39 (corrected)."]
    data["nodes"][0]["thought"] = "I hope they do not think I am making a fuss."
    fixed = _sc(data)
    assert fixed.content_hash() == old.content_hash()
    assert replay(transcript, fixed).ending_id == "good-end"
    data["nodes"][0]["options"][0]["effects"] = {"caring": 7, "competence": 2}
    changed = _sc(data)
    assert changed.content_hash() != old.content_hash()
    with pytest.raises(ReplayError, match="different mechanics"):
        replay(transcript, changed)


def test_a_plain_statement_is_matched_by_what_it_is_about(mini: Scenario) -> None:
    enc = play(mini, ["open", "empathise", "ask-smoke", "reflect-job"])  # at 'decide'
    interp = enc.interpret("An X-ray now, or we wait two weeks.")
    assert interp.analysis.codes == ()  # no communication codes to go on
    assert interp.best is not None and interp.best.id == "share"
    assert "matched by what it is about" in interp.reasons[0]
    # one shared word is not enough, and a harmful code is never matched by topic alone
    assert enc.interpret("Weeks.").kind != "option"
    harsh = enc.interpret("An X-ray now, or wait two weeks, you idiot.")
    assert harsh.kind == "disrespect"


def test_a_condition_can_require_an_option_not_chosen() -> None:
    data = _data()
    data["nodes"][1]["options"][0]["requires"] = {"not_options": ["closed"]}
    sc = _sc(data)
    assert "empathise" not in [o.id for o in play(sc, ["closed"]).options]
    assert "empathise" in [o.id for o in play(sc, ["open"]).options]


def test_whether_a_decision_fits_is_mechanics() -> None:
    data = _data()
    before = _sc(data).content_hash()
    data["decisions"][0]["options"][0]["fits_if"] = {"facts": ["weight"]}
    assert _sc(data).content_hash() != before


def test_a_minimal_encourager_lets_the_patient_finish() -> None:
    data = _data()
    data["nodes"][1]["options"].append(
        {
            "id": "wait",
            "text": "(nods, and waits for him to go on)",
            "skills": ["let_finish"],
            "reason": "Room to finish.",
            "next": "habits",
        }
    )
    enc = play(_sc(data), ["open"])
    for text in ("Go on.", "Mm, take your time."):
        interp = enc.interpret(text)
        assert interp.best is not None and interp.best.id == "wait", text
    assert Encounter(_sc(data)).interpret("Go on.").kind != "option"  # no such option there
