"""The whole nbgrader loop on a temporary course copy: generate, submit, autograde, feedback, export.

Every assignment is graded for a model submission (full marks on everything autograded) and an
untouched one (zero). The first assignment is also graded for partial work and for hostile
submissions; each gets the score it should, nobody gains by tampering, the run never aborts.
After nbgrader's autograde, ``trustkit.grading.regrade`` recomputes every trustkit task from the
saved work (what ``trustkit regrade`` does), so a notebook that replaces the grading functions
gets exactly what its saved work earns. Validate passes on every source notebook.

nbgrader runs in ONE subprocess (a driver script using nbgrader's Python API), so the Jupyter
stack is imported once; the repo's own folders are never touched.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from trustkit import work
from trustkit.grading import instructor, release
from trustkit.grading.cells import INSTRUCTOR_MARK, points_for, roleplay_result

from ..conftest import ROOT

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader")

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

ASSIGNMENTS = release.assignments(ROOT)
HOSTILE_PS = ASSIGNMENTS[0]
CELL_TIMEOUT = 10  # the repo's config says 60; a test course overrides it to stay quick

FORGE = (
    "\nfrom trustkit.grading import checks\n"
    "for _name in dir(checks):\n"
    "    if _name.startswith(('score_', 'grade_', 'require_')):\n"
    "        setattr(checks, _name, lambda *a, points=1, **k: float(points))\n"
)
"""Appended to the notebook's own (unlocked) import cell: every test cell prints full marks."""


DRIVER = textwrap.dedent(
    """
    import json, logging, os, sys
    from pathlib import Path
    root = Path(sys.argv[1]); plan = json.loads(Path(sys.argv[2]).read_text())
    os.chdir(root)
    from trustkit.grading.release import course_config, _ensure_tools_on_path
    _ensure_tools_on_path()
    from nbgrader.apps import NbGraderAPI
    from nbgrader.api import Gradebook
    from nbgrader.validator import Validator
    cfg = course_config(root)
    api = NbGraderAPI(config=cfg)
    api.log.setLevel(logging.WARNING)
    from trustkit.grading.regrade import regrade
    out = {"generate": {}, "autograde": {}, "feedback": {}, "validate": {}, "grades": {},
           "kernel": {}, "changes": {}}
    phase = plan["phase"]

    def grades(key):
        with Gradebook(cfg.CourseDirectory.db_url, "trustkit") as gb:
            for ps, students in plan["students"].items():
                for st in students:
                    sub = gb.find_submission(ps, st)
                    cells = {}
                    for nb in sub.notebooks:
                        for g in nb.grades:
                            cells[g.name] = [g.score, g.max_score, g.auto_score, g.needs_manual_grade]
                    out[key][f"{ps}/{st}"] = {
                        "score": sub.score, "max_score": sub.max_score, "cells": cells}

    if phase == "generate":
        for ps in plan["assignments"]:
            r = api.generate_assignment(ps, force=True, create=True)
            out["generate"][ps] = {"success": r["success"], "error": r.get("error", "")}
    else:
        for ps, students in plan["students"].items():
            for st in students:
                r = api.autograde(ps, st, force=True, create=True)
                out["autograde"][f"{ps}/{st}"] = {
                    "success": r["success"], "error": (r.get("error") or "")[-2000:],
                    "log": r.get("log") or ""}
        grades("kernel")  # what plain nbgrader autograde keeps: the kernels' own numbers
        for ps in plan["students"]:
            run = regrade(root, ps)  # what `trustkit regrade` does
            for c in run.changes:
                out["changes"].setdefault(f"{ps}/{c.student}", []).append(
                    [c.cell, c.kernel, c.recomputed])
            r = api.generate_feedback(ps, force=True)
            out["feedback"][ps] = {"success": r["success"], "error": (r.get("error") or "")[-2000:]}
        for path in plan["validate"]:
            out["validate"][path] = Validator(config=cfg).validate(path)
        grades("grades")
    Path(plan["out"]).write_text(json.dumps(out))
    """
)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TRUSTKIT_WORK_DIR", None)  # the kernel must use the notebook's own folder
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONWARNINGS"] = "ignore"
    return env


def _drive(root: Path, plan: dict) -> dict:
    plan_file = root / f"plan-{plan['phase']}.json"
    out_file = root / f"out-{plan['phase']}.json"
    plan["out"] = str(out_file)
    plan_file.write_text(json.dumps(plan))
    script = root / "driver.py"
    script.write_text(DRIVER)
    proc = subprocess.run(
        [sys.executable, str(script), str(root), str(plan_file)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out_file.read_text())


# -- building submissions ----------------------------------------------------------------------
def _release_nb(root: Path, ps: str):
    return nbformat.read(root / "exercises" / ps / f"{ps}.ipynb", as_version=4)


def _source_nb(root: Path, ps: str) -> Path:
    return root / "solutions" / ps / f"{ps}.ipynb"


def _submit(root: Path, ps: str, student: str, nb) -> Path:
    folder = root / "submitted" / student / ps
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{ps}.ipynb")
    return folder


def _model_work(root: Path, ps: str, folder: Path) -> None:
    instructor.model_work(_source_nb(root, ps), folder)


def _roleplays(root: Path, ps: str) -> dict[str, tuple[str, str, dict, float]]:
    """grade id -> (key, scenario id, criteria, points) of every role-play test cell."""
    source = _source_nb(root, ps).read_text(encoding="utf-8")
    found = {}
    for cell in json.loads(source)["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for name, args, kw in instructor.grading_calls(text):
            if name == "grade_roleplay":
                found[meta["grade_id"]] = (args[0], args[1], args[2], float(kw["points"]))
    assert found, f"{ps}: no role-play test cell"
    return found


def _roleplay_key(root: Path, ps: str) -> tuple[str, str, dict]:
    key, sid, criteria, _points = next(iter(_roleplays(root, ps).values()))
    return key, sid, criteria


def _grade_cell(nb, grade_id: str):
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return i, cell
    raise AssertionError(f"no cell {grade_id}")


def _insert_after_setup(nb, source: str) -> None:
    nb.cells.insert(2, nbformat.v4.new_code_cell(source))


def _edit_transcript(folder: Path, key: str, edit) -> None:
    loaded = work.peek(key, "roleplay", folder)
    data = loaded.data
    edit(data["transcript"])
    work.save(key, "roleplay", data, folder)


def _points(root: Path, ps: str) -> dict[str, float]:
    """grade id -> points, and which are manual, from the source notebook."""
    nb = json.loads(_source_nb(root, ps).read_text(encoding="utf-8"))
    out = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            out[meta["grade_id"]] = (float(meta["points"]), cell["cell_type"] == "markdown")
    return out


def _expected_full(root: Path, ps: str) -> float:
    """Every automatic point, with each role-play at what a best path earns (model_path)."""
    roleplays = _roleplays(root, ps)
    total = 0.0
    for gid, (pts, manual) in _points(root, ps).items():
        if manual:
            continue
        if gid in roleplays:
            _key, sid, criteria, _p = roleplays[gid]
            total += points_for(pts, instructor.model_path(sid, criteria)[1])
        else:
            total += pts
    return total


# -- the run -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> dict:
    started = time.monotonic()
    root = tmp_path_factory.mktemp("course")
    release.prepare_course(root, ROOT)
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write(
            f"\n# test course: shorter timeouts\nc.ExecutePreprocessor.timeout = {CELL_TIMEOUT}\n"
            f"c.Execute.timeout = {CELL_TIMEOUT}\n"
            f"_budget = CellBudget(per_cell={CELL_TIMEOUT}, per_notebook=120)\n"
            "c.Execute.timeout_func = _budget\nc.Execute.on_notebook_start = _budget.start\n"
        )
    gen = _drive(root, {"phase": "generate", "assignments": ASSIGNMENTS})
    assert all(r["success"] for r in gen["generate"].values()), gen
    students: dict[str, list[str]] = {ps: [] for ps in ASSIGNMENTS}
    info: dict = {"root": root, "partial": {}}

    def add(ps: str, student: str, nb) -> Path:
        students[ps].append(student)
        return _submit(root, ps, student, nb)

    for ps in ASSIGNMENTS:
        nb = _release_nb(root, ps)
        _, cell = _grade_cell(nb, f"{ps[:4]}-reflection")
        cell.source = "When I named her tiredness, she relaxed and told me about the tablets."
        _model_work(root, ps, add(ps, "model", nb))
        add(ps, "blank", _release_nb(root, ps))

    ps = HOSTILE_PS
    short = ps[:4]
    akey = f"answers-{short}"
    rkey, sid, criteria = _roleplay_key(root, ps)

    # partial work: some answers right, a role-play stopped half way, half the ratings close
    folder = add(ps, "partial", _release_nb(root, ps))
    _model_work(root, ps, folder)
    for qid, value in {"q2": 0, "q3": [0], "q5": "They share more with you."}.items():
        work.save_answer(akey, qid, value, folder)
    answers = work.peek(akey, "answers", folder).data
    answers["answers"].pop("q4")
    work.save(akey, "answers", answers, folder)
    path, _ = instructor.model_path(sid, criteria)
    from trustkit.engine import play

    half = play(sid, path[: len(path) // 2], mode="assessment")
    work.save(
        rkey,
        "roleplay",
        {"scenario": sid, "transcript": half.transcript(), "completed": True},  # a false claim
        folder,
    )
    info["partial"]["roleplay"] = roleplay_result(rkey, sid, criteria, base=folder)
    tkey = f"ratings-{short}"
    saved = work.peek(tkey, "ratings", folder).data
    items = sorted(saved["ratings"])
    for item in items[: len(items) // 2]:
        q = saved["ratings"][item]["quality"]
        saved["ratings"][item]["quality"] = q + 3 if q <= 2 else q - 3
    work.save(tkey, "ratings", saved, folder)

    # the same partial work, with the grading functions replaced from the import cell
    nb = _release_nb(root, ps)
    nb.cells[1].source += FORGE
    forged = add(ps, "forged-functions", nb)
    shutil.copytree(folder / "trustkit-work", forged / "trustkit-work")

    # a deleted test cell (it is put back and run)
    nb = _release_nb(root, ps)
    idx, _ = _grade_cell(nb, f"{short}-roleplay")
    del nb.cells[idx]
    _model_work(root, ps, add(ps, "deleted-test", nb))

    # edited test cells that try to award points, with no work at all
    nb = _release_nb(root, ps)
    for gid in (f"{short}-q1", f"{short}-roleplay"):
        _, cell = _grade_cell(nb, gid)
        cell.source = str(int(_points(root, ps)[gid][0]))
    add(ps, "edited-test", nb)

    # an endless loop in a cell of their own
    nb = _release_nb(root, ps)
    _insert_after_setup(nb, "while True:\n    pass")
    _model_work(root, ps, add(ps, "endless-loop", nb))

    # tampered transcripts: raised trust numbers; an option that does not exist; another scenario
    folder = add(ps, "tampered-trust", _release_nb(root, ps))
    _model_work(root, ps, folder)

    def raise_trust(t: dict) -> None:
        for turn in t["turns"]:
            turn["trust_after"] = min(100, turn["trust_after"] + 10)
        t["final_trust"] = {d: 100 for d in t["final_trust"]}

    _edit_transcript(folder, rkey, raise_trust)

    folder = add(ps, "tampered-option", _release_nb(root, ps))
    _model_work(root, ps, folder)

    def bad_option(t: dict) -> None:
        t["turns"][1]["option"] = "say-exactly-the-right-thing"

    _edit_transcript(folder, rkey, bad_option)

    folder = add(ps, "wrong-scenario", _release_nb(root, ps))
    _model_work(root, ps, folder)
    other = next(s for s in ("knee-osteoarthritis", "rebuilding-trust") if s != sid)
    enc = play(other, instructor.model_path(other)[0], mode="assessment")
    work.save(rkey, "roleplay", {"scenario": sid, "transcript": enc.transcript()}, folder)

    # missing and corrupt saved work
    folder = add(ps, "corrupt-work", _release_nb(root, ps))
    (folder / "trustkit-work").mkdir()
    (folder / "trustkit-work" / f"{akey}.json").write_bytes(b"\xff\xfe not json")
    (folder / "trustkit-work" / f"{rkey}.json").write_text('{"trustkit_work": "roleplay", "sche')
    (folder / "trustkit-work" / f"ratings-{short}.json").write_text("[1, 2, 3]")
    folder = add(ps, "work-is-a-file", _release_nb(root, ps))
    (folder / "trustkit-work").write_text("not a folder")

    # output spam and stderr in cells of their own
    nb = _release_nb(root, ps)
    _insert_after_setup(nb, "for i in range(200_000):\n    print('spam', i)")
    _model_work(root, ps, add(ps, "spam", nb))
    nb = _release_nb(root, ps)
    _insert_after_setup(nb, "import sys\nprint('noise on stderr', file=sys.stderr)")
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("Answer("):
            cell.source = "import sys\nsys.stderr.write('warning? no, noise\\n')\n" + cell.source
    _model_work(root, ps, add(ps, "stderr", nb))

    # the same two submissions in a course whose config lacks trustkit's preprocessors (stock
    # nbgrader autograde): the kernels' numbers are kept until `trustkit regrade`
    stock = root.parent / f"{root.name}-stock"
    shutil.copytree(root, stock)
    with open(stock / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write(
            "\n# stock nbgrader: no recomputation inside autograde\n"
            "c.Autograde.autograde_preprocessors = [Execute, IgnorePattern, "
            "ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties, "
            "CheckCellMetadata]\n"
        )
    two = {ps: ["forged-functions", "partial"]}
    info["stock"] = _drive(stock, {"phase": "grade", "students": two, "validate": []})

    validate = [
        str(root / "submitted" / "model" / ps / f"{ps}.ipynb"),
        str(root / "submitted" / "blank" / ps / f"{ps}.ipynb"),
        *(str(_source_nb(root, name)) for name in ASSIGNMENTS),
    ]
    result = _drive(root, {"phase": "grade", "students": students, "validate": validate})
    export = subprocess.run(
        [sys.executable, "-m", "nbgrader", "export", "--to", str(root / "grades.csv")],
        cwd=root,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    info.update(result=result, export=export, students=students)
    info["seconds"] = time.monotonic() - started
    print(f"\nnbgrader loop: {info['seconds']:.0f} s for {sum(map(len, students.values()))} runs")
    return info


def _grade(loop: dict, ps: str, student: str) -> dict:
    return loop["result"]["grades"][f"{ps}/{student}"]


def _cell(loop: dict, ps: str, student: str, gid: str) -> float:
    return _grade(loop, ps, student)["cells"][gid][0]


# -- assertions --------------------------------------------------------------------------------
def test_every_step_succeeded(loop: dict) -> None:
    res = loop["result"]
    failed = {k: v["error"] for k, v in res["autograde"].items() if not v["success"]}
    assert not failed, failed
    assert all(v["success"] for v in res["feedback"].values()), res["feedback"]
    assert loop["export"].returncode == 0, loop["export"].stderr[-2000:]
    assert loop["seconds"] < 600


def _repo_state() -> dict[str, float | None]:
    names = ["submitted", "autograded", "feedback", "gradebook.db"]
    names += [f"solutions/{ps}/trustkit-work" for ps in ASSIGNMENTS]
    return {n: (ROOT / n).stat().st_mtime if (ROOT / n).exists() else None for n in names}


REPO_BEFORE = _repo_state()


def test_repo_untouched(loop: dict) -> None:
    """The loop works in a copy: nothing appears in (or changes in) the repo's own folders
    (`make release` may have made the course's gradebook.db before: it must be left alone)."""
    assert _repo_state() == REPO_BEFORE


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_model_submission_gets_full_marks(loop: dict, ps: str) -> None:
    g = _grade(loop, ps, "model")
    assert g["score"] == pytest.approx(_expected_full(loop["root"], ps)), g["cells"]
    manual = [gid for gid, (_p, m) in _points(loop["root"], ps).items() if m]
    assert manual and all(g["cells"][gid][3] for gid in manual)  # left for a human
    work_dir = loop["root"] / "autograded" / "model" / ps / "trustkit-work"
    assert sorted(p.name for p in work_dir.glob("*.json")), "saved work did not travel"


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_untouched_submission_gets_zero(loop: dict, ps: str) -> None:
    g = _grade(loop, ps, "blank")
    assert g["score"] == 0, g["cells"]


def _kernel_reported(loop: dict, ps: str, student: str) -> float:
    """The sum of what the student's kernel printed in the test cells (kept in the metadata)."""
    nb = nbformat.read(loop["root"] / "autograded" / student / ps / f"{ps}.ipynb", 4)
    return sum(
        float(c.metadata["trustkit"]["kernel_score"]) for c in nb.cells if "trustkit" in c.metadata
    )


def test_forged_grading_functions_gain_nothing(loop: dict) -> None:
    """Done when (issue 15): the same saved work, the same score, whatever the kernel said."""
    ps, short = HOSTILE_PS, HOSTILE_PS[:4]
    forged = _grade(loop, ps, "forged-functions")
    partial = _grade(loop, ps, "partial")
    assert forged["cells"] == partial["cells"] and forged["score"] == partial["score"]
    every_point = sum(p for p, manual in _points(loop["root"], ps).values() if not manual)
    assert _kernel_reported(loop, ps, "forged-functions") == pytest.approx(every_point)
    # this course's nbgrader autograde already recorded the saved work's score ...
    assert loop["result"]["kernel"][f"{ps}/forged-functions"]["cells"] == forged["cells"]
    # ... and `trustkit regrade` lists every cell where the kernel said otherwise
    changed = {c[0] for c in loop["result"]["changes"][f"{ps}/forged-functions"]}
    assert {f"{short}-q2", f"{short}-q4", f"{short}-roleplay", f"{short}-ratings"} <= changed
    assert f"{ps}/partial" not in loop["result"]["changes"]  # honest work: nothing differs


def test_stock_nbgrader_keeps_forged_scores_until_trustkit_regrade(loop: dict) -> None:
    ps = HOSTILE_PS
    stock = loop["stock"]
    every_point = sum(p for p, manual in _points(loop["root"], ps).values() if not manual)
    assert stock["kernel"][f"{ps}/forged-functions"]["score"] == pytest.approx(every_point)
    assert (
        stock["grades"][f"{ps}/forged-functions"]["cells"] == _grade(loop, ps, "partial")["cells"]
    )
    assert stock["grades"][f"{ps}/partial"]["cells"] == _grade(loop, ps, "partial")["cells"]
    assert f"{ps}/forged-functions" in stock["changes"] and f"{ps}/partial" not in stock["changes"]


def test_recomputing_again_changes_nothing_and_honest_work_never_differs(loop: dict) -> None:
    honest = {"model", "blank", "partial", "deleted-test", "spam", "stderr", "tampered-trust",
              "tampered-option", "wrong-scenario", "corrupt-work", "work-is-a-file"}  # fmt: skip
    for key, after_autograde in loop["result"]["kernel"].items():
        assert after_autograde["cells"] == _grade(loop, *key.split("/", 1))["cells"], key
        if key.split("/", 1)[1] in honest:
            assert key not in loop["result"]["changes"], key


def test_no_checksum_warning_unless_a_test_cell_was_edited(loop: dict) -> None:
    logs = {k.split("/", 1)[1]: v["log"] for k, v in loop["result"]["autograde"].items()}
    assert all("checksum" not in log.lower() for log in logs.values())
    assert "was edited in the submission; the original was put back" in logs["edited-test"]
    assert "was edited in the submission" not in logs["model"]


def test_partial_credit(loop: dict) -> None:
    ps, short = HOSTILE_PS, HOSTILE_PS[:4]
    cells = _grade(loop, ps, "partial")["cells"]
    assert cells[f"{short}-q1"][0] == 1  # right
    assert cells[f"{short}-q2"][0] == 0  # wrong
    assert cells[f"{short}-q3"][0] == 1  # one of two right options: half of 2 points
    assert cells[f"{short}-q4"][0] == 0  # unanswered
    assert cells[f"{short}-q5"][0] == 1  # free text, in other words
    rp = loop["partial"]["roleplay"]
    pts = _points(loop["root"], ps)[f"{short}-roleplay"][0]
    expected = points_for(pts, rp.fraction)
    assert 0 < expected < pts
    assert cells[f"{short}-roleplay"][0] == pytest.approx(expected)
    rpts = _points(loop["root"], ps)[f"{short}-ratings"][0]
    assert cells[f"{short}-ratings"][0] == pytest.approx(rpts / 2)


def test_deleted_test_cell_is_put_back(loop: dict) -> None:
    ps, short = HOSTILE_PS, HOSTILE_PS[:4]
    g = _grade(loop, ps, "deleted-test")
    assert g["score"] == pytest.approx(_expected_full(loop["root"], ps)), g["cells"]
    nb = nbformat.read(loop["root"] / "autograded" / "deleted-test" / ps / f"{ps}.ipynb", 4)
    _, cell = _grade_cell(nb, f"{short}-roleplay")
    assert "was missing from the submission" in cell.source


def test_edited_test_cells_are_restored(loop: dict) -> None:
    g = _grade(loop, HOSTILE_PS, "edited-test")
    assert g["score"] == 0, g["cells"]


def test_endless_loop_times_out_and_the_rest_is_graded(loop: dict) -> None:
    ps = HOSTILE_PS
    g = _grade(loop, ps, "endless-loop")
    assert g["score"] == pytest.approx(_expected_full(loop["root"], ps)), g["cells"]
    nb = nbformat.read(loop["root"] / "autograded" / "endless-loop" / ps / f"{ps}.ipynb", 4)
    errors = [o for o in nb.cells[2].outputs if o.output_type == "error"]
    assert errors, nb.cells[2].outputs


@pytest.mark.parametrize("student", ["tampered-trust", "tampered-option", "wrong-scenario"])
def test_tampered_transcripts_score_zero_on_the_role_play(loop: dict, student: str) -> None:
    ps, short = HOSTILE_PS, HOSTILE_PS[:4]
    g = _grade(loop, ps, student)
    rp_points = _points(loop["root"], ps)[f"{short}-roleplay"][0]
    assert g["cells"][f"{short}-roleplay"][0] == 0
    assert g["score"] == pytest.approx(_expected_full(loop["root"], ps) - rp_points)
    nb = nbformat.read(loop["root"] / "autograded" / student / ps / f"{ps}.ipynb", 4)
    _, cell = _grade_cell(nb, f"{short}-roleplay")
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    assert "Role-play" in text and "0/" in text
    assert "cannot be reproduced" in text or "is of scenario" in text
    assert not [o for o in cell.outputs if o.get("name") == "stderr"]


@pytest.mark.parametrize("student", ["corrupt-work", "work-is-a-file"])
def test_broken_saved_work_scores_zero_without_crashing(loop: dict, student: str) -> None:
    assert _grade(loop, HOSTILE_PS, student)["score"] == 0


@pytest.mark.parametrize("student", ["spam", "stderr"])
def test_noise_in_own_cells_costs_nothing(loop: dict, student: str) -> None:
    ps = HOSTILE_PS
    g = _grade(loop, ps, student)
    assert g["score"] == pytest.approx(_expected_full(loop["root"], ps)), g["cells"]
    if student == "spam":
        nb = nbformat.read(loop["root"] / "autograded" / student / ps / f"{ps}.ipynb", 4)
        text = "".join(o.get("text", "") for o in nb.cells[2].outputs)
        assert "Output truncated" in text and text.count("\n") <= 1001


def test_nobody_gains_by_tampering(loop: dict) -> None:
    ps = HOSTILE_PS
    honest = _grade(loop, ps, "model")["score"]
    for student in loop["students"][ps]:
        assert _grade(loop, ps, student)["score"] <= honest + 1e-9, student


def test_validator_reports_missing_work_in_one_line(loop: dict) -> None:
    res = loop["result"]["validate"]
    model, blank, *sources = res.values()
    assert not model.get("failed"), model
    failed = [f for f in blank["failed"] if "checks." in f["source"]]  # not the reflection
    assert len(failed) >= 7 and all(f["raw_error"].startswith("✖") for f in failed)
    assert all("Traceback" not in f["raw_error"] for f in failed)
    # Validate on a source notebook passes (its model work is made elsewhere, not in solutions/)
    assert len(sources) == len(ASSIGNMENTS) and all(r == {} for r in sources), sources
    for ps in ASSIGNMENTS:
        assert not (loop["root"] / "solutions" / ps / "trustkit-work").exists()


def test_feedback_has_scores_but_no_keys(loop: dict) -> None:
    ps = HOSTILE_PS
    html = next((loop["root"] / "feedback" / "partial" / ps).glob("*.html")).read_text()
    assert "Role-play" in html and "Trust line:" in html and "of the panel)" in html
    assert "BEGIN HIDDEN TESTS" not in html and "score_answer" not in html
    assert INSTRUCTOR_MARK not in html and "panel reference" not in html


def test_export_lists_every_submission(loop: dict) -> None:
    with open(loop["root"] / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    seen = {(r["assignment"], r["student_id"]) for r in rows}
    for ps, students in loop["students"].items():
        for st in students:
            assert (ps, st) in seen
    model = next(r for r in rows if r["assignment"] == HOSTILE_PS and r["student_id"] == "model")
    assert float(model["raw_score"]) == pytest.approx(_expected_full(loop["root"], HOSTILE_PS))
