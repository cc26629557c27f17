"""One import's write, the same on every backend: entries, their stored events, Merkle nodes, the
replay index, snapshot invalidation and a checkpoint, inside the transaction a recorder opened.

The recorder (`ledger.sqlite_recorder`, `ledger.postgres_recorder`) opens the
transaction and passes a `Transaction`: its cursor, how it takes the write
lock, how it checks the schema under that lock and how it stores events.
The SQL here uses `?` placeholders; a backend that needs another style
translates them in its `Transaction`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import msgspec
from eventsourcing.persistence import Mapper

from ledger import queries, tree
from ledger.dates import format_recorded
from ledger.domain import FactCorrected
from ledger.errors import LedgerCorrupt, StoreError
from ledger.mapper import FACT_TOPIC_PREFIX, entry_bytes
from ledger.merkle import leaf_hash


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
    recorded_at: str | None = None  # set only by `ledger copy`: the time the source recorded it


class Batch(msgspec.Struct):
    """A chunk of an import, planned: its new facts and the corrections they make."""

    entries: list[NewEntry]
    corrections: list[FactCorrected]
    earliest: int | None  # the earliest effective day these facts change (snapshots after it go)


class Copied(msgspec.Struct, frozen=True):
    """What a copy keeps besides the entries: the source's origin and its recorded checkpoints,
    (size, root, timestamp), each checked against the copied tree before it is written."""

    origin: str
    checkpoints: list[tuple[int, bytes, str]]


class Transaction(Protocol):
    """A backend's open write transaction, as the writer uses it."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def lock(self) -> None:
        """Take the ledger's write lock, held to the commit: writers append one after another."""

    def check_schema(self) -> None:
        """Raise unless the tables are still a ledger's (checked on opening; again under the lock)."""

    def clock(self) -> datetime:
        """The time now, in UTC, by the clock every writer of this ledger shares."""

    def insert_events(self, rows: Sequence[tuple[str, int, str, bytes]]) -> list[int]:
        """eventsourcing's insert of (originator_id, version, topic, state) rows: their notification
        ids, in the order given."""


@runtime_checkable
class Appender(Protocol):
    """A backend's recorder: appends planned batches in one transaction of its own."""

    def append(
        self,
        batches: Iterable[Batch],
        mapper: Mapper[Any],
        *,
        lazy: bool = False,
        copied: Copied | None = None,
    ) -> None: ...


def from_first_new(batches: Iterable[Batch], lazy: bool) -> Iterator[Batch] | None:
    """The batches to write; with `lazy`, starting from the first one that has something new (the
    ones before it are unchanged for good: nothing stored is ever removed), or None when none has:
    an import of what is already there then takes no lock at all."""
    pending: Iterator[Batch] = iter(batches)
    if not lazy:
        return pending
    first = next((b for b in pending if b.entries), None)
    return None if first is None else itertools.chain([first], pending)


def write(
    db: Transaction, batches: Iterable[Batch], mapper: Mapper[Any], copied: Copied | None = None
) -> None:
    """Append every batch: seq and recording time continue from the tail, never going back; the
    stored bytes of each entry (the fact wrapped with its recording time) are its Merkle leaf."""
    from ledger import integrity  # here: integrity reads the recorders' schemas, which import this

    db.lock()
    db.check_schema()
    db.execute("SELECT seq, recorded_at FROM ledger_entries ORDER BY seq DESC LIMIT 1")
    tail = db.fetchone()
    first, last = (tail[0] + 1, tail[1]) if tail else (0, "")
    if tail and not (isinstance(last, str) and integrity.RECORDED.fullmatch(last)):
        raise LedgerCorrupt(f"its indexed recording time {last!r} was altered", tail[0])
    if copied is not None and tail:
        raise StoreError(f"the copy's destination already holds {first} entries")
    now = max(format_recorded(db.clock()), last)
    seq, earliest = first, None
    index: list[tuple[int, int, int, str, str, bytes]] = []
    edge: tree.Edge = {}  # the tree's right edge, from one batch to the next
    for batch in batches:
        stored: list[tuple[str, int, str, bytes]] = []
        made: list[tuple[NewEntry, str, bytes]] = []
        for m in batch.entries:
            when = now
            if m.recorded_at is not None:  # a copy: the source's own time, which never goes back
                if m.recorded_at < last:
                    at = seq + len(made)
                    raise StoreError(f"entry {at}: its recording time goes back; nothing was written")
                when = last = m.recorded_at
            state = entry_bytes(m.fact, when)
            stored.append((m.originator_id, 1, FACT_TOPIC_PREFIX + m.type, state))
            made.append((m, when, state))
        for e in batch.corrections:
            s = mapper.to_stored_event(e)
            stored.append((str(s.originator_id), s.originator_version, s.topic, s.state))
        ids = db.insert_events(stored)
        rows, leaves = [], []
        for (m, when, state), nid in zip(made, ids, strict=False):
            leaf = leaf_hash(state)
            leaves.append(leaf)
            rows.append((seq, m.fact_id, nid, m.type, m.effective, when, m.target, leaf))
            if m.packed is not None:
                index.append((m.effective, m.rank, seq, m.fact_id, m.type, m.packed))
            seq += 1
        db.executemany("INSERT INTO ledger_entries VALUES (?,?,?,?,?,?,?,?)", rows)
        if rows:
            nodes = sorted(tree.new_nodes(rows[0][0], leaves, node_reader(db), edge))
            db.executemany("INSERT INTO merkle_nodes VALUES (?,?,?)", nodes)
        if batch.earliest is not None:
            earliest = batch.earliest if earliest is None else min(earliest, batch.earliest)
        if copied is not None:  # a copy may be any size: its memory stays that of one batch
            _insert_index(db, index)
            index = []
    # Sorted, the whole import goes into the clustered B-tree far faster than chunk by chunk.
    _insert_index(db, index)
    if earliest is not None:
        # Snapshots before the earliest day these facts touch stay valid for the new size.
        db.execute("DELETE FROM projection_snapshots WHERE effective >= ? OR size <> ?", (earliest, first))
        db.execute("UPDATE projection_snapshots SET size = ?", (seq,))
    if copied is not None:
        _keep(db, copied, seq)
    elif seq > first:
        db.execute("INSERT INTO checkpoints VALUES (?,?,?)", (seq, tree.root_at(seq, node_reader(db)), now))


def _insert_index(db: Transaction, rows: list[tuple[int, int, int, str, str, bytes]]) -> None:
    rows.sort()
    db.executemany("INSERT INTO replay_index VALUES (?,?,?,?,?,?)", rows)


def _keep(db: Transaction, copied: Copied, size: int) -> None:
    """The source's origin and checkpoints, once each checkpoint's root is the copy's own."""
    db.execute("UPDATE ledger_meta SET value = ? WHERE key = 'origin'", (copied.origin,))
    for n, root, stamp in copied.checkpoints:
        if n > size or tree.root_at(n, node_reader(db)) != root:
            raise StoreError(f"the copy's root at size {n} differs from the source's; nothing was written")
        db.execute("INSERT INTO checkpoints VALUES (?,?,?)", (n, root, stamp))


def node_reader(db: Transaction) -> tree.GetNode:
    """Merkle nodes as this transaction sees them (its own rows included)."""

    def stored(level: int, idx: int) -> bytes:
        db.execute(queries.NODE, (level, idx))
        row = db.fetchone()
        if row is None:
            raise tree.missing_node(level, idx)
        return tree.hash_value(row[0], f"the Merkle tree's node at level {level}, index {idx}", idx << level)

    def leaves(start: int, end: int) -> list[bytes]:
        db.execute(queries.LEAVES, (start, end))
        found = [tree.hash_value(h, "its Merkle leaf", start + i) for i, (h,) in enumerate(db.fetchall())]
        return tree.leaf_range(found, start, end)

    return tree.node_reader(stored, leaves)
