"""Saved work: atomic writes, schema versions, corrupt files moved aside and never lost."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from trustkit.errors import TrustkitError
from trustkit.work import (
    SCHEMA_VERSION,
    atomic_write_text,
    list_work,
    load,
    move_aside,
    peek,
    save,
    work_dir,
)


def test_round_trip_and_envelope(tmp_path: Path) -> None:
    path = save("answers-ps01", "answers", {"answers": {"q1": "b"}}, base=tmp_path)
    assert path == tmp_path / "trustkit-work" / "answers-ps01.json"
    doc = json.loads(path.read_text())
    assert doc["schema_version"] == SCHEMA_VERSION and doc["trustkit_work"] == "answers"
    loaded = load("answers-ps01", "answers", base=tmp_path)
    assert loaded.data == {"answers": {"q1": "b"}} and loaded.message is None
    assert loaded.saved_at
    assert list_work(tmp_path) == [path]


def test_missing_is_not_an_error(tmp_path: Path) -> None:
    loaded = load("nothing", "answers", base=tmp_path)
    assert loaded.data is None and loaded.message is None
    assert "missing" in peek("nothing", "answers", base=tmp_path).message


def test_env_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRUSTKIT_WORK_DIR", str(tmp_path / "w"))
    assert work_dir() == tmp_path / "w"
    monkeypatch.delenv("TRUSTKIT_WORK_DIR")
    monkeypatch.chdir(tmp_path)
    assert work_dir() == tmp_path / "trustkit-work"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not valid JSON at line 1"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[1, 2]", "not a trustkit saved-work file"),
        (b'{"schema_version": 99, "trustkit_work": "answers", "data": {}}', "schema version 99"),
        (b'{"schema_version": 1, "trustkit_work": "ratings", "data": {}}', "holds 'ratings'"),
        (b'{"schema_version": 1, "trustkit_work": "answers"}', "data is missing"),
    ],
)
def test_corrupt_file_is_moved_aside_and_kept(tmp_path: Path, content: bytes, reason: str) -> None:
    folder = tmp_path / "trustkit-work"
    folder.mkdir()
    (folder / "a.json").write_bytes(content)
    # a grader's peek never moves anything
    assert reason in peek("a", "answers", base=tmp_path).message
    assert (folder / "a.json").exists()
    loaded = load("a", "answers", base=tmp_path)
    assert loaded.data is None and reason in loaded.message
    assert loaded.moved_to is not None and loaded.moved_to.read_bytes() == content
    assert not (folder / "a.json").exists()
    assert "you can go on" in loaded.message
    # the learner goes on; the moved copy is not listed as work and is never overwritten
    save("a", "answers", {"answers": {}}, base=tmp_path)
    assert loaded.moved_to.read_bytes() == content
    assert list_work(tmp_path) == [folder / "a.json"]


def test_move_aside_never_overwrites(tmp_path: Path) -> None:
    kept = []
    for i in range(3):
        p = tmp_path / "x.json"
        p.write_text(str(i))
        kept.append(move_aside(p))
    assert len(set(kept)) == 3
    assert sorted(k.read_text() for k in kept) == ["0", "1", "2"]


def test_atomic_write_leaves_old_file_on_failure(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "f.json"
    atomic_write_text(target, "old")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]  # no temp file left behind


def test_save_failure_is_one_clear_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "trustkit-work"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(TrustkitError, match="could not be saved"):
        save("k", "answers", {}, base=tmp_path)


@pytest.mark.parametrize("key", ["../escape", "a/b", "", ".hidden", "x" * 200])
def test_bad_keys(tmp_path: Path, key: str) -> None:
    with pytest.raises(TrustkitError, match="not a valid name"):
        save(key, "answers", {}, base=tmp_path)


def test_nothing_is_moved_while_nbgrader_grades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "trustkit-work"
    folder.mkdir()
    bad = folder / "a.json"
    bad.write_bytes(b"{not json")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    loaded = load("a", "answers", base=tmp_path)
    assert loaded.data is None and "left untouched" in loaded.message
    assert loaded.moved_to is None and bad.read_bytes() == b"{not json"
    with pytest.raises(TrustkitError, match="left untouched while it is graded"):
        move_aside(bad)
    assert [p.name for p in folder.iterdir()] == ["a.json"]
