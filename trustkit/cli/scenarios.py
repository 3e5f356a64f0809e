"""``trustkit scenarios | schema | lint | graph | analyze``: the scenario library and its checks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from trustkit.cli._common import print_json
from trustkit.errors import TrustkitError


def cmd_scenarios(args: argparse.Namespace) -> int:
    from trustkit.scenario import load_packaged, packaged_ids

    rows = []
    for sid in packaged_ids():
        sc = load_packaged(sid).scenario
        rows.append({"id": sc.id, "title": sc.title, "version": sc.version, "skills": sc.skills})
    if args.json:
        print_json(rows)
        return 0
    width = max((len(r["id"]) for r in rows), default=2)
    for r in rows:
        print(f"{r['id']:<{width}}  {r['title']}")
        print(f"{'':<{width}}  skills: {', '.join(r['skills'])}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from trustkit.scenario import json_schema

    print_json(json_schema())
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    from trustkit.lint import lint_file, lint_packaged

    reports = [lint_file(p) for p in args.paths] if args.paths else lint_packaged()
    if args.json:
        print_json(
            {"ok": all(not r.errors for r in reports), "files": [r.to_dict() for r in reports]}
        )
    else:
        for r in reports:
            for p in sorted(r.problems):
                print(p)
        n_err = sum(len(r.errors) for r in reports)
        n_warn = sum(len(r.warnings) for r in reports)
        grades = [
            f"{r.scenario_id} FK grade {r.stats['fk_grade']}"
            for r in reports
            if r.stats.get("fk_grade") is not None
        ]
        summary = f"{len(reports)} file(s) checked: {n_err} error(s), {n_warn} warning(s)."
        print(summary, file=sys.stderr)
        if args.verbose:
            for g in grades:
                print(f"  {g}", file=sys.stderr)
    return 1 if any(r.errors for r in reports) else 0


def cmd_graph(args: argparse.Namespace) -> int:
    from trustkit.lint import checked

    out = Path(args.output)
    if out.suffix.lower() not in {".png", ".svg"}:
        raise TrustkitError(f"{args.output}: the picture must end in .png or .svg.")
    sc = checked(args.scenario)  # the checks of `trustkit lint`; an error blocks
    from trustkit import plots

    fig = plots.scenario_graph(sc)
    try:
        fig.savefig(out, dpi=args.dpi, bbox_inches="tight")
    except OSError as exc:
        raise TrustkitError(f"{args.output}: cannot write the file ({exc.strerror}).") from None
    finally:
        plots.close(fig)
    print(f"wrote {out}")
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from trustkit.analyzer import analyze, format_analysis

    analysis = analyze(args.text)
    if args.json:
        print_json(analysis.to_dict())
    else:
        print(format_analysis(analysis))
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("scenarios", help="list the packaged scenarios")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser(
        "lint",
        help="check scenario files (schema and graph); one FILE:LINE: message per problem",
        description="Check scenario files. Without PATH, checks the packaged scenarios. "
        "Exits 1 if any file has an error (warnings alone exit 0).",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="scenario files (.yaml, .yml or .json, any case) or packaged scenario ids",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="also print readability grades")
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser("graph", help="draw a scenario as a picture (PNG or SVG)")
    p.add_argument("scenario", metavar="SCENARIO", help="packaged scenario id or YAML path")
    p.add_argument("-o", "--output", required=True, metavar="FILE.png|FILE.svg")
    p.add_argument("--dpi", type=int, default=120, help="resolution of a PNG (120)")
    p.set_defaults(func=cmd_graph)

    p = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("analyze", help="label one clinician utterance with communication codes")
    p.add_argument("text", metavar="TEXT", help="what the clinician says")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_analyze)
