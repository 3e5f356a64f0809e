"""``trustkit play | replay | audit``: playing an encounter, replaying a transcript, auditing the scores."""

from __future__ import annotations

import argparse
from typing import Any

from trustkit.cli._common import print_json, read_json_file, write_json
from trustkit.errors import TrustkitError


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
    from trustkit.lint import checked

    # a file gets every `trustkit lint` check first: an error blocks, at its FILE:LINE
    enc = Encounter(checked(args.scenario), seed=args.seed, mode=args.mode)
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
            write_json(args.output, enc.transcript())
        if args.json:
            print_json(result)
        else:
            print(debrief(enc).to_text())
        return 0
    if args.json:
        raise TrustkitError("--json needs --choices (the interactive game prints text).")
    return _play_interactive(enc, args)


def _play_interactive(enc, args: argparse.Namespace) -> int:
    from trustkit.debrief import debrief
    from trustkit.engine import AmbiguousReply

    sc = enc.scenario
    p = sc.patient
    print(f"{sc.title}\n{p.name}, {p.age}, {p.setting}: {p.reason_for_visit}\n")
    if enc.mode == "practice":
        print(
            "Type an option's number (or id), or your own reply. 'h' gives a hint, 'u' undoes, "
            "'q' quits.\n"
        )
    else:
        print(
            "Assessment: type an option's number or your own reply; no hints, no undo. 'q' quits.\n"
        )
    print(f"{p.name}: {enc.patient_line}")
    while not enc.finished:
        if args.thoughts and enc.thought:
            print(f"  (thinks: {enc.thought})")
        for i, opt in enumerate(enc.options, start=1):
            print(f"  {i}. {opt.text}")
        prompt = f"[trust {enc.overall_trust:.0f}; h: hint] > " if enc.mode == "practice" else "> "
        try:
            raw = input(prompt).strip()
        except EOFError:
            print()
            break
        if raw.lower() in {"q", "quit", "exit"}:
            break
        if raw.lower() in {"h", "hint", "?"}:
            try:
                print(f"  Hint: {enc.hint()}")
            except TrustkitError as exc:  # an assessment gives no hints
                print(exc)
            continue
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
        write_json(args.output, enc.transcript())
        print(f"Transcript saved to {args.output}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from trustkit.audit import audit, surface_cues

    if args.cues:
        rows = surface_cues(args.scenario or None, top=args.cues)
        if args.json:
            print_json(rows)
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
        print_json(result.to_dict())
    else:
        print(result.to_text())
    return 1 if result.failures() else 0


def cmd_replay(args: argparse.Namespace) -> int:
    from trustkit.debrief import debrief
    from trustkit.engine import ReplayError, replay
    from trustkit.lint import checked

    # only --scenario chooses a file; the transcript's own scenario id is never a path
    scenario = checked(args.scenario) if args.scenario else None
    data = read_json_file(args.transcript)
    if isinstance(data, dict) and "transcript" in data and "format" not in data:
        data = data["transcript"]  # accept the output of `play --json` as well
    try:
        enc = replay(data, scenario)
    except ReplayError as exc:
        raise TrustkitError(f"{args.transcript}: not reproducible: {exc}") from None
    d = debrief(enc)
    if args.json:
        print_json({"transcript": enc.transcript(), "debrief": d.to_dict()})
    else:
        print(d.to_text())
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "play",
        help="play a scenario in the terminal, or non-interactively with --choices",
        description="Play a scenario (a packaged id or a YAML file). Interactively: type an "
        "option's number or your own reply; 'h' gives a hint (practice mode; recorded with your "
        "next reply), 'u' undoes, 'q' quits.",
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
