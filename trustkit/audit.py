"""``trustkit audit``: can a score be earned without reading the patient?

Plays strategies that ignore meaning through every packaged scenario, over several seeds, and
scores each encounter exactly as the grader does (:func:`trustkit.grading.criteria.score_encounter`
and its mode rule), on the exercises' own criteria where a problem set grades the scenario and
on the default criteria everywhere. The strategies:

``top`` / ``bottom``
    always the first / last option in the order the learner sees (a seeded shuffle);
``longest`` / ``shortest``
    always the option with the most / fewest characters;
``median-length``
    the option whose length is in the middle (authors who shun both extremes give it away);
``feeling-words`` / ``fewest-feeling-words``
    the option with the most / fewest "empathic" words (feel, sounds, understand, worry ...);
``question``
    an option that asks something (ends with a question mark), else the first shown;
``random``
    a seeded random option;
``surface-model``
    a learner who has noticed the surface habits of the course's authors: a naive-Bayes score
    over surface features (length rank, question mark, exclamation mark, feeling-word count,
    first word, "sorry", a dash, how often "you" appears), trained on every *other* packaged
    scenario (leave one out) and then played on this one. It reads no meaning, only style;
    :func:`surface_cues` lists the features that give the best reply away most;
``stock-phrase``
    types the same kind, generic sentences at every turn (vocabulary without listening);
``trial-and-error``
    practice mode: tries every option, reads the trust meter's change, undoes, keeps the best.
    Practice is never graded as an assessment, so its graded fraction is 0; the table also
    shows what it would earn if it were (``ungraded``), to keep that rule honest.

and ``best`` (:func:`trustkit.grading.instructor.model_path`), which must stay near full marks.

Targets (asserted by the tests on the packaged library): every meaning-blind strategy at most
:data:`BLIND_MAX` mean graded fraction and at most random + :data:`OVER_RANDOM_MAX`; the best
path at least :data:`BEST_MIN` in every scenario; no meaning-blind strategy reaches a good ending
in more than :data:`GOOD_ENDINGS_MAX` scenarios (a scenario counts when the strategy ends well
on at least half of the seeds).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from trustkit.engine import Encounter
from trustkit.errors import TrustkitError

BLIND_MAX = 0.45
OVER_RANDOM_MAX = 0.10
BEST_MIN = 0.95
GOOD_ENDINGS_MAX = 2
MAX_TURNS = 40
DEFAULT_SEEDS = (1, 2, 3, 4, 5, 6, 7, 8)

FEELING_WORDS = frozenset(
    """feel feeling feelings felt sound sounds understand understandable worry worried worrying
    worries hard difficult tough sorry scared afraid frightened anxious upset sad hear heard
    support together care caring concern concerned imagine must emotional overwhelming
    overwhelmed frustrating frustrated natural normal""".split()
)
STOCK_PHRASES = (
    "That sounds really hard. How are you feeling about it?",
    "I can hear this has been difficult for you. Tell me more.",
    "I understand. It's completely natural to feel that way.",
)

_WORDS = re.compile(r"[a-z']+")


def _feeling_count(text: str) -> int:
    return sum(1 for w in _WORDS.findall(text.lower()) if w in FEELING_WORDS)


Chooser = Callable[[Encounter, random.Random], Any]


def _by(key: Callable[[Any], float]) -> Chooser:
    def choose(enc: Encounter, _rng: random.Random) -> str:
        options = enc.options  # display order: ties go to the one shown first
        best = max(range(len(options)), key=lambda i: (key(options[i]), -i))
        return options[best].id

    return choose


def _median_length(enc: Encounter, _rng: random.Random) -> str:
    options = sorted(enc.options, key=lambda o: len(o.text))
    return options[(len(options) - 1) // 2].id


BLIND: dict[str, Chooser] = {
    "top": lambda enc, _rng: enc.options[0].id,
    "bottom": lambda enc, _rng: enc.options[-1].id,
    "longest": _by(lambda o: len(o.text)),
    "shortest": _by(lambda o: -len(o.text)),
    "median-length": _median_length,
    "feeling-words": _by(lambda o: _feeling_count(o.text)),
    "fewest-feeling-words": _by(lambda o: -_feeling_count(o.text)),
    "question": _by(lambda o: 1 if o.text.rstrip().endswith("?") else 0),
    "random": lambda enc, rng: rng.choice(enc.options).id,
}
"""Meaning-blind strategies that click options."""


def packaged_ids() -> list[str]:
    """The packaged scenario ids (here so tests can see what the surface model learns from)."""
    from trustkit.scenario import packaged_ids as ids

    return ids()


# -- a learner of surface habits ------------------------------------------------------------
def surface_features(options: Sequence[Any]) -> list[dict[str, Any]]:
    """Surface features of each option among its siblings (no meaning, only style)."""
    lengths = sorted(len(o.text) for o in options)
    out = []
    for o in options:
        text = o.text.strip()
        rank = lengths.index(len(o.text)) / max(1, len(options) - 1)
        words = text.split()
        out.append(
            {
                "length": "shortest" if rank < 0.34 else "middle" if rank < 0.67 else "longest",
                "question": text.endswith("?"),
                "asks": "?" in text,
                "exclamation": "!" in text,
                "feeling": min(2, _feeling_count(text)),
                "first": words[0].lower().strip(",.;:'\"()") if words else "",
                "sorry": "sorry" in text.lower(),
                "dash": " - " in text or "\u2013" in text,
                "you": min(3, len(re.findall(r"\byou\b", text.lower()))),
            }
        )
    return out


def _surface_counts(scenario_ids: Sequence[str]) -> dict[tuple[str, Any], list[int]]:
    from trustkit.scenario import load

    counts: dict[tuple[str, Any], list[int]] = {}
    for sid in scenario_ids:
        for node in load(sid).nodes:
            if len(node.options) < 2:
                continue
            best = max(node.options, key=lambda o: o.effects.overall)
            for opt, feats in zip(node.options, surface_features(node.options), strict=True):
                for key in feats.items():
                    c = counts.setdefault(key, [0, 0])
                    c[0] += opt is best
                    c[1] += 1
    return counts


def _surface_chooser(train_ids: Sequence[str]) -> Chooser:
    counts = _surface_counts(train_ids)
    good = sum(c[0] for (k, _v), c in counts.items() if k == "question")
    total = sum(c[1] for (k, _v), c in counts.items() if k == "question") or 1
    base = min(max(good / total, 1e-3), 1 - 1e-3)
    prior = math.log(base / (1 - base))

    def score(feats: dict[str, Any]) -> float:
        value = 0.0
        for key in feats.items():
            g, n = counts.get(key, (0, 0))
            p = (g + 1) / (n + 2)
            value += math.log(p / (1 - p)) - prior
        return value

    def choose(enc: Encounter, _rng: random.Random) -> str:
        options = enc.options
        scores = [score(f) for f in surface_features(options)]
        best = max(range(len(options)), key=lambda i: (scores[i], -i))
        return options[best].id

    return choose


def surface_cues(scenario_ids: Sequence[str] | None = None, top: int = 12) -> list[dict[str, Any]]:
    """The surface features most tied to the best reply across the library: for each, how
    often an option with it is the best one, against how often any option is (the lift)."""
    from trustkit.scenario import packaged_ids

    counts = _surface_counts(list(scenario_ids) if scenario_ids else packaged_ids())
    good = sum(c[0] for (k, _v), c in counts.items() if k == "question")
    total = sum(c[1] for (k, _v), c in counts.items() if k == "question") or 1
    base = good / total
    rows = [
        {"feature": k, "value": v, "best": g, "options": n, "lift": round((g / n) / base, 2)}
        for (k, v), (g, n) in counts.items()
        if n >= 8 and base > 0
    ]
    rows.sort(key=lambda r: -abs(math.log(max(r["lift"], 0.05))))
    return rows[:top]


def _play_clicks(sid: str, seed: int, chooser: Chooser) -> Encounter:
    enc = Encounter(sid, seed=seed, mode="assessment")
    rng = random.Random(f"audit:{sid}:{seed}")
    while not enc.finished and len(enc.turns) < MAX_TURNS:
        enc.step(chooser(enc, rng))
    return enc


def _play_stock(sid: str, seed: int) -> Encounter:
    from trustkit.engine import AmbiguousReply

    enc = Encounter(sid, seed=seed, mode="assessment")
    i = 0
    while not enc.finished and len(enc.turns) < MAX_TURNS:
        text = STOCK_PHRASES[i % len(STOCK_PHRASES)]
        i += 1
        try:
            enc.say(text)
        except AmbiguousReply as exc:
            enc.step(exc.interpretation.tied[0], text=text)
    return enc


def _play_trial_and_error(sid: str, seed: int) -> Encounter:
    enc = Encounter(sid, seed=seed, mode="practice")
    while not enc.finished and len(enc.turns) < MAX_TURNS:
        best_id, best_gain = None, None
        for opt in enc.options:  # try each, read the meter, take it back
            turn = enc.step(opt.id)
            gain = turn.overall_after - turn.overall_before
            enc.undo()
            if best_gain is None or gain > best_gain:
                best_id, best_gain = opt.id, gain
        enc.step(best_id)
    return enc


@lru_cache(maxsize=1)
def exercise_criteria() -> dict[str, dict[str, float]]:
    """Scenario id -> the criteria a problem set grades it on (from ``solutions/`` if present,
    else from the copy of those criteria packaged with the audit)."""
    from trustkit.grading.criteria import EXERCISE_CRITERIA

    return {k: dict(v) for k, v in EXERCISE_CRITERIA.items()}


@dataclass
class Row:
    strategy: str
    criteria: str  # "exercise" or "default"
    fractions: dict[str, float] = field(default_factory=dict)  # scenario -> mean over seeds
    good: dict[str, float] = field(default_factory=dict)  # scenario -> share of good endings
    ungraded: dict[str, float] = field(default_factory=dict)  # trial-and-error only

    @property
    def mean(self) -> float:
        return sum(self.fractions.values()) / len(self.fractions) if self.fractions else 0.0

    @property
    def good_scenarios(self) -> int:
        return sum(1 for v in self.good.values() if v >= 0.5)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "strategy": self.strategy,
            "criteria": self.criteria,
            "mean_graded_fraction": round(self.mean, 3),
            "good_ending_scenarios": self.good_scenarios,
            "per_scenario": {k: round(v, 3) for k, v in self.fractions.items()},
            "good_ending_share": {k: round(v, 3) for k, v in self.good.items()},
        }
        if self.ungraded:
            out["ungraded_mean"] = round(sum(self.ungraded.values()) / len(self.ungraded), 3)
        return out


@dataclass
class AuditResult:
    rows: list[Row]
    seeds: tuple[int, ...]
    scenarios: list[str]

    def row(self, strategy: str, criteria: str) -> Row:
        for r in self.rows:
            if r.strategy == strategy and r.criteria == criteria:
                return r
        raise KeyError((strategy, criteria))

    def failures(self) -> list[str]:
        """Each target missed, in one sentence."""
        out: list[str] = []
        for crit in ("exercise", "default"):
            rows = [r for r in self.rows if r.criteria == crit]
            if not rows:
                continue
            random_mean = self.row("random", crit).mean
            for r in rows:
                if r.strategy == "best":
                    for sid, f in r.fractions.items():
                        if f < BEST_MIN:
                            out.append(
                                f"{crit}: the best path scores {f:.2f} in {sid} (< {BEST_MIN})."
                            )
                    continue
                if r.mean > BLIND_MAX:
                    out.append(f"{crit}: {r.strategy} scores {r.mean:.2f} (> {BLIND_MAX}).")
                if r.mean > random_mean + OVER_RANDOM_MAX:
                    out.append(
                        f"{crit}: {r.strategy} scores {r.mean:.2f}, more than random "
                        f"({random_mean:.2f}) + {OVER_RANDOM_MAX}."
                    )
                if r.good_scenarios > GOOD_ENDINGS_MAX:
                    out.append(
                        f"{crit}: {r.strategy} ends well in {r.good_scenarios} scenarios "
                        f"(> {GOOD_ENDINGS_MAX})."
                    )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "seeds": list(self.seeds),
            "scenarios": self.scenarios,
            "targets": {
                "blind_max": BLIND_MAX,
                "over_random_max": OVER_RANDOM_MAX,
                "best_min": BEST_MIN,
                "good_endings_max": GOOD_ENDINGS_MAX,
            },
            "rows": [r.to_dict() for r in self.rows],
            "failures": self.failures(),
        }

    def to_text(self) -> str:
        n = len(self.scenarios)
        lines = [
            f"trustkit audit: {n} scenario(s) x {len(self.seeds)} seed(s); graded as an "
            "assessment, as the grader does",
            "",
            f"{'strategy':<21} {'criteria':<9} {'mean graded':>11} {'good endings':>13}  most exposed scenario",
        ]
        for r in self.rows:
            if r.fractions:
                worst_sid = (
                    max(r.fractions, key=r.fractions.get)
                    if r.strategy != "best"
                    else min(r.fractions, key=r.fractions.get)
                )
                worst = f"{worst_sid} {r.fractions[worst_sid]:.2f}"
            else:
                worst = ""
            extra = ""
            if r.ungraded:
                extra = (
                    f"  (if practice were graded: {sum(r.ungraded.values()) / len(r.ungraded):.2f})"
                )
            lines.append(
                f"{r.strategy:<21} {r.criteria:<9} {r.mean:>11.2f} {r.good_scenarios:>7} of {n:<3}  "
                f"{worst}{extra}"
            )
        fails = self.failures()
        lines.append("")
        lines.append(
            f"targets: meaning-blind <= {BLIND_MAX} and <= random + {OVER_RANDOM_MAX}; best >= "
            f"{BEST_MIN} in every scenario; good endings in at most {GOOD_ENDINGS_MAX} scenarios"
        )
        lines.append("all targets met." if not fails else "MISSED:\n  " + "\n  ".join(fails))
        return "\n".join(lines)


def audit(
    scenarios: Sequence[str] | None = None,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    criteria_sets: Sequence[str] = ("exercise", "default"),
) -> AuditResult:
    """Run every strategy on every scenario and seed; see the module docstring."""
    from trustkit.grading.criteria import score_encounter
    from trustkit.grading.instructor import model_path
    from trustkit.scenario import load

    ids = list(scenarios) if scenarios else packaged_ids()
    for sid in ids:
        load(sid)  # a bad id fails here, with the loader's message
    ex = exercise_criteria()
    plans: list[tuple[str, str, Mapping[str, float] | None]] = []
    for crit in criteria_sets:
        if crit not in ("exercise", "default"):
            raise TrustkitError(f"unknown criteria set '{crit}'; use exercise or default.")
    names = [*BLIND, "surface-model", "stock-phrase", "trial-and-error", "best"]
    library = packaged_ids()
    rows: list[Row] = []
    for crit in criteria_sets:
        for name in names:
            rows.append(Row(name, crit))
    by_key = {(r.strategy, r.criteria): r for r in rows}
    for sid in ids:
        played: dict[str, list[Encounter]] = {}
        for name, chooser in BLIND.items():
            played[name] = [_play_clicks(sid, s, chooser) for s in seeds]
        learned = _surface_chooser([x for x in library if x != sid])
        played["surface-model"] = [_play_clicks(sid, s, learned) for s in seeds]
        played["stock-phrase"] = [_play_stock(sid, s) for s in seeds]
        played["trial-and-error"] = [_play_trial_and_error(sid, s) for s in seeds]
        for crit in criteria_sets:
            weights = ex.get(sid) if crit == "exercise" else None
            if crit == "exercise" and weights is None:
                weights = None  # scenarios no problem set grades: the default criteria
            plans.append((sid, crit, weights))
            for name, encs in played.items():
                row = by_key[(name, crit)]
                raw = [score_encounter(e, weights)[0] for e in encs]
                graded = [
                    f if e.mode == "assessment" else 0.0 for f, e in zip(raw, encs, strict=True)
                ]
                row.fractions[sid] = sum(graded) / len(graded)
                row.good[sid] = sum(
                    1
                    for e in encs
                    if e.mode == "assessment" and e.ending and e.ending.quality == "good"
                ) / len(encs)
                if name == "trial-and-error":
                    row.ungraded[sid] = sum(raw) / len(raw)
            path, fraction = model_path(sid, weights)
            enc = Encounter(sid, mode="assessment")
            for step in path:
                enc.step(step)
            best = by_key[("best", crit)]
            best.fractions[sid] = fraction
            best.good[sid] = 1.0 if enc.ending and enc.ending.quality == "good" else 0.0
    return AuditResult(rows, tuple(seeds), ids)
