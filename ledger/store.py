"""What every backend's store does the same way: the reads, as plain SQL over our tables.

A store is a ledger in one database: `ledger.sqlite_store.SQLiteStore` (one
SQLite file) or `ledger.postgres_store.PostgresStore` (a PostgreSQL database).
Both hold the same tables, written by a recorder of their own in one
transaction per import (`ledger.writer`), and answer these reads with the
same SQL (`ledger.queries`, written with `?` placeholders; a backend that
uses another style translates them in `_query` and `_stream`). Rows come back
as plain tuples in large batches, never as a per-row Notification, UUID or
domain object.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

import msgspec

from ledger import integrity, queries, tree
from ledger.domain import aggregate_id
from ledger.errors import LedgerCorrupt
from ledger.integrity import stored_entry
from ledger.mapper import CORRECTION_TOPIC, CorrectionState, decode_correction

LOCK_TIMEOUT_S = 30  # how long a writer waits for another one's lock, by default


class Row(msgspec.Struct, frozen=True, array_like=True):
    """One ledger entry as stored."""

    seq: int
    fact_id: str
    type: str
    effective: int
    recorded_at: str
    target: str | None  # the fact this entry retracts or supersedes, as indexed
    topic: str | None  # None: the stored event is missing
    state: bytes | None
    leaf: bytes | None = None  # the stored leaf hash (None only in an altered ledger)


class Store(ABC):
    """A ledger in one database. `where` names it in messages (a file, or a URL without password)."""

    where: str

    # What each backend provides

    @abstractmethod
    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """All rows of one statement (`?` placeholders); LedgerCorrupt when the database fails."""

    @abstractmethod
    def _stream(self, sql: str, params: Sequence[Any] = (), batch: int = 4096) -> Iterator[list[Any]]:
        """The rows of one statement in lists of up to `batch`, read as they are consumed."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def append(self, batches: Iterable[Any], *, lazy: bool = False, copy: Any = None) -> None:
        """Append planned batches (`ledger.writer.Batch`) in one transaction, all or nothing."""

    @abstractmethod
    def save_snapshots(self, size: int, snapshots: Iterable[tuple[int, bytes]]) -> bool:
        """Keep projection snapshots taken at `size` entries, unless the ledger grew meanwhile;
        False when they could not be kept (snapshots are an optimisation only)."""

    @abstractmethod
    def consistent(self) -> AbstractContextManager[None]:
        """A context in which every read sees one snapshot of the ledger, whatever other writers
        commit meanwhile (for `verify` and `copy`, which read the whole ledger more than once)."""

    @abstractmethod
    def damage(self) -> str | None:
        """The database's own check of what no query of ours reads; None when sound."""

    @abstractmethod
    def application(self) -> Any:
        """The eventsourcing application over this database (for its stock read path)."""

    # Reading

    def size(self) -> int:
        return int(self._query(queries.SIZE)[0][0])

    def rows(self, start: int = 0, stop: int | None = None, *, batch: int = 1000) -> Iterator[Row]:
        """Entries in recording order, with their leaf hashes, streamed in batches, from seq
        `start` to `stop` (excluded)."""
        params = (start, stop if stop is not None else 2**62)
        for chunk in self._stream(queries.ENTRIES, params, batch):
            for r in chunk:
                yield Row(*r)

    def node(self, level: int, idx: int) -> bytes:
        """A complete subtree's hash: stored, or hashed from its few leaves (`ledger.tree`)."""
        return tree.node_reader(self._stored_node, self.leaves)(level, idx)

    def _stored_node(self, level: int, idx: int) -> bytes:
        rows = self._query(queries.NODE, (level, idx))
        if not rows:
            raise tree.missing_node(level, idx)
        return tree.hash_value(
            rows[0][0], f"the Merkle tree's node at level {level}, index {idx}", idx << level
        )

    def leaves(self, start: int, end: int) -> list[bytes]:
        """The Merkle leaf hashes of entries start..end-1."""
        rows = self._query(queries.LEAVES, (start, end))
        found = [tree.hash_value(leaf, "its Merkle leaf", start + i) for i, (leaf,) in enumerate(rows)]
        return tree.leaf_range(found, start, end)

    def nodes(self, level: int) -> Iterator[tuple[int, bytes]]:
        """(idx, hash) of every stored node of one level, in order."""
        for chunk in self._stream("SELECT idx, hash FROM merkle_nodes WHERE level=? ORDER BY idx", (level,)):
            yield from chunk

    def checkpoints(self, size: int | None = None) -> list[tuple[int, bytes, str]]:
        """Recorded checkpoints (all, or the one for `size`): (size, root, timestamp), by size."""
        where, params = ("WHERE size = ?", (size,)) if size is not None else ("", ())
        rows = self._query(f"SELECT size, root, timestamp FROM checkpoints {where} ORDER BY size", params)
        return [integrity.checkpoint_row(self.where, row) for row in rows]

    def all_corrections(self) -> Iterator[tuple[str, str, bytes]]:
        """Every stored correction row: (aggregate id hex, topic, state)."""
        sql = "SELECT originator_id, topic, state FROM stored_events WHERE originator_version = 2"
        for chunk in self._stream(sql):
            yield from chunk

    def stray_node(self, size: int) -> tuple[int, int] | None:
        """A stored Merkle node below the lowest stored level, or over entries the first `size`
        do not complete: (level, idx), or None. An import would later collide with it."""
        rows = self._query(
            "SELECT level, idx FROM merkle_nodes "
            "WHERE level < ? OR idx < 0 OR idx >= (CAST(? AS BIGINT) >> level) LIMIT 1",
            (tree.LOWEST_STORED, size),
        )
        return (int(rows[0][0]), int(rows[0][1])) if rows else None

    def fact_events(self) -> int:
        """How many stored events are not correction rows: one per entry, in a ledger as written."""
        sql = "SELECT count(*) FROM stored_events WHERE originator_version <> 2 OR originator_version IS NULL"
        return int(self._query(sql)[0][0])

    def origin(self) -> str:
        rows = self._query("SELECT value FROM ledger_meta WHERE key='origin'")
        if not rows or not isinstance(rows[0][0], str) or not integrity.ORIGIN.fullmatch(rows[0][0]):
            raise LedgerCorrupt("the ledger's origin is missing or was altered", path=self.where)
        return str(rows[0][0])

    def seq_of(self, fact_id: str) -> int | None:
        rows = self._query("SELECT seq FROM ledger_entries WHERE fact_id=?", (fact_id,))
        return int(rows[0][0]) if rows else None

    def where_in(self, select: str, keys: Iterable[str]) -> Iterator[Any]:
        """The rows of `select` (ending in `... IN`) for each of `keys`, 500 keys a statement."""
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), 500):
            part = unique[i : i + 500]
            yield from self._query(f"{select} ({','.join('?' * len(part))})", part)

    def find(self, fact_ids: Sequence[str]) -> dict[str, Row]:
        """The stored entries among `fact_ids`."""
        found: dict[str, Row] = {}
        for r in self.where_in(f"{queries.ENTRY} WHERE e.fact_id IN", fact_ids):
            row = Row(*r)
            # The import plan decodes and compares it: an altered entry fails naming itself.
            stored_entry(row, leaf=True)
            found[r[1]] = row
        return found

    def corrections(self, fact_ids: Sequence[str]) -> dict[str, CorrectionState]:
        """Which of `fact_ids` have been retracted or superseded, and by what."""
        found: dict[str, CorrectionState] = {}
        by_uuid = {aggregate_id(f): f for f in fact_ids}
        sql = (
            "SELECT originator_id, topic, state FROM stored_events "
            "WHERE originator_version=2 AND originator_id IN"
        )
        for oid, topic, state in self.where_in(sql, by_uuid):
            target = by_uuid[oid]
            try:
                if topic != CORRECTION_TOPIC:
                    raise LedgerCorrupt(f"its correction record has an unknown stored type {topic!r}")
                found[target] = decode_correction(state)
            except LedgerCorrupt as e:
                raise LedgerCorrupt(e.message, self.seq_of(target), target, path=self.where) from None
        return found

    # The replay loop's reads (ledger.replay.loop): plain tuples in large batches

    def recorded_by(self, moment: str) -> int:
        """How many entries were recorded at or before `moment` (a prefix of the log)."""
        return int(self._query(queries.KNOWN_AT, (moment,))[0][0])

    def corrected(self, size: int) -> set[str]:
        """Ids of the facts retracted or superseded by the first `size` entries."""
        return {t for (t,) in self._query(queries.CORRECTED, (size,))}

    def replay_batches(
        self, after: int, upto: int, *, skip_ranks: Sequence[int] = (), batch: int = 4096
    ) -> Iterator[list[Any]]:
        """Rows (seq, fact_id, type, effective, payload) in replay order, effective day in (after, upto],
        leaving out the type ranks in `skip_ranks` (types a projection ignores)."""
        return self._stream(queries.replay(skip_ranks), (after, upto), batch)

    def index_rows(self) -> Iterator[tuple[int, int, int, str, str, bytes]]:
        """Every replay index row (effective, rank, seq, fact_id, type, payload), in replay order."""
        sql = (
            "SELECT effective, rank, seq, fact_id, type, payload FROM replay_index "
            "ORDER BY effective, rank, seq"
        )
        for chunk in self._stream(sql):
            yield from chunk

    def snapshots(self, size: int) -> list[tuple[int, bytes]]:
        """Every projection snapshot valid for `size` entries: (day, state), by day."""
        sql = "SELECT effective, state FROM projection_snapshots WHERE size = ? ORDER BY effective"
        return [integrity.snapshot_row(self.where, d, b) for d, b in self._query(sql, (size,))]

    def snapshot(self, size: int, day: int) -> tuple[int, bytes] | None:
        """The latest projection snapshot on or before `day` valid for `size` entries."""
        rows = self._query(queries.SNAPSHOT, (size, day))
        return integrity.snapshot_row(self.where, *rows[0]) if rows else None
