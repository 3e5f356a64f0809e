"""``trustkit lab``: JupyterLab on the learner's own copy of the course."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def cmd_lab(args: argparse.Namespace) -> int:
    import subprocess

    from trustkit import workspace

    if args.instructor:
        # the course as it is tracked (nbgrader's course root), with nbgrader's tools
        source = workspace.source_course()
        root = Path(args.folder).expanduser().resolve() if args.folder else source.parent
        print(f"Instructor mode: JupyterLab on {root}, with nbgrader's tools.")
    else:
        root = workspace.learner_folder(args.folder)
        for line in workspace.sync(root).lines():
            print(line)
    cmd = workspace.lab_command(
        root, port=args.port, no_browser=args.no_browser, instructor=args.instructor
    )
    print("Starting JupyterLab (the address to open is printed below; Ctrl-C stops it).")
    sys.stdout.flush()
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "lab",
        help="start JupyterLab on your own copy of the course",
        description="Start JupyterLab on your own copy of the course: FOLDER (default "
        "~/trustkit-course, or $TRUSTKIT_COURSE), created on the first run. Your copy is never "
        "overwritten: new lessons, and new versions of lessons, are added beside it and you "
        "are told. The course files in the repository are never changed by learning.",
    )
    p.add_argument(
        "folder", nargs="?", metavar="FOLDER", help="your course folder (~/trustkit-course)"
    )
    p.add_argument("--port", type=int, default=8888, help="port (8888)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--instructor",
        action="store_true",
        help="open the course itself (the repository, or FOLDER) with nbgrader's instructor "
        "tools (Create Assignment, Formgrader)",
    )
    p.set_defaults(func=cmd_lab)
