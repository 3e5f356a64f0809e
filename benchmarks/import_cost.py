"""`import trustkit` must cost <= 100 ms over `python -c pass` and import no heavy libraries.

Runs the two commands alternately in fresh interpreters (so caches warm equally) and prints
the medians, their difference and ratio. Also reports the cost of importing the engine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 15
BUDGET_MS = 100.0


def once(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t0


def main() -> int:
    cases = {
        "python -c pass": "pass",
        "import trustkit": "import trustkit",
        "import trustkit.engine": "import trustkit.engine",
    }
    samples: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(RUNS):
        for name, code in cases.items():
            samples[name].append(once(code))
    base = statistics.median(samples["python -c pass"]) * 1000
    print(f"{'command':<26}{'median ms':>10}{'over pass':>11}{'ratio':>8}")
    for name in cases:
        med = statistics.median(samples[name]) * 1000
        print(f"{name:<26}{med:>10.1f}{med - base:>11.1f}{med / base:>8.2f}")
    cost = statistics.median(samples["import trustkit"]) * 1000 - base
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, trustkit, trustkit.engine, trustkit.debrief, trustkit.cli; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'numpy', 'nbgrader') "
            "if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(
        f"import trustkit costs {cost:.1f} ms over python -c pass: {cost / BUDGET_MS:.2f} of the "
        f"{BUDGET_MS:.0f} ms budget"
    )
    print(f"heavy modules after importing trustkit, engine, debrief and cli: {heavy}")
    return 0 if heavy == "[]" else 1


if __name__ == "__main__":
    sys.exit(main())
