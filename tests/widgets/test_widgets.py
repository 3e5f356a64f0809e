"""The learner-facing widgets (RolePlay, RatingPanel, ProgressDashboard), driven headless.

No browser: every widget is driven through its own API (``choose``, ``type_reply``, ``rate``,
``reveal``...), which is what its buttons call. The real analyzer and the real progress history
are used; nothing is mocked except where a failure has to be provoked.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ipywidgets")

import ipywidgets as w  # noqa: E402

from trustkit import work  # noqa: E402
from trustkit.widgets import ProgressDashboard, RatingPanel, RolePlay  # noqa: E402
from trustkit.widgets.rating import RatingItem, gap_in_words  # noqa: E402
from trustkit.widgets.roleplay import hint_for  # noqa: E402

from ..conftest import MINI, MINI_GOOD  # noqa: E402
from ..figures import PNG, img  # noqa: E402

TIE = "Tell me more. Are you coughing anything up?"  # open question + closed question, in mini


def _packaged() -> str:
    """A packaged scenario (the 12 are being written; the knee one is a reference)."""
    from trustkit._resources import data_path

    for sid in ("knee-osteoarthritis", "lifestyle-disclosure"):
        if data_path("scenarios", f"{sid}.yaml").is_file():
            return sid
    pytest.skip("no packaged scenario yet")


def _walk(widget: w.Widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def _classes(widget: w.Widget) -> set[str]:
    return {c for x in _walk(widget) for c in x._dom_classes}


def _history():
    from trustkit.progress import History

    return History()


def _play_first_options(rp: RolePlay, limit: int = 60) -> None:
    for _ in range(limit):
        if rp.encounter.finished:
            return
        rp.choose(0)
    raise AssertionError("the encounter did not end")


# -- imports ----------------------------------------------------------------------------------
def test_import_trustkit_stays_light_and_widgets_load_lazily() -> None:
    code = (
        "import sys, trustkit, trustkit.widgets as tw\n"
        "assert 'ipywidgets' not in sys.modules, 'trustkit.widgets imported ipywidgets'\n"
        "from trustkit.widgets import RolePlay\n"
        "assert 'ipywidgets' in sys.modules and 'trustkit.widgets.rating' not in sys.modules\n"
        "assert 'matplotlib' not in sys.modules, 'RolePlay imported matplotlib eagerly'\n"
        "assert {'RolePlay', 'RatingPanel', 'ProgressDashboard'} <= set(dir(tw))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with pytest.raises(AttributeError):
        import trustkit.widgets as tw

        _ = tw.NoSuchWidget


# -- RolePlay ---------------------------------------------------------------------------------
def test_packaged_scenario_played_to_an_ending_by_clicks() -> None:
    sid = _packaged()
    rp = RolePlay(sid)
    assert rp.key == f"roleplay-{sid}"
    assert {"tk-roleplay", "tk-option", "tk-reply", "tk-say", "tk-trust", "tk-trust-value"} <= (
        _classes(rp)
    )
    assert {"tk-undo", "tk-restart", "tk-thought", "tk-hint", "tk-debrief", "tk-message"} <= (
        _classes(rp)
    )
    start = rp.trust_value.value
    assert "Trust " in start and "/100" in start and rp.debrief is None
    rp.choose(0)
    assert rp.trust_value.value != start
    assert "(+" in rp.trust_value.value or "(-" in rp.trust_value.value
    _play_first_options(rp)
    d = rp.debrief
    assert d is not None and d.scenario_id == sid
    text, image, cap = rp.debrief_box.children
    assert "Debrief" in text.value and "Estimated adherence" in text.value
    assert "Educational approximation" in text.value
    assert "Your turns" in text.value and ("✔" in text.value or "✖" in text.value)
    figure = img(image)  # an <img> with its alt text in the DOM (an Image widget has no alt)
    assert "tk-debrief-figure" in figure.classes and "tk-figure" in image._dom_classes
    assert image.alt_text and image.alt_text in cap.value.replace("&#x27;", "'")
    assert rp.options_box.children == () and rp.say_button.disabled
    attempts = _history().attempts()
    assert len(attempts) == 1
    rp.undo()
    rp.choose(0)  # finishing again after an undo is the same attempt: recorded once
    assert len(_history().attempts()) == 1
    saved = work.peek(rp.key, "roleplay").data
    assert saved["completed"] is True and saved["scenario"] == sid


def test_every_button_has_a_description_and_a_tooltip() -> None:
    rp = RolePlay(str(MINI), key="rp-a11y")
    rp._ask_restart()
    rp.type_reply(TIE)
    for x in _walk(rp):
        if isinstance(x, w.Button | w.ToggleButton):
            assert x.description.strip() and x.tooltip and x.tooltip.strip(), x
    option = rp.options_box.children[0]
    assert option.layout.width == "auto" and option.layout.height == "auto"
    assert option.description == rp.encounter.options[0].text  # full text, wraps via CSS


def test_dialogue_marks_typed_replies_and_disclosures_in_words() -> None:
    rp = RolePlay(str(MINI), key="rp-typed")
    turn = rp.type_reply("How has the cough been for you? Tell me about it.")
    assert turn is not None and turn.typed and turn.option == "open"
    assert "Understood as" in rp.message.value and "Tell me more about the cough" in (
        rp.message.value.replace("&#x27;", "'")
    )
    assert "(typed)" in rp.dialogue.value and rp.reply.value == ""
    for opt in MINI_GOOD[1:]:
        rp.choose(opt)
    assert "★" in rp.dialogue.value and "Shared something new" in rp.dialogue.value
    assert "✎ typed" in rp.debrief_box.children[0].value


def test_an_ambiguous_typed_reply_offers_the_tied_options() -> None:
    rp = RolePlay(str(MINI), key="rp-tie")
    assert len(rp.encounter.interpret(TIE).tied) > 1, "precondition: the analyzer finds a tie"
    assert rp.type_reply(TIE) is None and rp.encounter.turns == []
    ties = [b for b in rp.confirm.children if "tk-tie" in getattr(b, "_dom_classes", ())]
    tied = rp.encounter.interpret(TIE).tied
    assert [b.description for b in ties] == [o.text for o in tied]
    pick = [o.id for o in tied].index("closed")
    turn = rp.pick_tied(pick)
    assert turn is not None and turn.option == "closed" and turn.said == TIE and turn.typed
    assert rp.confirm.children == ()
    assert rp.pick_tied(0) is None and "no choice" in rp.message.value


def test_errors_become_messages_not_tracebacks() -> None:
    rp = RolePlay(str(MINI), key="rp-errors")
    assert rp.choose(7) is None and "option 8 does not exist" in rp.message.value
    assert rp.type_reply("   ") is None and "type a reply first" in rp.message.value
    assert rp.encounter.turns == []
    assert rp.undo() is None and "Nothing to undo" in rp.message.value
    assert work.peek("rp-errors", "roleplay").message  # nothing was saved by failures
    # a reply with nothing in it to answer is played, but not taken up: no gain, no progress
    turn = rp.type_reply("Okay")
    assert turn is not None and turn.kind == "puzzled" and "Not taken up" in rp.message.value
    assert turn.overall_after == turn.overall_before and rp.encounter.node.id == "opening"
    assert "Not taken up" in rp.dialogue.value


def test_hint_and_thought_are_recorded_and_the_hint_names_no_option() -> None:
    rp = RolePlay(str(MINI), key="rp-tools")
    text = rp.hint()
    assert text == "Try an open question that lets the patient tell it in their own words."
    assert all(o.text not in text for o in rp.encounter.options)
    assert "☞" in rp.aside.value and "Hint:" in rp.aside.value
    rp.show_thought()
    assert "The patient thinks" in rp.aside.value and "making a fuss" in rp.aside.value
    rp.choose("open")
    rp.show_thought(False)
    rp.choose("empathise")
    data = work.peek("rp-tools", "roleplay").data
    first, second = data["transcript"]["turns"]
    assert first["hint_used"] is True and first["thought_shown"] is True
    assert second["hint_used"] is False and second["thought_shown"] is False
    assert data["hints_used"] == 1 and data["thoughts_shown"] >= 1
    assert hint_for([]) == "The visit is over: read the debrief."


def test_undo_and_restart_with_confirmation() -> None:
    rp = RolePlay(str(MINI), key="rp-undo")
    rp.choose("open")
    rp.choose("empathise")
    undone = rp.undo()
    assert undone is not None and undone.option == "empathise" and len(rp.encounter.turns) == 1
    assert "Took back" in rp.message.value
    assert len(work.peek("rp-undo", "roleplay").data["transcript"]["turns"]) == 1
    for opt in MINI_GOOD[1:]:
        rp.choose(opt)
    assert rp.encounter.finished and len(_history().attempts()) == 1
    rp.restart_button.click()  # asks first, changes nothing yet
    assert "Start again?" in rp.confirm.children[0].value and rp.encounter.finished
    no = [b for b in rp.confirm.children if "tk-restart-no" in getattr(b, "_dom_classes", ())]
    no[0].click()
    assert rp.confirm.children == () and rp.encounter.finished
    rp.restart_button.click()
    yes = [b for b in rp.confirm.children if "tk-restart-yes" in getattr(b, "_dom_classes", ())]
    yes[0].click()
    assert rp.encounter.turns == [] and rp.debrief is None and rp.debrief_box.children == ()
    assert work.peek("rp-undo", "roleplay").data["transcript"]["turns"] == []
    assert len(_history().attempts()) == 1  # the finished attempt stays in the history
    for opt in MINI_GOOD:
        rp.choose(opt)
    assert len(_history().attempts()) == 2  # a new attempt after a restart


def test_saved_work_restores_in_a_new_widget_after_a_kernel_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRUSTKIT_WORK_DIR")
    monkeypatch.chdir(tmp_path)  # Jupyter runs a notebook in its own folder
    rp = RolePlay(str(MINI), key="rp-restore")
    rp.hint()
    rp.choose("open")
    rp.type_reply("You sound exhausted - and you are not bothering me.")
    assert (tmp_path / "trustkit-work" / "rp-restore.json").is_file()
    del rp  # "kernel restart": a new object, the same folder
    again = RolePlay(str(MINI), key="rp-restore")
    assert [t.option for t in again.encounter.turns] == ["open", "empathise"]
    assert again.encounter.turns[1].typed and "(typed)" in again.dialogue.value
    assert again.hints_used == 1 and "Restored your saved role-play (2 turn(s))" in (
        again.message.value
    )
    for opt in MINI_GOOD[2:]:
        again.choose(opt)
    finished = RolePlay(str(MINI), key="rp-restore")  # a finished attempt comes back finished
    assert finished.debrief is not None and len(finished.debrief_box.children) == 3
    assert len(_history().attempts()) == 1  # restoring does not record it again


def test_a_rerun_never_saves_defaults_over_saved_work() -> None:
    rp = RolePlay(str(MINI), key="rp-rerun")
    rp.choose(0)
    path = work.work_dir() / "rp-rerun.json"
    before = path.read_bytes()
    for _ in range(3):
        again = RolePlay(str(MINI), key="rp-rerun")
        again.dims_toggle.value = True  # looking is not an action that saves
    assert path.read_bytes() == before
    panel = RatingPanel(items=_items(), key="ratings-rerun")
    panel.rate(quality=3)
    saved = (work.work_dir() / "ratings-rerun.json").read_bytes()
    RatingPanel(items=_items(), key="ratings-rerun").go(1)
    assert (work.work_dir() / "ratings-rerun.json").read_bytes() == saved


def test_corrupt_saved_work_is_moved_aside_and_the_learner_goes_on() -> None:
    folder = work.work_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rp-bad.json").write_text("{oops", encoding="utf-8")
    rp = RolePlay(str(MINI), key="rp-bad")
    assert "could not be read" in rp.message.value and "tk-message" in rp.message._dom_classes
    assert rp.encounter.turns == [] and not (folder / "rp-bad.json").exists()
    assert any(p.name.startswith("rp-bad.corrupt-") for p in folder.iterdir())
    rp.choose(0)  # goes on from a fresh start, and saves again
    assert len(work.peek("rp-bad", "roleplay").data["transcript"]["turns"]) == 1


def test_a_transcript_that_no_longer_replays_is_kept_with_a_clear_message() -> None:
    rp = RolePlay(str(MINI), key="rp-edit")
    rp.choose(0)
    path = work.work_dir() / "rp-edit.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["data"]["transcript"]["turns"][0]["option"] = "no-such-option"  # the scenario changed
    path.write_text(json.dumps(doc), encoding="utf-8")
    again = RolePlay(str(MINI), key="rp-edit")
    assert "could not be restored" in again.message.value and "kept as" in again.message.value
    assert again.encounter.turns == []
    kept = [p for p in work.work_dir().iterdir() if p.name.startswith("rp-edit.corrupt-")]
    assert len(kept) == 1 and "no-such-option" in kept[0].read_text(encoding="utf-8")


def test_unreadable_work_that_cannot_be_moved_is_never_overwritten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = work.work_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rp-stuck.json"
    path.write_text("{not json", encoding="utf-8")

    def refuse(_path: Path) -> Path:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(work, "move_aside", refuse)
    rp = RolePlay(str(MINI), key="rp-stuck")
    assert "could not be moved aside" in rp.message.value
    rp.choose(0)  # the learner can still play ...
    assert len(rp.encounter.turns) == 1 and "not being saved" in rp.message.value
    assert path.read_text(encoding="utf-8") == "{not json"  # ... and the file is untouched


def test_a_broken_history_is_one_line_never_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trustkit.progress", None)  # "not installed"
    rp = RolePlay(str(MINI), key="rp-nohistory")
    for opt in MINI_GOOD:
        rp.choose(opt)
    assert rp.debrief is not None and "Progress not recorded" in rp.message.value
    dash = ProgressDashboard()
    assert "No history yet" in dash.summary_html.value and dash.figures.children == ()


# -- RatingPanel --------------------------------------------------------------------------------
def _items() -> list[RatingItem]:
    return [
        RatingItem(
            "bank-1",
            "I keep thinking it's something serious and nobody tells me anything.",
            "Don't worry, it's probably nothing.",
            reference={"quality": 1.5, "empathy_level": 0},
            opportunity=True,
            rationale="Reassures before anything is known and brushes the worry aside.",
        ),
        RatingItem(
            "bank-2",
            "How long will the tablets take to work?",
            "Usually two to four weeks; let's check in after a fortnight.",
            reference={"quality": 4, "empathy_level": None},
        ),
    ]


def test_rating_panel_reveal_shows_the_gap_in_words_and_is_saved_and_recorded() -> None:
    panel = RatingPanel(items=_items(), key="ratings-t1", set_name="t1")
    assert {"tk-rating", "tk-rate-quality", "tk-reveal", "tk-rating-result"} <= _classes(panel)
    assert "Reply 1 of 2" in panel.header.value and "nobody tells me" in panel.context.value
    assert panel.empathy_box.layout.display is None  # an empathic opportunity: rate its level
    assert panel.reveal() == "" and "Rate the reply" in panel.message.value
    panel.rate(quality=4, empathy_level=2)
    result = panel.reveal()
    assert "you rated 2.5 points more leniently than the panel" in result
    assert "empathy 2 levels higher than the panel" in result and "Why:" in result
    panel.next()
    assert panel.empathy_box.layout.display == "none" and panel.result.value == ""
    panel.rate(quality=4)
    assert "same as the panel" in panel.reveal() and "2 revealed" in panel.header.value
    data = work.peek("ratings-t1", "ratings").data
    assert data == {
        "ratings": {
            "bank-1": {"quality": 4, "empathy_level": 2},
            "bank-2": {"quality": 4, "empathy_level": None},
        },
        "revealed": ["bank-1", "bank-2"],
    }
    records = _history().ratings()
    assert [(r.item_id, r.field, r.learner, r.reference) for r in records] == [
        ("bank-1", "quality", 4.0, 1.5),
        ("bank-1", "empathy_level", 2.0, 0.0),
        ("bank-2", "quality", 4.0, 4.0),
    ]
    panel.reveal()  # revealing again records nothing new
    assert len(_history().ratings()) == 3
    # a revealed rating is final: the buttons lock and a change is undone, saved file unchanged
    assert panel.quality.disabled and panel.reveal_button.disabled
    panel.rate(quality=1)
    assert panel.quality.value == 4 and panel.ratings["bank-2"]["quality"] == 4
    assert work.peek("ratings-t1", "ratings").data == data
    panel.previous()
    assert panel.quality.disabled and panel.quality.value == 4

    again = RatingPanel(items=_items(), key="ratings-t1", set_name="t1")  # a re-run
    assert again.ratings == data["ratings"] and again.revealed == data["revealed"]
    assert (
        again.quality.value == 4
        and again.empathy.value == 2
        and "leniently" in (again.result.value)
    )


def test_rating_panel_buttons_are_labelled() -> None:
    panel = RatingPanel(items=_items(), key="ratings-a11y")
    for x in _walk(panel):
        if isinstance(x, w.Button):
            assert x.description and x.tooltip
    assert len(panel.quality.tooltips) == 5 and "excellent" in panel.quality.tooltips[-1]
    assert all(t for t in panel.empathy.tooltips)  # level labels, from the instrument


def test_gap_in_words() -> None:
    assert gap_in_words(2, 4) == "you rated 2 points more strictly than the panel"
    assert gap_in_words(5, 4) == "you rated 1 point more leniently than the panel"
    assert gap_in_words(3, 3.1).startswith("✔")
    assert gap_in_words(None, 3) == ""
    assert gap_in_words(1, 3, "empathy") == "you rated the empathy 2 levels lower than the panel"


def test_rating_panel_on_the_real_response_bank() -> None:
    if importlib.util.find_spec("trustkit.bank") is None:
        pytest.skip("trustkit.bank (the response bank) is not written yet")
    panel = RatingPanel(key="ratings-bank", n=3)
    assert 1 <= len(panel.items) <= 3, panel.message.value
    item = panel.current
    assert item.id and item.patient and item.reply and item.reference.get("quality") is not None
    panel.rate(quality=3)
    assert "than the panel" in panel.reveal() or "same as the panel" in panel.result.value


def test_rating_your_own_turns_compares_with_the_analyzer() -> None:
    rp = RolePlay(str(MINI), key="rp-own")
    rp.choose(0)
    rp.type_reply("You sound exhausted, that must be hard.")
    panel = RatingPanel.from_transcript(rp)
    assert panel.key == "ratings-own-mini-cough" and len(panel.items) == 2
    assert "making a fuss" not in panel.context.value  # the patient's line, not the thought
    panel.go(1)
    assert "You sound exhausted" in panel.context.value
    panel.rate(quality=5)
    result = panel.reveal()
    assert "no reference panel" in result and "empathy" in result
    assert _history().ratings() == []  # nothing to compare with: not in the history
    empty = RatingPanel.from_transcript(RolePlay(str(MINI), key="rp-own-empty"))
    assert "Play some turns first" in empty.message.value and empty.reveal_button.disabled


# -- ProgressDashboard --------------------------------------------------------------------------
def test_dashboard_from_empty_to_figures() -> None:
    dash = ProgressDashboard()
    assert "tk-dashboard" in dash._dom_classes and "No history yet" in dash.summary_html.value
    rp = RolePlay(str(MINI), key="rp-dash")
    for opt in MINI_GOOD:
        rp.choose(opt)
    panel = RatingPanel(items=_items(), key="ratings-dash")
    panel.rate(quality=2)
    panel.reveal()
    dash.refresh_button.click()
    assert "1 finished attempt(s), 1 rating(s)" in dash.summary_html.value
    assert "<table" in dash.summary_html.value and "A lingering cough" in dash.summary_html.value
    assert len(dash.figures.children) == 4
    assert all(img(fig).png[:8] == PNG for fig in dash.figures.children)
    assert dash.captions.value.count("<li>") == 4


def test_four_dimensions_toggle_and_no_figure_under_the_grader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rp = RolePlay(str(MINI), key="rp-dims")
    assert rp.dims.value == ""
    rp.dims_toggle.value = True
    assert "Caring: 45/100" in rp.dims.value and "Respect for autonomy" in rp.dims.value
    rp.choose("open")
    assert "Caring: 51/100 (+6.0)" in rp.dims.value
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    for opt in MINI_GOOD[1:]:
        rp.choose(opt)
    (text,) = rp.debrief_box.children  # the written debrief only: no matplotlib when grading
    assert "Debrief" in text.value and rp.debrief is not None
