"""`AsyncLedger`: the library API for asyncio audit tools, on SQLite (aiosqlite) or PostgreSQL.

Reads run the same decode-and-fold loop as `Ledger` (`ledger.replay.loop`,
`ledger.queries`): only the cursor differs, and a reader of each backend
(`ledger.async_readers.Reader`) holds it. Writes, proofs and verification
run the synchronous code in a worker thread with its own connection. Any
number of tasks may share one `AsyncLedger`.

How each backend reads, and why a PostgreSQL read made inside another read's
loop shares its connection, is in `ledger.async_sqlite` and
`ledger.async_postgres`; `ledger.async_readers` picks one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from contextlib import aclosing, asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

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
from ledger.async_readers import Reader, open_reader
from ledger.audit import VerifyReport
from ledger.entry import Entry, Folded
from ledger.errors import LedgerCorrupt
from ledger.facts import Fact
from ledger.replay.loop import Sink, fact_loop, timeline, view_loop
from ledger.store import LOCK_TIMEOUT_S, Row
from projections.fold import Projection
from projections.timeline import narrow
from projections.world import World

T = TypeVar("T")


class AsyncLedger:
    """Open with `async with AsyncLedger.open(path_or_url) as lg:`; mirrors `ledger.Ledger`.

    A SQLite file is read on one aiosqlite connection. A PostgreSQL ledger
    (`postgresql://USER@HOST:PORT/DB[?schema=NAME]`) is read with psycopg's async API on a
    pool of at most `CONNECTIONS` connections: each call holds one while it reads (a call made
    inside another read's loop, or in a task started there, shares that read's), the long
    reads through a server-side binary cursor in a read transaction, `BATCH` rows at a time;
    every connection is closed when the `async with` block ends. `path` names the ledger in
    messages (the URL without its password)."""

    def __init__(self, target: str | Path, reader: Reader, lock_timeout: int = LOCK_TIMEOUT_S) -> None:
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
        reader = await open_reader(path, lock_timeout)
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
        since, projection = 0, Projection()
        if n == await self.size():
            snap = await self._rows(queries.SNAPSHOT, (n, day.toordinal()))
            if snap:
                since, state = integrity.snapshot_row(self.path, *snap[0])
                projection = Projection.restore(state)
        loop = view_loop(projection.apply, n, await self._corrected(n), since=since)
        sql = queries.replay(Projection.IGNORES)
        async with self._batches(sql, (since, day.toordinal())) as batches:
            async for batch in batches:
                loop.feed(batch)
        return projection.world(day, n, root)

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
        loop = fact_loop(sink.apply, n, await self._corrected(n))
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
        loop = fact_loop(None, n, await self._corrected(n))
        async with self._batches(queries.replay(), (0, last)) as batches:
            async for batch in batches:
                loop.feed(batch)
        return narrow(timeline(loop), start=first, state=state, mission=mission)

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
