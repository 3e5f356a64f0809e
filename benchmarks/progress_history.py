"""The progress dashboard over 10,000 attempts must take <= 1 s: ``History.summary()`` plus the
four dashboard figures drawn to PNG (reading the attempts and ratings they need included).

Builds a temporary history (bulk insert of 10,000 attempts from real debriefs of
``tests/data/mini.yaml`` spread over 8 scenario ids and 90 days, and 3,000 ratings), then prints
the median of several warm runs against the budget and against a baseline measured in the same
run: ``SELECT count(*)`` through ``History.counts()`` (same connection path) and through a bare
``sqlite3`` connection. The first (cold) run, which pays for importing matplotlib, is shown too.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trustkit.debrief import debrief  # noqa: E402
from trustkit.engine import play  # noqa: E402
from trustkit.progress import _INSERT_ATTEMPT, History, _attempt_row  # noqa: E402

BUDGET_S = 1.0
N_ATTEMPTS = 10_000
N_RATINGS = 3_000
RUNS = 5
MINI = ROOT / "tests" / "data" / "mini.yaml"
PATHS = [
    ["open", "empathise", "ask-smoke", "reflect-job", "share"],
    ["closed"],
    ["open"],
    ["smoker"],
    ["open", "empathise"],
]


def build(path: Path) -> None:
    rng = random.Random(7)
    played = []
    for choices in PATHS:
        enc = play(str(MINI), choices)
        played.append((debrief(enc), enc.transcript()))
    h = History(path)
    if h.record_attempt(*played[0][:1], transcript=played[0][1]) is None:  # creates the schema
        raise SystemExit(f"cannot create the history: {h.last_error}")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(N_ATTEMPTS - 1):
        d, transcript = played[rng.randrange(len(played))]
        when = start + timedelta(minutes=13 * i)
        row = list(
            _attempt_row(d, transcript, "benchmark", when.isoformat(timespec="milliseconds"))
        )
        row[0] = f"scenario-{rng.randrange(8)}"
        rows.append(tuple(row))
    ratings = []
    for i in range(N_RATINGS):
        when = start + timedelta(minutes=43 * i)
        ratings.append(
            (
                f"set-{i % 3}",
                f"item-{i % 120}",
                "quality",
                rng.randint(1, 5),
                rng.randint(1, 5),
                when.isoformat(timespec="milliseconds"),
            )
        )
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(_INSERT_ATTEMPT, rows)
        conn.executemany(
            "INSERT INTO ratings (set_name, item_id, field, learner, reference, rated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ratings,
        )
    conn.close()


def dashboard(h: History) -> dict[str, float]:
    from trustkit import figures as plots

    times: dict[str, float] = {}
    t0 = time.perf_counter()
    s = h.summary()
    times["summary()"] = time.perf_counter() - t0

    t = time.perf_counter()
    attempts = h.attempts(transcripts=False)
    ratings = h.ratings()
    times["read attempts + ratings"] = time.perf_counter() - t
    assert len(attempts) == N_ATTEMPTS and s["attempts"] == N_ATTEMPTS, h.last_error

    figures = {
        "attempts_per_scenario": lambda: plots.attempts_per_scenario(s),
        "skills_radar": lambda: plots.skills_radar(s["skills"]["first"], s["skills"]["latest"]),
        "trust_over_attempts": lambda: plots.trust_over_attempts(attempts),
        "agreement_over_time": lambda: plots.agreement_over_time(ratings),
    }
    for name, make in figures.items():
        t = time.perf_counter()
        png = plots.to_png(make())
        times[f"{name} -> PNG"] = time.perf_counter() - t
        assert png.startswith(b"\x89PNG")
    times["total"] = time.perf_counter() - t0
    return times


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "progress.sqlite"
        t = time.perf_counter()
        build(path)
        print(
            f"built {N_ATTEMPTS} attempts + {N_RATINGS} ratings in {time.perf_counter() - t:.2f} s"
        )
        h = History(path)

        cold = dashboard(h)
        runs = [dashboard(h) for _ in range(RUNS)]
        base_h, base_raw = [], []
        for _ in range(RUNS * 20):
            t = time.perf_counter()
            h.counts()
            base_h.append(time.perf_counter() - t)
            t = time.perf_counter()
            conn = sqlite3.connect(path)
            conn.execute("SELECT count(*) FROM attempts").fetchone()
            conn.close()
            base_raw.append(time.perf_counter() - t)

    print(f"cold run (imports matplotlib): {cold['total']:.3f} s")
    print(f"warm runs: median of {RUNS}")
    for key in runs[0]:
        med = statistics.median(r[key] for r in runs)
        print(f"  {key:<34} {1000 * med:8.1f} ms")
    total = statistics.median(r["total"] for r in runs)
    bh, br = statistics.median(base_h), statistics.median(base_raw)
    print(f"dashboard total: {total:.3f} s = {total / BUDGET_S:.2f} of the {BUDGET_S:g} s budget")
    print(f"baseline SELECT count(*) via History.counts(): {1000 * bh:.2f} ms -> {total / bh:.0f}x")
    print(f"baseline SELECT count(*) via bare sqlite3:     {1000 * br:.2f} ms -> {total / br:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
