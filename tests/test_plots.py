"""Every figure: a Figure with a title and alt text (one finish()), PNG headless, empty input,
cheap import, no private matplotlib attribute."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from matplotlib.figure import Figure

from trustkit import figures
from trustkit import figures as plots  # the name the course used; trustkit.plots re-exports it
from trustkit.debrief import debrief
from trustkit.engine import play

from .conftest import MINI, MINI_GOOD, ROOT

# Public functions of trustkit.figures' modules that are not figures.
NOT_FIGURES = {
    "finish",
    "title",
    "alt_text",
    "close",
    "to_png",
    "new_figure",
    "empty_figure",
    "number",
    "icc_shown",
}


def _attempt(i: int, sid: str, trust: float, quality: str | None = "good") -> dict[str, Any]:
    return {
        "id": i,
        "scenario_id": sid,
        "title": f"Scenario {sid}",
        "finished_at": f"2026-01-{1 + i % 28:02d}T10:00:{i % 60:02d}.000+00:00",
        "trust_end": trust,
        "ending_quality": quality,
    }


def _rating(i: int, day: int, learner: float | None, reference: float | None) -> dict[str, Any]:
    return {
        "id": i,
        "rated_at": f"2026-02-{day:02d}T09:00:00.000+00:00",
        "learner": learner,
        "reference": reference,
    }


@pytest.fixture(scope="module")
def history_data() -> dict[str, Any]:
    """A small real history: two attempts and three ratings, through trustkit.progress."""
    import os
    import tempfile

    from trustkit.progress import History

    with tempfile.TemporaryDirectory() as tmp:
        h = History(os.path.join(tmp, "p.sqlite"))
        for choices in (MINI_GOOD, ["closed"]):
            enc = play(str(MINI), choices)
            assert h.record_attempt(debrief(enc), transcript=enc.transcript())
        for item, learner, ref in (("a", 3, 4), ("b", 1, 4), ("c", 2, 2)):
            assert h.record_rating(item, "quality", learner, ref)
        return {"summary": h.summary(), "attempts": h.attempts(), "ratings": h.ratings()}


def _class_data(empty: bool = False) -> Any:
    from trustkit.grading.report import ClassData

    data = ClassData("ps1", students={"a": (4.0, 5.0), "b": (1.0, 5.0), "c": (0.0, 5.0)})
    if empty:
        return data
    data.questions = {"ps1:t1": [(1.0, 2.0), (2.0, 2.0)], "ps1:t2": [(0.0, 3.0), (3.0, 3.0)]}
    data.pending = {"ps1:essay": 1}
    data.skills = {"a": {"empathy": 80.0, "open_question": 40.0}, "$\\frac{$": {"empathy": 20.0}}
    data.ratings_gap = {"a": 0.5, "b": 1.5}
    data.rating_bias = {"a": -0.5, "b": 1.0}
    return data


def _comparison(n: int) -> Any:
    from trustkit.calibration import compare

    reference = {f"r{i}": 1 + i % 5 for i in range(n)}
    learner = {k: min(5, v + (i % 3) - 1) for i, (k, v) in enumerate(reference.items())}
    return compare(learner, reference)


def _cases(history_data: dict[str, Any], mini: Any) -> dict[str, list[Callable[[], Figure]]]:
    """For every figure function: calls with real data, then calls with empty input."""
    s = history_data["summary"]
    played = debrief(play(str(MINI), MINI_GOOD))
    not_played = debrief(play(str(MINI), []))
    many = [_attempt(i, "abc"[i % 3], (i * 7) % 100, None if i % 5 else "poor") for i in range(90)]
    days = [_rating(i, 1 + i % 20, i % 5, 2) for i in range(60)]
    return {
        "scenario_graph": [lambda: plots.scenario_graph(mini)],
        "trust_trajectory": [
            lambda: plots.trust_trajectory(played),
            lambda: plots.trust_trajectory(not_played),  # no turns yet
        ],
        "outcome_curves": [
            lambda: plots.outcome_curves(60, fits_values=True),
            lambda: plots.outcome_curves(0),
        ],
        "attempts_per_scenario": [
            lambda: plots.attempts_per_scenario(s),
            lambda: plots.attempts_per_scenario(history_data["attempts"]),
            lambda: plots.attempts_per_scenario(many),
            lambda: plots.attempts_per_scenario([]),
            lambda: plots.attempts_per_scenario({}),
        ],
        "skills_radar": [
            lambda: plots.skills_radar(s["skills"]["first"], s["skills"]["latest"]),
            lambda: plots.skills_radar({"empathy": None, "reflection": 40}, {"empathy": 70}),
            lambda: plots.skills_radar({}, {}),
            lambda: plots.skills_radar({"empathy": None}, {"empathy": None}),
        ],
        "trust_over_attempts": [
            lambda: plots.trust_over_attempts(history_data["attempts"]),
            lambda: plots.trust_over_attempts(many),
            lambda: plots.trust_over_attempts([]),
        ],
        "agreement_over_time": [
            lambda: plots.agreement_over_time(history_data["ratings"]),
            lambda: plots.agreement_over_time(s),
            lambda: plots.agreement_over_time(days),
            lambda: plots.agreement_over_time([]),
            lambda: plots.agreement_over_time([_rating(1, 1, None, 3)]),
        ],
        "scatter_vs_reference": [
            lambda: figures.scatter_vs_reference(_comparison(12)),
            lambda: figures.scatter_vs_reference(_comparison(3), "empathy level"),
        ],
        "bland_altman": [
            lambda: figures.bland_altman(_comparison(12)),  # with limits of agreement
            lambda: figures.bland_altman(_comparison(3)),
        ],
        "score_distribution": [lambda: figures.score_distribution(_class_data())],
        "question_difficulty": [
            lambda: figures.question_difficulty(_class_data()),
            lambda: figures.question_difficulty(_class_data(empty=True)),
        ],
        "skills_heatmap": [
            lambda: figures.skills_heatmap(_class_data()),
            lambda: figures.skills_heatmap(_class_data(empty=True)),
        ],
        "rating_calibration": [
            lambda: figures.rating_calibration(_class_data()),
            lambda: figures.rating_calibration(_class_data(empty=True)),
        ],
    }


def _public_figure_functions() -> set[str]:
    """Every public function defined in a module of trustkit.figures, helpers left out."""
    import importlib
    import pkgutil

    found = set()
    for info in pkgutil.iter_modules(figures.__path__):
        module = importlib.import_module(f"trustkit.figures.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                found.add(name)
    return found - NOT_FIGURES


def test_every_figure_function_is_tested(history_data: dict[str, Any], mini: Any) -> None:
    public = _public_figure_functions()
    assert {"scenario_graph", "skills_radar", "bland_altman", "skills_heatmap"} <= public
    missing = public - set(_cases(history_data, mini))
    assert not missing, f"add cases for {sorted(missing)} to tests/test_plots.py"
    assert {fn.__name__ for fn in figures.FIGURES} == public


def test_the_old_module_names_are_the_same_figures() -> None:
    from trustkit import calibration_plots
    from trustkit import plots as old_plots
    from trustkit.grading import report

    for name in figures.__all__:
        assert getattr(old_plots, name) is getattr(figures, name), name
    assert calibration_plots.bland_altman is figures.bland_altman
    assert calibration_plots.MIN_FOR_ICC == figures.MIN_FOR_ICC
    assert report.question_difficulty is figures.question_difficulty


def test_no_private_matplotlib_attribute_is_read() -> None:
    """fig._suptitle and friends change without notice between matplotlib releases."""
    import re

    private = re.compile(r"\b(?:fig|figure|ax|axes)\._[a-z]")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "trustkit").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if private.search(line) or "._suptitle" in line
    ]
    assert not offenders, offenders


def test_finish_needs_a_title_and_alt_text() -> None:
    fig = figures.new_figure()
    with pytest.raises(ValueError, match="title and alt text"):
        figures.finish(fig, "A title", " ")
    with pytest.raises(ValueError, match="title and alt text"):
        figures.finish(fig, "", "Some alt text for the figure.")
    assert figures.title(figures.finish(fig, "T", "alt")) == "T"


def _texts(fig: Figure) -> str:
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_figures_have_title_alt_text_and_render(history_data: dict[str, Any], mini: Any) -> None:
    for name, calls in _cases(history_data, mini).items():
        for k, call in enumerate(calls):
            fig = call()
            where = f"{name} case {k}"
            assert isinstance(fig, Figure), where
            assert figures.title(fig).strip() and fig.get_suptitle() == figures.title(fig), where
            assert len(plots.alt_text(fig)) >= 20, where
            assert figures.title(fig) not in [a.get_title() for a in fig.axes], where  # once
            png = plots.to_png(fig, dpi=50)
            assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000, where
            plots.close(fig)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: plots.attempts_per_scenario([]), "No attempts yet"),
        (lambda: plots.skills_radar({}, {}), "Play a scenario twice to compare"),
        (lambda: plots.trust_over_attempts([]), "No attempts yet"),
        (lambda: plots.agreement_over_time([]), "No ratings yet"),
        (
            lambda: plots.agreement_over_time(
                [{"learner": 3, "reference": 1, "rated_at": "2026-11-01T10:00"}]
            ),
            "Rate at least 3 replies on a day to see a point",
        ),
    ],
)
def test_empty_input_says_so(call: Callable[[], Figure], message: str) -> None:
    fig = call()
    assert message in _texts(fig) and message in plots.alt_text(fig)


def test_dashboard_figures_carry_meaning_beyond_colour(history_data: dict[str, Any]) -> None:
    s = history_data["summary"]
    bars = plots.attempts_per_scenario(s)
    assert "2" in [t.get_text() for t in bars.axes[0].texts]  # counts are written on bars
    assert bars.axes[0].get_xlabel() and bars.axes[0].get_ylabel()

    radar = plots.skills_radar({"a": 10, "b": 20, "c": 30}, {"a": 40, "b": 50, "c": 60})
    ax = radar.axes[0]
    assert ax.name == "polar"
    first, latest = ax.get_lines()[:2]
    assert (first.get_linestyle(), first.get_marker()) == ("--", "o")
    assert (latest.get_linestyle(), latest.get_marker()) == ("-", "s")
    assert ax.get_legend() is not None
    assert "3 skill(s) improved" in plots.alt_text(radar)

    many = [_attempt(i, "abc"[i % 3], 50) for i in range(9)]
    trend = plots.trust_over_attempts(many)
    markers = {line.get_marker() for line in trend.axes[0].get_lines()}
    assert len(markers) == 3  # one shape per scenario
    assert "good" in _texts(trend)  # ending quality written beside each point
    assert trend.axes[0].get_xlabel() and trend.axes[0].get_ylabel()

    agree = plots.agreement_over_time(history_data["ratings"])
    assert "lower is better" in agree.axes[0].get_ylabel()
    assert "within 1" in _texts(agree)


def test_figures_render_headless_without_pyplot(tmp_path: Any) -> None:
    code = (
        "import sys\n"
        "from trustkit import plots\n"
        "fig = plots.trust_over_attempts([{'id': 1, 'scenario_id': 's', 'title': 'S', "
        "'finished_at': '2026-01-01', 'trust_end': 50, 'ending_quality': 'good'}])\n"
        "assert plots.to_png(fig).startswith(b'\\x89PNG')\n"
        "fig = plots.skills_radar({'empathy': 10}, {'empathy': 90})\n"
        "assert plots.to_png(fig).startswith(b'\\x89PNG')\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no DISPLAY, no MPLBACKEND
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_import_trustkit_stays_cheap() -> None:
    code = (
        "import sys, trustkit\n"
        "assert 'matplotlib' not in sys.modules and 'ipywidgets' not in sys.modules\n"
        "import trustkit.progress, trustkit.cli.progress\n"
        "assert 'matplotlib' not in sys.modules, 'trustkit.progress imported matplotlib'\n"
        "assert 'numpy' not in sys.modules, 'trustkit.progress imported numpy'\n"
        "import trustkit.figures, trustkit.plots, trustkit.calibration_plots, trustkit.csvsafe\n"
        "assert 'matplotlib' not in sys.modules, 'trustkit.figures imported matplotlib'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
