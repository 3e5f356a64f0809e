"""RolePlay and ProgressDashboard driven headless through their own API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("ipywidgets")

from trustkit import work  # noqa: E402
from trustkit.progress import History  # noqa: E402
from trustkit.widgets import ProgressDashboard, RolePlay  # noqa: E402

from ..conftest import MINI, MINI_GOOD  # noqa: E402
from ..figures import img  # noqa: E402


def _good(rp: RolePlay) -> None:
    for opt in MINI_GOOD:
        ids = [o.id for o in rp.encounter.options]
        rp.choose(ids.index(opt))


def test_play_to_the_end_and_debrief() -> None:
    rp = RolePlay(str(MINI), key="rp-mini")
    assert rp.trust_value.value.startswith("<span>Trust 52/100")
    assert len(rp.options_box.children) == 3
    assert all("tk-option" in b._dom_classes for b in rp.options_box.children)
    _good(rp)
    assert "Trust 63/100" in rp.trust_value.value and "(+3.2)" in rp.trust_value.value
    assert rp.encounter.ending_id == "good-end" and rp.options_box.children == ()
    html_part, image, caption = rp.debrief_box.children
    assert "A shared plan" in html_part.value and "Estimated adherence" in html_part.value
    assert "tk-debrief-figure" in img(image).classes
    assert "Line chart of overall trust" in image.alt_text and image.alt_text in caption.value
    assert len(History().attempts()) == 1  # recorded once


def test_missed_items_show_example_replies() -> None:
    rp = RolePlay(str(MINI), key="rp-poor")
    rp.choose("smoker")  # the judgmental remark
    rp.choose("push-on")
    text = rp.debrief_box.children[0].value
    assert "✖ missed" in text and "Try:" in text and "remembers" in text


def test_work_is_restored_after_a_restart_of_the_kernel() -> None:
    rp = RolePlay(str(MINI), key="rp-restore")
    rp.choose("open")
    rp.choose("empathise")
    saved = work.peek("rp-restore", "roleplay").data
    assert saved["completed"] is False and len(saved["transcript"]["turns"]) == 2
    again = RolePlay(str(MINI), key="rp-restore")  # a re-run of the cell
    assert [t.option for t in again.encounter.turns] == ["open", "empathise"]
    assert again.dialogue.value == rp.dialogue.value


def test_undo_restart_hint_and_thought_are_recorded() -> None:
    rp = RolePlay(str(MINI), key="rp-tools")
    rp.hint()
    rp.thought_button.value = True
    assert "making a fuss" in rp.aside.value  # the opening node's thought
    rp.choose(0)
    data = work.peek("rp-tools", "roleplay").data
    assert data["hints_used"] == 1 and data["thoughts_shown"] >= 1
    assert data["transcript"]["turns"][0]["hint_used"] is True
    assert data["transcript"]["turns"][0]["thought_shown"] is True
    rp.undo()
    assert rp.encounter.turns == []
    rp.choose(0)
    rp._ask_restart()
    assert rp.confirm.children  # asks first
    rp.restart()
    assert (
        rp.encounter.turns == []
        and work.peek("rp-tools", "roleplay").data["transcript"]["turns"] == []
    )


def test_a_finished_assessment_cannot_be_started_again() -> None:
    """Reading the debrief and playing again would be trial and error across attempts."""
    rp = RolePlay(str(MINI), key="rp-final", mode="assessment")
    _good(rp)
    assert rp.encounter.finished and rp.restart_button.disabled
    assert "cannot be started again" in rp.restart_button.tooltip  # says why
    before = work.peek("rp-final", "roleplay").data
    rp._ask_restart()
    assert rp.confirm.children == () and "cannot be started again" in rp.message.value
    rp.restart()  # the method itself refuses too (a keyboard shortcut, a script)
    after = work.peek("rp-final", "roleplay").data
    assert after["attempt"] == before["attempt"] == 1
    assert after["transcript"] == before["transcript"] and rp.encounter.finished
    again = RolePlay(str(MINI), key="rp-final", mode="assessment")  # re-run: still final
    assert again.encounter.finished and again.restart_button.disabled


def test_an_assessment_started_again_keeps_the_earlier_replies() -> None:
    rp = RolePlay(str(MINI), key="rp-again", mode="assessment")
    rp.choose("smoker")
    rp._ask_restart()
    assert "instructor sees them" in rp.confirm.children[0].value
    rp.restart()
    data = work.peek("rp-again", "roleplay").data
    assert data["attempt"] == 2 and data["transcript"]["turns"] == []
    assert [t["option"] for t in data["earlier"][0]["turns"]] == ["smoker"]
    rp.restart()  # nothing played since: nothing more to keep
    assert len(work.peek("rp-again", "roleplay").data["earlier"]) == 1
    again = RolePlay(str(MINI), key="rp-again", mode="assessment")
    assert again.attempt == 3 and len(again.earlier) == 1
    practice = RolePlay(str(MINI), key="rp-practice")  # practice: start again at will
    _good(practice)
    assert not practice.restart_button.disabled
    practice.restart()
    assert practice.encounter.turns == [] and practice.earlier == []


def test_corrupt_or_unreplayable_work_is_kept_aside(tmp_path: Path) -> None:
    folder = work.work_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rp-bad.json").write_text("{oops")
    rp = RolePlay(str(MINI), key="rp-bad")
    assert "could not be read" in rp.message.value and rp.encounter.turns == []
    assert any(p.name.startswith("rp-bad.corrupt-") for p in folder.iterdir())
    good = RolePlay(str(MINI), key="rp-edit")
    good.choose(0)
    path = folder / "rp-edit.json"
    doc = json.loads(path.read_text())
    doc["data"]["transcript"]["turns"][0]["trust_after"] = 99
    path.write_text(json.dumps(doc))
    edited = RolePlay(str(MINI), key="rp-edit")
    assert "could not be restored" in edited.message.value and edited.encounter.turns == []
    assert any(p.name.startswith("rp-edit.corrupt-") for p in folder.iterdir())


def test_dashboard_empty_then_filled() -> None:
    dash = ProgressDashboard()
    assert "No history yet" in dash.summary_html.value and dash.figures.children == ()
    _good(RolePlay(str(MINI), key="rp-dash"))
    dash.refresh()
    assert "1 finished attempt(s)" in dash.summary_html.value
    assert len(dash.figures.children) == 4
    assert all(img(fig).png for fig in dash.figures.children)


def test_packaged_reference_scenarios_play_through_the_widget() -> None:
    for sid in ("lifestyle-disclosure", "knee-osteoarthritis"):
        rp = RolePlay(sid, key=f"rp-{sid}")
        while not rp.encounter.finished:
            best = max(
                range(len(rp.encounter.options)),
                key=lambda i: rp.encounter.options[i].effects.overall,
            )
            rp.choose(best)
        assert rp.encounter.ending.quality == "good"


def test_the_dashboard_says_what_the_history_notices(monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only history, or attempts waiting for a lock to clear, is said on the dashboard."""
    from trustkit.widgets import dashboard

    rp = RolePlay(str(MINI), key="rp-dash-note")
    _good(rp)
    real = History()
    summary = real.summary

    def read_only_summary():  # what History says of a history it can only read
        out = summary()
        real.notice = "Your history is read-only here: it is shown, but nothing is added to it."
        return out

    monkeypatch.setattr(real, "summary", read_only_summary)
    monkeypatch.setattr(dashboard, "history", lambda: (real, None))
    view = ProgressDashboard()
    assert "read-only here" in view.message.value
