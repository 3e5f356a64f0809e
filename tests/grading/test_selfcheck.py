"""Unit tests of trustkit.grading.selfcheck ("check my answers"): what a self-learner runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trustkit import work
from trustkit.grading import instructor, selfcheck

from ..conftest import MINI_GOOD
from .conftest import KEY, REF, SID, rate, save_play, stdout_only

pytestmark = pytest.mark.usefixtures("mini_packaged")


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
    save_play(tmp_path, MINI_GOOD)
    monkeypatch.setattr(instructor, "reference_ratings", lambda fields=("quality",): REF)
    rate(tmp_path, {"a": {"quality": 4}})
    assert selfcheck.check_my_answers("ps99-test") is None
    out = stdout_only(capsys)
    assert "✔ question 1 (1 point): answered" in out  # answered, never "right" or "wrong"
    assert "✖ question 2 (1 point): not answered yet" in out
    assert "✔ role-play (5 points): complete in 5 turns" in out
    assert "1 of 2 ratings given, 1 within 1" in out
    assert "✎ written answer 'refl' (4 points): not written yet" in out
    assert "2 of 4 checks done" in out
    assert "score_answer" not in out and "Traceback" not in out


def test_check_my_answers_never_raises(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert selfcheck.check_my_answers("ps77-nowhere") is None
    assert "could not read the assignment" in stdout_only(capsys)
    (tmp_path / "ps77-nowhere.ipynb").write_text("{not json")
    selfcheck.check_my_answers("ps77-nowhere")
    assert "could not read" in stdout_only(capsys)


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
    selfcheck.check_my_answers("ps01-x")
    out = stdout_only(capsys)
    assert "1 of 2 replies rated; your instructor compares them" in out
    assert "quality 5" not in out


def test_a_broken_notebook_is_named_with_its_line(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ps77-x.ipynb").write_text('{\n "cells": [\n  {oops}\n ]\n}\n')
    selfcheck.check_my_answers("ps77-x")
    out = stdout_only(capsys)
    assert f"{tmp_path / 'ps77-x.ipynb'}:3: is not a notebook" in out, out
    assert out.count("\n") == 2 and "Traceback" not in out
    (tmp_path / "ps77-x.ipynb").write_text("[1, 2]")  # JSON, but not a notebook
    selfcheck.check_my_answers("ps77-x")
    assert "ps77-x.ipynb: is not a notebook" in stdout_only(capsys)


def test_an_edited_test_cell_does_not_stop_the_other_checks(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """A learner's copy is theirs to edit: a check with odd arguments or odd metadata is left
    out (or reported on its own line), and every other check is still made."""
    monkeypatch.chdir(tmp_path)
    path = _notebook(tmp_path)
    nb = json.loads(path.read_text())
    nb["cells"][2]["source"] = "checks.require_answer({[1]: 2}, 'q2')"  # unhashable literal
    nb["cells"][3]["metadata"]["nbgrader"]["points"] = "five"
    nb["cells"][4]["source"] = 'checks.require_ratings("ratings-ps99", 7)'
    path.write_text(json.dumps(nb))
    monkeypatch.setenv("TRUSTKIT_WORK_DIR", str(tmp_path / "trustkit-work"))
    work.save_answer("answers-ps99", "q1", 0)
    selfcheck.check_my_answers("ps99-test")
    out = stdout_only(capsys)
    assert "could not read the assignment" not in out, out
    assert "✔ question 1 (1 point): answered" in out
    assert "✖ role-play (5 points): no saved role-play" in out  # its label, despite "five"
    assert "✖ rt (2 points): could not be checked" in out
    assert "✎ written answer 'refl' (4 points)" in out
