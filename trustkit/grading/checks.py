"""What the nbgrader test cells call: answers, replayed role-plays, ratings; and "check my answers".

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
    off the replayed encounter (see :data:`CRITERIA`), each worth a share of the points. A
    transcript that cannot be replayed, or belongs to another scenario, scores 0.
Ratings
    ``grade_ratings(key, item_ids, fields, tolerance, points)``: each (item, field) rated within
    ``tolerance`` points of the reference panel in the response bank earns an equal share.

Every grading function prints one line to **stdout** (never stderr: nbgrader zeroes a test cell
that writes to stderr), never raises, and returns the score as a plain ``float`` between 0 and
``points`` - the test cell's last expression, which nbgrader takes as partial credit.

The ``require_*`` functions are the *visible* tests: under nbgrader (``NBGRADER_EXECUTION`` is
set) they raise :class:`NotYetDone` - shown as one line, no traceback - when the work is
missing; a self-learner running the notebook without nbgrader just gets the line printed, so
"Run all" never stops half way. :func:`check_my_answers` runs the visible checks of a whole
assignment and prints a friendly summary.

What the learner did is printed too, so formgrader's manual review and the feedback show it: the
chosen answer's text or the typed answer (``require_answer``), the role-play as a short
transcript with its trust line (``grade_roleplay``), each rating given and whether it is within
the tolerance (``grade_ratings``). Lines that hold a key (the reference ratings) carry
:data:`INSTRUCTOR_MARK`; the feedback drops them (:class:`trustkit.grading.preprocessors.HideKeys`).

These functions also run in the *grader's* process (:mod:`trustkit.grading.regrade`), where
:func:`grader_context` points them at the submission's saved work and the kernel's own copy of
this module, which a student can replace, plays no part.

Validate on a *source* notebook (one with hidden tests, in ``solutions/``): the test cells use
the model work of that notebook (:func:`model_work`), written to a temporary folder, never into
``solutions/``, so Validate passes there.
"""

from __future__ import annotations

import ast
import contextlib
import json
import math
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trustkit import work

CRITERIA: dict[str, str] = {
    "completed": "the encounter reached an ending",
    "facts": "share of the patient's hidden facts disclosed",
    "key_facts": "share of the high-importance hidden facts disclosed",
    "opportunities": "share of the empathic opportunities met in time (of those a good path "
    "raises, and any other that arose)",
    "decision": "the decision fits what matters to the patient",
    "ending": "quality of the ending (good 1, mixed 0.5, poor 0)",
    "respect": "no remark the patient holds against you (each one costs half)",
}
"""Role-play criteria, each scored 0..1 from the replayed encounter."""

DEFAULT_CRITERIA: dict[str, float] = {
    "completed": 1,
    "facts": 2,
    "opportunities": 2,
    "decision": 1,
    "ending": 1,
}
ENDING_CREDIT = {"good": 1.0, "mixed": 0.5, "poor": 0.0}
RATING_FIELDS = ("quality", "empathy_level")
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
_REQUIRES = ("require_answer", "require_roleplay", "require_ratings")
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
        model = _model_work_for_validation()
        return model if model is not None else Path.cwd()
    return None


def _cell_sources(path: Path) -> list[tuple[dict[str, Any], str, str]]:
    """``(nbgrader metadata, cell type, source)`` of every cell of a notebook file."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        out.append((meta, str(cell.get("cell_type", "")), source))
    return out


def is_source_notebook(path: str | Path) -> bool:
    """Whether a notebook is an nbgrader SOURCE notebook (a test cell still holds hidden tests)."""
    try:
        return any(
            meta.get("grade") and HIDDEN_BEGIN in source
            for meta, _kind, source in _cell_sources(Path(path))
        )
    except (OSError, ValueError, AttributeError):
        return False


_MODEL_WORK: dict[str, Path] = {}


def _model_work_for_validation() -> Path | None:
    """Under ``nbgrader validate`` of a source notebook: a temporary folder with its model work.

    The model work is written once per notebook and kernel, outside the course (never into
    ``solutions/``), and removed when the kernel exits.
    """
    if os.environ.get("NBGRADER_EXECUTION") != "validate":
        return None
    sources = [p for p in sorted(Path.cwd().glob("*.ipynb")) if is_source_notebook(p)]
    if len(sources) != 1:
        return None
    key = str(sources[0].resolve())
    if key not in _MODEL_WORK:
        import atexit
        import shutil
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="trustkit-model-work-"))
        atexit.register(shutil.rmtree, folder, True)
        try:
            model_work(sources[0], folder)
        except Exception:  # the test cells then report missing work, one line each
            pass
        _MODEL_WORK[key] = folder
    return _MODEL_WORK[key]


def _say(line: str) -> None:
    print(line, flush=True)


def _points(points: float) -> float:
    try:
        value = float(points)
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) and value > 0 else 0.0


def _score(points: float, fraction: float) -> float:
    """A plain float in [0, points], rounded down to 2 decimals (nbgrader rejects > points)."""
    p = _points(points)
    f = min(1.0, max(0.0, float(fraction))) if math.isfinite(fraction) else 0.0
    return float(math.floor(p * f * 100 + 1e-6) / 100)


def _quiet(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a grading function with warnings silenced (a warning reaches stderr)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)

    wrapper.__name__ = fn.__name__
    wrapper.__qualname__ = fn.__qualname__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _not_done(message: str) -> None:
    if _nbgrader():
        raise NotYetDone(message)
    _say(f"✖ {message}")


# ---------------------------------------------------------------------------------------------
# answers


def _answers(key: str, base: str | Path | None) -> tuple[dict[str, Any] | None, str | None]:
    try:
        loaded = work.peek(key, "answers", _base(base))
    except Exception as exc:  # an invalid key is the author's mistake: say it, give nothing
        return None, str(exc)
    if loaded.data is None:
        return None, loaded.message
    answers = loaded.data.get("answers")
    if not isinstance(answers, dict):
        return None, f"{key}.json holds no answers."
    return answers, None


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


@_quiet
def answer(key: str, qid: str, *, base: str | Path | None = None) -> Any:
    """The learner's saved answer to ``qid`` (an option index, a list of them, or text), or None."""
    try:
        answers, _problem = _answers(key, base)
        value = None if answers is None else answers.get(qid)
        return value if _is_answered(value) else None
    except Exception:
        return None


def _clip(text: str, width: int = 140) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


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
        cells = _cell_sources(path)
    except (OSError, ValueError, AttributeError):
        cells = []
    for _meta, kind, source in cells:
        if kind != "code" or "Answer(" not in source:
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or getattr(node.func, "id", None) != "Answer":
                continue
            try:
                args = [ast.literal_eval(a) for a in node.args]
                kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
            except (ValueError, TypeError, SyntaxError):
                continue
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
        return f'"{_clip(value)}"'
    picks = value if isinstance(value, list) else [value]
    words = []
    for i in picks:
        if not isinstance(i, int) or isinstance(i, bool):
            continue
        if options is not None and 0 <= i < len(options):
            words.append(f'"{_clip(options[i], 100)}"')
        else:
            words.append(f"option {i + 1}")
    return "; ".join(words) or "nothing"


@_quiet
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
    _say(f"✔ Question {qid} is answered: {given} (it is marked when your work is graded).")


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


@_quiet
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
            _say(f"Question {qid}: not answered (0/{_points(points):g}).")
            return 0.0
        score = _score(points, _choice_fraction(value, expected))
    except Exception as exc:
        _say(f"Question {qid}: could not be marked ({type(exc).__name__}); 0 points.")
        return 0.0
    _say(f"Question {qid}: {score:g}/{_points(points):g}.")
    return score


def _normalise(text: str) -> str:
    return " ".join("".join(ch.lower() if ch.isalnum() else " " for ch in text).split())


@_quiet
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
            _say(f"Question {qid}: not answered (0/{_points(points):g}).")
            return 0.0
        given = f" {_normalise(value)} "
        ok = any(f" {_normalise(a)} " in given for a in accepted if _normalise(a))
        score = _score(points, 1.0 if ok else 0.0)
    except Exception as exc:
        _say(f"Question {qid}: could not be marked ({type(exc).__name__}); 0 points.")
        return 0.0
    _say(f"Question {qid}: {score:g}/{_points(points):g}.")
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

    @property
    def fraction(self) -> float:
        if self.status != "ok":
            return 0.0
        total = sum(self.weights.get(c, 0.0) for c in self.credit)
        if total <= 0:
            return 0.0
        return sum(self.weights.get(c, 0.0) * v for c, v in self.credit.items()) / total


def _weights(criteria: Mapping[str, float] | Iterable[str] | None) -> dict[str, float]:
    if criteria is None:
        return dict(DEFAULT_CRITERIA)
    if isinstance(criteria, Mapping):
        weights = {str(k): float(v) for k, v in criteria.items()}
    else:
        weights = {str(k): 1.0 for k in criteria}
    unknown = sorted(set(weights) - set(CRITERIA))
    if unknown:
        known = ", ".join(CRITERIA)
        raise ValueError(f"unknown role-play criteria {unknown}; known: {known}.")
    return {k: v for k, v in weights.items() if v > 0}


def _criteria_credit(enc: Any, wanted: Iterable[str]) -> tuple[dict[str, float], dict[str, str]]:
    """Credit 0..1 and a short note for every applicable criterion (others are left out)."""
    sc = enc.scenario
    credit: dict[str, float] = {}
    notes: dict[str, str] = {}
    disclosed = set(enc.disclosed)
    for name in wanted:
        if name == "completed":
            credit[name] = 1.0 if enc.finished else 0.0
            notes[name] = "ending reached" if enc.finished else "not finished"
        elif name in ("facts", "key_facts"):
            facts = [f for f in sc.facts if name == "facts" or f.importance == "high"]
            if not facts:
                continue
            got = sum(1 for f in facts if f.id in disclosed)
            credit[name] = got / len(facts)
            notes[name] = f"{got} of {len(facts)} {'key ' if name == 'key_facts' else ''}facts"
        elif name == "opportunities":
            met = set(enc.opportunities_met)
            due = {o.id for o in sc.opportunities if o.expected} | set(enc.opportunities_raised)
            if not due:
                continue
            got = len(met & due)
            credit[name] = got / len(due)
            notes[name] = f"{got} of {len(due)} empathic opportunities met"
        elif name == "decision":
            if not sc.decisions:
                continue
            dec = sc.decisions[0]
            fits = enc.fits(dec.id)
            credit[name] = 1.0 if fits else 0.0
            notes[name] = (
                "no decision reached"
                if fits is None
                else ("decision fits the patient's values" if fits else "decision does not fit")
            )
        elif name == "ending":
            ending = enc.ending
            credit[name] = ENDING_CREDIT.get(ending.quality, 0.0) if ending else 0.0
            notes[name] = f"{ending.quality} ending" if ending else "no ending"
        elif name == "respect":
            n = len(enc.memory)
            credit[name] = max(0.0, 1.0 - 0.5 * n)
            notes[name] = "no remark held against you" if n == 0 else f"{n} remark(s) remembered"
    return credit, notes


def score_encounter(
    enc: Any, criteria: Mapping[str, float] | Iterable[str] | None = None
) -> tuple[float, dict[str, float], dict[str, str]]:
    """The weighted fraction (0..1) an encounter earns on ``criteria``, with credit and notes.

    The same rule the grader applies to a replayed role-play (mode aside), so the audit and
    ``model_path`` measure exactly what is graded.
    """
    weights = _weights(criteria)
    credit, notes = _criteria_credit(enc, weights)
    total = sum(weights[c] for c in credit)
    fraction = sum(weights[c] * v for c, v in credit.items()) / total if total else 0.0
    return fraction, credit, notes


@_quiet
def roleplay_result(
    key: str,
    scenario_id: str,
    criteria: Mapping[str, float] | Iterable[str] | None = None,
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

    weights = _weights(criteria)
    res = RoleplayResult(key, scenario_id, "missing", "", weights=weights)
    try:
        loaded = work.peek(key, "roleplay", _base(base))
    except Exception as exc:
        res.message = f"the saved role-play cannot be found ({exc})"
        return res
    if loaded.data is None:
        missing = loaded.message and "missing" in loaded.message
        res.status = "missing" if missing else "unreadable"
        res.message = (
            "no saved role-play: play it in the role-play above"
            if missing
            else f"the saved role-play file {(loaded.message or 'cannot be read').rstrip('.')}"
        )
        return res
    transcript = loaded.data.get("transcript")
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
    res.finished = enc.finished
    res.credit, res.notes = _criteria_credit(enc, weights)
    res.message = "; ".join(res.notes[c] for c in res.credit)
    return res


@_quiet
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
    _say(f"✔ Role-play '{scenario_id}' saved ({len(turns)} turns, {done}).")


def grade_roleplay(
    key: str,
    scenario_id: str,
    criteria: Mapping[str, float] | Iterable[str] | None = None,
    points: float = 5.0,
    *,
    base: str | Path | None = None,
    mode: str = "assessment",
) -> float:
    """Hidden test: replay the saved role-play and return the score (partial credit)."""
    try:
        res = roleplay_result(key, scenario_id, criteria, base=base, mode=mode)
    except ValueError as exc:  # the test cell names an unknown criterion
        _say(f"Role-play '{scenario_id}': the test is misconfigured ({exc}); 0 points.")
        return 0.0
    except Exception as exc:
        _say(f"Role-play '{scenario_id}': could not be graded ({type(exc).__name__}); 0 points.")
        return 0.0
    score = _score(points, res.fraction)
    if res.status != "ok":
        _say(f"Role-play '{scenario_id}': 0/{_points(points):g} - {res.message}.")
        return 0.0
    _say(f"Role-play '{scenario_id}': {score:g}/{_points(points):g} - {res.message}.")
    try:
        for line in transcript_lines(res.encounter):
            _say(line)
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
    return f'matched to the reply "{_clip(option.text, 110)}"'


def transcript_lines(enc: Any) -> list[str]:
    """A replayed role-play as a short transcript with its trust line, for reviewers."""
    sc = enc.scenario
    turns = list(enc.turns)
    start = turns[0].overall_before if turns else enc.overall_trust
    lines = [
        f"  Transcript ({enc.mode}, {len(turns)} turn(s), scenario version {sc.version}):",
        f"    Patient: {_clip(enc.opening_line)}",
    ]
    for t in turns:
        how = "typed" if t.typed else "chose"
        lines.append(
            f"  {t.index:>2}. You ({how}): {_clip(t.said)}  "
            f"[trust {t.overall_before:.0f} -> {t.overall_after:.0f}]"
        )
        heard = _heard_as(enc, t)
        if heard:
            lines.append(f"      ({heard})")
        lines.append(f"      Patient: {_clip(t.patient_reply)}")
    if enc.ending is not None:
        lines.append(f"  Ending: {_clip(enc.ending.title, 80)} ({enc.ending.quality}).")
    else:
        lines.append("  No ending reached.")
    trail = [f"{start:.0f}", *(f"{t.overall_after:.0f}" for t in turns)]
    lines.append(f"  Trust line: {' > '.join(trail)}")
    return lines


# ---------------------------------------------------------------------------------------------
# ratings


def _reference_value(item: Any, name: str) -> float | None:
    for holder in (getattr(item, "reference", None), item):
        if holder is None:
            continue
        value = holder.get(name) if isinstance(holder, Mapping) else getattr(holder, name, None)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def reference_ratings(fields: Sequence[str] = ("quality",)) -> dict[str, dict[str, float]]:
    """Reference ratings from the response bank: ``{item id: {field: value}}``."""
    from trustkit.bank import load_bank

    out: dict[str, dict[str, float]] = {}
    for item in load_bank():
        values = {f: v for f in fields if (v := _reference_value(item, f)) is not None}
        out[str(item.id)] = values
    return out


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


@_quiet
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
        ref = dict(reference) if reference is not None else reference_ratings(fields)
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
    try:
        loaded = work.peek(key, "ratings", _base(base))
    except Exception as exc:
        res.message = f"the saved ratings cannot be found ({exc})"
        return res
    if loaded.data is None:
        missing = loaded.message and "missing" in loaded.message
        res.status = "missing" if missing else "unreadable"
        res.message = (
            "no saved ratings: rate the replies in the panel above"
            if missing
            else f"the saved ratings file {(loaded.message or 'cannot be read').rstrip('.')}"
        )
        return res
    given = loaded.data.get("ratings")
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


def _rated(key: str, item_ids: Sequence[str], base: str | Path | None) -> list[str]:
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


@_quiet
def require_ratings(
    key: str, item_ids: Sequence[str], *, base: str | Path | None = None, **_: Any
) -> None:
    """Visible test: the replies have been rated (fails only when none is rated)."""
    rated = _rated(key, item_ids, base)
    if not rated:
        _not_done("The replies have not been rated yet: rate them in the panel above.")
        return
    if len(rated) < len(item_ids):  # partial credit: say so, do not fail the cell
        _say(f"✖ {len(rated)} of {len(item_ids)} replies are rated: rate the rest above.")
        return
    _say(f"✔ All {len(item_ids)} replies are rated.")


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
        _say(f"Ratings: could not be graded ({type(exc).__name__}); 0 points.")
        return 0.0
    score = _score(points, res.fraction)
    _say(f"Ratings: {score:g}/{_points(points):g} - {res.message}.")
    try:
        for line in rating_lines(res, tolerance):
            _say(line)
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


# ---------------------------------------------------------------------------------------------
# check my answers (self-learners)


@dataclass
class CheckLine:
    label: str
    ok: bool | None  # None: not autograded (a written answer)
    text: str


def _visible_calls(source: str) -> list[tuple[str, list[Any], dict[str, Any]]]:
    """The ``checks.require_*`` calls of a test cell's visible part, with literal arguments."""
    visible = source.split(HIDDEN_BEGIN, 1)[0]
    try:
        tree = ast.parse(visible)
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in _REQUIRES:
            continue
        try:
            args = [ast.literal_eval(a) for a in node.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
        except ValueError:
            continue
        calls.append((name, args, kwargs))
    return calls


def _cell_label(source: str, fallback: str) -> str:
    first = source.strip().splitlines()[0] if source.strip() else ""
    if first.startswith("#"):
        label = first.lstrip("# ").strip()
        for cut in (". Do not edit", ": do not edit", " - do not edit"):
            label = label.split(cut)[0]
        return label.removeprefix("Test:").strip() or fallback
    return fallback


def _check_line(name: str, args: list[Any], kwargs: dict[str, Any], label: str) -> CheckLine:
    base = kwargs.get("base")
    if name == "require_answer":
        key, qid = args[0], args[1]
        ok = answer(key, qid, base=base) is not None
        return CheckLine(label, ok, "answered" if ok else "not answered yet")
    if name == "require_roleplay":
        key, sid = args[0], args[1]
        res = roleplay_result(key, sid, base=base)
        if res.status != "ok":
            return CheckLine(label, False, res.message)
        if res.turns == 0:
            return CheckLine(label, False, "not played yet")
        if not res.finished:
            return CheckLine(label, False, f"started ({res.turns} turns) but not finished")
        return CheckLine(label, True, f"complete in {res.turns} turns: {res.message}")
    key, items = args[0], list(args[1])
    tolerance = kwargs.get("tolerance", 1)
    fields = kwargs.get("fields", ("quality",))
    res = ratings_result(key, items, fields=fields, tolerance=tolerance, base=base)
    if res.status == "no-reference":  # graded replies: the reference is the instructor's
        rated = _rated(key, items, base)
        text = (
            f"{len(rated)} of {len(items)} replies rated; your instructor compares them with "
            "the reference panel when marking"
        )
        return CheckLine(label, len(rated) == len(items), text)
    if res.status != "ok":
        return CheckLine(label, False, res.message)
    ok = res.rated == res.total
    return CheckLine(label, ok, res.message)


def _find_notebook(ps: str, notebook: str | Path | None) -> Path | None:
    if notebook is not None:
        path = Path(notebook)
        return path if path.is_file() else None
    for candidate in (Path.cwd() / f"{ps}.ipynb", Path.cwd() / ps / f"{ps}.ipynb"):
        if candidate.is_file():
            return candidate
    found = sorted(Path.cwd().glob("*.ipynb"))
    return found[0] if len(found) == 1 else None


def collect_checks(ps: str, notebook: str | Path | None = None) -> list[CheckLine]:
    """The visible checks of assignment ``ps`` (read from its notebook), each with its status."""
    path = _find_notebook(ps, notebook)
    if path is None:
        raise FileNotFoundError(f"{ps}.ipynb is not in {Path.cwd()}")
    nb = json.loads(path.read_text(encoding="utf-8"))
    lines: list[CheckLine] = []
    for cell in nb.get("cells", []):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if not meta.get("grade"):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        points = meta.get("points", 0)
        if cell.get("cell_type") == "markdown":
            written = bool(source.strip()) and "YOUR ANSWER HERE" not in source
            text = "written" if written else "not written yet"
            label = f"written answer '{meta.get('grade_id', '?')}' ({points:g} points)"
            lines.append(CheckLine(label, None, f"{text}; your instructor marks it by hand"))
            continue
        for name, args, kwargs in _visible_calls(source):
            fallback = f"{meta.get('grade_id', 'check')} ({points:g} points)"
            try:
                lines.append(_check_line(name, args, kwargs, _cell_label(source, fallback)))
            except Exception as exc:
                lines.append(CheckLine(fallback, False, f"could not be checked ({exc})"))
    return lines


@_quiet
def check_my_answers(ps: str, notebook: str | Path | None = None) -> None:
    """Run the visible checks of an assignment without nbgrader and print a friendly summary.

    It tells you what is answered, whether the role-play is complete and how your ratings
    compare with the reference panel. It does not reveal the answer keys and is not a grade.
    Never raises.
    """
    try:
        lines = collect_checks(ps, notebook)
    except Exception as exc:
        _say(f"Check my answers ({ps}): I could not read the assignment ({exc}).")
        _say("Open this notebook from its own folder and run this cell again.")
        return
    _say(f"Check my answers: {ps} (a self-check, not your grade)")
    for line in lines:
        mark = "✎" if line.ok is None else ("✔" if line.ok else "✖")
        _say(f"  {mark} {line.label}: {line.text}")
    auto = [ln for ln in lines if ln.ok is not None]
    done = sum(1 for ln in auto if ln.ok)
    if auto and done == len(auto):
        _say(f"All {len(auto)} checks done. Well done - remember to save and submit.")
    else:
        _say(f"{done} of {len(auto)} checks done. Go back to the ones marked ✖.")


# ---------------------------------------------------------------------------------------------
# for instructors and tests: what a role-play's criteria allow


def model_path(
    scenario_id: str,
    criteria: Mapping[str, float] | Iterable[str] | None = None,
    *,
    beam: int = 60,
    max_turns: int = 40,
) -> tuple[list[str], float]:
    """A path (option ids) that scores as well as a beam search can find on ``criteria``.

    For instructors checking that full marks are reachable, and for tests that build a model
    submission. Returns ``(path, fraction)``; ties prefer higher trust, then fewer turns.
    """
    from trustkit.engine import Encounter
    from trustkit.scenario import load

    sc = load(scenario_id)
    _weights(criteria)  # an unknown criterion raises here, before the search

    def value(enc: Any) -> float:
        return score_encounter(enc, criteria)[0]

    def rank(item: tuple[float, float, list[str]]) -> tuple[float, float, int]:
        return (-item[0], -item[1], len(item[2]))

    frontier: list[tuple[list[str], Any]] = [([], Encounter(sc))]
    finished: list[tuple[float, float, list[str]]] = []
    for _depth in range(max_turns):
        scored: list[tuple[float, float, list[str], Any]] = []
        for path, base_enc in frontier:
            for opt in base_enc.options:
                enc = base_enc.fork()
                enc.step(opt.id)
                item = (value(enc), enc.overall_trust, [*path, opt.id])
                if enc.finished:
                    finished.append(item)
                else:
                    scored.append((*item, enc))
        if not scored:
            break
        scored.sort(key=lambda r: rank(r[:3]))
        frontier = [(p, e) for _, _, p, e in scored[:beam]]
    if not finished:
        return [], 0.0
    finished.sort(key=rank)
    best = finished[0]
    return best[2], best[0]


def _hidden_calls(source: str) -> list[tuple[str, list[Any], dict[str, Any]]]:
    """The grading calls of a test cell (visible and hidden parts), with literal arguments."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            try:
                args = [ast.literal_eval(a) for a in node.args]
                kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
            except ValueError:
                continue
            calls.append((node.func.attr, args, kwargs))
    return calls


def model_work(
    source_notebook: str | Path,
    base: str | Path,
    *,
    reference: Mapping[str, Mapping[str, float]] | None = None,
) -> list[Path]:
    """Write the work a perfect learner would save for a SOURCE notebook (with hidden tests).

    Answers come from the hidden keys, the role-play from :func:`model_path` on the cell's
    criteria (played through the engine, so it replays), ratings from the reference panel.
    For instructors testing an assignment end to end, and for the tests. Returns the files.
    """
    from trustkit.engine import Encounter

    nb = json.loads(Path(source_notebook).read_text(encoding="utf-8"))
    written: list[Path] = []
    for cell in nb.get("cells", []):
        if not ((cell.get("metadata") or {}).get("nbgrader") or {}).get("grade"):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        for name, args, kwargs in _hidden_calls(source):
            if name == "score_answer":
                written.append(work.save_answer(args[0], args[1], args[2], base))
            elif name == "score_text":
                written.append(work.save_answer(args[0], args[1], list(args[2])[0], base))
            elif name == "grade_roleplay":
                key, sid = args[0], args[1]
                criteria = args[2] if len(args) > 2 else kwargs.get("criteria")
                path, _fraction = model_path(sid, criteria)
                enc = Encounter(sid, mode="assessment")
                for step in path:
                    enc.step(step)
                data = {
                    "scenario": sid,
                    "transcript": enc.transcript(),
                    "completed": enc.finished,
                    "hints_used": 0,
                    "thoughts_shown": 0,
                    "self_rating": None,
                }
                written.append(work.save(key, "roleplay", data, base))
            elif name == "grade_ratings":
                key, items = args[0], list(args[1])
                fields = tuple(kwargs.get("fields", ("quality",)))
                ref = kwargs.get("reference") or reference
                ref = ref if ref is not None else reference_ratings(fields)
                ratings = {i: {f: (ref.get(i) or {}).get(f) for f in RATING_FIELDS} for i in items}
                for entry in ratings.values():
                    for f, v in entry.items():
                        entry[f] = int(round(v)) if isinstance(v, int | float) else None
                written.append(
                    work.save(key, "ratings", {"ratings": ratings, "revealed": []}, base)
                )
    return sorted(set(written))
