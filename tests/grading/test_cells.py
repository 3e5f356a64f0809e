"""Unit tests of trustkit.grading.cells, the test-cell API: fast, no nbgrader, no kernel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trustkit import work
from trustkit.engine import play
from trustkit.grading import cells

from ..conftest import MINI, MINI_GOOD
from .conftest import ALL, KEY, REF, SID, rate, save_play, stdout_only

pytestmark = pytest.mark.usefixtures("mini_packaged")


# -- answers -----------------------------------------------------------------------------------
def test_single_choice_all_or_nothing(tmp_path: Path, capsys) -> None:
    work.save_answer("answers-ps99", "q1", 2, tmp_path)
    assert cells.score_answer("answers-ps99", "q1", 2, points=1, base=tmp_path) == 1.0
    assert cells.score_answer("answers-ps99", "q1", 1, points=1, base=tmp_path) == 0.0
    assert "q1: 1/1" in stdout_only(capsys)


def test_multiple_choice_partial_credit(tmp_path: Path) -> None:
    def score(value) -> float:
        work.save_answer("a", "q", value, tmp_path)
        return cells.score_answer("a", "q", [0, 1, 3], points=3, base=tmp_path)

    assert score([0, 1, 3]) == 3
    assert score([0, 1]) == 2
    assert score([0, 1, 2]) == 1  # two right, one wrong
    assert score([0, 1, 2, 3]) == 2
    assert score([2]) == 0  # never below zero
    assert score([0, 1, 2, 3, 4]) == 1  # ticking everything does not pay


def test_bad_answer_values_score_zero(tmp_path: Path, capsys) -> None:
    for value in (True, "1", 1.0, None, [True], {"x": 1}):
        work.save_answer("a", "q", value, tmp_path)
        assert cells.score_answer("a", "q", 1, points=1, base=tmp_path) == 0.0
    stdout_only(capsys)


def test_free_text(tmp_path: Path) -> None:
    work.save_answer("a", "q", "We use TEACH-back, obviously!", tmp_path)
    assert cells.score_text("a", "q", ["teach back"], points=2, base=tmp_path) == 2
    assert cells.score_text("a", "q", ["ask tell ask"], points=2, base=tmp_path) == 0
    work.save_answer("a", "q", "teacher", tmp_path)  # whole words only
    assert cells.score_text("a", "q", ["teach"], points=1, base=tmp_path) == 0


def test_missing_and_corrupt_answers(tmp_path: Path, capsys) -> None:
    assert cells.answer("a", "q", base=tmp_path) is None
    assert cells.score_answer("a", "q", 0, points=1, base=tmp_path) == 0
    folder = tmp_path / "trustkit-work"
    folder.mkdir()
    (folder / "a.json").write_bytes(b"\xff\x00garbage")
    assert cells.score_answer("a", "q", 0, points=1, base=tmp_path) == 0
    assert (folder / "a.json").exists()  # a grader never moves files
    assert "not answered" in stdout_only(capsys)


def test_require_answer_prints_outside_nbgrader_and_raises_inside(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    cells.require_answer("a", "q1", base=tmp_path)
    assert "not answered yet" in stdout_only(capsys)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(cells.NotYetDone) as info:
        cells.require_answer("a", "q1", base=tmp_path)
    assert info.value._render_traceback_() == [f"✖ {info.value}"]
    work.save_answer("a", "q1", 0, tmp_path)
    cells.require_answer("a", "q1", base=tmp_path)


def test_under_nbgrader_work_is_read_from_the_notebook_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work.save_answer("a", "q1", 3, tmp_path)
    monkeypatch.setenv("TRUSTKIT_WORK_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.chdir(tmp_path)
    assert cells.answer("a", "q1") is None
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert cells.answer("a", "q1") == 3


# -- role-plays --------------------------------------------------------------------------------
def test_good_transcript_full_marks(tmp_path: Path, capsys) -> None:
    save_play(tmp_path, MINI_GOOD)
    assert cells.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 5.0
    first, *transcript = stdout_only(capsys).splitlines()
    assert first.startswith("Role-play 'mini-cough': 5/5 - ending reached")
    # what the learner did, for formgrader and the feedback: every reply, the trust line
    assert transcript[0].startswith("  Transcript (assessment, 5 turn(s)")
    assert sum(1 for line in transcript if ". You (chose): " in line) == len(MINI_GOOD)
    assert transcript[-1].startswith("  Trust line: ") and transcript[-1].count(" > ") == 5


def test_practice_mode_role_play_scores_zero_with_one_line(tmp_path: Path, capsys) -> None:
    save_play(tmp_path, MINI_GOOD, mode="practice")
    assert cells.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 0.0
    out = stdout_only(capsys)
    assert out.count("\n") == 1 and "played in practice mode" in out
    # a task explicitly graded as practice accepts it
    assert cells.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path, mode="practice") == 5


def test_the_reviewer_sees_how_often_the_role_play_was_started_again(
    tmp_path: Path, capsys
) -> None:
    """Restarts are shown, never graded: the score is the finished attempt's."""
    earlier = play(MINI, ["smoker"], mode="assessment").transcript()
    save_play(tmp_path, MINI_GOOD, attempt=3, earlier=[earlier])
    assert cells.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 5.0
    out = stdout_only(capsys).splitlines()
    assert out[-1] == (
        "  Started again 2 time(s) before this attempt; the replies of 1 of them are kept in "
        "the saved work (1 turn(s)), not graded."
    )
    save_play(tmp_path, MINI_GOOD)  # a first attempt: no such line
    cells.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path)
    assert "Started again" not in stdout_only(capsys)


def test_a_version_1_transcript_is_refused_in_one_sentence(tmp_path: Path, capsys) -> None:
    data = save_play(tmp_path, MINI_GOOD)
    data["transcript"]["schema_version"] = 1
    work.save(KEY, "roleplay", data, tmp_path)
    assert cells.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 0.0
    out = stdout_only(capsys)
    assert out.count("\n") == 1
    assert "earlier trustkit (transcript version 1" in out and "play it again" in out


def test_typed_replies_show_what_they_were_matched_to(tmp_path: Path, capsys) -> None:
    from trustkit.engine import Encounter

    enc = Encounter(MINI, mode="assessment")
    enc.say("Tell me about your cough.")
    enc.say("You idiot.")
    lines = cells.transcript_lines(enc)
    text = "\n".join(lines)
    assert "You (typed): Tell me about your cough." in text
    assert '(matched to the reply "Tell me more about the cough' in text
    assert "You (typed): You idiot." in text and "(heard as disrespect" in text
    assert "No ending reached." in text


def test_partial_transcript_partial_credit(tmp_path: Path) -> None:
    save_play(tmp_path, ["open", "empathise"], completed=True)  # the flag is not trusted
    res = cells.roleplay_result(KEY, SID, ALL, base=tmp_path)
    assert res.status == "ok" and not res.finished
    assert res.credit["completed"] == 0 and res.credit["decision"] == 0
    assert res.credit["ending"] == 0 and res.credit["facts"] == 0
    # worry-fuss and tired met; job, which a good path raises, not reached: it still counts
    assert res.credit["opportunities"] == pytest.approx(2 / 3)
    score = cells.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path)
    assert score == 0.66  # 5 x (2/3) / 5, rounded down


def test_criteria_weights_and_partial_facts(tmp_path: Path) -> None:
    # judgmental start, repair, then the rest: a remembered remark, a poorer ending
    save_play(tmp_path, ["smoker", "repair", "empathise", "ask-smoke", "skip-job", "tell"])
    res = cells.roleplay_result(KEY, SID, {"facts": 2, "ending": 1, "respect": 1}, base=tmp_path)
    assert res.credit["ending"] == 0.5  # mixed
    assert res.credit["respect"] == 0.5  # one remark remembered
    assert 0 <= res.credit["facts"] <= 1
    expected = (2 * res.credit["facts"] + 0.5 + 0.5) / 4
    assert res.fraction == pytest.approx(expected)


def test_score_is_a_plain_float_never_above_points(tmp_path: Path) -> None:
    save_play(tmp_path, ["open", "empathise", "ask-smoke"])
    score = cells.grade_roleplay(KEY, SID, ALL, points=3, base=tmp_path)
    assert type(score) is float and 0 <= score <= 3
    assert repr(score) == str(float(repr(score)))  # nbgrader parses the text/plain output


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t["turns"][0].update(trust_after=t["turns"][0]["trust_after"] + 5),
        lambda t: t["final_trust"].update(caring=100),
        lambda t: t["turns"][1].update(option="the-perfect-reply"),
        lambda t: t["turns"].append(dict(t["turns"][-1])),
        lambda t: t.update(ending="good-end") or t["turns"].pop(),
        lambda t: t["scenario"].update(hash="0" * 64),
        lambda t: t.update(seed="1"),
        lambda t: t.update(turns="everything"),
        lambda t: t.clear(),
    ],
)
def test_tampered_transcripts_score_zero(tmp_path: Path, capsys, tamper) -> None:
    data = save_play(tmp_path, MINI_GOOD)
    tamper(data["transcript"])
    work.save(KEY, "roleplay", data, tmp_path)
    assert cells.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 0.0
    out = stdout_only(capsys)
    assert out.count("\n") == 1 and "cannot be reproduced" in out


def test_transcript_of_another_scenario_scores_zero(tmp_path: Path, capsys) -> None:
    save_play(tmp_path, MINI_GOOD)
    assert cells.grade_roleplay(KEY, "knee-osteoarthritis", ALL, points=5, base=tmp_path) == 0
    assert "not 'knee-osteoarthritis'" in stdout_only(capsys)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"\xff\xfe",
        b"[]",
        b'{"trustkit_work": "answers", "schema_version": 1, "data": {}}',
        b'{"trustkit_work": "roleplay", "schema_version": 99, "data": {}}',
        b'{"trustkit_work": "roleplay", "schema_version": 1, "data": {"transcript": 5}}',
    ],
)
def test_missing_or_corrupt_roleplay_scores_zero(tmp_path: Path, capsys, content: bytes) -> None:
    assert cells.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 0  # missing
    folder = tmp_path / "trustkit-work"
    folder.mkdir()
    (folder / f"{KEY}.json").write_bytes(content)
    assert cells.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 0
    assert (folder / f"{KEY}.json").read_bytes() == content  # left as it was
    assert all(line.startswith("Role-play") for line in stdout_only(capsys).splitlines())


def test_work_folder_that_is_a_file(tmp_path: Path, capsys) -> None:
    (tmp_path / "trustkit-work").write_text("oops")
    assert cells.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 0
    assert cells.score_answer("a", "q", 0, points=1, base=tmp_path) == 0
    assert cells.grade_ratings("r", ["x"], reference={"x": {"quality": 3}}, base=tmp_path) == 0
    stdout_only(capsys)


def test_unknown_criterion_is_reported_not_scored(tmp_path: Path, capsys) -> None:
    save_play(tmp_path, MINI_GOOD)
    assert cells.grade_roleplay(KEY, SID, {"charm": 1}, points=5, base=tmp_path) == 0
    assert "misconfigured" in stdout_only(capsys)


def test_require_roleplay(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(cells.NotYetDone, match="not been played"):
        cells.require_roleplay(KEY, SID, base=tmp_path)
    save_play(tmp_path, ["open"])
    cells.require_roleplay(KEY, SID, base=tmp_path)
    assert "started but not finished" in stdout_only(capsys)


# -- ratings -----------------------------------------------------------------------------------
def test_ratings_within_tolerance(tmp_path: Path, capsys) -> None:
    rate(tmp_path, {"a": {"quality": 5}, "b": {"quality": 3}, "c": {"quality": 3}})
    score = cells.grade_ratings(
        "ratings-ps99", ["a", "b", "c"], tolerance=1, points=3, reference=REF, base=tmp_path
    )
    assert score == 2  # a within 1, b off by 2, c exact
    assert "2 within 1" in stdout_only(capsys)
    assert (
        cells.grade_ratings(
            "ratings-ps99", ["a", "b", "c"], tolerance=2, points=3, reference=REF, base=tmp_path
        )
        == 3
    )


def test_ratings_two_fields_and_items_without_reference(tmp_path: Path) -> None:
    rate(tmp_path, {"a": {"quality": 4, "empathy_level": 0}, "b": {"quality": 1}})
    res = cells.ratings_result(
        "ratings-ps99",
        ["a", "b", "zz"],
        fields=("quality", "empathy_level"),
        reference=REF,
        base=tmp_path,
    )
    assert res.total == 3  # a.quality, a.empathy_level, b.quality; zz has no reference
    assert res.within == 2 and res.rated == 3


@pytest.mark.parametrize("bad", [True, "4", None, float("nan"), [4], {"q": 4}])
def test_bad_rating_values_earn_nothing(tmp_path: Path, bad) -> None:
    rate(tmp_path, {"a": {"quality": bad}})
    assert cells.grade_ratings("ratings-ps99", ["a"], reference=REF, base=tmp_path) == 0


def test_ratings_missing_corrupt_or_without_reference(tmp_path: Path, capsys) -> None:
    assert cells.grade_ratings("ratings-ps99", ["a"], reference=REF, base=tmp_path) == 0
    (tmp_path / "trustkit-work").mkdir()
    (tmp_path / "trustkit-work" / "ratings-ps99.json").write_text("{nope")
    assert cells.grade_ratings("ratings-ps99", ["a"], reference=REF, base=tmp_path) == 0
    assert cells.grade_ratings("ratings-ps99", ["zz"], reference=REF, base=tmp_path) == 0
    out = stdout_only(capsys)
    assert "no saved ratings" in out and "could not be read" in out and "reference rating" in out
    assert ".." not in out


def test_require_ratings_fails_only_when_nothing_is_rated(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(cells.NotYetDone):
        cells.require_ratings("ratings-ps99", ["a", "b"], base=tmp_path)
    rate(tmp_path, {"a": {"quality": 2}})
    cells.require_ratings("ratings-ps99", ["a", "b"], base=tmp_path)  # partial: no failure
    assert "1 of 2" in stdout_only(capsys)


# -- what the learner did, printed for formgrader and the feedback -------------------------
def _answer_notebook(folder: Path) -> None:
    cells = [
        {
            "cell_type": "code",
            "metadata": {},
            "source": 'Answer("q1", "Which?", ["Fidelity", "The price"], key="answers-ps99")',
        },
        {
            "cell_type": "code",
            "metadata": {},
            "source": 'Answer("q2", "Name it", key="answers-ps99")',
        },
        {
            "cell_type": "code",
            "metadata": {},
            "source": 'Answer(\n    "q3",\n    "All?",\n    ["a", "b", "c"],\n    key="answers-ps99",\n'
            "    multiple=True,\n)",
        },
    ]
    doc = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / "ps99.ipynb").write_text(json.dumps(doc))


def test_require_answer_prints_the_chosen_text(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _answer_notebook(tmp_path)
    work.save_answer("answers-ps99", "q1", 0, tmp_path)
    work.save_answer("answers-ps99", "q2", "  Naming   the emotion ", tmp_path)
    work.save_answer("answers-ps99", "q3", [0, 2], tmp_path)
    work.save_answer("answers-ps99", "q4", 1, tmp_path)  # no Answer cell found: its number
    for qid in ("q1", "q2", "q3", "q4"):
        cells.require_answer("answers-ps99", qid, base=tmp_path)
    out = stdout_only(capsys)
    assert 'Question q1 is answered: "Fidelity"' in out
    assert 'Question q2 is answered: "Naming the emotion"' in out
    assert 'Question q3 is answered: "a"; "c"' in out
    assert "Question q4 is answered: option 2" in out
    assert "Fidelity" not in cells.describe_answer(1, ["Fidelity", "The price"])


def test_rating_lines_keep_the_reference_for_instructors_only(tmp_path: Path, capsys) -> None:
    rate(tmp_path, {"a": {"quality": 5, "empathy_level": 1}, "b": {"quality": 4}})
    cells.grade_ratings(
        "ratings-ps99",
        ["a", "b"],
        fields=("quality", "empathy_level"),
        reference=REF,
        points=3,
        base=tmp_path,
    )
    lines = stdout_only(capsys).splitlines()
    assert lines[0] == "Ratings: 1/3 - 3 of 3 ratings given, 1 within 1 point(s) of the reference."
    assert "  a quality: you 5 (within 1 of the panel)" in lines
    assert "  a empathy level: you 1 (more than 1 of the panel)" in lines
    keyed = [line for line in lines[1:] if "reference" in line]  # only the marked line
    assert keyed == [
        f"  {cells.INSTRUCTOR_MARK} panel reference: a quality 4; a empathy level 3; b quality 1"
    ]
    pytest.importorskip("nbgrader")
    from nbformat.v4 import new_code_cell, new_output

    from trustkit.grading.preprocessors import HideKeys

    cell = new_code_cell("x")
    cell.outputs = [new_output("stream", name="stdout", text="\n".join(lines) + "\n")]
    HideKeys().preprocess_cell(cell, {}, 0)
    shown = cell.outputs[0]["text"]
    assert "a quality: you 5" in shown and cells.INSTRUCTOR_MARK not in shown
    assert "reference" not in shown.split("of the reference.", 1)[1]


# -- the grader's own process --------------------------------------------------------------
def test_grader_context_applies_nbgrader_rules_to_the_given_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    evidence, elsewhere = tmp_path / "evidence", tmp_path / "elsewhere"
    work.save_answer("a", "q1", 2, evidence)
    work.save_answer("a", "q1", 0, elsewhere)
    with cells.grader_context(evidence):
        assert cells.score_answer("a", "q1", 2, points=1, base=elsewhere) == 1.0  # base ignored
        with pytest.raises(cells.NotYetDone):
            cells.require_answer("a", "q2")  # as under nbgrader, even without its variable
    cells.require_answer("a", "q2", base=elsewhere)  # outside: a friendly line again
