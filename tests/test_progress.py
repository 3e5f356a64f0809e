"""The progress history (SQLite): round trips, migrations, concurrency, damage, CSV and CLI."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import random
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from trustkit.cli import main
from trustkit.debrief import Debrief, debrief
from trustkit.engine import play
from trustkit.progress import CSV_COLUMNS, SCHEMA_VERSION, Attempt, History, RatingRecord

from .conftest import MINI, MINI_GOOD


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


def test_a_locked_database_makes_writes_return_none(tmp_path: Path, good) -> None:
    path = tmp_path / "progress.sqlite"
    h = History(path, timeout=0.3)
    assert h.record_attempt(good[0], transcript=good[1]) == 1
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        other.execute(
            "INSERT INTO ratings (set_name, item_id, field, rated_at) VALUES ('x', 'y', 'z', 't')"
        )
        assert h.record_attempt(good[0], transcript=good[1]) is None
        assert "busy" in (h.last_error or "") and "not recorded" in (h.last_error or "")
        assert h.record_rating("b-1", "quality", 1, 2) is None and h.last_error
        h.reset()
        assert h.last_error
        assert [a.id for a in h.attempts()] == [1]  # WAL: reading goes on meanwhile
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert h.record_attempt(good[0], transcript=good[1]) == 2
    assert h.last_error is None
    assert h.counts() == (2, 0)


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
