"""The reference response bank: content, derived references, and the panel's own agreement."""

from __future__ import annotations

import statistics

import numpy as np
import pytest
import yaml

from trustkit import bank
from trustkit._resources import data_path
from trustkit.calibration import krippendorff_alpha
from trustkit.scenario import SKILLS

RAW = yaml.safe_load(data_path("response_bank.yaml").read_text(encoding="utf-8"))
ITEMS = bank.load_bank()

COURSE_SKILLS = {
    "open_question", "closed_question", "reflection", "empathy", "agenda", "ask_permission",
    "teach_back", "offer_choice", "elicit_preferences", "jargon", "premature_reassurance",
    "judgmental", "transparency", "screen_focus", "interrupt", "sdm_team_talk",
    "sdm_option_talk", "sdm_decision_talk", "apology", "confidentiality", "safety_netting",
}  # fmt: skip


def test_size_ids_and_honest_labelling() -> None:
    assert len(ITEMS) >= 120
    assert len({i.id for i in ITEMS}) == len(ITEMS)
    assert bank.raters() == ["panel-A", "panel-B", "panel-C"]
    header = data_path("response_bank.yaml").read_text(encoding="utf-8").split("raters:")[0]
    assert "course reference panel" in header and "NOT a validated study" in header


def test_every_item_is_complete_and_uses_known_codes() -> None:
    for it in ITEMS:
        assert it.patient and it.reply and it.context and it.note
        assert set(it.skills) <= set(SKILLS)
        assert len(it.ratings) == 3
        emp = it.values("empathy_level")
        assert all(e is None for e in emp) or all(isinstance(e, int) for e in emp), it.id


def test_skills_and_nurse_subtypes_are_covered() -> None:
    used = {s for it in ITEMS for s in it.skills}
    assert COURSE_SKILLS <= used, sorted(COURSE_SKILLS - used)
    nurse = {it.nurse for it in ITEMS if it.nurse}
    assert nurse == {"naming", "understanding", "respecting", "supporting", "exploring"}


def test_reference_is_the_panel_median_recomputed_from_the_raw_file() -> None:
    by_id = {it.id: it for it in ITEMS}
    for raw in RAW["items"]:
        it = by_id[raw["id"]]
        assert it.reference["quality"] == statistics.median(raw["quality"])
        if raw["empathy_level"] is None:
            assert it.reference["empathy_level"] is None and not it.opportunity
        else:
            assert it.reference["empathy_level"] == statistics.median(raw["empathy_level"])
        spreads = [max(raw["quality"]) - min(raw["quality"])]
        if raw["empathy_level"]:
            spreads.append(max(raw["empathy_level"]) - min(raw["empathy_level"]))
        assert it.discussion_item == (max(spreads) >= 2), it.id


def test_ratings_spread_across_the_scales() -> None:
    quality = {it.reference["quality"] for it in ITEMS}
    assert {1, 2, 3, 4, 5} <= quality
    empathy = {it.reference["empathy_level"] for it in ITEMS if it.opportunity}
    assert {0, 1, 2, 3, 4, 5, 6} <= empathy
    n_opp = sum(it.opportunity for it in ITEMS)
    assert 0.3 * len(ITEMS) <= n_opp <= 0.7 * len(ITEMS)


def test_panel_mostly_agrees_but_not_identically() -> None:
    ranges = [max(it.values("quality")) - min(it.values("quality")) for it in ITEMS]
    assert sum(r <= 1 for r in ranges) / len(ranges) >= 0.85
    assert sum(r == 0 for r in ranges) / len(ranges) <= 0.6  # not copy-pasted
    discussion = [it.id for it in ITEMS if it.discussion_item]
    assert 5 <= len(discussion) <= 20


def _icc21(x: np.ndarray) -> float:
    n, k = x.shape
    g = x.mean()
    msr = k * ((x.mean(1) - g) ** 2).sum() / (n - 1)
    msc = n * ((x.mean(0) - g) ** 2).sum() / (k - 1)
    sse = ((x - g) ** 2).sum() - (n - 1) * msr - (k - 1) * msc
    mse = sse / ((n - 1) * (k - 1))
    return (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)


def test_panel_agreement_matches_an_independent_computation() -> None:
    report = bank.panel_agreement()
    for name in ("quality", "empathy_level"):
        rows = [
            [float(v) for v in it.values(name)] for it in ITEMS if it.values(name)[0] is not None
        ]
        part = report[name]
        assert part["n_items"] == len(rows)
        assert part["icc21"]["value"] == pytest.approx(_icc21(np.array(rows)), abs=1e-12)
        lo, hi = part["icc21"]["ci95"]
        assert lo < part["icc21"]["value"] < hi
        assert part["krippendorff_alpha_ordinal"] == pytest.approx(krippendorff_alpha(rows))
        # trained communication raters reach about 0.7-0.9; a panel far outside is suspect
        assert 0.6 < part["icc21"]["value"] < 0.97


def test_get_item() -> None:
    # the same object as the bank holds now (a test elsewhere may have reloaded the bank)
    assert bank.get_item(ITEMS[0].id) is bank.load_bank()[0]
    assert bank.get_item(ITEMS[0].id) == ITEMS[0]
    with pytest.raises(Exception, match="no reply with the id"):
        bank.get_item("nope")


def test_grading_reads_the_bank() -> None:
    checks = pytest.importorskip("trustkit.grading.checks")
    ref = checks.reference_ratings(("quality", "empathy_level"))
    assert ref[ITEMS[0].id]["quality"] == ITEMS[0].reference["quality"]
    no_opp = next(it for it in ITEMS if not it.opportunity)
    assert "empathy_level" not in ref[no_opp.id]


def test_the_panel_shows_learners_the_scale_the_reference_panel_used() -> None:
    """The anchors in the bank's header are the ones RatingPanel shows (else calibration lies)."""
    import re

    from trustkit._resources import data_path
    from trustkit.widgets.rating import QUALITY

    header = data_path("response_bank.yaml").read_text(encoding="utf-8").split("raters:")[0]
    scale = re.search(r"\((1 [^)]*)\)", header)
    assert scale, "the bank's header states the quality anchors as (1 ..., 2 ..., ...)"
    anchors = dict(part.strip().split(" ", 1) for part in scale.group(1).split(","))
    assert {int(k): v for k, v in anchors.items()} == QUALITY


def test_graded_replies_are_found_by_id_but_carry_no_ratings() -> None:
    """The replies of graded rating tasks: in the package without ratings (keys stay with the
    instructor), never in the practice bank or its statistics."""
    graded = bank.graded_replies()
    assert graded and not {i.id for i in graded} & {i.id for i in ITEMS}
    item = bank.get_item(graded[0].id)
    assert item.graded and item.ratings == {} and item.reference["quality"] is None
    assert item.spread("quality") is None and not item.discussion_item
    assert any(i.opportunity for i in graded) and not all(i.opportunity for i in graded)
    with pytest.raises(Exception, match="no graded reply with the id"):
        bank.graded_replies([ITEMS[0].id])
    assert bank.panel_agreement()["quality"]["n_items"] == len(ITEMS)
