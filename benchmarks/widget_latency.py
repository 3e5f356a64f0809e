"""RolePlay click-to-updated-view latency, headless (no browser, no kernel round trip).

Times ``RolePlay.choose`` - engine step, re-rendering the view's widgets, saving the work
(atomic write with fsync) and, on the last turn, the debrief with its figure - over 20 clicks,
with the same sequence as the browser test (first option to the end, then undo and choose
again). Prints the median and p90 and the ratio to a bare ``Encounter.step`` on the same
choices in the same run. The browser-side latency is printed by tests/browser/test_lab.py.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CLICKS = 20


def _p90(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=10, method="inclusive")[-1]


def main() -> int:
    home = tempfile.mkdtemp(prefix="trustkit-bench-")
    os.environ["TRUSTKIT_HOME"] = home
    os.environ["TRUSTKIT_WORK_DIR"] = str(Path(home) / "trustkit-work")
    os.environ.setdefault("MPLBACKEND", "Agg")

    from trustkit.engine import Encounter
    from trustkit.scenario import packaged_ids
    from trustkit.widgets import RolePlay

    ids = packaged_ids()
    sid = "knee-osteoarthritis" if "knee-osteoarthritis" in ids else None
    sid = sid or (
        ids[0] if ids else str(Path(__file__).resolve().parent.parent / "tests/data/mini.yaml")
    )

    RolePlay(sid, key="warm-up").choose(0)  # imports, caches, the first figure

    rp = RolePlay(sid, key="bench")
    views: list[float] = []
    debrief_clicks = 0
    debrief_times: list[float] = []
    while len(views) < CLICKS:
        if rp.encounter.finished:
            t0 = time.perf_counter()
            rp.undo()
            views.append(time.perf_counter() - t0)
            continue
        t0 = time.perf_counter()
        rp.choose(0)
        views.append(time.perf_counter() - t0)
        if rp.encounter.finished:
            debrief_clicks += 1
            debrief_times.append(views[-1])

    # the bare engine on the same path, in the same run
    steps: list[float] = []
    while len(steps) < 200:
        enc = Encounter(sid)
        while not enc.finished:
            t0 = time.perf_counter()
            enc.step(0)
            steps.append(time.perf_counter() - t0)

    view_med, view_p90 = 1000 * statistics.median(views), 1000 * _p90(views)
    step_med, step_p90 = 1000 * statistics.median(steps), 1000 * _p90(steps)
    print(f"scenario: {sid}; {len(views)} clicks ({debrief_clicks} ending in the debrief)")
    print(
        f"RolePlay.choose -> view updated + saved: median {view_med:.2f} ms, p90 {view_p90:.2f} ms"
    )
    print(
        f"bare Encounter.step:                     median {step_med:.3f} ms, p90 {step_p90:.3f} ms"
    )
    if debrief_times:
        print(
            "  of which clicks that end the visit (debrief + figure): "
            f"median {1000 * statistics.median(debrief_times):.1f} ms"
        )
    print(f"ratio (median view / median step): {view_med / step_med:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
