"""``trustkit progress``: the learner's history in the terminal - summary, CSV export, reset."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from trustkit.cli._common import print_json
from trustkit.errors import TrustkitError

_EPILOG = """\
The history lives in $TRUSTKIT_HOME/progress.sqlite (default ~/.trustkit/progress.sqlite).

--export writes one row per attempt with the columns:
  id, scenario_id, title, finished_at (UTC, ISO 8601), ending_id, ending_quality
  (empty if the encounter was stopped), turns, trust_start, trust_end (overall trust,
  0-100), adherence (estimated, 0-1; an educational approximation), facts_disclosed,
  facts_total, opps_met, opps_total (empathic opportunities), source,
  then one skill:<code> column per skill (0-100, higher is better; empty = not scored).
Transcripts are not exported (they are saved in trustkit-work/). A text cell that starts
like a spreadsheet formula (= + - @) gets a leading ' so that it stays text.

An attempt or rating that could not be written (the history busy or read-only) waits in
progress.sqlite.pending/ and is added the next time the history can be written; a read-only
history is shown as it is; one restored with `sqlite3 .dump` is repaired. Each of these is
said in one "trustkit: note:" line.

Exit codes: 0 success (also when a reset is cancelled), 1 a problem, 2 a usage error.
"""


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "progress",
        help="your progress: attempts, trust, skills and rating agreement",
        description="Summarise your progress history: attempts per scenario, latest trust, "
        "skills improving or declining, and how close your ratings are to the reference.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--export", metavar="FILE.csv", help="write every attempt to a CSV file (columns below)"
    )
    p.add_argument(
        "--reset", action="store_true", help="delete every attempt and rating (asks first)"
    )
    p.add_argument("--yes", action="store_true", help="with --reset: do not ask")
    p.set_defaults(func=cmd_progress)


def _history() -> Any:
    from trustkit.progress import History

    return History()


def _check(h: Any) -> None:
    """Turn a failed history call into the CLI's one-line error; show what the learner should
    know in one line each (a moved-aside, read-only, newer or repaired history, rows waiting
    in the pending journal)."""
    if h.last_error and h.moved_to is None:
        raise TrustkitError(h.last_error)
    for note in (h.last_error, getattr(h, "notice", None)):
        if note:
            print(f"trustkit: note: {note}", file=sys.stderr)


def _ask(prompt: str) -> bool:
    print(prompt, end=" ", flush=True)
    stdin = sys.stdin
    try:
        answer = stdin.readline() if stdin is not None else ""
    except (OSError, ValueError):  # closed or unreadable stdin counts as no
        answer = ""
    if not answer.endswith("\n"):
        print()
    return answer.strip().lower() in ("y", "yes")


def cmd_progress(args: argparse.Namespace) -> int:
    if args.yes and not args.reset:
        raise TrustkitError("--yes only goes with --reset.")
    if args.reset and args.export:
        raise TrustkitError("--reset and --export cannot be combined; export first, then reset.")
    h = _history()
    if args.reset:
        return _reset(h, args)
    if args.export:
        n = h.export_csv(args.export)
        if n is None:
            raise TrustkitError(h.last_error or f"{args.export} could not be written.")
        _check(h)
        if args.json:
            print(json.dumps({"exported": n, "file": str(args.export)}))
        else:
            print(f"Exported {n} attempt(s) to {args.export}.")
        return 0
    summary = h.summary()
    _check(h)
    if args.json:
        print_json(summary)
    else:
        print(format_summary(summary))
    return 0


def _reset(h: Any, args: argparse.Namespace) -> int:
    attempts, ratings = h.counts()
    if h.read_only and h.notice and not h.last_error:
        raise TrustkitError(h.notice)  # it cannot be written: nothing to ask, one line
    _check(h)
    if not attempts and not ratings:
        print(f"Nothing to delete in {h.path}.")
        return 0
    prompt = f"Delete {attempts} attempts and {ratings} ratings from {h.path}? [y/N]"
    if not args.yes and not _ask(prompt):
        print("Nothing deleted.")
        return 0
    h.reset()
    if h.last_error:
        raise TrustkitError(h.last_error)
    print(f"Deleted {attempts} attempts and {ratings} ratings from {h.path}.")
    return 0


def _num(v: float | None, fmt: str = ".0f") -> str:
    return "-" if v is None else format(v, fmt)


def format_summary(s: dict[str, Any]) -> str:
    """The summary as plain text for the terminal."""
    out = [f"Progress history: {s['path']}"]
    if not s["attempts"] and not s["ratings"]:
        out.append("No attempts or ratings recorded yet: play a scenario in the course notebooks.")
        return "\n".join(out)
    out.append(f"Attempts: {s['attempts']} in {len(s['scenarios'])} scenario(s)")
    if s["scenarios"]:
        width = max(len(r["scenario_id"]) for r in s["scenarios"])
        out.append(f"  {'scenario':<{width}}  attempts  first  best  latest trust (0-100)")
        for r in s["scenarios"]:
            ending = r["latest_quality"] or "stopped"
            out.append(
                f"  {r['scenario_id']:<{width}}  {r['attempts']:>8}  {_num(r['first_trust']):>5}"
                f"  {_num(r['best_trust']):>4}  {_num(r['latest_trust']):>6}  (latest ending: "
                f"{ending})"
            )
    sk = s["skills"]
    if sk["first"]:
        out.append("Skills (first -> latest scored attempt, 0-100, higher is better):")
        for name in sk["first"]:
            if name in sk["improving"]:
                trend = "improving"
            elif name in sk["declining"]:
                trend = "declining"
            elif name in sk["steady"]:
                trend = "steady"
            else:
                trend = "scored once"
            out.append(
                f"  {name:<22} {_num(sk['first'][name]):>4} -> {_num(sk['latest'][name]):>4}"
                f"  {trend}"
            )
        out.append(f"  Improving: {', '.join(sk['improving']) or 'none'}")
        out.append(f"  Declining: {', '.join(sk['declining']) or 'none'}")
    ag = s["agreement"]
    if ag["overall"]["n"]:
        o = ag["overall"]
        out.append(
            f"Rating agreement: {o['n']} rating(s), on average {o['mean_abs_diff']:.2f} points "
            f"from the reference, {o['within_1_pct']:.0f}% within 1 point (lower difference is "
            "better)"
        )
        for d in ag["by_day"]:
            out.append(
                f"  {d['day']}  n={d['n']:<4} difference {d['mean_abs_diff']:.2f}  "
                f"{d['within_1_pct']:.0f}% within 1"
            )
    elif s["ratings"]:
        out.append("Rating agreement: no rating has a reference to compare with yet.")
    else:
        out.append("Rating agreement: no ratings yet.")
    return "\n".join(out)
