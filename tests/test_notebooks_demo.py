"""The widgets demo notebook runs clean: headless (nbclient) and under nbval.

The notebook is executed in a temporary folder (its ``trustkit-work/`` lands there) with
``TRUSTKIT_HOME`` pointing to a temporary folder too (set by the autouse fixture in
``conftest.py``; the kernel inherits the environment). A cell may not raise, and nothing may
reach stderr: nbgrader scores a cell 0 for that (DESIGN.md, "Known traps").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parent / "notebooks" / "demo_widgets.ipynb"


def _execute(folder: Path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return nb


def _problems(nb) -> list[str]:
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"{cell['id']}: {out['ename']}: {out['evalue']}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                found.append(f"{cell['id']}: stderr: {out['text'][:300]}")
    return found


def test_committed_with_outputs_cleared() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id


def test_demo_runs_clean_and_saves_nothing_by_itself(tmp_path: Path) -> None:
    nb = _execute(tmp_path)
    assert _problems(nb) == []
    views = [
        out
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in out.get("data", {})
    ]
    assert len(views) == 3  # RolePlay, RatingPanel, ProgressDashboard
    # nothing was saved by merely running the cells (no learner action yet)
    folder = Path(os.environ["TRUSTKIT_WORK_DIR"])
    assert not folder.exists() or list(folder.iterdir()) == []


@pytest.mark.slow
def test_demo_under_nbval(tmp_path: Path) -> None:
    pytest.importorskip("nbval")
    copy = tmp_path / "demo_widgets.ipynb"
    shutil.copy(NOTEBOOK, copy)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-p",
            "no:cacheprovider",
            "-q",
            "-o",
            "addopts=",
            "-W",
            "ignore::DeprecationWarning",
            str(copy),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "passed" in done.stdout
