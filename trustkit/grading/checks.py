"""``from trustkit.grading import checks``: the name the notebooks' test cells use.

Every test cell of the problem sets (and every saved or submitted notebook) calls
``checks.require_answer(...)``, ``checks.score_answer(...)``, ``checks.grade_roleplay(...)`` ...;
the self-check cell imports ``check_my_answers`` from here. This module only re-exports, so
those notebooks keep working and keep grading identically. The code lives by audience:

- :mod:`trustkit.grading.cells`: the test-cell API (``require_*``, ``score_*``, ``grade_*``,
  ``answer``, ``grader_context`` ...), the functions :mod:`trustkit.grading.regrade` recomputes;
- :mod:`trustkit.grading.selfcheck`: ``check_my_answers`` for self-learners;
- :mod:`trustkit.grading.instructor`: the keys and model work (``reference_ratings``,
  ``model_path``, ``model_work``);
- :mod:`trustkit.grading.criteria`: the role-play criteria and ``score_encounter``.

A student's kernel can replace these names (``setattr(checks, ...)``): that changes only what
the kernel prints. The grader recomputes every trustkit test cell in its own process, from
:mod:`trustkit.grading.cells`, never from this module's attributes.
"""

from __future__ import annotations

from trustkit.grading.cells import (
    INSTRUCTOR_MARK,
    NotYetDone,
    RatingsResult,
    RoleplayResult,
    answer,
    describe_answer,
    grade_ratings,
    grade_roleplay,
    grader_context,
    rating_lines,
    ratings_result,
    require_answer,
    require_ratings,
    require_roleplay,
    roleplay_result,
    score_answer,
    score_text,
    transcript_lines,
)
from trustkit.grading.criteria import CRITERIA, DEFAULT_CRITERIA, score_encounter
from trustkit.grading.instructor import model_path, model_work, reference_ratings
from trustkit.grading.selfcheck import CheckLine, check_my_answers, collect_checks

__all__ = [
    "CRITERIA",
    "DEFAULT_CRITERIA",
    "INSTRUCTOR_MARK",
    "CheckLine",
    "NotYetDone",
    "RatingsResult",
    "RoleplayResult",
    "answer",
    "check_my_answers",
    "collect_checks",
    "describe_answer",
    "grade_ratings",
    "grade_roleplay",
    "grader_context",
    "model_path",
    "model_work",
    "rating_lines",
    "ratings_result",
    "reference_ratings",
    "require_answer",
    "require_ratings",
    "require_roleplay",
    "roleplay_result",
    "score_answer",
    "score_encounter",
    "score_text",
    "transcript_lines",
]
