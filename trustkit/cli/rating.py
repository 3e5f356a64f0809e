"""``trustkit instruments | score | calibrate | bank``: rating instruments and rater agreement.

Wired into ``trustkit/cli/__init__.py`` through :func:`add_parsers`. Every problem with the user's input
raises :class:`TrustkitError` as ``FILE:LINE: one clear sentence``.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from trustkit.cli._common import print_json
from trustkit.errors import TrustkitError

MAX_CSV_BYTES = 16 * 1024 * 1024

_SCORE_EPILOG = """\
The CSV file has a header row and the columns respondent,item,value (any order, extra
columns ignored). One row per answer: value is a number on the instrument's scale, or NA
for "not applicable" / left blank. Item ids are the item numbers, 1, 2, 3, ...

  respondent,item,value
  visit-01,1,4
  visit-01,2,NA

How missing answers are handled depends on the instrument (see `trustkit instruments`): CARE
replaces up to two by the mean of the rest; the others are not scored when an item is missing.
For collaborate the output also gives the share of respondents with a top score (all items 9).

Exit codes: 0 success, 1 a problem in your input, 2 a usage error.
"""

_CALIBRATE_EPILOG = """\
The CSV file has a header row and the columns item,rater,score: one row per rating.

  item,rater,score
  reply-1,anna,4
  reply-1,ben,3

Prints the six Shrout & Fleiss (1979) intraclass correlations with 95% confidence intervals,
Cohen's weighted kappa (linear and quadratic; only when there are exactly two raters) and
Krippendorff's ordinal alpha. The ICCs use only items rated by every rater; Krippendorff's
alpha uses every item with at least two ratings. Labels follow Koo & Li (2016): below 0.50
poor, 0.50-0.75 moderate, 0.75-0.90 good, above 0.90 excellent. For raters meant to
stand for any trained rater, report ICC(2,1) (absolute agreement).

Exit codes: 0 success, 1 a problem in your input, 2 a usage error.
"""


def add_parsers(sub: Any) -> None:
    """Add the ``instruments``, ``score``, ``calibrate`` and ``bank`` subcommands."""
    p = sub.add_parser(
        "instruments",
        help="list the rating instruments (CARE, OPTION-5, CollaboRATE, ...)",
        description="List the packaged rating instruments: id, items, scale and scoring rule. "
        "Item texts are paraphrases in our own words; see each instrument's citation.",
    )
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(func=cmd_instruments)

    p = sub.add_parser(
        "score",
        help="score questionnaire answers with an instrument's published rule",
        description="Score each respondent's answers (from a CSV file) with the scoring rule "
        "of INSTRUMENT, and say why a set of answers cannot be scored.",
        epilog=_SCORE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("instrument", metavar="INSTRUMENT", help="instrument id, e.g. care or option5")
    p.add_argument(
        "--responses",
        metavar="FILE.csv",
        required=True,
        help="CSV file with the columns respondent,item,value",
    )
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser(
        "calibrate",
        help="agreement between raters: ICC, weighted kappa, Krippendorff's alpha",
        description="Measure how well raters agree on the same items: the six intraclass "
        "correlations with 95% confidence intervals, weighted kappa and Krippendorff's alpha.",
        epilog=_CALIBRATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--ratings", metavar="FILE.csv", required=True, help="CSV file with item,rater,score"
    )
    p.add_argument("--json", action="store_true", help="print the statistics as JSON")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser(
        "bank",
        help="the response bank: size, the reference panel's own agreement, discussion items",
        description="Summarise the packaged response bank of clinicians' replies: how many, "
        "which skills, how well the course's reference panel agrees with itself (ICC(2,1) with "
        "its 95% CI, Krippendorff's ordinal alpha, share of unanimous ratings) and the replies "
        "on which the panel disagrees by 2 points or more (discussion items for a tutorial).",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_bank)


# ---------------------------------------------------------------------------------------------
# CSV reading
# ---------------------------------------------------------------------------------------------
def _read_csv(path_text: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file as ``(line number, {column: text})``; every problem is one line."""
    from trustkit import loading

    return loading.read_csv_rows(path_text, columns, MAX_CSV_BYTES)


def _number(text: str, where: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise TrustkitError(f"{where}: the {what} '{text}' is not a number.") from None
    if not math.isfinite(value):
        raise TrustkitError(f"{where}: the {what} '{text}' is not a finite number.")
    return value


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# ---------------------------------------------------------------------------------------------
# instruments
# ---------------------------------------------------------------------------------------------
def cmd_instruments(args: argparse.Namespace) -> int:
    from trustkit.instruments import list_instruments, load_instrument

    rows = []
    for iid in list_instruments():
        inst = load_instrument(iid)
        rows.append(
            {
                "id": inst.id,
                "name": inst.name,
                "respondent": inst.respondent,
                "items": len(inst.items),
                "scale": [inst.scale.min, inst.scale.max],
                "allow_na": inst.allow_na,
                "rule": inst.scoring.rule,
                "range": list(inst.scoring.range),
                "citation": inst.citations[0],
            }
        )
    if args.json:
        print_json(rows)
        return 0
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        lo, hi = r["scale"]
        rng = "-".join(f"{v:g}" for v in r["range"])
        na = ", N/A allowed" if r["allow_na"] else ""
        print(f"{r['id']:<{width}}  {r['name']}")
        print(
            f"{'':<{width}}  {r['items']} item(s), {lo}-{hi}{na}; {r['rule']} -> {rng}; "
            f"rated by the {r['respondent']}"
        )
    return 0


# ---------------------------------------------------------------------------------------------
# score
# ---------------------------------------------------------------------------------------------
def cmd_score(args: argparse.Namespace) -> int:
    from trustkit.instruments import load_instrument, score, score_many

    inst = load_instrument(args.instrument)
    path = args.responses
    rows = _read_csv(path, ("respondent", "item", "value"))
    sets: dict[str, dict[str, float | None]] = {}
    for line, row in rows:
        where = f"{path}:{line}"
        who, item, text = row["respondent"], row["item"], row["value"]
        if not who:
            raise TrustkitError(f"{where}: the respondent is empty.")
        if item not in inst.item_ids:
            raise TrustkitError(
                f"{where}: {inst.id} has no item '{item}'; its items are 1-{len(inst.items)}."
            )
        answers = sets.setdefault(who, {})
        if item in answers:
            raise TrustkitError(f"{where}: respondent '{who}' answers item {item} twice.")
        value = None if text.upper() in ("NA", "N/A", "") else _number(text, where, "value")
        try:
            score(inst.id, {item: value})  # checks the value against the scale
        except TrustkitError as exc:
            raise TrustkitError(f"{where}: {exc}") from None
        answers[item] = value
    result = score_many(inst.id, sets)
    scores = result["scores"]
    if args.json:
        out: dict[str, Any] = {
            "instrument": inst.id,
            "scores": {r: {"score": s.score, "reason": s.reason} for r, s in scores.items()},
        }
        if "top_score_share" in result:
            out["top_score_share"] = result["top_score_share"]
        print_json(out)
        return 0
    lo, hi = inst.scoring.range
    width = max(10, *(len(r) for r in scores))
    print(f"{inst.name}  (score range {lo:g}-{hi:g})")
    print(f"{'respondent':<{width}}  {'score':>6}  missing  note")
    for who, s in scores.items():
        note = s.reason or (f"{len(s.imputed)} imputed" if s.imputed else "")
        print(f"{who:<{width}}  {_fmt(s.score, 1):>6}  {s.n_missing:>7}  {note}")
    if "top_score_share" in result:
        share = result["top_score_share"]
        text = "-" if share is None else f"{100 * share:.0f}%"
        print(f"top score share: {text} of {result['n_scored']} scored respondent(s)")
    return 0


# ---------------------------------------------------------------------------------------------
# calibrate
# ---------------------------------------------------------------------------------------------
def calibration_report(matrix: list[list[float | None]]) -> dict[str, Any]:
    """The statistics ``trustkit calibrate`` prints, for an items x raters matrix."""
    from trustkit.calibration import cohen_kappa, complete_rows, icc, krippendorff_alpha

    full, dropped = complete_rows(matrix)
    k = len(matrix[0])
    report: dict[str, Any] = {
        "n_items": len(matrix),
        "n_raters": k,
        "n_items_complete": len(full),
    }
    report["icc"] = {
        form: {"value": r.value, "ci95": list(r.ci95) if r.ci95 else None, "label": r.label}
        for form, r in icc(full).items()
    }
    if k == 2:
        a = [row[0] for row in matrix]
        b = [row[1] for row in matrix]
        report["kappa"] = {
            "linear": cohen_kappa(a, b, weights="linear"),
            "quadratic": cohen_kappa(a, b, weights="quadratic"),
        }
    else:
        report["kappa"] = None
    report["krippendorff_alpha_ordinal"] = krippendorff_alpha(matrix, "ordinal")
    return report


def cmd_calibrate(args: argparse.Namespace) -> int:
    from trustkit.calibration import matrix_from_long

    path = args.ratings
    rows = _read_csv(path, ("item", "rater", "score"))
    seen: dict[tuple[str, str], int] = {}
    long: list[tuple[str, str, float]] = []
    for line, row in rows:
        where = f"{path}:{line}"
        item, rater = row["item"], row["rater"]
        if not item or not rater:
            raise TrustkitError(f"{where}: the item and the rater must not be empty.")
        if (item, rater) in seen:
            raise TrustkitError(
                f"{where}: rater '{rater}' rates item '{item}' twice "
                f"(first on line {seen[(item, rater)]})."
            )
        seen[(item, rater)] = line
        long.append((item, rater, _number(row["score"], where, "score")))
    _, raters, matrix = matrix_from_long(long)
    if len(raters) < 2:
        raise TrustkitError(f"{path}: agreement needs at least two raters; found {len(raters)}.")
    try:
        report = calibration_report(matrix)
    except TrustkitError as exc:
        raise TrustkitError(f"{path}: {exc}") from None
    if args.json:
        out = {
            "n_items": report["n_items"],
            "n_raters": report["n_raters"],
            "n_items_complete": report["n_items_complete"],
            "icc": {f: {"value": v["value"], "ci95": v["ci95"]} for f, v in report["icc"].items()},
            "kappa": report["kappa"],
            "krippendorff_alpha_ordinal": report["krippendorff_alpha_ordinal"],
        }
        print_json(out)
        return 0
    n, k, nc = report["n_items"], report["n_raters"], report["n_items_complete"]
    print(f"{n} item(s), {k} rater(s); {nc} item(s) rated by every rater (used for the ICC).")
    print(f"{'statistic':<28} {'value':>6}  {'95% CI':<16} interpretation")
    for form, v in report["icc"].items():
        ci = "-" if v["ci95"] is None else f"{v['ci95'][0]:.2f} to {v['ci95'][1]:.2f}"
        print(f"{form:<28} {_fmt(v['value']):>6}  {ci:<16} {v['label'] or '-'}")
    if report["kappa"] is not None:
        for w in ("linear", "quadratic"):
            print(f"{'Cohen kappa, ' + w + ' weights':<28} {_fmt(report['kappa'][w]):>6}")
    alpha = report["krippendorff_alpha_ordinal"]
    print(f"{'Krippendorff alpha, ordinal':<28} {_fmt(alpha):>6}")
    print("ICC labels: Koo & Li (2016). Report ICC(2,1) for raters who stand for any rater.")
    return 0


# ---------------------------------------------------------------------------------------------
# bank
# ---------------------------------------------------------------------------------------------
def cmd_bank(args: argparse.Namespace) -> int:
    from collections import Counter

    from trustkit.bank import get_item, load_bank, panel_agreement

    items = load_bank()
    agreement = panel_agreement()
    skills = Counter(s for i in items for s in i.skills)
    if args.json:
        out = {
            "n_replies": len(items),
            "n_with_empathic_opportunity": sum(i.opportunity for i in items),
            "skills": dict(sorted(skills.items())),
            "panel": agreement,
        }
        print_json(out)
        return 0
    print(
        f"{len(items)} replies, {sum(i.opportunity for i in items)} with an empathic "
        f"opportunity; {len(skills)} skills; reference panel: {', '.join(agreement['raters'])}"
    )
    print("(the course authors' reference panel: a teaching reference, not a validated study)")
    for name in ("quality", "empathy_level"):
        a = agreement[name]
        icc = a["icc21"]
        lo, hi = icc["ci95"] or (math.nan, math.nan)
        print(
            f"{name}: {a['n_items']} replies; ICC(2,1) {icc['value']:.2f} "
            f"(95% CI {lo:.2f} to {hi:.2f}, {icc['label']}); Krippendorff's ordinal alpha "
            f"{a['krippendorff_alpha_ordinal']:.2f}; unanimous {100 * a['all_agree']:.0f}%"
        )
        for item_id in a["discussion_items"]:
            item = get_item(item_id)
            reply = item.reply if len(item.reply) <= 70 else item.reply[:67] + "..."
            print(f"  discuss {item_id} (panel {item.values(name)}): {reply}")
    return 0
