"""Instruments as data and their scoring rules, worked by hand from the published rules."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trustkit import instruments as ins
from trustkit._resources import data_path
from trustkit.errors import TrustkitError

REQUIRED = {"care", "option5", "collaborate", "trust", "calgary", "empathy_level"}


def test_every_instrument_loads_with_citation_and_numbered_items() -> None:
    assert REQUIRED <= set(ins.list_instruments())
    for iid in ins.list_instruments():
        inst = ins.load_instrument(iid)
        assert inst.id == iid and inst.citations and inst.licence_note
        assert inst.item_ids == [str(n) for n in range(1, len(inst.items) + 1)]
    sizes = {i: len(ins.load_instrument(i).items) for i in REQUIRED}
    assert sizes == {
        "care": 10,
        "option5": 5,
        "collaborate": 3,
        "trust": 5,
        "calgary": 20,
        "empathy_level": 1,
    }
    scales = {
        i: (ins.load_instrument(i).scale.min, ins.load_instrument(i).scale.max) for i in REQUIRED
    }
    assert scales["care"] == (1, 5) and scales["option5"] == (0, 4)
    assert scales["collaborate"] == (0, 9) and scales["calgary"] == (0, 2)


def test_calgary_covers_every_stage_and_empathy_levels_are_labelled() -> None:
    cal = ins.load_instrument("calgary")
    assert {i.stage for i in cal.items} == {
        "initiating", "gathering", "explanation", "closing", "relationship", "structure"
    }  # fmt: skip
    emp = ins.load_instrument("empathy_level")
    values = [a.value for a in emp.scale.anchors]
    assert values == list(range(emp.scale.min, emp.scale.max + 1))
    assert all(a.description for a in emp.scale.anchors)


def test_no_published_wording_is_shipped() -> None:
    # phrases of the original CARE, CollaboRATE, Observer OPTION-5 and Wake Forest items and
    # anchors, which must not appear in any instrument file
    forbidden = [
        # CARE measure (Mercer et al. 2004)
        "making you feel at ease",
        "letting you tell your",
        "really listening",
        "interested in you as a whole person",
        "fully understanding your concerns",
        "showing care and compassion",
        "helping you to take control",
        "making a plan of action with you",
        # CollaboRATE (Barr et al. 2014), items and anchors
        "how much effort was made",
        "help you understand your health issues",
        "listen to the things that matter most to you",
        "include what matters most to you",
        "what matters most to me",
        "no effort was made",
        "every effort was made",
        # Observer OPTION-5 (Elwyn et al. 2013) anchors
        "minimal attempt",
        "exemplary",
        # Wake Forest physician trust scale, short form (Dugan et al. 2005)
        "whatever it takes",
        "all the care you need",
        "cares more about what is convenient",
        "medical skills are not as good",
        "complete trust",
        "trust this clinician completely",
    ]
    for f in data_path("instruments").iterdir():
        text = " ".join(f.read_text(encoding="utf-8").lower().split())
        for phrase in forbidden:
            assert phrase not in text, (f.name, phrase)


def test_collaborate_is_a_scoring_description_not_the_questionnaire() -> None:
    inst = ins.load_instrument("collaborate")
    assert "not included" in inst.name and "Not a questionnaire" in (inst.prompt or "")
    assert "BY-NC-ND" in inst.licence_note and "paraphrase" in inst.licence_note
    # each item says which official item it stands for and describes it in the third person
    for item in inst.items:
        assert item.text.startswith(f"[official item {item.id}] the patient's view")
        assert " I " not in f" {item.text} " and " me " not in f" {item.text} "


def test_trust_scale_is_our_own_and_says_so() -> None:
    inst = ins.load_instrument("trust")
    assert {i.dimension for i in inst.items} == {
        "honesty", "confidentiality", "competence", "caring", "fidelity"
    }  # fmt: skip
    note = " ".join(inst.licence_note.split())
    assert "not a version of the Wake Forest" in note and "not been validated" in note
    assert "Hall et al. (2001)" in note


# ---------------------------------------------------------------------------------------------
# CARE: sum 10-50, up to two blank/NA items replaced by the mean of the answered ones
# ---------------------------------------------------------------------------------------------
CARE_FULL = {"1": 5, "2": 4, "3": 4, "4": 3, "5": 5, "6": 2, "7": 4, "8": 5, "9": 3, "10": 1}


def test_care_no_missing() -> None:
    r = ins.score("care", CARE_FULL)
    assert r.score == 36 and r.reason is None and r.n_missing == 0 and not r.imputed


def test_care_one_missing_is_imputed_with_the_mean() -> None:
    resp = dict(CARE_FULL, **{"10": None})  # answered: 5+4+4+3+5+2+4+5+3 = 35 over 9 items
    r = ins.score("care", resp)
    assert r.score == pytest.approx(35 + 35 / 9)
    assert r.imputed == {"10": pytest.approx(35 / 9)}
    assert r.n_missing == 1 and r.n_answered == 9


def test_care_two_missing_one_absent_one_na() -> None:
    resp = {k: v for k, v in CARE_FULL.items() if k != "1"}
    resp["6"] = None  # answered: 4+4+3+5+4+5+3+1 = 29 over 8 items
    r = ins.score("care", resp)
    assert r.score == pytest.approx(29 + 2 * 29 / 8)
    assert set(r.missing_items) == {"1", "6"}


def test_care_three_missing_is_not_scored() -> None:
    resp = dict(CARE_FULL, **{"2": None, "3": None, "4": None})
    r = ins.score("care", resp)
    assert r.score is None
    assert "3 items" in r.reason and "at most 2" in r.reason
    assert ins.score("care", {}).score is None


# ---------------------------------------------------------------------------------------------
# the other rules
# ---------------------------------------------------------------------------------------------
def test_option5_times_five() -> None:
    r = ins.score("option5", {"1": 4, "2": 3, "3": 2, "4": 1, "5": 0})
    assert r.raw_sum == 10 and r.score == 50
    assert ins.score("option5", dict.fromkeys("12345", 4)).score == 100
    assert ins.score("option5", dict.fromkeys("12345", 0)).score == 0
    r = ins.score("option5", {"1": 4, "2": 3, "3": None, "4": 1, "5": 0})
    assert r.score is None and "3" in r.reason and "every item" in r.reason


def test_collaborate_top_score_and_share() -> None:
    sets = {
        "a": {"1": 9, "2": 9, "3": 9},
        "b": {"1": 9, "2": 9, "3": 8},
        "c": {"1": 9, "2": 9, "3": 9},
        "d": {"1": 0, "2": 5, "3": 9},
        "e": {"1": 9, "2": 9},  # not scorable: left out of the share
    }
    out = ins.score_many("collaborate", sets)
    s = out["scores"]
    assert [s[k].score for k in "abcde"] == [1.0, 0.0, 1.0, 0.0, None]
    assert out["top_score_share"] == pytest.approx(2 / 4)
    assert out["n_scored"] == 4
    assert ins.score_many("collaborate", {"x": {}})["top_score_share"] is None
    assert "top_score_share" not in ins.score_many("care", {"x": CARE_FULL})


def test_trust_reverse_scoring_and_rescaling() -> None:
    inst = ins.load_instrument("trust")
    reverse = {i.id for i in inst.items if i.reverse}
    assert len(reverse) == 2
    # strongly agree with everything: positive items 5, reverse items count as 1
    everything5 = dict.fromkeys(inst.item_ids, 5)
    expected_sum = 5 * (5 - len(reverse)) + 1 * len(reverse)
    assert ins.score("trust", everything5).raw_sum == expected_sum
    assert ins.score("trust", everything5).score == pytest.approx((expected_sum - 5) / 20 * 100)
    best = {i: (1 if i in reverse else 5) for i in inst.item_ids}
    worst = {i: (5 if i in reverse else 1) for i in inst.item_ids}
    assert ins.score("trust", best).score == 100
    assert ins.score("trust", worst).score == 0
    assert ins.score("trust", dict(best, **{"1": None})).score is None


def test_calgary_percent_of_max_with_not_applicable() -> None:
    ids = ins.load_instrument("calgary").item_ids
    resp = dict.fromkeys(ids, 2)
    assert ins.score("calgary", resp).score == 100
    resp = dict.fromkeys(ids, 1)
    resp["12"] = None  # not applicable: left out of the maximum
    resp["1"] = 0
    r = ins.score("calgary", resp)
    assert r.score == pytest.approx(18 / 38 * 100)  # 18 items at 1, one at 0, of 19 x 2
    partial = {k: v for k, v in resp.items() if k != "20"}
    assert "20" in ins.score("calgary", partial).reason
    assert ins.score("calgary", dict.fromkeys(ids)).score is None


def test_empathy_level_single_item() -> None:
    assert ins.score("empathy_level", {"1": 4}).score == 4
    assert ins.score("empathy_level", {}).score is None


@pytest.mark.parametrize(
    "iid,resp,match",
    [
        ("care", {"11": 3}, "no item '11'"),
        ("care", {"1": 6}, "outside the scale 1-5"),
        ("care", {"1": 0}, "outside the scale"),
        ("care", {"1": 3.5}, "not a whole number"),
        ("care", {"1": True}, "not a number"),
        ("care", {"1": "4"}, "not a number"),
        ("option5", {"1": float("nan")}, "not a finite number"),
        ("collaborate", {"1": 10}, "outside the scale 0-9"),
    ],
)
def test_bad_responses_raise_one_sentence(iid: str, resp: dict, match: str) -> None:
    with pytest.raises(TrustkitError, match=match) as info:
        ins.score(iid, resp)
    assert "\n" not in str(info.value)


def test_unknown_instrument() -> None:
    with pytest.raises(TrustkitError, match="no instrument 'jefferson'"):
        ins.load_instrument("jefferson")


def test_broken_file_names_file_and_line() -> None:
    text = data_path("instruments", "care.yaml").read_text(encoding="utf-8")
    broken = text.replace("  max: 5\n", "  max: 0\n", 1)
    with pytest.raises(TrustkitError, match=r"^broken\.yaml:\d+: 'scale'") as info:
        ins.validate_yaml(broken.encode(), "broken.yaml", ins.Instrument)
    line = int(str(info.value).split(":")[1])
    scale_line = broken.splitlines().index("scale:") + 1
    assert scale_line <= line <= scale_line + 1  # the key or the first line of its block
    with pytest.raises(TrustkitError, match=r"^broken\.yaml:\d+: 'colour' is not a known field"):
        ins.validate_yaml((text + "colour: blue\n").encode(), "broken.yaml", ins.Instrument)
    wrong_range = text.replace("range: [10, 50]", "range: [0, 50]")
    with pytest.raises(TrustkitError, match="should be \\[10, 50\\]"):
        ins.validate_yaml(wrong_range.encode(), "broken.yaml", ins.Instrument)
    with pytest.raises(TrustkitError, match="^broken.yaml:1: the file is empty"):
        ins.validate_yaml(b"  \n", "broken.yaml", ins.Instrument)


# ---------------------------------------------------------------------------------------------
# the simulated patient's CARE answers, and self vs patient
# ---------------------------------------------------------------------------------------------
def test_patient_care_rating_follows_the_documented_table() -> None:
    trust = {"competence": 100, "honesty": 0, "caring": 50, "autonomy": 87.5}
    got = ins.patient_care_rating(trust, facts_disclosed_ratio=0.124, empathy_met_ratio=0.375)
    assert got == {
        "1": 3,  # caring 50 -> 1 + 2 = 3
        "2": 1,  # disclosure 12.4 -> 1.496 -> 1
        "3": 3,  # empathy 37.5 -> 2.5 -> rounds half up to 3
        "4": 3,
        "5": 3,
        "6": 3,
        "7": 5,  # competence 100
        "8": 1,  # honesty 0
        "9": 5,  # autonomy 87.5 -> 4.5 -> 5
        "10": 5,
    }
    assert ins.score("care", got).score == sum(got.values())


@pytest.mark.parametrize(
    "trust,facts,emp,match",
    [
        ({"competence": 50, "honesty": 50, "caring": 50}, 0.5, 0.5, "autonomy"),
        ({"competence": 50, "honesty": 50, "caring": 150, "autonomy": 5}, 0.5, 0.5, "caring"),
        ({"competence": 50, "honesty": 50, "caring": 50, "autonomy": 5}, 1.5, 0.5, "facts"),
        ({"competence": 50, "honesty": 50, "caring": 50, "autonomy": 5}, 0.5, None, "empathy"),
    ],
)
def test_patient_care_rating_rejects_bad_state(trust, facts, emp, match) -> None:
    with pytest.raises(TrustkitError, match=match):
        ins.patient_care_rating(trust, facts, emp)


def test_self_vs_patient() -> None:
    me = dict.fromkeys([str(i) for i in range(1, 11)], 5)  # 50
    patient = dict.fromkeys([str(i) for i in range(1, 11)], 3)  # 30
    out = ins.self_vs_patient(me, patient)
    assert out["gap"] == 20 and out["direction"] == "over"
    assert "Davis" in out["message"] and "1094" in out["citation"]
    assert out["message"].replace("et al.", "et al").count(". ") == 0  # one sentence
    assert ins.self_vs_patient(patient, me)["direction"] == "under"
    assert ins.self_vs_patient(me, dict(me, **{"1": 4}))["direction"] == "close"
    unscorable = ins.self_vs_patient({}, patient)
    assert unscorable["gap"] is None and "your own" in unscorable["message"]


def test_import_trustkit_stays_cheap() -> None:
    code = (
        "import sys, trustkit, trustkit.instruments, trustkit.calibration, trustkit.bank, "
        "trustkit.cli.rating, trustkit.calibration_plots; "
        "bad = [m for m in ('numpy', 'matplotlib', 'ipywidgets', 'scipy') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
