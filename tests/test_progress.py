"""The progress history (SQLite): round trips, migrations, concurrency, damage, CSV and CLI."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import random
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from trustkit.cli import main
from trustkit.debrief import Debrief, debrief
from trustkit.engine import play
from trustkit.progress import CSV_COLUMNS, SCHEMA_VERSION, Attempt, History, RatingRecord

from .conftest import MINI, MINI_GOOD, ROOT


def _played(choices: list[str]) -> tuple[Debrief, dict]:
    enc = play(str(MINI), choices)
    return debrief(enc), enc.transcript()


@pytest.fixture(scope="module")
def good() -> tuple[Debrief, dict]:
    return _played(MINI_GOOD)


@pytest.fixture(scope="module")
def stopped() -> tuple[Debrief, dict]:
    return _played(["closed"])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# record and read back
# ---------------------------------------------------------------------------------------------
def test_default_path_follows_trustkit_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("TRUSTKIT_HOME", str(tmp_path / "elsewhere"))
    assert History().path == tmp_path / "elsewhere" / "progress.sqlite"
    monkeypatch.delenv("TRUSTKIT_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert History().path == tmp_path / "home" / ".trustkit" / "progress.sqlite"


def test_reading_a_missing_history_creates_nothing(tmp_path: Path) -> None:
    h = History(tmp_path / "none" / "progress.sqlite")
    assert h.attempts() == [] and h.ratings() == [] and h.counts() == (0, 0)
    assert h.summary()["attempts"] == 0
    assert h.last_error is None
    assert not (tmp_path / "none").exists()


def test_record_attempt_and_read_back(tmp_path: Path, good, stopped) -> None:
    h = History(tmp_path / "p.sqlite")
    d, transcript = good
    first = h.record_attempt(d, transcript=transcript)
    assert first == 1 and h.last_error is None
    assert h.record_attempt(stopped[0], transcript=stopped[1], source="cli") == 2
    [a, b] = h.attempts()
    assert isinstance(a, Attempt)
    assert (a.id, a.scenario_id, a.title) == (1, "mini-cough", d.title)
    assert (a.ending_id, a.ending_quality, a.turns) == ("good-end", "good", 5)
    assert a.trust_start == pytest.approx(52.5) and a.trust_end == pytest.approx(63.0)
    assert a.adherence == pytest.approx(d.adherence, abs=1e-4)
    assert a.skills["open_question"] == 100.0 and a.skills["closed_question"] is None
    assert (a.facts_disclosed, a.facts_total, a.opps_met, a.opps_total) == (2, 2, 3, 3)
    assert a.transcript == transcript
    assert a.source == "widget" and b.source == "cli"
    assert b.ending_id is None and b.ending_quality is None and b.turns == 1
    assert a.finished_at <= b.finished_at and a.finished_at.endswith("+00:00")
    assert [x.id for x in h.attempts("mini-cough")] == [1, 2]
    assert h.attempts("another") == []
    assert h.attempts(transcripts=False)[0].transcript == {}


def test_ratings_and_summary(tmp_path: Path, good, stopped) -> None:
    h = History(tmp_path / "p.sqlite")
    h.record_attempt(*good[:1], transcript=good[1])
    h.record_attempt(stopped[0], transcript=stopped[1])
    assert h.record_rating("item-1", "quality", 3, 4) == 1
    assert h.record_rating("item-2", "quality", 1, 4, set_name="week-2") == 2
    assert h.record_rating("item-3", "empathy_level", None, 4) == 3  # skipped: not compared
    rs = h.ratings()
    assert [type(r) for r in rs] == [RatingRecord] * 3
    assert (rs[0].item_id, rs[0].field, rs[0].learner, rs[0].reference) == (
        "item-1",
        "quality",
        3.0,
        4.0,
    )
    assert rs[0].difference == 1.0 and rs[2].difference is None
    assert [r.item_id for r in h.ratings("week-2")] == ["item-2"]

    s = h.summary()
    assert h.last_error is None
    assert (s["attempts"], s["ratings"], s["schema_version"]) == (2, 3, SCHEMA_VERSION)
    [sc] = s["scenarios"]
    assert sc["scenario_id"] == "mini-cough" and sc["attempts"] == 2
    assert sc["first_trust"] == pytest.approx(63.0) and sc["best_trust"] == pytest.approx(63.0)
    assert sc["latest_trust"] == pytest.approx(52.75) and sc["latest_quality"] is None
    skills = s["skills"]
    assert skills["first"]["open_question"] == 100.0 and skills["latest"]["open_question"] == 0.0
    assert skills["change"]["open_question"] == -100.0
    assert skills["declining"] == ["open_question"] and skills["improving"] == []
    assert "judgmental" in skills["steady"] and "empathy" in skills["scored_once"]
    assert "closed_question" not in skills["first"]  # neutral skills have no score
    ag = s["agreement"]
    assert ag["overall"] == {"n": 2, "mean_abs_diff": 2.0, "within_1_pct": 50.0}
    assert len(ag["by_day"]) == 1 and ag["by_day"][0]["n"] == 2
    assert {r["set_name"]: r["mean_abs_diff"] for r in ag["by_set"]} == {
        "default": 1.0,
        "week-2": 3.0,
    }
    json.dumps(s)  # JSON-ready


def test_bad_input_is_reported_not_raised(tmp_path: Path, good) -> None:
    h = History(tmp_path / "p.sqlite")
    assert h.record_rating("item-1", "quality", "four", 4) is None  # type: ignore[arg-type]
    assert "item-1" in (h.last_error or "")
    assert h.record_attempt(good[0], transcript="not a dict") is None  # type: ignore[arg-type]
    assert "transcript" in (h.last_error or "")
    assert h.record_attempt(object(), transcript={}) is None
    assert h.last_error
    assert h.counts() == (0, 0)


# ---------------------------------------------------------------------------------------------
# schema versions
# ---------------------------------------------------------------------------------------------
V1_SCHEMA = """
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, scenario_id TEXT NOT NULL, title TEXT NOT NULL,
    finished_at TEXT NOT NULL, ending_id TEXT, ending_quality TEXT, turns INTEGER NOT NULL,
    trust_start REAL NOT NULL, trust_end REAL NOT NULL, adherence REAL,
    skills TEXT NOT NULL DEFAULT '{}', facts_disclosed INTEGER NOT NULL DEFAULT 0,
    facts_total INTEGER NOT NULL DEFAULT 0, opps_met INTEGER NOT NULL DEFAULT 0,
    opps_total INTEGER NOT NULL DEFAULT 0, transcript TEXT NOT NULL DEFAULT '{}');
CREATE TABLE ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT, set_name TEXT NOT NULL, item_id TEXT NOT NULL,
    field TEXT NOT NULL, learner REAL, reference REAL, rated_at TEXT NOT NULL);
INSERT INTO attempts (scenario_id, title, finished_at, ending_id, ending_quality, turns,
    trust_start, trust_end, adherence, skills, transcript)
VALUES ('old-one', 'An old attempt', '2024-01-02T03:04:05.000+00:00', 'ok-end', 'mixed', 4,
    50, 61.5, 0.4, '{"empathy": 50.0, "closed_question": null}', '{"turns": []}');
INSERT INTO ratings (set_name, item_id, field, learner, reference, rated_at)
VALUES ('default', 'b-1', 'quality', 2, 3, '2024-01-02T03:05:00.000+00:00');
PRAGMA user_version = 1;
"""


def test_old_schema_is_migrated_and_keeps_its_data(tmp_path: Path, good) -> None:
    path = tmp_path / "progress.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.close()
    assert _user_version(path) == 1

    h = History(path)
    [old] = h.attempts()
    assert h.last_error is None
    assert (old.scenario_id, old.trust_end, old.source) == ("old-one", 61.5, "widget")
    assert old.skills == {"empathy": 50.0, "closed_question": None}
    assert old.transcript == {"turns": []}
    assert _user_version(path) == SCHEMA_VERSION
    conn = sqlite3.connect(path)
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert {"attempts_by_scenario", "attempts_by_time", "ratings_by_set"} <= indexes
    assert mode == "wal"
    assert h.record_attempt(good[0], transcript=good[1]) == 2
    assert [a.scenario_id for a in h.attempts()] == ["old-one", "mini-cough"]
    assert h.summary()["agreement"]["overall"]["n"] == 1


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_newer_schema_is_refused_and_never_altered(tmp_path: Path, good, journal: str) -> None:
    path = tmp_path / "progress.sqlite"
    h = History(path)
    assert h.record_attempt(good[0], transcript=good[1]) == 1
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = _digest(path)
    files_before = sorted(p.name for p in tmp_path.iterdir())

    h = History(path)
    assert h.record_attempt(good[0], transcript=good[1]) is None
    assert "newer trustkit" in (h.last_error or "") and "untouched" in (h.last_error or "")
    assert h.record_rating("b-1", "quality", 1, 2) is None and h.last_error
    h.reset()
    assert "newer trustkit" in (h.last_error or "")
    # reading stays possible (read-only) where the columns are still there
    assert [a.id for a in h.attempts()] == [1]
    assert h.read_only
    assert h.summary()["attempts"] == 1

    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before
    assert _user_version(path) == 99


# ---------------------------------------------------------------------------------------------
# two processes, locks, damage
# ---------------------------------------------------------------------------------------------
PER_WRITER = 200


def _writer(path: str, tag: str, start: multiprocessing.synchronize.Barrier) -> None:
    d, _ = _played(["closed"])
    h = History(path, timeout=30)
    start.wait(30)
    failures = 0
    for i in range(PER_WRITER):
        if h.record_attempt(d, transcript={"writer": tag, "i": i}, source=tag) is None:
            failures += 1
            print(h.last_error, file=sys.stderr)
        time.sleep(0.002)  # give the scheduler a chance to interleave the writers on a busy machine
    sys.exit(min(failures, 100))


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite"
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)  # both children are ready before either writes
    procs = [ctx.Process(target=_writer, args=(str(path), t, start)) for t in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
    assert [p.exitcode for p in procs] == [0, 0]
    h = History(path)
    rows = h.attempts()
    assert h.last_error is None
    assert len(rows) == 2 * PER_WRITER
    seen = {(a.transcript["writer"], a.transcript["i"]) for a in rows}
    assert seen == {(t, i) for t in ("a", "b") for i in range(PER_WRITER)}
    assert len({a.id for a in rows}) == 2 * PER_WRITER
    sources = [a.source for a in sorted(rows, key=lambda a: a.id)]
    assert sources.count("a") == sources.count("b") == PER_WRITER
    switches = sum(1 for x, y in zip(sources, sources[1:], strict=False) if x != y)
    assert switches > 1, "the two writers did not overlap, so this test proved nothing"


def _lock(path: Path) -> sqlite3.Connection:
    """A second connection that holds the write lock (another program writing), until closed."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    other.execute(
        "INSERT INTO ratings (set_name, item_id, field, rated_at) VALUES ('x', 'y', 'z', 't')"
    )
    return other


def _unlock(other: sqlite3.Connection) -> None:
    other.execute("ROLLBACK")
    other.close()


def test_a_locked_database_keeps_writes_in_the_journal(tmp_path: Path, good) -> None:
    path = tmp_path / "progress.sqlite"
    h = History(path, timeout=0.3)
    assert h.record_attempt(good[0], transcript=good[1]) == 1
    other = _lock(path)
    try:
        assert h.record_attempt(good[0], transcript=good[1]) is None
        error = h.last_error or ""
        assert "busy" in error and f"this attempt is kept in {h.pending_dir}" in error
        assert h.pending == 1
        assert h.record_rating("b-1", "quality", 1, 2) is None and "this rating" in h.last_error
        assert h.pending == 2
        h.reset()
        assert "busy" in (h.last_error or "") and "nothing was deleted" in (h.last_error or "")
        assert h.pending == 2  # a reset that failed keeps nothing and removes nothing
        assert [a.id for a in h.attempts()] == [1]  # WAL: reading goes on meanwhile
        assert h.last_error is None and "2 attempt(s) or rating(s) wait" in (h.notice or "")
    finally:
        _unlock(other)
    # the next write adds what was kept first, then its own attempt
    assert h.record_attempt(good[0], transcript=good[1]) == 3
    assert h.last_error is None and h.pending == 0 and not h.pending_dir.exists()
    assert h.counts() == (3, 1)
    assert [r.learner for r in h.ratings()] == [1.0]


def test_an_attempt_made_during_a_lock_is_recorded_once_the_lock_is_gone(
    tmp_path: Path, good, stopped
) -> None:
    path = tmp_path / "progress.sqlite"
    h = History(path, timeout=0.2)
    assert h.record_attempt(good[0], transcript=good[1]) == 1
    other = _lock(path)
    try:
        assert h.record_attempt(stopped[0], transcript=stopped[1], source="cli") is None
    finally:
        _unlock(other)
    # a read - here by another kernel's History, such as the dashboard's - adds it
    rows = History(path).attempts()
    assert [(a.id, a.ending_id, a.source) for a in rows] == [
        (1, "good-end", "widget"),
        (2, None, "cli"),
    ]
    assert rows[1].transcript == stopped[1]
    assert rows[0].finished_at < rows[1].finished_at
    assert not h.pending_dir.exists() and h.pending == 0


def test_a_pending_row_is_added_only_once(tmp_path: Path, good) -> None:
    path = tmp_path / "progress.sqlite"
    h = History(path, timeout=0.2)
    assert h.record_attempt(good[0], transcript=good[1]) == 1
    other = _lock(path)
    try:
        assert h.record_attempt(good[0], transcript=good[1]) is None
        assert h.record_rating("b-1", "quality", None, 3) is None
    finally:
        _unlock(other)
    kept = {p.name: p.read_bytes() for p in h.pending_dir.iterdir()}
    assert len(kept) == 2
    assert h.counts() == (2, 1)
    # as if a kernel died between its commit and removing the files, or two added them at once
    h.pending_dir.mkdir()
    for name, data in kept.items():
        (h.pending_dir / name).write_bytes(data)
    assert h.counts() == (2, 1) and h.pending == 0
    assert h.record_rating("b-1", "quality", None, 3) == 2  # a real second rating is recorded


def test_an_unreadable_pending_file_is_kept_and_skipped(tmp_path: Path, good) -> None:
    path = tmp_path / "progress.sqlite"
    h = History(path)
    h.pending_dir.mkdir(parents=True)
    (h.pending_dir / "a.json").write_text("{not json", encoding="utf-8")
    wrong = json.dumps({"trustkit_pending": "attempts", "row": [1, 2]})
    (h.pending_dir / "b.json").write_text(wrong, encoding="utf-8")
    refused = json.dumps({"trustkit_pending": "ratings", "row": [None, "i", "f", 1, 2, "t"]})
    (h.pending_dir / "c.json").write_text(refused, encoding="utf-8")  # set_name is NOT NULL
    assert h.record_attempt(good[0], transcript=good[1]) == 1
    assert h.last_error is None and h.counts() == (1, 0)
    assert sorted(p.name for p in h.pending_dir.iterdir()) == [
        "a.unreadable",
        "b.unreadable",
        "c.unreadable",
    ]
    assert (h.pending_dir / "b.unreadable").read_text(encoding="utf-8") == wrong
    assert h.record_rating("b-1", "quality", 1, 2) == 1


def test_nothing_is_kept_for_bad_input(tmp_path: Path, good) -> None:
    h = History(tmp_path / "p.sqlite", timeout=0.1)
    assert h.record_attempt(good[0], transcript="nope") is None  # type: ignore[arg-type]
    assert h.record_rating("b-1", "quality", "four", 4) is None  # type: ignore[arg-type]
    assert not h.pending_dir.exists()


# ---------------------------------------------------------------------------------------------
# a history that cannot be written, and one restored from `sqlite3 .dump`
# ---------------------------------------------------------------------------------------------
# Run as an unprivileged user (root writes through any file mode): everything the child needs
# is imported while it is still root, then it gives up root for good.
_READ_ONLY_CHILD = r"""
import contextlib, io, json, os, sys
import trustkit.debrief, trustkit.engine, trustkit.work
from trustkit.cli import build_parser, main
build_parser()  # imports every command's module
from trustkit.progress import History
if os.geteuid() == 0:
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
h = History(sys.argv[1])
out = {"ids": [a.id for a in h.attempts()], "error": h.last_error,
       "notice": getattr(h, "notice", None), "read_only": h.read_only,
       "summary": h.summary()["attempts"], "counts": h.counts()}
out["rating"] = h.record_rating("b-1", "quality", 1, 2)
out["write_error"] = h.last_error
err = io.StringIO()
with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()) as so:
    out["cli_code"] = main(["progress"])
out["cli_err"], out["cli_out"] = err.getvalue(), so.getvalue()
print(json.dumps(out))
"""


@pytest.fixture
def shared_dir():
    """A folder an unprivileged child can reach (pytest's tmp_path is private to root)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="trustkit-ro-"))
    folder.chmod(0o755)
    yield folder
    for p in [folder, *folder.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    shutil.rmtree(folder)


def _read_only_child(path: Path) -> dict:
    import os
    import subprocess

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "TRUSTKIT_HOME": str(path.parent),
        "HOME": str(path.parent),
        "MPLBACKEND": "Agg",
    }
    result = subprocess.run(
        [sys.executable, "-c", _READ_ONLY_CHILD, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("what", "journal"), [("file", "wal"), ("file", "delete"), ("folder", "wal")]
)
def test_a_read_only_history_is_read_and_left_untouched(
    shared_dir: Path, good, stopped, what: str, journal: str
) -> None:
    import os

    folder = shared_dir / "home"
    path = folder / "progress.sqlite"
    h = History(path)
    h.record_attempt(good[0], transcript=good[1])
    h.record_attempt(stopped[0], transcript=stopped[1])
    h.record_rating("b-1", "quality", 2, 3)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA journal_mode = {journal}")  # "delete": as copied back from a backup
    conn.close()
    assert sorted(p.name for p in folder.iterdir()) == ["progress.sqlite"]
    before = _digest(path)
    path.chmod(0o444)
    folder.chmod(0o777 if what == "file" else 0o555)
    if os.geteuid() != 0 and what == "file":
        folder.chmod(0o755)
    try:
        got = _read_only_child(path)
    finally:
        folder.chmod(0o755)
    assert got["ids"] == [1, 2] and got["summary"] == 2 and got["counts"] == [2, 1]
    assert got["error"] is None and got["read_only"] is True
    assert "is read-only" in got["notice"] and "nothing new is recorded" in got["notice"]
    assert got["rating"] is None
    write_error = got["write_error"]
    assert write_error.startswith(f"{path} is read-only (the file or its folder cannot be written)")
    assert "\n" not in write_error and write_error.endswith(".")  # one sentence
    assert got["cli_code"] == 0 and "Attempts: 2" in got["cli_out"]
    assert got["cli_err"].count("\n") == 1 and "trustkit: note:" in got["cli_err"]
    assert "read-only" in got["cli_err"]
    assert _digest(path) == before  # not a byte changed
    path.chmod(0o644)
    if what == "folder":
        assert "not recorded" in write_error and "make it writable" in write_error
        assert sorted(p.name for p in folder.iterdir()) == ["progress.sqlite"]
        assert History(path).counts() == (2, 1)
    else:
        # the folder could be written: the rating waited in the journal, and now it is added
        assert f"this rating is kept in {h.pending_dir}" in write_error
        assert History(path).counts() == (2, 2)
        assert not h.pending_dir.exists()


def _dump(path: Path, drop_indexes: bool = False) -> str:
    """What `sqlite3 FILE .dump` writes: the tables, rows and indexes, not the user_version."""
    conn = sqlite3.connect(path)
    try:
        lines = list(conn.iterdump())
    finally:
        conn.close()
    assert not any("user_version" in line for line in lines)
    if drop_indexes:
        lines = [line for line in lines if not line.startswith("CREATE INDEX")]
    return "\n".join(lines)


def _restore(script: str, path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(script)
    conn.close()
    assert _user_version(path) == 0


@pytest.mark.parametrize("drop_indexes", [False, True])
def test_a_history_restored_from_a_dump_is_recognised_and_repaired(
    tmp_path: Path, good, stopped, drop_indexes: bool
) -> None:
    old = History(tmp_path / "old.sqlite")
    old.record_attempt(good[0], transcript=good[1])
    old.record_attempt(stopped[0], transcript=stopped[1])
    old.record_rating("b-1", "quality", 2, 3)
    path = tmp_path / "restored.sqlite"
    _restore(_dump(old.path, drop_indexes), path)

    h = History(path)
    rows = h.attempts()
    assert h.last_error is None
    assert [a.ending_id for a in rows] == ["good-end", None] and rows[0].transcript == good[1]
    assert f"recognised as version {SCHEMA_VERSION}" in (h.notice or "")
    assert _user_version(path) == SCHEMA_VERSION
    conn = sqlite3.connect(path)
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    conn.close()
    assert {"attempts_by_scenario", "attempts_by_time", "ratings_by_set"} <= indexes
    assert h.record_attempt(good[0], transcript=good[1]) == 3
    assert h.counts() == (3, 1) and h.notice is None


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 shell is not installed")
def test_a_history_restored_with_the_sqlite3_shell_is_repaired(tmp_path: Path, good) -> None:
    import subprocess

    old = History(tmp_path / "old.sqlite")
    old.record_attempt(good[0], transcript=good[1])
    old.record_rating("b-1", "quality", 2, 3)
    dump = subprocess.run(
        ["sqlite3", str(old.path), ".dump"], capture_output=True, text=True, check=True
    ).stdout
    path = tmp_path / "progress.sqlite"
    subprocess.run(["sqlite3", str(path)], input=dump, text=True, check=True)
    assert _user_version(path) == 0
    h = History(path)
    assert h.counts() == (1, 1) and h.last_error is None and "repaired" in (h.notice or "")
    assert h.record_attempt(good[0], transcript=good[1]) == 2


def test_a_version_1_history_restored_from_a_dump_is_migrated(tmp_path: Path, good) -> None:
    path = tmp_path / "progress.sqlite"
    _restore(V1_SCHEMA.replace("PRAGMA user_version = 1;", ""), path)
    h = History(path)
    assert h.record_attempt(good[0], transcript=good[1]) == 2
    assert h.last_error is None and "recognised as version 1" in (h.notice or "")
    assert [(a.scenario_id, a.source) for a in h.attempts()] == [
        ("old-one", "widget"),
        ("mini-cough", "widget"),
    ]
    assert _user_version(path) == SCHEMA_VERSION


def test_a_database_that_is_not_a_history_is_left_untouched(tmp_path: Path, good) -> None:
    path = tmp_path / "progress.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);")
    conn.close()
    before = _digest(path)
    h = History(path)
    assert h.attempts() == []
    assert "not a trustkit progress history (notes)" in (h.last_error or "")
    assert h.record_attempt(good[0], transcript=good[1]) is None
    assert "left untouched" in (h.last_error or "")
    assert _digest(path) == before and _user_version(path) == 0


def _random_bytes(n: int) -> bytes:
    return random.Random(4).randbytes(n)


@pytest.mark.parametrize("first_call", ["write", "read"])
def test_a_corrupt_file_is_moved_aside_and_a_fresh_history_starts(
    tmp_path: Path, good, first_call: str
) -> None:
    path = tmp_path / "progress.sqlite"
    junk = _random_bytes(8192)
    path.write_bytes(junk)
    h = History(path)
    if first_call == "write":
        assert h.record_attempt(good[0], transcript=good[1]) == 1
    else:
        assert h.summary()["attempts"] == 0
    assert h.moved_to is not None and h.moved_to.exists()
    assert h.moved_to.read_bytes() == junk  # kept, untouched
    assert h.moved_to.name in (h.last_error or "") and "fresh" in (h.last_error or "")
    assert h.record_attempt(good[0], transcript=good[1]) == (2 if first_call == "write" else 1)
    assert h.last_error is None and h.moved_to is None
    assert _user_version(path) == SCHEMA_VERSION


def test_a_malformed_database_is_moved_aside(tmp_path: Path, good) -> None:
    path = tmp_path / "progress.sqlite"
    h = History(path)
    for _ in range(30):
        h.record_attempt(good[0], transcript=good[1])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = delete")
    conn.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 4 * 4096
    data[4096:] = _random_bytes(len(data) - 4096)  # keep the header, scramble every page
    path.write_bytes(bytes(data))
    assert h.attempts() == []
    assert h.moved_to is not None and h.moved_to.read_bytes() == bytes(data)
    assert h.record_attempt(good[0], transcript=good[1]) == 1


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------
def test_export_csv(tmp_path: Path, good, stopped) -> None:
    h = History(tmp_path / "p.sqlite")
    assert h.export_csv(tmp_path / "empty.csv") == 0
    assert (tmp_path / "empty.csv").read_text(encoding="utf-8").strip() == ",".join(CSV_COLUMNS)
    h.record_attempt(good[0], transcript=good[1])
    h.record_attempt(stopped[0], transcript=stopped[1])
    out = tmp_path / "sub" / "attempts.csv"
    assert h.export_csv(out) == 2
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[: len(CSV_COLUMNS)] == list(CSV_COLUMNS)
    assert "skill:open_question" in rows[0] and "transcript" not in rows[0]
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[0]["ending_quality"] == "good" and rows[1]["ending_quality"] == ""
    assert float(rows[0]["trust_end"]) == 63.0 and rows[0]["turns"] == "5"
    assert rows[0]["skill:open_question"] == "100.0" and rows[1]["skill:open_question"] == "0.0"
    assert rows[0]["skill:closed_question"] == ""
    assert h.export_csv(tmp_path) is None  # a folder: reported, not raised
    assert h.last_error


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------
def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, good, stopped) -> Path:
    folder = tmp_path / "learner-home"
    monkeypatch.setenv("TRUSTKIT_HOME", str(folder))
    h = History()
    h.record_attempt(good[0], transcript=good[1])
    h.record_attempt(stopped[0], transcript=stopped[1])
    h.record_rating("b-1", "quality", 2, 3)
    return folder


def test_cli_summary(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, out, err = run(capsys, "progress")
    assert code == 0 and err == ""
    assert str(home / "progress.sqlite") in out
    assert "Attempts: 2 in 1 scenario(s)" in out
    assert "mini-cough" in out and "53" in out  # latest trust 52.75
    assert "Declining: open_question" in out
    assert "1 rating(s)" in out and "100% within 1 point" in out


def test_cli_summary_json(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, out, _ = run(capsys, "progress", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["attempts"] == 2 and data["ratings"] == 1
    assert data["path"] == str(home / "progress.sqlite")
    assert data["scenarios"][0]["latest_trust"] == pytest.approx(52.75)


def test_cli_empty_history(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "progress")
    assert code == 0 and "No attempts or ratings recorded yet" in out


def test_cli_export(capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    code, out, _ = run(capsys, "progress", "--export", str(target))
    assert code == 0 and "Exported 2 attempt(s)" in out
    assert len(target.read_text(encoding="utf-8").splitlines()) == 3
    code, out, _ = run(capsys, "progress", "--export", str(tmp_path), "--json")
    assert code == 1


@pytest.mark.parametrize("answer", ["n\n", "", "maybe\n", "\n"])
def test_cli_reset_cancelled(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path, answer: str
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(answer))
    code, out, _ = run(capsys, "progress", "--reset")
    assert code == 0
    assert f"Delete 2 attempts and 1 ratings from {home / 'progress.sqlite'}? [y/N]" in out
    assert "Nothing deleted." in out
    assert History().counts() == (2, 1)


@pytest.mark.parametrize("answer", ["y\n", "YES\n"])
def test_cli_reset_confirmed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path, answer: str
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(answer))
    code, out, _ = run(capsys, "progress", "--reset")
    assert code == 0 and "Deleted 2 attempts and 1 ratings" in out
    assert History().counts() == (0, 0)


def test_cli_reset_yes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, out, _ = run(capsys, "progress", "--reset", "--yes")
    assert code == 0 and "Deleted 2 attempts and 1 ratings" in out and "[y/N]" not in out
    assert History().counts() == (0, 0)
    code, out, _ = run(capsys, "progress", "--reset", "--yes")
    assert code == 0 and "Nothing to delete" in out


def test_cli_errors_are_one_line(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, _, err = run(capsys, "progress", "--yes")
    assert code == 1 and err.count("\n") == 1 and err.startswith("trustkit: ")
    code, _, err = run(capsys, "progress", "--reset", "--export", "x.csv")
    assert code == 1 and err.count("\n") == 1
    conn = sqlite3.connect(home / "progress.sqlite")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    code, _, err = run(capsys, "progress", "--reset", "--yes")
    assert code == 1 and "newer trustkit" in err and err.count("\n") == 1
    code, out, _ = run(capsys, "progress")  # still readable
    assert code == 0 and "Attempts: 2" in out


def test_cli_notes_a_moved_aside_history(capsys: pytest.CaptureFixture[str]) -> None:
    path = History().path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_random_bytes(5000))
    code, out, err = run(capsys, "progress")
    assert code == 0 and "No attempts" in out
    assert "note:" in err and "kept as" in err


def test_cli_notes_attempts_waiting_in_the_journal(
    capsys: pytest.CaptureFixture[str], home: Path, good
) -> None:
    path = home / "progress.sqlite"
    h = History(path, timeout=0.1)
    other = _lock(path)
    try:
        assert h.record_attempt(good[0], transcript=good[1]) is None
        code, out, err = run(capsys, "progress")
        assert code == 0 and "Attempts: 2" in out
        assert err.count("\n") == 1
        assert err.startswith("trustkit: note: 1 attempt(s) or rating(s) wait in")
    finally:
        _unlock(other)
    code, out, err = run(capsys, "progress")
    assert code == 0 and "Attempts: 3" in out and err == ""


def test_cli_repairs_a_history_restored_from_a_dump(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    path = home / "progress.sqlite"
    script = _dump(path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    _restore(script, path)
    code, out, err = run(capsys, "progress")
    assert code == 0 and "Attempts: 2" in out
    assert err.count("\n") == 1 and "recognised as version" in err and "repaired" in err
    code, out, err = run(capsys, "progress")
    assert code == 0 and err == ""


def test_skill_summary_without_sqlite_json_functions(tmp_path: Path, good, stopped) -> None:
    """Some SQLite builds lack json_each: the Python fallback must give the same answer."""
    from trustkit.progress import _first_latest_skills

    h = History(tmp_path / "p.sqlite")
    h.record_attempt(good[0], transcript=good[1])
    h.record_attempt(stopped[0], transcript=stopped[1])
    conn = sqlite3.connect(h.path)
    with_json = _first_latest_skills(conn)

    class NoJson:
        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
            if "json_each" in sql:
                raise sqlite3.OperationalError("no such table: json_each")
            return conn.execute(sql, *args)

    try:
        assert _first_latest_skills(NoJson()) == with_json  # type: ignore[arg-type]
    finally:
        conn.close()
    assert with_json[0]["open_question"] == 100.0 and with_json[1]["open_question"] == 0.0
    assert with_json[2]["open_question"] == 2
