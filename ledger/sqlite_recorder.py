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

import itertools
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, OperationalError, PersistenceError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import Environment, EnvType

from ledger import queries, tree
from ledger.dates import format_recorded
from ledger.domain import FactCorrected
from ledger.errors import LedgerCorrupt
from ledger.mapper import FACT_TOPIC_PREFIX, MsgspecMapper, entry_bytes
from ledger.merkle import leaf_hash

FORMAT = "timeline-ledger/2"  # 2: leaf hashes in ledger_entries, merkle_nodes from level 4
CACHE_KIB = 256 * 1024
CREATE_WAIT_S = 30


def new_origin() -> str:
    """A checkpoint origin unique to this ledger (C2SP: a schema-less URL-like name)."""
    return f"timeline-ledger.local/{uuid.uuid4().hex[:16]}"


class NewEntry(msgspec.Struct, frozen=True, array_like=True):
    """One fact to append, as the recorder writes it (made where its line is checked)."""

    line: int  # where it came from, for messages
    fact_id: str
    type: str  # the contract's type name; stored under the topic `fact:<type>`
    rank: int  # position of the type within a day (contract section 4)
    effective: int  # proleptic Gregorian ordinal of the effective day
    target: str | None  # the fact it retracts or supersedes
    fact: bytes  # RFC 8785 JSON of the fact; the recorder wraps it with the recording time
    packed: bytes | None  # the fact in msgpack for the replay index; None: never folded
    originator_id: str  # the fact's aggregate (`ledger.domain.aggregate_id`)


class Batch(msgspec.Struct):
    """A chunk of an import, planned: its new facts and the corrections they make."""

    entries: list[NewEntry]
    corrections: list[FactCorrected]
    earliest: int | None  # the earliest effective day these facts change (snapshots after it go)


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

    def append(self, batches: Iterable[Batch], mapper: Mapper[Any], *, lazy: bool = False) -> None:
        """Append every batch in one transaction, committed after the last one; an exception
        raised while the batches are produced rolls all of them back.

        The write lock is taken before the first batch is planned; with `lazy`, only before the
        first batch that has something new (nothing stored is ever removed, so batches found
        unchanged stay so): an import of what is already there takes no lock at all."""
        pending: Iterator[Batch] = iter(batches)
        if lazy:
            first = next((b for b in pending if b.entries), None)
            if first is None:
                return
            pending = itertools.chain([first], pending)
        with self.datastore.get_connection(commit=True) as conn:
            # Sync the WAL at every commit, so that an import that returned survives a power
            # loss; SQLite builds differ in their default, and it cannot change inside a transaction.
            cursor = conn.cursor()
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA trusted_schema = OFF")
            with conn.transaction(commit=True) as c:
                self._append(c, pending, mapper)

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **_: Any) -> None:
        # A fact stored without its entry, leaf and index rows would not be in the ledger.
        raise PersistenceError("ledger entries are written by EntryRecorder.append, never saved alone")

    def _append(self, c: SQLiteCursor, batches: Iterable[Batch], mapper: Mapper[Any]) -> None:
        # Take SQLite's write lock before reading the tail, so that seq and
        # recorded_at never go backwards between writers; then stamp each
        # fact with its recording time: the stored bytes are its Merkle leaf.
        c.execute("UPDATE ledger_meta SET value = value WHERE key = 'format'")
        from ledger import integrity  # here: integrity builds its schema from this module

        c.execute(integrity.SCHEMA)  # checked on opening; again now that no one else can change it
        if {row[1]: tuple(row) for row in c.fetchall()} != integrity.ledger_schema():
            raise PersistenceError("the ledger's schema changed since it was opened; nothing was written")
        c.execute(f"PRAGMA cache_size = -{CACHE_KIB}")  # room for the B-trees a large import touches
        c.execute("SELECT seq, recorded_at FROM ledger_entries ORDER BY seq DESC LIMIT 1")
        tail = c.fetchone()
        first, last = (tail[0] + 1, tail[1]) if tail else (0, "")
        if tail and not (isinstance(last, str) and integrity.RECORDED.fullmatch(last)):
            raise LedgerCorrupt(f"its indexed recording time {last!r} was altered", tail[0])
        now = max(format_recorded(datetime.now(UTC)), last)
        c.execute(f"SELECT coalesce(max(rowid), 0) FROM {self.events_table_name}")
        rowid = int(c.fetchone()[0])
        seq, earliest, index = first, None, []
        edge: tree.Edge = {}  # the tree's right edge, from one batch to the next
        for batch in batches:
            stored: list[tuple[Any, ...]] = []
            rows, leaves = [], []
            for m in batch.entries:
                state = entry_bytes(m.fact, now)
                stored.append((m.originator_id, 1, FACT_TOPIC_PREFIX + m.type, state))
                leaf = leaf_hash(state)
                leaves.append(leaf)
                rows.append((seq, m.fact_id, rowid + len(stored), m.type, m.effective, now, m.target, leaf))
                if m.packed is not None:
                    index.append((m.effective, m.rank, seq, m.fact_id, m.type, m.packed))
                seq += 1
            for e in batch.corrections:
                s = mapper.to_stored_event(e)
                stored.append((s.originator_id, s.originator_version, s.topic, s.state))
            # eventsourcing's insert, as one executemany: under the write lock SQLite gives new
            # rows consecutive rowids after the largest, which is checked rather than assumed.
            c.executemany(self.insert_events_statement, stored)
            rowid += len(stored)
            c.execute(f"SELECT coalesce(max(rowid), 0) FROM {self.events_table_name}")
            if int(c.fetchone()[0]) != rowid:
                raise PersistenceError("stored_events rowids were not consecutive; nothing was written")
            c.executemany("INSERT INTO ledger_entries VALUES (?,?,?,?,?,?,?,?)", rows)
            if rows:
                self._grow_tree(c, rows[0][0], leaves, edge)
            if batch.earliest is not None:
                earliest = batch.earliest if earliest is None else min(earliest, batch.earliest)
        # Sorted, the whole import goes into the clustered B-tree far faster than chunk by chunk.
        index.sort()
        c.executemany("INSERT INTO replay_index VALUES (?,?,?,?,?,?)", index)
        if earliest is not None:
            # Snapshots before the earliest day these facts touch stay valid for the new size.
            c.execute("DELETE FROM projection_snapshots WHERE effective >= ? OR size != ?", (earliest, first))
            c.execute("UPDATE projection_snapshots SET size = ?", (seq,))
        if seq > first:
            c.execute("INSERT INTO checkpoints VALUES (?,?,?)", (seq, self._root(c, seq), now))

    def _grow_tree(self, c: SQLiteCursor, start: int, leaves: list[bytes], edge: tree.Edge) -> None:
        """Store every subtree the new leaves complete, in this transaction."""
        nodes = sorted(tree.new_nodes(start, leaves, self._node_reader(c), edge))
        c.executemany("INSERT INTO merkle_nodes VALUES (?,?,?)", nodes)

    def _root(self, c: SQLiteCursor, size: int) -> bytes:
        return tree.root_at(size, self._node_reader(c))

    def _node_reader(self, c: SQLiteCursor) -> tree.GetNode:
        """Nodes as this transaction sees them (its own rows included)."""

        def stored(level: int, idx: int) -> bytes:
            c.execute(queries.NODE, (level, idx))
            row = c.fetchone()
            if row is None:
                raise tree.missing_node(level, idx)
            return tree.hash_value(
                row[0], f"the Merkle tree's node at level {level}, index {idx}", idx << level
            )

        def leaves(start: int, end: int) -> list[bytes]:
            c.execute(queries.LEAVES, (start, end))
            found = [tree.hash_value(h, "its Merkle leaf", start + i) for i, (h,) in enumerate(c.fetchall())]
            return tree.leaf_range(found, start, end)

        return tree.node_reader(stored, leaves)


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
    def entry_recorder(self) -> EntryRecorder:
        recorder = self.recorder
        assert isinstance(recorder, EntryRecorder)
        return recorder

    def construct_recorder(self) -> EntryRecorder:
        recorder = EntryRecorder(datastore=self.factory.datastore)  # type: ignore[attr-defined]
        recorder.create_table()
        return recorder
