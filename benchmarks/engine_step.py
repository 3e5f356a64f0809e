"""One engine step must take <= 1 ms (median). Prints the median against the budget and
against a trivial Python call measured in the same run."""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trustkit.engine import Encounter  # noqa: E402
from trustkit.scenario import load, packaged_ids  # noqa: E402

BUDGET_MS = 1.0


def main() -> int:
    refs = packaged_ids() or [str(Path(__file__).resolve().parent.parent / "tests/data/mini.yaml")]
    step_times: list[float] = []
    noop_times: list[float] = []

    def noop(i: int) -> int:
        return i

    rng = random.Random(1)
    for ref in refs:
        sc = load(ref)
        for _ in range(200):
            enc = Encounter(sc, seed=rng.randrange(1000))
            while not enc.finished and len(enc.turns) < 100:
                choice = rng.randrange(len(enc.options))
                t0 = time.perf_counter()
                enc.step(choice)
                step_times.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                noop(choice)
                noop_times.append(time.perf_counter() - t0)
    med = statistics.median(step_times) * 1000
    p90 = sorted(step_times)[int(0.9 * len(step_times))] * 1000
    base = statistics.median(noop_times) * 1000
    print(f"scenarios: {len(refs)}, steps timed: {len(step_times)}")
    print(f"engine step: median {med:.4f} ms, p90 {p90:.4f} ms")
    print(f"ratio to the {BUDGET_MS:g} ms budget: {med / BUDGET_MS:.3f}")
    print(f"ratio to a trivial Python call in the same run: {med / base:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
