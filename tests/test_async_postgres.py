"""`AsyncLedger` on PostgreSQL: the same answers as the synchronous `Ledger` on the same database.

Every ledger lives in a schema of its own in this run's fresh database on the
real server (`tests/pg.py`); nothing is mocked. The async reads go through
psycopg's async API on a small pool of connections (`ledger.async_api`), so
besides agreeing with `Ledger` they must hold up when many tasks read at once,
when a task reads inside another read's loop, when a task is cancelled midway,
and when the server cuts a connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pg
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import Fact, fact, jsonl
from test_fast_loop import (
    DAYS,
    TypeCounter,
    batched_ledgers,
    correction_facts,
    daily_facts,
    day,
    doc,
)

from ledger import AsyncLedger, Ledger
from ledger.bench import synthetic_facts
from ledger.errors import LedgerCorrupt, LedgerMissing, StoreError, UsageError
from ledger.storage.postgres.reader import CONNECTIONS
from ledger.storage.postgres.settings import Settings

LAST = date(2024, 12, 31)  # the last day `synthetic_facts` dates a fact
MISSING = "no ledger here (run `ledger init` or `ledger import`)"


def run(work: Callable[[AsyncLedger], Awaitable[Any]], url: str) -> Any:
    """`work` on the ledger at `url`, opened with `AsyncLedger.open`, in a fresh event loop."""

    async def go() -> Any:
        async with AsyncLedger.open(url) as alg:
            return await work(alg)

    return asyncio.run(go())


def execute(url: str, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """One statement in the ledger's schema, on a connection of its own."""
    with contextlib.closing(Settings(url).connect()) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def snapshot_days(url: str) -> list[int]:
    return [int(d) for (d,) in execute(url, "SELECT effective FROM projection_snapshots ORDER BY effective")]


async def collect(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]


def backend_pids(alg: AsyncLedger) -> set[int]:
    """The server processes of the pool's idle connections (between two reads, every connection
    but one the pool is still putting in order after a cancelled statement), once the pool holds
    no more than its bound."""
    pool = alg._reader._pool  # type: ignore[attr-defined]
    assert pool.get_stats()["pool_size"] <= CONNECTIONS, pool.get_stats()
    return {conn.info.backend_pid for conn in pool._pool}


def alive(url: str, pids: set[int], *, wait: bool = False) -> set[int]:
    """Which of the server processes `pids` still run; with `wait`, once none does (or after 10 s):
    a process ends a moment after its connection is cut or closed."""
    deadline = time.monotonic() + 10
    while True:
        sql = "SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)"
        running = {int(pid) for (pid,) in execute(url, sql, [sorted(pids)])}
        if not (wait and running) or time.monotonic() > deadline:
            return running
        time.sleep(0.02)


class Backends:
    """This test's connections to the server, counted in `pg_stat_activity`: each one opened
    while `watching` carries the test's own application name (libpq's `PGAPPNAME`), and a thread
    counts them every few milliseconds meanwhile, keeping the most it saw open at once (`most`)."""

    def __init__(self, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.name = f"ledger-test-{uuid.uuid4().hex[:12]}"
        self.most = 0
        self._conn = Settings(url).connect()  # opened before PGAPPNAME is set: never counted
        self._lock = threading.Lock()
        self._monkeypatch = monkeypatch

    def count(self) -> int:
        sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND pid <> pg_backend_pid()"
        with self._lock:
            (n,) = self._conn.execute(sql, [self.name]).fetchall()[0]
        self.most = max(self.most, int(n))
        return int(n)

    def gone(self) -> bool:
        """Whether none is left, once none is (or after 10 s): a server process ends a moment
        after its connection is closed."""
        deadline = time.monotonic() + 10
        while self.count() and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.count() == 0

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        self._monkeypatch.setenv("PGAPPNAME", self.name)
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.002):
                self.count()

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield
        finally:
            stop.set()
            sampler.join()
            self._monkeypatch.delenv("PGAPPNAME")

    def close(self) -> None:
        self._conn.close()


@pytest.fixture
def backends(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backends]:
    counter = Backends(pg_url, monkeypatch)
    yield counter
    counter.close()


# 1. The same answers as the synchronous API


def late_fact() -> Fact:
    return fact("OfficeLeft", day(4).isoformat(), id="late", state="KZ", office="minister-0", person="p0")


def test_async_ledger_agrees_with_the_sync_api_on_postgres(pg_url: str) -> None:
    with Ledger.open(pg_url, create=True, snapshot_every=2) as lg:
        lg.import_facts([("first.jsonl", jsonl(*correction_facts()))])  # a retraction, a supersession
        moment = list(lg.entries())[-1].recorded_at
        lg.import_facts([("late.jsonl", jsonl(late_fact()))])
        lg.replay(day(20))  # leave snapshots behind, for the async replays to resume from
        assert snapshot_days(pg_url)
        size = lg.size()
        knowledge: list[dict[str, Any]] = [
            {},
            {"size": 0},
            {"size": 7},
            {"size": size},
            {"known_at": moment},
            {"size": 5, "known_at": moment},
        ]
        facts = [list(lg.facts(**k)) for k in knowledge]
        entries = [list(lg.entries(**k)) for k in knowledge]
        spans: list[dict[str, Any]] = [
            {},
            {"start": day(3), "end": day(8)},
            {"state": "KZ"},
            {"mission": "m2", "size": 9},
            {"known_at": moment},
        ]
        timelines = [list(lg.timeline(**k)) for k in spans]
        days = [day(-1), day(1), day(4), day(9), day(30)]
        worlds = {(d, n): doc(lg.replay(d, size=n)) for d in days for n in (None, 0, 3, 20, size)}
        known = [doc(lg.replay(d, known_at=moment)) for d in days]
        sink = lg.run(TypeCounter(), day(6))
        partial = lg.run(TypeCounter(), day(30), size=20)
        roots = [lg.root(n) for n in (None, 0, 1, 7, 16, size)]

    async def check(alg: AsyncLedger) -> None:
        assert await alg.size() == size
        assert [await alg.root(n) for n in (None, 0, 1, 7, 16, size)] == roots
        for k, want_facts, want_entries in zip(knowledge, facts, entries, strict=True):
            assert await collect(alg.facts(**k)) == want_facts, k
            assert await collect(alg.entries(**k)) == want_entries, k
        assert [await collect(alg.timeline(**k)) for k in spans] == timelines
        for (d, n), want in worlds.items():
            assert doc(await alg.replay(d, size=n)) == want, (d, n)
        assert [doc(await alg.replay(d, known_at=moment)) for d in days] == known
        counted = await alg.run(TypeCounter(), day(6))
        assert (counted.counts, counted.seen) == (sink.counts, sink.seen)  # type: ignore[attr-defined]
        counted = await alg.run(TypeCounter(), day(30), size=20)
        assert (counted.counts, counted.seen) == (partial.counts, partial.seen)  # type: ignore[attr-defined]
        with pytest.raises(UsageError, match="the ledger has"):
            await alg.replay(day(30), size=size + 1)

    run(check, pg_url)


def test_the_example_ledger(pg_url: str, example_bytes: bytes) -> None:
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("kazakhstan-2022-01-11.jsonl", example_bytes)])
        want = [doc(lg.replay(d)) for d in ("2022-01-04", "2022-01-08", "2022-01-12", "2022-12")]
        timeline = list(lg.timeline(state="KZ", start="2022-01-09"))

    async def check(alg: AsyncLedger) -> None:
        assert await alg.size() == 17
        world = await alg.replay("2022-01-12")
        assert world.states["KZ"].offices["prime-minister"].person == "alikhan-smailov"
        days = ("2022-01-04", "2022-01-08", "2022-01-12", "2022-12")
        assert [doc(w) for w in await asyncio.gather(*(alg.replay(d) for d in days))] == want
        assert await collect(alg.timeline(state="KZ", start="2022-01-09")) == timeline

    run(check, pg_url)


# 2. Many tasks at once


def test_many_concurrent_tasks_give_the_sequential_answers(pg_url: str) -> None:
    with Ledger.open(pg_url, create=True, snapshot_every=3) as lg:
        lg.import_facts([("days.jsonl", jsonl(*daily_facts(30)))])
        lg.import_facts([("fix.jsonl", jsonl(correction_facts()[-2]))])  # retract dep-3
        lg.replay(day(40))
        assert snapshot_days(pg_url)
        size = lg.size()
    asks = [(day(i * 2 - 1), (None, size, size // 2, 10)[i % 4]) for i in range(20)]

    async def check(alg: AsyncLedger) -> None:
        sequential = [doc(await alg.replay(d, size=n)) for d, n in asks]
        timeline = await collect(alg.timeline(start=day(5), end=day(25)))
        facts = await collect(alg.facts())
        concurrent = await asyncio.gather(*(alg.replay(d, size=n) for d, n in asks))
        assert [doc(w) for w in concurrent] == sequential
        assert len(backend_pids(alg)) <= CONNECTIONS
        # Replays, timelines, facts and runs side by side, each several times over.
        mixed = await asyncio.gather(
            *(alg.replay(d, size=n) for d, n in asks),
            *(collect(alg.timeline(start=day(5), end=day(25))) for _ in range(5)),
            *(collect(alg.facts()) for _ in range(5)),
            *(alg.run(TypeCounter(), day(40)) for _ in range(3)),
        )
        assert [doc(w) for w in mixed[:20]] == sequential
        assert mixed[20:25] == [timeline] * 5
        assert mixed[25:30] == [facts] * 5
        folded = len(await collect(alg.timeline(end=day(40))))
        assert [sum(sink.counts.values()) for sink in mixed[30:]] == [folded] * 3  # type: ignore[attr-defined]
        assert len(backend_pids(alg)) <= CONNECTIONS

    run(check, pg_url)
    with Ledger.open(pg_url) as lg:
        assert [doc(lg.replay(d, size=n, snapshots=False)) for d, n in asks[:4]] == [
            doc(lg.replay(d, size=n)) for d, n in asks[:4]
        ]


def test_a_read_inside_another_reads_loop_never_waits_for_itself(pg_url: str) -> None:
    """More tasks than the pool has connections, each replaying (and starting tasks that replay)
    inside its `async for` over the entries: none may wait for a connection it holds itself."""
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("days.jsonl", jsonl(*daily_facts(6)))])
        want = {e.effective_day: doc(lg.replay(e.effective_day)) for e in lg.entries()}
        size = lg.size()

    async def audit(alg: AsyncLedger) -> int:
        seen = 0
        async for entry in alg.entries():
            world, again = await asyncio.gather(
                alg.replay(entry.effective_day), alg.replay(entry.effective_day)
            )
            assert doc(world) == doc(again) == want[entry.effective_day]
            seen += 1
        return seen

    async def check(alg: AsyncLedger) -> None:
        tasks = [audit(alg) for _ in range(CONNECTIONS + 2)]
        counts = await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
        assert counts == [size] * len(tasks)

    run(check, pg_url)


def test_a_loop_left_early_gives_its_connection_back(pg_url: str) -> None:
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("days.jsonl", jsonl(*daily_facts(10)))])
        want = doc(lg.replay(day(20)))

    async def check(alg: AsyncLedger) -> None:
        for _ in range(3 * CONNECTIONS):
            async for _entry in alg.entries():
                break
            facts = alg.facts()
            await anext(facts)
            await facts.aclose()
        assert doc(await asyncio.wait_for(alg.replay(day(20)), timeout=60)) == want
        assert len(backend_pids(alg)) <= CONNECTIONS

    run(check, pg_url)


def test_cancelled_tasks_leave_the_ledger_usable(pg_url: str) -> None:
    """A task cancelled at any point of its reads (in a query, between batches, waiting for a
    connection): the calls after it still get the right answers."""
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("bench.jsonl", synthetic_facts(5000))])
        want = doc(lg.replay(LAST, snapshots=False))
        timeline = list(lg.timeline())

    async def check(alg: AsyncLedger) -> None:
        for steps in itertools.chain(range(12), (20, 40, 80)):
            tasks = [asyncio.create_task(alg.replay(LAST)) for _ in range(CONNECTIONS + 1)]
            for _ in range(steps):
                await asyncio.sleep(0)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            assert doc(await alg.replay(LAST)) == want, steps
        assert await collect(alg.timeline()) == timeline
        assert len(backend_pids(alg)) <= CONNECTIONS

    run(check, pg_url)


def test_a_loop_left_early_keeps_the_bound(pg_url: str, example_bytes: bytes, backends: Backends) -> None:
    """The reviewer's case: after `break` out of `async for`, the event loop closes the abandoned
    read in another task; the reads after it, and the tasks they start, still open no more than
    `CONNECTIONS` connections at once (they opened one each: 30 of them)."""
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("kz.jsonl", example_bytes)])
        want = doc(lg.replay("2022-01-12"))

    async def work() -> None:
        async with AsyncLedger.open(pg_url) as alg:
            for leave_early, finalized in ((False, False), (True, True), (True, False)):
                if leave_early:
                    async for _entry in alg.entries():
                        break
                    if finalized:
                        await asyncio.sleep(0.1)  # the loop's finalizer closes the generator meanwhile
                worlds = await asyncio.gather(*(alg.replay("2022-01-12") for _ in range(30)))
                assert {doc(w) for w in worlds} == {want}
                assert backends.count() <= CONNECTIONS, (leave_early, finalized)
            facts = alg.facts()
            await anext(facts)  # left suspended mid-read, and never closed
            del facts
            worlds = await asyncio.gather(*(alg.replay("2022-01-12") for _ in range(30)))
            assert {doc(w) for w in worlds} == {want}
            assert backends.count() <= CONNECTIONS

    with backends.watching():
        asyncio.run(work())
        assert backends.gone()
    assert 0 < backends.most <= CONNECTIONS


def test_reads_inside_a_loop_never_open_more_than_the_pool(pg_url: str, backends: Backends) -> None:
    """Reads inside an `async for` over another read, in the same task, in tasks it starts and
    in their loops in turn, many such loops at once: never more than `CONNECTIONS` connections,
    and no read waits for itself."""
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("days.jsonl", jsonl(*daily_facts(6)))])
        want = {e.effective_day: doc(lg.replay(e.effective_day)) for e in lg.entries()}
        facts = list(lg.facts())
        size = lg.size()

    async def deeper(alg: AsyncLedger, n: int) -> int:
        seen = 0
        async for fact_ in alg.facts(size=n):
            assert fact_ == facts[seen]
            assert await alg.size() == size
            seen += 1
        return seen

    async def audit(alg: AsyncLedger) -> int:
        seen = 0
        async for entry in alg.entries():
            assert await collect(alg.facts(size=entry.seq + 1)) == facts[: entry.seq + 1]
            worlds = await asyncio.gather(*(alg.replay(entry.effective_day) for _ in range(3)))
            assert {doc(w) for w in worlds} == {want[entry.effective_day]}
            spawned = [asyncio.create_task(deeper(alg, n)) for n in (entry.seq, size)]
            assert await asyncio.gather(*spawned) == [entry.seq, size]
            seen += 1
        return seen

    async def check(alg: AsyncLedger) -> None:
        audits = [audit(alg) for _ in range(3 * CONNECTIONS)]
        assert await asyncio.wait_for(asyncio.gather(*audits), timeout=120) == [size] * len(audits)
        assert len(backend_pids(alg)) <= CONNECTIONS

    with backends.watching():
        run(check, pg_url)
        assert backends.gone()
    assert 0 < backends.most <= CONNECTIONS


def test_a_read_cancelled_inside_a_loop_spares_the_loop(pg_url: str, backends: Backends) -> None:
    """Reads inside an `async for` cancelled at any point (in the loop's task itself, or in tasks
    it started): the loop goes on reading the right entries, and later calls the right answers."""
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("bench.jsonl", synthetic_facts(5000))])
        want = doc(lg.replay(LAST, snapshots=False))
        entries = list(lg.entries())

    async def check(alg: AsyncLedger) -> None:
        got = []
        async for entry in alg.entries():
            if entry.seq % 1000 == 0:
                for steps in (0, 1, 2, 3, 5, 8, 13, 30):
                    tasks = [asyncio.create_task(alg.replay(LAST)) for _ in range(2)]
                    for _ in range(steps):
                        await asyncio.sleep(0)
                    for task in tasks:
                        task.cancel()
                    for task in tasks:
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
                for timeout in (0.001, 0.005, 0.02):
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(timeout):
                            await alg.replay(LAST)
                assert doc(await alg.replay(LAST)) == want
            got.append(entry)
        assert got == entries
        assert doc(await alg.replay(LAST)) == want
        assert len(backend_pids(alg)) <= CONNECTIONS

    with backends.watching():
        run(check, pg_url)
        assert backends.gone()
    assert 0 < backends.most <= CONNECTIONS


def test_a_read_cut_off_in_the_server_inside_a_loop_spares_the_loop(pg_url: str, backends: Backends) -> None:
    """Reads inside an `async for` share its connection and its read transaction: one cancelled
    while the server runs its statement (here, waiting for a lock another session holds) fails
    there, and the loop's own cursor must live on (read past the first batch) all the same."""
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("days.jsonl", jsonl(*daily_facts(2000)))])  # more entries than one batch
        entries = list(lg.entries())
        want = doc(lg.replay(day(3000), snapshots=False))
        timeline = list(lg.timeline())
    locker = Settings(pg_url).connect()

    async def check(alg: AsyncLedger) -> None:
        locker.execute("BEGIN")
        locker.execute("LOCK TABLE replay_index IN ACCESS EXCLUSIVE MODE")
        got = []
        async for entry in alg.entries():
            if entry.seq == 10:
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(0.3):
                        # waits for the lock in the server, and is cancelled there
                        await collect(alg.timeline())
                task = asyncio.create_task(alg.replay(day(3000)))
                await asyncio.sleep(0.3)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                locker.execute("ROLLBACK")
                assert await collect(alg.timeline()) == timeline
                assert doc(await alg.replay(day(3000))) == want
            got.append(entry)
        assert got == entries
        assert doc(await alg.replay(day(3000))) == want

    try:
        with backends.watching():
            run(check, pg_url)
            assert backends.gone()
    finally:
        locker.close()
    assert 0 < backends.most <= CONNECTIONS


# 3. Writing, showing and verifying through the async API


def test_import_show_and_verify_through_the_async_api(pg_url: str) -> None:
    parts = urlsplit(pg_url)
    # A password in the URL (trust authentication ignores it) reaches the worker thread's Ledger,
    # and never a message or `path`.
    secret = pg_url.replace(f"{parts.username}@", f"{parts.username}:s3cret-pw@", 1)
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("first.jsonl", jsonl(*correction_facts()))])
        size = lg.size()

    async def work(alg: AsyncLedger) -> None:
        assert "s3cret" not in str(alg.path) and str(alg.path) == Settings(pg_url).shown
        result = await alg.import_facts([("late.jsonl", jsonl(late_fact()))])
        assert (result.appended, result.unchanged, result.size) == (1, 0, size + 1)
        again = await alg.import_facts([("late.jsonl", jsonl(late_fact()))])
        assert (again.appended, again.unchanged, again.size) == (0, 1, size + 1)
        assert await alg.size() == size + 1
        shown = await alg.show("late")
        assert (shown.seq, shown.fact.fact_id, shown.corrected_by) == (size, "late", None)
        retracted = await alg.show("dep-3")
        assert retracted.corrected_by is not None and retracted.corrected_by.how == "retracted"
        assert (await alg.show(size)).fact.fact_id == "late"
        report = await alg.verify()
        assert report.ok, report.message
        assert [f.fact_id for f in await collect(alg.facts())][-1] == "late"
        with Ledger.open(pg_url) as lg:
            assert doc(await alg.replay(day(30))) == doc(lg.replay(day(30), snapshots=False))
            assert await alg.root() == lg.root()

    run(work, secret)


# 4. Opening, and failures


def test_a_url_without_a_ledger_raises_ledger_missing(pg_url: str) -> None:
    shown = Settings(pg_url).shown
    with pytest.raises(LedgerMissing) as err:
        run(lambda alg: alg.size(), pg_url)
    assert str(err.value) == f"{shown}: {MISSING}"
    with pytest.raises(LedgerMissing) as sync_err:
        Ledger.open(pg_url)
    assert str(sync_err.value) == str(err.value)
    # A schema that exists but holds nothing is no ledger either.
    with psycopg.connect(pg_url.split("?")[0], autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {Settings(pg_url).schema}")
    with pytest.raises(LedgerMissing, match="no ledger here"):
        run(lambda alg: alg.size(), pg_url)


@pytest.mark.parametrize(
    "alter",
    [
        "CREATE TABLE stored_events (id INT)",  # another program's table
        "DROP TABLE merkle_nodes",
        "ALTER TABLE ledger_entries ADD COLUMN extra TEXT",
        "UPDATE ledger_meta SET value = 'timeline-ledger/0' WHERE key = 'format'",
        "DELETE FROM ledger_meta WHERE key = 'origin'",
    ],
)
def test_a_schema_that_is_not_a_ledger_raises_ledger_corrupt(pg_url: str, alter: str) -> None:
    settings = Settings(pg_url)
    if alter.startswith("CREATE TABLE"):
        with psycopg.connect(pg_url.split("?")[0], autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {settings.schema}")
    else:
        with Ledger.open(pg_url, create=True) as lg:
            lg.import_facts([("f.jsonl", jsonl(*correction_facts()[:3]))])
    execute(pg_url, alter)
    with pytest.raises(LedgerCorrupt) as sync_err:
        Ledger.open(pg_url)
    with pytest.raises(LedgerCorrupt) as err:
        run(lambda alg: alg.size(), pg_url)
    assert err.value.path == settings.shown
    assert str(err.value) == str(sync_err.value)


def test_a_server_that_does_not_answer_raises_store_error() -> None:
    for url in ("postgresql://postgres:pw@127.0.0.1:1/nothing", "postgres://postgres@127.0.0.1:1/x?schema=s"):
        with pytest.raises(StoreError) as err:
            run(lambda alg: alg.size(), url)
        message = str(err.value)
        assert message.startswith(f"{Settings(url).shown}: cannot connect: "), message
        assert ":pw@" not in message


def test_a_database_that_does_not_exist_holds_no_ledger(pg_database: str | None) -> None:
    """As `Ledger.open`: the server answers, and has no such database (asked of its catalogue, not
    read from a message in the server's language)."""
    if pg_database is None:
        pytest.skip("no PostgreSQL server answers")
    url = pg_database.rsplit("/", 1)[0] + "/no_such_database_here"
    with pytest.raises(LedgerMissing, match="no_such_database_here: no ledger here"):
        run(lambda alg: alg.size(), url)
    with pytest.raises(LedgerMissing, match="no_such_database_here: no ledger here"):
        Ledger.open(url)


def test_other_targets(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="a SQLite file path or a postgresql:// URL"):
        run(lambda alg: alg.size(), "mysql://root@localhost/db")
    with pytest.raises(UsageError, match="name one database"):
        run(lambda alg: alg.size(), "postgresql://postgres@127.0.0.1:5432/")
    with pytest.raises(UsageError, match="unknown setting"):
        run(lambda alg: alg.size(), "postgresql://postgres@127.0.0.1:5432/db?sslmode=off")
    with pytest.raises(LedgerMissing):
        run(lambda alg: alg.size(), str(tmp_path / "none.db"))


def test_a_cut_connection_is_a_store_error_and_the_next_call_reconnects(pg_url: str) -> None:
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("f.jsonl", jsonl(*correction_facts()))])
        want = doc(lg.replay(day(30)))

    async def check(alg: AsyncLedger) -> None:
        worlds = await asyncio.gather(*(alg.replay(day(30)) for _ in range(2 * CONNECTIONS)))
        assert {doc(w) for w in worlds} == {want}
        pids = backend_pids(alg)
        assert pids
        killed = execute(
            pg_url, "SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [list(pids)]
        )
        assert all(ok for (ok,) in killed)
        assert alive(pg_url, pids, wait=True) == set()
        failed = 0
        for _ in range(len(pids)):  # each idle connection fails once, then is replaced
            try:
                await alg.size()
            except StoreError as e:
                assert str(e).startswith(f"{Settings(pg_url).shown}: the database failed: "), str(e)
                failed += 1
        assert failed == len(pids)
        assert doc(await alg.replay(day(30))) == want
        assert not pids & backend_pids(alg)

    run(check, pg_url)


def test_a_table_dropped_after_opening_is_ledger_corrupt(pg_url: str) -> None:
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("f.jsonl", jsonl(*correction_facts()))])

    async def check(alg: AsyncLedger) -> None:
        execute(pg_url, "DROP TABLE replay_index")
        with pytest.raises(LedgerCorrupt) as err:
            await collect(alg.timeline())
        assert err.value.path == Settings(pg_url).shown
        assert err.value.message.startswith("cannot read the ledger: ")
        assert await alg.size() == len(correction_facts())  # the other tables still read

    run(check, pg_url)


def test_an_unreadable_index_payload_is_ledger_corrupt(pg_url: str) -> None:
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("f.jsonl", jsonl(*correction_facts()))])
        size = lg.size()
    (seq,) = execute(pg_url, "SELECT min(seq) FROM replay_index WHERE type = 'ForcesDeployed'")[0]
    execute(pg_url, "UPDATE replay_index SET payload = %s WHERE seq = %s", (b"\xc1junk", seq))

    async def check(alg: AsyncLedger) -> None:
        for size_ in (None, size - 1):
            with pytest.raises(LedgerCorrupt) as err:
                await alg.replay(day(30), size=size_)
            assert err.value.seq == seq
        # The pool is sound after the failures.
        assert len(await collect(alg.facts())) == size

    run(check, pg_url)


def test_the_pool_is_closed_on_exit(pg_url: str) -> None:
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("f.jsonl", jsonl(*correction_facts()))])

    pids: set[int] = set()

    async def work() -> None:
        async with AsyncLedger.open(pg_url) as alg:
            await asyncio.gather(*(alg.replay(day(i)) for i in range(12)))
            pids.update(backend_pids(alg))
            assert pids and alive(pg_url, pids) == pids
        with pytest.raises(StoreError, match="closed"):
            await alg.size()

    asyncio.run(work())
    assert alive(pg_url, pids, wait=True) == set()


def test_no_connection_outlives_the_ledger(pg_url: str, backends: Backends) -> None:
    """A read left suspended mid-way (never closed, or abandoned to the event loop's finalizer)
    keeps no connection open, idle in transaction or otherwise, once the `async with` block ends;
    closing it afterwards is quiet."""
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("days.jsonl", jsonl(*daily_facts(3000)))])  # more entries than one batch
    problems: list[dict[str, Any]] = []

    async def work() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, context: problems.append(context))
        async with AsyncLedger.open(pg_url) as alg:
            entries = alg.entries()
            await anext(entries)
            facts = alg.facts()
            async for _fact in facts:
                await collect(alg.facts(size=2))
                break
            async for _entry in alg.entries():
                async for _fact in alg.facts():
                    break  # both abandoned, to the finalizer
                break
            assert backends.count() >= 1
        assert backends.gone()
        await entries.aclose()
        del facts

    with backends.watching():
        asyncio.run(work())
        assert backends.gone()
    assert problems == []


# 5. The property: the async API equals the sync fast loop on random ledgers


@settings(max_examples=15, deadline=None)
@given(batched_ledgers(), st.data())
def test_async_reads_equal_the_sync_fast_loop_on_postgres(
    pg_database: str | None, batches: list[list[Fact]], data: st.DataObject
) -> None:
    url = pg.new_ledger_url(pg_database)
    with Ledger.open(url, create=True, snapshot_every=1) as lg:
        for i, batch in enumerate(batches):
            lg.import_facts([(f"batch-{i}.jsonl", jsonl(*batch))])
            for d in DAYS:
                lg.replay(d)  # snapshots for the next import to keep or spoil
        size = lg.size()
        sizes = sorted({size, data.draw(st.integers(0, size), label="size")})
        asks = [(d, n) for d in DAYS for n in sizes]
        worlds = [doc(lg.replay(d, size=n, snapshots=False)) for d, n in asks]
        timelines = [list(lg.timeline(size=n)) for n in sizes]
        facts = [list(lg.facts(size=n)) for n in sizes]
        runs = [lg.run(TypeCounter(), d).seen for d in DAYS]  # type: ignore[attr-defined]
        root = lg.root()

    async def check(alg: AsyncLedger) -> None:
        assert await alg.size() == size and await alg.root() == root
        got = await asyncio.gather(*(alg.replay(d, size=n) for d, n in asks))
        assert [doc(w) for w in got] == worlds
        assert [doc(await alg.replay(d, size=n)) for d, n in asks] == worlds
        assert [await collect(alg.timeline(size=n)) for n in sizes] == timelines
        assert [await collect(alg.facts(size=n)) for n in sizes] == facts
        assert [(await alg.run(TypeCounter(), d)).seen for d in DAYS] == runs  # type: ignore[attr-defined]

    run(check, url)
