"""Unit tests of trustkit.grading (the package itself): the notebook time guard."""

from __future__ import annotations

import pytest

from trustkit.grading import CellBudget


def test_cell_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("trustkit.grading.time.monotonic", lambda: clock[0])
    budget = CellBudget(per_cell=60, per_notebook=100, floor=5)
    assert budget(None) == 60
    budget.start(notebook=None)
    clock[0] += 70
    assert budget({}) == 30
    clock[0] += 500
    assert budget({}) == 5
    budget.start()
    assert budget({}) == 60
    with pytest.raises(ValueError):
        CellBudget(per_cell=0)
