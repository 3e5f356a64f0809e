"""exercises/ is exactly what `make release` generates from solutions/, and holds no solutions."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from trustkit.grading import release

from ..conftest import ROOT

pytest.importorskip("nbgrader")

EXERCISES = ROOT / "exercises"
NOTEBOOKS = sorted(EXERCISES.glob("*/*.ipynb"))


def _sources(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]
    ]


def _secrets(path: Path) -> list[str]:
    """Lines of a SOURCE notebook found only in hidden tests, and its model answers."""
    hidden, visible = [], []
    nb = json.loads(path.read_text(encoding="utf-8"))
    pattern = r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS"
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "markdown":
            hidden.append(source.strip())
            continue
        for region in re.findall(pattern, source, re.S):
            hidden.extend(line.strip() for line in region.splitlines() if line.strip())
        visible.append(re.sub(pattern, "", source, flags=re.S))
    seen = "\n".join(visible)
    return [line for line in hidden if line not in seen]


def test_every_assignment_is_released() -> None:
    names = release.assignments(ROOT)
    assert len(names) >= 5
    assert sorted(p.name for p in EXERCISES.iterdir() if p.is_dir()) == names
    for name in names:
        assert (EXERCISES / name / f"{name}.ipynb").is_file()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_no_solution_text_in_exercises(path: Path) -> None:
    text = "\n".join(_sources(path))
    for marker in (
        "### BEGIN SOLUTION",
        "### END SOLUTION",
        "### BEGIN HIDDEN TESTS",
        "score_answer",
        "score_text",
        "grade_roleplay",
        "grade_ratings",
        "Model answer",
    ):
        assert marker not in text, marker
    source = ROOT / "solutions" / path.parent.name / path.name
    secrets = _secrets(source)
    assert secrets
    for secret in secrets:
        assert secret not in text, secret


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_exercises_have_no_outputs_or_saved_work(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
    assert not (path.parent / "trustkit-work").exists()


def test_solutions_have_no_outputs() -> None:
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), path


@pytest.mark.slow
def test_exercises_equal_a_fresh_generation(tmp_path: Path) -> None:
    out = tmp_path / "fresh"
    gradebook = ROOT / "gradebook.db"  # `make release` records the course there; --out must not
    before = gradebook.stat().st_mtime_ns if gradebook.exists() else None
    proc = subprocess.run(
        [sys.executable, "-m", "trustkit.grading.release", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fresh, current = release.snapshot(out), release.snapshot(EXERCISES)
    assert sorted(fresh) == sorted(current), "run `make release`"
    for name in fresh:
        assert fresh[name] == current[name], f"exercises/{name} is stale: run `make release`"
    assert (gradebook.stat().st_mtime_ns if gradebook.exists() else None) == before


@pytest.mark.slow
def test_release_keeps_saved_work_in_exercises_and_registers(tmp_path: Path) -> None:
    """`make release` never deletes someone's trustkit-work/ in exercises/ (it warns), and
    records the assignments in the course's gradebook so nbgrader autograde knows them."""
    course = release.prepare_course(tmp_path / "course", ROOT)
    saved = course / "exercises" / "ps01-trust" / "trustkit-work" / "answers-ps01.json"
    saved.parent.mkdir(parents=True)
    saved.write_text("{}")
    stale = course / "exercises" / "ps01-trust" / "old-handout.txt"
    stale.write_text("from an earlier release")
    proc = subprocess.run(
        [sys.executable, "-m", "trustkit.grading.release"],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert saved.read_text() == "{}" and not stale.exists()
    assert "someone's saved work, kept" in proc.stderr and "Traceback" not in proc.stderr
    assert (course / "exercises" / "ps05-capstone" / "ps05-capstone.ipynb").is_file()
    from nbgrader.api import Gradebook

    with Gradebook(release.course_db_url(course)) as gb:
        registered = {a.name for a in gb.assignments}
    assert set(release.assignments(course)) <= registered
    assert not (ROOT / "exercises" / "ps01-trust" / "trustkit-work").exists()


def test_release_says_what_is_wrong_in_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "trustkit.grading.release", "--course-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"release: {tmp_path}: no nbgrader_config.py here")
    assert "Traceback" not in proc.stderr
