"""Every figure of trustkit, matplotlib only, imported lazily.

Each figure function returns a :class:`matplotlib.figure.Figure` that went through the one
:func:`finish`: it has a title (:func:`title`) and alt text (:func:`alt_text`), works headless
(not attached to pyplot; the Agg backend unless a notebook backend is already active), and uses
the Okabe-Ito colour-blind-safe palette. No meaning is carried by colour alone: markers, line
styles, hatches and words carry it too.

=========================  ===================================================================
``figures._base``          palette, :func:`new_figure`, :func:`finish`, :func:`title`,
                           :func:`alt_text`, :func:`empty_figure`, :func:`close`, :func:`to_png`
``figures.course``         scenario graph, trust during an encounter, outcome curves
``figures.dashboard``      the progress dashboard (attempts, skills radar, trust, agreement)
``figures.calibration``    rater calibration: learner vs reference, Bland-Altman
``figures.classreport``    the class report (scores, difficulty, skills, rating calibration)
=========================  ===================================================================

Everything is re-exported here: ``from trustkit import figures; figures.skills_radar(...)``.
Importing this package does not import matplotlib.
"""

from __future__ import annotations

from trustkit.figures._base import (
    GREY,
    OKABE_ITO,
    PALETTE,
    alt_text,
    close,
    empty_figure,
    finish,
    new_figure,
    title,
    to_png,
)
from trustkit.figures.calibration import (
    MIN_FOR_ICC,
    MIN_FOR_LIMITS,
    bland_altman,
    icc_shown,
    number,
    scatter_vs_reference,
)
from trustkit.figures.classreport import (
    question_difficulty,
    rating_calibration,
    score_distribution,
    skills_heatmap,
)
from trustkit.figures.course import outcome_curves, scenario_graph, trust_trajectory
from trustkit.figures.dashboard import (
    DASHBOARD_LINESTYLES,
    DASHBOARD_MARKERS,
    MIN_RATINGS_PER_POINT,
    agreement_over_time,
    attempts_per_scenario,
    skills_radar,
    trust_over_attempts,
)

# every figure function (tests/test_plots.py checks that each one is exercised)
FIGURES = (
    scenario_graph,
    trust_trajectory,
    outcome_curves,
    attempts_per_scenario,
    skills_radar,
    trust_over_attempts,
    agreement_over_time,
    scatter_vs_reference,
    bland_altman,
    score_distribution,
    question_difficulty,
    skills_heatmap,
    rating_calibration,
)

__all__ = [
    "DASHBOARD_LINESTYLES",
    "DASHBOARD_MARKERS",
    "FIGURES",
    "GREY",
    "MIN_FOR_ICC",
    "MIN_FOR_LIMITS",
    "MIN_RATINGS_PER_POINT",
    "OKABE_ITO",
    "PALETTE",
    "agreement_over_time",
    "alt_text",
    "attempts_per_scenario",
    "bland_altman",
    "close",
    "empty_figure",
    "finish",
    "icc_shown",
    "new_figure",
    "number",
    "outcome_curves",
    "question_difficulty",
    "rating_calibration",
    "scatter_vs_reference",
    "scenario_graph",
    "score_distribution",
    "skills_heatmap",
    "skills_radar",
    "title",
    "to_png",
    "trust_over_attempts",
    "trust_trajectory",
]
