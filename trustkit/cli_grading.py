"""`trustkit grade` and `trustkit report`: grading a whole class (wired into trustkit.cli)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from trustkit.errors import TrustkitError


def cmd_grade(args: argparse.Namespace) -> int:
    from trustkit.grading.parallel import grade_class

    if args.jobs is not None and args.jobs < 1:
        raise TrustkitError("--jobs must be at least 1.")
    run = grade_class(
        Path(args.course_dir),
        args.assignment,
        jobs=args.jobs,
        force=args.force,
        db_url=args.db_url,
        student_timeout=args.timeout,
        progress=not args.quiet,
    )
    print(run.table())
    for r in run.failed:
        print(f"trustkit: {r.student} could not be graded: {r.message}", file=sys.stderr)
    return 1 if run.failed else 0


def cmd_report(args: argparse.Namespace) -> int:
    from trustkit.grading.report import write_report

    out = args.output or os.path.join("reports", args.assignment)
    page = write_report(Path(args.course_dir), args.assignment, out, db_url=args.db_url)
    print(f"wrote {page} (with PNG figures and scores.csv beside it)")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "grade",
        help="autograde every submitted student in parallel (nbgrader's grades, faster)",
        description="Autograde every student in submitted/ for ASSIGNMENT, N at a time, into "
        "the gradebook nbgrader uses. Students already autograded from the same submission "
        "are skipped unless --force. A submission that crashes or hangs is reported and the "
        "rest go on. Exit 1 if any student could not be graded.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--jobs", "-j", type=int, default=None, help="parallel workers (CPU count)")
    p.add_argument("--force", action="store_true", help="grade again students already graded")
    p.add_argument("--course-dir", default=".", help="the course root (default: here)")
    p.add_argument("--db-url", default=None, help="gradebook URL (default: the course config's)")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per student (900)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser(
        "report",
        help="class report: score distribution, difficulty, skills heatmap, calibration",
        description="Write PNG figures, scores.csv and one self-contained report.html for an "
        "autograded assignment. Role-play transcripts are replayed through the engine.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("-o", "--output", metavar="DIR", help="output folder (reports/ASSIGNMENT)")
    p.add_argument("--course-dir", default=".", help="the course root (default: here)")
    p.add_argument("--db-url", default=None, help="gradebook URL (default: the course config's)")
    p.set_defaults(func=cmd_report)
