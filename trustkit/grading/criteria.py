"""The role-play criteria each problem set grades its scenario on.

A copy of the weights in the hidden tests of ``solutions/*/*.ipynb``, packaged so that
``trustkit audit`` can measure the exercises' own criteria from a wheel (the solutions are not
shipped). ``tests/test_graded_replies.py`` fails when this copy and the notebooks disagree.
"""

from __future__ import annotations

EXERCISE_CRITERIA: dict[str, dict[str, float]] = {
    "weekend-chest-pain": {
        "completed": 1,
        "facts": 2,
        "opportunities": 1,
        "decision": 1,
        "ending": 1,
    },
    "blood-pressure-review": {
        "completed": 1,
        "facts": 2,
        "opportunities": 1,
        "decision": 1,
        "ending": 1,
    },
    "new-diagnosis-parent": {"completed": 1, "facts": 1, "opportunities": 3, "ending": 1},
    "menopause-choices": {
        "completed": 1,
        "facts": 1,
        "opportunities": 1,
        "decision": 2,
        "ending": 1,
    },
    "missed-result": {
        "completed": 1,
        "facts": 2,
        "opportunities": 2,
        "decision": 1,
        "ending": 1,
        "respect": 1,
    },
}
"""Scenario id -> criterion -> weight, as in the problem sets' hidden tests."""
