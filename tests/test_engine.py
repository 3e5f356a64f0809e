"""The encounter engine: determinism, gating, opportunity windows, memory, undo, replay."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from trustkit.engine import (
    MEMORY_CEILING_COST,
    MEMORY_GAIN_FACTOR,
    Encounter,
    ReplayError,
    play,
    replay,
)
from trustkit.errors import TrustkitError
from trustkit.scenario import Scenario

from .conftest import MINI, MINI_GOOD


def _variant(**changes) -> Scenario:
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    for path, value in changes.items():
        target = data
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value
    return Scenario.model_validate(data)


def test_good_path_hand_computed(mini: Scenario) -> None:
    enc = play(mini, MINI_GOOD)
    # start: competence 55, honesty 55, caring 45, autonomy 55 -> overall 52.5
    # open +2 comp +6 caring; empathise +2 hon +10 caring; ask-smoke +3 caring;
    # reflect-job +6 caring; share +3 comp +10 autonomy
    assert enc.trust == {"competence": 60.0, "honesty": 57.0, "caring": 70.0, "autonomy": 65.0}
    assert [round(t.overall_after, 2) for t in enc.turns] == [54.5, 57.5, 58.25, 59.75, 63.0]
    assert enc.ending_id == "good-end" and enc.finished
    assert enc.disclosed == ["smoking", "weight"]
    assert enc.choices == {"xray": "xray-now"}
    assert enc.opportunities_met == ["worry-fuss", "tired", "job"]
    assert enc.opportunities_missed == []
    assert enc.options == []


def test_fact_needs_trust_and_an_opening(mini: Scenario) -> None:
    # asked straight away via the closed route: trust 52.5 + 0.25 = 52.75 < 55 -> withheld
    enc = Encounter(mini)
    enc.step("closed")
    turn = enc.step("ask-smoke-early")
    assert turn.withheld == ("smoking",) and turn.disclosed == ()
    assert "twenty a day" not in turn.patient_reply
    assert enc.withheld == ["smoking"]
    # weight threshold 50 is met, but only an option that opens it discloses it
    assert "weight" not in enc.disclosed
    turn = enc.step("ask-weight")
    assert turn.disclosed == ("weight",)
    assert turn.patient_reply.startswith("I've lost a bit of weight")


def test_opportunity_windows(mini: Scenario) -> None:
    enc = Encounter(mini)
    assert enc.opportunities_open == ["worry-fuss"]  # raised by the opening line
    t1 = enc.step("closed")  # reply 1 of a window of 2: still open
    assert t1.opportunities_missed == () and "worry-fuss" in enc.opportunities_open
    assert t1.opportunities_raised == ("tired",)
    t2 = enc.step("ask-smoke-early")  # reply 2: window of 2 ends; 'tired' has window 1
    assert set(t2.opportunities_missed) == {"worry-fuss", "tired"}
    enc2 = Encounter(mini)
    enc2.step("closed")
    t = enc2.step("empathise")  # authored to meet both cues that are still open
    assert set(t.opportunities_met) == {"worry-fuss", "tired"}


def test_an_empathic_reply_meets_only_the_cues_it_was_written_for() -> None:
    sc = _variant(nodes__1__options__0__meets=["tired"])
    enc = Encounter(sc)
    enc.step("closed")
    t = enc.step("empathise")  # empathy, but authored for 'tired' only
    assert t.opportunities_met == ("tired",)
    assert t.opportunities_missed == ("worry-fuss",)


def test_remembered_remark_has_a_lasting_cost(mini: Scenario) -> None:
    enc = Encounter(mini)
    t = enc.step("smoker")
    assert t.remembered and enc.memory == ["blamed him for smoking before asking"]
    assert enc.trust["caring"] == 30.0 and enc.trust["honesty"] == 50.0
    t = enc.step("repair")  # caring +8, honesty +4, damped by 0.6 for one remembered remark
    assert enc.trust["caring"] == pytest.approx(30 + 8 * MEMORY_GAIN_FACTOR)
    assert enc.trust["honesty"] == pytest.approx(50 + 4 * MEMORY_GAIN_FACTOR)
    # the same replies without the remark gain more
    clean = Encounter(mini)
    clean.step("open")
    clean.step("empathise")
    assert clean.trust["caring"] - 45 == 16
    # the ceiling is lowered for good
    high = _variant(initial_trust={"competence": 95, "honesty": 95, "caring": 95, "autonomy": 95})
    enc = Encounter(high)
    enc.step("smoker")
    enc.step("repair")
    assert max(enc.trust.values()) <= 100 - MEMORY_CEILING_COST


def test_branch_by_trust() -> None:
    sc = _variant(nodes__4__options__0__branches=[{"min_trust": 59, "next": "good-end"}])
    high = play(sc, ["open", "empathise", "ask-smoke", "reflect-job"])
    assert high.ending_id == "good-end"  # 59.75 >= 59: branch taken
    low = Encounter(sc)
    for c in ["closed", "ask-smoke-early", "ask-weight", "reflect-job"]:
        low.step(c)
    assert not low.finished and low.node.id == "decide"


def test_seed_picks_variants_deterministically(mini: Scenario) -> None:
    lines = set()
    for seed in range(12):
        a = Encounter(mini, seed=seed)
        b = Encounter(mini, seed=seed)
        la = a.step("open").patient_reply
        assert la == b.step("open").patient_reply
        lines.add(la)
    assert len(lines) == 2  # both variants of 'story' occur across seeds


def test_undo_and_restart(mini: Scenario) -> None:
    enc = play(mini, MINI_GOOD[:3])
    ref = play(mini, MINI_GOOD[:2])
    undone = enc.undo()
    assert undone is not None and undone.option == "ask-smoke"
    assert enc.state_summary() == ref.state_summary()
    enc.restart()
    assert (
        enc.turns == [] and enc.node.id == "opening" and enc.trust == mini.initial_trust.as_dict()
    )
    assert enc.undo() is None
    finished = play(mini, MINI_GOOD)
    finished.undo()
    assert not finished.finished and finished.node.id == "decide"


def test_bad_choices(mini: Scenario) -> None:
    enc = Encounter(mini)
    with pytest.raises(TrustkitError, match="option 9 does not exist"):
        enc.step(8)
    with pytest.raises(TrustkitError, match="'nope' is not an option"):
        enc.step("nope")
    with pytest.raises(TrustkitError):
        enc.step(True)
    done = play(mini, MINI_GOOD)
    with pytest.raises(TrustkitError, match="has ended"):
        done.step(0)


def test_transcript_replays_to_identical_state(mini: Scenario) -> None:
    enc = play(mini, MINI_GOOD, seed=7)
    data = json.loads(json.dumps(enc.transcript()))
    again = replay(data, mini)
    assert again.state_summary() == enc.state_summary()
    assert data["scenario"] == {"id": "mini-cough", "version": "1.0", "hash": mini.content_hash()}
    assert len(data["turns"]) == 5 and data["turns"][0]["at"]


def _tampered(mini: Scenario, change) -> dict:
    data = copy.deepcopy(play(mini, MINI_GOOD).transcript())
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d["turns"][2].update(trust_after=90.0), "turn 3 records trust 90.0"),
        (lambda d: d["turns"][1].update(option="teleport"), "turn 2 chooses 'teleport'"),
        (lambda d: d["turns"][1].update(node="decide"), "turn 2 says it was played at node"),
        (lambda d: d["scenario"].update(hash="0" * 64), "different mechanics"),
        (lambda d: d.update(mode="exam"), "mode 'exam'"),
        (
            lambda d: d["turns"][0].update(text="What's the weather like in Paris?"),
            "play as puzzled",
        ),
        (lambda d: d.update(format="other"), "not a trustkit transcript"),
        (lambda d: d.update(schema_version=99), "schema version 99"),
        (lambda d: d.update(ending="walkout"), "ended at 'walkout'"),
        (lambda d: d["final_trust"].update(caring=99), "final caring trust"),
        (lambda d: d["turns"].append(dict(d["turns"][-1])), "after the encounter had already"),
        (lambda d: d.update(turns="all of them"), "no list of turns"),
        (lambda d: d.update(seed="x"), "seed must be an integer"),
    ],
)
def test_replay_rejects_what_it_cannot_reproduce(mini: Scenario, change, reason: str) -> None:
    with pytest.raises(ReplayError, match=reason.replace("(", r"\(").replace(".", r"\.")):
        replay(_tampered(mini, change), mini)


def test_replay_rejects_non_objects(mini: Scenario) -> None:
    with pytest.raises(ReplayError, match="not a JSON object"):
        replay([], mini)  # type: ignore[arg-type]


def test_typed_text_is_kept_in_transcript(mini: Scenario) -> None:
    enc = Encounter(mini)
    enc.step("open", text="So tell me about this cough.")
    data = enc.transcript()
    assert data["turns"][0]["text"] == "So tell me about this cough."
    assert enc.turns[0].typed and enc.turns[0].said == "So tell me about this cough."
    assert replay(data, mini).turns[0].said == "So tell me about this cough."
