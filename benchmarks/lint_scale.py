"""Lint of a generated 5,000-node scenario must take < 2 s; the 10,000 vs 5,000 time ratio
shows whether lint is linear (about 2).

The generated scenario is a long corridor of nodes with side branches, loops back to earlier
nodes (so strongly connected components are exercised), gated facts and opportunities, and
is written to a temporary YAML file so parsing is timed too.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from trustkit.lint import lint_file  # noqa: E402

BUDGET_S = 2.0


def generate(n: int) -> dict:
    nodes = []
    for i in range(n):
        nxt = f"n{i + 1}" if i + 1 < n else "end-good"
        options = [
            {
                "id": "a",
                "text": "Tell me more.",
                "skills": ["open_question"],
                "reason": "r",
                "effects": {"caring": 1},
                "next": nxt,
            },
            {
                "id": "b",
                "text": "Go back.",
                "skills": ["closed_question"],
                "reason": "r",
                "next": f"n{max(0, i - 3)}" if i % 7 == 0 else nxt,
            },
        ]
        if i % 50 == 0:
            options[0]["opens"] = [f"f{i}"]
        if i % 97 == 0:
            options.append(
                {
                    "id": "c",
                    "text": "Stop.",
                    "skills": ["dismissive"],
                    "reason": "r",
                    "effects": {"caring": -5},
                    "next": "end-poor",
                }
            )
        node = {"id": f"n{i}", "patient": "I see.", "options": options}
        if i % 40 == 0:
            node["raises"] = [f"o{i}"]
        nodes.append(node)
    return {
        "id": "generated",
        "title": "Generated",
        "version": "1.0",
        "summary": "s",
        "learning_objectives": [{"id": "lo", "text": "t", "skills": ["open_question"]}],
        "patient": {
            "name": "P",
            "age": 50,
            "gender": "woman",
            "setting": "s",
            "reason_for_visit": "r",
            "health_literacy": "high",
            "what_matters": ["w"],
        },
        "initial_trust": {"competence": 50, "honesty": 50, "caring": 50, "autonomy": 50},
        "start": "n0",
        "nodes": nodes,
        "facts": [
            {
                "id": f"f{i}",
                "text": "t",
                "disclosure": "d",
                "threshold": 50,
                "importance": "high",
                "why_it_matters": "w",
                "example_question": "q",
            }
            for i in range(0, n, 50)
        ],
        "opportunities": [
            {"id": f"o{i}", "kind": "emotion", "cue": "c", "window": 2, "example_response": "e"}
            for i in range(0, n, 40)
        ],
        "endings": [
            {"id": "end-good", "title": "t", "patient": "p", "outcome": "o", "quality": "good"},
            {"id": "end-poor", "title": "t", "patient": "p", "outcome": "o", "quality": "poor"},
        ],
        "references": ["r"],
    }


def time_lint(path: Path, repeat: int = 3) -> tuple[float, int]:
    times = []
    problems = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        report = lint_file(path)
        times.append(time.perf_counter() - t0)
        problems = len(report.errors)
    return statistics.median(times), problems


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for n in (5000, 10000):
            p = Path(tmp) / f"gen{n}.yaml"
            p.write_text(yaml.safe_dump(generate(n), sort_keys=False), encoding="utf-8")
            paths[n] = p
        t5, e5 = time_lint(paths[5000])
        t10, e10 = time_lint(paths[10000])
        size5 = paths[5000].stat().st_size / 1048576
    print(f"lint 5,000 nodes ({size5:.1f} MiB): {t5:.3f} s, {e5} errors")
    print(f"lint 10,000 nodes: {t10:.3f} s, {e10} errors")
    print(f"5,000 nodes against the {BUDGET_S:g} s budget: {t5 / BUDGET_S:.2f}")
    print(f"time ratio 10,000 / 5,000 nodes: {t10 / t5:.2f} (linear is about 2)")
    return 0 if e5 == 0 and e10 == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
