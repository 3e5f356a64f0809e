"""Keys stay with the instructor, and the problem sets are what the package says they are.

- the replies a problem set grades carry no rating, rationale or tag in the package; their
  references live only in the hidden tests and in solutions/reference_ratings.yaml, which agree;
- trustkit/grading/criteria.py (the packaged copy `trustkit audit` uses) matches the hidden
  tests' role-play criteria;
- every graded role-play is in assessment mode, on a case no lesson practises, and one is the
  safety-critical missed-result (bad news after an error).
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import pytest
import yaml

from trustkit import bank
from trustkit._resources import data_path
from trustkit.grading import graded_items, instructor
from trustkit.grading.criteria import EXERCISE_CRITERIA

from ..conftest import ROOT

SOLUTIONS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
KEY_FILE = ROOT / "solutions" / "reference_ratings.yaml"


def _cells(path: Path) -> list[tuple[dict, str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        out.append(((cell.get("metadata") or {}).get("nbgrader") or {}, source))
    return out


def _calls(name: str) -> list[tuple[Path, list, dict]]:
    found = []
    for path in SOLUTIONS:
        for meta, source in _cells(path):
            if meta.get("grade"):
                for call, args, kwargs in instructor.grading_calls(source):
                    if call == name:
                        found.append((path, args, kwargs))
    return found


def _panel() -> dict[str, dict]:
    return {it["id"]: it for it in yaml.safe_load(KEY_FILE.read_text(encoding="utf-8"))["items"]}


def test_graded_replies_have_no_rating_in_the_package() -> None:
    graded = {i for _p, args, _kw in _calls("grade_ratings") for i in args[1]}
    assert len(graded) >= 15
    assert {i.id for i in bank.graded_replies()} == graded
    practice = {i.id for i in bank.load_bank()}
    assert not graded & practice  # not in the practice bank at all
    text = data_path("graded_replies.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)["replies"]
    assert all(set(r) == {"id", "context", "patient", "reply", "opportunity"} for r in raw)
    for item in bank.graded_replies():
        assert item.graded and item.ratings == {} and not item.note and not item.skills
        assert set(item.reference.values()) == {None}
        assert item.id not in instructor.reference_ratings(("quality", "empathy_level"))
    assert "quality:" not in text and "empathy_level" not in text


def test_the_hidden_references_are_the_panels_medians() -> None:
    panel = _panel()
    for path, args, kwargs in _calls("grade_ratings"):
        ref = kwargs.get("reference")
        assert isinstance(ref, dict), f"{path.name}: grade_ratings without reference="
        assert sorted(ref) == sorted(args[1]), path.name
        for item, fields in ref.items():
            assert set(fields) == set(kwargs["fields"]), (path.name, item)
            for name, value in fields.items():
                assert value == statistics.median(panel[item][name]), (path.name, item, name)


def test_graded_replies_are_the_panels_own_and_not_disputed() -> None:
    """Same text in the package as in the key; grading against a disputed reply is unfair."""
    panel = _panel()
    assert set(panel) == {i.id for i in bank.graded_replies()}
    for item in bank.graded_replies():
        raw = panel[item.id]
        assert (item.context, item.patient, item.reply) == (
            raw["context"],
            raw["patient"],
            raw["reply"],
        )
        assert item.opportunity == (raw["empathy_level"] is not None)
        for name in ("quality", "empathy_level"):
            values = raw[name] or [0]
            assert max(values) - min(values) < bank.DISCUSSION_RANGE, (item.id, name)
    assert bank.get_item("b049").graded and not bank.get_item("b049").discussion_item


def test_the_panel_rates_graded_replies_with_the_empathy_scale_where_it_applies() -> None:
    pytest.importorskip("ipywidgets")
    items = graded_items(["b025", "b049"])
    assert [i.opportunity for i in items] == [True, False]
    assert all(set(i.reference.values()) == {None} for i in items)
    with pytest.raises(Exception, match="no graded reply with the id"):
        graded_items(["b001"])  # a practice reply: it has its reference in the package


def test_packaged_criteria_match_the_problem_sets() -> None:
    graded = {}
    for _path, args, _kw in _calls("grade_roleplay"):
        assert args[1] not in graded, f"{args[1]} is graded twice"
        graded[args[1]] = {k: float(v) for k, v in args[2].items()}
    packaged = {sid: {k: float(v) for k, v in c.items()} for sid, c in EXERCISE_CRITERIA.items()}
    assert packaged == graded


def test_graded_role_plays_are_assessments_and_one_is_safety_critical() -> None:
    played = {}
    for path in SOLUTIONS:
        for _meta, source in _cells(path):
            for m in re.finditer(r"RolePlay\((.*?)\)\s*$", source, re.S | re.M):
                played[m.group(1)] = path.name
    graded = {args[1]: args[0] for _p, args, _kw in _calls("grade_roleplay")}
    for sid, key in graded.items():
        call = f'"{sid}", key="{key}", mode="assessment"'
        assert call in played, f"RolePlay({call}) is missing from the solutions"
    # breaking bad news after an error: the safety-critical conversation, on an unseen case
    assert "missed-result" in graded
    # and no graded case is one the lessons let the learner practise with the meter and Undo
    from ..conftest import ROOT

    lessons = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "course").glob("*.ipynb"))
    practised = set(re.findall(r'RolePlay\(\\"([a-z0-9-]+)\\"', lessons))
    assert practised and not practised & set(graded), practised & set(graded)


def test_rating_panels_of_graded_tasks_use_graded_items() -> None:
    for path in SOLUTIONS:
        for _meta, source in _cells(path):
            if "RatingPanel(" in source:
                assert "RatingPanel(items=graded_items([" in source, path.name


def test_model_work_reads_the_hidden_references(tmp_path: Path) -> None:
    source = ROOT / "solutions" / "ps03-empathy" / "ps03-empathy.ipynb"
    instructor.model_work(source, tmp_path)
    saved = json.loads((tmp_path / "trustkit-work" / "ratings-ps03.json").read_text())
    panel = _panel()
    for item, given in saved["data"]["ratings"].items():
        assert given["quality"] == statistics.median(panel[item]["quality"])
