"""Small helpers shared by the benchmark scripts (timing, medians, a temporary scenario)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of each of ``repeat`` calls."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def p90_ms(samples: list[float]) -> float:
    s = sorted(samples)
    return 1000 * s[min(len(s) - 1, int(0.9 * len(s)))]
