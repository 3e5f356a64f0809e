"""docs/coverage.md names only lessons, scenarios, exercises and instruments that exist."""

from __future__ import annotations

import re

from trustkit.scenario import packaged_ids

from .conftest import ROOT

TEXT = (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8")
ROWS = [line for line in TEXT.splitlines() if re.match(r"\| \d\. |\| All together", line)]


def _names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_every_step_of_the_argument_has_a_row() -> None:
    assert len(ROWS) == 7


def test_every_name_exists() -> None:
    lessons = {p.stem for p in (ROOT / "course").glob("*.ipynb")}
    scenarios = set(packaged_ids())
    exercises = {p.name for p in (ROOT / "solutions").iterdir() if p.is_dir()}
    instruments = {p.stem for p in (ROOT / "trustkit" / "data" / "instruments").glob("*.yaml")}
    for row in ROWS:
        cells = [c.strip() for c in row.strip("|").split("|")]
        _, lesson, scen, ex, inst = cells
        assert set(_names(lesson)) <= lessons, row
        assert _names(scen) and set(_names(scen)) <= scenarios, row
        assert _names(ex) and set(_names(ex)) <= exercises, row
        assert _names(inst) and set(_names(inst)) <= instruments, row


def test_every_scenario_and_lesson_is_covered() -> None:
    used = set(_names(TEXT))
    assert set(packaged_ids()) <= used, sorted(set(packaged_ids()) - used)
    lessons = {p.stem for p in (ROOT / "course").glob("[0-9][0-9]-*.ipynb")} - {"00-welcome"}
    assert lessons <= used, sorted(lessons - used)
