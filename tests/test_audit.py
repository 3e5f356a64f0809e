"""`trustkit audit`: meaning-blind strategies must not score on the packaged library."""

from __future__ import annotations

import json

import pytest

from trustkit import audit as audit_mod
from trustkit.cli import main
from trustkit.engine import Encounter


@pytest.fixture(scope="module")
def result() -> audit_mod.AuditResult:
    return audit_mod.audit()


def test_the_packaged_library_meets_every_audit_target(result) -> None:
    assert result.failures() == [], result.to_text()


@pytest.mark.parametrize("criteria", ["exercise", "default"])
def test_blind_strategies_stay_near_chance_and_the_best_path_near_full_marks(
    result, criteria: str
) -> None:
    rnd = result.row("random", criteria).mean
    for name in [*audit_mod.BLIND, "stock-phrase", "trial-and-error"]:
        row = result.row(name, criteria)
        assert row.mean <= audit_mod.BLIND_MAX, (name, row.mean)
        assert row.mean <= rnd + audit_mod.OVER_RANDOM_MAX, (name, row.mean, rnd)
        assert row.good_scenarios <= audit_mod.GOOD_ENDINGS_MAX, (name, row.good)
    best = result.row("best", criteria)
    assert min(best.fractions.values()) >= audit_mod.BEST_MIN, best.fractions


def test_trial_and_error_would_work_if_practice_were_graded_so_it_is_not(result) -> None:
    row = result.row("trial-and-error", "default")
    assert row.mean == 0.0  # practice mode is never graded as an assessment
    assert sum(row.ungraded.values()) / len(row.ungraded) > 0.5  # the rule is what stops it


def test_position_strategies_use_the_order_the_learner_sees() -> None:
    enc = Encounter("lifestyle-disclosure", seed=3, mode="assessment")
    assert audit_mod.BLIND["top"](enc, None) == enc.options[0].id
    assert audit_mod.BLIND["bottom"](enc, None) == enc.options[-1].id


def test_feeling_words_are_counted() -> None:
    assert audit_mod._feeling_count("I understand, that sounds hard and worrying.") == 4


def test_exercise_criteria_are_the_problem_sets_own() -> None:
    from trustkit.grading.checks import CRITERIA
    from trustkit.grading.criteria import EXERCISE_CRITERIA

    for weights in EXERCISE_CRITERIA.values():
        assert set(weights) <= set(CRITERIA)


def test_cli_audit_json_and_exit_code(capsys) -> None:
    code = main(["audit", "lifestyle-disclosure", "--seeds", "2", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == (1 if data["failures"] else 0)
    names = {r["strategy"] for r in data["rows"]}
    assert {"top", "longest", "feeling-words", "random", "trial-and-error", "best"} <= names
    assert main(["audit", "no-such-scenario"]) == 1
    assert "no packaged scenario" in capsys.readouterr().err


def test_docs_audit_table_is_current(result) -> None:
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location("audit_doc", ROOT / "scripts" / "audit_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    actual = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    assert actual == module.render(result), "docs/audit.md is out of date: run scripts/audit_doc.py"


def test_the_surface_model_learns_style_from_other_scenarios_only(monkeypatch) -> None:
    seen: list[list[str]] = []
    real = audit_mod._surface_counts

    def spy(ids):
        seen.append(list(ids))
        return real(ids)

    monkeypatch.setattr(audit_mod, "_surface_counts", spy)
    audit_mod.audit(["teach-back"], seeds=(1,), criteria_sets=("default",))
    assert seen and all("teach-back" not in ids for ids in seen)
    assert len(seen[0]) == len(audit_mod.packaged_ids()) - 1


def test_surface_cues_report_lifts(capsys) -> None:
    rows = audit_mod.surface_cues(top=5)
    assert len(rows) == 5 and all(
        {"feature", "value", "lift", "best", "options"} <= set(r) for r in rows
    )
    assert main(["audit", "--cues", "3"]) == 0
    assert "lift" in capsys.readouterr().out
