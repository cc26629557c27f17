"""A ledger in one SQLite file (WAL), on one connection of ours for every read and write.

Reads are the plans of `ledger.reading`, run a short statement at a time (`fetch`); an import is
one transaction (`append`, through `ledger.storage.writer`), with eventsourcing's insert for
the stored events (`storage.sqlite.recorder`). SQLite's errors are translated in one place
(`storage.sqlite.errors`).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ledger.dates import format_recorded
from ledger.errors import LedgerClosed, StoreError, no_ledger
from ledger.reading.args import lock_timeout as check_lock_timeout
from ledger.reading.plans import Query
from ledger.storage import migration, schema, sql, writer
from ledger.storage.checks import NeedsMigration
from ledger.storage.constants import FORMAT
from ledger.storage.events import EventRow
from ledger.storage.sqlite import catalogue, recorder
from ledger.storage.sqlite.errors import is_locked, translate, translated
from ledger.storage.waking import PollWaker
from ledger.storage.writer import Batch, Copied

SNAPSHOT_WAIT_MS = 100  # a replay never waits longer than this to keep its snapshots
CACHE_KIB = 256 * 1024  # room for the B-trees a large import touches
# Rows per statement when a plain insert of many rows is written as one multi-row INSERT: a fifth
# less CPU than one row per step for `ledger_entries` and `replay_index` (measured on 200,000
# rows), with the same rows, in the same order, at the same rowids.
ROWS_PER_INSERT = 64
_PLAIN_INSERT = re.compile(r"INSERT INTO (\w+) VALUES (\(\?(?:,\?)*\))")


def connect(path: Path, mode: str, lock_timeout: float) -> sqlite3.Connection:
    """A connection to the file in `mode` (`rw`, `ro`, `rwc`), in autocommit mode, running
    nothing the file's schema could define with side effects."""
    conn = sqlite3.connect(
        f"file:{quote(str(path))}?mode={mode}",
        uri=True,
        timeout=lock_timeout,
        isolation_level=None,
        check_same_thread=False,
    )
    # Belt and braces: opening refuses any trigger or view that we did not create.
    conn.execute("PRAGMA trusted_schema = OFF")
    # Sync the WAL at every commit, so that a commit survives a power loss, whatever this SQLite
    # build's default; imports and snapshots set it again (it cannot change inside a transaction).
    conn.execute("PRAGMA synchronous = FULL")
    return conn


# A ledger on read-only media (a read-only mount, or a folder we may not write in): SQLite cannot
# make the `-shm` file a WAL reader needs, so `mode=ro` fails too; `immutable=1` reads the file
# without it, on the promise that nothing changes the file meanwhile, which holds where nobody
# can write it (`_read_only_media`).
IMMUTABLE = "ro&immutable=1"


def _read_only_media(path: Path) -> bool:
    """Whether the ledger's folder cannot be written, so that neither this process nor a writer
    through this path can change the file. A write-ahead log left beside it with commits in it
    would be ignored by an immutable read: that is an error, not a smaller ledger."""
    if os.access(path.parent, os.W_OK):
        return False
    wal = Path(f"{path}-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        raise StoreError(
            f"{path}: its write-ahead log ({wal.name}) holds commits that cannot be read where the "
            "folder is read-only; copy the ledger with its -wal file where it can be written, "
            "and open it there once"
        )
    return True


class SQLiteStore:
    """A ledger in one SQLite file. `where` names it in messages."""

    backend = "sqlite"

    def __init__(
        self, path: Path, lock_timeout: int, conn: sqlite3.Connection, *, read_only: bool = False
    ) -> None:
        self.path = path
        self.where = str(path)
        self.lock_timeout = lock_timeout
        self.read_only = read_only
        self._conn: sqlite3.Connection | None = conn

    # Opening

    @classmethod
    def open(cls, path: Path, lock_timeout: int) -> SQLiteStore:
        """An existing ledger; never creates a file. A read-only file (an auditor's copy) is
        opened read-only: it can be replayed and verified."""
        check_lock_timeout(lock_timeout)
        if not path.is_file():
            raise no_ledger(path)
        conn = None
        error: sqlite3.Error | None = None
        mode = "rw"
        for mode in ("rw", "ro", IMMUTABLE):
            if mode == IMMUTABLE and not _read_only_media(path):
                break
            try:
                conn = connect(path, mode, lock_timeout)
                break
            except sqlite3.Error as e:
                error = error or e
        if conn is None:
            assert error is not None
            raise translate(error, str(path), "open") from None
        store = cls(path, lock_timeout, conn, read_only=mode != "rw")
        try:
            if not store._schema():
                raise no_ledger(path)
            store._check_or_migrate()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def create(cls, path: Path, lock_timeout: int) -> SQLiteStore:
        """Create the ledger file (or open it if it is already a ledger). A file that is neither
        empty nor a ledger is refused before anything is written to it."""
        check_lock_timeout(lock_timeout)
        try:
            conn = connect(path, "rwc", lock_timeout)
        except sqlite3.Error as e:
            raise translate(e, str(path), "open") from None
        store = cls(path, lock_timeout, conn)
        try:
            if not store._schema():
                store._make()
            store._check_or_migrate()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def create_beside(cls, path: Path, lock_timeout: int) -> SQLiteStore:
        """A new ledger in a file of its own beside `path`, which must not exist: an import writes
        it, then `publish` puts it at `path` (or `discard` removes it), so that a refused import
        of a new ledger leaves no file behind. Messages name `path`."""
        check_lock_timeout(lock_timeout)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.new")
        try:
            conn = connect(temporary, "rwc", lock_timeout)
        except sqlite3.Error as e:
            raise translate(e, str(path), "open") from None
        store = cls(temporary, lock_timeout, conn)
        store.where = str(path)
        store.target = path
        try:
            store._make(wal=False)
            store._check()
        except BaseException:
            store.discard()
            raise
        return store

    target: Path | None = None  # where `publish` puts a ledger made by `create_beside`

    def publish(self) -> bool:
        """Close a ledger made by `create_beside` and put it at its path, unless a file appeared
        there meanwhile (another process made the ledger first): then remove it and say False."""
        assert self.target is not None
        self._to_wal()
        self.close()
        try:
            os.link(self.path, self.target)  # never replaces a file: fails if one is there
        except FileExistsError:
            return False
        except OSError as e:
            raise StoreError(f"{self.where}: cannot create the ledger: {e.strerror or e}") from None
        finally:
            self._remove_files()
        with contextlib.suppress(OSError):  # the new name survives a power loss
            directory = os.open(self.target.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        return True

    def discard(self) -> None:
        """Close a ledger made by `create_beside` and remove its files: nothing is left."""
        self.close()
        self._remove_files()

    def _remove_files(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.path}{suffix}")

    def _schema(self) -> list[Any]:
        with translated(self.where, "read"):
            return self._db().execute(catalogue.SCHEMA).fetchall()

    def _check(self) -> None:
        """The file is a ledger of our format (`storage.sqlite.catalogue`)."""
        schema = self._schema()
        try:
            meta: list[Any] | None = self._db().execute(sql.META).fetchall()
        except sqlite3.DatabaseError:
            meta = None
        catalogue.check(self.where, schema, meta)

    def _check_or_migrate(self) -> None:
        """`_check`, once a ledger of an older format is migrated (`storage.migration`)."""
        try:
            self._check()
        except NeedsMigration as e:
            self._migrate(e.found)
            self._check()

    def _migrate(self, found: str) -> None:
        """Bring the ledger to this version's format, in one transaction under the write lock
        (unless another process did meanwhile); a read-only file cannot be, and says so."""
        if self.read_only:
            raise StoreError(
                f"{self.where}: a ledger of format {found!r}, which this version migrates to {FORMAT!r} "
                "the first time it opens it with write access; this file is read-only: open it once "
                "where it can be written (any command migrates it; entries and roots do not change)"
            )
        db = self._db()
        with translated(self.where, "write", self.lock_timeout):
            db.execute("PRAGMA synchronous = FULL")
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(migration.CURRENT_FORMAT).fetchone()
                if row is not None and row[0] in migration.MIGRATABLE:  # else migrated meanwhile
                    for statement in migration.statements(row[0]):
                        db.execute(statement)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def _make(self, wal: bool = True) -> None:
        """Make the tables in one transaction: WAL first (it outlives the connection), then every
        table, unless another process made them meanwhile (two imports creating one ledger).

        Without `wal`, for a file nobody else knows of yet (`create_beside`), the file keeps
        SQLite's rollback journal until `publish`: its first import then writes each page once,
        into the file, where in WAL mode it writes every page into the log and copies it into the
        file when the log is folded in (on an import of 200,000 facts, 128 MB written once
        rather than twice, and half a second less)."""
        db = self._db()
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                if wal:
                    db.execute("PRAGMA journal_mode = WAL")
                db.execute("BEGIN IMMEDIATE")
                if not db.execute(catalogue.SCHEMA).fetchall():
                    for statement in recorder.create_statements(schema.new_origin()):
                        db.execute(statement)
                db.execute("COMMIT")
                return
            except sqlite3.Error as e:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                if is_locked(e) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise translate(e, self.where, "open", self.lock_timeout) from None

    def _to_wal(self) -> None:
        """Put the file in WAL mode, as every ledger is once it has a path (`_make`): nothing
        else has it open, so the switch cannot wait for anyone."""
        with translated(self.where, "write", self.lock_timeout):
            mode = self._db().execute("PRAGMA journal_mode = WAL").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            raise StoreError(f"{self.where}: cannot put the new ledger in WAL mode (it stays in {mode!r})")

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LedgerClosed(self.where)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # Reading: the plans of `ledger.reading`, a statement at a time

    def fetch(self, query: Query) -> list[Any]:
        with translated(self.where, "read", self.lock_timeout):
            return self._db().execute(query.sql, query.params).fetchall()

    @contextlib.contextmanager
    def consistent(self) -> Iterator[None]:
        """Every read meanwhile sees one snapshot of the file, whatever other writers commit: one
        read transaction on the connection every read uses (WAL keeps it stable)."""
        db = self._db()
        if db.in_transaction:
            yield
            return
        with translated(self.where, "read"):
            db.execute("BEGIN")
        try:
            yield
        finally:
            if db.in_transaction:
                db.execute("COMMIT")

    def damage(self) -> str | None:
        """SQLite's own check of every page of the file (`PRAGMA quick_check`); None when sound."""
        rows = self.fetch(Query("PRAGMA quick_check(1)"))
        return None if rows == [("ok",)] else " ".join(str(rows[0][0]).split())

    def waker(self) -> PollWaker:
        """eventsourcing's SQLite recorder cannot subscribe: a follower polls."""
        return PollWaker()

    # Writing

    def save_snapshots(self, size: int, snapshots: Iterable[tuple[int, bytes]]) -> bool:
        """Keep snapshots taken at `size` entries, unless the ledger grew meanwhile; False when
        they could not be kept (a read-only file, a busy writer): they are an optimisation only."""
        db = self._db()
        if db.in_transaction:
            return False
        try:
            db.execute(f"PRAGMA busy_timeout = {SNAPSHOT_WAIT_MS}")  # never stall a read behind an import
            db.execute("PRAGMA synchronous = FULL")
            db.execute("BEGIN IMMEDIATE")
            try:
                if db.execute(sql.SIZE).fetchone()[0] == size:
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
            return False
        finally:
            with contextlib.suppress(sqlite3.Error):
                db.execute(f"PRAGMA busy_timeout = {self.lock_timeout * 1000}")

    def now(self) -> str:
        return format_recorded(datetime.now(UTC))  # one machine's file: its clock

    def append(
        self,
        batches: Iterable[Batch],
        *,
        lazy: bool = False,
        copied: Copied | None = None,
        stamp: str | None = None,
    ) -> int | None:
        """Append every batch in one transaction, committed after the last one; an exception
        raised while the batches are produced rolls all of them back and goes on. Returns the
        ledger's size just after the commit, or None when nothing was new (nothing written).

        The write lock is taken before the first batch is written; with `lazy`, only before the
        first batch that has something new (nothing stored is ever removed, so batches found
        unchanged stay so): an import of what is already there takes no lock at all."""
        pending = writer.from_first_new(batches, lazy)
        if pending is None:
            return None
        with self.writing() as transaction:
            return writer.write(transaction, pending, copied, stamp)

    @contextlib.contextmanager
    def writing(self) -> Iterator[_Transaction]:
        """The write transaction an import runs in (`append`): committed when the block ends,
        rolled back, with nothing written, when it raises. SQLite's errors are translated."""
        db = self._db()
        with translated(self.where, "write", self.lock_timeout):
            # Sync the WAL at every commit, so that an import that returned survives a power
            # loss; SQLite builds differ in their default, and it cannot change inside a transaction.
            db.execute("PRAGMA synchronous = FULL")
            db.execute("BEGIN")
            try:
                yield _Transaction(db.cursor(), self.where)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise


class _Transaction:
    """An open SQLite write transaction, as `ledger.storage.writer` uses it."""

    def __init__(self, c: sqlite3.Cursor, where: str) -> None:
        self._c = c
        self._where = where
        self._rowid: int | None = None
        self.fetchone = c.fetchone
        self.fetchall = c.fetchall

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._c.execute(statement, params)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        plain = _PLAIN_INSERT.fullmatch(statement)
        whole = len(rows) - len(rows) % ROWS_PER_INSERT
        if plain is None or not whole:
            self._c.executemany(statement, rows)
            return
        # Whole groups of rows as multi-row INSERTs, each group's values flattened in order;
        # then the few rows left over, one at a time.
        flat = list(itertools.chain.from_iterable(rows[:whole]))
        width = plain.group(2).count("?")
        if len(flat) != whole * width:  # a row of another width: refused as SQLite refuses it
            self._c.executemany(statement, rows)
            return
        step = width * ROWS_PER_INSERT
        self._c.executemany(_multi_row(statement), [flat[i : i + step] for i in range(0, len(flat), step)])
        if whole < len(rows):
            self._c.executemany(statement, rows[whole:])

    def lock(self) -> None:
        # SQLite's write lock, taken by a write, before the tail is read: seq and recorded_at
        # never go backwards between writers.
        self._c.execute("UPDATE ledger_meta SET value = value WHERE key = 'format'")
        self._c.execute(f"PRAGMA cache_size = -{CACHE_KIB}")

    def clock(self) -> datetime:
        return datetime.now(UTC)  # one machine's file: its clock

    def check_schema(self) -> None:
        self._c.execute(catalogue.SCHEMA)
        if {row[1]: tuple(row) for row in self._c.fetchall()} != catalogue.expected():
            raise StoreError(
                f"{self._where}: the ledger's schema changed since it was opened; nothing was written"
            )

    def insert_events(self, rows: Sequence[EventRow]) -> list[int]:
        # eventsourcing's insert, as one executemany: under the write lock SQLite gives new rows
        # consecutive rowids after the largest, which is checked rather than assumed.
        if self._rowid is None:
            self._rowid = self._max_rowid()
        first = self._rowid + 1
        self._c.executemany(recorder.insert_events_statement(), rows)
        self._rowid += len(rows)
        if self._max_rowid() != self._rowid:
            raise StoreError(f"{self._where}: stored_events rowids were not consecutive; nothing was written")
        return list(range(first, self._rowid + 1))

    def notify(self) -> None:
        """eventsourcing cannot subscribe to a SQLite recorder: followers poll (`Ledger.follow`)."""

    def _max_rowid(self) -> int:
        self._c.execute("SELECT coalesce(max(rowid), 0) FROM stored_events")
        return int(self._c.fetchone()[0])


@functools.cache
def _multi_row(statement: str) -> str:
    """A plain single-row `INSERT INTO t VALUES (?,...)` as an insert of `ROWS_PER_INSERT` rows."""
    plain = _PLAIN_INSERT.fullmatch(statement)
    assert plain is not None
    return f"INSERT INTO {plain.group(1)} VALUES {','.join([plain.group(2)] * ROWS_PER_INSERT)}"
