"""The shared store: a ledger in a PostgreSQL database, for many writers on many machines.

`postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME]` names it. Writes go
through eventsourcing's PostgreSQL recorder (`ledger.postgres_recorder`);
reads are the shared SQL of `ledger.store`, on connections of our own: a
statement at a time in autocommit mode, and the long reads of the fast loop
through server-side cursors in binary, fetched in large batches, each on a
connection of its own so that several can be read at once.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import psycopg
from eventsourcing.persistence import IntegrityError, PersistenceError
from psycopg import sql

from ledger import postgres_schema, queries
from ledger.backends import shown
from ledger.errors import (
    ConflictError,
    LedgerCorrupt,
    LedgerError,
    LedgerMissing,
    StoreError,
    UsageError,
    no_ledger,
    one_line,
)
from ledger.integrity import META, check_meta
from ledger.postgres_recorder import PostgresLedgerApplication
from ledger.store import LOCK_TIMEOUT_S, Store
from ledger.writer import Batch, Copied

SNAPSHOT_WAIT_MS = 100
CONNECT_TIMEOUT_S = 10


# A schema name PostgreSQL keeps as written without quotes: eventsourcing writes it unquoted in
# its own statements, so any other name is refused rather than quoted in half the places.
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class Settings:
    """Where a PostgreSQL ledger is: parsed from its URL; `shown` leaves out the password.

    The password comes from the URL, else `$PGPASSWORD`, else libpq's password file."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        try:
            port = parts.port or 5432
        except ValueError:
            raise UsageError(f"{shown(url)}: the port is not a number from 1 to 65535") from None
        if port < 1:
            raise UsageError(f"{shown(url)}: the port is not a number from 1 to 65535")
        self.user = unquote(parts.username or os.environ.get("PGUSER") or "postgres")
        password = unquote(parts.password or "") or os.environ.get("PGPASSWORD") or None
        self.password: str | None = password
        # A host may be a directory holding the server's socket, percent-encoded: %2Fvar%2Frun...
        self.host = unquote(parts.hostname or "127.0.0.1")
        self.port = port
        self.dbname = unquote(parts.path.lstrip("/"))
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = sorted(set(query) - {"schema"})
        if not self.dbname or "/" in self.dbname:
            raise UsageError(f"{shown(url)}: name one database: postgresql://USER@HOST:PORT/DB")
        if unknown:
            raise UsageError(f"{shown(url)}: unknown setting {unknown[0]!r} (only schema=NAME)")
        self.schema = query.get("schema", ["public"])[-1] or "public"
        if not SCHEMA_NAME.fullmatch(self.schema):
            raise UsageError(
                f"{shown(url)}: schema {self.schema!r}: a schema name is lower-case letters, digits "
                "and underscores, not starting with a digit, at most 63 characters"
            )
        user = quote(self.user, safe="")
        host = f"[{self.host}]" if ":" in self.host else quote(self.host, safe="")
        self.shown = f"postgresql://{user}@{host}:{self.port}/{quote(self.dbname, safe='')}"
        if self.schema != "public":
            self.shown += f"?schema={self.schema}"

    def connect(self, dbname: str | None = None) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname or self.dbname,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            options=f"-c search_path={self.schema}" if dbname is None else None,
        )

    def env(self, lock_timeout: int) -> dict[str, str]:
        """The application's settings: eventsourcing's POSTGRES_* keys, never os.environ."""
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password or "",
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT_S),
            "POSTGRES_LOCK_TIMEOUT": str(lock_timeout),
            # An import plans its next chunk between statements: never cut it off as idle.
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "0",
            "POSTGRES_POOL_SIZE": "1",
            "ORIGINATOR_ID_TYPE": "text",  # our aggregate ids are 32 hex digits, as in SQLite
        }


class PostgresStore(Store):
    """A ledger in a PostgreSQL database (in the schema its URL names, `public` by default)."""

    def __init__(self, url: str, lock_timeout: int = LOCK_TIMEOUT_S) -> None:
        if lock_timeout < 1:
            raise UsageError("wait at least 1 second", param="lock_timeout", value=lock_timeout)
        self.settings = Settings(url)
        self.where = self.settings.shown
        self.lock_timeout = lock_timeout
        self._app: PostgresLedgerApplication | None = None
        self._conn: psycopg.Connection[Any] | None = None
        self._spare: list[psycopg.Connection[Any]] = []  # for streams read side by side
        self._snapshot: str | None = None  # inside `consistent()`: the snapshot every read shares
        self._closed = False

    # Opening

    @classmethod
    def create(cls, url: str, lock_timeout: int = LOCK_TIMEOUT_S) -> PostgresStore:
        """Create the ledger (and its database and schema, when missing), or open it."""
        store = cls(url, lock_timeout)
        try:
            store._make_database()
            problem = store._problem()
            if problem not in (None, "empty"):
                store._refuse(problem)
            store.application()
            store._check_format()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open(cls, url: str, lock_timeout: int = LOCK_TIMEOUT_S) -> PostgresStore:
        """Open an existing ledger; never creates anything."""
        store = cls(url, lock_timeout)
        try:
            store._check_format()
        except BaseException:
            store.close()
            raise
        return store

    def _make_database(self) -> None:
        s = self.settings
        try:
            self._db()
        except LedgerMissing:
            create = sql.SQL("CREATE DATABASE {0}").format(sql.Identifier(s.dbname))
            with (
                contextlib.closing(s.connect("postgres")) as admin,
                contextlib.suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation),
            ):
                admin.execute(create)
        if s.schema != "public":
            try:
                self._db().execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(sql.Identifier(s.schema))
                )
            except (psycopg.errors.DuplicateSchema, psycopg.errors.UniqueViolation):
                pass  # another process creating the same ledger made it first
            except psycopg.Error as e:
                raise StoreError(f"{self.where}: cannot create the schema: {e}") from None

    def application(self) -> PostgresLedgerApplication:
        deadline = time.monotonic() + self.lock_timeout
        while self._app is None:
            try:
                self._app = PostgresLedgerApplication(env=self.settings.env(self.lock_timeout))
            except (PersistenceError, psycopg.Error) as e:
                if "deadlock" in str(e) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise StoreError(f"{self.where}: cannot open the ledger: {e}") from None
        return self._app

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return self.settings.connect()
        except psycopg.Error as e:
            message = one_line(e)
            missing = getattr(e, "sqlstate", None) == "3D000"  # invalid_catalog_name, when libpq has it
            if missing or f'database "{self.settings.dbname}" does not exist' in message:
                raise no_ledger(self.where) from None
            raise StoreError(f"{self.where}: cannot connect: {message}") from None

    def _db(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
        return self._conn

    def _problem(self) -> str | None:
        try:
            with self._db().cursor() as cur:
                return postgres_schema.problem(cur)
        except psycopg.Error as e:
            raise self._failed(e) from None

    def _refuse(self, problem: str) -> None:
        if problem == "not a ledger":
            raise LedgerCorrupt("not a timeline-ledger database (it holds other tables)", path=self.where)
        raise LedgerCorrupt(problem, path=self.where)

    def _check_format(self) -> None:
        problem = self._problem()
        if problem == "empty":
            raise no_ledger(self.where)
        if problem is not None:
            self._refuse(problem)
        check_meta(self.where, self._query(META))

    def close(self) -> None:
        self._closed = True  # a stream still open gives its connection back to no one: closed
        for conn in [self._conn, *self._spare]:
            if conn is not None:
                conn.close()
        self._conn, self._spare = None, []
        if self._app is not None:
            self._app.close()
            self._app = None

    # What the shared reads (`ledger.store.Store`) need

    def _failed(self, e: psycopg.Error) -> LedgerError:
        message = one_line(e)
        if isinstance(e, psycopg.OperationalError):  # the server, not the ledger
            return StoreError(f"{self.where}: the database failed: {message}")
        return LedgerCorrupt(f"cannot read the ledger: {message}", path=self.where)

    def _query(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            with self._db().cursor() as cur:
                cur.execute(queries.for_postgres(statement), params)
                return cur.fetchall()
        except psycopg.Error as e:
            raise self._failed(e) from None

    def _stream(self, statement: str, params: Sequence[Any] = (), batch: int = 4096) -> Iterator[list[Any]]:
        conn = self._spare.pop() if self._spare else self._connect()
        try:
            with conn.transaction():
                if self._snapshot is not None:  # inside `consistent()`: the same snapshot as every read
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {0}").format(sql.Literal(self._snapshot)))
                with conn.cursor(name="ledger_read", binary=True) as cur:
                    cur.itersize = batch
                    cur.execute(queries.for_postgres(statement), params)
                    while chunk := cur.fetchmany(batch):
                        yield chunk
        except psycopg.Error as e:
            raise self._failed(e) from None
        finally:
            if self._closed:
                conn.close()
            elif not conn.closed:
                self._spare.append(conn)

    @contextlib.contextmanager
    def consistent(self) -> Iterator[None]:
        """Every read meanwhile sees one snapshot of the ledger, whatever other writers commit:
        a read-only repeatable-read transaction, whose snapshot the streams' connections share
        (`pg_export_snapshot`)."""
        if self._snapshot is not None:
            yield
            return
        conn = self._db()
        try:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                row = conn.execute("SELECT pg_export_snapshot()").fetchone()
                assert row is not None
                self._snapshot = str(row[0])
                try:
                    yield
                finally:
                    self._snapshot = None
        except psycopg.Error as e:
            raise self._failed(e) from None

    def damage(self) -> str | None:
        """PostgreSQL keeps no checksum a query could ask for here; the server's own (initdb -k)
        and `pg_amcheck` do that. Every row our tables hold was read by `verify` already."""
        return None

    def save_snapshots(self, size: int, snapshots: Iterable[tuple[int, bytes]]) -> bool:
        """Keep snapshots taken at `size` entries, unless the ledger grew meanwhile: under a
        share lock an import cannot hold at the same time, given up after a moment."""
        conn = self._db()
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(f"SET LOCAL lock_timeout = '{SNAPSHOT_WAIT_MS}ms'")
                cur.execute("LOCK TABLE stored_events IN SHARE MODE")
                cur.execute(queries.for_postgres(queries.SIZE))
                row = cur.fetchone()
                if row is not None and row[0] == size:
                    cur.executemany(
                        "INSERT INTO projection_snapshots VALUES (%s,%s,%s) ON CONFLICT (effective) "
                        "DO UPDATE SET size = excluded.size, state = excluded.state",
                        [(day, size, state) for day, state in snapshots],
                    )
            return True
        except psycopg.Error:
            return False  # a busy writer or a read-only role: snapshots are an optimisation only

    # Writing

    def append(self, batches: Iterable[Batch], *, lazy: bool = False, copy: Copied | None = None) -> None:
        """Append the batches in one transaction through the recorder, all or nothing."""
        app = self.application()
        try:
            app.entry_recorder.append(batches, app.mapper, lazy=lazy, copied=copy)
        except IntegrityError as e:
            raise ConflictError(str(e)) from None
        except (PersistenceError, psycopg.Error) as e:
            message = one_line(e)
            # eventsourcing wraps psycopg's error; its SQLSTATE says what happened, in any language.
            if isinstance(e.__cause__ or e, psycopg.errors.LockNotAvailable):
                message = f"the ledger is locked by another writer (waited {self.lock_timeout} s)"
            raise StoreError(f"{self.where}: the import was not written: {message}") from None
