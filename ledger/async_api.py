"""`AsyncLedger`: the library API for asyncio audit tools, on SQLite (aiosqlite) or PostgreSQL.

Reads run the same decode-and-fold core as `Ledger` (`ledger.replay_core`,
`ledger.queries`): only the cursor differs, and a reader class of each backend
(`_SQLiteReader`, `_PostgresReader`) holds it. Writes, proofs and verification
run the synchronous code in a worker thread with its own connection. Any
number of tasks may share one `AsyncLedger`.

On SQLite, aiosqlite serialises the tasks' statements on its one connection,
and each call keeps its own cursor. On PostgreSQL (psycopg 3's async API),
each call takes a connection of its own from a small pool (`CONNECTIONS`) for
as long as it reads: a short query in autocommit mode, and the fast loop's long
reads (replay, timeline, run, entries, facts) through a server-side binary
cursor inside a read transaction, fetched `BATCH` rows at a time, so that
several tasks read side by side. A task that already holds a connection (an
`async for` over `entries()` that replays inside its loop, or tasks it starts
meanwhile) takes another without waiting for the pool, so nested reads never
wait for themselves. The pool is closed when the `async with` block ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Iterable
from contextlib import aclosing, asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import aiosqlite

from ledger import integrity, merkle, queries, tree
from ledger.api import (
    DateLike,
    FactView,
    ImportResult,
    Ledger,
    MomentLike,
    as_of_day,
    knowledge,
    known_at_text,
    timeline_bounds,
)
from ledger.audit import VerifyReport
from ledger.backends import POSTGRES_SCHEMES, is_url
from ledger.entry import Entry, Folded
from ledger.errors import LedgerCorrupt, LedgerError, LedgerMissing, StoreError, UsageError
from ledger.facts import Fact
from ledger.replay_core import Loop, Sink, first_bad, folded
from ledger.sqlite_store import LOCK_TIMEOUT_S, Row
from projections.fold import Projection
from projections.timeline import narrow
from projections.world import World

if TYPE_CHECKING:
    import psycopg

T = TypeVar("T")
BATCH = 4096
CONNECTIONS = 4  # PostgreSQL: the pool's size, for reads side by side
MISSING = "no ledger here (run `ledger init` or `ledger import`)"


class _Reader(Protocol):
    """One backend's cursors for the shared SQL (`ledger.queries`, `?` placeholders)."""

    @property
    def where(self) -> str | Path:
        """The ledger, as messages name it: a file, or a URL without its password."""

    async def check_format(self) -> None:
        """LedgerMissing or LedgerCorrupt unless the database holds a ledger of our format."""

    async def rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """All rows of a short query."""

    def batches(self, sql: str, params: Iterable[Any]) -> AsyncGenerator[list[Any], None]:
        """The rows of a long read, `BATCH` at a time, read as they are consumed."""

    async def close(self) -> None: ...


class _SQLiteReader:
    """A SQLite file, on one aiosqlite connection that serialises every task's statements."""

    def __init__(self, path: Path, conn: aiosqlite.Connection) -> None:
        self.where = path
        self._conn = conn

    @classmethod
    async def open(cls, path: Path, lock_timeout: int) -> _SQLiteReader:
        if not path.is_file():
            raise LedgerMissing(f"{path}: {MISSING}")
        try:
            conn = await aiosqlite.connect(f"file:{path}?mode=rw", uri=True, timeout=lock_timeout)
        except aiosqlite.Error as e:
            raise LedgerCorrupt(f"cannot open the ledger: {e}", path=path) from None
        reader = cls(path, conn)
        try:
            await conn.execute("PRAGMA trusted_schema = OFF")  # as `SQLiteStore`
        except aiosqlite.Error as e:
            await reader.close()
            raise LedgerCorrupt(f"cannot open the ledger: {e}", path=path) from None
        return reader

    async def rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        try:
            async with self._conn.execute(sql, tuple(params)) as cur:
                return list(await cur.fetchall())
        except aiosqlite.DatabaseError as e:
            raise LedgerCorrupt(f"cannot read the ledger: {e}", path=self.where) from None

    async def batches(self, sql: str, params: Iterable[Any]) -> AsyncGenerator[list[Any], None]:
        try:
            async with self._conn.execute(sql, tuple(params)) as cur:
                while chunk := await cur.fetchmany(BATCH):
                    yield list(chunk)
        except aiosqlite.DatabaseError as e:
            raise LedgerCorrupt(f"cannot read the ledger: {e}", path=self.where) from None

    async def check_format(self) -> None:
        """The file is a ledger: the same two small queries as `Ledger.open` (`ledger.integrity`)."""
        try:
            async with self._conn.execute(integrity.SCHEMA) as cur:
                schema = list(await cur.fetchall())
        except aiosqlite.DatabaseError as e:
            raise integrity.unreadable(self.where, e) from None
        if not schema:
            raise LedgerMissing(f"{self.where}: {MISSING}")
        try:
            async with self._conn.execute(integrity.META) as cur:
                meta: list[Any] | None = list(await cur.fetchall())
        except aiosqlite.DatabaseError:
            meta = None
        integrity.check_ledger(self.where, schema, meta)

    async def close(self) -> None:
        await self._conn.close()


# The PostgreSQL readers whose connection the current task (or the task that started it) holds:
# such a task takes another connection without waiting for the pool, so it never waits for itself.
_HOLDING: ContextVar[frozenset[int]] = ContextVar("ledger_async_holding", default=frozenset())


class _PostgresReader:
    """A PostgreSQL ledger, read on a pool of up to `CONNECTIONS` connections of our own: each
    call holds one for as long as it reads. psycopg is imported only when one is opened."""

    def __init__(self, url: str, lock_timeout: int) -> None:
        from ledger.postgres_store import Settings

        if lock_timeout < 1:
            raise UsageError(f"lock timeout {lock_timeout}: wait at least 1 second")
        self.settings = Settings(url)
        self.where = self.settings.shown
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._open: set[psycopg.AsyncConnection[Any]] = set()
        self._slots = asyncio.Semaphore(CONNECTIONS)
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
            raise StoreError(f"{self.where}: cannot connect: {_one_line(e)}") from None
        self._open.add(conn)
        return conn

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """A connection for one call: an idle one, or a new one; back to the pool when sound."""
        from psycopg.pq import TransactionStatus

        if self._closed:
            raise StoreError(f"{self.where}: the ledger was closed")
        holding = _HOLDING.get()
        nested = id(self) in holding
        if not nested:
            await self._slots.acquire()
        _HOLDING.set(holding | {id(self)})
        try:
            conn = self._idle.pop() if self._idle else await self._connect()
            try:
                yield conn
            finally:
                if self._closed or conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
                    self._open.discard(conn)
                    await conn.close()  # cut off in a query (a cancelled task), or broken
                else:
                    self._idle.append(conn)
        finally:
            # Not `reset`: an abandoned stream may be closed later, from another task's context.
            _HOLDING.set(holding)
            if not nested:
                self._slots.release()

    def _failed(self, e: Exception) -> LedgerError:
        """As `PostgresStore._failed`: the server's failure, or an unreadable ledger."""
        import psycopg

        if isinstance(e, psycopg.OperationalError):
            return StoreError(f"{self.where}: the database failed: {_one_line(e)}")
        return LedgerCorrupt(f"cannot read the ledger: {_one_line(e)}", path=self.where)

    async def rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        import psycopg

        try:
            async with self._connection() as conn, conn.cursor() as cur:
                await cur.execute(queries.for_postgres(sql), tuple(params))
                return await cur.fetchall()
        except psycopg.Error as e:
            raise self._failed(e) from None

    async def batches(self, sql: str, params: Iterable[Any]) -> AsyncGenerator[list[Any], None]:
        """As `PostgresStore._stream`: a server-side binary cursor in a read transaction."""
        import psycopg

        try:
            async with (
                self._connection() as conn,
                conn.transaction(),
                conn.cursor(name="ledger_read", binary=True) as cur,
            ):
                await cur.execute(queries.for_postgres(sql), tuple(params))
                while chunk := await cur.fetchmany(BATCH):
                    yield chunk
        except psycopg.Error as e:
            raise self._failed(e) from None

    async def check_format(self) -> None:
        """As `PostgresStore._check_format`: `postgres_schema.problem`, then `ledger_meta`."""
        import psycopg

        from ledger import postgres_schema

        try:
            async with self._connection() as conn, conn.cursor() as cur:
                bridge = _SyncCursor(cur, asyncio.get_running_loop())
                problem = await asyncio.to_thread(postgres_schema.problem, bridge)
        except psycopg.Error as e:
            raise self._failed(e) from None
        if problem == "empty":
            raise LedgerMissing(f"{self.where}: {MISSING}")
        if problem == "not a ledger":
            raise LedgerCorrupt("not a timeline-ledger database (it holds other tables)", path=self.where)
        if problem is not None:
            raise LedgerCorrupt(problem, path=self.where)
        integrity.check_meta(self.where, await self.rows(integrity.META))

    async def close(self) -> None:
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


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split())


async def _open_reader(target: str | Path, lock_timeout: int) -> _Reader:
    """The reader `ledger.backends.open_store` would pick for `target`, its format checked."""
    reader: _Reader
    if isinstance(target, str) and target.startswith(POSTGRES_SCHEMES):
        reader = _PostgresReader(target, lock_timeout)
    elif is_url(target):
        scheme = str(target).split("://", 1)[0]
        raise UsageError(f"{scheme}://: a ledger is a SQLite file path or a postgresql:// URL")
    else:
        reader = await _SQLiteReader.open(Path(target), lock_timeout)
    try:
        await reader.check_format()
    except BaseException:
        await reader.close()
        raise
    return reader


class AsyncLedger:
    """Open with `async with AsyncLedger.open(path_or_url) as lg:`; mirrors `ledger.Ledger`.

    A SQLite file is read on one aiosqlite connection. A PostgreSQL ledger
    (`postgresql://USER@HOST:PORT/DB[?schema=NAME]`) is read with psycopg's async API on a
    pool of up to `CONNECTIONS` connections: each call holds one while it reads, the long reads
    through a server-side binary cursor in a read transaction, `BATCH` rows at a time; the pool
    is closed when the `async with` block ends. `path` names the ledger in messages (the URL
    without its password)."""

    def __init__(self, target: str | Path, reader: _Reader, lock_timeout: int = LOCK_TIMEOUT_S) -> None:
        self.path = reader.where
        self._target = target  # as given (a URL with its password): for the worker thread's `Ledger`
        self._reader = reader
        self._lock_timeout = lock_timeout

    @classmethod
    @asynccontextmanager
    async def open(
        cls, path: str | Path, *, lock_timeout: int = LOCK_TIMEOUT_S
    ) -> AsyncIterator[AsyncLedger]:
        """An existing ledger: a SQLite file or a `postgresql://` URL (as `Ledger.open`); never
        creates one (use `Ledger.open(path, create=True)`)."""
        reader = await _open_reader(path, lock_timeout)
        try:
            yield cls(path, reader, lock_timeout)
        finally:
            await reader.close()

    async def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return await self._reader.rows(sql, params)

    def _batches(self, sql: str, params: Iterable[Any]) -> aclosing[AsyncGenerator[list[Any], None]]:
        """`async with self._batches(...) as batches:` closes the read (and gives its connection
        back) as the block ends, even when the loop over it stops early."""
        return aclosing(self._reader.batches(sql, params))

    # Reading, on the shared core

    async def size(self) -> int:
        return int((await self._rows(queries.SIZE))[0][0])

    async def _horizon(self, size: int | None, known_at: MomentLike | None) -> int:
        moment = known_at_text(known_at)
        recorded = None if moment is None else int((await self._rows(queries.KNOWN_AT, (moment,)))[0][0])
        return knowledge(await self.size(), size, recorded)

    async def _corrected(self, n: int) -> set[str]:
        return {t for (t,) in await self._rows(queries.CORRECTED, (n,))}

    async def root(self, size: int | None = None) -> str:
        n = await self._horizon(size, None)
        hashes = [await self._node(level, idx) for level, idx in tree.root_nodes(n)]
        return tree.fold_root(hashes).hex()

    async def _node(self, level: int, idx: int) -> bytes:
        """As `SQLiteStore.node`: stored from `tree.LOWEST_STORED` up, hashed from leaves below."""
        if level < tree.LOWEST_STORED:
            start, end = idx << level, (idx + 1) << level
            rows = await self._rows(queries.LEAVES, (start, end))
            found = [tree.hash_value(h, "its Merkle leaf", start + i) for i, (h,) in enumerate(rows)]
            return merkle.root_of(tree.leaf_range(found, start, end))
        rows = await self._rows(queries.NODE, (level, idx))
        if not rows:
            raise tree.missing_node(level, idx)
        what = f"the Merkle tree's node at level {level}, index {idx}"
        return tree.hash_value(rows[0][0], what, idx << level)

    async def replay(
        self, as_of: DateLike | None = None, *, size: int | None = None, known_at: MomentLike | None = None
    ) -> World:
        """The world on `as_of`; resumes from a projection snapshot when one is valid (read only)."""
        day = as_of_day(as_of)
        n = await self._horizon(size, known_at)
        root = await self.root(n)
        try:
            since, projection = 0, Projection()
            if n == await self.size():
                snap = await self._rows(queries.SNAPSHOT, (n, day.toordinal()))
                if snap:
                    since, state = integrity.snapshot_row(self.path, *snap[0])
                    projection = Projection.restore(state)
            loop = Loop(projection, n, await self._corrected(n), since=since, views=True)
            sql = queries.replay(Projection.IGNORES)
            async with self._batches(sql, (since, day.toordinal())) as batches:
                async for batch in batches:
                    loop.feed(batch)
            return projection.world(day, n, root)
        except LedgerError:
            raise
        except Exception:
            # As `Ledger.replay`: a value of the wrong type in the replay index may fail late.
            async with self._batches(queries.replay(), (0, day.toordinal())) as batches:
                async for batch in batches:
                    bad = first_bad([batch])
                    if bad is not None:
                        raise bad from None
            raise

    async def run(
        self,
        sink: Sink,
        as_of: DateLike | None = None,
        *,
        size: int | None = None,
        known_at: MomentLike | None = None,
    ) -> Sink:
        """Run a projection of your own through the fast loop (see `Ledger.run`)."""
        n = await self._horizon(size, known_at)
        loop = Loop(sink, n, await self._corrected(n))
        async with self._batches(queries.replay(), (0, as_of_day(as_of).toordinal())) as batches:
            async for batch in batches:
                loop.feed(batch)
        return sink

    async def entries(
        self, *, size: int | None = None, known_at: MomentLike | None = None
    ) -> AsyncGenerator[Entry, None]:
        """Entries in recording order, within the knowledge horizon; each is checked against its
        index row and its Merkle leaf as it is read, as `Ledger.entries` does."""
        n = await self._horizon(size, known_at)
        expected = 0
        async with self._batches(queries.ENTRIES, (0, n)) as batches:
            async for batch in batches:
                for r in batch:
                    row = Row(*r)
                    if row.seq != expected:
                        raise LedgerCorrupt("the entry is missing: the ledger was altered", expected)
                    stored = integrity.stored_entry(row, leaf=True)
                    yield Entry(row.seq, stored.recorded_at, row.effective, stored.fact)
                    expected += 1

    async def facts(
        self, *, size: int | None = None, known_at: MomentLike | None = None
    ) -> AsyncGenerator[Fact, None]:
        """The facts in recording order (retractions included): `async for fact in lg.facts():`."""
        async with aclosing(self.entries(size=size, known_at=known_at)) as entries:
            async for entry in entries:
                yield entry.fact

    async def timeline(
        self,
        *,
        start: DateLike | None = None,
        end: DateLike | None = None,
        state: str | None = None,
        mission: str | None = None,
        size: int | None = None,
        known_at: MomentLike | None = None,
    ) -> list[Folded]:
        """Folded facts in replay order, as `Ledger.timeline`."""
        first, last = timeline_bounds(start, end)
        n = await self._horizon(size, known_at)
        corrected = await self._corrected(n)
        items: list[Folded] = []
        async with self._batches(queries.replay(), (0, last)) as batches:
            async for batch in batches:
                items.extend(folded([batch], n, corrected))
        return narrow(items, start=first, state=state, mission=mission)

    # Writing, proofs and verification: the synchronous code, in a worker thread

    async def _in_thread(self, work: Callable[[Ledger], T]) -> T:
        def call() -> T:
            with Ledger.open(self._target, lock_timeout=self._lock_timeout) as lg:
                return work(lg)

        return await asyncio.to_thread(call)

    async def import_facts(self, inputs: Iterable[tuple[str, bytes]]) -> ImportResult:
        batch = list(inputs)
        return await self._in_thread(lambda lg: lg.import_facts(batch))

    async def show(self, ref: str | int) -> FactView:
        return await self._in_thread(lambda lg: lg.show(ref))

    async def verify(self) -> VerifyReport:
        return await self._in_thread(lambda lg: lg.verify())
