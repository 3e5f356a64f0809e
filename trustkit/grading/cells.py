"""The test-cell API: what the nbgrader test cells call (answers, replayed role-plays, ratings).

The notebooks reach it as ``from trustkit.grading import checks`` (:mod:`trustkit.grading.checks`
re-exports it); the self-check is in :mod:`trustkit.grading.selfcheck`, the instructor tools
(keys, model work) in :mod:`trustkit.grading.instructor`.

Grading rules (the instructor guide, ``docs/instructors.md``, explains them to people):

Answers
    The :class:`~trustkit.widgets.answer.Answer` widget saves the learner's choice in
    ``trustkit-work/answers-<ps>.json``; it holds no key. The key is in the *hidden* part of the
    test cell: ``score_answer(key, qid, expected, points)``. One expected option: all or
    nothing. Several expected options: ``points * max(0, right picks - wrong picks) / expected``.
Role-plays
    ``grade_roleplay(key, scenario_id, criteria, points)`` never trusts a number the learner's
    machine wrote: the saved transcript is *replayed* through :func:`trustkit.engine.replay`,
    which rebuilds the encounter from the choices alone and refuses a transcript whose recorded
    trust, options or ending differ from what the engine produces. The criteria are then read
    off the replayed encounter (:func:`trustkit.grading.criteria.score_encounter`), each worth a
    share of the points. A transcript that cannot be replayed, or belongs to another scenario,
    scores 0.
Ratings
    ``grade_ratings(key, item_ids, fields, tolerance, points)``: each (item, field) rated within
    ``tolerance`` points of the reference panel in the response bank earns an equal share.

Every grading function prints one line to **stdout** (never stderr: nbgrader zeroes a test cell
that writes to stderr), never raises, and returns the score as a plain ``float`` between 0 and
``points`` - the test cell's last expression, which nbgrader takes as partial credit.

The ``require_*`` functions are the *visible* tests: under nbgrader (``NBGRADER_EXECUTION`` is
set) they raise :class:`NotYetDone` - shown as one line, no traceback - when the work is
missing; a self-learner running the notebook without nbgrader just gets the line printed, so
"Run all" never stops half way.

What the learner did is printed too, so formgrader's manual review and the feedback show it: the
chosen answer's text or the typed answer (``require_answer``), the role-play as a short
transcript with its trust line (``grade_roleplay``), each rating given and whether it is within
the tolerance (``grade_ratings``). Lines that hold a key (the reference ratings) carry
:data:`INSTRUCTOR_MARK`; the feedback drops them (:class:`trustkit.grading.preprocessors.HideKeys`).

These functions also run in the *grader's* process (:mod:`trustkit.grading.regrade`), where
:func:`grader_context` points them at the submission's saved work and the kernel's own copy of
this module (or of ``checks``), which a student can replace, plays no part.

Validate on a *source* notebook (one with hidden tests, in ``solutions/``): the test cells use
the model work of that notebook (:func:`trustkit.grading.instructor.validation_work`), written
to a temporary folder, never into ``solutions/``, so Validate passes there.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trustkit import work
from trustkit.grading import instructor
from trustkit.grading._shared import (
    cell_sources,
    clip,
    grading_calls,
    points_for,
    points_of,
    quiet,
    say,
)
from trustkit.grading.criteria import Criteria, criteria_credit, criteria_weights

__all__ = [
    "INSTRUCTOR_MARK",
    "NotYetDone",
    "RatingsResult",
    "RoleplayResult",
    "answer",
    "describe_answer",
    "grade_ratings",
    "grade_roleplay",
    "grader_context",
    "points_for",
    "rated_items",
    "rating_lines",
    "ratings_result",
    "require_answer",
    "require_ratings",
    "require_roleplay",
    "roleplay_result",
    "score_answer",
    "score_text",
    "transcript_lines",
]

INSTRUCTOR_MARK = "[instructor only]"
"""Printed lines holding a key (reference ratings) start with this; feedback removes them."""

_GRADER: ContextVar[dict[str, Any] | None] = ContextVar("trustkit_grader", default=None)


@contextlib.contextmanager
def grader_context(base: str | Path, notebook: str | Path | None = None) -> Iterator[None]:
    """Run the functions of this module as nbgrader would, on the saved work in ``base``.

    For the grader's own process (:mod:`trustkit.grading.regrade`): ``require_*`` raise
    :class:`NotYetDone` as under nbgrader, every function reads ``base/trustkit-work`` whatever
    ``base`` the test cell names, and answer texts come from ``notebook`` (the source notebook).
    """
    token = _GRADER.set({"base": Path(base), "notebook": notebook})
    try:
        yield
    finally:
        _GRADER.reset(token)


class NotYetDone(AssertionError):
    """A visible test found no work yet. Shown by IPython as one line, not a traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"✖ {self}"]


def _nbgrader() -> bool:
    return _GRADER.get() is not None or bool(os.environ.get("NBGRADER_EXECUTION"))


def _base(base: str | Path | None) -> str | Path | None:
    """The folder holding ``trustkit-work/``: under nbgrader always the notebook's own folder
    (for Validate on a source notebook: its model work); in the grader, the submission's."""
    ctx = _GRADER.get()
    if ctx is not None:
        return ctx["base"]
    if base is not None:
        return base
    if _nbgrader():
        model = instructor.validation_work()
        return model if model is not None else Path.cwd()
    return None


def _not_done(message: str) -> None:
    if _nbgrader():
        raise NotYetDone(message)
    say(f"✖ {message}")


# ---------------------------------------------------------------------------------------------
# answers


def _answers(key: str, base: str | Path | None) -> dict[str, Any] | None:
    """The saved answers under ``key``, or None (missing, unreadable, or an invalid key)."""
    loaded = work.peek(key, "answers", _base(base))
    answers = loaded.data.get("answers") if loaded.data is not None else None
    return answers if isinstance(answers, dict) else None


def _is_answered(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        return any(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return False


@quiet
def answer(key: str, qid: str, *, base: str | Path | None = None) -> Any:
    """The learner's saved answer to ``qid`` (an option index, a list of them, or text), or None."""
    try:
        answers = _answers(key, base)
        value = None if answers is None else answers.get(qid)
        return value if _is_answered(value) else None
    except Exception:
        return None


_QUESTIONS: dict[tuple[str, int], dict[tuple[str, str], list[str] | None]] = {}


def _questions_in(path: Path) -> dict[tuple[str, str], list[str] | None]:
    """``(key, qid) -> options`` (None: a typed answer) of every ``Answer(...)`` in a notebook."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return {}
    cached = _QUESTIONS.get((str(path), stamp))
    if cached is not None:
        return cached
    found: dict[tuple[str, str], list[str] | None] = {}
    try:
        cells = cell_sources(path)
    except (OSError, ValueError):
        cells = []
    for _meta, kind, source in cells:
        if kind != "code" or "Answer(" not in source:
            continue
        for _name, args, kwargs in grading_calls(source, ["Answer"]):
            if not args or not isinstance(args[0], str):
                continue
            options = args[2] if len(args) > 2 else kwargs.get("options")
            ok = isinstance(options, list | tuple) and all(isinstance(o, str) for o in options)
            found[(str(kwargs.get("key", "answers")), args[0])] = list(options) if ok else None
    _QUESTIONS[(str(path), stamp)] = found
    return found


def _options(key: str, qid: str) -> list[str] | None:
    """The options the learner saw for ``qid`` (from the source notebook in the grader, else
    from the notebook(s) next to the saved work); None when unknown or a typed answer."""
    ctx = _GRADER.get()
    if ctx is not None and ctx.get("notebook"):
        paths = [Path(ctx["notebook"])]
    else:
        paths = sorted(Path.cwd().glob("*.ipynb"))
    for path in paths:
        questions = _questions_in(path)
        if (key, qid) in questions:
            return questions[(key, qid)]
    return None


def describe_answer(value: Any, options: Sequence[str] | None = None) -> str:
    """What the learner answered, in words: the chosen options' text, or the typed text."""
    if isinstance(value, str):
        return f'"{clip(value)}"'
    picks = value if isinstance(value, list) else [value]
    words = []
    for i in picks:
        if not isinstance(i, int) or isinstance(i, bool):
            continue
        if options is not None and 0 <= i < len(options):
            words.append(f'"{clip(options[i], 100)}"')
        else:
            words.append(f"option {i + 1}")
    return "; ".join(words) or "nothing"


@quiet
def require_answer(key: str, qid: str, *, base: str | Path | None = None) -> None:
    """Visible test: the question has been answered (the answer is printed)."""
    value = answer(key, qid, base=base)
    if value is None:
        _not_done(f"Question {qid} is not answered yet: choose your answer in the question above.")
        return
    try:
        given = describe_answer(value, _options(key, qid))
    except Exception:  # describing the answer must never fail the check
        given = "(saved)"
    say(f"✔ Question {qid} is answered: {given} (it is marked when your work is graded).")


def _choice_fraction(value: Any, expected: int | Sequence[int]) -> float:
    if isinstance(expected, int) and not isinstance(expected, bool):
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        ok = isinstance(value, int) and not isinstance(value, bool) and value == expected
        return 1.0 if ok else 0.0
    want = {int(i) for i in expected}
    if not want:
        return 0.0
    picks = value if isinstance(value, list) else [value]
    chosen = {v for v in picks if isinstance(v, int) and not isinstance(v, bool)}
    return max(0, len(chosen & want) - len(chosen - want)) / len(want)


@quiet
def score_answer(
    key: str,
    qid: str,
    expected: int | Sequence[int],
    points: float = 1.0,
    *,
    base: str | Path | None = None,
) -> float:
    """Hidden test: score a choice against the key (0-based option index, or a list of them).

    One expected option: all or nothing. Several: ``max(0, right - wrong) / len(expected)``.
    """
    try:
        value = answer(key, qid, base=base)
        if value is None:
            say(f"Question {qid}: not answered (0/{points_of(points):g}).")
            return 0.0
        score = points_for(points, _choice_fraction(value, expected))
    except Exception as exc:
        say(f"Question {qid}: could not be marked ({type(exc).__name__}); 0 points.")
        return 0.0
    say(f"Question {qid}: {score:g}/{points_of(points):g}.")
    return score


def _normalise(text: str) -> str:
    return " ".join("".join(ch.lower() if ch.isalnum() else " " for ch in text).split())


@quiet
def score_text(
    key: str,
    qid: str,
    accepted: Iterable[str],
    points: float = 1.0,
    *,
    base: str | Path | None = None,
) -> float:
    """Hidden test for a short free-text answer: full points if it contains an accepted phrase.

    Matching ignores case, punctuation and extra spaces (``"Ask-Tell-Ask"`` = ``"ask tell ask"``).
    """
    try:
        value = answer(key, qid, base=base)
        if not isinstance(value, str):
            say(f"Question {qid}: not answered (0/{points_of(points):g}).")
            return 0.0
        given = f" {_normalise(value)} "
        ok = any(f" {_normalise(a)} " in given for a in accepted if _normalise(a))
        score = points_for(points, 1.0 if ok else 0.0)
    except Exception as exc:
        say(f"Question {qid}: could not be marked ({type(exc).__name__}); 0 points.")
        return 0.0
    say(f"Question {qid}: {score:g}/{points_of(points):g}.")
    return score


# ---------------------------------------------------------------------------------------------
# role-plays


@dataclass
class RoleplayResult:
    """A saved role-play, replayed: its status and the credit (0..1) on each criterion."""

    key: str
    scenario_id: str
    status: str  # ok, missing, unreadable, unreproducible, wrong-scenario
    message: str
    credit: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    turns: int = 0
    finished: bool = False
    encounter: Any = field(default=None, repr=False, compare=False)  # the replayed encounter
    attempt: int = 1  # as the widget saved it (for the reviewer; grades never use it)
    earlier: list[int] = field(default_factory=list)  # turns of each attempt started again

    @property
    def fraction(self) -> float:
        if self.status != "ok":
            return 0.0
        total = sum(self.weights.get(c, 0.0) for c in self.credit)
        if total <= 0:
            return 0.0
        return sum(self.weights.get(c, 0.0) * v for c, v in self.credit.items()) / total


def _saved(res: Any, key: str, kind: str, base: str | Path | None, what: str, todo: str) -> Any:
    """The saved ``kind`` work under ``key`` (its data), or None with ``res``'s status and
    message saying why there is none: missing (with what to do) or unreadable (and where)."""
    try:
        loaded = work.peek(key, kind, _base(base))
    except Exception as exc:
        res.message = f"the saved {what} cannot be found ({exc})"
        return None
    if loaded.data is None:
        missing = loaded.message and "missing" in loaded.message
        res.status = "missing" if missing else "unreadable"
        res.message = (
            f"no saved {what}: {todo}"
            if missing
            else f"the saved {what} file {(loaded.message or 'cannot be read').rstrip('.')}"
        )
        return None
    return loaded.data


@quiet
def roleplay_result(
    key: str,
    scenario_id: str,
    criteria: Criteria = None,
    *,
    base: str | Path | None = None,
    mode: str = "assessment",
) -> RoleplayResult:
    """Replay the saved role-play under ``key`` and score it on ``criteria``. Never raises
    for bad learner work (an unknown criterion, the author's mistake, raises ValueError).

    ``mode`` is the mode the task is graded as: a role-play played in another mode (practice,
    with undo and the numeric meter) earns no role-play marks, with one line saying why.
    """
    from trustkit.engine import replay

    weights = criteria_weights(criteria)
    res = RoleplayResult(key, scenario_id, "missing", "", weights=weights)
    data = _saved(res, key, "roleplay", base, "role-play", "play it in the role-play above")
    if data is None:
        return res
    transcript = data.get("transcript")
    if isinstance(transcript, dict) and transcript.get("schema_version") == 1:
        res.status = "unreproducible"
        res.message = (
            "the role-play was saved by an earlier trustkit (transcript version 1, before "
            "assessment mode), which the current rules cannot replay: play it again"
        )
        return res
    try:
        enc = replay(transcript)
    except Exception as exc:  # ReplayError, TrustkitError, or anything odd in a forged file
        res.status = "unreproducible"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reason = reason.rstrip(".")
        res.message = f"the saved role-play cannot be reproduced by the engine: {reason}"
        return res
    if enc.scenario.id != scenario_id:
        res.status = "wrong-scenario"
        res.message = f"the saved role-play is of scenario '{enc.scenario.id}', not '{scenario_id}'"
        return res
    if mode and enc.mode != mode:
        res.status = "wrong-mode"
        res.message = (
            f"the role-play was played in {enc.mode} mode, but this task is graded as an "
            f"{mode}: play it again in the notebook's own role-play"
        )
        return res
    res.status = "ok"
    res.encounter = enc
    res.turns = len(enc.turns)
    res.attempt, res.earlier = _attempts(data)
    res.finished = enc.finished
    res.credit, res.notes = criteria_credit(enc, weights)
    res.message = "; ".join(res.notes[c] for c in res.credit)
    return res


def _attempts(data: Any) -> tuple[int, list[int]]:
    """The attempt number and the turns of each earlier attempt, as saved (never raises)."""
    attempt = data.get("attempt") if isinstance(data, dict) else None
    earlier = data.get("earlier") if isinstance(data, dict) else None
    turns = [
        len(t["turns"]) if isinstance(t, dict) and isinstance(t.get("turns"), list) else 0
        for t in (earlier if isinstance(earlier, list) else [])
    ]
    return (attempt if isinstance(attempt, int) and attempt > 0 else 1), turns


def attempt_line(res: RoleplayResult) -> str | None:
    """For the reviewer: how often the learner started this role-play again, or None."""
    if res.attempt <= 1 and not res.earlier:
        return None
    restarts = max(res.attempt - 1, len(res.earlier))
    kept = (
        f"; the replies of {len(res.earlier)} of them are kept in the saved work "
        f"({', '.join(str(n) for n in res.earlier)} turn(s)), not graded"
        if res.earlier
        else ""
    )
    return f"  Started again {restarts} time(s) before this attempt{kept}."


@quiet
def require_roleplay(key: str, scenario_id: str, *, base: str | Path | None = None) -> None:
    """Visible test: a role-play of ``scenario_id`` has been saved and played at least a turn."""
    try:
        loaded = work.peek(key, "roleplay", _base(base))
        data = loaded.data or {}
        transcript = data.get("transcript") if isinstance(data, dict) else None
        turns = transcript.get("turns") if isinstance(transcript, dict) else None
    except Exception:
        turns = None
    if not turns:
        _not_done(f"The role-play '{scenario_id}' has not been played yet: play it above.")
        return
    done = "finished" if (transcript or {}).get("ending") else "started but not finished"
    say(f"✔ Role-play '{scenario_id}' saved ({len(turns)} turns, {done}).")


def grade_roleplay(
    key: str,
    scenario_id: str,
    criteria: Criteria = None,
    points: float = 5.0,
    *,
    base: str | Path | None = None,
    mode: str = "assessment",
) -> float:
    """Hidden test: replay the saved role-play and return the score (partial credit)."""
    try:
        res = roleplay_result(key, scenario_id, criteria, base=base, mode=mode)
    except ValueError as exc:  # the test cell names an unknown criterion
        say(f"Role-play '{scenario_id}': the test is misconfigured ({exc}); 0 points.")
        return 0.0
    except Exception as exc:
        say(f"Role-play '{scenario_id}': could not be graded ({type(exc).__name__}); 0 points.")
        return 0.0
    score = points_for(points, res.fraction)
    if res.status != "ok":
        say(f"Role-play '{scenario_id}': 0/{points_of(points):g} - {res.message}.")
        return 0.0
    say(f"Role-play '{scenario_id}': {score:g}/{points_of(points):g} - {res.message}.")
    try:
        for line in transcript_lines(res.encounter):
            say(line)
        again = attempt_line(res)
        if again:
            say(again)
    except Exception:  # the transcript is for reading; the score stands without it
        pass
    return score


def _heard_as(enc: Any, turn: Any) -> str | None:
    """For a typed reply: what the engine took it to be (so a reviewer can judge the match)."""
    if not turn.typed:
        return None
    if turn.kind == "disrespect":
        return f"heard as disrespect ({turn.evidence})" if turn.evidence else "heard as disrespect"
    if turn.kind == "aside":
        return "heard as an aside that moves nothing on"
    if turn.kind == "puzzled":
        return "not understood by the patient"
    try:
        option = next(o for o in enc.scenario.node(turn.node).options if o.id == turn.option)
    except (KeyError, StopIteration):
        return None
    return f'matched to the reply "{clip(option.text, 110)}"'


def transcript_lines(enc: Any) -> list[str]:
    """A replayed role-play as a short transcript with its trust line, for reviewers."""
    sc = enc.scenario
    turns = list(enc.turns)
    start = turns[0].overall_before if turns else enc.overall_trust
    lines = [
        f"  Transcript ({enc.mode}, {len(turns)} turn(s), scenario version {sc.version}):",
        f"    Patient: {clip(enc.opening_line)}",
    ]
    for t in turns:
        how = "typed" if t.typed else "chose"
        lines.append(
            f"  {t.index:>2}. You ({how}): {clip(t.said)}  "
            f"[trust {t.overall_before:.0f} -> {t.overall_after:.0f}]"
        )
        heard = _heard_as(enc, t)
        if heard:
            lines.append(f"      ({heard})")
        lines.append(f"      Patient: {clip(t.patient_reply)}")
    if enc.ending is not None:
        lines.append(f"  Ending: {clip(enc.ending.title, 80)} ({enc.ending.quality}).")
    else:
        lines.append("  No ending reached.")
    trail = [f"{start:.0f}", *(f"{t.overall_after:.0f}" for t in turns)]
    lines.append(f"  Trust line: {' > '.join(trail)}")
    return lines


# ---------------------------------------------------------------------------------------------
# ratings


@dataclass
class RatingsResult:
    key: str
    status: str  # ok, missing, unreadable, no-reference
    message: str
    rated: int = 0
    within: int = 0
    total: int = 0
    per_item: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def fraction(self) -> float:
        return self.within / self.total if self.status == "ok" and self.total else 0.0


@quiet
def ratings_result(
    key: str,
    item_ids: Sequence[str],
    *,
    fields: Sequence[str] = ("quality",),
    tolerance: float = 1,
    reference: Mapping[str, Mapping[str, float]] | None = None,
    base: str | Path | None = None,
) -> RatingsResult:
    """Compare the saved ratings with the reference panel, item by item and field by field."""
    res = RatingsResult(key, "missing", "")
    try:
        ref = dict(reference) if reference is not None else instructor.reference_ratings(fields)
    except Exception as exc:
        res.status = "no-reference"
        res.message = f"the reference ratings cannot be loaded ({type(exc).__name__}: {exc})"
        return res
    pairs = [(i, f) for i in item_ids for f in fields if f in (ref.get(i) or {})]
    res.total = len(pairs)
    if not pairs:
        res.status = "no-reference"
        res.message = "none of these items has a reference rating"
        return res
    data = _saved(res, key, "ratings", base, "ratings", "rate the replies in the panel above")
    if data is None:
        return res
    given = data.get("ratings")
    given = given if isinstance(given, dict) else {}
    res.status = "ok"
    for item_id, name in pairs:
        entry = given.get(item_id)
        value = entry.get(name) if isinstance(entry, dict) else None
        target = ref[item_id][name]
        ok_value = isinstance(value, int | float) and not isinstance(value, bool)
        ok_value = ok_value and math.isfinite(float(value))
        close = bool(ok_value and abs(float(value) - target) <= tolerance + 1e-9)
        res.rated += 1 if ok_value else 0
        res.within += 1 if close else 0
        res.per_item.setdefault(item_id, {})[name] = {
            "given": value if ok_value else None,
            "within": close,
            "reference": target,
        }
    res.message = (
        f"{res.rated} of {res.total} ratings given, {res.within} within {tolerance:g} point(s) "
        "of the reference"
    )
    return res


def rated_items(key: str, item_ids: Sequence[str], base: str | Path | None) -> list[str]:
    """The replies of ``item_ids`` the learner gave at least one rating (never raises)."""
    try:
        loaded = work.peek(key, "ratings", _base(base))
        given = (loaded.data or {}).get("ratings") or {}
        return [
            i
            for i in item_ids
            if isinstance(given.get(i), dict)
            and any(
                isinstance(v, int | float) and not isinstance(v, bool) for v in given[i].values()
            )
        ]
    except Exception:
        return []


@quiet
def require_ratings(
    key: str, item_ids: Sequence[str], *, base: str | Path | None = None, **_: Any
) -> None:
    """Visible test: the replies have been rated (fails only when none is rated)."""
    rated = rated_items(key, item_ids, base)
    if not rated:
        _not_done("The replies have not been rated yet: rate them in the panel above.")
        return
    if len(rated) < len(item_ids):  # partial credit: say so, do not fail the cell
        say(f"✖ {len(rated)} of {len(item_ids)} replies are rated: rate the rest above.")
        return
    say(f"✔ All {len(item_ids)} replies are rated.")


def grade_ratings(
    key: str,
    item_ids: Sequence[str],
    *,
    fields: Sequence[str] = ("quality",),
    tolerance: float = 1,
    points: float = 4.0,
    reference: Mapping[str, Mapping[str, float]] | None = None,
    base: str | Path | None = None,
) -> float:
    """Hidden test: each rating within ``tolerance`` of the reference earns an equal share."""
    try:
        res = ratings_result(
            key, item_ids, fields=fields, tolerance=tolerance, reference=reference, base=base
        )
    except Exception as exc:
        say(f"Ratings: could not be graded ({type(exc).__name__}); 0 points.")
        return 0.0
    score = points_for(points, res.fraction)
    say(f"Ratings: {score:g}/{points_of(points):g} - {res.message}.")
    try:
        for line in rating_lines(res, tolerance):
            say(line)
    except Exception:  # the list is for reading; the score stands without it
        pass
    return score


def rating_lines(res: RatingsResult, tolerance: float = 1) -> list[str]:
    """Each rating given, and whether it is within the tolerance; the reference values on one
    :data:`INSTRUCTOR_MARK` line (kept in formgrader, removed from the feedback)."""
    if res.status != "ok":
        return []
    lines, keys = [], []
    for item_id, fields in res.per_item.items():
        for name, entry in fields.items():
            label = name.replace("_", " ")
            given = entry.get("given")
            if given is None:
                verdict = "not rated"
            else:
                near = "within" if entry.get("within") else "more than"
                verdict = f"you {given:g} ({near} {tolerance:g} of the panel)"
            lines.append(f"  {item_id} {label}: {verdict}")
            keys.append(f"{item_id} {label} {entry.get('reference', float('nan')):g}")
    if keys:
        lines.append(f"  {INSTRUCTOR_MARK} panel reference: {'; '.join(keys)}")
    return lines
