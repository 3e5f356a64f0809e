"""Shared test fixtures: every test runs with its own TRUSTKIT_HOME and saved-work folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# nbgrader runs `alembic` by name; make the interpreter's own bin folder come first on PATH.
_BIN = str(Path(sys.executable).parent)
if os.environ.get("PATH", "").split(os.pathsep)[0] != _BIN:
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
MINI = DATA / "mini.yaml"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never touch the developer's ~/.trustkit, ~/trustkit-course or a trustkit-work/ folder in
    the repo."""
    home = tmp_path_factory.mktemp("trustkit-home")
    monkeypatch.setenv("TRUSTKIT_HOME", str(home))
    monkeypatch.setenv("TRUSTKIT_WORK_DIR", str(home / "trustkit-work"))
    monkeypatch.setenv("TRUSTKIT_COURSE", str(home / "trustkit-course"))  # never ~/trustkit-course
    monkeypatch.setenv("MPLBACKEND", "Agg")
    yield


@pytest.fixture
def mini_path() -> Path:
    return MINI


@pytest.fixture
def mini():
    from trustkit.scenario import load_file

    return load_file(MINI).scenario


# A good path through tests/data/mini.yaml and what it must produce.
MINI_GOOD = ["open", "empathise", "ask-smoke", "reflect-job", "share"]


# Shrout & Fleiss (1979), Psychol Bull 86:420, Table 1: 6 targets rated by 4 judges, and their
# Table 4 (the six ICCs, printed to two decimals in the paper). Used by the statistics and CLI tests.
SF = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
SF_PUBLISHED = {
    "ICC(1,1)": 0.17,
    "ICC(2,1)": 0.29,
    "ICC(3,1)": 0.71,
    "ICC(1,k)": 0.44,
    "ICC(2,k)": 0.62,
    "ICC(3,k)": 0.91,
}
