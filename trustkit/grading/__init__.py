"""nbgrader helpers, replay-based grading and class-scale grading.

- :mod:`trustkit.grading.checks`: the name the notebooks import; it re-exports, by audience,
  :mod:`~trustkit.grading.cells` (what the nbgrader test cells call: answers, role-plays
  replayed through the engine, ratings against the reference bank),
  :mod:`~trustkit.grading.selfcheck` (``check_my_answers`` for self-learners) and
  :mod:`~trustkit.grading.instructor` (keys, ``model_path``, ``model_work``);
  :mod:`~trustkit.grading.criteria` holds the role-play criteria and how they are scored;
- :mod:`trustkit.grading.release`: ``make release`` (``exercises/`` from ``solutions/``);
- :mod:`trustkit.grading.parallel` and :mod:`trustkit.grading.report`: a whole class;
- :mod:`trustkit.grading.regrade`: every autograded score recomputed from the saved work in
  the grader's own process (``trustkit regrade``; ``trustkit grade`` does it as it goes);
- :mod:`trustkit.grading.preprocessors`: the nbgrader preprocessors ``nbgrader_config.py`` uses.

:func:`graded_items` gives a graded rating task's replies, without references, to a
``RatingPanel(items=...)``: the references are the instructor's (see :mod:`trustkit.bank`).

Importing this package is cheap: nbgrader is imported only inside the functions that need it.
:class:`CellBudget` is used by ``nbgrader_config.py`` as the overall time guard of a notebook.
"""

from __future__ import annotations

import time
from typing import Any

__all__ = ["CellBudget", "graded_items"]

GRADED_NOTE = (
    "This reply is part of a graded task: your instructor holds the reference panel's ratings "
    "and compares yours with them when marking."
)


def graded_items(item_ids: list[str]) -> list[Any]:
    """The replies of a graded rating task as ``RatingItem`` objects, with no reference.

    ``RatingPanel(items=graded_items(["b049", "b050"]), key="ratings-ps01")`` shows them like
    any other reply (the empathy scale where the patient's line holds an opportunity); their
    reference ratings are not in the package, only in the source notebook's hidden test.
    """
    from trustkit.bank import graded_replies
    from trustkit.widgets.rating import RatingItem

    return [
        RatingItem(
            id=item.id,
            patient=item.patient,
            reply=item.reply,
            context=item.context,
            reference={"quality": None, "empathy_level": None},
            opportunity=item.opportunity,
            rationale=GRADED_NOTE,
        )
        for item in graded_replies(item_ids)
    ]


class CellBudget:
    """Per-cell timeouts with an overall budget per notebook, for nbclient's ``timeout_func``.

    Every cell may run for at most ``per_cell`` seconds, and all the cells of one notebook
    together for about ``per_notebook`` seconds: once the budget is spent, each further cell
    gets ``floor`` seconds. So a notebook with many endless loops still finishes in bounded
    time. Wire it in ``nbgrader_config.py``::

        budget = CellBudget(per_cell=60, per_notebook=600)
        c.ExecutePreprocessor.timeout_func = budget
        c.ExecutePreprocessor.on_notebook_start = budget.start
    """

    def __init__(self, per_cell: int = 60, per_notebook: int = 600, floor: int = 5) -> None:
        if per_cell <= 0 or per_notebook <= 0 or floor <= 0:
            raise ValueError("CellBudget limits must be positive numbers of seconds.")
        self.per_cell = int(per_cell)
        self.per_notebook = int(per_notebook)
        self.floor = int(min(floor, per_cell))
        self._started: float | None = None

    def start(self, **_kwargs: Any) -> None:
        """nbclient's ``on_notebook_start`` hook: a new notebook gets a fresh budget."""
        self._started = time.monotonic()

    def remaining(self) -> float:
        if self._started is None:
            return float(self.per_notebook)
        return self.per_notebook - (time.monotonic() - self._started)

    def __call__(self, _cell: Any = None) -> int:
        return int(max(self.floor, min(self.per_cell, self.remaining())))

    def __repr__(self) -> str:
        return f"CellBudget(per_cell={self.per_cell}, per_notebook={self.per_notebook})"
