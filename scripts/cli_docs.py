"""Write docs/cli.md from the `trustkit` command's own --help text, so the two cannot drift.

Run: python scripts/cli_docs.py  (tests/cli/test_docs.py fails when the file is out of date)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "cli.md"


def render() -> str:
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal width: fix it
    sys.path.insert(0, str(ROOT))
    from trustkit.cli import build_parser

    parser = build_parser()
    parser.prog = "trustkit"
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    parts = [
        "# The `trustkit` command",
        "",
        "Generated from `trustkit --help` by `scripts/cli_docs.py`; do not edit by hand.",
        "",
        "```text",
        parser.format_help().rstrip(),
        "```",
    ]
    for name, sp in sorted(sub.choices.items()):
        parts += ["", f"## trustkit {name}", "", "```text", sp.format_help().rstrip(), "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
