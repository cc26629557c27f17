"""Plans: every read of the ledger written once, for `Ledger` and `AsyncLedger` alike.

A plan is a generator that yields the `Query` it needs next and is sent that query's rows; it
returns its answer (`Plan[T]`) or, for a long read, also yields the items it produces
(`Stream[T]`). It does no I/O itself, so a thin driver per kind of cursor runs it: `run` and
`stream` on a synchronous store, `arun` and `astream` on an asyncio reader. Every query is short
(long reads are pages, `ledger.storage.sql`), so no cursor stays open between two steps: a caller
may stop iterating, or start another read inside its loop, without holding anything.

A plan that reads page after page may also yield `Ahead`, the query it expects to ask next
(sent []): a driver given the means (`run(..., ahead=)`, and every asyncio driver) starts it at
once, so that the store fetches the next page while the plan folds this one, and hands over its
rows when the plan asks that query indeed; any other query waits for it first, so a store's
connection serves one statement at a time, as it does without.

A plan that follows a growing ledger (`ledger.reading.follow`) also yields `Wait`: the driver
waits for the next commit, at most that long, with the waker it was given (`stream(..., wait=)`),
and ends the stream when the waker was closed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Iterator
from concurrent.futures import Future
from typing import Any, NamedTuple, TypeVar

from ledger.errors import ConnectionLost
from ledger.logger import get_logger

T = TypeVar("T")
U = TypeVar("U")
log_ = get_logger()
Rows = list[Any]


class Query(NamedTuple):
    """One statement of the shared SQL (`?` placeholders) and its parameters."""

    sql: str
    params: tuple[Any, ...] = ()


class Wait(NamedTuple):
    """A step of a following plan: wait for a commit, at most `seconds` (None: however long)."""

    seconds: float | None


class Poll(NamedTuple):
    """A step of a following plan: a query it can do without for a while. A lost connection
    (`ConnectionLost`: a server restarting, a connection cut) answers it None, and the plan
    waits and asks again, where any other query's failure ends the plan."""

    query: Query


class Ahead(NamedTuple):
    """A step of a plan: the query it expects to ask next, which a driver may start now (sent [])."""

    query: Query


# Yields queries (sent their rows) and queries ahead (sent []).
Plan = Generator[Query | Ahead, Rows, T]
# Yields queries (sent their rows), items (sent []), queries ahead and for a following plan waits
# (sent []) and polls (sent their rows, or None when the connection was lost).
Stream = Generator["Query | Ahead | Wait | Poll | T", Rows, None]
Fetch = Callable[[Query], Rows]
# Starts a query in another thread, on the same connection (`Ledger`'s store).
StartFetch = Callable[[Query], "Future[Rows]"]
AsyncFetch = Callable[[Query], Awaitable[Rows]]
Waiting = Callable[[float | None], bool]  # a `Waker.wait`: False once the waker is closed
AsyncWaiting = Callable[[float | None], Awaitable[bool]]


class _Early:
    """The fetch of a synchronous driver: a query ahead started with `start`, if any, and every
    other query with `fetch` once that one is over."""

    def __init__(self, fetch: Fetch, start: StartFetch | None) -> None:
        self.fetch, self.start = fetch, start
        self.pending: tuple[Query, Future[Rows]] | None = None

    def ahead(self, query: Query) -> None:
        if self.start is not None and self.pending is None:
            self.pending = (query, self.start(query))

    def __call__(self, query: Query) -> Rows:
        if self.pending is not None:
            started, future = self.pending
            try:
                rows = future.result()
            except Exception:  # asked again below, where its error is raised in its place
                rows = None
            self.pending = None  # only once it is over: a KeyboardInterrupt meanwhile leaves it to `settle`
            if rows is not None and started == query:
                return rows
        return self.fetch(query)

    def settle(self) -> None:
        """Wait for a query still running, whatever came of it: the connection is free after."""
        if self.pending is not None:
            with contextlib.suppress(Exception):
                self.pending[1].result()
            self.pending = None


def run(plan: Plan[T], fetch: Fetch, ahead: StartFetch | None = None) -> T:
    """Run a plan on a synchronous cursor: its answer. With `ahead`, the queries the plan expects
    to ask next are started with it, in another thread."""
    early = _Early(fetch, ahead)
    try:
        step = next(plan)
        while True:
            if type(step) is Ahead:
                early.ahead(step.query)
                step = plan.send([])
            else:
                step = plan.send(early(step))  # type: ignore[arg-type]
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        try:
            early.settle()
        finally:
            plan.close()


def stream(
    plan: Stream[T], fetch: Fetch, wait: Waiting | None = None, ahead: StartFetch | None = None
) -> Iterator[T]:
    """Run a streaming plan on a synchronous cursor: its items, as they come (and, for a
    following plan, its waits on `wait`, until that is closed; with `ahead`, as `run`)."""
    early = _Early(fetch, ahead)
    try:
        step = next(plan)
        while True:
            if isinstance(step, Query):
                step = plan.send(early(step))
            elif isinstance(step, Ahead):
                early.ahead(step.query)
                step = plan.send([])
            elif isinstance(step, Wait):
                if wait is None or not wait(step.seconds):
                    return
                step = plan.send([])
            elif isinstance(step, Poll):
                try:
                    rows: Rows | None = early(step.query)
                except ConnectionLost as e:
                    log_.warning("follow.connection_lost", error=str(e))
                    rows = None
                step = plan.send(rows)  # type: ignore[arg-type]
            else:
                yield step
                step = plan.send([])
    except StopIteration:
        return
    finally:
        try:
            early.settle()
        finally:
            plan.close()


class _AsyncEarly:
    """The fetch of an asyncio driver: a query ahead runs as a task while the plan works, and
    every other query waits for it first."""

    def __init__(self, fetch: AsyncFetch) -> None:
        self.fetch = fetch
        self.pending: tuple[Query, asyncio.Future[Rows]] | None = None

    async def ahead(self, query: Query) -> None:
        if self.pending is None:
            self.pending = (query, asyncio.ensure_future(self.fetch(query)))
            # Let the task hand its statement to the database now (aiosqlite's thread, or the
            # server), rather than at the plan's next await, after the fold it is to overlap.
            await asyncio.sleep(0)

    async def __call__(self, query: Query) -> Rows:
        if self.pending is not None:
            started, task = self.pending
            try:
                rows: Rows | None = await task
            except Exception:  # asked again below, where its error is raised in its place
                rows = None
            self.pending = None  # only once it is over: a cancellation meanwhile leaves it to `settle`
            if rows is not None and started == query:
                return rows
        return await self.fetch(query)

    async def settle(self) -> None:
        """Wait for a query still running, whatever came of it."""
        if self.pending is not None:
            with contextlib.suppress(Exception):
                await self.pending[1]
            self.pending = None


async def arun(plan: Plan[T], fetch: AsyncFetch) -> T:
    """Run a plan on an asyncio cursor: its answer (queries ahead run as tasks meanwhile)."""
    early = _AsyncEarly(fetch)
    try:
        step = next(plan)
        while True:
            if type(step) is Ahead:
                await early.ahead(step.query)
                step = plan.send([])
            else:
                step = plan.send(await early(step))  # type: ignore[arg-type]
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        try:
            await early.settle()  # a cancelled task stops waiting here, and the plan closes all the same
        finally:
            plan.close()


async def astream(plan: Stream[T], fetch: AsyncFetch, wait: AsyncWaiting | None = None) -> AsyncIterator[T]:
    """Run a streaming plan on an asyncio cursor: its items, as they come (and its waits; queries
    ahead run as tasks meanwhile)."""
    early = _AsyncEarly(fetch)
    try:
        step = next(plan)
        while True:
            if isinstance(step, Query):
                step = plan.send(await early(step))
            elif isinstance(step, Ahead):
                await early.ahead(step.query)
                step = plan.send([])
            elif isinstance(step, Wait):
                if wait is None or not await wait(step.seconds):
                    return
                step = plan.send([])
            elif isinstance(step, Poll):
                try:
                    rows: Rows | None = await early(step.query)
                except ConnectionLost as e:
                    log_.warning("follow.connection_lost", error=str(e))
                    rows = None
                step = plan.send(rows)  # type: ignore[arg-type]
            else:
                yield step
                step = plan.send([])
    except StopIteration:
        return
    finally:
        try:
            await early.settle()  # a cancelled task stops waiting here, and the plan closes all the same
        finally:
            plan.close()


def collect(plan: Stream[T]) -> Plan[list[T]]:
    """A streaming plan's items as one list (for answers that are lists)."""
    items: list[T] = []
    try:
        step = next(plan)
        while True:
            if isinstance(step, (Wait, Poll)):
                raise TypeError("a following plan never ends: it cannot be collected")
            if isinstance(step, (Query, Ahead)):
                step = plan.send((yield step))
            else:
                items.append(step)
                step = plan.send([])
    except StopIteration:
        return items


def transform(source: Stream[T], each: Callable[[T], Iterable[U]]) -> Stream[U]:
    """A streaming plan whose items are `each` of `source`'s items' (none, one or more each);
    queries pass through to the driver and their rows back to `source`."""
    try:
        step = next(source)
        while True:
            if isinstance(step, (Query, Ahead, Wait, Poll)):
                step = source.send((yield step))
            else:
                for item in each(step):  # noqa: UP028 (not `yield from`: the driver sends [] back)
                    yield item
                step = source.send([])
    except StopIteration:
        return
