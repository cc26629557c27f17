"""One import's write, the same on every backend: entries, their stored events, Merkle nodes, the
replay index, snapshot invalidation and a checkpoint, inside the transaction a backend opened.

The backend (`storage.sqlite.store`, `storage.postgres.store`) opens the transaction and passes
a `Transaction`: its cursor, how it takes the write lock, how it checks the schema under that
lock and how it inserts into eventsourcing's `stored_events`. The SQL here uses `?`
placeholders; a backend that needs another style translates them in its `Transaction`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol

import msgspec

from ledger.dates import format_recorded
from ledger.errors import DestinationNotEmpty, StoreError
from ledger.facts import replay_day
from ledger.log.tree import LOWEST_STORED
from ledger.merkle import EMPTY_ROOT, leaf_hash
from ledger.reading import log
from ledger.reading.plans import Query, run
from ledger.storage.checks import recorded_tail
from ledger.storage.constants import FORMAT
from ledger.storage.events import (
    FACT_TOPICS_OF,
    FACT_VERSION,
    Correction,
    EventRow,
    correction_row,
    entry_bytes,
    fact_row,
)
from ledger.storage.migration import CURRENT_FORMAT


class NewEntry(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """One fact to append, as the writer writes it (made where its line is checked). It holds
    strings, numbers and bytes only, so the garbage collector need not track it (`gc=False`): an
    import keeps every one of its entries until its commit."""

    line: int  # where it came from, for messages
    fact_id: str
    type: str  # the contract's type name; stored under the topic `fact:<type>`
    rank: int  # position of the type within a day (contract section 4)
    effective: int  # proleptic Gregorian ordinal of the effective day (`facts.replay_day`: its index day)
    target: str | None  # the fact it retracts or supersedes
    fact: bytes  # RFC 8785 JSON of the fact; the writer wraps it with the recording time
    packed: bytes | None  # the fact in msgpack for the replay index; None: never folded
    recorded_at: str | None = None  # set only by `ledger copy`: the time the source recorded it
    # Made where the line is checked, for an import stamped before checking (`write`'s `stamp`):
    # its stored event's aggregate id and bytes (`storage.events.fact_row`: the fact wrapped with
    # that recording time) and the RFC 6962 hash of those bytes, its Merkle leaf. None: the
    # writer makes them.
    aggregate: str | None = None
    state: bytes | None = None
    leaf: bytes | None = None


class Batch(msgspec.Struct):
    """A chunk of an import, planned: its new facts and the corrections they make."""

    entries: list[NewEntry]
    corrections: list[tuple[str, str, Correction]]  # (target, by, how)
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

    def insert_events(self, rows: Sequence[EventRow]) -> list[int]:
        """eventsourcing's insert of (originator_id, version, topic, state) rows: their notification
        ids, in the order given."""

    def notify(self) -> None:
        """Tell eventsourcing's subscribers that events were inserted (sent at the commit)."""


def from_first_new(batches: Iterable[Batch], lazy: bool) -> Iterator[Batch] | None:
    """The batches to write; with `lazy`, starting from the first one that has something new (the
    ones before it are unchanged for good: nothing stored is ever removed), or None when none has:
    an import of what is already there then takes no lock at all."""
    pending: Iterator[Batch] = iter(batches)
    if not lazy:
        return pending
    first = next((b for b in pending if b.entries), None)
    return None if first is None else itertools.chain([first], pending)


def _fetch(db: Transaction) -> Any:
    def fetch(query: Query) -> list[Any]:
        db.execute(query.sql, query.params)
        return db.fetchall()

    return fetch


def write(
    db: Transaction, batches: Iterable[Batch], copied: Copied | None = None, stamp: str | None = None
) -> int:
    """Append every batch: seq and recording time continue from the tail, never going back; the
    stored bytes of each entry (the fact wrapped with its recording time) are its Merkle leaf.

    `stamp`: the recording time an import read before its lines were checked, for which each
    entry's stored event and leaf hash were made where it was checked (`NewEntry.state`). It is
    the import's recording time unless the ledger's last one is later (another writer committed
    meanwhile with a later time): then the import is stamped again here, under the write lock,
    and the writer makes every event and leaf itself. Returns the ledger's size once the batches
    are written (another writer's commit after this one's is not in it)."""
    db.lock()
    db.check_schema()
    db.execute(CURRENT_FORMAT)
    found = db.fetchone()
    if found is None or found[0] != FORMAT:  # an older version's ledger, or one migrated since
        raise StoreError(f"the ledger's format changed since it was opened ({found!r}); nothing was written")
    db.execute("SELECT seq, recorded_at FROM ledger_entries ORDER BY seq DESC LIMIT 1")
    tail = db.fetchone()
    first, last = (tail[0] + 1, recorded_tail(tail[0], tail[1])) if tail else (0, "")
    if copied is not None and tail:
        # Checked again under the write lock: another copy or import may have come first.
        raise DestinationNotEmpty(
            f"the copy's destination already holds {first} entries; nothing was written", size=first
        )
    if stamp is not None and stamp >= last and copied is None:
        now = stamp
    else:
        now = max(format_recorded(db.clock()), last)
    made = stamp == now  # the entries' own events and leaves are this import's
    tree = run(log.compact_range(first), _fetch(db))  # the tree's right edge, from stored nodes
    roots: dict[int, bytes] = {}  # a copy's checkpoint sizes: the copied tree's root there
    wanted = {n for n, _, _ in copied.checkpoints} if copied is not None else set()
    seq, earliest = first, None
    index: list[tuple[int, int, int, str, str, bytes]] = []
    nodes: list[tuple[int, int, bytes]] = []  # the stored nodes a batch's leaves complete

    def keep(level: int, idx: int, h: bytes) -> None:
        if level >= LOWEST_STORED:
            nodes.append((level, idx, h))

    for batch in batches:
        entries = batch.entries
        whens: Iterable[str]
        if copied is None:
            whens = itertools.repeat(now)
            events, leaves = _events(entries, now, made)
        else:
            whens, last = _copied_times(entries, last, now, seq)
            pairs = zip(entries, whens, strict=True)
            events = [fact_row(m.fact_id, m.type, entry_bytes(m.fact, w)) for m, w in pairs]
            leaves = [leaf_hash(e[3]) for e in events]
        ids = db.insert_events(events + [correction_row(t, by, how) for t, by, how in batch.corrections])
        seqs = range(seq, seq + len(entries))
        rows = [
            (s, m.fact_id, nid, m.type, m.effective, when, m.target, leaf)
            for s, m, nid, when, leaf in zip(seqs, entries, ids, whens, leaves, strict=False)
        ]
        if wanted:
            for s, leaf in zip(seqs, leaves, strict=True):
                tree.append(leaf, keep)
                if s + 1 in wanted:
                    roots[s + 1] = tree.root()
        else:
            tree.extend(leaves, keep)
        index.extend(
            (replay_day(m.type, m.effective), m.rank, s, m.fact_id, m.type, m.packed)
            for s, m in zip(seqs, entries, strict=True)
            if m.packed is not None
        )
        seq += len(entries)
        db.executemany("INSERT INTO ledger_entries VALUES (?,?,?,?,?,?,?,?)", rows)
        db.executemany("INSERT INTO merkle_nodes VALUES (?,?,?)", sorted(nodes))
        nodes.clear()
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
        _keep(db, copied, seq, roots)
    elif seq > first:
        db.execute("INSERT INTO checkpoints VALUES (?,?,?)", (seq, tree.root(), now))
    if seq > first:
        db.notify()
    return seq  # the ledger's size with these entries, as this transaction sees it


def _events(entries: list[NewEntry], now: str, made: bool) -> tuple[list[EventRow], list[bytes]]:
    """The stored events of an import's entries recorded at `now`, and their leaf hashes: as they
    were made where they were checked when `made` (for that time), else made here."""
    events: list[EventRow] = []
    leaves: list[bytes] = []
    for m in entries:
        if made and m.aggregate is not None and m.state is not None and m.leaf is not None:
            events.append((m.aggregate, FACT_VERSION, FACT_TOPICS_OF[m.type], m.state))
            leaves.append(m.leaf)
        else:
            event = fact_row(m.fact_id, m.type, entry_bytes(m.fact, now))
            events.append(event)
            leaves.append(leaf_hash(event[3]))
    return events, leaves


def _copied_times(entries: list[NewEntry], last: str, now: str, first: int) -> tuple[list[str], str]:
    """A copy's recording times, the source's own (`now` for an entry without one), checked never
    to go back; and the last of them."""
    whens = []
    for at, m in enumerate(entries, first):
        when = now
        if m.recorded_at is not None:
            if m.recorded_at < last:
                raise StoreError(f"entry {at}: its recording time goes back; nothing was written")
            when = last = m.recorded_at
        whens.append(when)
    return whens, last


def _insert_index(db: Transaction, rows: list[tuple[int, int, int, str, str, bytes]]) -> None:
    """Insert replay index rows given in `seq` order, sorted by their key (effective, rank, seq):
    Python's sort is stable, so ordering them by day and rank alone is enough, and one integer
    per row sorts in about half the time of the tuples."""
    rows.sort(key=_day_and_rank)
    db.executemany("INSERT INTO replay_index VALUES (?,?,?,?,?,?)", rows)


def _day_and_rank(row: tuple[int, int, int, str, str, bytes]) -> int:
    # Ranks are below 2**16 (`facts.RANK`); one above would only make the insert slower, never
    # wrong: the table orders its rows by its primary key whatever order they come in.
    return row[0] << 16 | row[1]


def _keep(db: Transaction, copied: Copied, size: int, roots: dict[int, bytes]) -> None:
    """The source's origin and checkpoints, once each checkpoint's root is the copy's own."""
    db.execute("UPDATE ledger_meta SET value = ? WHERE key = 'origin'", (copied.origin,))
    for n, root, stamp in copied.checkpoints:
        if n > size or roots.get(n, None if n else EMPTY_ROOT) != root:
            raise StoreError(f"the copy's root at size {n} differs from the source's; nothing was written")
        db.execute("INSERT INTO checkpoints VALUES (?,?,?)", (n, root, stamp))
