"""`AsyncLedger`: the library API for asyncio audit tools, on SQLite (aiosqlite) or PostgreSQL
(psycopg's async API on psycopg_pool).

Every read runs the same plans as `Ledger` (`ledger.reading`), on an asyncio reader of the
backend (`ledger.storage.location.open_reader`): only the cursor differs, so both give the same
answers, byte for byte, and a replay of the whole ledger resumes from and leaves projection
snapshots here too. Writes and `verify` run the synchronous code in a worker thread with its own
connection. Any number of tasks may share one `AsyncLedger`; no read holds a connection while a
caller iterates, so reads may nest in each other's loops.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from ledger.api import MAX_ERRORS, Ledger, snapshot_interval
from ledger.chart.shape import Chart
from ledger.checkpoint import Checkpoint
from ledger.entries import Entry, FactView, Folded, ImportCheck, ImportResult, LogLine
from ledger.errors import LedgerClosed, UsageError
from ledger.exports import FactRows, Spell, write_bytes
from ledger.facts import Fact
from ledger.reading import answers, chart, entries, follow, log, replay
from ledger.reading.args import (
    DateLike,
    MomentLike,
    as_of_day,
    audit_options,
    chart_options,
    day_bounds,
    known_at_text,
    state_codes,
)
from ledger.reading.plans import Plan, Stream, arun, astream
from ledger.receipts import CheckReport, read_document
from ledger.replay.loop import Sink
from ledger.storage.constants import LOCK_TIMEOUT_S
from ledger.storage.location import Reader, open_reader
from ledger.storage.waking import Waker
from ledger.verification import (
    ConsistencyProof,
    InclusionProof,
    VerifyReport,
    checkpoint_plan,
    consistency_plan,
    inclusion_plan,
)
from projections.actors import language, names
from projections.conflicts import ConflictsDocument
from projections.promises import PromisesDocument
from projections.world import Description, World

T = TypeVar("T")


class AsyncLedger:
    """Open with `async with AsyncLedger.open(path_or_url) as lg:`; mirrors `ledger.Ledger`.

    A SQLite file is read on one aiosqlite connection. A PostgreSQL ledger
    (`postgresql://USER@HOST:PORT/DB[?schema=NAME]`) is read on a pool of at most
    `ledger.storage.postgres.reader.CONNECTIONS` connections, each lent for one statement at a
    time; every connection is closed when the `async with` block ends. `path` names the ledger in
    messages (the URL without its password)."""

    def __init__(
        self,
        target: str | Path,
        reader: Reader,
        lock_timeout: int = LOCK_TIMEOUT_S,
        *,
        snapshot_every: int | None = None,
    ) -> None:
        self.path = reader.where  # the file, or the URL without its password
        self.backend = reader.backend  # "sqlite" or "postgresql"
        self._target = target  # as given (a URL with its password): for the worker thread's `Ledger`
        self._opened: Reader | None = reader
        self._lock_timeout = lock_timeout
        self._snapshot_every = None if snapshot_every is None else snapshot_interval(snapshot_every)
        self._wakers: set[Waker] = set()  # of the followers running: closing ends them

    @classmethod
    @asynccontextmanager
    async def open(
        cls, path: str | Path, *, lock_timeout: int = LOCK_TIMEOUT_S, snapshot_every: int | None = None
    ) -> AsyncIterator[AsyncLedger]:
        """An existing ledger: a SQLite file or a `postgresql://` URL (as `Ledger.open`); never
        creates one (use `Ledger.open(path, create=True)`)."""
        if snapshot_every is not None:
            snapshot_interval(snapshot_every)  # before anything is opened
        reader = await open_reader(path, lock_timeout)
        lg: AsyncLedger | None = None
        try:
            if snapshot_every is None:
                lg = cls(path, reader, lock_timeout)
            else:
                lg = cls(path, reader, lock_timeout, snapshot_every=snapshot_every)
            yield lg
        finally:
            if lg is not None:
                lg._opened = None
                for waker in list(lg._wakers):  # every follower ends
                    waker.close()
            await reader.close()

    @property
    def _reader(self) -> Reader:
        if self._opened is None:
            raise LedgerClosed(self.path)
        return self._opened

    @property
    def closed(self) -> bool:
        """True once the `async with` block that opened it has ended."""
        return self._opened is None

    def __repr__(self) -> str:
        state = "closed" if self._opened is None else self.backend
        return f"<{type(self).__name__} {self.path!r} ({state})>"

    async def _run(self, plan: Plan[T]) -> T:
        return await arun(plan, self._reader.fetch)

    def _stream(self, plan: Stream[T]) -> AsyncIterator[T]:
        return astream(plan, self._reader.fetch)

    # Reading, through the shared plans

    async def size(self) -> int:
        return await self._run(entries.size())

    async def _horizon(self, size: int | None, known_at: MomentLike | None) -> int:
        return await self._run(entries.horizon(size, known_at_text(known_at)))

    async def root(self, size: int | None = None) -> str:
        return (await self._run(log.root(await self._horizon(size, None)))).hex()

    async def replay(
        self,
        as_of: DateLike | None = None,
        *,
        size: int | None = None,
        known_at: MomentLike | None = None,
        snapshots: bool = True,
        states: str | Iterable[str] | None = None,
    ) -> World:
        """The world on `as_of` (as `Ledger.replay`, snapshots and `states` included)."""
        plan = replay.world(
            as_of_day(as_of),
            size,
            known_at_text(known_at),
            self.path,
            snapshots=snapshots,
            every=self._snapshot_every,
            states=state_codes(states),
        )
        answer = await self._run(plan)
        if answer.snapshots:
            await self._reader.save_snapshots(answer.size, answer.snapshots)
        return answer.world

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
        return await self._run(replay.run(sink, n, as_of_day(as_of).toordinal()))

    async def entries(
        self, *, size: int | None = None, known_at: MomentLike | None = None
    ) -> AsyncIterator[Entry]:
        """Entries in recording order, within the knowledge horizon; each is checked against its
        index row and its Merkle leaf as it is read, as `Ledger.entries` does."""
        n = await self._horizon(size, known_at)
        async for _, entry in self._stream(entries.entries(n)):
            yield entry

    async def facts(
        self, *, size: int | None = None, known_at: MomentLike | None = None
    ) -> AsyncIterator[Fact]:
        """The facts in recording order (retractions included): `async for fact in lg.facts():`."""
        async for entry in self.entries(size=size, known_at=known_at):
            yield entry.fact

    async def log(
        self, *, size: int | None = None, known_at: MomentLike | None = None
    ) -> AsyncIterator[LogLine]:
        """One line per entry in recording order, with its Merkle leaf hash (see `Ledger.log`)."""
        n = await self._horizon(size, known_at)
        async for line in self._stream(entries.log_lines(n)):
            yield line

    async def timeline(
        self,
        *,
        start: DateLike | None = None,
        end: DateLike | None = None,
        state: str | None = None,
        mission: str | None = None,
        size: int | None = None,
        known_at: MomentLike | None = None,
    ) -> AsyncIterator[Folded]:
        """Folded facts in replay order, as `Ledger.timeline`: `async for e in lg.timeline():`."""
        first, last = day_bounds(start, end)
        n = await self._horizon(size, known_at)
        for folded in await self._run(replay.narrowed_timeline(n, first, last, state=state, mission=mission)):
            yield folded

    async def actors(
        self, *, size: int | None = None, known_at: MomentLike | None = None
    ) -> dict[str, Description]:
        """What the considered descriptions say of each actor, as `Ledger.actors`."""
        return await self._run(replay.descriptions(await self._horizon(size, known_at), self.path))

    async def follow(
        self, *, after: int | None = None, idle: float | None = None, timeout: float | None = None
    ) -> AsyncIterator[Entry]:
        """Entries as they are committed (see `Ledger.follow`): `async for e in lg.follow():`. It
        ends after `idle` seconds without a new entry, `timeout` in all, or when the `async with`
        block of `AsyncLedger.open` ends."""
        follow.check_limits(after, idle, timeout)
        start = await self.size() - 1 if after is None else after
        async for item in self._follow(follow.entries(start, idle=idle, timeout=timeout)):
            yield item

    async def follow_log(
        self, *, after: int | None = None, idle: float | None = None, timeout: float | None = None
    ) -> AsyncIterator[LogLine]:
        """`follow`, as `log` lines with each entry's Merkle leaf hash."""
        follow.check_limits(after, idle, timeout)
        start = await self.size() - 1 if after is None else after
        async for item in self._follow(follow.log_lines(start, idle=idle, timeout=timeout)):
            yield item

    async def _follow(self, plan: Stream[T]) -> AsyncIterator[T]:
        waker = await asyncio.to_thread(self._reader.waker)  # a subscription connects
        self._wakers.add(waker)

        async def wait(seconds: float | None) -> bool:
            return await asyncio.to_thread(waker.wait, seconds)

        try:
            async for item in astream(plan, self._reader.fetch, wait):
                yield item
        finally:
            self._wakers.discard(waker)
            await asyncio.to_thread(waker.close)

    async def spells(
        self,
        as_of: DateLike | None = None,
        *,
        size: int | None = None,
        known_at: MomentLike | None = None,
        lang: str = "en",
    ) -> AsyncIterator[Spell]:
        """Office and contingent spells, as `Ledger.spells`: `async for s in lg.spells():`."""
        day, lang = as_of_day(as_of), language(lang)
        n = await self._horizon(size, known_at)
        for spell in await self._run(replay.spells(n, day.toordinal(), lang)):
            yield spell

    async def export(
        self,
        kind: str,
        *,
        as_of: DateLike | None = None,
        size: int | None = None,
        known_at: MomentLike | None = None,
        lang: str = "en",
    ) -> AsyncIterator[Any]:
        """The rows of an export, streamed, as `Ledger.export`: `async for row in lg.export("facts"):`."""
        if kind == "entries":
            if as_of is not None:
                raise UsageError(
                    "does not apply to entries: they are every entry, in recording order", param="as_of"
                )
            language(lang)
            async for fact in self.facts(size=size, known_at=known_at):
                yield fact
            return
        if kind == "spells":
            async for spell in self.spells(as_of, size=size, known_at=known_at, lang=lang):
                yield spell
            return
        if kind != "facts":
            raise UsageError("not a kind of export (facts, spells or entries)", param="kind", value=kind)
        day, lang = as_of_day(as_of), language(lang)
        n = await self._horizon(size, known_at)
        row = FactRows(names(await self.actors(size=n), lang))  # the timeline's line and names
        async for page in self._stream(replay.folded_pages(n, day.toordinal())):
            for folded in page:
                yield row(folded)

    async def chart(
        self,
        *,
        state: str | None = None,
        mission: str | None = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        size: int | None = None,
        known_at: MomentLike | None = None,
        lang: str = "en",
    ) -> Chart:
        """What `ledger plot` draws, as `Ledger.chart` (the same plan)."""
        first, last, lang = chart_options(state, mission, start, end, lang)
        n = await self._horizon(size, known_at)
        return await self._run(chart.chart(n, state=state, mission=mission, start=first, end=last, lang=lang))

    async def plot(
        self,
        path: str | os.PathLike[str],
        *,
        state: str | None = None,
        mission: str | None = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        size: int | None = None,
        known_at: MomentLike | None = None,
        lang: str = "en",
    ) -> Chart:
        """Draw the chart to `path` (SVG, PNG or PDF by its suffix), as `Ledger.plot`; the drawing
        and the writing run in a worker thread."""
        from ledger.chart.draw import picture_format, render

        fmt = picture_format(path)
        drawn = await self.chart(
            state=state, mission=mission, start=start, end=end, size=size, known_at=known_at, lang=lang
        )
        data = await asyncio.to_thread(render, drawn, fmt)
        await asyncio.to_thread(write_bytes, path, data)
        return drawn

    async def show(self, ref: str | int) -> FactView:
        return await self._run(entries.show(ref, self.path))

    async def checkpoint(self, *, private_key: str | None = None) -> Checkpoint:
        return await self._run(checkpoint_plan(self.path, private_key))

    async def inclusion_proof(self, ref: str | int, *, size: int | None = None) -> InclusionProof:
        return await self._run(inclusion_plan(ref, size))

    async def consistency_proof(self, old: int, new: int | None = None) -> ConsistencyProof:
        return await self._run(consistency_plan(old, new))

    async def promises(
        self,
        as_of: DateLike | None = None,
        *,
        mission: str | None = None,
        state: str | None = None,
        size: int | None = None,
        known_at: MomentLike | None = None,
    ) -> PromisesDocument:
        """Every promise judged on `as_of` (as `Ledger.promises`, the same plan)."""
        day, options = audit_options(as_of, mission, state)
        n = await self._horizon(size, known_at)
        answer: PromisesDocument = await self._run(answers.answer("audit promises", day, n, options))
        return answer

    async def conflicts(
        self, as_of: DateLike | None = None, *, size: int | None = None, known_at: MomentLike | None = None
    ) -> ConflictsDocument:
        """Every disputed `strength` on `as_of` (as `Ledger.conflicts`, the same plan)."""
        day, _ = audit_options(as_of, None, None)
        n = await self._horizon(size, known_at)
        answer: ConflictsDocument = await self._run(answers.answer("audit conflicts", day, n))
        return answer

    async def check(self, document: Mapping[str, Any] | bytes | str) -> CheckReport:
        """Check a receipted document against the ledger (as `Ledger.check`, the same plan)."""
        return await self._run(answers.check(read_document(document)))

    # Writing and verification: the synchronous code, in a worker thread

    async def _in_thread(self, work: Callable[[Ledger], T]) -> T:
        self._reader  # noqa: B018  (a closed ledger says so, rather than open another connection)

        def call() -> T:
            with Ledger.open(self._target, lock_timeout=self._lock_timeout) as lg:
                return work(lg)

        return await asyncio.to_thread(call)

    async def import_facts(self, inputs: Iterable[tuple[str, bytes | str]]) -> ImportResult:
        """Import (name, content) pairs, all or nothing, as `Ledger.import_facts`."""
        batch = list(inputs)
        return await self._in_thread(lambda lg: lg.import_facts(batch))

    async def check_facts(
        self, inputs: Iterable[tuple[str, bytes]], *, max_errors: int = MAX_ERRORS
    ) -> ImportCheck:
        """A dry run of `import_facts`: every problem found, nothing written (`Ledger.check_facts`)."""
        batch = list(inputs)
        return await self._in_thread(lambda lg: lg.check_facts(batch, max_errors=max_errors))

    async def verify(
        self, against: Checkpoint | None = None, *, public_key: str | None = None
    ) -> VerifyReport:
        return await self._in_thread(lambda lg: lg.verify(against, public_key=public_key))
