"""An assessment role-play played to its end by clicking, in a real JupyterLab: no meter, no
undo, no hints, and once finished it cannot be started again (the finished attempt is graded).

Screenshots: ``test-artifacts/browser/30-assessment-*.png``.
"""

from __future__ import annotations

import nbformat
import pytest

from trustkit.grading.criteria import EXERCISE_CRITERIA
from trustkit.grading.instructor import model_path
from trustkit.scenario import load

from .helpers import open_notebook, run_all, shot

pytestmark = pytest.mark.browser

SID = "weekend-chest-pain"
RP = ".tk-roleplay"
NOTEBOOK = "assessment-tryout.ipynb"


def test_a_finished_assessment_cannot_be_started_again(browser_page, lab) -> None:
    page = browser_page
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from trustkit.widgets import RolePlay\n"
            f'RolePlay("{SID}", key="rp-assessment-tryout", mode="assessment")'
        )
    ]
    nbformat.write(nb, lab["root"] / NOTEBOOK)
    path, _ = model_path(SID, EXERCISE_CRITERIA[SID])
    sc = load(SID)
    text = {o.id: o.text for node in sc.nodes for o in node.options}
    try:
        open_notebook(page, lab, NOTEBOOK)
        run_all(page, ready=(f"{RP} .tk-option",))
        assert (
            page.locator(f"{RP} .tk-trust-value").count() == 0
            or not page.locator(f"{RP} .tk-trust-value").is_visible()
        ), "an assessment shows no trust meter"
        assert page.locator(f"{RP} .tk-undo").is_disabled()
        shot(page, "30-assessment-start")
        restart = page.locator(f"{RP} .tk-restart")
        assert restart.is_enabled(), "before the end a learner may start again"
        for i, option in enumerate(path):
            button = page.locator(f"{RP} button.tk-option", has_text=text[option][:60])
            button.first.click()
            page.wait_for_selector(f"{RP} .tk-option, {RP} img.tk-debrief-figure")
            if i == 2:
                shot(page, "30-assessment-midway")
        page.wait_for_selector(f"{RP} img.tk-debrief-figure")
        page.locator(RP).scroll_into_view_if_needed()
        shot(page, "30-assessment-finished")
        assert restart.is_disabled(), "a finished assessment cannot be started again"
        dialogue = page.inner_text(f"{RP} .tk-dialogue")
        assert sc.patient.name.split()[0] in dialogue
    except Exception:
        shot(page, "39-assessment-failure")
        raise
