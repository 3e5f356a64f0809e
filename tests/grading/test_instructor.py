"""Unit tests of trustkit.grading.instructor: keys, full marks reachable, model work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trustkit.engine import play
from trustkit.grading import cells, instructor

from ..conftest import MINI, ROOT
from .conftest import ALL, SID, stdout_only

pytestmark = pytest.mark.usefixtures("mini_packaged")


def test_model_path_reaches_full_marks() -> None:
    path, fraction = instructor.model_path(SID, ALL)
    assert fraction == 1.0
    assert play(MINI, path).finished


def _graded_scenario(ps: str) -> str:
    source = (ROOT / "solutions" / ps / f"{ps}.ipynb").read_text(encoding="utf-8")
    for cell in json.loads(source)["cells"]:
        for name, args, _kw in instructor.grading_calls("".join(cell["source"])):
            if name == "grade_roleplay":
                return args[1]
    raise AssertionError(f"{ps}: no graded role-play")


def test_model_work_and_check_my_answers_on_a_real_assignment(tmp_path: Path, capsys) -> None:
    source = ROOT / "solutions" / "ps01-trust" / "ps01-trust.ipynb"
    files = instructor.model_work(source, tmp_path, reference={})
    assert {f.name for f in files} >= {"answers-ps01.json", "roleplay-ps01.json"}
    sid = _graded_scenario("ps01-trust")
    res = cells.roleplay_result("roleplay-ps01", sid, None, base=tmp_path)
    assert res.status == "ok" and res.finished


def test_validate_on_a_source_notebook_uses_model_work_made_elsewhere(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    source = ROOT / "solutions" / "ps01-trust" / "ps01-trust.ipynb"
    shutil.copy(source, tmp_path / source.name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    cells.require_answer("answers-ps01", "q1")
    assert cells.score_answer("answers-ps01", "q1", 1, points=1) == 1.0
    assert (
        cells.grade_roleplay(
            "roleplay-ps01", _graded_scenario("ps01-trust"), ["completed"], points=1
        )
        == 1.0
    )
    assert not (tmp_path / "trustkit-work").exists()  # never written next to the source
    model = instructor.validation_work()
    assert model is not None and model != tmp_path
    assert (model / "trustkit-work" / "answers-ps01.json").exists()
    # a released notebook (no hidden tests) gets no model work: its own folder, as before
    (tmp_path / source.name).unlink()
    assert instructor.validation_work() is None
    assert cells.answer("answers-ps01", "q1") is None
    stdout_only(capsys)
