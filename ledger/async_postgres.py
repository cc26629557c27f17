"""Reading a PostgreSQL ledger with asyncio (psycopg 3's async API).

Reads run on a pool of at most `CONNECTIONS` connections, never more, whatever
the callers do. A call takes a connection of its own from the pool for as long
as it reads: a short query in autocommit mode, and the fast loop's long reads
(replay, timeline, run, entries, facts) through a server-side binary cursor in
a read transaction, fetched `BATCH` rows at a time, so that several tasks read
side by side. A call made while its task already reads (inside an `async for`
over `entries()`, or in a task started meanwhile) shares that read's
connection and transaction instead, statement by statement, each in a
savepoint: it never waits for the pool, so a read never waits for itself, and
one read's failure or cancellation spares the others. The pool is closed when
the `async with` block ends, with the connections of reads left suspended.

A connection of its own for each nested read would need no turns, but no
bound holds then: tasks started inside a loop, or a loop left by `break`
(whose read the event loop closes later, in another task), opened any number.
A hard bound with a read per connection deadlocks instead (tasks that each
hold a connection, and each wait for a nested read), so nested reads share.
The one wait left is for the pool: a task that holds a connection must not
wait for a read in a task it did not start meanwhile (one handed work through
a queue, say), nor for a read of another `AsyncLedger` that waits for it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator, AsyncIterator, Coroutine, Iterable
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from typing import Any, TypeVar

import psycopg

from ledger import integrity, queries
from ledger.async_sqlite import BATCH
from ledger.errors import (
    LedgerCorrupt,
    LedgerError,
    StoreError,
    UsageError,
    no_ledger,
    one_line,
)

T = TypeVar("T")
CONNECTIONS = 4  # the pool's size, for reads side by side; never more are open


class _Session:
    """One connection of the pool lent to a read, and to every read nested in it: in its task, or
    in the tasks started meanwhile (they inherit its context). They take turns on it a statement
    at a time (`lock`); `users` counts the reads still under way, and the last one out gives the
    connection back. The long reads' cursors live in one read transaction (`in_tx`), begun by the
    first of them and ended with the session."""

    def __init__(self, reader: PostgresReader, conn: psycopg.AsyncConnection[Any]) -> None:
        self.reader = reader
        self.conn = conn
        self.users = 0
        self.lock = asyncio.Lock()
        self.in_tx = False
        self.cursors: set[str] = set()  # the long reads' cursors open in the transaction


# The sessions whose reads run in the current context (most often none): a read in a context that
# holds a live session of its reader shares that session's connection. A session is live while
# `users` counts a read, so a value left behind in a context (a loop left by `break`, whose read
# the event loop closes later in another task) outlives nothing: a dead session is ignored.
_SESSIONS: ContextVar[tuple[_Session, ...]] = ContextVar("ledger_async_sessions", default=())
_SAVEPOINT = "ledger_turn"


async def _steady(conn: psycopg.AsyncConnection[Any], sql: str) -> bool:
    """Run one bookkeeping statement of a read (BEGIN, SAVEPOINT, RELEASE, ROLLBACK) to its end,
    even when the task is cancelled meanwhile: one cut off would leave the transaction the other
    reads share in an unknown state. True when the task was cancelled: its caller raises
    CancelledError once the connection is in order."""
    job = asyncio.ensure_future(conn.execute(sql))
    interrupted = False
    while True:
        try:
            await asyncio.shield(job)
        except asyncio.CancelledError:
            if job.cancelled():  # the job itself (the event loop shutting down)
                raise
            interrupted = True
        else:
            return interrupted


class PostgresReader:
    """A PostgreSQL ledger, read on a pool of up to `CONNECTIONS` connections of our own.

    A read takes a connection of the pool (waiting for one when all are lent) for as long as it
    runs, unless its context already holds one of this reader's connections (`_SESSIONS`): a
    read inside an `async for` over another read, or in a task started meanwhile, shares that
    connection instead, so it never waits for itself, and no read ever opens a connection beyond
    the pool. The shared connection serialises its reads' statements; inside the read
    transaction, while several reads share it, each statement runs in a savepoint, so that one
    read's failure or cancellation leaves the others' cursors whole. psycopg is imported only
    when a reader is opened."""

    def __init__(self, url: str, lock_timeout: int) -> None:
        from ledger.postgres_store import Settings

        if lock_timeout < 1:
            raise UsageError("wait at least 1 second", param="lock_timeout", value=lock_timeout)
        self.settings = Settings(url)
        self.where = self.settings.shown
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._open: set[psycopg.AsyncConnection[Any]] = set()
        self._slots = asyncio.Semaphore(CONNECTIONS)
        self._names = itertools.count()
        self._closed = False

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        import psycopg

        from ledger.postgres_store import CONNECT_TIMEOUT_S

        s = self.settings
        try:
            conn = await psycopg.AsyncConnection.connect(
                host=s.host,
                port=s.port,
                user=s.user,
                password=s.password,
                dbname=s.dbname,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_S,
                options=f"-c search_path={s.schema}",
            )
        except psycopg.Error as e:
            raise StoreError(f"{self.where}: cannot connect: {one_line(e)}") from None
        self._open.add(conn)
        return conn

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self.where}: the ledger was closed")

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[_Session]:
        """The connection for one read: its context's live session of this reader if it holds
        one (the read is nested), else a session of its own on a connection of the pool."""
        self._check_open()
        held = _SESSIONS.get()
        session = next((s for s in held if s.reader is self and s.users), None)
        if session is None:
            await self._slots.acquire()
            try:
                conn = self._idle.pop() if self._idle else await self._connect()
            except BaseException:
                self._slots.release()
                raise
            session = _Session(self, conn)
            _SESSIONS.set((*(s for s in held if s.users), session))
        session.users += 1
        try:
            yield session
        finally:
            session.users -= 1
            if not session.users:
                # Not `reset`: a read abandoned by its loop is closed later, from another context.
                _SESSIONS.set(tuple(s for s in _SESSIONS.get() if s.users))
                await self._end(session)

    async def _end(self, session: _Session) -> None:
        """The session's last read is over: its transaction ended, its connection back to the
        pool when sound (else closed), and its place in the pool free."""
        from psycopg.pq import TransactionStatus

        conn = session.conn
        interrupted = False
        try:
            if session.in_tx and not self._closed and not conn.closed:
                session.in_tx = False
                with suppress(Exception):  # a broken connection: closed just below
                    interrupted = await _steady(conn, "ROLLBACK")  # reads only: nothing to commit
        finally:
            if self._closed or conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
                self._open.discard(conn)
                await conn.close()
            else:
                self._idle.append(conn)
            self._slots.release()
        if interrupted:
            raise asyncio.CancelledError

    async def _run(
        self,
        session: _Session,
        sql: str,
        params: tuple[Any, ...] = (),
        *,
        binary: bool = False,
        begin: bool = False,
    ) -> list[Any]:
        """One statement of a read on its session's connection, in its turn: its rows (none for
        a command). With `begin`, the session's read transaction is begun first if none is under
        way. In the transaction, while other reads share it, the statement runs in a savepoint."""
        async with session.lock:
            self._check_open()
            conn = session.conn
            interrupted = shared = saved = False
            try:
                if begin and not session.in_tx:
                    interrupted = await _steady(conn, "BEGIN READ ONLY")
                    session.in_tx = True
                shared = session.in_tx and session.users > 1
                if shared:
                    interrupted |= await _steady(conn, f"SAVEPOINT {_SAVEPOINT}")
                    saved = True
                if interrupted:
                    raise asyncio.CancelledError
                async with conn.cursor(binary=binary) as cur:
                    await cur.execute(sql, params)
                    rows = await cur.fetchall() if cur.description is not None else []
            except BaseException as e:
                if await self._undo(session, shared, saved) and not isinstance(e, asyncio.CancelledError):
                    raise asyncio.CancelledError from e
                raise
            if saved:
                interrupted = await _steady(conn, f"RELEASE SAVEPOINT {_SAVEPOINT}")
            if interrupted:
                raise asyncio.CancelledError
            return rows

    async def _undo(self, session: _Session, shared: bool, saved: bool) -> bool:
        """After a statement failed or was cut off: back to its savepoint; or, when it ran alone in
        the transaction and failed it, out of the transaction (no other read's cursor is lost). A
        connection that cannot be put in order is closed: the reads sharing it fail with
        StoreError, not with another read's failure. True when the task was cancelled meanwhile."""
        from psycopg.pq import TransactionStatus

        conn = session.conn
        try:
            if conn.closed:
                return False
            if saved:
                interrupted = await _steady(conn, f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
                return await _steady(conn, f"RELEASE SAVEPOINT {_SAVEPOINT}") or interrupted
            if shared:  # the savepoint itself failed
                raise StoreError("the shared transaction cannot be put in order")
            if session.in_tx and conn.info.transaction_status == TransactionStatus.INERROR:
                session.in_tx = False
                session.cursors.clear()
                return await _steady(conn, "ROLLBACK")
            return False
        except Exception:
            await conn.close()
            return False

    def _failed(self, e: Exception) -> LedgerError:
        """As `PostgresStore._failed`: the server's failure, or an unreadable ledger."""
        import psycopg

        if isinstance(e, psycopg.OperationalError):
            return StoreError(f"{self.where}: the database failed: {one_line(e)}")
        return LedgerCorrupt(f"cannot read the ledger: {one_line(e)}", path=self.where)

    async def rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        import psycopg

        try:
            async with self._session() as session:
                return await self._run(session, queries.for_postgres(sql), tuple(params))
        except psycopg.Error as e:
            raise self._failed(e) from None

    async def batches(self, sql: str, params: Iterable[Any]) -> AsyncGenerator[list[Any], None]:
        """As `PostgresStore._stream`: a server-side binary cursor in a read transaction (the
        session's, shared by the long reads nested in this one), closed when the read ends."""
        import psycopg

        name = f"ledger_read_{next(self._names)}"
        try:
            async with self._session() as session:
                declare = f'DECLARE "{name}" NO SCROLL CURSOR FOR {queries.for_postgres(sql)}'
                await self._run(session, declare, tuple(params), begin=True)
                session.cursors.add(name)
                try:
                    fetch = f'FETCH FORWARD {BATCH} FROM "{name}"'
                    while chunk := await self._run(session, fetch, binary=True):
                        yield chunk
                finally:
                    if name in session.cursors:
                        session.cursors.discard(name)
                        with suppress(LedgerError, psycopg.Error):  # else it ends with the transaction
                            await self._run(session, f'CLOSE "{name}"')
        except psycopg.Error as e:
            raise self._failed(e) from None

    async def check_format(self) -> None:
        """As `PostgresStore._check_format`: `postgres_schema.problem`, then `ledger_meta`."""
        import psycopg

        from ledger import postgres_schema

        try:
            async with self._session() as session, session.conn.cursor() as cur:
                bridge = _SyncCursor(cur, asyncio.get_running_loop())
                problem = await asyncio.to_thread(postgres_schema.problem, bridge)
        except psycopg.Error as e:
            raise self._failed(e) from None
        if problem == "empty":
            raise no_ledger(self.where)
        if problem == "not a ledger":
            raise LedgerCorrupt("not a timeline-ledger database (it holds other tables)", path=self.where)
        if problem is not None:
            raise LedgerCorrupt(problem, path=self.where)
        integrity.check_meta(self.where, await self.rows(integrity.META))

    async def close(self) -> None:
        """Close every connection of ours, the idle ones and those lent to reads still under way
        (a loop left early, whose read is closed later): no connection outlives the ledger. Those
        reads end quietly when closed; going on reading fails with StoreError."""
        self._closed = True
        conns, self._idle, self._open = list(self._open), [], set()
        for conn in conns:
            await conn.close()


class _SyncCursor:
    """The synchronous cursor `postgres_schema.problem` reads through, for a worker thread: each
    call runs on the event loop's async cursor, and the thread waits for its answer."""

    def __init__(self, cur: psycopg.AsyncCursor[Any], loop: asyncio.AbstractEventLoop) -> None:
        self._cur = cur
        self._loop = loop

    def _wait(self, call: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(call, self._loop).result()

    def execute(self, sql: str, params: Any = None) -> None:
        self._wait(self._cur.execute(sql, params))

    def fetchall(self) -> list[Any]:
        return self._wait(self._cur.fetchall())

    def fetchone(self) -> Any:
        return self._wait(self._cur.fetchone())
