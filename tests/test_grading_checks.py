"""Unit tests of trustkit.grading.checks: fast, no nbgrader, no kernel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trustkit import work
from trustkit.engine import play
from trustkit.grading import CellBudget, checks

from .conftest import MINI, MINI_GOOD, ROOT

SID = "mini-cough"
KEY = "roleplay-ps99"
ALL = {"completed": 1, "facts": 1, "opportunities": 1, "decision": 1, "ending": 1}


@pytest.fixture(autouse=True)
def _mini_is_packaged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the engine load the test scenario by its id, as if it were packaged."""
    import trustkit.scenario as scenario

    real = scenario.load

    def load(ref):
        return real(MINI) if ref == SID else real(ref)

    monkeypatch.setattr(scenario, "load", load)
    import trustkit.engine as engine

    monkeypatch.setattr(engine, "load", load)


def _save_play(
    base: Path, choices: list[str], key: str = KEY, mode: str = "assessment", **extra
) -> dict:
    enc = play(MINI, choices, mode=mode)
    data = {"scenario": SID, "transcript": enc.transcript(), "completed": enc.finished, **extra}
    work.save(key, "roleplay", data, base)
    return data


def _out(capsys: pytest.CaptureFixture[str]) -> str:
    out = capsys.readouterr()
    assert out.err == ""  # never stderr: nbgrader would zero the cell
    return out.out


# -- answers -----------------------------------------------------------------------------------
def test_single_choice_all_or_nothing(tmp_path: Path, capsys) -> None:
    work.save_answer("answers-ps99", "q1", 2, tmp_path)
    assert checks.score_answer("answers-ps99", "q1", 2, points=1, base=tmp_path) == 1.0
    assert checks.score_answer("answers-ps99", "q1", 1, points=1, base=tmp_path) == 0.0
    assert "q1: 1/1" in _out(capsys)


def test_multiple_choice_partial_credit(tmp_path: Path) -> None:
    def score(value) -> float:
        work.save_answer("a", "q", value, tmp_path)
        return checks.score_answer("a", "q", [0, 1, 3], points=3, base=tmp_path)

    assert score([0, 1, 3]) == 3
    assert score([0, 1]) == 2
    assert score([0, 1, 2]) == 1  # two right, one wrong
    assert score([0, 1, 2, 3]) == 2
    assert score([2]) == 0  # never below zero
    assert score([0, 1, 2, 3, 4]) == 1  # ticking everything does not pay


def test_bad_answer_values_score_zero(tmp_path: Path, capsys) -> None:
    for value in (True, "1", 1.0, None, [True], {"x": 1}):
        work.save_answer("a", "q", value, tmp_path)
        assert checks.score_answer("a", "q", 1, points=1, base=tmp_path) == 0.0
    _out(capsys)


def test_free_text(tmp_path: Path) -> None:
    work.save_answer("a", "q", "We use TEACH-back, obviously!", tmp_path)
    assert checks.score_text("a", "q", ["teach back"], points=2, base=tmp_path) == 2
    assert checks.score_text("a", "q", ["ask tell ask"], points=2, base=tmp_path) == 0
    work.save_answer("a", "q", "teacher", tmp_path)  # whole words only
    assert checks.score_text("a", "q", ["teach"], points=1, base=tmp_path) == 0


def test_missing_and_corrupt_answers(tmp_path: Path, capsys) -> None:
    assert checks.answer("a", "q", base=tmp_path) is None
    assert checks.score_answer("a", "q", 0, points=1, base=tmp_path) == 0
    folder = tmp_path / "trustkit-work"
    folder.mkdir()
    (folder / "a.json").write_bytes(b"\xff\x00garbage")
    assert checks.score_answer("a", "q", 0, points=1, base=tmp_path) == 0
    assert (folder / "a.json").exists()  # a grader never moves files
    assert "not answered" in _out(capsys)


def test_require_answer_prints_outside_nbgrader_and_raises_inside(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    checks.require_answer("a", "q1", base=tmp_path)
    assert "not answered yet" in _out(capsys)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(checks.NotYetDone) as info:
        checks.require_answer("a", "q1", base=tmp_path)
    assert info.value._render_traceback_() == [f"✖ {info.value}"]
    work.save_answer("a", "q1", 0, tmp_path)
    checks.require_answer("a", "q1", base=tmp_path)


def test_under_nbgrader_work_is_read_from_the_notebook_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work.save_answer("a", "q1", 3, tmp_path)
    monkeypatch.setenv("TRUSTKIT_WORK_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.chdir(tmp_path)
    assert checks.answer("a", "q1") is None
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert checks.answer("a", "q1") == 3


# -- role-plays --------------------------------------------------------------------------------
def test_good_transcript_full_marks(tmp_path: Path, capsys) -> None:
    _save_play(tmp_path, MINI_GOOD)
    assert checks.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 5.0
    first, *transcript = _out(capsys).splitlines()
    assert first.startswith("Role-play 'mini-cough': 5/5 - ending reached")
    # what the learner did, for formgrader and the feedback: every reply, the trust line
    assert transcript[0].startswith("  Transcript (assessment, 5 turn(s)")
    assert sum(1 for line in transcript if ". You (chose): " in line) == len(MINI_GOOD)
    assert transcript[-1].startswith("  Trust line: ") and transcript[-1].count(" > ") == 5


def test_practice_mode_role_play_scores_zero_with_one_line(tmp_path: Path, capsys) -> None:
    _save_play(tmp_path, MINI_GOOD, mode="practice")
    assert checks.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 0.0
    out = _out(capsys)
    assert out.count("\n") == 1 and "played in practice mode" in out
    # a task explicitly graded as practice accepts it
    assert checks.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path, mode="practice") == 5


def test_a_version_1_transcript_is_refused_in_one_sentence(tmp_path: Path, capsys) -> None:
    data = _save_play(tmp_path, MINI_GOOD)
    data["transcript"]["schema_version"] = 1
    work.save(KEY, "roleplay", data, tmp_path)
    assert checks.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 0.0
    out = _out(capsys)
    assert out.count("\n") == 1
    assert "earlier trustkit (transcript version 1" in out and "play it again" in out


def test_typed_replies_show_what_they_were_matched_to(tmp_path: Path, capsys) -> None:
    from trustkit.engine import Encounter

    enc = Encounter(MINI, mode="assessment")
    enc.say("Tell me about your cough.")
    enc.say("You idiot.")
    lines = checks.transcript_lines(enc)
    text = "\n".join(lines)
    assert "You (typed): Tell me about your cough." in text
    assert '(matched to the reply "Tell me more about the cough' in text
    assert "You (typed): You idiot." in text and "(heard as disrespect" in text
    assert "No ending reached." in text


def test_partial_transcript_partial_credit(tmp_path: Path) -> None:
    _save_play(tmp_path, ["open", "empathise"], completed=True)  # the flag is not trusted
    res = checks.roleplay_result(KEY, SID, ALL, base=tmp_path)
    assert res.status == "ok" and not res.finished
    assert res.credit["completed"] == 0 and res.credit["decision"] == 0
    assert res.credit["ending"] == 0 and res.credit["facts"] == 0
    # worry-fuss and tired met; job, which a good path raises, not reached: it still counts
    assert res.credit["opportunities"] == pytest.approx(2 / 3)
    score = checks.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path)
    assert score == 0.66  # 5 x (2/3) / 5, rounded down


def test_criteria_weights_and_partial_facts(tmp_path: Path) -> None:
    # judgmental start, repair, then the rest: a remembered remark, a poorer ending
    _save_play(tmp_path, ["smoker", "repair", "empathise", "ask-smoke", "skip-job", "tell"])
    res = checks.roleplay_result(KEY, SID, {"facts": 2, "ending": 1, "respect": 1}, base=tmp_path)
    assert res.credit["ending"] == 0.5  # mixed
    assert res.credit["respect"] == 0.5  # one remark remembered
    assert 0 <= res.credit["facts"] <= 1
    expected = (2 * res.credit["facts"] + 0.5 + 0.5) / 4
    assert res.fraction == pytest.approx(expected)


def test_score_is_a_plain_float_never_above_points(tmp_path: Path) -> None:
    _save_play(tmp_path, ["open", "empathise", "ask-smoke"])
    score = checks.grade_roleplay(KEY, SID, ALL, points=3, base=tmp_path)
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
    data = _save_play(tmp_path, MINI_GOOD)
    tamper(data["transcript"])
    work.save(KEY, "roleplay", data, tmp_path)
    assert checks.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 0.0
    out = _out(capsys)
    assert out.count("\n") == 1 and "cannot be reproduced" in out


def test_transcript_of_another_scenario_scores_zero(tmp_path: Path, capsys) -> None:
    _save_play(tmp_path, MINI_GOOD)
    assert checks.grade_roleplay(KEY, "knee-osteoarthritis", ALL, points=5, base=tmp_path) == 0
    assert "not 'knee-osteoarthritis'" in _out(capsys)


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
    assert checks.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 0  # missing
    folder = tmp_path / "trustkit-work"
    folder.mkdir()
    (folder / f"{KEY}.json").write_bytes(content)
    assert checks.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 0
    assert (folder / f"{KEY}.json").read_bytes() == content  # left as it was
    assert all(line.startswith("Role-play") for line in _out(capsys).splitlines())


def test_work_folder_that_is_a_file(tmp_path: Path, capsys) -> None:
    (tmp_path / "trustkit-work").write_text("oops")
    assert checks.grade_roleplay(KEY, SID, ALL, points=5, base=tmp_path) == 0
    assert checks.score_answer("a", "q", 0, points=1, base=tmp_path) == 0
    assert checks.grade_ratings("r", ["x"], reference={"x": {"quality": 3}}, base=tmp_path) == 0
    _out(capsys)


def test_unknown_criterion_is_reported_not_scored(tmp_path: Path, capsys) -> None:
    _save_play(tmp_path, MINI_GOOD)
    assert checks.grade_roleplay(KEY, SID, {"charm": 1}, points=5, base=tmp_path) == 0
    assert "misconfigured" in _out(capsys)


def test_require_roleplay(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(checks.NotYetDone, match="not been played"):
        checks.require_roleplay(KEY, SID, base=tmp_path)
    _save_play(tmp_path, ["open"])
    checks.require_roleplay(KEY, SID, base=tmp_path)
    assert "started but not finished" in _out(capsys)


def test_model_path_reaches_full_marks() -> None:
    path, fraction = checks.model_path(SID, ALL)
    assert fraction == 1.0
    assert play(MINI, path).finished


# -- ratings -----------------------------------------------------------------------------------
REF = {"a": {"quality": 4, "empathy_level": 3}, "b": {"quality": 1}, "c": {"quality": 3}}


def _rate(base: Path, ratings: dict) -> None:
    work.save("ratings-ps99", "ratings", {"ratings": ratings, "revealed": []}, base)


def test_ratings_within_tolerance(tmp_path: Path, capsys) -> None:
    _rate(tmp_path, {"a": {"quality": 5}, "b": {"quality": 3}, "c": {"quality": 3}})
    score = checks.grade_ratings(
        "ratings-ps99", ["a", "b", "c"], tolerance=1, points=3, reference=REF, base=tmp_path
    )
    assert score == 2  # a within 1, b off by 2, c exact
    assert "2 within 1" in _out(capsys)
    assert (
        checks.grade_ratings(
            "ratings-ps99", ["a", "b", "c"], tolerance=2, points=3, reference=REF, base=tmp_path
        )
        == 3
    )


def test_ratings_two_fields_and_items_without_reference(tmp_path: Path) -> None:
    _rate(tmp_path, {"a": {"quality": 4, "empathy_level": 0}, "b": {"quality": 1}})
    res = checks.ratings_result(
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
    _rate(tmp_path, {"a": {"quality": bad}})
    assert checks.grade_ratings("ratings-ps99", ["a"], reference=REF, base=tmp_path) == 0


def test_ratings_missing_corrupt_or_without_reference(tmp_path: Path, capsys) -> None:
    assert checks.grade_ratings("ratings-ps99", ["a"], reference=REF, base=tmp_path) == 0
    (tmp_path / "trustkit-work").mkdir()
    (tmp_path / "trustkit-work" / "ratings-ps99.json").write_text("{nope")
    assert checks.grade_ratings("ratings-ps99", ["a"], reference=REF, base=tmp_path) == 0
    assert checks.grade_ratings("ratings-ps99", ["zz"], reference=REF, base=tmp_path) == 0
    out = _out(capsys)
    assert "no saved ratings" in out and "could not be read" in out and "reference rating" in out
    assert ".." not in out


def test_require_ratings_fails_only_when_nothing_is_rated(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(checks.NotYetDone):
        checks.require_ratings("ratings-ps99", ["a", "b"], base=tmp_path)
    _rate(tmp_path, {"a": {"quality": 2}})
    checks.require_ratings("ratings-ps99", ["a", "b"], base=tmp_path)  # partial: no failure
    assert "1 of 2" in _out(capsys)


# -- check my answers --------------------------------------------------------------------------
def _notebook(tmp_path: Path) -> Path:
    def test(gid: str, source: str, points: int = 1) -> dict:
        meta = {"grade": True, "grade_id": gid, "locked": True, "points": points, "solution": False}
        return {
            "cell_type": "code",
            "metadata": {"nbgrader": meta},
            "source": source,
            "outputs": [],
        }

    cells = [
        {"cell_type": "code", "metadata": {}, "source": "Answer('q1', 'Q?', ['a', 'b'])"},
        test(
            "q1",
            "# Test: question 1 (1 point). Do not edit this cell.\n"
            'checks.require_answer("answers-ps99", "q1")\n### BEGIN HIDDEN TESTS\n'
            'checks.score_answer("answers-ps99", "q1", 1)\n### END HIDDEN TESTS',
        ),
        test("q2", '# Test: question 2 (1 point)\nchecks.require_answer("answers-ps99", "q2")'),
        test("rp", f'# Test: role-play (5 points)\nchecks.require_roleplay("{KEY}", "{SID}")', 5),
        test("rt", '# Test: ratings\nchecks.require_ratings("ratings-ps99", ["a", "b"])', 2),
        {
            "cell_type": "markdown",
            "source": "YOUR ANSWER HERE",
            "metadata": {
                "nbgrader": {
                    "grade": True,
                    "solution": True,
                    "grade_id": "refl",
                    "points": 4,
                    "locked": False,
                }
            },
        },
    ]
    path = tmp_path / "ps99-test.ipynb"
    path.write_text(
        json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    return path


def test_check_my_answers_summary(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRUSTKIT_WORK_DIR", str(tmp_path / "trustkit-work"))
    _notebook(tmp_path)
    work.save_answer("answers-ps99", "q1", 0)
    _save_play(tmp_path, MINI_GOOD)
    monkeypatch.setattr(checks, "reference_ratings", lambda fields=("quality",): REF)
    _rate(tmp_path, {"a": {"quality": 4}})
    assert checks.check_my_answers("ps99-test") is None
    out = _out(capsys)
    assert "✔ question 1 (1 point): answered" in out  # answered, never "right" or "wrong"
    assert "✖ question 2 (1 point): not answered yet" in out
    assert "✔ role-play (5 points): complete in 5 turns" in out
    assert "1 of 2 ratings given, 1 within 1" in out
    assert "✎ written answer 'refl' (4 points): not written yet" in out
    assert "2 of 4 checks done" in out
    assert "score_answer" not in out and "Traceback" not in out


def test_check_my_answers_never_raises(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert checks.check_my_answers("ps77-nowhere") is None
    assert "could not read the assignment" in _out(capsys)
    (tmp_path / "ps77-nowhere.ipynb").write_text("{not json")
    checks.check_my_answers("ps77-nowhere")
    assert "could not read" in _out(capsys)


def _graded_scenario(ps: str) -> str:
    source = (ROOT / "solutions" / ps / f"{ps}.ipynb").read_text(encoding="utf-8")
    for cell in json.loads(source)["cells"]:
        for name, args, _kw in checks._hidden_calls("".join(cell["source"])):
            if name == "grade_roleplay":
                return args[1]
    raise AssertionError(f"{ps}: no graded role-play")


def test_model_work_and_check_my_answers_on_a_real_assignment(tmp_path: Path, capsys) -> None:
    source = ROOT / "solutions" / "ps01-trust" / "ps01-trust.ipynb"
    files = checks.model_work(source, tmp_path, reference={})
    assert {f.name for f in files} >= {"answers-ps01.json", "roleplay-ps01.json"}
    sid = _graded_scenario("ps01-trust")
    res = checks.roleplay_result("roleplay-ps01", sid, None, base=tmp_path)
    assert res.status == "ok" and res.finished


# -- the time guard ----------------------------------------------------------------------------
def test_cell_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("trustkit.grading.time.monotonic", lambda: clock[0])
    budget = CellBudget(per_cell=60, per_notebook=100, floor=5)
    assert budget(None) == 60
    budget.start(notebook=None)
    clock[0] += 70
    assert budget({}) == 30
    clock[0] += 500
    assert budget({}) == 5
    budget.start()
    assert budget({}) == 60
    with pytest.raises(ValueError):
        CellBudget(per_cell=0)


# -- the Answer widget (graded: saves, restores, holds no key) ---------------------------------
def test_answer_widget_saves_and_restores(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("ipywidgets")
    from trustkit.widgets.answer import Answer

    monkeypatch.setenv("TRUSTKIT_WORK_DIR", str(tmp_path / "trustkit-work"))
    a = Answer("q1", "Which?", ["x", "y", "z"], key="answers-ps99")
    assert a.value is None and not (tmp_path / "trustkit-work").exists()  # no default saved
    a.choose(2)
    assert checks.answer("answers-ps99", "q1", base=tmp_path) == 2
    again = Answer("q1", "Which?", ["x", "y", "z"], key="answers-ps99")
    assert again.value == 2 and "restored" in again.status.value
    many = Answer("q2", "All?", ["x", "y", "z"], key="answers-ps99", multiple=True)
    many.choose(0, 2)
    text = Answer("q3", "Name it", key="answers-ps99")
    text.type_answer("teach-back")
    saved = work.peek("answers-ps99", "answers", tmp_path).data["answers"]
    assert saved == {"q1": 2, "q2": [0, 2], "q3": "teach-back"}
    assert not any(hasattr(w, k) for w in (a, many, text) for k in ("answer", "correct", "key_"))


def test_answer_widget_survives_a_corrupt_file(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("ipywidgets")
    from trustkit.widgets.answer import Answer

    folder = tmp_path / "trustkit-work"
    folder.mkdir()
    (folder / "answers-ps99.json").write_text("{broken")
    monkeypatch.setenv("TRUSTKIT_WORK_DIR", str(folder))
    a = Answer("q1", "Which?", ["x", "y"], key="answers-ps99")
    assert "could not be read" in a.status.value
    assert list(folder.glob("answers-ps99.corrupt-*.json"))  # kept, not deleted
    a.choose(1)
    assert checks.answer("answers-ps99", "q1", base=tmp_path) == 1


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
        checks.require_answer("answers-ps99", qid, base=tmp_path)
    out = _out(capsys)
    assert 'Question q1 is answered: "Fidelity"' in out
    assert 'Question q2 is answered: "Naming the emotion"' in out
    assert 'Question q3 is answered: "a"; "c"' in out
    assert "Question q4 is answered: option 2" in out
    assert "Fidelity" not in checks.describe_answer(1, ["Fidelity", "The price"])


def test_rating_lines_keep_the_reference_for_instructors_only(tmp_path: Path, capsys) -> None:
    _rate(tmp_path, {"a": {"quality": 5, "empathy_level": 1}, "b": {"quality": 4}})
    checks.grade_ratings(
        "ratings-ps99",
        ["a", "b"],
        fields=("quality", "empathy_level"),
        reference=REF,
        points=3,
        base=tmp_path,
    )
    lines = _out(capsys).splitlines()
    assert lines[0] == "Ratings: 1/3 - 3 of 3 ratings given, 1 within 1 point(s) of the reference."
    assert "  a quality: you 5 (within 1 of the panel)" in lines
    assert "  a empathy level: you 1 (more than 1 of the panel)" in lines
    keyed = [line for line in lines[1:] if "reference" in line]  # only the marked line
    assert keyed == [
        f"  {checks.INSTRUCTOR_MARK} panel reference: a quality 4; a empathy level 3; b quality 1"
    ]
    pytest.importorskip("nbgrader")
    from nbformat.v4 import new_code_cell, new_output

    from trustkit.grading.preprocessors import HideKeys

    cell = new_code_cell("x")
    cell.outputs = [new_output("stream", name="stdout", text="\n".join(lines) + "\n")]
    HideKeys().preprocess_cell(cell, {}, 0)
    shown = cell.outputs[0]["text"]
    assert "a quality: you 5" in shown and checks.INSTRUCTOR_MARK not in shown
    assert "reference" not in shown.split("of the reference.", 1)[1]


def test_graded_replies_are_checked_without_a_reference(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """A self-learner's check of a graded rating task: rated or not, never the reference."""
    monkeypatch.chdir(tmp_path)
    cell = {
        "cell_type": "code",
        "metadata": {"nbgrader": {"grade": True, "grade_id": "rt", "points": 4}},
        "source": '# Test: ratings\nchecks.require_ratings("ratings-ps01", ["b049", "b050"])',
    }
    doc = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "ps01-x.ipynb").write_text(json.dumps(doc))
    monkeypatch.setenv("TRUSTKIT_WORK_DIR", str(tmp_path / "trustkit-work"))
    work.save("ratings-ps01", "ratings", {"ratings": {"b049": {"quality": 2}}, "revealed": []})
    checks.check_my_answers("ps01-x")
    out = _out(capsys)
    assert "1 of 2 replies rated; your instructor compares them" in out
    assert "quality 5" not in out


# -- the grader's own process --------------------------------------------------------------
def test_grader_context_applies_nbgrader_rules_to_the_given_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    evidence, elsewhere = tmp_path / "evidence", tmp_path / "elsewhere"
    work.save_answer("a", "q1", 2, evidence)
    work.save_answer("a", "q1", 0, elsewhere)
    with checks.grader_context(evidence):
        assert checks.score_answer("a", "q1", 2, points=1, base=elsewhere) == 1.0  # base ignored
        with pytest.raises(checks.NotYetDone):
            checks.require_answer("a", "q2")  # as under nbgrader, even without its variable
    checks.require_answer("a", "q2", base=elsewhere)  # outside: a friendly line again


def test_validate_on_a_source_notebook_uses_model_work_made_elsewhere(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    source = ROOT / "solutions" / "ps01-trust" / "ps01-trust.ipynb"
    shutil.copy(source, tmp_path / source.name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    checks.require_answer("answers-ps01", "q1")
    assert checks.score_answer("answers-ps01", "q1", 1, points=1) == 1.0
    assert (
        checks.grade_roleplay(
            "roleplay-ps01", _graded_scenario("ps01-trust"), ["completed"], points=1
        )
        == 1.0
    )
    assert not (tmp_path / "trustkit-work").exists()  # never written next to the source
    model = checks._base(None)
    assert model != tmp_path and (Path(model) / "trustkit-work" / "answers-ps01.json").exists()
    # a released notebook (no hidden tests) gets no model work: its own folder, as before
    (tmp_path / source.name).unlink()
    checks._MODEL_WORK.clear()
    assert checks._base(None) == tmp_path
    _out(capsys)


def test_released_source_drops_the_hidden_tests() -> None:
    pytest.importorskip("nbgrader")
    from trustkit.grading.preprocessors import released_source

    source = "a()\n### BEGIN HIDDEN TESTS\nkey(1)\n### END HIDDEN TESTS\nb()"
    assert released_source(source) == "a()\nb()"
    assert released_source("a()") == "a()"
