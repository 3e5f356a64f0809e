"""Write docs/audit.md from `trustkit audit` (tests/test_audit.py fails when it drifts)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

INTRO = """# Can a score be earned without reading the patient?

`trustkit audit` plays strategies that ignore meaning through every packaged scenario, over
eight seeds, and scores each encounter exactly as the grader does (`trustkit/audit.py` explains
each strategy). Graded role-plays are assessments: a role-play played in practice mode (with
the trust meter's numbers and Undo) earns no role-play marks, which is why trial and error
scores 0 below; the last column shows what it would earn if that rule were not there.

Targets (asserted by `tests/test_audit.py` on the packaged library): every meaning-blind
strategy at most 0.45 mean graded fraction and at most random + 0.10; the best path at least
0.95 in every scenario; no meaning-blind strategy ends well in more than 2 of the 12 scenarios
(a scenario counts when the strategy ends well on at least half of the seeds). "exercise" is
the criteria of the problem set that grades the scenario (the default criteria for scenarios no
problem set grades); "default" is the default criteria everywhere. The last column names the
scenario where the strategy does best (for `best`: worst).

Regenerate with `python scripts/audit_doc.py` after any content or engine change.

```text
"""


def render(result) -> str:
    return INTRO + result.to_text() + "\n```\n"


def main() -> None:
    from trustkit.audit import audit

    path = ROOT / "docs" / "audit.md"
    path.write_text(render(audit()), encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
