"""What only an instructor (and the tests) use: the keys, full marks made reachable, model work.

- :func:`reference_ratings`: the reference panel's ratings of the public response bank, the
  default key of a rating task (graded replies have none in the package: their key is in the
  source notebook's hidden test);
- :func:`model_path`: a role-play path that scores as well as a beam search finds, to check that
  full marks are reachable on a task's criteria;
- :func:`model_work`: the saved work a perfect learner would hand in for a SOURCE notebook
  (hidden tests included), to test an assignment end to end; ``nbgrader validate`` of a
  source notebook grades that work (:func:`validation_work`), written outside the course;
- :func:`grading_calls`: the grading calls of a test cell, hidden part included.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from trustkit import work
from trustkit.grading._shared import cell_sources, grading_calls, is_source_notebook
from trustkit.grading.criteria import Criteria, criteria_weights, score_encounter

__all__ = [
    "RATING_FIELDS",
    "grading_calls",
    "is_source_notebook",
    "model_path",
    "model_work",
    "reference_ratings",
    "validation_work",
]

RATING_FIELDS = ("quality", "empathy_level")
"""The fields a saved rating holds (``trustkit-work/ratings-*.json``)."""

_MODEL_CALLS = ("score_answer", "score_text", "grade_roleplay", "grade_ratings")


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


def model_path(
    scenario_id: str,
    criteria: Criteria = None,
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
    criteria_weights(criteria)  # an unknown criterion raises here, before the search

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

    written: list[Path] = []
    for meta, _kind, source in cell_sources(Path(source_notebook)):
        if not meta.get("grade"):
            continue
        for name, args, kwargs in grading_calls(source, _MODEL_CALLS):
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


_VALIDATION_WORK: dict[str, Path] = {}


def validation_work() -> Path | None:
    """Under ``nbgrader validate`` of a source notebook: a temporary folder with its model work.

    The model work is written once per notebook and kernel, outside the course (never into
    ``solutions/``), and removed when the kernel exits. None anywhere else (a released
    notebook, a learner's run, autograde).
    """
    if os.environ.get("NBGRADER_EXECUTION") != "validate":
        return None
    sources = [p for p in sorted(Path.cwd().glob("*.ipynb")) if is_source_notebook(p)]
    if len(sources) != 1:
        return None
    key = str(sources[0].resolve())
    if key not in _VALIDATION_WORK:
        import atexit
        import shutil
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="trustkit-model-work-"))
        atexit.register(shutil.rmtree, folder, True)
        try:
            model_work(sources[0], folder)
        except Exception:  # the test cells then report missing work, one line each
            pass
        _VALIDATION_WORK[key] = folder
    return _VALIDATION_WORK[key]
