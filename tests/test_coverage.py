"""docs/coverage.md follows the real notebooks: it is checked against course/ and solutions/.

The notebooks are the truth. Each test reads them (the ``RolePlay("...")`` cells that play a
scenario, and the markdown text that teaches a framework) and compares them with the tables of
``docs/coverage.md``, so a lesson that drops a role-play, or a doc row that claims one, fails.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from trustkit.scenario import packaged_ids

from .conftest import ROOT

TEXT = (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8")
LESSON_FILES = sorted((ROOT / "course").glob("[0-9][0-9]-*.ipynb"))
EXERCISE_FILES = sorted((ROOT / "solutions").glob("*/*.ipynb"))
ROLEPLAY = re.compile(r"""\bRolePlay\(\s*["']([a-z0-9-]+)["']""")


def _names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _section(title: str) -> list[list[str]]:
    """The body rows of the first table under the ``## title`` heading."""
    part = TEXT.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in part.splitlines() if line.startswith("|")]
    return [_cells(r) for r in rows[2:]]  # skip the header and the |---| line


@cache
def _notebook(path: Path) -> tuple[frozenset[str], str]:
    """(scenario ids played in RolePlay cells, all markdown text) of one notebook."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    prose = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return frozenset(ROLEPLAY.findall(code)), prose


def _lessons() -> dict[str, Path]:
    return {p.stem: p for p in LESSON_FILES}


def _exercises() -> dict[str, Path]:
    return {p.parent.name: p for p in EXERCISE_FILES}


def _played_in(names: list[str]) -> set[str]:
    books = {**_lessons(), **_exercises()}
    return set().union(*(_notebook(books[n])[0] for n in names)) if names else set()


def _number(name: str) -> int:
    """The teaching position of a lesson (``04-...``) or exercise (``ps04-...``)."""
    return int(re.search(r"\d\d", name).group())


ARGUMENT = _section("The argument, step by step")
PLAYED = _section("Where each scenario is played")
FRAMEWORKS = _section("Frameworks and where they are taught")


def test_every_step_of_the_argument_has_a_row() -> None:
    assert len(ARGUMENT) == 7
    assert [r[0][:2] for r in ARGUMENT[:6]] == ["1.", "2.", "3.", "4.", "5.", "6."]


def test_every_name_exists() -> None:
    lessons, exercises = set(_lessons()), set(_exercises())
    scenarios = set(packaged_ids())
    instruments = {p.stem for p in (ROOT / "trustkit" / "data" / "instruments").glob("*.yaml")}
    for row in ARGUMENT:
        _, lesson, scen, ex, inst = row
        assert _names(lesson) and set(_names(lesson)) <= lessons, row
        assert _names(scen) and set(_names(scen)) <= scenarios, row
        assert _names(ex) and set(_names(ex)) <= exercises, row
        assert _names(inst) and set(_names(inst)) <= instruments, row
    for row in FRAMEWORKS:
        assert _names(row[1]) and set(_names(row[1])) <= lessons, row
        assert set(_names(row[2])) <= scenarios, row


def test_every_scenario_and_lesson_is_covered() -> None:
    used = set(_names(TEXT))
    assert set(packaged_ids()) <= used, sorted(set(packaged_ids()) - used)
    lessons = set(_lessons()) - {"00-welcome"}
    assert lessons <= used, sorted(lessons - used)


def test_each_rows_scenarios_are_played_in_its_lessons_or_exercises() -> None:
    for step, lesson, scen, ex, _ in ARGUMENT:
        played = _played_in(_names(lesson) + _names(ex))
        missing = set(_names(scen)) - played
        assert not missing, f"{step[:40]!r}: {sorted(missing)} not played in {lesson} or {ex}"


def test_the_scenario_table_lists_exactly_where_each_scenario_is_played() -> None:
    rows = {_names(r[0])[0]: r for r in PLAYED}
    assert set(rows) == set(packaged_ids()), "one row per packaged scenario"
    for sid, (_, lesson_cell, exercise_cell, _) in rows.items():
        lessons = {n for n, p in _lessons().items() if sid in _notebook(p)[0]}
        exercises = {n for n, p in _exercises().items() if sid in _notebook(p)[0]}
        assert set(_names(lesson_cell)) == lessons, (sid, "lessons", sorted(lessons))
        assert set(_names(exercise_cell)) == exercises, (sid, "exercises", sorted(exercises))
        if not lessons:
            assert lesson_cell == "none", sid
        if not exercises:
            assert exercise_cell == "none", sid


def test_the_scenarios_the_issue_names_are_played_in_a_lesson() -> None:
    in_lessons = set().union(*(_notebook(p)[0] for p in _lessons().values()))
    assert {"difficult-news", "adolescent-confidentiality"} <= in_lessons


def _mentions(prose: str, keyword: str) -> bool:
    # acronyms (SPIKES, NURSE, CARE) are matched as written; other names in any case
    if keyword.replace("-", "").replace("5", "").isupper():
        return re.search(rf"(?<![\w-]){re.escape(keyword)}(?![\w-])", prose) is not None
    return keyword.lower() in prose.lower()


def test_frameworks_are_taught_in_the_lessons_the_doc_names() -> None:
    for row in FRAMEWORKS:
        keywords = re.findall(r"\*\*([^*]+)\*\*", row[0])
        assert keywords, row
        for lesson in _names(row[1]):
            prose = _notebook(_lessons()[lesson])[1]
            for kw in keywords:
                assert _mentions(prose, kw), f"{lesson} does not teach {kw!r}"
        played = _played_in(_names(row[1]) + list(_lessons()))
        assert set(_names(row[2])) <= played, row


def test_a_framework_is_taught_before_an_exercise_assesses_it() -> None:
    # e.g. ps05 asks about SPIKES, so a lesson numbered 05 or earlier must teach SPIKES
    for row in FRAMEWORKS:
        for kw in re.findall(r"\*\*([^*]+)\*\*", row[0]):
            taught = [n for n, p in _lessons().items() if _mentions(_notebook(p)[1], kw)]
            for ex, path in _exercises().items():
                book = json.loads(path.read_text(encoding="utf-8"))["cells"]
                text = "\n".join("".join(c["source"]) for c in book)
                if _mentions(text, kw):
                    assert any(_number(t) <= _number(ex) for t in taught), (
                        f"{ex} names {kw!r}, but no lesson up to {ex[2:4]} teaches it"
                    )


def test_spikes_is_taught_before_ps05_assesses_it() -> None:
    steps = ("Setting", "Perception", "Invitation", "Knowledge", "Emotions", "Strategy")
    teaching = [
        n
        for n, p in _lessons().items()
        if all(step in _notebook(p)[1] for step in steps) and "Baile" in _notebook(p)[1]
    ]
    assert teaching and min(_number(n) for n in teaching) <= 5, "no lesson up to 05 teaches SPIKES"
