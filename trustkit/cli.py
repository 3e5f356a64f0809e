"""The ``trustkit`` command line. Exit codes: 0 success, 1 a problem in your input, 2 usage.

Subcommands that belong to a larger area (rating, progress, class grading) are defined next to
it in ``trustkit/cli_*.py`` modules, each exposing ``add_parsers(subparsers)``; this module
wires them in and owns the one error policy: a :class:`TrustkitError` is printed as one line.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from trustkit import __version__
from trustkit.errors import TrustkitError

MAX_TRANSCRIPT_BYTES = 8 * 1024 * 1024
_EXTENSIONS = ("trustkit.cli_rating", "trustkit.cli_progress", "trustkit.cli_grading")


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


# ---------------------------------------------------------------------------------------------
# scenarios, schema, lint
# ---------------------------------------------------------------------------------------------
def cmd_scenarios(args: argparse.Namespace) -> int:
    from trustkit.scenario import load_packaged, packaged_ids

    rows = []
    for sid in packaged_ids():
        sc = load_packaged(sid).scenario
        rows.append({"id": sc.id, "title": sc.title, "version": sc.version, "skills": sc.skills})
    if args.json:
        _print_json(rows)
        return 0
    width = max((len(r["id"]) for r in rows), default=2)
    for r in rows:
        print(f"{r['id']:<{width}}  {r['title']}")
        print(f"{'':<{width}}  skills: {', '.join(r['skills'])}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from trustkit.scenario import json_schema

    _print_json(json_schema())
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    from trustkit.lint import lint_file, lint_packaged

    reports = [lint_file(p) for p in args.paths] if args.paths else lint_packaged()
    if args.json:
        _print_json(
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


# ---------------------------------------------------------------------------------------------
# play, replay
# ---------------------------------------------------------------------------------------------
def _parse_choices(raw: str) -> list[int | str]:
    out: list[int | str] = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            raise TrustkitError(f"--choices '{raw}': an empty choice between commas.")
        if part.isdigit():
            if int(part) < 1:
                raise TrustkitError(f"--choices '{raw}': options are numbered from 1.")
            out.append(int(part) - 1)
        else:
            out.append(part)
    return out


def cmd_play(args: argparse.Namespace) -> int:
    from trustkit.debrief import debrief
    from trustkit.engine import Encounter

    enc = Encounter(args.scenario, seed=args.seed, mode=args.mode)
    if args.choices is not None:
        for i, choice in enumerate(_parse_choices(args.choices), start=1):
            if enc.finished:
                raise TrustkitError(f"--choices: choice {i} comes after the encounter ended.")
            try:
                enc.step(choice)
            except TrustkitError as exc:
                raise TrustkitError(f"--choices: choice {i}: {exc}") from None
        result = {"transcript": enc.transcript(), "debrief": debrief(enc).to_dict()}
        if args.output:
            _write_json(args.output, enc.transcript())
        if args.json:
            _print_json(result)
        else:
            print(debrief(enc).to_text())
        return 0
    if args.json:
        raise TrustkitError("--json needs --choices (the interactive game prints text).")
    return _play_interactive(enc, args)


def _write_json(path: str, data: object) -> None:
    from trustkit.work import atomic_write_text

    try:
        atomic_write_text(Path(path), json.dumps(data, indent=2, ensure_ascii=False))
    except OSError as exc:
        raise TrustkitError(f"{path}: cannot write the file ({exc.strerror}).") from None


def _play_interactive(enc, args: argparse.Namespace) -> int:
    from trustkit.debrief import debrief
    from trustkit.engine import AmbiguousReply

    sc = enc.scenario
    p = sc.patient
    print(f"{sc.title}\n{p.name}, {p.age}, {p.setting}: {p.reason_for_visit}\n")
    if enc.mode == "practice":
        print("Type an option's number (or id), or your own reply. 'u' undoes, 'q' quits.\n")
    else:
        print("Assessment: type an option's number or your own reply; no undo. 'q' quits.\n")
    print(f"{p.name}: {enc.patient_line}")
    while not enc.finished:
        if args.thoughts and enc.thought:
            print(f"  (thinks: {enc.thought})")
        for i, opt in enumerate(enc.options, start=1):
            print(f"  {i}. {opt.text}")
        prompt = f"[trust {enc.overall_trust:.0f}] > " if enc.mode == "practice" else "> "
        try:
            raw = input(prompt).strip()
        except EOFError:
            print()
            break
        if raw.lower() in {"q", "quit", "exit"}:
            break
        if raw.lower() in {"u", "undo"}:
            if enc.mode != "practice":
                print("There is no undo in an assessment.")
                continue
            if enc.undo() is None:
                print("Nothing to undo.")
            print(f"{p.name}: {enc.patient_line}")
            continue
        try:
            if raw.isdigit():
                turn = enc.step(int(raw) - 1)
            elif raw in {o.id for o in enc.options}:
                turn = enc.step(raw)
            else:
                turn = enc.say(raw)
                if turn.kind == "option":
                    print(f"  (understood as option: {turn.option})")
                elif turn.kind == "disrespect":
                    print(f'  (heard as disrespect: "{turn.evidence}"; the patient will remember)')
                else:
                    print(
                        f"  (not taken up: {enc.scenario.patient.name} did not hear a reply "
                        "to what they said)"
                    )
        except AmbiguousReply as exc:
            print("Your reply fits several options equally well:")
            for opt in exc.interpretation.tied:
                print(f"  - {opt.text}")
            print("Pick one by its number.")
            continue
        except TrustkitError as exc:
            print(exc)
            continue
        if enc.mode == "practice":
            delta = turn.overall_after - turn.overall_before
            print(f"  (trust {delta:+.1f})")
        print(f"  ({turn.reaction})")
        print(f"{p.name}: {turn.patient_reply}")
    print()
    print(debrief(enc).to_text())
    if args.output:
        _write_json(args.output, enc.transcript())
        print(f"Transcript saved to {args.output}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from trustkit.audit import audit, surface_cues

    if args.cues:
        rows = surface_cues(args.scenario or None, top=args.cues)
        if args.json:
            _print_json(rows)
            return 0
        print("surface features most tied to the best reply (lift: how much likelier an option")
        print("with it is the best one than any option; 1.00 gives nothing away)")
        for r in rows:
            value = r["value"] if not isinstance(r["value"], bool) else str(r["value"]).lower()
            print(
                f"  {r['feature']}={value!s:<14} lift {r['lift']:>5.2f}  ({r['best']} best of {r['options']})"
            )
        return 0

    seeds = tuple(range(1, args.seeds + 1))
    crit = ("exercise", "default") if args.criteria == "both" else (args.criteria,)
    result = audit(args.scenario or None, seeds=seeds, criteria_sets=crit)
    if args.json:
        _print_json(result.to_dict())
    else:
        print(result.to_text())
    return 1 if result.failures() else 0


def read_json_file(path: str, max_bytes: int = MAX_TRANSCRIPT_BYTES) -> object:
    """Read a JSON file; every problem becomes one TrustkitError line naming the file."""
    p = Path(path)
    try:
        if p.is_dir():
            raise TrustkitError(f"{path}: this is a folder, not a file.")
        if p.stat().st_size > max_bytes:
            raise TrustkitError(f"{path}: the file is larger than {max_bytes // 1048576} MiB.")
        raw = p.read_bytes()
    except FileNotFoundError:
        raise TrustkitError(f"{path}: no such file.") from None
    except OSError as exc:
        raise TrustkitError(f"{path}: cannot read the file ({exc.strerror}).") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TrustkitError(f"{path}:{line}: the file is not valid UTF-8 text.") from None
    if not text.strip():
        raise TrustkitError(f"{path}:1: the file is empty.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TrustkitError(f"{path}:{exc.lineno}: this is not valid JSON ({exc.msg}).") from None
    except RecursionError:
        raise TrustkitError(f"{path}:1: the JSON is nested too deeply.") from None


def cmd_replay(args: argparse.Namespace) -> int:
    from trustkit.debrief import debrief
    from trustkit.engine import ReplayError, replay

    data = read_json_file(args.transcript)
    if isinstance(data, dict) and "transcript" in data and "format" not in data:
        data = data["transcript"]  # accept the output of `play --json` as well
    try:
        enc = replay(data, args.scenario)
    except ReplayError as exc:
        raise TrustkitError(f"{args.transcript}: not reproducible: {exc}") from None
    d = debrief(enc)
    if args.json:
        _print_json({"transcript": enc.transcript(), "debrief": d.to_dict()})
    else:
        print(d.to_text())
    return 0


# ---------------------------------------------------------------------------------------------
# graph, analyze, lab
# ---------------------------------------------------------------------------------------------
def cmd_graph(args: argparse.Namespace) -> int:
    from trustkit.scenario import load

    out = Path(args.output)
    if out.suffix.lower() not in {".png", ".svg"}:
        raise TrustkitError(f"{args.output}: the picture must end in .png or .svg.")
    sc = load(args.scenario)
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
        _print_json(analysis.to_dict())
    else:
        print(format_analysis(analysis))
    return 0


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


# ---------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trustkit",
        description="trustkit: practise building trust with simulated patients.",
        epilog="Exit codes: 0 success, 1 a problem in your input, 2 a usage error.",
    )
    parser.add_argument("--version", action="version", version=f"trustkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("scenarios", help="list the packaged scenarios")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser(
        "lint",
        help="check scenario files (schema and graph); one FILE:LINE: message per problem",
        description="Check scenario files. Without PATH, checks the packaged scenarios. "
        "Exits 1 if any file has an error (warnings alone exit 0).",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="scenario YAML files")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="also print readability grades")
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser(
        "play",
        help="play a scenario in the terminal, or non-interactively with --choices",
        description="Play a scenario (a packaged id or a YAML file). Interactively: type an "
        "option's number or your own reply; 'u' undoes, 'q' quits.",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="packaged scenario id or YAML path")
    p.add_argument(
        "--choices", metavar="N,N,...", help="comma-separated option numbers (from 1) or ids"
    )
    p.add_argument("--json", action="store_true", help="with --choices: print transcript+debrief")
    p.add_argument("--seed", type=int, default=0, help="seed for the patient's wording (0)")
    p.add_argument("--thoughts", action="store_true", help="show what the patient thinks")
    p.add_argument(
        "--mode",
        choices=("practice", "assessment"),
        default="practice",
        help="practice (trust numbers, undo) or assessment (neither) (practice)",
    )
    p.add_argument("-o", "--output", metavar="FILE.json", help="save the transcript to a file")
    p.set_defaults(func=cmd_play)

    p = sub.add_parser(
        "audit",
        help="play meaning-blind strategies through the scenarios and check the scores",
        description="Play strategies that ignore meaning (button position, length, feeling "
        "words, random, a stock phrase, trial and error with undo) and the best path through "
        "the packaged scenarios over several seeds, score them as the grader does, and print a "
        "table. Exits 1 if a target is missed.",
    )
    p.add_argument("scenario", nargs="*", metavar="SCENARIO", help="scenario ids (default: all)")
    p.add_argument("--seeds", type=int, default=8, help="seeds per strategy (8)")
    p.add_argument(
        "--criteria",
        choices=("exercise", "default", "both"),
        default="both",
        help="the exercises' criteria, the default ones, or both (both)",
    )
    p.add_argument(
        "--cues",
        type=int,
        nargs="?",
        const=12,
        metavar="N",
        help="instead: list the N surface features that most give the best reply away (12)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "replay",
        help="replay a saved transcript and print its debrief",
        description="Replay a transcript through the engine. Exits 1 with the reason if the "
        "engine cannot reproduce it (an edited transcript, another scenario version).",
    )
    p.add_argument("transcript", metavar="TRANSCRIPT.json")
    p.add_argument("--scenario", help="a scenario YAML file to replay against (default: packaged)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_replay)

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

    for name in _EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.add_parsers(sub)
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


if __name__ == "__main__":
    sys.exit(main())
