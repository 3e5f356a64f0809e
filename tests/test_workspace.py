"""The learner's own course folder and the lab that ``trustkit lab`` starts on it (no browser:
the real-browser side is ``tests/browser/test_course_pages.py``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

from trustkit import workspace
from trustkit.cli import main
from trustkit.errors import TrustkitError

from .conftest import ROOT

COURSE = ROOT / "course"
LESSONS = sorted(p.name for p in COURSE.glob("*.ipynb"))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of the shipped course, so a test can change "the course" (a new release)."""
    folder = tmp_path / "repo" / "course"
    shutil.copytree(COURSE, folder)
    return folder


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.ipynb"))}


# -- the learner's copy -------------------------------------------------------------------------
def test_first_run_creates_the_learners_copy_of_every_lesson(tmp_path: Path, source: Path) -> None:
    mine = tmp_path / "trustkit-course"
    report = workspace.sync(mine, source)
    assert report.created and report.added == LESSONS
    assert _bytes(mine) == _bytes(source)
    assert "Created your own copy of the course" in report.lines()[0]
    again = workspace.sync(mine, source)
    assert not again.created and not again.added and not again.updated
    assert again.lines() == [f"Your course folder: {mine} (up to date)."]


def test_the_learners_work_is_never_overwritten_and_an_update_goes_beside(
    tmp_path: Path, source: Path
) -> None:
    mine = tmp_path / "trustkit-course"
    workspace.sync(mine, source)
    lesson = mine / LESSONS[1]
    lesson.write_text(lesson.read_text() + "\n", encoding="utf-8")  # the learner saved outputs
    learners = lesson.read_bytes()
    # a new release of the course: the lesson changed, and a lesson was added
    (source / LESSONS[1]).write_text((source / LESSONS[1]).read_text() + " ", encoding="utf-8")
    shutil.copy(source / LESSONS[0], source / "06-new-lesson.ipynb")
    report = workspace.sync(mine, source, today=date(2027, 1, 2))
    assert lesson.read_bytes() == learners, "the learner's copy is untouched"
    beside = mine / LESSONS[1].replace(".ipynb", ".updated-2027-01-02.ipynb")
    assert beside.read_bytes() == (source / LESSONS[1]).read_bytes()
    assert report.updated == [(LESSONS[1], beside.name)] and report.added == ["06-new-lesson.ipynb"]
    text = " ".join(report.lines())
    assert "06-new-lesson.ipynb" in text and beside.name in text and "untouched" in text
    # told once: the next start has nothing new
    assert workspace.sync(mine, source, today=date(2027, 1, 3)).lines()[-1].endswith("up to date).")
    # a second update on the same day gets its own name
    (source / LESSONS[1]).write_text((source / LESSONS[1]).read_text() + " ", encoding="utf-8")
    second = workspace.sync(mine, source, today=date(2027, 1, 2))
    assert second.updated == [(LESSONS[1], beside.name.replace(".ipynb", "-2.ipynb"))]
    assert beside.read_bytes() != (source / LESSONS[1]).read_bytes()


def test_a_file_of_the_learners_with_a_lessons_name_is_kept(tmp_path: Path, source: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / LESSONS[0]).write_text("my own notes", encoding="utf-8")
    report = workspace.sync(mine, source, today=date(2027, 1, 2))
    assert (mine / LESSONS[0]).read_text(encoding="utf-8") == "my own notes"
    assert report.updated and report.updated[0][0] == LESSONS[0]


def test_a_deleted_lesson_comes_back_and_the_learner_is_told(tmp_path: Path, source: Path) -> None:
    mine = tmp_path / "mine"
    workspace.sync(mine, source)
    (mine / LESSONS[2]).unlink()
    report = workspace.sync(mine, source)
    assert report.restored == [LESSONS[2]] and (mine / LESSONS[2]).exists()
    assert "added back" in " ".join(report.lines())


def test_the_tracked_course_is_refused_as_a_learners_folder(source: Path) -> None:
    for folder in (source, source.parent):
        with pytest.raises(TrustkitError, match="course's own files"):
            workspace.sync(folder, source)


def test_an_unreadable_record_is_kept_aside_and_nothing_is_overwritten(
    tmp_path: Path, source: Path
) -> None:
    mine = tmp_path / "mine"
    workspace.sync(mine, source)
    (mine / workspace.MANIFEST).write_text("{broken", encoding="utf-8")
    (mine / LESSONS[0]).write_text("changed by the learner", encoding="utf-8")
    workspace.sync(mine, source)
    assert (mine / LESSONS[0]).read_text(encoding="utf-8") == "changed by the learner"
    assert (mine / f"{workspace.MANIFEST}.unreadable").read_text() == "{broken"


def test_the_default_folder_is_in_home_or_trustkit_course(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TRUSTKIT_COURSE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert workspace.learner_folder() == tmp_path / "trustkit-course"
    monkeypatch.setenv("TRUSTKIT_COURSE", str(tmp_path / "elsewhere"))
    assert workspace.learner_folder() == tmp_path / "elsewhere"
    assert workspace.learner_folder(tmp_path / "named") == tmp_path / "named"


# -- the lab ------------------------------------------------------------------------------------
def _settings(folder: Path) -> tuple[dict, dict]:
    page = json.loads((folder / "page_config.json").read_text(encoding="utf-8"))
    overrides = json.loads((folder / "overrides.json").read_text(encoding="utf-8"))
    return page, overrides


def test_a_learner_sees_no_instructor_tools_and_no_news(tmp_path: Path) -> None:
    page, overrides = _settings(workspace.lab_settings(instructor=False))
    assert {
        "@jupyter/nbgrader:create-assignment",
        "@jupyter/nbgrader:formgrader",
    } <= set(page["disabledExtensions"])
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification == {"fetchNews": "false", "checkForUpdates": False}
    page, overrides = _settings(workspace.lab_settings(instructor=True))
    assert not [e for e in page["disabledExtensions"] if "nbgrader" in e]
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_the_lab_command(tmp_path: Path) -> None:
    (tmp_path / workspace.START).write_text("{}", encoding="utf-8")
    cmd = workspace.lab_command(tmp_path, port=8899, no_browser=True)
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={tmp_path}" in cmd and "--ServerApp.port=8899" in cmd
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--no-browser" in cmd
    assert "--ContentsManager.pre_save_hook=trustkit.workspace.pre_save_hook" in cmd
    assert "--LabApp.news_url=None" in cmd
    assert f"--LabApp.default_url=/lab/tree/{workspace.START}" in cmd
    assert ("--allow-root" in cmd) == (os.geteuid() == 0)
    assert "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=False" in cmd
    teacher = workspace.lab_command(tmp_path, instructor=True)
    assert not [c for c in teacher if "nbgrader" in c] and "--no-browser" not in teacher


def test_trustkit_lab_makes_the_folder_then_starts_jupyterlab_on_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(subprocess, "call", lambda cmd: started.append(cmd) or 0)
    mine = tmp_path / "my-course"
    assert main(["lab", str(mine), "--no-browser", "--port", "8899"]) == 0
    out = capsys.readouterr().out
    assert f"Created your own copy of the course in {mine}" in out
    (cmd,) = started
    assert f"--ServerApp.root_dir={mine}" in cmd and "--ServerApp.port=8899" in cmd
    assert sorted(p.name for p in mine.glob("*.ipynb")) == LESSONS
    started.clear()
    assert main(["lab", "--instructor", "--no-browser"]) == 0
    assert f"--ServerApp.root_dir={COURSE.parent}" in started[0]
    assert "Instructor mode" in capsys.readouterr().out


def test_make_lab_passes_its_args_to_trustkit_lab() -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "-n", "lab", "ARGS=--no-browser --port 8899"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert ".venv/bin/trustkit lab --no-browser --port 8899" in done.stdout


# -- saving -------------------------------------------------------------------------------------
VIEW = {
    "output_type": "display_data",
    "metadata": {},
    "data": {
        "text/plain": "RolePlay (run the cell to use it)",
        "application/vnd.jupyter.widget-view+json": {
            "version_major": 2,
            "version_minor": 0,
            "model_id": "m1",
        },
    },
}
SNAPSHOT = {
    "output_type": "display_data",
    "metadata": {"trustkit": {"snapshot": True}},
    "data": {"text/html": "<div class='tk-snapshot'>work</div>", "text/plain": "work"},
}


def _nb(*outputs: dict) -> dict:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "id": "c", "metadata": {}, "source": "", "outputs": [*outputs]},
            {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "text"},
        ],
    }


def test_saving_drops_the_views_of_course_widgets_and_keeps_their_snapshot() -> None:
    model = {"type": "notebook", "content": _nb(VIEW, SNAPSHOT)}
    workspace.pre_save_hook(model, path="x.ipynb", contents_manager=None)
    assert model["content"]["cells"][0]["outputs"] == [SNAPSHOT]


def test_saving_keeps_other_widgets_and_never_fails() -> None:
    own = {"type": "notebook", "content": _nb(VIEW)}  # a learner's own widget: not ours
    workspace.pre_save_hook(own)
    assert own["content"]["cells"][0]["outputs"] == [VIEW]
    for odd in ({"type": "file", "content": "text"}, {"type": "notebook", "content": None}, {}):
        workspace.pre_save_hook(odd)  # no exception
    broken = {"type": "notebook", "content": {"cells": [{"outputs": "not a list"}, 3]}}
    workspace.pre_save_hook(broken)


def test_the_hook_is_what_jupyter_server_calls(tmp_path: Path) -> None:
    """Through jupyter_server's own FileContentsManager, configured as trustkit lab does."""
    from jupyter_server.services.contents.filemanager import FileContentsManager
    from traitlets.config import Config

    hook = next(a for a in workspace.lab_command(tmp_path) if "pre_save_hook" in a)
    section, value = hook.removeprefix("--").split("=")
    cls, trait = section.split(".")
    cm = FileContentsManager(root_dir=str(tmp_path), config=Config({cls: {trait: value}}))
    cm.save({"type": "notebook", "format": "json", "content": _nb(VIEW, SNAPSHOT)}, "a.ipynb")
    saved = json.loads((tmp_path / "a.ipynb").read_text(encoding="utf-8"))
    assert [list(o["data"]) for o in saved["cells"][0]["outputs"]] == [["text/html", "text/plain"]]


# -- packaging ----------------------------------------------------------------------------------
def test_the_licence_is_an_spdx_string_so_setuptools_prints_no_deprecation_banner() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    licence = meta["project"]["license"]
    assert isinstance(licence, str) and licence == "MIT AND CC-BY-4.0"
    assert meta["project"]["license-files"] == ["LICENSE"]
    assert not [c for c in meta["project"].get("classifiers", []) if c.startswith("License ::")]
    requires = " ".join(meta["build-system"]["requires"])
    assert "setuptools>=77" in requires  # the first setuptools that reads an SPDX licence


def test_the_hub_saves_notebooks_through_the_pre_save_hook() -> None:
    """On JupyterHub too, a reopened exercise shows the saved view, not a widget error."""
    import importlib

    from traitlets.config import Config

    config = Config()
    path = ROOT / "deploy" / "jupyter" / "common" / "jupyter_server_config.py"
    exec(
        compile(path.read_text(encoding="utf-8"), str(path), "exec"), {"get_config": lambda: config}
    )
    hook = config.ContentsManager.pre_save_hook
    module, _, name = hook.rpartition(".")
    assert getattr(importlib.import_module(module), name) is workspace.pre_save_hook
