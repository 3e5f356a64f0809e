"""The learner's progress history: an embedded SQLite database (standard library only).

``$TRUSTKIT_HOME/progress.sqlite`` (default ``~/.trustkit/progress.sqlite``) keeps every
finished role-play attempt and every rating a learner gave against a reference rating, so the
dashboard can show how trust and skills change over time.

Rules (a notebook must never crash because of its history, and nothing may be lost):

- WAL mode, a busy timeout, short ``BEGIN IMMEDIATE`` transactions and a retry on
  ``database is locked``: two kernels (two processes) can record at the same time;
- public methods never raise: a write returns ``None`` and a read returns empty results, and
  :attr:`History.last_error` holds one clear sentence saying what went wrong;
  :attr:`History.notice` says, in one sentence, what the learner should know that is not an
  error (read-only, repaired, rows waiting);
- a finished attempt or rating that cannot be written (the database busy beyond the timeout,
  or read-only) is kept in the pending journal ``<database>.pending/`` (one JSON file each,
  written atomically) and added by the next call that can write - a read tries too - unless
  the database already holds it: no attempt is lost to a transient lock;
- a history that cannot be written (a read-only file or folder) is still read, untouched
  (``mode=ro``, or ``immutable=1`` for a WAL database in a read-only folder);
- a damaged file (not a database, or malformed) is moved aside with
  :func:`trustkit.work.move_aside` - kept, never deleted - and a fresh history is started;
  :attr:`History.last_error` says where the old one was kept;
- the schema is versioned (``PRAGMA user_version``) and migrated in order by
  :data:`MIGRATIONS`; a database written by a newer trustkit is only ever opened read-only and
  is never altered; a database that lost its version (restored with ``sqlite3 .dump``) but has
  every table and column of a version is recognised as that version and repaired; tables that
  are not a trustkit history are refused, untouched.

Skill scores are stored as JSON text; summaries aggregate in SQL (``json_each``) so that
10,000 attempts summarise in well under a second.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import os
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from trustkit.csvsafe import safe_row
from trustkit.errors import TrustkitError

T = TypeVar("T")

DB_NAME = "progress.sqlite"

# Ordered schema migrations: MIGRATIONS[i] takes a database from version i to version i + 1.
# Never edit a released entry; append a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: attempts and ratings
    """
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        scenario_id TEXT NOT NULL,
        title TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        ending_id TEXT,
        ending_quality TEXT,
        turns INTEGER NOT NULL,
        trust_start REAL NOT NULL,
        trust_end REAL NOT NULL,
        adherence REAL,
        skills TEXT NOT NULL DEFAULT '{}',
        facts_disclosed INTEGER NOT NULL DEFAULT 0,
        facts_total INTEGER NOT NULL DEFAULT 0,
        opps_met INTEGER NOT NULL DEFAULT 0,
        opps_total INTEGER NOT NULL DEFAULT 0,
        transcript TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        set_name TEXT NOT NULL,
        item_id TEXT NOT NULL,
        field TEXT NOT NULL,
        learner REAL,
        reference REAL,
        rated_at TEXT NOT NULL
    );
    """,
    # 2: where an attempt came from, and the indexes the dashboard queries use
    """
    ALTER TABLE attempts ADD COLUMN source TEXT NOT NULL DEFAULT 'widget';
    CREATE INDEX attempts_by_scenario ON attempts (scenario_id, finished_at);
    CREATE INDEX attempts_by_time ON attempts (finished_at);
    CREATE INDEX ratings_by_set ON ratings (set_name, rated_at);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

# A skill whose score moved by more than this many points (0-100) is improving or declining.
CHANGE_THRESHOLD = 5.0

# CSV columns written by export_csv (one row per attempt), then one `skill:<code>` column per
# skill seen in the history. The transcript is not exported (it is large and already saved in
# trustkit-work/).
CSV_COLUMNS = (
    "id",
    "scenario_id",
    "title",
    "finished_at",
    "ending_id",
    "ending_quality",
    "turns",
    "trust_start",
    "trust_end",
    "adherence",
    "facts_disclosed",
    "facts_total",
    "opps_met",
    "opps_total",
    "source",
)

_ATTEMPT_COLUMNS = (
    "id, scenario_id, title, finished_at, ending_id, ending_quality, turns, trust_start, "
    "trust_end, adherence, skills, facts_disclosed, facts_total, opps_met, opps_total, source"
)


def default_path() -> Path:
    """``$TRUSTKIT_HOME/progress.sqlite``, else ``~/.trustkit/progress.sqlite``."""
    home = os.environ.get("TRUSTKIT_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".trustkit"
    return base / DB_NAME


def now_iso() -> str:
    """The current UTC time as sortable ISO 8601 text, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Attempt:
    """One recorded role-play attempt. Trust values are overall trust (0-100)."""

    id: int
    scenario_id: str
    title: str
    finished_at: str
    ending_id: str | None
    ending_quality: str | None
    turns: int
    trust_start: float
    trust_end: float
    adherence: float | None
    skills: dict[str, float | None]
    facts_disclosed: int
    facts_total: int
    opps_met: int
    opps_total: int
    transcript: dict[str, Any] = field(default_factory=dict)
    source: str = "widget"


@dataclass(frozen=True)
class RatingRecord:
    """One rating the learner gave to a bank item, next to the reference rating."""

    id: int
    set_name: str
    item_id: str
    field: str
    learner: float | None
    reference: float | None
    rated_at: str

    @property
    def difference(self) -> float | None:
        """``|learner - reference|``, or None when either is missing."""
        if self.learner is None or self.reference is None:
            return None
        return abs(self.learner - self.reference)


class _Refused(Exception):
    """The database was written by a newer trustkit (or is not ours): it must not be altered."""


def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _is_busy(exc: sqlite3.Error) -> bool:
    code = _code(exc)
    if code is not None:
        return code in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
    return "locked" in str(exc) or "busy" in str(exc)


def _is_read_only(exc: sqlite3.Error) -> bool:
    """The file or its folder cannot be written (or SQLite cannot open it for writing)."""
    code = _code(exc)
    if code is not None:
        return code in (8, 14)  # SQLITE_READONLY, SQLITE_CANTOPEN
    text = str(exc)
    return "readonly" in text or "unable to open" in text


def _is_corrupt(exc: sqlite3.Error) -> bool:
    code = _code(exc)
    if code is not None and code in (11, 26):  # SQLITE_CORRUPT, SQLITE_NOTADB
        return True
    text = str(exc)
    return "not a database" in text or "malformed" in text


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (``executescript`` would commit midway)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def _number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ValueError(f"{what} must be a number or None, not {value!r}")
    return float(value)


def _attempt_row(
    debrief: Any, transcript: dict[str, Any], source: str, finished_at: str
) -> tuple[Any, ...]:
    """The row stored for a debrief (shared with the benchmark's bulk insert)."""
    from trustkit.engine import overall

    if not isinstance(transcript, dict):
        raise ValueError("the transcript must be a dict (Encounter.transcript())")
    ending = debrief.ending or {}
    skills = {s.skill: s.score for s in debrief.skills}
    return (
        str(debrief.scenario_id),
        str(debrief.title),
        finished_at,
        ending.get("id"),
        ending.get("quality"),
        int(debrief.turns),
        round(overall(debrief.trust_start), 2),
        round(overall(debrief.trust_end), 2),
        None if debrief.adherence is None else round(float(debrief.adherence), 4),
        json.dumps(skills, separators=(",", ":")),
        len(debrief.facts_disclosed),
        len(debrief.facts),
        len(debrief.opportunities_met),
        len(debrief.opportunities),
        json.dumps(transcript, ensure_ascii=False, separators=(",", ":")),
        str(source),
    )


_INSERT_ATTEMPT = (
    "INSERT INTO attempts (scenario_id, title, finished_at, ending_id, ending_quality, turns, "
    "trust_start, trust_end, adherence, skills, facts_disclosed, facts_total, opps_met, "
    "opps_total, transcript, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_RATING = (
    "INSERT INTO ratings (set_name, item_id, field, learner, reference, rated_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)

# -- the pending journal ------------------------------------------------------------------------
# An attempt or rating that could not be written (the database busy for longer than the timeout,
# or read-only) is kept as one JSON file in ``<database>.pending/`` (written atomically) and added
# by the next call that can write - also a read. It is added only if the database does not
# already hold the same row, inside the same transaction, so two kernels adding the same file, or
# a crash between the commit and the file's removal, never records it twice.
PENDING_SUFFIX = ".pending"
_PENDING = {
    # table: (columns in a row, the statement that adds it, a look-up for the same row)
    "attempts": (
        16,
        _INSERT_ATTEMPT,
        "SELECT 1 FROM attempts WHERE scenario_id = ? AND finished_at = ? AND transcript = ? "
        "LIMIT 1",
        lambda row: (row[0], row[2], row[14]),
    ),
    "ratings": (
        6,
        _INSERT_RATING,
        "SELECT 1 FROM ratings WHERE set_name = ? AND item_id = ? AND field = ? "
        "AND learner IS ? AND reference IS ? AND rated_at = ? LIMIT 1",
        lambda row: tuple(row),
    ),
}
_READ_FLUSH_TIMEOUT = 0.25  # a read waits at most this long to add pending rows first


def _pending_row(path: Path) -> tuple[str, list[Any]] | None:
    """(table, row) of a pending file, or None if it is not one trustkit wrote."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    table, row = data.get("trustkit_pending"), data.get("row")
    if table not in _PENDING or not isinstance(row, list) or len(row) != _PENDING[table][0]:
        return None
    if not all(v is None or isinstance(v, str | int | float) for v in row):
        return None
    return table, row


def _what(table: str) -> str:
    return "this attempt" if table == "attempts" else "this rating"


@functools.cache
def _expected_schema(version: int) -> tuple[dict[str, set[str]], dict[str, str]]:
    """({table: columns}, {index name: CREATE INDEX statement}) of a schema ``version``."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for script in MIGRATIONS[:version]:
            for stmt in _statements(script):
                conn.execute(stmt)
        return _schema(conn)
    finally:
        conn.close()


def _schema(conn: sqlite3.Connection) -> tuple[dict[str, set[str]], dict[str, str]]:
    tables: dict[str, set[str]] = {}
    indexes: dict[str, str] = {}
    for kind, name, sql in conn.execute(
        "SELECT type, name, sql FROM main.sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    ).fetchall():
        if kind == "table":
            quoted = name.replace('"', '""')
            tables[name] = {r[1] for r in conn.execute(f'PRAGMA main.table_info("{quoted}")')}
        elif kind == "index" and sql:
            indexes[name] = sql
    return tables, indexes


def _agreement(rows: list[tuple[Any, ...]], key: str) -> list[dict[str, Any]]:
    return [
        {
            key: k,
            "n": n,
            "mean_abs_diff": round(mad, 3),
            "within_1_pct": round(100 * within, 1),
        }
        for k, n, mad, within in rows
    ]


def empty_summary(path: Path | str | None = None) -> dict[str, Any]:
    """The summary of a history with nothing in it."""
    return {
        "path": None if path is None else str(path),
        "schema_version": SCHEMA_VERSION,
        "attempts": 0,
        "ratings": 0,
        "scenarios": [],
        "skills": {
            "first": {},
            "latest": {},
            "scored_attempts": {},
            "change": {},
            "improving": [],
            "declining": [],
            "steady": [],
            "scored_once": [],
        },
        "agreement": {
            "overall": {"n": 0, "mean_abs_diff": None, "within_1_pct": None},
            "by_day": [],
            "by_set": [],
        },
    }


class History:
    """The learner's history, stored in SQLite. Public methods never raise.

    ``path`` defaults to :func:`default_path`. ``timeout`` is how long (seconds) a write waits
    for another kernel's write to finish; an attempt or rating that still cannot be written is
    kept in the pending journal (:attr:`pending_dir`) and added by the next call that can write.

    After every call, :attr:`last_error` is ``None`` or one sentence for the learner;
    :attr:`moved_to` is where a damaged database was kept (if that happened);
    :attr:`notice` is ``None`` or one sentence about a state that is not an error (a read-only
    or newer history, a repaired schema version, rows still waiting in the journal);
    :attr:`read_only` is true when the database could only be read (written by a newer
    trustkit, or the file or its folder cannot be written); :attr:`pending` counts the rows
    waiting in the journal.
    """

    def __init__(self, path: str | Path | None = None, *, timeout: float = 5.0) -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()
        self.timeout = float(timeout)
        self.last_error: str | None = None
        self.moved_to: Path | None = None
        self.notice: str | None = None
        self.read_only = False

    def __repr__(self) -> str:
        return f"History({str(self.path)!r})"

    # -- the pending journal ----------------------------------------------------------------
    @property
    def pending_dir(self) -> Path:
        """``<database>.pending/``: rows that could not be written yet."""
        return self.path.with_name(self.path.name + PENDING_SUFFIX)

    def _pending_files(self) -> list[Path]:
        try:
            return sorted(p for p in self.pending_dir.glob("*.json") if not p.name.startswith("."))
        except OSError:
            return []

    @property
    def pending(self) -> int:
        """How many attempts and ratings wait in the journal to be written."""
        return len(self._pending_files())

    def _keep(self, table: str, row: tuple[Any, ...]) -> Path | None:
        """Write one row to the journal (atomically); its file, or None if that failed too."""
        from trustkit.work import atomic_write_text

        stamp = "".join(c for c in str(row[2] if table == "attempts" else row[5]) if c.isdigit())
        target = self.pending_dir / f"{stamp[:17]}-{os.getpid()}-{secrets.token_hex(4)}.json"
        text = json.dumps(
            {"trustkit_pending": table, "path": str(self.path), "row": list(row)},
            ensure_ascii=False,
        )
        try:
            atomic_write_text(target, text)
        except OSError:
            return None
        return target

    def _add_pending(self, conn: sqlite3.Connection) -> list[Path]:
        """Inside a write transaction: add the journal's rows that are not in the database yet;
        the files to remove once the transaction is committed."""
        done = []
        for path in self._pending_files():
            entry = _pending_row(path)
            if entry is not None:
                table, row = entry
                _, insert, same, key = _PENDING[table]
                conn.execute("SAVEPOINT pending_row")
                try:
                    if conn.execute(same, key(row)).fetchone() is None:
                        conn.execute(insert, row)
                    conn.execute("RELEASE pending_row")
                    done.append(path)
                    continue
                except sqlite3.IntegrityError:  # a row the table refuses (NULL, wrong type)
                    conn.execute("ROLLBACK TO pending_row")
                    conn.execute("RELEASE pending_row")
            # not ours, damaged or refused: kept under another name, never deleted, and never
            # in the way of the write that is happening now
            try:
                os.replace(path, path.with_suffix(".unreadable"))
            except OSError:
                pass
        return done

    def _forget(self, done: list[Path]) -> None:
        for path in done:
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass
        if done:
            try:
                self.pending_dir.rmdir()  # only when empty
            except OSError:
                pass

    def _flush_before_reading(self) -> None:
        """Add waiting rows before a read, briefly; if that fails they wait for the next call."""
        try:
            self._with_retry(lambda conn: None, True, min(self.timeout, _READ_FLUSH_TIMEOUT))
        except (sqlite3.Error, OSError, _Refused):
            pass

    # -- connections ------------------------------------------------------------------------
    def _connect(self, mode: str, timeout: float) -> sqlite3.Connection:
        uri = f"{self.path.absolute().as_uri()}?mode={mode}"
        # timeout= sets SQLite's busy_timeout: wait for another writer instead of failing.
        return sqlite3.connect(uri, uri=True, timeout=max(timeout, 0.0), isolation_level=None)

    @staticmethod
    def _version(conn: sqlite3.Connection) -> int:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def _newer_message(self, version: int) -> str:
        return (
            f"{self.path} was written by a newer trustkit (schema version {version}; this one "
            f"reads up to {SCHEMA_VERSION}); it was left untouched - upgrade trustkit to record "
            "progress."
        )

    def _recognise(self, conn: sqlite3.Connection) -> int:
        """The schema version of a database without one (``PRAGMA user_version`` 0).

        A history restored with ``sqlite3 .dump`` has its tables and rows but no version: the
        newest version whose every table and column is there is taken, and the indexes that
        version should have are added. An empty database is version 0; tables that are not a
        trustkit history are refused, untouched.
        """
        version = self._recognised(conn)
        if version:
            _, indexes = _schema(conn)
            for name, sql in _expected_schema(version)[1].items():
                if name not in indexes:
                    conn.execute(sql)
            self.notice = (
                f"{self.path} had lost its schema version (restored from a dump?); its "
                f"tables were recognised as version {version} and it was repaired."
            )
        return version

    def _recognised(self, conn: sqlite3.Connection) -> int:
        """The version :meth:`_recognise` would repair to (changes nothing), or refuses."""
        tables, _ = _schema(conn)
        if not tables:
            return 0
        for version in range(SCHEMA_VERSION, 0, -1):
            want_tables, _ = _expected_schema(version)
            if all(cols <= tables.get(t, set()) for t, cols in want_tables.items()):
                return version
        raise _Refused(
            f"{self.path} holds tables that are not a trustkit progress history "
            f"({', '.join(sorted(tables))}); it was left untouched - point TRUSTKIT_HOME "
            "elsewhere or move the file."
        )

    def _upgrade(self, conn: sqlite3.Connection) -> None:
        """Inside a write transaction: apply the missing migrations, or refuse a newer DB."""
        version = self._version(conn)
        if version > SCHEMA_VERSION:
            raise _Refused(self._newer_message(version))
        if version == SCHEMA_VERSION:
            return
        if version == 0:
            version = self._recognise(conn)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            for stmt in _statements(MIGRATIONS[target - 1]):
                conn.execute(stmt)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring the schema up to date in one transaction (another kernel may race us)."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._upgrade(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _once(self, fn: Callable[[sqlite3.Connection], T], write: bool, timeout: float) -> T:
        if write:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not (os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)):
            return self._read_only(fn, timeout)
        try:
            return self._read_write(fn, write, timeout)
        except sqlite3.OperationalError as exc:
            # a file or folder that cannot be written is still read, as it is
            if write or not _is_read_only(exc) or not self.path.exists():
                raise
        return self._read_only(fn, timeout)

    def _read_write(self, fn: Callable[[sqlite3.Connection], T], write: bool, timeout: float) -> T:
        conn = self._connect("rwc" if write else "rw", timeout)
        try:
            version = self._version(conn)  # raises on a file that is not a database
            if version > SCHEMA_VERSION:
                if write:
                    raise _Refused(self._newer_message(version))
                # read what we can, with every write refused by SQLite itself
                conn.execute("PRAGMA query_only = ON")
                self.read_only = True
                self.notice = self._newer_message(version)
                return self._snapshot(conn, fn)
            self.read_only = False
            # tables that are not ours are refused before anything changes
            known = version or self._recognised(conn)
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                # switching rewrites the header: first make sure a damaged file stays as it is
                if known and conn.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
                    raise sqlite3.DatabaseError("database disk image is malformed")
                conn.execute("PRAGMA journal_mode = WAL")
            if version < SCHEMA_VERSION:
                self._migrate(conn)
            if not write:
                return self._snapshot(conn, fn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._upgrade(conn)  # a no-op unless the file was replaced meanwhile
                added = self._add_pending(conn)
                result = fn(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            self._forget(added)
            return result
        finally:
            conn.close()

    def _read_only(self, fn: Callable[[sqlite3.Connection], T], timeout: float) -> T:
        """Read a history that cannot be written, without changing a byte of it.

        ``mode=ro`` first; a WAL database in a read-only folder has no ``-shm`` file and cannot
        get one, so then ``immutable=1`` (nobody can be writing in a folder nobody can write).
        """
        failure: sqlite3.Error | None = None
        for mode in ("ro", "ro&immutable=1"):
            try:
                conn = self._connect(mode, timeout)
            except sqlite3.Error as exc:
                failure = exc
                continue
            try:
                version = self._version(conn)
                self.read_only = True
                if version > SCHEMA_VERSION:
                    self.notice = self._newer_message(version)
                else:
                    self.notice = (
                        f"{self.path} is read-only (the file or its folder cannot be written): "
                        "it is shown as it is, and nothing new is recorded until it can be "
                        "written."
                    )
                return self._snapshot(conn, fn)
            except sqlite3.OperationalError as exc:
                if not _is_read_only(exc):
                    raise
                failure = exc
            finally:
                conn.close()
        assert failure is not None
        raise failure

    @staticmethod
    def _snapshot(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run several SELECTs against one consistent state (another kernel may be writing)."""
        conn.execute("BEGIN")
        try:
            return fn(conn)
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")  # nothing was written; this only ends the snapshot

    def _with_retry(
        self, fn: Callable[[sqlite3.Connection], T], write: bool, timeout: float | None = None
    ) -> T:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        delay = 0.005
        while True:
            try:
                return self._once(fn, write, deadline - time.monotonic())
            except sqlite3.OperationalError as exc:
                left = deadline - time.monotonic()
                if not _is_busy(exc) or left <= 0:
                    raise
                time.sleep(min(delay, left))
                delay = min(2 * delay, 0.1)

    def _set_aside(self) -> bool:
        """Move a damaged database aside (kept, with its WAL) so a fresh one can start."""
        from trustkit.work import move_aside

        try:
            moved = move_aside(self.path)
            wal = Path(f"{self.path}-wal")
            if wal.exists():
                os.replace(wal, Path(f"{moved}-wal"))
            Path(f"{self.path}-shm").unlink(missing_ok=True)
        except (OSError, TrustkitError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.last_error = (
                f"Your progress history {self.path} is damaged and could not be moved aside "
                f"({why}); it is untouched, and nothing can be recorded until it is moved."
            )
            return False
        self.moved_to = moved
        self.last_error = (
            f"Your progress history {self.path.name} could not be read (the file is damaged); "
            f"it was kept as {moved.name} in {moved.parent}, and a fresh history was started."
        )
        return True

    def _describe(
        self,
        exc: BaseException,
        write: bool,
        kept: str | None = None,
        undone: str = "this was not recorded",
    ) -> str:
        """One sentence for a failed call; ``kept`` names what the journal kept (a write),
        ``undone`` what did not happen."""
        busy = isinstance(exc, sqlite3.Error) and _is_busy(exc)
        why = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
        if not write:
            if busy:
                return f"{self.path} is busy (another program is writing to it); try again shortly."
            if isinstance(exc, OSError):
                return f"{self.path} cannot be used ({why})."
            return f"{self.path} could not be used ({why}); nothing could be read."
        advice = None
        if busy:
            what = f"{self.path} is busy (another notebook or program is writing to it)"
            advice = "try again in a moment"
        elif isinstance(exc, sqlite3.Error) and _is_read_only(exc) and self.path.exists():
            what = f"{self.path} is read-only (the file or its folder cannot be written)"
            advice = "make it writable to record progress"
        elif isinstance(exc, OSError):
            what = f"{self.path} cannot be used ({why})"
        else:
            what = f"{self.path} could not be used ({why})"
        if kept:
            return (
                f"{what}; {kept} is kept in {self.pending_dir} and will be recorded the next "
                "time the history can be written."
            )
        return f"{what}; {undone}" + (f" - {advice}." if advice else ".")

    def _run(
        self,
        fn: Callable[[sqlite3.Connection], T],
        *,
        write: bool,
        empty: T,
        keep: tuple[str, tuple[Any, ...]] | None = None,
        undone: str = "this was not recorded",
    ) -> T:
        """Run ``fn`` (with retries), turning every failure into :attr:`last_error`; a write
        given ``keep`` (table, row) that fails goes to the pending journal."""
        self.last_error = None
        self.moved_to = None
        self.notice = None
        if not write and self._pending_files():
            self._flush_before_reading()
        if not write and not self.path.exists():
            return empty
        result = empty
        for first_try in (True, False):
            try:
                result = self._with_retry(fn, write)
                break
            except _Refused as exc:
                self.read_only = True
                self.last_error = str(exc)
                break
            except sqlite3.Error as exc:
                if first_try and _is_corrupt(exc):
                    if not self._set_aside():
                        if write and keep is not None and self._keep(*keep) is not None:
                            self.last_error = (
                                f"{self.last_error} {_what(keep[0]).capitalize()} is kept in "
                                f"{self.pending_dir} and will be recorded once it is moved."
                            )
                        break
                    if not write:
                        break  # the fresh history is empty; nothing to read
                    continue
                self.last_error = self._failed(exc, write, keep, undone)
                break
            except OSError as exc:
                self.last_error = self._failed(exc, write, keep, undone)
                break
        waiting = self.pending
        if waiting and self.notice is None and not keep:
            self.notice = (
                f"{waiting} attempt(s) or rating(s) wait in {self.pending_dir} to be recorded "
                "(the history could not be written); they are added the next time it can be."
            )
        return result

    def _failed(
        self,
        exc: BaseException,
        write: bool,
        keep: tuple[str, tuple[Any, ...]] | None,
        undone: str,
    ) -> str:
        if isinstance(exc, sqlite3.Error) and _is_read_only(exc) and self.path.exists():
            self.read_only = True
        kept = None
        if write and keep is not None and self._keep(*keep) is not None:
            kept = _what(keep[0])
        return self._describe(exc, write, kept, undone)

    # -- writing ----------------------------------------------------------------------------
    def record_attempt(
        self, debrief: Any, *, transcript: dict[str, Any], source: str = "widget"
    ) -> int | None:
        """Store one attempt (a :class:`trustkit.debrief.Debrief`); its id, or None.

        If the history cannot be written now (busy beyond ``timeout``, read-only), the attempt
        is kept in the pending journal and added by the next call that can write.
        """
        try:
            row = _attempt_row(debrief, transcript, source, now_iso())
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            self.last_error = f"This attempt could not be recorded: {exc}."
            return None

        def insert(conn: sqlite3.Connection) -> int | None:
            return conn.execute(_INSERT_ATTEMPT, row).lastrowid

        return self._run(insert, write=True, empty=None, keep=("attempts", row))

    def record_rating(
        self,
        item_id: str,
        field: str,
        learner: float | None,
        reference: float | None,
        *,
        set_name: str = "default",
    ) -> int | None:
        """Store the learner's rating of one item field next to the reference; id or None
        (kept in the pending journal, like an attempt, if the history cannot be written)."""
        try:
            row = (
                str(set_name),
                str(item_id),
                str(field),
                _number(learner, "the learner's rating"),
                _number(reference, "the reference rating"),
                now_iso(),
            )
        except ValueError as exc:
            self.last_error = f"The rating of {item_id} ({field}) could not be recorded: {exc}."
            return None

        def insert(conn: sqlite3.Connection) -> int | None:
            return conn.execute(_INSERT_RATING, row).lastrowid

        return self._run(insert, write=True, empty=None, keep=("ratings", row))

    def reset(self) -> None:
        """Delete every attempt and rating, also those waiting in the journal (the file and its
        schema stay)."""

        def wipe(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM attempts")
            conn.execute("DELETE FROM ratings")

        self._run(wipe, write=True, empty=None, undone="nothing was deleted")

    # -- reading ----------------------------------------------------------------------------
    def attempts(
        self, scenario_id: str | None = None, *, transcripts: bool = True
    ) -> list[Attempt]:
        """Recorded attempts, oldest first. ``transcripts=False`` skips the (large) transcripts,
        leaving ``Attempt.transcript`` empty: faster for figures."""
        cols = _ATTEMPT_COLUMNS + (", transcript" if transcripts else "")
        sql = f"SELECT {cols} FROM attempts"
        params: tuple[Any, ...] = ()
        if scenario_id is not None:
            sql += " WHERE scenario_id = ?"
            params = (scenario_id,)
        sql += " ORDER BY finished_at, id"

        def read(conn: sqlite3.Connection) -> list[Attempt]:
            out = []
            loads = json.loads
            for r in conn.execute(sql, params):
                out.append(
                    Attempt(
                        id=r[0],
                        scenario_id=r[1],
                        title=r[2],
                        finished_at=r[3],
                        ending_id=r[4],
                        ending_quality=r[5],
                        turns=r[6],
                        trust_start=r[7],
                        trust_end=r[8],
                        adherence=r[9],
                        skills=loads(r[10]) if r[10] else {},
                        facts_disclosed=r[11],
                        facts_total=r[12],
                        opps_met=r[13],
                        opps_total=r[14],
                        source=r[15],
                        transcript=loads(r[16]) if transcripts and r[16] else {},
                    )
                )
            return out

        return self._run(read, write=False, empty=[])

    def ratings(self, set_name: str | None = None) -> list[RatingRecord]:
        """Recorded ratings, oldest first (all sets, or one)."""
        sql = "SELECT id, set_name, item_id, field, learner, reference, rated_at FROM ratings"
        params: tuple[Any, ...] = ()
        if set_name is not None:
            sql += " WHERE set_name = ?"
            params = (set_name,)
        sql += " ORDER BY rated_at, id"

        def read(conn: sqlite3.Connection) -> list[RatingRecord]:
            return [RatingRecord(*r) for r in conn.execute(sql, params)]

        return self._run(read, write=False, empty=[])

    def counts(self) -> tuple[int, int]:
        """(attempts, ratings) recorded."""

        def read(conn: sqlite3.Connection) -> tuple[int, int]:
            a = conn.execute("SELECT count(*) FROM attempts").fetchone()[0]
            r = conn.execute("SELECT count(*) FROM ratings").fetchone()[0]
            return int(a), int(r)

        return self._run(read, write=False, empty=(0, 0))

    def summary(self) -> dict[str, Any]:
        """Everything the dashboard shows, as JSON-ready data.

        ``scenarios``: per scenario, attempts, first/best/latest trust at the end (0-100) and the
        latest ending; ``skills``: each skill's score in the first and the latest attempt that
        scored it, the change, and which skills are improving/declining (by more than
        :data:`CHANGE_THRESHOLD` points) or steady; ``agreement``: how far the learner's ratings
        are from the reference (mean absolute difference, % within 1 point), overall, per UTC
        day and per rating set.
        """
        return self._run(self._summarise, write=False, empty=empty_summary(self.path))

    def _summarise(self, conn: sqlite3.Connection) -> dict[str, Any]:
        out = empty_summary(self.path)
        out["attempts"] = conn.execute("SELECT count(*) FROM attempts").fetchone()[0]
        out["ratings"] = conn.execute("SELECT count(*) FROM ratings").fetchone()[0]
        scenarios = []
        groups = conn.execute(
            "SELECT scenario_id, count(*), max(trust_end), avg(trust_end) "
            "FROM attempts GROUP BY scenario_id ORDER BY scenario_id"
        ).fetchall()
        for sid, n, best, mean in groups:
            # the (scenario_id, finished_at) index makes these two look-ups instant
            first = conn.execute(
                "SELECT trust_end FROM attempts WHERE scenario_id = ? "
                "ORDER BY finished_at, id LIMIT 1",
                (sid,),
            ).fetchone()
            last = conn.execute(
                "SELECT title, trust_end, ending_id, ending_quality, finished_at FROM attempts "
                "WHERE scenario_id = ? ORDER BY finished_at DESC, id DESC LIMIT 1",
                (sid,),
            ).fetchone()
            scenarios.append(
                {
                    "scenario_id": sid,
                    "title": last[0],
                    "attempts": n,
                    "first_trust": first[0],
                    "best_trust": best,
                    "latest_trust": last[1],
                    "mean_trust": round(mean, 2),
                    "latest_ending": last[2],
                    "latest_quality": last[3],
                    "latest_at": last[4],
                }
            )
        out["scenarios"] = scenarios
        out["skills"] = _skill_changes(*_first_latest_skills(conn))

        agreement = out["agreement"]
        rated = "FROM ratings WHERE learner IS NOT NULL AND reference IS NOT NULL"
        stats = "count(*), avg(abs(learner - reference)), avg(abs(learner - reference) <= 1)"
        n, mad, within = conn.execute(f"SELECT {stats} {rated}").fetchone()
        if n:
            agreement["overall"] = {
                "n": n,
                "mean_abs_diff": round(mad, 3),
                "within_1_pct": round(100 * within, 1),
            }
        agreement["by_day"] = _agreement(
            conn.execute(
                f"SELECT substr(rated_at, 1, 10) AS day, {stats} {rated} GROUP BY day ORDER BY day"
            ).fetchall(),
            "day",
        )
        agreement["by_set"] = _agreement(
            conn.execute(
                f"SELECT set_name, {stats} {rated} GROUP BY set_name ORDER BY set_name"
            ).fetchall(),
            "set_name",
        )
        return out

    # -- export -----------------------------------------------------------------------------
    def export_csv(self, path: str | Path) -> int | None:
        """Write one CSV row per attempt (columns: :data:`CSV_COLUMNS`, then ``skill:<code>``
        per skill); the number of rows, or None (with :attr:`last_error`) on failure."""
        rows = self.attempts(transcripts=False)
        if self.last_error and self.moved_to is None:
            return None
        moved_note = self.last_error
        skills: list[str] = []
        for a in rows:
            skills.extend(s for s in a.skills if s not in skills)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(safe_row([*CSV_COLUMNS, *(f"skill:{s}" for s in skills)]))
        for a in rows:
            writer.writerow(
                safe_row([getattr(a, c) for c in CSV_COLUMNS] + [a.skills.get(s) for s in skills])
            )
        from trustkit.work import atomic_write_text

        target = Path(path)
        try:
            atomic_write_text(target, buf.getvalue())
        except OSError as exc:
            self.last_error = f"{target} could not be written ({exc.strerror or exc})."
            return None
        self.last_error = moved_note
        return len(rows)


def _first_latest_skills(
    conn: sqlite3.Connection,
) -> tuple[dict[str, float], dict[str, float], dict[str, int]]:
    """Each skill's score in the first and latest attempt that scored it, and how often.

    One pass in SQL: SQLite returns the other columns of the row holding min()/max().
    """
    order = "finished_at || '#' || printf('%012d', a.id)"
    scored = "FROM attempts AS a, json_each(a.skills) AS j WHERE j.type IN ('integer', 'real')"
    try:
        first = conn.execute(
            f"SELECT j.key, j.value, min({order}) {scored} GROUP BY j.key"
        ).fetchall()
        latest = conn.execute(
            f"SELECT j.key, j.value, max({order}), count(*) {scored} GROUP BY j.key"
        ).fetchall()
        return (
            {k: float(v) for k, v, _ in first},
            {k: float(v) for k, v, _, _ in latest},
            {k: int(n) for k, _, _, n in latest},
        )
    except sqlite3.OperationalError as exc:  # an SQLite built without JSON functions
        if "json" not in str(exc):
            raise
    firsts: dict[str, float] = {}
    lasts: dict[str, float] = {}
    counts: dict[str, int] = {}
    for (text,) in conn.execute("SELECT skills FROM attempts ORDER BY finished_at, id"):
        for k, v in json.loads(text or "{}").items():
            if isinstance(v, int | float):
                firsts.setdefault(k, float(v))
                lasts[k] = float(v)
                counts[k] = counts.get(k, 0) + 1
    return firsts, lasts, counts


def _skill_changes(
    first: dict[str, float], latest: dict[str, float], counts: dict[str, int]
) -> dict[str, Any]:
    skills = sorted(first)
    change = {s: round(latest[s] - first[s], 1) for s in skills}
    return {
        "first": {s: first[s] for s in skills},
        "latest": {s: latest[s] for s in skills},
        "scored_attempts": {s: counts.get(s, 0) for s in skills},
        "change": change,
        "improving": [s for s in skills if change[s] > CHANGE_THRESHOLD],
        "declining": [s for s in skills if change[s] < -CHANGE_THRESHOLD],
        "steady": [
            s for s in skills if abs(change[s]) <= CHANGE_THRESHOLD and counts.get(s, 0) > 1
        ],
        "scored_once": [s for s in skills if counts.get(s, 0) <= 1],
    }
