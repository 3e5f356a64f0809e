"""What the browser tests do in JupyterLab: open a notebook, run it, wait, look, save, close."""

from __future__ import annotations

import time
from pathlib import Path

from .conftest import ARTIFACTS

CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"
"""The notebook in front (JupyterLab keeps other open notebooks hidden in the DOM)."""
SCROLLER = f"{CURRENT} .jp-WindowedPanel-outer"
WIDGET_ERROR = "Error displaying widget"


def shot(page, name: str, folder: Path = ARTIFACTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def dismiss_dialogs(page) -> None:
    """A kernel-selection dialog (choose Python 3) or a notification toast may cover the page."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and dialog.first.is_visible():
        select = dialog.locator("select")
        if select.count():
            labels = select.first.locator("option").all_inner_texts()
            wanted = next((t for t in labels if "Python 3" in t), None)
            if wanted:
                select.first.select_option(label=wanted)
        dialog.locator(".jp-Dialog-button.jp-mod-accept").first.click()
    for close in page.locator(".jp-Notification-Toast-Close, .Toastify__close-button").all():
        try:
            close.click(timeout=2_000)
        except Exception:
            pass


def kernel_idle(page, timeout: int = 60_000) -> None:
    page.wait_for_function(
        "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " const k = w && w.sessionContext && w.sessionContext.session"
        "   && w.sessionContext.session.kernel;"
        " return k && k.status === 'idle'; }",
        timeout=timeout,
    )


def settle(page, timeout: int = 60_000) -> None:
    """Let the kernel answer the last click (it may not have gone busy yet), then wait."""
    page.wait_for_timeout(120)
    kernel_idle(page, timeout)
    page.wait_for_timeout(60)


def open_notebook(page, lab, path: str) -> None:
    """Open ``path`` in the running lab (the first time: load the lab on it), kernel ready."""
    if page.url.startswith(lab["url"]):
        close_others(page, path)
        page.evaluate(
            "async (path) => { await window.jupyterapp.commands.execute('docmanager:open',"
            " {path}); }",
            path,
        )
    else:
        page.goto(f"{lab['url']}/lab/tree/{path}?token={lab['token']}&reset")
    page.wait_for_function("() => window.jupyterapp !== undefined")
    page.wait_for_function(
        "(path) => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.context && w.context.path === path; }",
        arg=path,
    )
    page.wait_for_selector(f"{CURRENT} .jp-Notebook", state="visible")
    deadline = time.monotonic() + 90  # a kernel may first need choosing (a dialog), then starting
    while True:
        dismiss_dialogs(page)
        try:
            kernel_idle(page, timeout=3_000)
            return
        except Exception:
            if time.monotonic() > deadline:
                shot(page, "00-no-kernel")
                raise


def close_others(page, keep: str = "") -> None:
    """Save and close every open document but ``keep`` (their kernels shut down): one
    notebook at a time, as a learner works, and no hidden copy for a selector to find."""
    page.evaluate(
        "async (keep) => { for (const w of [...window.jupyterapp.shell.widgets('main')]) {"
        "  if (!w.context || w.context.path === keep) continue;"
        "  if (w.context.model.dirty) await w.context.save();"
        "  if (w.sessionContext) await w.sessionContext.shutdown();"
        "  w.dispose(); } }",
        keep,
    )


def run_all(page, ready: tuple[str, ...] = ()) -> None:
    """Run every cell; wait for the ``ready`` selectors and for the kernel to be idle."""
    for attempt in range(2):  # retry once: a run-all right at kernel start can be dropped
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        try:
            for selector in ready:
                page.wait_for_selector(selector, timeout=90_000)
            settle(page, timeout=120_000)
            page.wait_for_function(
                "(sel) => ![...document.querySelectorAll(sel + ' .jp-InputPrompt')]"
                ".some(p => p.textContent.includes('*'))",
                arg=CURRENT,
                timeout=120_000,
            )
            return
        except Exception:
            shot(page, f"00-run-all-attempt-{attempt + 1}")
            if attempt:
                raise
            dismiss_dialogs(page)
            kernel_idle(page)


def save(page) -> None:
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.context && !w.context.model.dirty; }"
    )


def close_and_shut_down(page) -> None:
    """Shut the notebook's kernel down and close it (saved first), as at the end of a day."""
    page.evaluate(
        "async () => { const w = window.jupyterapp.shell.currentWidget;"
        " await w.sessionContext.shutdown(); w.dispose(); }"
    )
    page.wait_for_function(f"() => !document.querySelector('{CURRENT}')")


def scroll_screens(page, name: str, folder: Path) -> list[Path]:
    """Screenshots of the whole notebook, one screenful at a time, top to bottom."""
    # the end of the last cell (not the empty "scroll past the end" space after it)
    height = page.evaluate(
        f"() => {{ const s = document.querySelector('{SCROLLER}');"
        " const cells = s.querySelectorAll('.jp-Cell'); const last = cells[cells.length - 1];"
        " return Math.ceil(last.getBoundingClientRect().bottom - s.getBoundingClientRect().top"
        " + s.scrollTop) + 20; }"
    )
    view = page.evaluate(f"() => document.querySelector('{SCROLLER}').clientHeight")
    step = max(200, view - 40)
    last = max(0, height - view)
    tops = [*range(0, last, step), last]
    paths = []
    for k, y in enumerate(tops):
        page.evaluate(f"(y) => {{ document.querySelector('{SCROLLER}').scrollTop = y; }}", y)
        page.wait_for_timeout(150)
        paths.append(shot(page, f"{name}-{k:02d}", folder))
    page.evaluate(f"() => {{ document.querySelector('{SCROLLER}').scrollTop = 0; }}")
    return paths


LAYOUT_PROBLEMS = """(sel) => {
  const out = [];
  const scroller = document.querySelector(sel + ' .jp-WindowedPanel-outer');
  if (scroller && scroller.scrollWidth > scroller.clientWidth + 1)
    out.push(`the notebook scrolls sideways (${scroller.scrollWidth} > ${scroller.clientWidth})`);
  const root = document.querySelector(sel);
  const name = (el) => (el.className || el.tagName).toString().slice(0, 80);
  for (const o of root.querySelectorAll('.jp-OutputArea-output')) {
    if (o.scrollWidth > o.clientWidth + 1)
      out.push(`an output is wider than the notebook (${o.scrollWidth} > ${o.clientWidth}): `
               + (o.innerText || '').slice(0, 60));
  }
  for (const el of root.querySelectorAll('.tk-widget button, .tk-widget .widget-html, '
                                         + '.tk-widget .widget-label, .tk-widget label')) {
    if (el.offsetParent === null) continue;  // not shown
    if (el.scrollWidth > el.clientWidth + 1)
      out.push(`cut off sideways: ${name(el)} "${(el.innerText || '').slice(0, 50)}"`);
    if (el.scrollHeight > el.clientHeight + 2)
      out.push(`runs over what follows: ${name(el)} "${(el.innerText || '').slice(0, 50)}"`);
  }
  return out;
}"""


def layout_problems(page) -> list[str]:
    """Sideways scrolling, cut-off labels and text running over its box, in the front notebook."""
    return page.evaluate(LAYOUT_PROBLEMS, CURRENT)
