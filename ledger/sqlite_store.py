"""The embedded store: one SQLite file (WAL) holding an eventsourcing application.

Writes go through eventsourcing's recorder (`ledger.sqlite_recorder`); reads
are plain SQL over the recorder's table and ours, as tuples in large
batches, never a per-row Notification, UUID or domain object.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import msgspec
from eventsourcing.persistence import IntegrityError, PersistenceError

from ledger import integrity, queries, tree
from ledger.domain import aggregate_id
from ledger.errors import ConflictError, LedgerCorrupt, LedgerMissing, StoreError, UsageError
from ledger.integrity import META, SCHEMA, check_ledger, stored_entry
from ledger.mapper import CORRECTION_TOPIC, CorrectionState, decode_correction
from ledger.sqlite_recorder import Batch, LedgerApplication

LOCK_TIMEOUT_S = 30  # how long a writer waits for another one's lock, by default
SNAPSHOT_WAIT_MS = 100


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


class SQLiteStore:
    """A ledger in one SQLite file."""

    def __init__(self, path: Path, lock_timeout: int = LOCK_TIMEOUT_S) -> None:
        if lock_timeout < 1:
            raise UsageError(f"lock timeout {lock_timeout}: wait at least 1 second")
        self.path = path
        self.lock_timeout = lock_timeout
        self._app: LedgerApplication | None = None
        self._conn: sqlite3.Connection | None = None

    # Opening

    @classmethod
    def create(cls, path: Path, lock_timeout: int = LOCK_TIMEOUT_S) -> SQLiteStore:
        """Create the ledger file (or open it if it is already a ledger). A file that is neither
        empty nor a ledger is refused before anything is written to it."""
        store = cls(path, lock_timeout)
        try:
            if path.is_file():
                store._check_format(empty_ok=True)
            store._application()
            store._check_format()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open(cls, path: Path, lock_timeout: int = LOCK_TIMEOUT_S) -> SQLiteStore:
        """Open an existing ledger; never creates a file."""
        if not path.is_file():
            raise LedgerMissing(f"{path}: no ledger here (run `ledger init` or `ledger import`)")
        store = cls(path, lock_timeout)
        try:
            store._check_format()
        except BaseException:
            store.close()
            raise
        return store

    def _application(self) -> LedgerApplication:
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(self.path),
            "SQLITE_LOCK_TIMEOUT": str(self.lock_timeout),
        }
        deadline = time.monotonic() + self.lock_timeout
        while self._app is None:
            try:
                self._app = LedgerApplication(env=env)
            except (PersistenceError, sqlite3.Error, OSError) as e:
                # Switching a new file to WAL, or creating its tables, needs a lock another
                # process may hold for a moment (two imports creating one ledger): wait for it.
                if "locked" in str(e) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise StoreError(f"{self.path}: cannot open the ledger: {e}") from None
        return self._app

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            error: sqlite3.Error | None = None
            for mode in ("rw", "ro"):  # an auditor's read-only copy can still be replayed and verified
                try:
                    self._conn = sqlite3.connect(
                        f"file:{self.path}?mode={mode}",
                        uri=True,
                        timeout=self.lock_timeout,
                        isolation_level=None,
                    )
                    # No function with side effects in anything the file's schema defines (belt
                    # and braces: opening refuses any trigger or view that we did not create).
                    self._conn.execute("PRAGMA trusted_schema = OFF")
                    break
                except sqlite3.Error as e:
                    error = error or e
            else:
                raise StoreError(f"{self.path}: cannot open the ledger: {error}") from None
        return self._conn

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._db().execute(sql, params).fetchall()
        except sqlite3.DatabaseError as e:
            raise LedgerCorrupt(f"cannot read the ledger: {e}", path=self.path) from None

    def _check_format(self, *, empty_ok: bool = False) -> None:
        """The file is a ledger, checked in two small queries (`ledger.integrity`); an empty file
        or database holds no ledger at all: LedgerMissing, unless `empty_ok` (to create one)."""
        try:
            schema = self._db().execute(SCHEMA).fetchall()
        except sqlite3.DatabaseError as e:
            raise integrity.unreadable(self.path, e) from None
        if not schema:
            if empty_ok:
                return
            raise LedgerMissing(f"{self.path}: no ledger here (run `ledger init` or `ledger import`)")
        try:
            meta = self._db().execute(META).fetchall()
        except sqlite3.DatabaseError:
            meta = None
        check_ledger(self.path, schema, meta)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._app is not None:
            self._app.close()
            self._app = None

    # Reading

    def size(self) -> int:
        return int(self._query(queries.SIZE)[0][0])

    def rows(self, start: int = 0, stop: int | None = None, *, batch: int = 1000) -> Iterator[Row]:
        """Entries in recording order, with their leaf hashes, streamed in batches, from seq
        `start` to `stop` (excluded)."""
        try:
            cur = self._db().execute(queries.ENTRIES, (start, stop if stop is not None else 2**62))
            while chunk := cur.fetchmany(batch):
                for r in chunk:
                    yield Row(*r)
        except sqlite3.DatabaseError as e:
            raise LedgerCorrupt(f"cannot read the ledger: {e}", path=self.path) from None

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
        try:
            cur = self._db().execute(
                "SELECT idx, hash FROM merkle_nodes WHERE level=? ORDER BY idx", (level,)
            )
            while chunk := cur.fetchmany(4096):
                yield from chunk
        except sqlite3.DatabaseError as e:
            raise LedgerCorrupt(f"cannot read the ledger: {e}", path=self.path) from None

    def checkpoints(self, size: int | None = None) -> list[tuple[int, bytes, str]]:
        """Recorded checkpoints (all, or the one for `size`): (size, root, timestamp), by size."""
        where, params = ("WHERE size = ?", (size,)) if size is not None else ("", ())
        rows = self._query(f"SELECT size, root, timestamp FROM checkpoints {where} ORDER BY size", params)
        return [integrity.checkpoint_row(self.path, row) for row in rows]

    def all_corrections(self) -> Iterator[tuple[str, str, bytes]]:
        """Every stored correction row: (aggregate id hex, topic, state)."""
        sql = "SELECT originator_id, topic, state FROM stored_events WHERE originator_version = 2"
        try:
            yield from self._db().execute(sql)
        except sqlite3.DatabaseError as e:
            raise LedgerCorrupt(f"cannot read the ledger: {e}", path=self.path) from None

    def damage(self) -> str | None:
        """SQLite's own check of every page of the file (`PRAGMA quick_check`); None when sound."""
        rows = self._query("PRAGMA quick_check(1)")
        return None if rows == [("ok",)] else " ".join(str(rows[0][0]).split())

    def stray_node(self, size: int) -> tuple[int, int] | None:
        """A stored Merkle node below the lowest stored level, or over entries the first `size`
        do not complete: (level, idx), or None. An import would later collide with it."""
        rows = self._query(
            "SELECT level, idx FROM merkle_nodes WHERE level < ? OR idx < 0 OR idx >= (? >> level) LIMIT 1",
            (tree.LOWEST_STORED, size),
        )
        return (int(rows[0][0]), int(rows[0][1])) if rows else None

    def fact_events(self) -> int:
        """How many stored events are not correction rows: one per entry, in a ledger as written."""
        return int(self._query("SELECT count(*) FROM stored_events WHERE originator_version IS NOT 2")[0][0])

    def origin(self) -> str:
        rows = self._query("SELECT value FROM ledger_meta WHERE key='origin'")
        if not rows or not isinstance(rows[0][0], str) or not integrity.ORIGIN.fullmatch(rows[0][0]):
            raise LedgerCorrupt("the ledger's origin is missing or was altered", path=self.path)
        return rows[0][0]

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
                "SELECT e.seq, e.fact_id, e.type, e.effective, e.recorded_at, e.target, s.topic, s.state, "
                "e.leaf FROM ledger_entries e LEFT JOIN stored_events s ON s.rowid = e.notification_id "
                f"WHERE e.fact_id IN ({marks})",
                part,
            ):
                row = Row(*r)
                # The import plan decodes and compares it: an altered entry fails naming itself.
                stored_entry(row, leaf=True)
                found[r[1]] = row
        return found

    def corrections(self, fact_ids: Sequence[str]) -> dict[str, CorrectionState]:
        """Which of `fact_ids` have been retracted or superseded, and by what."""
        found: dict[str, CorrectionState] = {}
        by_uuid = {aggregate_id(f): f for f in fact_ids}
        keys = list(by_uuid)
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            for oid, topic, state in self._query(
                "SELECT originator_id, topic, state FROM stored_events "
                f"WHERE originator_version=2 AND originator_id IN ({marks})",
                part,
            ):
                target = by_uuid[oid]
                try:
                    if topic != CORRECTION_TOPIC:
                        raise LedgerCorrupt(f"its correction record has an unknown stored type {topic!r}")
                    found[target] = decode_correction(state)
                except LedgerCorrupt as e:
                    raise LedgerCorrupt(e.message, self.seq_of(target), target, path=self.path) from None
        return found

    # The fast replay loop's reads (ledger.replay_core): plain tuples in large batches

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
        try:
            cur = self._db().execute(queries.replay(skip_ranks), (after, upto))
            while chunk := cur.fetchmany(batch):
                yield chunk
        except sqlite3.DatabaseError as e:
            raise LedgerCorrupt(f"cannot read the ledger: {e}", path=self.path) from None

    def index_rows(self) -> Iterator[tuple[int, int, int, str, str, bytes]]:
        """Every replay index row (effective, rank, seq, fact_id, type, payload), in replay order."""
        try:
            cur = self._db().execute("SELECT * FROM replay_index ORDER BY effective, rank, seq")
            while chunk := cur.fetchmany(4096):
                yield from chunk
        except sqlite3.DatabaseError as e:
            raise LedgerCorrupt(f"cannot read the ledger: {e}", path=self.path) from None

    def snapshots(self, size: int) -> list[tuple[int, bytes]]:
        """Every projection snapshot valid for `size` entries: (day, state), by day."""
        sql = "SELECT effective, state FROM projection_snapshots WHERE size = ? ORDER BY effective"
        return [integrity.snapshot_row(self.path, d, b) for d, b in self._query(sql, (size,))]

    def snapshot(self, size: int, day: int) -> tuple[int, bytes] | None:
        """The latest projection snapshot on or before `day` valid for `size` entries."""
        rows = self._query(queries.SNAPSHOT, (size, day))
        return integrity.snapshot_row(self.path, *rows[0]) if rows else None

    def save_snapshots(self, size: int, snapshots: Iterable[tuple[int, bytes]]) -> bool:
        """Keep snapshots taken at `size` entries, unless the ledger grew meanwhile."""
        db = self._db()
        try:
            db.execute(f"PRAGMA busy_timeout = {SNAPSHOT_WAIT_MS}")  # never stall a read behind an import
            db.execute("PRAGMA synchronous = FULL")  # as the imports: this build's default may be weaker
            db.execute("BEGIN IMMEDIATE")
            try:
                if self.size() == size:
                    db.executemany(
                        "INSERT OR REPLACE INTO projection_snapshots VALUES (?,?,?)",
                        [(day, size, state) for day, state in snapshots],
                    )
                db.execute("COMMIT")
                return True
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.Error:
            return False  # a read-only file or a busy writer: snapshots are an optimisation only
        finally:
            db.execute(f"PRAGMA busy_timeout = {self.lock_timeout * 1000}")

    # Writing

    def append(self, batches: Iterable[Batch], *, lazy: bool = False) -> None:
        """Append the batches in one transaction through the recorder, all or nothing: if the
        iterator raises, everything written is rolled back and the exception goes on."""
        app = self._application()
        try:
            app.entry_recorder.append(batches, app.mapper, lazy=lazy)
        except IntegrityError as e:
            raise ConflictError(str(e)) from None
        except (PersistenceError, sqlite3.Error) as e:
            raise StoreError(f"{self.path}: the import was not written: {e}") from None
