"""Transcripts survive content fixes: the archive of shipped scenario versions, and replay by hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustkit import versions, work
from trustkit.engine import Encounter, ReplayError, replay
from trustkit.grading import checks
from trustkit.scenario import load, packaged_ids, read_yaml, validate


def test_every_packaged_scenario_has_an_archived_version() -> None:
    for sid in packaged_ids():
        assert versions.archived(sid), f"{sid}: no version archived (run make release)"


def test_the_archive_is_consistent_and_versions_were_bumped() -> None:
    """An archived file holds what its name says; a scenario whose mechanics changed under a
    version number already shipped must bump its version."""
    assert versions.problems() == []


def _archived_other_than_installed() -> tuple[str, object] | None:
    for sid in packaged_ids():
        current = load(sid).content_hash()
        for entry in versions.archived(sid):
            old = versions._load(sid, entry.name)
            if old.content_hash() != current:
                return sid, old
    return None


def _play(sc, n: int = 4) -> dict:
    enc = Encounter(sc, seed=5, mode="assessment")
    for _ in range(n):
        if enc.finished:
            break
        enc.step(enc.options[0].id)
    return enc.transcript()


def test_a_transcript_of_an_earlier_version_replays_against_that_version() -> None:
    found = _archived_other_than_installed()
    if found is None:
        pytest.skip("every archived version has the installed mechanics")
    sid, old = found
    transcript = _play(old)
    enc = replay(transcript)
    assert enc.scenario.content_hash() == transcript["scenario"]["hash"] != load(sid).content_hash()
    assert enc.scenario.version == old.version
    assert [t.option for t in enc.turns] == [t["option"] for t in transcript["turns"]]


def test_the_grader_scores_a_transcript_of_an_earlier_version(tmp_path: Path, capsys) -> None:
    found = _archived_other_than_installed()
    if found is None:
        pytest.skip("every archived version has the installed mechanics")
    sid, old = found
    transcript = _play(old, n=40)
    work.save("roleplay-x", "roleplay", {"scenario": sid, "transcript": transcript}, tmp_path)
    res = checks.roleplay_result("roleplay-x", sid, ["completed"], base=tmp_path)
    assert res.status == "ok" and res.finished, res.message
    capsys.readouterr()


def test_an_unknown_hash_still_fails_with_one_sentence() -> None:
    sc = load("lifestyle-disclosure")
    transcript = _play(sc)
    transcript["scenario"]["hash"] = "0" * 64
    with pytest.raises(ReplayError, match="different mechanics"):
        replay(transcript)
    assert versions.find("lifestyle-disclosure", "0" * 64) is None
    assert versions.find("lifestyle-disclosure", "not a hash") is None
    assert versions.find("no-such-scenario", sc.content_hash()) is None


def test_a_prose_fix_keeps_the_hash(tmp_path: Path) -> None:
    source = load("lifestyle-disclosure")
    raw = Path(str(versions.data_path("scenarios", "lifestyle-disclosure.yaml"))).read_bytes()
    title = source.title.encode()
    edited = raw.replace(title, title + b" (typo fixed)", 1)
    data, lines = read_yaml(edited, "edited.yaml")
    fixed = validate(data, lines, "edited.yaml").scenario
    assert fixed.title != source.title and fixed.content_hash() == source.content_hash()


def test_archiving_adds_new_versions_and_never_overwrites(tmp_path: Path) -> None:
    added = versions.archive_current(["lifestyle-disclosure"], folder=tmp_path)
    assert len(added) == 1
    path = tmp_path / added[0]
    data, lines = read_yaml(path.read_bytes(), str(path))
    kept = validate(data, lines, str(path)).scenario
    assert path.name == f"{kept.version}-{kept.content_hash()}.yaml"
    path.write_text("changed by hand")
    assert versions.archive_current(["lifestyle-disclosure"], folder=tmp_path) == []
    assert path.read_text() == "changed by hand"  # an archived file is never rewritten


def test_a_transcript_finds_its_version_after_the_hash_definition_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Transcripts carry the hash of their day; the archive's file name records it, so a new
    field in the scenario format (a new hash for the same file) does not orphan them."""
    sid = "lifestyle-disclosure"
    old_hash = "ab" * 32  # what the hash of this very file was under an earlier definition
    raw = Path(str(versions.data_path("scenarios", f"{sid}.yaml"))).read_bytes()
    archive = tmp_path / "scenarios" / "archive" / sid
    archive.mkdir(parents=True)
    (archive / f"{load(sid).version}-{old_hash}.yaml").write_bytes(raw)
    real = versions.data_path
    monkeypatch.setattr(
        versions,
        "data_path",
        lambda *p: tmp_path.joinpath(*p) if p[:2] == versions.ARCHIVE else real(*p),
    )
    versions._load.cache_clear()
    try:
        transcript = _play(load(sid))
        transcript["scenario"]["hash"] = old_hash
        enc = replay(transcript)
        assert enc.scenario.content_hash() == old_hash  # and it saves under that hash again
        assert enc.transcript()["scenario"]["hash"] == old_hash
        # make release records the same file under today's hash as well
        added = versions.archive_current([sid])
        assert f"{sid}/{load(sid).version}-{load(sid).content_hash()}.yaml" in added
    finally:
        versions._load.cache_clear()
