"""Following a growing ledger: eventsourcing's subscription sees every import (and copy) on
PostgreSQL; `Ledger.follow`, `AsyncLedger.follow` and `ledger log --follow` give the new entries
as they are committed, on both backends, and stop on idle, timeout or close."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pg
import psycopg
import pytest
from ledger_cli import invoke, run, start
from strategies import fact, jsonl

from ledger import AsyncLedger, Entry, Ledger
from ledger.baseline import FactMapper, FactRecorded, recorder
from ledger.copy import copy_ledger
from ledger.errors import LedgerCorrupt
from ledger.storage.events import aggregate_id

FACTS = [
    fact("PrimeMinisterAppointed", "2022-01-11", id=f"pm-{i}", state="KZ", person=f"person-{i}")
    for i in range(6)
]


def facts(*numbers: int) -> bytes:
    return jsonl(*(FACTS[n] for n in numbers))


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """`work()` in a thread of its own; its result (or exception) lands in the list."""
    out: list[Any] = []

    def call() -> None:
        try:
            out.append(work())
        except BaseException as e:  # handed back to the test
            out.append(e)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, out


def result(thread: threading.Thread, out: list[Any], timeout: float = 30) -> Any:
    thread.join(timeout)
    assert not thread.is_alive(), "still running"
    if isinstance(out[0], BaseException):
        raise out[0]
    return out[0]


def taken(items: Iterator[Any], n: int) -> list[Any]:
    found = []
    for item in items:
        found.append(item)
        if len(found) == n:
            break
    return found


# (a) eventsourcing's own subscription, on the ledger's PostgreSQL recorder


@contextlib.contextmanager
def subscribed(url: str) -> Iterator[Callable[[int], list[Any]]]:
    """eventsourcing's `recorder.subscribe()` over the ledger (`ledger.baseline.recorder`),
    started now; yields `take(n)`: the next n notifications (fails rather than hangs)."""
    with recorder(url) as rec, rec.subscribe(gt=rec.max_notification_id()) as subscription:

        def take(n: int) -> list[Any]:
            thread, out = in_thread(lambda: taken(subscription, n))
            try:
                return result(thread, out, timeout=20)  # type: ignore[no-any-return]
            finally:
                if thread.is_alive():
                    subscription.stop()

        yield take


def test_eventsourcing_subscription_sees_an_import(pg_url: str) -> None:
    with Ledger.open(pg_url, create=True) as lg, subscribed(pg_url) as take:
        lg.import_facts([("a.jsonl", facts(0, 1))])
        retraction = fact("FactRetracted", "2022-01-12", id="r", target="pm-0", reason="wrong")
        lg.import_facts([("b.jsonl", facts(2) + jsonl(retraction))])
        got = take(5)  # 4 facts, and the correction record of pm-0 (version 2 of its aggregate)
        stored = {e.fact.fact_id: e for e in lg.entries()}
    facts_seen = [n for n in got if n.originator_version == 1]
    assert [n.topic for n in facts_seen] == ["fact:PrimeMinisterAppointed"] * 3 + ["fact:FactRetracted"]
    assert [n.originator_id for n in facts_seen] == [aggregate_id(f) for f in ("pm-0", "pm-1", "pm-2", "r")]
    events = [FactMapper().to_domain_event(n) for n in facts_seen]
    assert all(isinstance(e, FactRecorded) for e in events)
    assert [e.fact for e in events] == [stored[f].fact for f in ("pm-0", "pm-1", "pm-2", "r")]
    assert [(n.originator_id, n.topic) for n in got if n.originator_version == 2] == [
        (aggregate_id("pm-0"), "correction")
    ]


def test_eventsourcing_subscription_sees_a_copy(pg_database: str | None, tmp_path: Path) -> None:
    source = tmp_path / "source.db"
    with Ledger.open(source, create=True) as lg:
        lg.import_facts([("a.jsonl", facts(0, 1, 2))])
        lg.import_facts([("b.jsonl", facts(3))])
    destination = pg.new_ledger_url(pg_database)
    Ledger.open(destination, create=True).close()  # empty, so that the subscription can start first
    with subscribed(destination) as take:
        report = copy_ledger(source, destination)
        got = take(4)
    assert report.size == 4
    assert [n.originator_id for n in got] == [aggregate_id(f"pm-{i}") for i in range(4)]


# (b) Ledger.follow


@pytest.fixture
def shared(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A ledger's name that two `Ledger.open`s (or two processes) can share."""
    if backend == "postgres":
        return pg.new_ledger_url(request.getfixturevalue("pg_database"))
    return str(tmp_path / "shared.db")


def test_follow_sees_what_another_writer_commits(shared: str) -> None:
    with Ledger.open(shared, create=True) as reader, Ledger.open(shared) as writer:
        writer.import_facts([("a.jsonl", facts(0, 1))])
        thread, out = in_thread(lambda: taken(reader.follow(after=-1, timeout=30), 5))
        time.sleep(0.5)
        writer.import_facts([("b.jsonl", facts(2))])
        time.sleep(0.3)
        writer.import_facts([("c.jsonl", facts(3, 4))])
        got: list[Entry] = result(thread, out)
        assert got == list(writer.entries())
        assert [e.seq for e in got] == [0, 1, 2, 3, 4]


def test_follow_starts_where_asked(shared: str) -> None:
    with Ledger.open(shared, create=True) as lg:
        lg.import_facts([("a.jsonl", facts(0, 1, 2))])
        assert [e.seq for e in lg.follow(after=-1, idle=0)] == [0, 1, 2]
        assert [e.seq for e in lg.follow(after=0, idle=0)] == [1, 2]
        assert [e.seq for e in lg.follow(after=2, idle=0)] == []
        assert [e.seq for e in lg.follow(idle=0)] == []  # None: only what comes next
        with pytest.raises(ValueError, match="after -2: must be a seq"):
            lg.follow(after=-2)
        with pytest.raises(ValueError, match="idle -1: must be a number of seconds"):
            lg.follow(idle=-1)


def test_follow_ends_after_idle_and_timeout(shared: str) -> None:
    with Ledger.open(shared, create=True) as lg:
        began = time.monotonic()
        assert list(lg.follow(idle=0.6)) == []
        assert 0.5 < time.monotonic() - began < 5
        began = time.monotonic()
        assert list(lg.follow(timeout=0.4, idle=100)) == []
        assert 0.3 < time.monotonic() - began < 5


def test_follow_ends_when_the_ledger_is_closed(shared: str) -> None:
    lg = Ledger.open(shared, create=True)
    lg.import_facts([("a.jsonl", facts(0))])
    thread, out = in_thread(lambda: [e.seq for e in lg.follow(after=-1)])
    time.sleep(0.5)
    began = time.monotonic()
    lg.close()
    assert result(thread, out, timeout=15) == [0]
    assert time.monotonic() - began < 10


def test_follow_log_lines_are_the_logs(shared: str) -> None:
    with Ledger.open(shared, create=True) as lg:
        lg.import_facts([("a.jsonl", facts(0, 1))])
        assert list(lg.follow_log(after=-1, idle=0)) == list(lg.log())


def test_follow_on_postgres_is_woken_by_the_notification(pg_url: str) -> None:
    """Its poll is every 5 s; a commit is seen well before that, so the NOTIFY woke it."""
    with Ledger.open(pg_url, create=True) as reader, Ledger.open(pg_url) as writer:
        thread, out = in_thread(lambda: [(e.seq, time.monotonic()) for e in reader.follow(timeout=4.5)])
        time.sleep(1.0)
        committed = time.monotonic()
        writer.import_facts([("a.jsonl", facts(0))])
        ((seq, seen),) = result(thread, out)
    assert seq == 0
    assert seen - committed < 2.0


def test_follow_checks_each_entry_against_its_leaf(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_facts([("a.jsonl", facts(0, 1))])
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        (rowid,) = conn.execute("SELECT notification_id FROM ledger_entries WHERE seq = 1").fetchone()
        conn.execute("UPDATE stored_events SET state = CAST(' ' || state AS BLOB) WHERE rowid = ?", (rowid,))
    with Ledger.open(db) as lg:
        followed = lg.follow(after=-1, idle=0)
        assert next(followed).seq == 0
        with pytest.raises(LedgerCorrupt) as bad:
            next(followed)
        assert bad.value.seq == 1


def test_async_follow(shared: str) -> None:
    with Ledger.open(shared, create=True) as lg:
        lg.import_facts([("a.jsonl", facts(0))])

    def write_later() -> None:
        time.sleep(0.5)
        with Ledger.open(shared) as writer:
            writer.import_facts([("b.jsonl", facts(1, 2))])

    async def main() -> tuple[list[int], list[int]]:
        async with AsyncLedger.open(shared) as alg:
            writer = asyncio.create_task(asyncio.to_thread(write_later))
            seqs = []
            async for e in alg.follow(after=-1, timeout=30):
                seqs.append(e.seq)
                if len(seqs) == 3:
                    break
            await writer
            lines = [line.seq async for line in alg.follow_log(after=0, idle=0)]
            return seqs, lines

    assert asyncio.run(main()) == ([0, 1, 2], [1, 2])


def test_async_follow_ends_when_the_ledger_closes(shared: str) -> None:
    Ledger.open(shared, create=True).close()

    async def main() -> list[int]:
        seqs: list[int] = []

        async def follow(alg: AsyncLedger) -> None:
            async for e in alg.follow():
                seqs.append(e.seq)

        async with AsyncLedger.open(shared) as alg:
            task = asyncio.create_task(follow(alg))
            await asyncio.sleep(0.5)
        await asyncio.wait_for(task, 15)  # the `async with` ended: the follower ends too
        return seqs

    assert asyncio.run(main()) == []


def test_a_follower_outlives_its_connection_being_cut(pg_url: str) -> None:
    """Found by a trial: a server that dropped the follower's connection (a restart) ended it
    with an error. It now waits and asks again, and sees every entry, once, in order."""
    with Ledger.open(pg_url, create=True) as writer:
        writer.import_facts([("a.jsonl", facts(0, 1))])
    with Ledger.open(pg_url) as lg:
        pid = lg._store._db().info.backend_pid  # type: ignore[attr-defined]
        seen: list[int] = []

        def follow() -> list[int]:
            for e in lg.follow(after=-1, idle=30):
                seen.append(e.seq)
                if e.seq == 3:
                    break
            return seen

        thread, out = in_thread(follow)
        deadline = time.monotonic() + 30
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert seen == [0, 1]
        with psycopg.connect(pg_url.split("?")[0], autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        with Ledger.open(pg_url) as writer:
            writer.import_facts([("b.jsonl", facts(2, 3))])
        assert result(thread, out) == [0, 1, 2, 3]


# (b) ledger log --follow, with a real second process importing meanwhile


@pytest.mark.subprocess
def test_log_follow_with_another_process_importing(shared: str, tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(facts(0, 1))
    (tmp_path / "b.jsonl").write_bytes(facts(2, 3, 4))
    assert run("--db", shared, "import", "a.jsonl", cwd=tmp_path).returncode == 0
    follower = start("--db", shared, "log", "--follow", "--json", "--idle", "3", cwd=tmp_path)
    text = start("--db", shared, "log", "--follow", "--idle", "3", cwd=tmp_path)
    try:
        assert follower.stdout is not None and text.stdout is not None
        first = [json.loads(follower.stdout.readline()) for _ in range(2)]
        assert [line["seq"] for line in first] == [0, 1]
        importer = start("--db", shared, "import", "b.jsonl", cwd=tmp_path)
        assert importer.wait(timeout=60) == 0
        more = [json.loads(follower.stdout.readline()) for _ in range(3)]
        assert follower.wait(timeout=60) == 0  # ended, 3 s after the last entry
        assert text.wait(timeout=60) == 0
        rest_out, rest_err = follower.communicate()
        assert (rest_out, rest_err) == (b"", b"")
        assert first + more == json.loads(
            "[" + ",".join(run("--db", shared, "log", "--json", cwd=tmp_path).stdout.splitlines()) + "]"
        )
        rows = [line.split("\t") for line in text.communicate()[0].decode().splitlines()]
        assert [(int(r[0]), r[2], r[4]) for r in rows] == [
            (line["seq"], line["type"], line["id"]) for line in first + more
        ]
    finally:
        for proc in (follower, text):
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.mark.subprocess
def test_ctrl_c_stops_log_follow_quietly(shared: str, tmp_path: Path) -> None:
    """ "Runs until interrupted": Ctrl-C is how a follower stops, not a failure (found by a trial:
    it printed click's "Aborted!" and exit 1)."""
    import signal

    (tmp_path / "a.jsonl").write_bytes(facts(0, 1))
    assert run("--db", shared, "import", "a.jsonl", cwd=tmp_path).returncode == 0
    follower = start("--db", shared, "log", "--follow", cwd=tmp_path)
    try:
        assert follower.stdout is not None
        assert [follower.stdout.readline().split(b"\t")[0] for _ in range(2)] == [b"0", b"1"]
        follower.send_signal(signal.SIGINT)
        out, err = follower.communicate(timeout=30)
        assert (follower.returncode, out, err) == (0, b"", b"")
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()


def test_log_follow_options(tmp_path: Path) -> None:
    r = invoke("log", "--idle", "1", cwd=tmp_path)
    assert r.returncode == 2 and "--idle: it applies to --follow only" in r.stderr
    r = invoke("log", "--follow", "--size", "1", cwd=tmp_path)
    assert r.returncode == 2 and "--follow reads the whole ledger as it grows" in r.stderr
    r = invoke("log", "--follow", "--idle", "0", cwd=tmp_path)
    assert r.returncode == 2 and "no ledger here" in r.stderr
