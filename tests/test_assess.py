"""Rating activities on the instruments: example encounters, the simulated patient's CARE view,
named rating sets, and the three widgets (CalibrationView, EncounterRating, SelfRating)."""

from __future__ import annotations

import statistics
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("ipywidgets")

from trustkit import work  # noqa: E402
from trustkit.bank import (
    get_item,  # noqa: E402
    rating_sets,  # noqa: E402
)
from trustkit.debrief import patient_care, self_vs_patient_gap  # noqa: E402
from trustkit.engine import Encounter  # noqa: E402
from trustkit.errors import TrustkitError  # noqa: E402
from trustkit.examples import list_examples, load_example, load_example_file  # noqa: E402
from trustkit.instruments import CARE_DRIVERS, load_instrument, score  # noqa: E402
from trustkit.scenario import load_packaged  # noqa: E402
from trustkit.widgets import (  # noqa: E402
    CalibrationView,
    EncounterRating,
    RatingPanel,
    RolePlay,
    SelfRating,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "trustkit/data/examples/sinusitis-talk.yaml"


# -- example encounters ----------------------------------------------------------------------
def test_packaged_examples_load_and_their_reference_is_the_panel_median() -> None:
    assert "sinusitis-talk" in list_examples()
    ex = load_example("sinusitis-talk")
    inst = load_instrument(ex.instrument)
    assert list(ex.ratings) == inst.item_ids and len(ex.raters) >= 3
    for item, values in ex.ratings.items():
        assert ex.reference[item] == statistics.median(values)
        assert ex.rationales[item]
    # the panel's OPTION-5 total of this (mediocre) encounter, by the published rule: sum x 5
    assert score("option5", ex.reference).score == 5 * sum(ex.reference.values()) == 55


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("instrument: option5", "instrument: option9"), r":\d+: there is no instrument 'option9'"),
        (('"5": {ratings: [1, 2, 1]', '"6": {ratings: [1, 2, 1]'), r"no reference ratings .*5"),
        (("ratings: [1, 2, 1]", "ratings: [1, 2, 7]"), r":\d+: item 5 rating 7 is outside"),
        (("ratings: [1, 2, 1]", "ratings: [1, 2, 1, 2]"), r":\d+: item 5 has 4 ratings for 3"),
        (("title:", "titel:"), r":\d+: ('title' is required|'titel' is not a known)"),
        (("lines:", "lines: [\n  lines:"), r":\d+:"),
        (('[patient, "Fine."]', '[nurse, "Fine."]'), r":\d+: 'lines\.13\.0'"),
    ],
)
def test_a_broken_example_is_one_sentence_naming_file_and_line(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert change[0] in text
    bad = tmp_path / "sinusitis-talk.yaml"
    bad.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(TrustkitError, match=expected) as info:
        load_example_file(bad)
    message = str(info.value)
    assert message.startswith(str(bad)) and "\n" not in message and "Traceback" not in message


def test_an_unknown_example_names_the_known_ones() -> None:
    with pytest.raises(TrustkitError, match="sinusitis-talk"):
        load_example("no-such-example")


# -- the simulated patient's CARE answers -----------------------------------------------------
def _play(sid: str, best: bool) -> Encounter:
    enc = Encounter(load_packaged(sid).scenario)
    while not enc.finished and len(enc.turns) < 80:
        pick = max if best else min
        enc.step(pick(enc.options, key=lambda o: o.effects.overall))
    return enc


def test_patient_care_follows_the_documented_drivers() -> None:
    enc = _play("rebuilding-trust", best=True)
    care = patient_care(enc)
    facts = len(enc.disclosed) / len(enc.scenario.facts)
    met = len(enc.opportunities_met)
    arose = met + len(enc.opportunities_missed) + len(enc.opportunities_open)
    drivers = {**enc.trust, "disclosure": 100 * facts, "empathy": 100 * met / arose}
    for item, driver in CARE_DRIVERS.items():
        # 1 + 4p/100 rounded half up, by hand
        expected = min(5, max(1, int(1 + 4 * drivers[driver] / 100 + 0.5)))
        assert care[item] == expected, (item, driver, drivers[driver])


def test_a_trust_building_encounter_earns_a_better_patient_rating() -> None:
    good = score("care", patient_care(_play("rebuilding-trust", best=True))).score
    poor = score("care", patient_care(_play("rebuilding-trust", best=False))).score
    assert good is not None and poor is not None and good > poor + 5


def test_without_an_empathic_opportunity_caring_trust_stands_in() -> None:
    sc = load_packaged("rebuilding-trust").scenario
    trust = {"competence": 60, "honesty": 60, "caring": 10, "autonomy": 60}
    cut_short = SimpleNamespace(
        scenario=sc,
        trust=trust,
        disclosed=[],
        opportunities_met=[],
        opportunities_missed=[],
        opportunities_open=[],
    )
    care = patient_care(cut_short)  # type: ignore[arg-type]
    assert care["3"] == care["5"] == care["1"] == 1  # empathy items follow caring (10 -> 1)
    cut_short.trust = {**trust, "caring": 90}
    assert patient_care(cut_short)["3"] == 5  # type: ignore[arg-type]


def test_self_vs_patient_gap_lists_items_largest_gap_first() -> None:
    enc = _play("rebuilding-trust", best=False)
    mine = {str(i): 5 for i in range(1, 11)}
    g = self_vs_patient_gap(enc, mine)
    patient = g["patient_responses"]
    assert g["gap"] == 50 - sum(patient.values()) and g["direction"] == "over"
    gaps = [abs(5 - p) for _, _, _, p in g["items"]]
    assert gaps == sorted(gaps, reverse=True)


# -- named rating sets ----------------------------------------------------------------------
def test_rating_sets_name_real_bank_replies_of_mixed_quality() -> None:
    sets = rating_sets()
    assert "lesson03" in sets
    for name, ids in sets.items():
        assert len(ids) == len(set(ids)) >= 5, name
        quality = [get_item(i).reference["quality"] for i in ids]
        assert min(quality) <= 2 and max(quality) >= 4, name  # agreeing is not trivial
    panel = RatingPanel(set_name="lesson03", key="ratings-set")
    assert [i.id for i in panel.items] == sets["lesson03"]
    assert all(i.opportunity for i in panel.items)  # lesson 03 rates empathy too


# -- CalibrationView ------------------------------------------------------------------------
def test_calibration_view_compares_only_revealed_ratings() -> None:
    ids = rating_sets()["lesson03"][:5]
    panel = RatingPanel(item_ids=ids, key="ratings-cal")
    view = CalibrationView("ratings-cal")
    assert view.comparison is None and "at least 3" in view.summary.value
    mine = [5, 5, 1, 5, 5]
    for k, q in enumerate(mine):
        panel.go(k)
        panel.rate(quality=q, empathy_level=3)
        if k < 4:
            panel.reveal()  # the fifth stays unrevealed: not compared
    view.refresh()
    c = view.comparison
    assert c is not None and c.n == 4 and ids[4] not in c.items
    ref = [get_item(i).reference["quality"] for i in ids[:4]]
    assert c.bias == pytest.approx(
        statistics.fmean(m - r for m, r in zip(mine[:4], ref, strict=True))
    )
    worst = max(range(4), key=lambda k: abs(mine[k] - ref[k]))
    assert c.furthest[0].item == ids[worst] and ids[worst] in view.summary.value
    assert len(view.figures.children) == 4  # two figures, each with its caption
    view.choice.value = "empathy_level"
    assert view.comparison is not None and view.comparison.learner == [3.0] * 4


def test_calibration_view_reports_a_corrupt_file_in_one_line() -> None:
    path = work.work_dir() / "ratings-bad.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    view = CalibrationView("ratings-bad")
    assert "Problem" in view.message.value and view.comparison is None
    assert path.read_text(encoding="utf-8") == "{not json"  # peeked at, never moved or changed


# -- EncounterRating ------------------------------------------------------------------------
def test_encounter_rating_scores_by_the_rule_then_is_final() -> None:
    er = EncounterRating("option5", "sinusitis-talk", key="rate-t")
    assert er.compare() == "" and "Rate every item first" in er.message.value
    for item, v in zip("12345", [4, 3, 3, 2, 1], strict=True):
        er.rate(item, v)
    out = er.compare()
    assert er.result.score == 5 * (4 + 3 + 3 + 2 + 1) == 65
    assert "Your total:</b> 65" in out and "the panel's:</b> 55" in out
    assert all(tb.disabled for tb in er.items.values()) and er.compare_button.disabled
    er.rate("1", 0)
    assert er.responses["1"] == 4 and er.items["1"].value == 4
    saved = work.peek("rate-t", "encounter-rating").data
    assert saved == {"responses": {"1": 4, "2": 3, "3": 3, "4": 2, "5": 1}, "compared": True}
    again = EncounterRating("option5", "sinusitis-talk", key="rate-t")
    assert again.compared and "Your total:</b> 65" in again.outcome.value


def test_encounter_rating_with_the_wrong_instrument_says_so() -> None:
    er = EncounterRating("care", "sinusitis-talk", key="rate-wrong")
    assert "rated with option5, not care" in er.message.value and er.items == {}


# -- SelfRating -----------------------------------------------------------------------------
def _finish(rp: RolePlay) -> None:
    while not rp.encounter.finished:
        rp.choose(max(rp.encounter.options, key=lambda o: o.effects.overall).id)


def test_self_rating_needs_a_finished_role_play_and_keeps_its_own_file() -> None:
    sr = SelfRating("cap-t")
    for i in range(1, 11):
        sr.rate(str(i), 4)
    assert sr.compare() == "" and "Play the encounter" in sr.message.value
    rp = RolePlay("rebuilding-trust", key="cap-t")
    rp.choose(rp.encounter.options[0].id)
    assert sr.compare() == "" and "Finish the encounter" in sr.message.value
    _finish(rp)
    before = (work.work_dir() / "cap-t.json").read_bytes()
    out = sr.compare()
    g = sr.gap
    assert g is not None and g["self"].score == 40
    assert g["gap"] == 40 - sum(patient_care(rp.encounter).values())
    assert "Debrief: you and the patient" in out and "Davis" in out
    assert (work.work_dir() / "cap-t.json").read_bytes() == before  # the role-play untouched
    assert work.peek("cap-t-self", "self-rating").data["compared"] is True
    sr.rate("1", 1)  # final once compared
    assert sr.responses["1"] == 4


def test_self_rating_applies_the_care_missing_rule() -> None:
    rp = RolePlay("rebuilding-trust", key="cap-na")
    _finish(rp)
    sr = SelfRating("cap-na")
    for i in range(1, 11):
        sr.rate(str(i), "NA" if i <= 3 else 4)  # three N/A: CARE is not scorable
    sr.compare()
    assert sr.gap is not None and sr.gap["gap"] is None
    assert "could not be scored" in sr.outcome.value
    sr2 = SelfRating("cap-na", key="cap-na-2")
    for i in range(1, 11):
        sr2.rate(str(i), "NA" if i <= 2 else 4)  # two N/A: replaced by the mean, 4 each
    sr2.compare()
    assert sr2.gap is not None and sr2.gap["self"].score == 40


def test_every_control_is_labelled_and_every_figure_captioned() -> None:
    import ipywidgets as w

    def walk(x: w.Widget):
        yield x
        for child in getattr(x, "children", ()):
            yield from walk(child)

    panel = RatingPanel(item_ids=rating_sets()["lesson03"][:3], key="ratings-a11y2")
    for k in range(3):
        panel.go(k)
        panel.rate(quality=3, empathy_level=2)
        panel.reveal()
    views = [
        CalibrationView("ratings-a11y2"),
        EncounterRating("option5", "sinusitis-talk", key="rate-a11y"),
        SelfRating("nothing-played", key="self-a11y"),
    ]
    for view in views:
        widgets = list(walk(view))
        for x in widgets:
            if isinstance(x, w.Button):
                assert x.description and x.tooltip, x
            if isinstance(x, w.ToggleButtons):
                assert len(x.tooltips) == len(x.options), x.description
        images = [x for x in widgets if "tk-figure" in getattr(x, "_dom_classes", ())]
        captions = [x for x in widgets if "tk-figure-caption" in getattr(x, "_dom_classes", ())]
        assert len(captions) == len(images)
        assert all("<img " in x.value and " alt='" in x.value for x in images)  # alt in the DOM
    assert len([x for x in walk(views[0]) if "tk-figure" in x._dom_classes]) == 2
