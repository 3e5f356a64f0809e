"""Every lesson of the course in the learner's own lab, in a real Chromium: played, audited,
photographed, saved, closed and reopened.

For each lesson (in ``trustkit lab``'s course folder, never the tracked ``course/``):

1. run all cells and play it as a learner would, by clicking: answer every knowledge check,
   write every practice reply, play every role-play to its end, rate and reveal every reply,
   compare every instrument rating, refresh the calibration and the dashboard;
2. audit the outputs with axe-core (WCAG 2.1 A and AA): no serious or critical violation, every
   ``<img>`` has alt text, no slider without a name;
3. check the layout at 1400x1000 and 1024x768 (no sideways scrolling, no cut-off label, no
   text running over the next thing) and take screenshots of the whole notebook at both sizes
   into ``test-artifacts/lessons/`` (not in git) - to be looked at;
4. save, shut the kernel down, close, reopen *without running anything*: no "Error displaying
   widget", and every widget cell shows a plain snapshot of the learner's work; audited and
   photographed again; the tracked course files are unchanged.

Plus: the lab is the learner's (no nbgrader tools, no news pop-up), a role-play played to its
end with the keyboard alone, and a canary proving the audit catches what the first version had
(a slider handle with no name, an ``Image`` widget with no alt).

Run: ``.venv/bin/python -m pytest tests/browser -s`` (about ten minutes on two cores).
"""

from __future__ import annotations

import json
import time

import pytest

from .conftest import ROOT, tracked_course_digest
from .helpers import (
    CURRENT,
    WIDGET_ERROR,
    close_and_shut_down,
    close_others,
    layout_problems,
    open_notebook,
    run_all,
    save,
    scroll_screens,
    settle,
    shot,
)

pytestmark = pytest.mark.browser

LESSONS = sorted(p.name for p in (ROOT / "course").glob("*.ipynb"))
SHOTS = ROOT / "test-artifacts" / "lessons"
SIZES = ((1400, 1000), (1024, 768))
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
REPLY = "What worries you most about it - the scan, or what it might mean?"

AXE_RUN = """async ([include, tags]) => {
  const r = await axe.run({include: [[include]]}, {runOnly: {type: 'tag', values: tags},
                                                   resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({html: n.html.slice(0, 300),
                                          why: (n.failureSummary || '').slice(0, 300)}))}));
}"""


def _axe(page, axe_source: str, include: str, name: str) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    violations = page.evaluate(AXE_RUN, [include, WCAG])
    (SHOTS / "axe").mkdir(parents=True, exist_ok=True)
    (SHOTS / "axe" / f"{name}.json").write_text(json.dumps(violations, indent=1), "utf-8")
    return violations


def _serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def _widget_cells(path: str) -> int:
    nb = json.loads((ROOT / "course" / path).read_text(encoding="utf-8"))
    return sum(
        1
        for c in nb["cells"]
        if c["cell_type"] == "code" and "trustkit-widget" in c["metadata"].get("tags", [])
    )


# -- playing a lesson by clicking ---------------------------------------------------------------
def _click(page, locator) -> None:
    locator.scroll_into_view_if_needed()
    locator.click()
    settle(page)


def _play_roleplay(page, rp) -> int:
    """Click the first option until the encounter ends; the number of turns."""
    turns = 0
    for _ in range(60):
        if rp.locator(".tk-debrief img").count():
            return turns
        option = rp.locator("button.tk-option").first
        before = rp.locator(".tk-dialogue").inner_text()
        _click(page, option)
        page.wait_for_function(
            "([el, before]) => el.querySelector('.tk-dialogue').innerText !== before",
            arg=[rp.element_handle(), before],
        )
        turns += 1
    raise AssertionError("the role-play did not end in 60 clicks")


def _play_lesson(page) -> dict[str, int]:
    """Use every widget of the notebook in front as a learner would; what was done."""
    root = page.locator(CURRENT)
    done = {"checks": 0, "coach": 0, "roleplays": 0, "ratings": 0, "instrument items": 0}
    for check in root.locator(".tk-knowledge-check").all():
        check.locator("input").first.scroll_into_view_if_needed()
        check.locator("input").first.check()
        settle(page)
        _click(page, check.locator("button.tk-check"))
        page.wait_for_function(
            "(el) => /Correct|Not quite/.test(el.querySelector('.tk-feedback').innerText)",
            arg=check.element_handle(),
        )
        done["checks"] += 1
    for coach in root.locator(".tk-coach").all():
        coach.locator("textarea").fill(REPLY)
        settle(page)
        _click(page, coach.locator("button.tk-coach-check"))
        _click(page, coach.locator("button.tk-coach-example"))
        assert "One way to say it" in coach.locator(".tk-coach-feedback").inner_text()
        done["coach"] += 1
    for explorer in root.locator(".tk-model-explorer").all():
        _click(page, explorer.locator("button.tk-model-more"))
    for rp in root.locator(".tk-roleplay").all():
        _play_roleplay(page, rp)
        done["roleplays"] += 1
    for panel in root.locator(".tk-rating").all():
        for _ in range(30):
            header = panel.locator(".tk-rating-header").inner_text()
            if not panel.locator("button.tk-reveal").is_disabled():
                _click(page, panel.locator(".tk-rate-quality button").nth(2))
                if panel.locator(".tk-rate-empathy button").first.is_visible():
                    _click(page, panel.locator(".tk-rate-empathy button").nth(2))
                _click(page, panel.locator("button.tk-reveal"))
                done["ratings"] += 1
                live = panel.locator(
                    ".tk-rate-quality button:not([disabled]), .tk-rate-empathy button:not([disabled])"
                )
                assert live.count() == 0, "after Reveal the rating buttons must look disabled"
            if panel.locator("button.tk-next").is_disabled():
                break
            _click(page, panel.locator("button.tk-next"))
            assert panel.locator(".tk-rating-header").inner_text() != header
    for view in root.locator(".tk-calibration").all():
        _click(page, view.locator("button.tk-calibration-refresh"))
    for form, item in ((".tk-encounter-rating", ".tk-encounter-item"), (".tk-self-rating", ".tk-self-item")):  # fmt: skip
        for widget in root.locator(form).all():
            for row in widget.locator(item).all():
                _click(page, row.locator("button").nth(2))
                done["instrument items"] += 1
            _click(page, widget.locator("button.tk-encounter-compare, button.tk-self-compare"))
            assert widget.locator(f"{item} button:not([disabled])").count() == 0, (
                "once compared, the ratings are final and look it"
            )
    for dash in root.locator(".tk-dashboard").all():
        _click(page, dash.locator("button.tk-dashboard-refresh"))
    return done


def _no_errors(page) -> None:
    errors = page.locator(
        f"{CURRENT} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    )
    assert errors.count() == 0, errors.all_inner_texts()[:3]
    assert WIDGET_ERROR not in page.locator(CURRENT).inner_text()


def _images_have_alt(page) -> list[str]:
    return page.evaluate(
        "(sel) => [...document.querySelectorAll(sel + ' .jp-OutputArea img')]"
        ".filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.outerHTML.slice(0, 80))",
        CURRENT,
    )


def _unnamed_sliders(page) -> int:
    return page.evaluate(
        "(sel) => [...document.querySelectorAll(sel + ' .jp-OutputArea [role=slider],"
        " .jp-OutputArea .ui-slider-handle')].filter(s => !s.getAttribute('aria-label')"
        " && !s.getAttribute('aria-labelledby')).length",
        CURRENT,
    )


def _look(page, axe_source: str, stem: str, state: str) -> list[str]:
    """Axe, alt text and layout at both sizes, and screenshots; the problems found."""
    problems = []
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
    page.wait_for_timeout(300)
    serious = _serious(_axe(page, axe_source, f"{CURRENT} .jp-OutputArea", f"{stem}-{state}"))
    problems += [f"axe {v['impact']}: {v['id']} ({v['help']}): {v['nodes'][:2]}" for v in serious]
    problems += [f"image without alt text: {i}" for i in _images_have_alt(page)]
    if _unnamed_sliders(page):
        problems.append("a slider without an accessible name")
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)
        problems += [f"{width}x{height}: {p}" for p in layout_problems(page)]
        scroll_screens(page, f"{stem}-{state}", SHOTS / f"{width}x{height}")
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
    return problems


# -- the tests ----------------------------------------------------------------------------------
def test_the_lab_is_the_learners_own_without_instructor_tools_or_news(browser_page, lab) -> None:
    page = browser_page
    log = lab["log"].read_text(encoding="utf-8")
    assert f"Created your own copy of the course in {lab['root']}" in log
    assert sorted(p.name for p in lab["root"].glob("0*.ipynb")) == LESSONS
    assert (lab["root"] / ".trustkit-course.json").is_file()
    open_notebook(page, lab, LESSONS[0])
    assert (
        page.evaluate("() => window.jupyterapp.shell.currentWidget.context.path") == LESSONS[0]
    ), "opens on the welcome lesson"
    config = json.loads(page.locator("#jupyter-config-data").text_content())
    disabled = config.get("disabledExtensions") or []
    assert "@jupyter/nbgrader:create-assignment" in disabled
    assert "@jupyter/nbgrader:formgrader" in disabled
    commands = page.evaluate(
        "() => ['nbgrader:open-formgrader', 'nbgrader:open-create-assignment']"
        ".filter(c => window.jupyterapp.commands.hasCommand(c))"
    )
    assert commands == [], f"instructor tools are shown: {commands}"
    assert page.locator(".lm-MenuBar-itemLabel:text('Nbgrader')").count() == 0
    time.sleep(3)  # the news question would pop up by now
    toasts = page.locator(".Toastify__toast").all_inner_texts()
    assert not [t for t in toasts if "news" in t.lower()], toasts
    shot(page, "20-learners-lab")


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_played_audited_photographed_and_reopened(
    browser_page, lab, axe_source, lesson
) -> None:
    page = browser_page
    stem = lesson.removesuffix(".ipynb")
    try:
        open_notebook(page, lab, lesson)
        run_all(page, ready=(f"{CURRENT} .tk-widget",))
        widgets = _widget_cells(lesson)
        assert page.locator(f"{CURRENT} .tk-widget").count() >= widgets
        assert page.locator(f"{CURRENT} .tk-snapshot:visible").count() == 0, (
            "the snapshots are hidden while the widgets are live"
        )
        done = _play_lesson(page)
        print(f"\n{lesson}: {done}")
        _no_errors(page)
        problems = _look(page, axe_source, stem, "played")

        # save, close (kernel shut down), reopen without running anything
        save(page)
        saved = json.loads((lab["root"] / lesson).read_text(encoding="utf-8"))
        views = [
            o
            for c in saved["cells"]
            for o in c.get("outputs", [])
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        ]
        assert views == [], "saved without the widget views (they could only show an error)"
        close_and_shut_down(page)
        open_notebook(page, lab, lesson)
        page.wait_for_timeout(1500)  # give a missing widget model every chance to complain
        text = page.locator(CURRENT).inner_text()
        assert WIDGET_ERROR not in text, "a reopened lesson shows a widget error"
        snapshots = page.locator(f"{CURRENT} .tk-snapshot:visible")
        assert snapshots.count() == widgets, "every widget cell shows the learner's work"
        assert "Saved view of your work" in text
        if done["roleplays"]:
            assert "Debrief" in page.locator(f"{CURRENT} .tk-snapshot").all_inner_texts()[-1] or (
                any("Debrief" in t for t in snapshots.all_inner_texts())
            )
        if done["checks"]:
            assert "You checked your answer" in text
        problems += _look(page, axe_source, stem, "reopened")
        assert tracked_course_digest() == lab["tracked_before"], "course/ was changed"
    except Exception:
        shot(page, f"29-{stem}-failure")
        raise
    finally:
        close_others(page)
    assert problems == [], "\n".join(problems)


KEYBOARD_NB = "keyboard-only.ipynb"


def test_a_role_play_to_its_end_with_the_keyboard_alone(browser_page, lab) -> None:
    """Tab to the role-play, Enter on a reply; the next replies get the focus, so a keyboard
    user goes on without travelling back through the page."""
    import nbformat

    nb = nbformat.v4.new_notebook(
        metadata=json.loads((ROOT / "course" / LESSONS[0]).read_text())["metadata"]
    )
    nb.cells = [
        nbformat.v4.new_markdown_cell("A role-play, played with the keyboard alone."),
        nbformat.v4.new_code_cell(
            "from trustkit.widgets import RolePlay\nRolePlay('teach-back', key='keyboard', seed=7)"
        ),
    ]
    nbformat.write(nb, lab["root"] / KEYBOARD_NB)
    page = browser_page
    open_notebook(page, lab, KEYBOARD_NB)
    run_all(page, ready=(f"{CURRENT} .tk-roleplay button.tk-option",))
    rp = page.locator(f"{CURRENT} .tk-roleplay")
    focused_option = (
        "() => { const a = document.activeElement;"
        " return !!(a && a.classList.contains('tk-option') && a.closest('.tk-roleplay')); }"
    )
    # from the notebook (command mode), Tab until a reply of the role-play has the focus
    page.evaluate(f"() => document.querySelector('{CURRENT} .jp-Notebook').focus()")
    tabs = 0
    while not page.evaluate(focused_option):
        page.keyboard.press("Tab")
        tabs += 1
        assert tabs <= 80, "Tab never reaches the role-play's replies"
    turns, extra_tabs = 0, 0
    for _ in range(60):
        if rp.locator(".tk-debrief").inner_text().strip():
            break
        if not page.evaluate(focused_option):  # the focus should already be on the next replies
            for _ in range(12):
                page.keyboard.press("Tab")
                extra_tabs += 1
                if page.evaluate(focused_option):
                    break
        before = rp.locator(".tk-dialogue").inner_text()
        page.keyboard.press("Enter" if turns % 2 == 0 else "Space")
        page.wait_for_function(
            "([el, before]) => el.querySelector('.tk-dialogue').innerText !== before",
            arg=[rp.element_handle(), before],
        )
        settle(page)
        turns += 1
    page.wait_for_selector(f"{CURRENT} .tk-roleplay .tk-debrief img")
    assert "Debrief" in rp.locator(".tk-debrief").inner_text()
    rp.locator(".tk-debrief").scroll_into_view_if_needed()
    shot(page, "21-keyboard-only-debrief")
    print(f"\nkeyboard only: {tabs} Tab(s) to the first reply, {turns} turns, {extra_tabs} more")
    assert turns >= 3 and extra_tabs == 0, "after each reply the focus is on the next replies"
    saved = json.loads((lab["root"] / "trustkit-work" / "keyboard.json").read_text())
    assert saved["data"]["completed"] is True


CANARY_NB = "axe-canary.ipynb"


def test_the_audit_catches_a_nameless_slider_and_an_image_without_alt(
    browser_page, lab, axe_source
) -> None:
    """What the first version showed (an ipywidgets slider, a PNG ``Image`` widget) is found."""
    import nbformat

    from trustkit import plots

    png = plots.to_png(plots.outcome_curves(50), dpi=40)
    nb = nbformat.v4.new_notebook(
        metadata=json.loads((ROOT / "course" / LESSONS[0]).read_text())["metadata"]
    )
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import base64, ipywidgets as w\n"
            f"png = base64.b64decode({__import__('base64').b64encode(png).decode()!r})\n"
            "w.VBox([w.IntSlider(description='Trust'), w.Image(value=png, format='png')])"
        )
    ]
    nbformat.write(nb, lab["root"] / CANARY_NB)
    page = browser_page
    open_notebook(page, lab, CANARY_NB)
    run_all(page, ready=(f"{CURRENT} .widget-slider", f"{CURRENT} .jp-OutputArea img"))
    found = {v["id"] for v in _serious(_axe(page, axe_source, CURRENT, "canary"))}
    assert "image-alt" in found, found
    assert found & {"aria-input-field-name", "slider-name", "aria-required-attr"}, found
    assert _images_have_alt(page), "the alt-text check sees the Image widget"
