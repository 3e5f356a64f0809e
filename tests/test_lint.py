"""`trustkit lint`: every graph problem is found and reported as FILE:LINE: message."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from trustkit.lint import fk_grade, lint_file, lint_packaged, syllables

from .conftest import MINI


def _data() -> dict:
    return yaml.safe_load(MINI.read_text(encoding="utf-8"))


def _lint(tmp_path: Path, data: dict):
    p = tmp_path / "case.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False, width=1000), encoding="utf-8")
    return p, lint_file(p)


def _line_of(path: Path, needle: str, nth: int = 1) -> int:
    hits = [i for i, t in enumerate(path.read_text().splitlines(), 1) if needle in t]
    return hits[nth - 1]


def test_mini_is_clean() -> None:
    report = lint_file(MINI)
    assert report.problems == []
    assert report.stats["nodes"] == 6 and report.stats["endings"] == 3


def test_missing_target(tmp_path: Path) -> None:
    d = _data()
    d["nodes"][1]["options"][0]["next"] = "nowhere"
    p, r = _lint(tmp_path, d)
    msgs = [str(x) for x in r.errors]
    line = _line_of(p, "next: nowhere")
    assert f"{p}:{line}: option 'empathise' leads to 'nowhere', which does not exist." in msgs


def test_unreachable_node_and_ending(tmp_path: Path) -> None:
    d = _data()
    orphan = copy.deepcopy(d["nodes"][3])
    orphan["id"] = "orphan"
    d["nodes"].append(orphan)
    d["endings"].append({**copy.deepcopy(d["endings"][0]), "id": "never"})
    p, r = _lint(tmp_path, d)
    text = "\n".join(str(x) for x in r.errors)
    assert "node 'orphan' cannot be reached from the start." in text
    assert "no path reaches ending 'never'." in text
    assert f"{p}:{_line_of(p, '- id: never')}:" in text


def test_cycle_with_no_exit_and_dead_end(tmp_path: Path) -> None:
    d = _data()
    # habits -> work -> habits, and work no longer leads anywhere else
    d["nodes"][4]["options"] = [
        {**copy.deepcopy(d["nodes"][4]["options"][1]), "next": "habits", "branches": []}
    ]
    d["nodes"][1]["options"] = [d["nodes"][1]["options"][1]]  # story -> habits only
    d["nodes"][2]["options"] = [d["nodes"][2]["options"][0]]  # guarded -> story only
    p, r = _lint(tmp_path, d)
    text = "\n".join(str(x) for x in r.errors)
    assert "cycle with no exit: 'habits', 'work' never reach an ending." in text
    d2 = _data()
    d2["nodes"][5]["options"] = [{**copy.deepcopy(d2["nodes"][5]["options"][0]), "next": "decide"}]
    d2["nodes"][5]["options"][0]["choice"] = "xray-now"
    p2, r2 = _lint(tmp_path, d2)
    text2 = "\n".join(str(x) for x in r2.errors)
    assert "cycle with no exit: 'decide'" in text2  # a self-loop


def test_dead_end_node(tmp_path: Path) -> None:
    d = _data()
    d["nodes"][5]["options"] = [{**copy.deepcopy(d["nodes"][5]["options"][0]), "next": "habits"}]
    d["nodes"][4]["options"][1]["next"] = "decide"
    d["nodes"][3]["options"] = [
        {**copy.deepcopy(d["nodes"][3]["options"][0]), "next": "nowhere"},
    ]
    _, r = _lint(tmp_path, d)
    text = "\n".join(str(x) for x in r.errors)
    assert "leads to 'nowhere'" in text
    assert "dead end: node 'habits' never leads to an ending." in text


def test_unreachable_thresholds(tmp_path: Path) -> None:
    d = _data()
    d["facts"][0]["threshold"] = 95
    d["nodes"][4]["options"][0]["branches"] = [{"min_trust": 97, "next": "decide"}]
    p, r = _lint(tmp_path, d)
    text = "\n".join(str(x) for x in r.errors)
    assert "fact 'smoking' needs trust 95, but no path reaches more than" in text
    assert f"{p}:{_line_of(p, 'threshold: 95')}:" in text
    assert "no path reaches trust 97 for this branch" in text


def test_cycle_with_gain_can_reach_any_threshold(tmp_path: Path) -> None:
    d = _data()
    d["facts"][0]["threshold"] = 95
    # a loop that gains on every dimension: habits -> work -> habits (with an exit kept)
    d["nodes"][4]["options"].append(
        {
            "id": "loop",
            "text": "Go on.",
            "skills": ["open_question"],
            "reason": "test loop",
            "effects": {"caring": 5, "competence": 5, "honesty": 5, "autonomy": 5},
            "next": "habits",
        }
    )
    _, r = _lint(tmp_path, d)
    assert not any("smoking" in str(x) for x in r.errors), r.errors
    # a loop that gains on one dimension only cannot lift the mean above the others' bounds
    for dim in ("competence", "honesty", "autonomy"):
        d["nodes"][4]["options"][-1]["effects"][dim] = 0
    _, r = _lint(tmp_path, d)
    assert any("fact 'smoking' needs trust 95" in str(x) for x in r.errors)


def test_unknown_references_and_skills(tmp_path: Path) -> None:
    d = _data()
    d["nodes"][0]["options"][0]["skills"] = ["mind_reading"]
    d["nodes"][0]["options"][0]["opens"] = ["secret"]
    d["nodes"][0]["options"][0]["meets"] = ["ghost"]
    d["nodes"][1]["raises"] = ["phantom"]
    d["nodes"][5]["options"][0]["choice"] = "surgery"
    d["opportunities"].append({**copy.deepcopy(d["opportunities"][0]), "id": "unused"})
    d["facts"].append({**copy.deepcopy(d["facts"][0]), "id": "unasked"})
    _, r = _lint(tmp_path, d)
    text = "\n".join(str(x) for x in r.errors)
    for expected in [
        "unknown skill code 'mind_reading'",
        "opens unknown fact 'secret'",
        "meets unknown opportunity 'ghost'",
        "raises unknown opportunity 'phantom'",
        "chooses 'surgery', not an option of decision 'xray'",
        "no node raises opportunity 'unused'",
        "no option opens the way to fact 'unasked'",
    ]:
        assert expected in text


def test_schema_errors_are_all_listed_with_lines(tmp_path: Path) -> None:
    d = _data()
    d["nodes"][0]["options"][0]["effects"]["caring"] = "lots"
    d["patient"]["age"] = -3
    p, r = _lint(tmp_path, d)
    assert len(r.errors) == 2
    assert all(str(e).startswith(f"{p}:") for e in r.errors)


def test_readability_warning(tmp_path: Path) -> None:
    d = _data()
    jargon = (
        "Notwithstanding considerable gastrointestinal symptomatology, the administration of "
        "pharmacological interventions necessitates comprehensive consideration."
    )
    for node in d["nodes"]:
        node["patient"] = jargon
    _, r = _lint(tmp_path, d)
    assert not r.errors
    assert any("Flesch-Kincaid grade" in str(w) for w in r.warnings)


def test_fk_grade_against_a_worked_example() -> None:
    # "The cat sat on the mat." 6 words, 1 sentence, 6 syllables:
    # 0.39*6 + 11.8*1 - 15.59 = -1.45
    assert fk_grade(["The cat sat on the mat."]) == pytest.approx(-1.45)
    assert syllables("remembered") == 3 and syllables("doctor") == 2 and syllables("the") == 1
    assert fk_grade([]) is None


def test_packaged_scenarios_lint_clean() -> None:
    for report in lint_packaged():
        assert report.errors == [], [str(e) for e in report.errors]
        assert report.warnings == [], [str(w) for w in report.warnings]
