"""Saved work as typed payloads: migrated, validated, moved aside when wrong; widgets never raise
on restore and never stop saving silently; a KnowledgeCheck's key is the same in every process."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from trustkit import work
from trustkit.errors import TrustkitError

from .conftest import MINI, ROOT


def _folder() -> Path:
    return work.work_dir()


def _write(key: str, kind: str, data: Any, version: int = work.SCHEMA_VERSION) -> Path:
    """A hand-edited (or older) file, written as the learner's disk would hold it."""
    path = _folder() / f"{key}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"trustkit_work": kind, "schema_version": version, "saved_at": "x", "data": data}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _shown(text: str) -> str:
    """What the learner reads in a widget's HTML."""
    return html.unescape(text)


def _kept(key: str) -> list[Path]:
    return sorted(_folder().glob(f"{key}.corrupt-*.json"))


def _transcript(choices: list[str], mode: str = "practice") -> dict[str, Any]:
    from trustkit.engine import play

    return play(str(MINI), choices, mode=mode).transcript()


# ---------------------------------------------------------------------------------------------
# work.load: migrations, validation
# ---------------------------------------------------------------------------------------------
def test_version_1_files_load_and_are_migrated() -> None:
    transcript = _transcript(["open"], mode="assessment")
    _write("rp-old", "roleplay", {"scenario": "mini-cough", "transcript": transcript}, version=1)
    _write("ratings-old", "ratings", {"ratings": {"b001": {"quality": 4}}}, version=1)
    _write("answers-old", "answers", {"answers": {"q1": 2, "q2": [0, 1], "q3": "text"}}, 1)
    rp = work.load("rp-old", "roleplay")
    assert rp.message is None and rp.data is not None
    # written before assessment mode had its own field: the mode comes from the transcript
    assert (rp.data["mode"], rp.data["attempt"], rp.data["hints_used"]) == ("assessment", 1, 0)
    assert rp.data["completed"] is False and rp.data["transcript"] == transcript
    ratings = work.load("ratings-old", "ratings").data
    assert ratings == {"ratings": {"b001": {"quality": 4, "empathy_level": None}}, "revealed": []}
    answers = work.load("answers-old", "answers").data
    assert answers == {"answers": {"q1": 2, "q2": [0, 1], "q3": "text"}}
    assert _kept("rp-old") == _kept("ratings-old") == _kept("answers-old") == []


def test_saved_files_carry_the_current_schema_version() -> None:
    path = work.save("k", "answers", {"answers": {"q1": 0}})
    assert json.loads(path.read_text())["schema_version"] == work.SCHEMA_VERSION == 2


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("roleplay", {"transcript": {}, "hints_used": "two"}, "hints_used"),
        ("roleplay", {"transcript": [1, 2]}, "transcript"),
        ("roleplay", {"mode": "exam"}, "mode"),
        ("ratings", {"ratings": {"b001": {"quality": "4"}}}, "ratings.b001.quality"),
        ("ratings", {"ratings": {"b001": {"quality": float("nan")}}}, "ratings.b001.quality"),
        ("ratings", {"revealed": "b001"}, "revealed"),
        ("answers", {"answers": "q1=2"}, "answers"),
        ("answers", {"answers": {"q1": 1.5}}, "answers.q1"),
        ("answers", {"answers": {"q1": True}}, "answers.q1"),
        ("encounter-rating", {"responses": {"1": 2.5}}, "responses.1"),
        ("self-rating", {"responses": {}, "compared": "yes"}, "compared"),
    ],
)
def test_a_wrong_type_in_one_field_is_moved_aside_naming_file_and_field(
    kind: str, data: dict[str, Any], field: str
) -> None:
    path = _write("w", kind, data)
    before = path.read_bytes()
    # a grader's peek reads the file as it is, and never moves it
    assert work.peek("w", kind).data is not None and path.exists()
    loaded = work.load("w", kind)
    assert loaded.data is None
    assert f"w.json could not be read (its field '{field}' is wrong: " in loaded.message
    assert "you can go on from a fresh start" in loaded.message
    assert loaded.moved_to is not None and loaded.moved_to.read_bytes() == before
    assert not path.exists()


def test_every_widgets_own_data_is_a_valid_payload() -> None:
    """What the widgets write is read back unchanged (the models describe what is saved)."""
    from trustkit.payloads import problem

    roleplay = {
        "scenario": "mini-cough",
        "transcript": _transcript(["open"]),
        "completed": False,
        "hints_used": 1,
        "thoughts_shown": 0,
        "self_rating": None,
        "mode": "practice",
        "attempt": 2,
        "earlier": [],
    }
    cases = [
        ("roleplay", roleplay),
        ("ratings", {"ratings": {"b1": {"quality": 4, "empathy_level": None}}, "revealed": ["b1"]}),
        (
            "answers",
            {"answers": {"q1": 0, "q2": [0, 2], "q3": "text", "p": ["a", "b"], "q4": None}},
        ),
        ("encounter-rating", {"responses": {"1": 4, "2": None}, "compared": False}),
        ("self-rating", {"responses": {"1": "NA", "2": 5}, "compared": True}),
    ]
    for kind, data in cases:
        assert problem(kind, data) == (data, None), kind


def test_nothing_is_moved_while_nbgrader_grades(monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write("w", "roleplay", {"hints_used": "two"})
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    loaded = work.load("w", "roleplay")
    assert loaded.data is None and "left untouched" in loaded.message and path.exists()


# ---------------------------------------------------------------------------------------------
# saving answers never stops silently
# ---------------------------------------------------------------------------------------------
def test_a_malformed_answers_file_does_not_stop_later_answers_from_saving() -> None:
    bad = _write("answers-ps01", "answers", {"answers": "oops"})
    content = bad.read_bytes()
    work.save_answer("answers-ps01", "q1", 2)  # raised ValueError before, and every time after
    work.save_answer("answers-ps01", "q2", [0, 1])
    assert work.load("answers-ps01", "answers").data == {"answers": {"q1": 2, "q2": [0, 1]}}
    kept = _kept("answers-ps01")
    assert len(kept) == 1 and kept[0].read_bytes() == content  # kept, never overwritten
    # the widgets' way of saving also says what happened
    _write("answers-ps01", "answers", {"answers": {"q1": "two"}, "extra": 1})
    assert work.record_answer("answers-ps01", "q3", 0).message is None  # valid: nothing to say
    _write("answers-ps01", "answers", {"answers": ["q1", 2]})
    saved = work.record_answer("answers-ps01", "q1", 2)
    assert saved.message and "answers-ps01.json could not be read" in saved.message
    assert "its field 'answers' is wrong" in saved.message


@pytest.mark.parametrize("malformed", [b"{not json", b'{"answers": "oops"}'])
def test_a_graded_submission_is_never_overwritten(
    monkeypatch: pytest.MonkeyPatch, malformed: bytes
) -> None:
    bad = _write("answers-ps01", "answers", {})
    if malformed.startswith(b'{"answers"'):
        bad = _write("answers-ps01", "answers", json.loads(malformed))
    else:
        bad.write_bytes(malformed)
    content = bad.read_bytes()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(TrustkitError, match="left untouched"):
        work.save_answer("answers-ps01", "q1", 2)  # an unreadable one was overwritten before
    assert bad.read_bytes() == content and _kept("answers-ps01") == []


# ---------------------------------------------------------------------------------------------
# widgets: never raise on restore, start clean, say so; keep saving
# ---------------------------------------------------------------------------------------------
def test_roleplay_with_a_wrong_type_in_one_field_starts_clean() -> None:
    from trustkit.widgets import RolePlay

    rp = RolePlay(str(MINI), key="rp", seed=0)
    rp.choose("open")
    path = _folder() / "rp.json"
    doc = json.loads(path.read_text())
    doc["data"]["hints_used"] = "two"  # hand-edited
    path.write_text(json.dumps(doc))
    again = RolePlay(str(MINI), key="rp", seed=0)
    assert again.encounter.turns == [] and again.hints_used == 0
    assert "rp.json could not be read (its field 'hints_used' is wrong" in _shown(
        again.message.value
    )
    assert len(_kept("rp")) == 1
    again.choose("open")  # and it saves again
    assert len(work.load("rp", "roleplay").data["transcript"]["turns"]) == 1


def test_roleplay_with_an_odd_transcript_never_raises() -> None:
    from trustkit.widgets import RolePlay

    transcript = _transcript(["open"])
    transcript["scenario"]["hash"] = ["not", "a", "hash"]
    _write("rp", "roleplay", {"scenario": "mini-cough", "transcript": transcript})
    rp = RolePlay(str(MINI), key="rp", seed=0)
    assert rp.encounter.turns == [] and "could not be restored" in _shown(rp.message.value)


@pytest.mark.parametrize(
    ("entry", "moved"),
    [({"quality": float("nan")}, True), ({"quality": "4"}, True), ({"quality": 7}, False)],
)
def test_rating_panel_with_a_bad_rating_never_raises(entry: dict[str, Any], moved: bool) -> None:
    from trustkit.bank import rating_sets
    from trustkit.widgets import RatingPanel

    ids = rating_sets()["lesson03"][:2]
    _write("ratings-t", "ratings", {"ratings": {ids[0]: entry}, "revealed": []})
    panel = RatingPanel(item_ids=ids, key="ratings-t")
    assert panel.quality.value is None  # starts clean: nothing off the scale is shown
    assert (len(_kept("ratings-t")) == 1) is moved
    if moved:
        assert "its field 'ratings." in _shown(panel.message.value)
    panel.rate(quality=3)
    assert work.load("ratings-t", "ratings").data["ratings"][ids[0]]["quality"] == 3


@pytest.mark.parametrize(
    "data", [{"responses": {"1": 2.5}}, {"responses": [4, 3]}, {"compared": "yes"}]
)
def test_instrument_forms_with_a_wrong_type_start_clean(data: dict[str, Any]) -> None:
    from trustkit.widgets import EncounterRating, SelfRating

    _write("rate-t", "encounter-rating", data)
    er = EncounterRating("option5", "sinusitis-talk", key="rate-t")
    assert er.responses == {} and not er.compared
    assert "rate-t.json could not be read (its field" in _shown(er.message.value)
    er.rate("1", 4)
    assert work.load("rate-t", "encounter-rating").data["responses"] == {"1": 4}
    _write("cap-self", "self-rating", data)
    sr = SelfRating("cap", key="cap-self")
    assert sr.responses == {} and "cap-self.json could not be read (its field" in _shown(
        sr.message.value
    )
    assert len(_kept("rate-t")) == len(_kept("cap-self")) == 1


def test_answer_widgets_with_a_malformed_file_start_clean_and_keep_saving() -> None:
    from trustkit.widgets.answer import Answer

    _write("answers-ps01", "answers", {"answers": {"q1": 1.5, "q2": 0}})
    a = Answer("q1", "Which?", ["x", "y", "z"], key="answers-ps01")
    assert a.value is None and "its field 'answers.q1' is wrong" in _shown(a.status.value)
    a.choose(1)
    b = Answer("q2", "And?", ["x", "y"], key="answers-ps01")
    b.choose(0)
    assert work.load("answers-ps01", "answers").data == {"answers": {"q1": 1, "q2": 0}}
    # the file goes bad while the notebook is open: the next answer is still saved, and said so
    _write("answers-ps01", "answers", {"answers": "oops"})
    a.choose(2)
    assert "Saved." in _shown(a.status.value) and "could not be read" in _shown(a.status.value)
    assert work.load("answers-ps01", "answers").data == {"answers": {"q1": 2}}
    assert len(_kept("answers-ps01")) == 2


def test_knowledge_check_and_coach_keep_saving_past_a_malformed_file() -> None:
    from trustkit.widgets.coach import ReplyCoach
    from trustkit.widgets.quiz import KnowledgeCheck

    kc = KnowledgeCheck("Which?", ["a", "b"], 1, "Because.", key="checks-x", qid="k1")
    coach = ReplyCoach.load("02-communication", "open-start")
    _write("checks-x", "answers", {"answers": 5})
    kc.select(1)
    assert kc.check() is True and "could not be read" in _shown(kc._feedback.value)
    assert work.load("checks-x", "answers").data == {"answers": {"k1": [1]}}
    _write(coach.key, "answers", {"answers": ["not", "a", "mapping"]})
    coach.check("What brings you in today?")  # raised ValueError before
    assert "could not be read" in _shown(coach.feedback.value)
    saved = work.load(coach.key, "answers").data["answers"]
    assert saved == {coach.qid: ["What brings you in today?"]}


# ---------------------------------------------------------------------------------------------
# KnowledgeCheck without qid: the same key in every process
# ---------------------------------------------------------------------------------------------
_CHECK = (
    "import sys; sys.path.insert(0, {root!r})\n"
    "from trustkit.widgets.quiz import KnowledgeCheck\n"
    "kc = KnowledgeCheck('Which is an open question?', ['Do you smoke?', 'How is it?'], 1, "
    "'Open.', key='checks-p')\n"
    "if sys.argv[1] == 'answer':\n"
    "    kc.select(1); kc.check()\n"
    "print(kc.qid, sorted(kc.selected))\n"
)


def test_a_knowledge_check_without_qid_restores_in_another_process(tmp_path: Path) -> None:
    script = tmp_path / "check.py"
    script.write_text(_CHECK.format(root=str(ROOT)), encoding="utf-8")
    outs = []
    for seed, action in (("1", "answer"), ("2", "restore")):
        env = {**os.environ, "PYTHONHASHSEED": seed}  # hash() of a str differs between these
        proc = subprocess.run(
            [sys.executable, str(script), action],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=True,
        )
        outs.append(proc.stdout.split())
    (qid1, *chosen1), (qid2, *chosen2) = outs
    assert qid1 == qid2 and qid1.startswith("q")
    assert chosen1 == chosen2 == ["[1]"]
