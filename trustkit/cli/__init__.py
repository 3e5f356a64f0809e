"""The ``trustkit`` command line. Exit codes: 0 success, 1 a problem in your input, 2 usage.

One module per command group, each exposing ``add_parsers(subparsers)``:

- :mod:`~trustkit.cli.scenarios`: scenarios, schema, lint, graph, analyze
- :mod:`~trustkit.cli.play`: play, replay, audit
- :mod:`~trustkit.cli.rating`: instruments, score, calibrate, bank
- :mod:`~trustkit.cli.progress`: progress
- :mod:`~trustkit.cli.grading`: grade, regrade, report, export
- :mod:`~trustkit.cli.lab`: lab

This module wires them in and owns the one error policy: a :class:`TrustkitError` is printed as
one line and exits 1; anything else is an internal error, one line and exit 3. The shared
helpers (``--json`` printing, reading and writing files) live in :mod:`trustkit.cli._common`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from trustkit import __version__
from trustkit.errors import TrustkitError

GROUPS = ("scenarios", "play", "rating", "progress", "grading", "lab")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trustkit",
        description="trustkit: practise building trust with simulated patients.",
        epilog="Exit codes: 0 success, 1 a problem in your input, 2 a usage error.",
    )
    parser.add_argument("--version", action="version", version=f"trustkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for name in GROUPS:
        importlib.import_module(f"trustkit.cli.{name}").add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except TrustkitError as exc:
        print(f"trustkit: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("trustkit: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug of ours: one line, and a way to see more
        if os.environ.get("TRUSTKIT_DEBUG"):
            raise
        print(
            f"trustkit: internal error ({type(exc).__name__}: {exc}); "
            "set TRUSTKIT_DEBUG=1 to see the details, and please report it.",
            file=sys.stderr,
        )
        return 3
