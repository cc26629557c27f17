"""Plans: every read of the ledger written once, for `Ledger` and `AsyncLedger` alike.

A plan is a generator that yields the `Query` it needs next and is sent that query's rows; it
returns its answer (`Plan[T]`) or, for a long read, also yields the items it produces
(`Stream[T]`). It does no I/O itself, so a thin driver per kind of cursor runs it: `run` and
`stream` on a synchronous store, `arun` and `astream` on an asyncio reader. Every query is short
(long reads are pages, `ledger.storage.sql`), so no cursor stays open between two steps: a caller
may stop iterating, or start another read inside its loop, without holding anything.

A plan that follows a growing ledger (`ledger.reading.follow`) also yields `Wait`: the driver
waits for the next commit, at most that long, with the waker it was given (`stream(..., wait=)`),
and ends the stream when the waker was closed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Iterator
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")
U = TypeVar("U")
Rows = list[Any]


class Query(NamedTuple):
    """One statement of the shared SQL (`?` placeholders) and its parameters."""

    sql: str
    params: tuple[Any, ...] = ()


class Wait(NamedTuple):
    """A step of a following plan: wait for a commit, at most `seconds` (None: however long)."""

    seconds: float | None


Plan = Generator[Query, Rows, T]
# Yields queries (sent their rows), items (sent []), and for a following plan waits (sent []).
Stream = Generator["Query | Wait | T", Rows, None]
Fetch = Callable[[Query], Rows]
AsyncFetch = Callable[[Query], Awaitable[Rows]]
Waiting = Callable[[float | None], bool]  # a `Waker.wait`: False once the waker is closed
AsyncWaiting = Callable[[float | None], Awaitable[bool]]


def run(plan: Plan[T], fetch: Fetch) -> T:
    """Run a plan on a synchronous cursor: its answer."""
    try:
        query = next(plan)
        while True:
            query = plan.send(fetch(query))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        plan.close()


def stream(plan: Stream[T], fetch: Fetch, wait: Waiting | None = None) -> Iterator[T]:
    """Run a streaming plan on a synchronous cursor: its items, as they come (and, for a
    following plan, its waits on `wait`, until that is closed)."""
    try:
        step = next(plan)
        while True:
            if isinstance(step, Query):
                step = plan.send(fetch(step))
            elif isinstance(step, Wait):
                if wait is None or not wait(step.seconds):
                    return
                step = plan.send([])
            else:
                yield step
                step = plan.send([])
    except StopIteration:
        return
    finally:
        plan.close()


async def arun(plan: Plan[T], fetch: AsyncFetch) -> T:
    """Run a plan on an asyncio cursor: its answer."""
    try:
        query = next(plan)
        while True:
            query = plan.send(await fetch(query))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        plan.close()


async def astream(plan: Stream[T], fetch: AsyncFetch, wait: AsyncWaiting | None = None) -> AsyncIterator[T]:
    """Run a streaming plan on an asyncio cursor: its items, as they come (and its waits)."""
    try:
        step = next(plan)
        while True:
            if isinstance(step, Query):
                step = plan.send(await fetch(step))
            elif isinstance(step, Wait):
                if wait is None or not await wait(step.seconds):
                    return
                step = plan.send([])
            else:
                yield step
                step = plan.send([])
    except StopIteration:
        return
    finally:
        plan.close()


def collect(plan: Stream[T]) -> Plan[list[T]]:
    """A streaming plan's items as one list (for answers that are lists)."""
    items: list[T] = []
    try:
        step = next(plan)
        while True:
            if isinstance(step, Wait):
                raise TypeError("a following plan never ends: it cannot be collected")
            if isinstance(step, Query):
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
            if isinstance(step, (Query, Wait)):
                step = source.send((yield step))
            else:
                for item in each(step):  # noqa: UP028 (not `yield from`: the driver sends [] back)
                    yield item
                step = source.send([])
    except StopIteration:
        return
