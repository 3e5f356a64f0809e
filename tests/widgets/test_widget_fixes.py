"""Issue 16's list of defects in the course widgets, one test each (each one fails on the
version the issue was filed against). The layout ones (cut-off buttons, sideways scrolling,
overlapping text) are also measured in the real browser by ``tests/browser/``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("ipywidgets")

import ipywidgets as w  # noqa: E402

from trustkit.widgets import (  # noqa: E402
    CalibrationView,
    EncounterRating,
    KnowledgeCheck,
    ProgressDashboard,
    RatingPanel,
    ReplyCoach,
    RolePlay,
    SelfRating,
    TrustModelExplorer,
)
from trustkit.widgets.coach import lesson_prompts  # noqa: E402
from trustkit.widgets.dashboard import skill_changes  # noqa: E402

from ..conftest import MINI, MINI_GOOD, ROOT  # noqa: E402
from ..figures import imgs  # noqa: E402

LESSONS = sorted((ROOT / "course").glob("*.ipynb"))
NOT_AN_AIM = ["Hmm, ok.", "OK.", "Right.", "I see.", "Sure, no problem."]


def _walk(widget: w.Widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


# -- the reply coach ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lesson", "qid"),
    [
        (lesson, qid)
        for lesson in ("02-communication", "03-empathy")
        for qid in lesson_prompts(lesson)
    ],
)
def test_the_coach_never_approves_a_reply_with_no_sign_of_its_aim(lesson: str, qid: str) -> None:
    coach = ReplyCoach.load(lesson, qid)
    coach.key = None  # nothing saved
    aim = re.sub(r"<[^>]+>", "", coach._task.value)
    assert not re.search(r"Your aim:\s*\.", aim) and len(aim) > len("Your aim: ") + 5, aim
    for reply in NOT_AN_AIM:
        assert coach.check(reply) is False, f"{qid}: approved {reply!r}"
        assert "That does it" not in coach.feedback.value
    assert coach.check(coach.example) is True, f"{qid}: its own model reply is not approved"


def test_the_coachs_buttons_are_labelled_and_never_cut_short() -> None:
    coach = ReplyCoach.load("02-communication", "open-start")
    buttons = [x for x in _walk(coach) if isinstance(x, w.Button)]
    assert len(buttons) == 2
    for b in buttons:
        assert b.description and b.tooltip and b.layout.width == "auto"
    assert coach.reply.layout.width != "100%", "a 100% box beside its label scrolls sideways"
    row = next(x for x in _walk(coach) if isinstance(x, w.HBox))
    assert row.layout.flex_flow == "row wrap"


# -- accessible figures and controls --------------------------------------------------------------
def _lesson_widgets(path: Path) -> list[w.Widget]:
    """Build the widgets of a lesson's widget cells, as running the lesson would."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    scope: dict = {}
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        tags = cell["metadata"].get("tags", [])
        if "trustkit-setup" in tags:
            exec(source, scope)  # the imports
        elif "trustkit-widget" in tags:
            out.append(eval(source, scope))
    return out


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_no_slider_and_no_image_widget_in_any_lesson(lesson: Path) -> None:
    """A slider's handle has no accessible name and an ``Image`` has no alt (axe-core); every
    figure is an ``<img>`` with its alt text in the DOM instead."""
    for widget in _lesson_widgets(lesson):
        for x in _walk(widget):
            assert not isinstance(
                x, w.IntSlider | w.FloatSlider | w.IntRangeSlider | w.SelectionSlider
            ), f"{type(widget).__name__} shows a slider"
            assert not isinstance(x, w.Image), f"{type(widget).__name__} shows an Image widget"
            if isinstance(x, w.HTML):
                for img in imgs(x.value):
                    assert img.alt.strip(), f"{type(widget).__name__}: an <img> without alt"


def test_the_explorer_is_driven_by_a_labelled_number_and_buttons() -> None:
    ex = TrustModelExplorer(trust=50)
    assert isinstance(ex.trust, w.BoundedIntText) and ex.trust.description
    ex.more.click()
    assert ex.trust.value == 60 and "At trust <b>60</b>" in ex.summary.value
    ex.set(150)
    assert ex.trust.value == 100 and ex.more.disabled
    ex.less.click()
    assert ex.trust.value == 90


def _renderer(fig):
    """Lay the figure out as it is drawn (Agg, as for the PNG the learner sees)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    fig.draw(renderer)
    return renderer


def test_the_explorers_two_read_outs_never_sit_on_top_of_each_other() -> None:
    from trustkit import plots

    for fits in (False, True):
        for trust in range(0, 101, 5):
            fig = plots.outcome_curves(trust, fits)
            renderer = _renderer(fig)
            ax = fig.axes[0]
            labels = [t for t in ax.texts if "%" in t.get_text()]
            assert len(labels) == 2 and {t.get_text().split()[0] for t in labels} == {
                "disclosure",
                "adherence",
            }
            a, b = (t.get_window_extent(renderer) for t in labels)
            assert not a.overlaps(b), f"trust {trust}, fits {fits}: the read-outs overlap"
            plots.close(fig)


def test_calibration_scatter_labels_do_not_overlap() -> None:
    from trustkit.calibration import compare
    from trustkit.calibration_plots import scatter_vs_reference

    # three replies rated the same and as far from the panel: the same spot on the plot
    learner = {"a": 5, "b": 5, "c": 5, "d": 2, "e": 3}
    reference = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 3}
    fig = scatter_vs_reference(compare(learner, reference))
    renderer = _renderer(fig)
    labels = [t for t in fig.axes[0].texts if t.get_text() in {"a", "b", "c"}]
    assert len(labels) == 3
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not boxes[i].overlaps(boxes[j]), "two labels printed on top of each other"


# -- rating ------------------------------------------------------------------------------------
def test_na_fits_its_button() -> None:
    rating = SelfRating("nothing-played", key="self-na")
    buttons = [x for x in _walk(rating) if isinstance(x, w.ToggleButtons)]
    assert buttons and all("N/A" in [label for label, _ in b.options] for b in buttons)
    assert all(b.style.button_width == "auto" for b in buttons), "a fixed width cuts N/A short"


def test_after_reveal_the_rating_buttons_are_disabled_not_just_ignored() -> None:
    from trustkit.bank import rating_sets

    panel = RatingPanel(item_ids=rating_sets()["lesson03"][:2], key="ratings-final")
    panel.rate(quality=3, empathy_level=2)
    icons = list(panel.empathy.icons)
    panel.reveal()
    assert panel.quality.disabled and panel.empathy.disabled and panel.reveal_button.disabled
    # ipywidgets' ToggleButtons view applies `disabled` only when it rebuilds its buttons, and
    # a change of `icons` in the same message is what makes it rebuild (measured in JupyterLab:
    # without it the buttons kept looking clickable; tests/browser checks the DOM)
    assert list(panel.empathy.icons) != icons
    panel.next()
    assert not panel.quality.disabled and not panel.empathy.disabled
    panel.previous()
    assert panel.quality.disabled and panel.empathy.disabled
    er = EncounterRating("option5", "sinusitis-talk", key="rate-final")
    for item in er.items:
        er.rate(item, 2)
    er.compare()
    assert all(tb.disabled for tb in er.items.values())


def _reveal(ids: list[str], key: str) -> RatingPanel:
    panel = RatingPanel(item_ids=ids, key=key)
    for k in range(len(ids)):
        panel.go(k)
        panel.rate(quality=5 if k % 2 else 1, empathy_level=3)
        panel.reveal()
    return panel


def test_no_agreement_statistic_or_interval_below_a_sensible_number_of_ratings() -> None:
    from trustkit.bank import rating_sets
    from trustkit.calibration_plots import MIN_FOR_ICC

    ids = rating_sets()["lesson03"]
    assert len(ids) >= MIN_FOR_ICC, "the lesson's set can reach the minimum"
    _reveal(ids[:4], "ratings-few")
    view = CalibrationView("ratings-few")
    text = view.summary.value
    assert view.comparison is not None and view.comparison.n == 4
    assert "ICC(2,1) =" not in text and "CI" not in text and "95%" not in text
    assert f"appears once you have compared {MIN_FOR_ICC} replies (now 4)" in text
    assert "within one point" in text and "on average" in text  # words, not a bare number
    alts = " ".join(getattr(x, "alt_text", "") for x in _walk(view))
    assert "ICC(2,1)" not in alts and "limits of agreement from" not in alts
    _reveal(ids[:MIN_FOR_ICC], "ratings-enough")
    full = CalibrationView("ratings-enough").summary.value
    assert "ICC(2,1) =" in full and "agreement with the panel" in full.lower()
    assert "1 is perfect agreement" in full


# -- the role-play --------------------------------------------------------------------------------
def test_a_hint_releases_the_thoughts_toggle() -> None:
    rp = RolePlay(str(MINI), key="rp-hint-toggle")
    rp.show_thought(True)
    assert rp.thought_button.value and "thinks" in rp.aside.value
    rp.hint()
    assert rp.thought_button.value is False, "the toggle stays pressed after a hint"
    assert "Hint:" in rp.aside.value


def test_the_dimensions_toggle_says_show_or_hide() -> None:
    rp = RolePlay(str(MINI), key="rp-dims-words")
    assert rp.dims_toggle.description.startswith("Show")
    rp.dims_toggle.value = True
    assert rp.dims_toggle.description == "Hide the four dimensions" and rp.dims.value
    rp.dims_toggle.value = False
    assert rp.dims_toggle.description == "Show the four dimensions" and rp.dims.value == ""


def test_a_clicked_reply_moves_the_focus_to_the_next_replies(monkeypatch) -> None:
    rp = RolePlay(str(MINI), key="rp-focus", seed=1)
    focused: list[w.Widget] = []
    for b in rp._option_buttons:
        monkeypatch.setattr(b, "focus", lambda b=b: focused.append(b))
    ids = [o.id for o in rp.encounter.options]
    rp._option_buttons[ids.index(MINI_GOOD[0])].click()
    assert rp.encounter.turns and focused == [rp._option_buttons[0]]


# -- knowledge checks ---------------------------------------------------------------------------
def test_a_rerun_restores_whether_the_checked_answer_was_right() -> None:
    def make() -> KnowledgeCheck:
        return KnowledgeCheck(
            "Which is an open question?",
            ["Do you smoke?", "How has it been?"],
            1,
            "Open questions let the patient tell it.",
            key="checks-rerun",
            qid="q1",
        )

    wrong = make()
    wrong.select(0)
    assert wrong.check() is False
    again = make()
    assert again.selected == {0} and again.checked is False
    assert "Not quite" in again._feedback.value and "Open questions let" in again._feedback.value
    again.select(1)
    again.check()
    third = make()
    assert third.checked is True and "Correct" in third._feedback.value


# -- the dashboard ------------------------------------------------------------------------------
def _attempt(i: int, sid: str, skills: dict, title: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        id=i, scenario_id=sid, title=title or sid, finished_at=f"2026-11-0{i}", skills=skills
    )


def test_a_skill_declines_only_against_the_same_scenario() -> None:
    easy = _attempt(1, "easy", {"empathy": 90.0})
    hard = _attempt(2, "hard", {"empathy": 30.0})
    changes, radar = skill_changes([easy, hard])
    assert changes == [] and radar is None, "two different scenarios are not compared"
    hard_again = _attempt(3, "hard", {"empathy": 60.0})
    changes, radar = skill_changes([easy, hard, hard_again])
    assert [(c.skill, c.first, c.latest, c.scenario) for c in changes] == [
        ("empathy", 30.0, 60.0, "hard")
    ]
    assert radar == (hard, hard_again)


def test_the_dashboard_never_calls_a_skill_declining_across_scenarios() -> None:
    good = RolePlay(str(MINI), key="rp-dash-good")
    for opt in MINI_GOOD:
        good.choose(opt)
    other = RolePlay("knee-osteoarthritis", key="rp-dash-other", seed=2)
    for _ in range(60):
        if other.encounter.finished:
            break
        worst = min(other.encounter.options, key=lambda o: len(o.skills))
        other.choose(worst.id)
    dash = ProgressDashboard()
    text = dash.summary_html.value
    assert "2 finished attempt(s)" in text
    assert "Declining" not in text and "play a scenario a second time" in text
    assert "max-width" not in dash.figures.layout.grid_template_columns
    assert "auto-fit" in dash.figures.layout.grid_template_columns, "never wider than the page"


# -- one patient, one name ----------------------------------------------------------------------
def _widget_args(path: Path, widget: str) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if cell["cell_type"] == "code" else ""
        found += re.findall(rf"{widget}\(\s*\"([^\"]+)\"(?:,\s*\"([^\"]+)\")?", source)
    return [m[1] or m[0] for m in found] if widget == "EncounterRating" else [m[0] for m in found]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_one_patient_has_one_name_within_a_lesson(lesson: Path) -> None:
    """An example encounter that describes a role-play's patient (same age and the same
    story) must call them by the same name."""
    from trustkit.examples import load_example
    from trustkit.scenario import load_packaged
    from trustkit.topics import topic_words

    scenarios = [load_packaged(s).scenario for s in _widget_args(lesson, "RolePlay")]
    for example_id in _widget_args(lesson, "EncounterRating"):
        ex = load_example(example_id)
        told = f"{ex.title} {ex.context} " + " ".join(text for _, text in ex.lines)
        for sc in scenarios:
            p = sc.patient
            story = f"{p.reason_for_visit} {p.setting} {' '.join(p.what_matters)} {sc.summary}"
            same_age = re.search(rf"\b{p.age}\b", ex.context) is not None
            shared = topic_words(told) & topic_words(story)
            if same_age and len(shared) >= 3:
                surname = p.name.split()[-1]
                assert surname in told, (
                    f"{lesson.name}: the example '{example_id}' describes {p.name} "
                    f"({sorted(shared)[:6]}) under another name"
                )
