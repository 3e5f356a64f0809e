"""trustkit.grading.checks, the name the notebooks import: a re-export that keeps every
notebook working, and that a kernel's forgery of it never reaches the grader."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from trustkit import work
from trustkit.grading import cells, checks, criteria, instructor, regrade, selfcheck

from ..conftest import ROOT

NOTEBOOKS = sorted(
    p
    for folder in ("solutions", "exercises", "course")
    for p in (ROOT / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)


def _sources(path: Path) -> str:
    cells_ = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join(
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells_
    )


def test_every_name_the_notebooks_use_is_in_checks() -> None:
    assert NOTEBOOKS, "no notebooks found"
    used: set[str] = set()
    for path in NOTEBOOKS:
        text = _sources(path)
        used |= set(re.findall(r"\bchecks\.([A-Za-z_]\w*)", text))
        for names in re.findall(r"from trustkit\.grading\.checks import ([\w, ]+)", text):
            used |= {n.strip() for n in names.split(",")}
    assert {"require_answer", "score_answer", "grade_roleplay", "check_my_answers"} <= used
    missing = sorted(n for n in used if not hasattr(checks, n))
    assert not missing, f"the notebooks use checks.{missing}, which checks no longer has"


def test_checks_re_exports_the_homes_own_objects() -> None:
    homes = (cells, selfcheck, instructor, criteria)
    for name in checks.__all__:
        value = getattr(checks, name)
        owners = [m for m in homes if getattr(m, name, None) is value]
        assert owners, f"checks.{name} is not the object of its home module"


def test_every_recomputable_call_is_a_test_cell_function() -> None:
    for name in regrade.CALLS:
        assert callable(getattr(cells, name)), name
        assert getattr(checks, name) is getattr(cells, name), name


FORGE = ("score_", "grade_", "require_")


def test_a_forged_checks_module_never_reaches_the_recomputation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a submission's extra cell does to its kernel, done to this process: the grader's
    recomputation still reads the saved work through the test-cell API."""
    work.save_answer("answers-ps99", "q1", 0, tmp_path)  # the key is 2: a wrong answer
    cell = regrade.AutoCell(
        "ps99",
        "q1",
        1.0,
        (
            ("require_answer", ("answers-ps99", "q1"), ()),
            ("score_answer", ("answers-ps99", "q1", 2), (("points", 1),)),
        ),
    )
    assert regrade.recompute(cell, tmp_path).score == 0.0
    for name in dir(checks):
        if name.startswith(FORGE):
            monkeypatch.setattr(checks, name, lambda *a, points=1, **k: float(points))
    assert checks.score_answer("answers-ps99", "q1", 2) == 1.0  # the forgery works on checks
    rec = regrade.recompute(cell, tmp_path)
    assert rec.score == 0.0 and rec.failure is None
    assert any("Question q1: 0/1" in line for line in rec.lines)
