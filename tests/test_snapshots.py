"""The plain snapshot each course widget leaves next to itself, so that a reopened lesson shows
the learner's work instead of "Error displaying widget: model not found".

Executed in a real kernel (nbclient), as JupyterLab runs a lesson: the widget cell's outputs
are the widget view and, after it, the snapshot; the snapshot follows the learner's actions
(``update_display_data``); saving through :func:`trustkit.workspace.pre_save_hook` leaves only
the snapshot, which reads well on its own. The real-browser side (play, close, reopen, look)
is ``tests/browser/test_course_pages.py``.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipywidgets")

from trustkit import workspace  # noqa: E402

from .conftest import MINI, MINI_GOOD  # noqa: E402

VIEW = "application/vnd.jupyter.widget-view+json"

CELLS = [
    "from trustkit.widgets import KnowledgeCheck, ReplyCoach, RolePlay, TrustModelExplorer",
    f"rp = RolePlay({str(MINI)!r}, key='snap-rp', seed=1)\nrp",
    "kc = KnowledgeCheck('Which is an open question?', ['Do you smoke?', 'How has it been?'], 1,"
    " 'Open questions let the patient tell it.', key='snap-kc', qid='q1')\nkc",
    "coach = ReplyCoach.load('02-communication', 'open-start')\ncoach",
    "TrustModelExplorer(trust=30)",
    # what the learner does (clicks call exactly these)
    "\n".join(f"rp.choose({o!r})" for o in MINI_GOOD)
    + "\nkc.select(1)\nkc.check()\ncoach.check('Hmm, ok.')\nNone",
]


def _run(folder: Path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    client = nbclient.NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("snapshots")
    env = {"TRUSTKIT_WORK_DIR": str(folder / "trustkit-work"), "TRUSTKIT_HOME": str(folder)}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield _run(folder)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _snapshot(cell) -> str:
    (snap,) = [o for o in cell.outputs if o.get("metadata", {}).get("trustkit", {}).get("snapshot")]
    return snap["data"]["text/html"]


def test_each_widget_cell_shows_the_widget_then_its_snapshot(executed) -> None:
    for cell in executed.cells[1:5]:
        kinds = [("view" if VIEW in o.get("data", {}) else "snapshot") for o in cell.outputs]
        assert kinds == ["view", "snapshot"], cell.source
        assert "Saved view of your work" in _snapshot(cell)
        for o in cell.outputs:
            assert o.output_type == "display_data"
            assert "text/plain" in o["data"]  # a terminal or a plain viewer reads something
    assert not [o for c in executed.cells for o in c.outputs if o.get("name") == "stderr"], (
        "nothing on stderr (nbgrader would score a cell 0)"
    )


def test_the_snapshot_follows_what_the_learner_did(executed) -> None:
    roleplay, check, coach, explorer = (_snapshot(c) for c in executed.cells[1:5])
    assert roleplay.count("<b>You:</b>") == len(MINI_GOOD), "every turn, after the clicks"
    assert "Debrief" in roleplay and "Estimated adherence" in roleplay
    assert "data:image" not in roleplay, "text only: no figure bytes in the snapshot"
    assert (
        "You checked your answer" in check and "Correct" in check and "☑ How has it been?" in check
    )
    assert "Hmm, ok." in coach and "Not yet" in coach
    assert "At trust <b>30</b>" in explorer


def test_saved_by_trustkit_lab_the_snapshot_stands_alone(executed) -> None:
    nb = copy.deepcopy(executed)
    dropped = workspace.strip_widget_views(nb)
    assert dropped == 4
    for cell in nb.cells[1:5]:
        assert [VIEW in o.get("data", {}) for o in cell.outputs] == [False]
    nbformat.validate(nb)
