"""`trustkit grade`, `trustkit regrade` and `trustkit report`: grading a whole class (wired
into trustkit.cli)."""

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


def cmd_regrade(args: argparse.Namespace) -> int:
    from trustkit.grading.regrade import regrade

    run = regrade(
        Path(args.course_dir), args.assignment, students=args.student or None, db_url=args.db_url
    )
    print(run.table())
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from trustkit.grading.report import write_report

    out = args.output or os.path.join("reports", args.assignment)
    page = write_report(Path(args.course_dir), args.assignment, out, db_url=args.db_url)
    print(f"wrote {page} (with PNG figures and scores.csv beside it)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from trustkit.grading.lms import export

    grades = export(
        Path(args.course_dir),
        args.assignment,
        args.to,
        args.file,
        db_url=args.db_url,
        column=args.column,
        allow_pending=args.allow_pending,
        zero_missing=args.zero_missing,
    )
    graded = sum(1 for g in grades.students if g.submitted)
    if args.file != "-":
        print(
            f"wrote {args.file} for {args.to}: {len(grades.students)} student(s), {graded} "
            f"with a grade out of {grades.max_score:g}"
        )
    for student in grades.pending:
        print(f"trustkit: {student} still awaits manual grading", file=sys.stderr)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "grade",
        help="autograde every submitted student in parallel (nbgrader's grades, faster)",
        description="Autograde every student in submitted/ for ASSIGNMENT, N at a time, into "
        "the gradebook nbgrader uses, then recompute every trustkit task from the saved work "
        "as submitted, in this process (never the student's kernel), and keep those scores. "
        "The table shows the points still awaiting manual grading; the tampering report lists "
        "every cell whose kernel score differed from the saved work's. Students already "
        "autograded from the same submission are skipped (and only recomputed) unless --force. "
        "A submission that crashes or hangs is reported and the rest go on. Exit 1 if any "
        "student could not be graded.",
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
        "regrade",
        help="after plain nbgrader autograde: recompute every trustkit task from the saved work",
        description="For every autograded submission of ASSIGNMENT (or each --student), "
        "recompute the answers, role-plays and ratings from the saved work in submitted/, in "
        "this process, with the keys from the gradebook's copy of the source notebook, and "
        "write those scores to the gradebook whatever the kernel printed. Each recomputed "
        "cell's output in autograded/ shows what the student did; a kernel score that differs "
        "is noted on the cell, in formgrader's comment and in the tampering report printed at "
        "the end. Safe to run again; nothing in submitted/ is changed.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument(
        "--student", action="append", metavar="ID", help="only this student (repeatable)"
    )
    p.add_argument("--course-dir", default=".", help="the course root (default: here)")
    p.add_argument("--db-url", default=None, help="gradebook URL (default: the course config's)")
    p.set_defaults(func=cmd_regrade)

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

    p = sub.add_parser(
        "export",
        help="grades of one assignment as a CSV file for Canvas or Moodle to import",
        description="Write ASSIGNMENT's grades from the gradebook in the columns the learning "
        "platform's gradebook import reads (docs/deploy.md gives the import steps). Scores are "
        "nbgrader's, late penalty applied. Cells are CSV-injection safe. Refuses while any "
        "submission awaits manual grading, unless --allow-pending. FILE '-' writes to stdout.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--to", required=True, choices=("canvas", "moodle"), help="the platform")
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument(
        "--column",
        metavar="HEADER",
        help="the grade column's header: an existing Canvas assignment's header as in a Canvas "
        "export, e.g. 'Problem set 1 (4567)', or a Moodle grade item (default: ASSIGNMENT)",
    )
    p.add_argument(
        "--allow-pending", action="store_true", help="export even if manual grading is pending"
    )
    p.add_argument(
        "--zero-missing", action="store_true", help="0 for a student without a submission (blank)"
    )
    p.add_argument("--course-dir", default=".", help="the course root (default: here)")
    p.add_argument("--db-url", default=None, help="gradebook URL (default: the course config's)")
    p.set_defaults(func=cmd_export)
