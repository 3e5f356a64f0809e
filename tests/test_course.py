"""The course notebooks: structure of every lesson, and every lesson executed with nbval."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

COURSE = ROOT / "course"
LESSONS = sorted(COURSE.glob("[0-9][0-9]-*.ipynb"))
REQUIRED = ["00", "01", "02", "03", "04", "05"]


def _nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_all_lessons_exist_in_teaching_order() -> None:
    numbers = [p.name[:2] for p in LESSONS]
    assert numbers[: len(REQUIRED)] == REQUIRED, numbers


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_structure(path: Path) -> None:
    cells = _nb(path)["cells"]
    first, last = cells[0], cells[-1]
    assert first["cell_type"] == "markdown"
    text = "".join(first["source"])
    assert text.startswith("# ") and "## Learning objectives" in text, "objectives come first"
    assert last["cell_type"] == "markdown" and "".join(last["source"]).startswith("## References")
    assert any("## Summary" in "".join(c["source"]) for c in cells), "a summary"
    code = [c for c in cells if c["cell_type"] == "code"]
    widgets = [c for c in code if re.search(r"\b[A-Z]\w+(\.\w+)?\(", "".join(c["source"]))]
    assert len(widgets) >= 2, "at least two interactive elements"
    for c in code:
        src = "".join(c["source"])
        assert "\n" not in src.strip(), f"code cells are one line: {src!r}"
        assert c["metadata"].get("jupyter", {}).get("source_hidden") is True, "source collapsed"
        assert not c.get("outputs") and c.get("execution_count") is None, "outputs cleared"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_knowledge_checks_referenced_exist(path: Path) -> None:
    from trustkit.widgets.quiz import lesson_checks

    for c in _nb(path)["cells"]:
        for lesson, qid in re.findall(
            r'KnowledgeCheck\.load\("([^"]+)", "([^"]+)"\)', "".join(c["source"])
        ):
            checks = lesson_checks(lesson)
            assert qid in checks, f"{path.name}: no check {lesson}/{qid}"
            item = checks[qid]
            answers = [item["answer"]] if isinstance(item["answer"], int) else item["answer"]
            assert all(0 <= a < len(item["options"]) for a in answers)
            if item.get("feedback"):
                assert len(item["feedback"]) == len(item["options"])


def test_every_lesson_executes_with_nbval(tmp_path: Path) -> None:
    """Run nbval on a copy of course/ so saved work and progress stay out of the repo."""
    pytest.importorskip("nbval")
    copy = tmp_path / "course"
    shutil.copytree(COURSE, copy, ignore=shutil.ignore_patterns("trustkit-work", ".ipynb_*"))
    env = {
        **os.environ,
        "TRUSTKIT_HOME": str(tmp_path / "home"),
        "MPLBACKEND": "Agg",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    env.pop("TRUSTKIT_WORK_DIR", None)  # each notebook keeps its work next to itself
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--current-env",
            "-p",
            "no:cacheprovider",
            "-q",
            "-o",
            "addopts=",
            "-W",
            "ignore::DeprecationWarning",
            str(copy),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert f"{len(LESSONS)} passed" in proc.stdout or "passed" in proc.stdout


def _code(path: Path) -> str:
    return "\n".join("".join(c["source"]) for c in _nb(path)["cells"] if c["cell_type"] == "code")


def test_lesson_roleplays_use_practice_mode() -> None:
    """Lessons teach (meter, undo, hints); assessment mode belongs to the graded exercises."""
    for path in LESSONS:
        for call in re.findall(r"RolePlay\([^)]*\)", _code(path)):
            assert "mode=" not in call or 'mode="practice"' in call, (path.name, call)


def test_every_knowledge_check_is_used_and_answers_vary_in_position() -> None:
    from trustkit.widgets.quiz import lesson_checks

    used: dict[str, set[str]] = {}
    for path in LESSONS:
        for lesson, qid in re.findall(r'KnowledgeCheck\.load\("([^"]+)", "([^"]+)"\)', _code(path)):
            used.setdefault(lesson, set()).add(qid)
    for f in sorted((ROOT / "trustkit" / "data" / "checks").glob("*.yaml")):
        checks = lesson_checks(f.stem)
        assert set(checks) == used.get(f.stem, set()), f"{f.name}: unused or missing checks"
        singles = [c["answer"] for c in checks.values() if isinstance(c["answer"], int)]
        if len(singles) >= 3:  # the right answer is not always in the same place
            assert len(set(singles)) > 1, f"{f.name}: every answer is option {singles[0]}"
