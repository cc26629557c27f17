"""The embedded store: an eventsourcing application on one SQLite file (WAL).

Writes go through eventsourcing (`Application.save`, our mapper, its SQLite
recorder) so the primary key on (aggregate, version) guards idempotency and
single correction. Our recorder subclass adds, in the same transaction, one
row per ledger entry in `ledger_entries`: its 0-based position `seq`, its
UTC recording time and its effective day (computed once, at import). Reads
are plain SQL over those two tables.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, PersistenceError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import Environment, EnvType

from ledger import tree
from ledger.dates import format_recorded
from ledger.domain import FactCorrected, FactRecorded, aggregate_id
from ledger.errors import ConflictError, LedgerCorrupt, LedgerMissing, StoreError
from ledger.mapper import (
    CORRECTION_TOPIC,
    CorrectionState,
    MsgspecMapper,
    decode_correction,
    entry_bytes,
)
from ledger.merkle import leaf_hash

FORMAT = "timeline-ledger/1"


def new_origin() -> str:
    """A checkpoint origin unique to this ledger (C2SP: a schema-less URL-like name)."""
    return f"timeline-ledger.local/{uuid.uuid4().hex[:16]}"


LOCK_TIMEOUT_S = 30


class EntryMeta(msgspec.Struct, frozen=True, array_like=True):
    fact_id: str
    type: str
    effective: int  # proleptic Gregorian ordinal of the effective day


class Row(msgspec.Struct, frozen=True, array_like=True):
    """One ledger entry as stored."""

    seq: int
    fact_id: str
    type: str
    effective: int
    recorded_at: str
    topic: str | None  # None: the stored event is missing
    state: bytes | None
    leaf: bytes | None = None  # the stored leaf hash, when asked for


class EntryRecorder(SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder, plus our entry index written in the same transaction."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_entries ("
            "seq INTEGER PRIMARY KEY, "
            "fact_id TEXT NOT NULL UNIQUE, "
            "notification_id INTEGER NOT NULL UNIQUE, "
            "type TEXT NOT NULL, "
            "effective INTEGER NOT NULL, "
            "recorded_at TEXT NOT NULL)",
            *tree.SCHEMA,
            f"INSERT OR IGNORE INTO ledger_meta VALUES ('format', '{FORMAT}')",
            f"INSERT OR IGNORE INTO ledger_meta VALUES ('origin', '{new_origin()}')",
        ]

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        *,
        entries: Sequence[EntryMeta] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        # Take SQLite's write lock before reading the tail, so that seq and
        # recorded_at never go backwards between writers; then stamp each
        # fact's payload with its recording time (its Merkle leaf bytes).
        c.execute("UPDATE ledger_meta SET value = value WHERE key = 'format'")
        c.execute("SELECT seq, recorded_at FROM ledger_entries ORDER BY seq DESC LIMIT 1")
        tail = c.fetchone()
        seq, last = (tail[0] + 1, tail[1]) if tail else (0, "")
        now = max(format_recorded(datetime.now(UTC)), last)
        stamped = [
            StoredEvent(s.originator_id, 1, s.topic, entry_bytes(s.state, now))
            if s.originator_version == 1
            else s
            for s in stored_events
        ]
        ids = super()._insert_events(c, stamped, **kwargs)
        assert ids is not None
        rows = []
        meta = iter(entries)
        for stored, notification_id in zip(stamped, ids, strict=True):
            if stored.originator_version == 1:
                m = next(meta)
                rows.append((seq, m.fact_id, notification_id, m.type, m.effective, now))
                seq += 1
        c.executemany("INSERT INTO ledger_entries VALUES (?,?,?,?,?,?)", rows)
        if rows:
            self._grow_tree(c, rows[0][0], [leaf_hash(x.state) for x in stamped if x.originator_version == 1])
            c.execute("INSERT INTO checkpoints VALUES (?,?,?)", (seq, self._root(c, seq), now))
        return ids

    def _grow_tree(self, c: SQLiteCursor, start: int, leaves: list[bytes]) -> None:
        """Store the new leaves and every subtree they complete, in this transaction."""

        def stored(level: int, idx: int) -> bytes:
            c.execute("SELECT hash FROM merkle_nodes WHERE level=? AND idx=?", (level, idx))
            return bytes(c.fetchone()[0])

        c.executemany("INSERT INTO merkle_nodes VALUES (?,?,?)", list(tree.new_nodes(start, leaves, stored)))

    def _root(self, c: SQLiteCursor, size: int) -> bytes:
        def stored(level: int, idx: int) -> bytes:
            c.execute("SELECT hash FROM merkle_nodes WHERE level=? AND idx=?", (level, idx))
            return bytes(c.fetchone()[0])

        return tree.root_at(size, stored)


class LedgerApplication(Application[Any]):
    """The eventsourcing application that owns the SQLite file."""

    name = "Ledger"

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Only the settings we pass: never os.environ, where a stray
        # LEDGER_SQLITE_DBNAME or PERSISTENCE_MODULE would redirect the store.
        return Environment(name, dict(env or {}))

    def construct_mapper(self) -> MsgspecMapper:
        return MsgspecMapper()

    def construct_recorder(self) -> EntryRecorder:
        recorder = EntryRecorder(datastore=self.factory.datastore)  # type: ignore[attr-defined]
        recorder.create_table()
        return recorder


class SQLiteStore:
    """A ledger in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._app: LedgerApplication | None = None
        self._conn: sqlite3.Connection | None = None

    # Opening

    @classmethod
    def create(cls, path: Path) -> SQLiteStore:
        """Create the ledger file (or open it if it is already a ledger)."""
        store = cls(path)
        store._application()
        store._check_format()
        return store

    @classmethod
    def open(cls, path: Path) -> SQLiteStore:
        """Open an existing ledger; never creates a file."""
        if not path.is_file():
            raise LedgerMissing(f"{path}: no ledger here (run `ledger init` or `ledger import`)")
        store = cls(path)
        store._check_format()
        return store

    def _application(self) -> LedgerApplication:
        if self._app is None:
            try:
                self._app = LedgerApplication(
                    env={
                        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                        "SQLITE_DBNAME": str(self.path),
                        "SQLITE_LOCK_TIMEOUT": str(LOCK_TIMEOUT_S),
                    }
                )
            except (PersistenceError, sqlite3.Error, OSError) as e:
                raise StoreError(f"{self.path}: cannot open the ledger: {e}") from None
        return self._app

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self._conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=LOCK_TIMEOUT_S)
            except sqlite3.Error as e:
                raise StoreError(f"{self.path}: cannot open the ledger: {e}") from None
        return self._conn

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._db().execute(sql, params).fetchall()
        except sqlite3.DatabaseError as e:
            raise LedgerCorrupt(f"{self.path}: cannot read the ledger: {e}") from None

    def _check_format(self) -> None:
        try:
            rows = self._db().execute("SELECT value FROM ledger_meta WHERE key='format'").fetchall()
        except sqlite3.DatabaseError:
            rows = []
        if rows != [(FORMAT,)]:
            raise LedgerCorrupt(f"{self.path}: not a timeline-ledger database")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._app is not None:
            self._app.close()
            self._app = None

    # Reading

    def size(self) -> int:
        return int(self._query("SELECT count(*) FROM ledger_entries")[0][0])

    def rows(
        self, start: int = 0, stop: int | None = None, *, leaves: bool = False, batch: int = 1000
    ) -> Iterator[Row]:
        """Entries in recording order, streamed in batches, from seq `start` to `stop` (excluded)."""
        sql = (
            "SELECT e.seq, e.fact_id, e.type, e.effective, e.recorded_at, s.topic, s.state"
            + (", n.hash" if leaves else "")
            + " FROM ledger_entries e LEFT JOIN stored_events s ON s.rowid = e.notification_id"
            + (" LEFT JOIN merkle_nodes n ON n.level = 0 AND n.idx = e.seq" if leaves else "")
            + " WHERE e.seq >= ? AND e.seq < ? ORDER BY e.seq"
        )
        try:
            cur = self._db().execute(sql, (start, stop if stop is not None else 2**62))
            while chunk := cur.fetchmany(batch):
                for r in chunk:
                    yield Row(*r)
        except sqlite3.DatabaseError as e:
            raise LedgerCorrupt(f"{self.path}: cannot read the ledger: {e}") from None

    def node(self, level: int, idx: int) -> bytes:
        """A stored complete subtree's hash."""
        rows = self._query("SELECT hash FROM merkle_nodes WHERE level=? AND idx=?", (level, idx))
        if not rows:
            raise LedgerCorrupt(f"the Merkle tree has no node at level {level}, index {idx}", idx << level)
        return bytes(rows[0][0])

    def nodes(self, level: int) -> Iterator[tuple[int, bytes]]:
        """(idx, hash) of every stored node of one level, in order."""
        try:
            cur = self._db().execute(
                "SELECT idx, hash FROM merkle_nodes WHERE level=? ORDER BY idx", (level,)
            )
            while chunk := cur.fetchmany(4096):
                yield from chunk
        except sqlite3.DatabaseError as e:
            raise LedgerCorrupt(f"{self.path}: cannot read the ledger: {e}") from None

    def checkpoints(self, size: int | None = None) -> list[tuple[int, bytes, str]]:
        """Recorded checkpoints (all, or the one for `size`): (size, root, timestamp), by size."""
        where, params = ("WHERE size = ?", (size,)) if size is not None else ("", ())
        rows = self._query(f"SELECT size, root, timestamp FROM checkpoints {where} ORDER BY size", params)
        return [(int(n), bytes(r), str(t)) for n, r, t in rows]

    def all_corrections(self) -> Iterator[tuple[str, str, bytes]]:
        """Every stored correction row: (aggregate id hex, topic, state)."""
        sql = "SELECT originator_id, topic, state FROM stored_events WHERE originator_version = 2"
        try:
            yield from self._db().execute(sql)
        except sqlite3.DatabaseError as e:
            raise LedgerCorrupt(f"{self.path}: cannot read the ledger: {e}") from None

    def origin(self) -> str:
        rows = self._query("SELECT value FROM ledger_meta WHERE key='origin'")
        if not rows:
            raise LedgerCorrupt(f"{self.path}: the ledger has no origin")
        return str(rows[0][0])

    def seq_of(self, fact_id: str) -> int | None:
        rows = self._query("SELECT seq FROM ledger_entries WHERE fact_id=?", (fact_id,))
        return int(rows[0][0]) if rows else None

    def find(self, fact_ids: Sequence[str]) -> dict[str, Row]:
        """The stored entries among `fact_ids`."""
        found: dict[str, Row] = {}
        ids = list(dict.fromkeys(fact_ids))
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            for r in self._query(
                "SELECT e.seq, e.fact_id, e.type, e.effective, e.recorded_at, s.topic, s.state "
                "FROM ledger_entries e JOIN stored_events s ON s.rowid = e.notification_id "
                f"WHERE e.fact_id IN ({marks})",
                part,
            ):
                found[r[1]] = Row(*r)
        return found

    def corrections(self, fact_ids: Sequence[str]) -> dict[str, CorrectionState]:
        """Which of `fact_ids` have been retracted or superseded, and by what."""
        found: dict[str, CorrectionState] = {}
        by_uuid = {aggregate_id(f).hex: f for f in fact_ids}
        keys = list(by_uuid)
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            for oid, topic, state in self._query(
                "SELECT originator_id, topic, state FROM stored_events "
                f"WHERE originator_version=2 AND originator_id IN ({marks})",
                part,
            ):
                if topic != CORRECTION_TOPIC:
                    raise LedgerCorrupt(f"unknown stored type {topic!r}")
                found[by_uuid[oid]] = decode_correction(state)
        return found

    # Writing

    def append(self, records: Sequence[FactRecorded], corrections: Sequence[FactCorrected]) -> None:
        """Append entries and their corrections in one transaction: all or nothing."""
        entries = [EntryMeta(r.fact.fact_id, r.fact.type, r.effective.toordinal()) for r in records]
        app = self._application()
        try:
            app.save(*records, *corrections, entries=entries)
        except IntegrityError as e:
            raise ConflictError(str(e)) from None
        except (PersistenceError, sqlite3.Error) as e:
            raise StoreError(f"{self.path}: the import was not written: {e}") from None
