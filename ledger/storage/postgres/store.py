"""A ledger in a PostgreSQL database, for many writers on many machines, on one connection of ours.

`postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME]` names it (`storage.postgres.settings`).
Reads are the plans of `ledger.reading`, a short statement at a time in autocommit mode (binary,
so that hashes and payloads come back as bytes without parsing); an import is one transaction
(`ledger.storage.writer`) under eventsourcing's lock (`storage.postgres.recorder`). psycopg's
errors are translated in one place (`storage.postgres.errors`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql as pgsql

from ledger.dates import format_recorded
from ledger.errors import LedgerClosed, LedgerCorrupt, LedgerMissing, StoreError, no_ledger, one_line
from ledger.reading.args import lock_timeout as check_lock_timeout
from ledger.reading.plans import Query, run
from ledger.storage import migration, schema, sql, writer
from ledger.storage.checks import NeedsMigration, check_meta
from ledger.storage.events import EventRow
from ledger.storage.postgres import catalogue, recorder
from ledger.storage.postgres.errors import translate, translated
from ledger.storage.postgres.settings import Settings
from ledger.storage.postgres.waking import follower
from ledger.storage.waking import Waker
from ledger.storage.writer import Batch, Copied

SNAPSHOT_WAIT_MS = 100
_COPYABLE = re.compile(r"INSERT INTO (\w+) VALUES \(\?(?:,\?)*\)")
# eventsourcing's stored events, as the ledger writes them (`storage.events.EventRow`).
_EVENT_COLUMNS = "originator_id, originator_version, topic, state"
_EVENT_TYPES = ["text", "bigint", "text", "bytea"]
# Each table's column types, for a binary COPY into it.
_COPY_TYPES = {t.name: [schema.POSTGRES_CATALOGUE_TYPES[c.kind] for c in t.columns] for t in schema.TABLES}


def connect(settings: Settings, where: str, dbname: str | None = None) -> psycopg.Connection[Any]:
    """A connection to the ledger's database and schema (or to `dbname`); LedgerMissing when the
    database does not exist, StoreError when the server cannot be reached."""
    try:
        return psycopg.connect(**settings.connect_args(dbname))
    except psycopg.Error as e:
        missing = _database_missing(settings) if dbname is None else None
        if missing:
            raise no_ledger(where) from None
        if missing is False:
            # The database is there after all: made between the failed connection and that look
            # at the catalogue (two imports creating one ledger). Once more, then give up.
            with contextlib.suppress(psycopg.Error):
                return psycopg.connect(**settings.connect_args(dbname))
        raise translate(e, where, "open") from None


def _database_missing(settings: Settings) -> bool | None:
    """Whether the server answers but has no such database (asked of its catalogue: libpq gives a
    failed connection no SQLSTATE, and its message is in the server's language); None when the
    server cannot be asked."""
    try:
        with psycopg.connect(**settings.connect_args("postgres")) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (settings.dbname,))
            return found.fetchone() is None
    except psycopg.Error:
        return None


class PostgresStore:
    """A ledger in a PostgreSQL database (in the schema its URL names, `public` by default)."""

    backend = "postgresql"

    def __init__(self, url: str, lock_timeout: int) -> None:
        check_lock_timeout(lock_timeout)
        self.settings = Settings(url)
        self.where = self.settings.shown
        self.lock_timeout = lock_timeout
        self._conn: psycopg.Connection[Any] | None = None
        self._closed = False
        self._pending: contextlib.ExitStack | None = None  # the transaction making a new ledger

    # Opening

    @classmethod
    def open(cls, url: str, lock_timeout: int) -> PostgresStore:
        """An existing ledger; never creates anything."""
        store = cls(url, lock_timeout)
        try:
            store._check_or_migrate(store._problem())
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def create(cls, url: str, lock_timeout: int) -> PostgresStore:
        """Create the ledger (and its database and schema, when missing), or open it."""
        store = cls(url, lock_timeout)
        try:
            store._make_database()
            problem = store._problem()
            if problem == catalogue.EMPTY:
                store._make_tables()
                problem = store._problem()
            store._check_or_migrate(problem)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def create_pending(cls, url: str, lock_timeout: int) -> PostgresStore | None:
        """A new ledger made in a transaction left open: an import writes in it, then `publish`
        commits it, or `discard` rolls it back and no schema or table is left. A missing
        database is made first, empty (CREATE DATABASE cannot be rolled back, nor run in a
        transaction). None when its schema holds something already: `create` then."""
        store = cls(url, lock_timeout)
        try:
            try:
                store._db()
            except LedgerMissing:
                store._make_database(schema=False)
            conn = store._db()
            if store._problem() != catalogue.EMPTY:
                store.close()
                return None
            statements = recorder.create_statements(store.settings, lock_timeout, schema.new_origin())
            name = store.settings.schema
            with translated(store.where, "write", lock_timeout):
                store._pending = contextlib.ExitStack()
                store._pending.enter_context(conn.transaction())
                with conn.cursor() as cursor:
                    for lock in recorder.lock_statements(name, lock_timeout)[:1]:  # the lock timeout
                        cursor.execute(lock)
                    # The key `LedgerRecorder` takes to make a ledger: one creator at a time.
                    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))
                    cursor.execute(
                        "SELECT to_regclass(%s)", (pgsql.Identifier(name, "ledger_meta").as_string(conn),)
                    )
                    found = cursor.fetchone()
                    if found is not None and found[0] is not None:  # made meanwhile
                        store.discard()
                        return None
                    cursor.execute(
                        pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(pgsql.Identifier(name))
                    )
                    for statement in statements:
                        cursor.execute(statement, prepare=False)
            store._check(store._problem())
        except BaseException:
            store.discard()
            raise
        return store

    def publish(self) -> bool:
        """Commit the new ledger of `create_pending` (its schema, tables and first import), then
        close."""
        assert self._pending is not None
        pending, self._pending = self._pending, None
        try:
            with translated(self.where, "write", self.lock_timeout):
                pending.close()  # COMMIT
        finally:
            self.close()
        return True

    def discard(self) -> None:
        """Roll back the new ledger of `create_pending`, then close: nothing is left."""
        pending, self._pending = self._pending, None
        try:
            if pending is not None:
                with contextlib.suppress(psycopg.Error):
                    pending.__exit__(psycopg.Rollback, psycopg.Rollback(), None)
        finally:
            self.close()

    def _make_database(self, *, schema: bool = True) -> None:
        """The database, unless it is there (another process may make it meanwhile), and with
        `schema` the ledger's schema in it (a schema other than `public`)."""
        s = self.settings
        try:
            self._db()
        except LedgerMissing:
            create = pgsql.SQL("CREATE DATABASE {0}").format(pgsql.Identifier(s.dbname))
            with contextlib.closing(connect(s, self.where, "postgres")) as admin:
                try:
                    admin.execute(create)
                except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                    pass  # another process creating the same ledger made it first
                except psycopg.Error as e:  # no CREATEDB privilege, say
                    raise StoreError(f"{self.where}: cannot create the database: {one_line(e)}") from None
        if schema and s.schema != "public":
            try:
                self._db().execute(
                    pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(pgsql.Identifier(s.schema))
                )
            except (psycopg.errors.DuplicateSchema, psycopg.errors.UniqueViolation):
                pass  # another process creating the same ledger made it first
            except psycopg.Error as e:
                raise StoreError(f"{self.where}: cannot create the schema: {one_line(e)}") from None

    def _make_tables(self) -> None:
        """eventsourcing's table and ours, through its recorder, in one transaction."""
        store = recorder.datastore(self.settings, self.lock_timeout)
        try:
            recorder.LedgerRecorder(store, schema.new_origin()).create_table()
        except Exception as e:
            raise StoreError(f"{self.where}: cannot create the ledger: {one_line(e)}") from None
        finally:
            store.close()

    def _problem(self) -> str | None:
        return run(catalogue.problem(), self.fetch)

    def _check(self, problem: str | None) -> None:
        if problem == catalogue.EMPTY:
            raise no_ledger(self.where)
        if problem is not None and catalogue.not_a_ledger(problem):
            raise LedgerCorrupt(problem + catalogue.SCHEMA_HINT, path=self.where)
        if problem is not None:
            raise LedgerCorrupt(problem, path=self.where)
        check_meta(self.where, self.fetch(Query(sql.META)))

    def _check_or_migrate(self, problem: str | None) -> None:
        """`_check`, once a ledger of an older format is migrated (`storage.migration`)."""
        try:
            self._check(problem)
        except NeedsMigration as e:
            self._migrate(e.found)
            self._check(self._problem())

    def _migrate(self, found: str) -> None:
        """Bring the ledger to this version's format, in one transaction under eventsourcing's
        write lock (unless another process did meanwhile)."""
        conn = self._db()
        with (
            translated(self.where, "write", self.lock_timeout),
            conn.transaction(),
            conn.cursor() as cursor,
        ):
            for lock in recorder.lock_statements(self.settings.schema, self.lock_timeout):
                cursor.execute(lock)
            cursor.execute(migration.CURRENT_FORMAT)
            row = cursor.fetchone()
            if row is not None and row[0] in migration.MIGRATABLE:  # else migrated meanwhile
                for statement in migration.statements(row[0]):
                    cursor.execute(sql.for_postgres(statement))

    def _db(self) -> psycopg.Connection[Any]:
        if self._closed:
            raise LedgerClosed(self.where)
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.settings, self.where)
        return self._conn

    def close(self) -> None:
        self._closed = True
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # Reading: the plans of `ledger.reading`, a statement at a time

    def fetch(self, query: Query) -> list[Any]:
        statement, params = _any_of_list(query.sql, query.params)
        with translated(self.where, "read", self.lock_timeout), self._db().cursor(binary=True) as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description is not None else []

    @contextlib.contextmanager
    def consistent(self) -> Iterator[None]:
        """Every read meanwhile sees one snapshot of the ledger, whatever other writers commit: a
        read-only repeatable-read transaction on the connection every read uses."""
        conn = self._db()
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            yield
            return
        with translated(self.where, "read"), conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield

    def waker(self) -> Waker:
        """eventsourcing's subscription to this ledger (LISTEN/NOTIFY): a follower wakes at each
        import's commit."""
        return follower(self.settings, self.lock_timeout, self.where)

    def damage(self) -> str | None:
        """PostgreSQL keeps no checksum a query could ask for here; the server's own (initdb -k)
        and `pg_amcheck` do that. Every row our tables hold was read by `verify` already."""
        return None

    # Writing

    def save_snapshots(self, size: int, snapshots: Iterable[tuple[int, bytes]]) -> bool:
        """Keep snapshots taken at `size` entries, unless the ledger grew meanwhile: under a share
        lock an import cannot hold at the same time, given up after a moment; False when they
        could not be kept (snapshots are an optimisation only)."""
        try:
            conn = self._db()
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                return False
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(f"SET LOCAL lock_timeout = '{SNAPSHOT_WAIT_MS}ms'")
                cur.execute("LOCK TABLE stored_events IN SHARE MODE")
                cur.execute(sql.SIZE)
                row = cur.fetchone()
                if row is not None and row[0] == size:
                    cur.executemany(
                        "INSERT INTO projection_snapshots VALUES (%s,%s,%s) ON CONFLICT (effective) "
                        "DO UPDATE SET size = excluded.size, state = excluded.state",
                        [(day, size, state) for day, state in snapshots],
                    )
            return True
        except (psycopg.Error, StoreError):
            return False  # a busy writer or a read-only role

    def now(self) -> str:
        # The server's clock: writers on machines whose clocks disagree record the times of one clock.
        rows = self.fetch(Query("SELECT clock_timestamp()"))
        return format_recorded(rows[0][0])

    def append(
        self,
        batches: Iterable[Batch],
        *,
        lazy: bool = False,
        copied: Copied | None = None,
        stamp: str | None = None,
    ) -> int | None:
        """Append every batch in one transaction, committed after the last one (as
        `SQLiteStore.append`, and returning what it returns), under eventsourcing's lock."""
        pending = writer.from_first_new(batches, lazy)
        if pending is None:
            return None
        conn = self._db()
        with (
            translated(self.where, "write", self.lock_timeout),
            conn.transaction(),
            conn.cursor() as cursor,
        ):
            return writer.write(_Transaction(cursor, self), pending, copied, stamp)


def _any_of_list(statement: str, params: Sequence[Any]) -> tuple[str, Sequence[Any]]:
    """The statement for psycopg; one ending in a list of values (`sql.in_list`: `... IN (?,?)`)
    takes them as one array (`= ANY(%b)`): the same text whatever their number, which psycopg
    parses once (it parses anew any statement of more than 50 parameters) and the server prepares
    once, instead of one statement text per length, each with hundreds of parameters."""
    if statement.endswith("?)") and (at := statement.rfind(" IN (")) >= 0:
        count = len(statement) - at - len(" IN ()")
        if statement[at + len(" IN (") : -1] == ",".join("?" * ((count + 1) // 2)):
            values = (count + 1) // 2
            head = sql.for_postgres(statement[:at])
            return f"{head} = ANY(%b)", (*params[:-values], list(params[-values:]))
    return sql.for_postgres(statement), params


class _Transaction:
    """An open PostgreSQL write transaction, as `ledger.storage.writer` uses it: `?` becomes `%s`,
    and the writer's plain multi-row inserts go through COPY."""

    def __init__(self, c: psycopg.Cursor[Any], store: PostgresStore) -> None:
        self._c = c
        self._store = store
        self._last_id: int | None = None  # the largest notification id, once read under the lock
        self.fetchone = c.fetchone
        self.fetchall = c.fetchall

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._c.execute(sql.for_postgres(statement), params)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        copyable = _COPYABLE.fullmatch(statement)
        if copyable is None:
            self._c.executemany(sql.for_postgres(statement), rows)
            return
        if rows:
            table = copyable.group(1)
            with self._c.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(_COPY_TYPES[table])  # binary: no value is formatted as text
                for row in rows:
                    copy.write_row(row)

    def lock(self) -> None:
        store = self._store
        for statement in recorder.lock_statements(store.settings.schema, store.lock_timeout):
            self._c.execute(statement)
        # The planner's lookups (`Known.find`, by fact id) run in this transaction, on tables it
        # is growing and that were never analysed since: the planner would scan a whole table for
        # each chunk (quadratic in the import) where the unique index finds each id.
        self._c.execute("SET LOCAL enable_seqscan = off")

    def clock(self) -> datetime:
        # The server's clock, read under the lock: writers on machines whose clocks disagree still
        # record the times of one clock.
        self._c.execute("SELECT clock_timestamp()")
        row = self._c.fetchone()
        assert row is not None
        return row[0].astimezone(UTC)  # type: ignore[no-any-return]

    def check_schema(self) -> None:
        def fetch(query: Query) -> list[Any]:
            self._c.execute(sql.for_postgres(query.sql), query.params)
            return self._c.fetchall()

        found = run(catalogue.problem(), fetch)
        if found is not None:
            raise StoreError(f"{self._store.where}: {found}; nothing was written")

    def insert_events(self, rows: Sequence[EventRow]) -> list[int]:
        # One binary COPY (no RETURNING, nothing formatted as text): under eventsourcing's lock no
        # other writer inserts, and COPY numbers its rows from the sequence in the order given, so
        # they hold consecutive notification ids above the largest, which is checked rather than
        # assumed (as SQLite's rowids are).
        if not rows:
            return []
        if self._last_id is None:
            self._c.execute("SELECT coalesce(max(notification_id), 0) FROM stored_events")
            self._last_id = int(self._one()[0])
        with self._c.copy(f"COPY stored_events ({_EVENT_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_EVENT_TYPES)
            for row in rows:
                copy.write_row(row)
        self._c.execute(
            "SELECT min(notification_id), max(notification_id), count(*) FROM stored_events "
            "WHERE notification_id > %s",
            (self._last_id,),
        )
        low, high, count = self._one()
        if count != len(rows) or high - low + 1 != count:
            raise StoreError(
                f"{self._store.where}: stored_events notification ids were not consecutive; "
                "nothing was written"
            )
        self._last_id = int(high)
        return list(range(low, high + 1))

    def _one(self) -> Any:
        row = self._c.fetchone()
        assert row is not None
        return row

    def notify(self) -> None:
        self._c.execute(recorder.notify_statement())
