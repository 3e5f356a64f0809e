"""Shared by the tests of trustkit.grading: the test scenario under a packaged id, saved work."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustkit import work
from trustkit.engine import play

from ..conftest import MINI

SID = "mini-cough"
KEY = "roleplay-ps99"
ALL = {"completed": 1, "facts": 1, "opportunities": 1, "decision": 1, "ending": 1}
REF = {"a": {"quality": 4, "empathy_level": 3}, "b": {"quality": 1}, "c": {"quality": 3}}


@pytest.fixture
def mini_packaged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the engine load the test scenario by its id, as if it were packaged."""
    import trustkit.engine as engine
    import trustkit.scenario as scenario

    real = scenario.load

    def load(ref):
        return real(MINI) if ref == SID else real(ref)

    monkeypatch.setattr(scenario, "load", load)
    monkeypatch.setattr(engine, "load", load)


def save_play(
    base: Path | None, choices: list[str], key: str = KEY, mode: str = "assessment", **extra
) -> dict:
    """Play ``choices`` through the test scenario and save it as a learner's role-play."""
    enc = play(MINI, choices, mode=mode)
    data = {"scenario": SID, "transcript": enc.transcript(), "completed": enc.finished, **extra}
    work.save(key, "roleplay", data, base)
    return data


def rate(base: Path | None, ratings: dict) -> None:
    work.save("ratings-ps99", "ratings", {"ratings": ratings, "revealed": []}, base)


def stdout_only(capsys: pytest.CaptureFixture[str]) -> str:
    """What was printed; asserts that nothing went to stderr (nbgrader would zero the cell)."""
    out = capsys.readouterr()
    assert out.err == ""
    return out.out
