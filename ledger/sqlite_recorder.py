"""The eventsourcing side of the SQLite store: our recorder and application.

Facts are written into eventsourcing's `stored_events` table, on the
recorder's connection, with its own insert statement, so the primary key on
(aggregate, version) guards idempotency and single correction; but through
`EntryRecorder.append`, which takes an import's planned chunks and writes,
in the same transaction: one row per entry in `ledger_entries` (its position
`seq`, UTC recording time, effective day, the fact it corrects and its
Merkle leaf hash); the entry in the valid-time replay index; the completed
Merkle subtrees and a checkpoint; and the invalidation of projection
snapshots the new facts make stale. eventsourcing's own `insert_events` is
refused: an event stored without those rows would not be in the ledger.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, OperationalError, PersistenceError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import Environment, EnvType

from ledger import tree, writer
from ledger.mapper import MsgspecMapper
from ledger.writer import Batch, Copied

FORMAT = "timeline-ledger/2"  # 2: leaf hashes in ledger_entries, merkle_nodes from level 4
CACHE_KIB = 256 * 1024
CREATE_WAIT_S = 30


def new_origin() -> str:
    """A checkpoint origin unique to this ledger (C2SP: a schema-less URL-like name)."""
    return f"timeline-ledger.local/{uuid.uuid4().hex[:16]}"


class EntryRecorder(SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder, plus our entry index written in the same transaction."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_entries ("
            "seq INTEGER PRIMARY KEY, "
            "fact_id TEXT NOT NULL UNIQUE, "
            "notification_id INTEGER NOT NULL, "
            "type TEXT NOT NULL, "
            "effective INTEGER NOT NULL, "
            "recorded_at TEXT NOT NULL, "
            "target TEXT, "
            "leaf BLOB NOT NULL)",  # the entry's Merkle leaf hash
            "CREATE INDEX IF NOT EXISTS ledger_entries_target ON ledger_entries (seq, target) "
            "WHERE target IS NOT NULL",
            # The facts replay folds, clustered in replay order (contract section 4), so that a
            # replay to any date is one sequential range scan.
            "CREATE TABLE IF NOT EXISTS replay_index ("
            "effective INTEGER NOT NULL, rank INTEGER NOT NULL, seq INTEGER NOT NULL, "
            "fact_id TEXT NOT NULL, type TEXT NOT NULL, payload BLOB NOT NULL, "
            "PRIMARY KEY (effective, rank, seq)) WITHOUT ROWID",
            # Projection state after every fact of day `effective` was folded, valid for a
            # ledger of `size` entries.
            "CREATE TABLE IF NOT EXISTS projection_snapshots ("
            "effective INTEGER PRIMARY KEY, size INTEGER NOT NULL, state BLOB NOT NULL)",
            *tree.SCHEMA,
            f"INSERT OR IGNORE INTO ledger_meta VALUES ('format', '{FORMAT}')",
            f"INSERT OR IGNORE INTO ledger_meta VALUES ('origin', '{new_origin()}')",
        ]

    def create_table(self) -> None:
        """Create the tables once. An existing ledger is left alone, so that opening it never
        writes (a deferred write that follows a read cannot wait for another writer's lock)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'ledger_meta'")
            if c.fetchone()[0]:
                return
        deadline = time.monotonic() + CREATE_WAIT_S
        while True:
            try:
                super().create_table()
                return
            except OperationalError:  # two processes creating one new ledger: the other one won
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def append(
        self,
        batches: Iterable[Batch],
        mapper: Mapper[Any],
        *,
        lazy: bool = False,
        copied: Copied | None = None,
    ) -> None:
        """Append every batch in one transaction, committed after the last one; an exception
        raised while the batches are produced rolls all of them back.

        The write lock is taken before the first batch is planned; with `lazy`, only before the
        first batch that has something new (nothing stored is ever removed, so batches found
        unchanged stay so): an import of what is already there takes no lock at all."""
        pending = writer.from_first_new(batches, lazy)
        if pending is None:
            return
        with self.datastore.get_connection(commit=True) as conn:
            # Sync the WAL at every commit, so that an import that returned survives a power
            # loss; SQLite builds differ in their default, and it cannot change inside a transaction.
            cursor = conn.cursor()
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA trusted_schema = OFF")
            with conn.transaction(commit=True) as c:
                writer.write(_Transaction(c, self.insert_events_statement), pending, mapper, copied)

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **_: Any) -> None:
        # A fact stored without its entry, leaf and index rows would not be in the ledger.
        raise PersistenceError("ledger entries are written by EntryRecorder.append, never saved alone")


class _Transaction:
    """An open SQLite write transaction, as `ledger.writer` uses it."""

    def __init__(self, c: SQLiteCursor, insert_statement: str) -> None:
        self._c = c
        self._insert = insert_statement
        self._rowid: int | None = None
        self.execute = c.execute
        self.executemany = c.executemany
        self.fetchone = c.fetchone
        self.fetchall = c.fetchall

    def lock(self) -> None:
        # SQLite's write lock, taken by a write, before the tail is read: seq and recorded_at
        # never go backwards between writers.
        self._c.execute("UPDATE ledger_meta SET value = value WHERE key = 'format'")
        self._c.execute(f"PRAGMA cache_size = -{CACHE_KIB}")  # room for the B-trees a large import touches

    def clock(self) -> datetime:
        return datetime.now(UTC)  # one machine's file: its clock

    def check_schema(self) -> None:
        from ledger import integrity  # here: integrity builds its schema from this module

        self._c.execute(integrity.SCHEMA)
        if {row[1]: tuple(row) for row in self._c.fetchall()} != integrity.ledger_schema():
            raise PersistenceError("the ledger's schema changed since it was opened; nothing was written")

    def insert_events(self, rows: Sequence[tuple[str, int, str, bytes]]) -> list[int]:
        # eventsourcing's insert, as one executemany: under the write lock SQLite gives new rows
        # consecutive rowids after the largest, which is checked rather than assumed.
        if self._rowid is None:
            self._rowid = self._max_rowid()
        first = self._rowid + 1
        self._c.executemany(self._insert, rows)
        self._rowid += len(rows)
        if self._max_rowid() != self._rowid:
            raise PersistenceError("stored_events rowids were not consecutive; nothing was written")
        return list(range(first, self._rowid + 1))

    def _max_rowid(self) -> int:
        self._c.execute("SELECT coalesce(max(rowid), 0) FROM stored_events")
        return int(self._c.fetchone()[0])


class LedgerApplication(Application[Any]):
    """The eventsourcing application that owns the SQLite file."""

    name = "Ledger"

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Only the settings we pass: never os.environ, where a stray
        # LEDGER_SQLITE_DBNAME or PERSISTENCE_MODULE would redirect the store.
        return Environment(name, dict(env or {}))

    def construct_mapper(self) -> MsgspecMapper:
        return MsgspecMapper()

    @property
    def entry_recorder(self) -> writer.Appender:
        recorder = self.recorder
        assert isinstance(recorder, writer.Appender)
        return recorder

    def construct_recorder(self) -> EntryRecorder:
        recorder = EntryRecorder(datastore=self.factory.datastore)  # type: ignore[attr-defined]
        recorder.create_table()
        return recorder
