"""The Answer widget (trustkit.widgets.answer): graded, so it saves and restores, holds no key."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustkit import work
from trustkit.grading import cells


def test_answer_widget_saves_and_restores(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("ipywidgets")
    from trustkit.widgets.answer import Answer

    monkeypatch.setenv("TRUSTKIT_WORK_DIR", str(tmp_path / "trustkit-work"))
    a = Answer("q1", "Which?", ["x", "y", "z"], key="answers-ps99")
    assert a.value is None and not (tmp_path / "trustkit-work").exists()  # no default saved
    a.choose(2)
    assert cells.answer("answers-ps99", "q1", base=tmp_path) == 2
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
    assert cells.answer("answers-ps99", "q1", base=tmp_path) == 1
