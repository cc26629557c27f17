"""Reading a PostgreSQL ledger with asyncio: psycopg's async API on psycopg_pool's
`AsyncConnectionPool` of at most `CONNECTIONS` connections.

Every statement a plan (`ledger.reading`) asks for borrows a connection for that statement only:
long reads are pages of short queries, so no connection is held while a caller iterates, a read
started inside another read's loop (or in a task started there) never waits for itself, and a
loop left by `break` leaves nothing open. The pool is the whole bound.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ledger.errors import LedgerClosed, LedgerCorrupt, StoreError, no_ledger, one_line
from ledger.reading.args import lock_timeout as check_lock_timeout
from ledger.reading.plans import Query, arun
from ledger.storage import sql
from ledger.storage.checks import check_meta
from ledger.storage.postgres import catalogue
from ledger.storage.postgres.errors import translate, translated
from ledger.storage.postgres.settings import CONNECT_TIMEOUT_S, Settings
from ledger.storage.postgres.store import SNAPSHOT_WAIT_MS
from ledger.storage.postgres.waking import SubscriptionWaker, follower

CONNECTIONS = 4  # the pool's size, for reads side by side; never more are open


class PostgresReader:
    """A PostgreSQL ledger, read on a pool of up to `CONNECTIONS` connections of our own."""

    backend = "postgresql"

    def __init__(self, url: str, lock_timeout: int) -> None:
        check_lock_timeout(lock_timeout)
        self.settings = Settings(url)
        self.where = self.settings.shown
        self._lock_timeout = lock_timeout
        self._pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            kwargs=self.settings.connect_args(),
            min_size=0,
            max_size=CONNECTIONS,
            open=False,
            timeout=max(CONNECT_TIMEOUT_S, lock_timeout),
            reconnect_timeout=CONNECT_TIMEOUT_S,
        )
        self._closed = False

    @classmethod
    async def open(cls, url: str, lock_timeout: int) -> PostgresReader:
        reader = cls(url, lock_timeout)
        try:
            # One connection first, so that an unreachable server or a missing database fails at
            # once and names itself, rather than as a pool's timeout.
            try:
                first = await psycopg.AsyncConnection.connect(**reader.settings.connect_args())
            except psycopg.Error as e:
                if await _database_missing(reader.settings):
                    raise no_ledger(reader.where) from None
                raise translate(e, reader.where, "open") from None
            await first.close()
            await reader._pool.open()
            problem = await arun(catalogue.problem(), reader.fetch)
            if problem == catalogue.EMPTY:
                raise no_ledger(reader.where)
            if problem is not None and catalogue.not_a_ledger(problem):
                raise LedgerCorrupt(problem + catalogue.SCHEMA_HINT, path=reader.where)
            if problem is not None:
                raise LedgerCorrupt(problem, path=reader.where)
            check_meta(reader.where, await reader.fetch(Query(sql.META)))
        except BaseException:
            await reader.close()
            raise
        return reader

    async def fetch(self, query: Query) -> list[Any]:
        if self._closed:
            raise LedgerClosed(self.where)
        try:
            with translated(self.where, "read"):
                async with self._pool.connection() as conn, conn.cursor(binary=True) as cur:
                    await cur.execute(sql.for_postgres(query.sql), query.params)
                    return await cur.fetchall() if cur.description is not None else []
        except PoolTimeout as e:
            raise StoreError(f"{self.where}: the database failed: {one_line(e)}") from None

    async def save_snapshots(self, size: int, snapshots: Iterable[tuple[int, bytes]]) -> bool:
        """As `PostgresStore.save_snapshots`: kept unless the ledger grew meanwhile, else False."""
        rows = [(day, size, state) for day, state in snapshots]
        try:
            async with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                await cur.execute(f"SET LOCAL lock_timeout = '{SNAPSHOT_WAIT_MS}ms'")
                await cur.execute("LOCK TABLE stored_events IN SHARE MODE")
                await cur.execute(sql.SIZE)
                row = await cur.fetchone()
                if row is not None and row[0] == size:
                    await cur.executemany(
                        "INSERT INTO projection_snapshots VALUES (%s,%s,%s) ON CONFLICT (effective) "
                        "DO UPDATE SET size = excluded.size, state = excluded.state",
                        rows,
                    )
            return True
        except (psycopg.Error, PoolTimeout):
            return False

    def waker(self) -> SubscriptionWaker:
        """eventsourcing's subscription to this ledger (LISTEN/NOTIFY); it connects, so call it
        in a worker thread."""
        return follower(self.settings, self._lock_timeout, self.where)

    async def close(self) -> None:
        """Close every connection of the pool: no connection outlives the ledger."""
        self._closed = True
        with contextlib.suppress(Exception):
            await self._pool.close()


async def _database_missing(settings: Settings) -> bool:
    """As `storage.postgres.store._database_missing`, asked with the async API."""
    try:
        async with await psycopg.AsyncConnection.connect(**settings.connect_args("postgres")) as admin:
            found = await admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (settings.dbname,))
            return await found.fetchone() is None
    except psycopg.Error:
        return False
