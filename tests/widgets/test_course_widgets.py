"""Knowledge checks and the outcome-model explorer, driven headless through their API."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("ipywidgets")

from trustkit import work  # noqa: E402
from trustkit.outcomes import estimate_adherence, estimate_disclosure  # noqa: E402
from trustkit.widgets.explorer import TrustModelExplorer  # noqa: E402
from trustkit.widgets.quiz import KnowledgeCheck  # noqa: E402

from ..figures import img  # noqa: E402


def _quiz(**kw) -> KnowledgeCheck:
    return KnowledgeCheck(
        "Which question invites the patient's story?",
        ["Do you smoke?", "What brings you in today?", "Is the pain sharp?"],
        1,
        "Open questions let the patient tell the story in their own words.",
        feedback=["A closed question.", "An open question.", "A closed question."],
        qid="open-q",
        **kw,
    )


def test_feedback_for_right_and_wrong() -> None:
    q = _quiz()
    assert q.check() is False and "Choose an answer first" in q._feedback.value
    q.select(0)
    assert q.check() is False
    assert "Not quite" in q._feedback.value and "A closed question." in q._feedback.value
    q.select(1)
    assert q.check() is True and "Correct" in q._feedback.value
    assert "Open questions let" in q._feedback.value


def test_multiple_answers() -> None:
    q = KnowledgeCheck("Pick the NURSE actions", ["Naming", "Lecturing", "Exploring"], [0, 2], "x")
    q.select(0)
    assert q.check() is False
    q.select(0, 2)
    assert q.check() is True


def test_answers_survive_a_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTKIT_WORK_DIR", str(tmp_path / "trustkit-work"))
    q = _quiz(key="checks-lesson02")
    q.select(2)
    q.check()
    other = KnowledgeCheck("Another?", ["a", "b"], 0, "x", key="checks-lesson02", qid="other")
    other.select(1)
    other.check()
    again = _quiz(key="checks-lesson02")  # a re-run of the cell
    assert again.selected == {2}
    data = work.load_answers("checks-lesson02").data
    assert data == {"answers": {"open-q": [2], "other": [1]}}


def test_corrupt_saved_answers_are_kept_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "trustkit-work"
    monkeypatch.setenv("TRUSTKIT_WORK_DIR", str(folder))
    folder.mkdir()
    (folder / "checks-x.json").write_text("{broken")
    q = _quiz(key="checks-x")
    assert "could not be read" in q._feedback.value
    assert q.selected == set()
    assert any(".corrupt-" in p.name for p in folder.iterdir())


def test_explorer_follows_the_model() -> None:
    ex = TrustModelExplorer(trust=50)
    png = img(ex.figure).png
    assert f"{100 * estimate_disclosure(50):.0f}%" in ex.summary.value
    ex.set(80, fits_values=True)
    assert f"{100 * estimate_adherence(80, True):.0f}%" in ex.summary.value
    assert img(ex.figure).png != png
    assert "trust 80" in ex.figure.alt_text and "Educational approximation" in ex.figure.alt_text
    assert "trust 80" in ex.caption.value


def test_model_labels_say_what_each_figure_measured() -> None:
    from trustkit.outcomes import ADHERENCE_LABEL, DISCLOSURE_LABEL

    assert ADHERENCE_LABEL.startswith("Educational approximation")
    assert "communication training" in ADHERENCE_LABEL  # Zolnierek & DiMatteo's 1.62
    assert "knowledge of the patient" in ADHERENCE_LABEL  # Safran's 16.8-44.0%
    assert DISCLOSURE_LABEL.startswith("Educational approximation")
    assert "ever held back" in DISCLOSURE_LABEL and "assumption" in DISCLOSURE_LABEL  # Levy
