"""The embedded store: one SQLite file (WAL) holding an eventsourcing application.

Writes go through eventsourcing's recorder (`ledger.sqlite_recorder`); reads
are plain SQL over the recorder's table and ours, as tuples in large
batches, never a per-row Notification, UUID or domain object.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from eventsourcing.persistence import IntegrityError, PersistenceError

from ledger import integrity
from ledger.errors import (
    ConflictError,
    LedgerCorrupt,
    StoreError,
    UsageError,
    no_ledger,
)
from ledger.integrity import META, SCHEMA, check_ledger
from ledger.sqlite_recorder import LedgerApplication
from ledger.store import LOCK_TIMEOUT_S, Row, Store
from ledger.writer import Batch, Copied

__all__ = ["LOCK_TIMEOUT_S", "Row", "SQLiteStore"]

SNAPSHOT_WAIT_MS = 100


class SQLiteStore(Store):
    """A ledger in one SQLite file."""

    def __init__(self, path: Path, lock_timeout: int = LOCK_TIMEOUT_S) -> None:
        if lock_timeout < 1:
            raise UsageError("wait at least 1 second", param="lock_timeout", value=lock_timeout)
        self.path = path
        self.where = str(path)
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
            raise no_ledger(path)
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
            raise no_ledger(self.path)
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

    # What the shared reads (`ledger.store.Store`) need

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._db().execute(sql, params).fetchall()
        except sqlite3.DatabaseError as e:
            raise LedgerCorrupt(f"cannot read the ledger: {e}", path=self.path) from None

    def _stream(self, sql: str, params: Sequence[Any] = (), batch: int = 4096) -> Iterator[list[Any]]:
        try:
            cur = self._db().execute(sql, params)
            while chunk := cur.fetchmany(batch):
                yield chunk
        except sqlite3.DatabaseError as e:
            raise LedgerCorrupt(f"cannot read the ledger: {e}", path=self.path) from None

    @contextlib.contextmanager
    def consistent(self) -> Iterator[None]:
        """Every read meanwhile sees one snapshot of the file, whatever other writers commit: one
        read transaction on the one connection all reads use (WAL keeps it stable)."""
        db = self._db()
        if db.in_transaction:
            yield
            return
        try:
            db.execute("BEGIN")
        except sqlite3.DatabaseError as e:
            raise LedgerCorrupt(f"cannot read the ledger: {e}", path=self.path) from None
        try:
            yield
        finally:
            if db.in_transaction:
                db.execute("COMMIT")

    def damage(self) -> str | None:
        """SQLite's own check of every page of the file (`PRAGMA quick_check`); None when sound."""
        rows = self._query("PRAGMA quick_check(1)")
        return None if rows == [("ok",)] else " ".join(str(rows[0][0]).split())

    def application(self) -> LedgerApplication:
        return self._application()

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

    def append(self, batches: Iterable[Batch], *, lazy: bool = False, copy: Copied | None = None) -> None:
        """Append the batches in one transaction through the recorder, all or nothing: if the
        iterator raises, everything written is rolled back and the exception goes on."""
        app = self._application()
        try:
            app.entry_recorder.append(batches, app.mapper, lazy=lazy, copied=copy)
        except IntegrityError as e:
            raise ConflictError(str(e)) from None
        except (PersistenceError, sqlite3.Error) as e:
            raise StoreError(f"{self.path}: the import was not written: {e}") from None
