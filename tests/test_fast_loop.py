"""The fast replay loop against every other read path, projection snapshots, `AsyncLedger`, `ledger bench`.

Every ledger is a real SQLite file. Replays are compared as their JSON bytes:
the fast loop with and without snapshots, `AsyncLedger`, eventsourcing's stock
read path (`ledger.baseline`) and a naive fold of the entries
(`projections.knowledge.replay_order` + `projections.fold.fold`) must agree.

Most tests open their ledger with a tiny snapshot interval
(`Ledger.open(..., snapshot_every=3)`), to get many snapshots out of a few
facts. One test uses the real interval on a ledger large enough to take a
snapshot.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import AS_OF, Fact, fact, jsonl, ledgers_with_corrections

from ledger import AsyncLedger, Ledger
from ledger.baseline import msgspec_replay, recorder, stock_replay
from ledger.bench import synthetic_facts
from ledger.errors import LedgerCorrupt, LedgerMissing, UsageError
from ledger.reading.args import as_of_day
from ledger.replay import SNAPSHOT_EVERY
from ledger.replay.codec import pack, unpack
from ledger.replay.loop import fact_loop, page_days
from ledger.storage import sql
from projections.fold import Projection, fold
from projections.knowledge import replay_order
from projections.state import ProjectionStateV1

DAYS = [as_of_day(d) for d in AS_OF]  # before, on and after every day the strategies use
FEWER = max(20, settings.default.max_examples // 2)  # each example replays many times on 4 paths


@contextmanager
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="ledger-fast-") as tmp:
        yield Path(tmp)


def doc(world: Any) -> bytes:
    return msgspec.json.encode(world)


def reference(lg: Ledger, day: date, n: int) -> bytes:
    """The naive fold: every entry decoded, ordered in memory, folded from nothing."""
    entries = list(lg.entries(size=n))
    return doc(fold(replay_order(entries, day.toordinal())).world(day, n, lg.root(n)))


def stock(lg: Ledger, day: date, n: int) -> bytes:
    with recorder(lg._store.where) as app:
        return doc(stock_replay(app, day, n).world(day, n, lg.root(n)))


def msgspec_mapper(lg: Ledger, day: date, n: int) -> bytes:
    with recorder(lg._store.where) as app:
        return doc(msgspec_replay(app, day, n).world(day, n, lg.root(n)))


def async_replays(path: Path, asks: Sequence[tuple[date, int]]) -> list[bytes]:
    async def go() -> list[bytes]:
        async with AsyncLedger.open(path) as alg:
            return [doc(await alg.replay(day, size=n)) for day, n in asks]

    return asyncio.run(go())


def snapshot_rows(path: Path) -> list[tuple[int, int, bytes]]:
    """(effective, size, state) of every stored projection snapshot, by day, on a connection of its own."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT effective, size, state FROM projection_snapshots ORDER BY effective")
        result = [(int(e), int(n), bytes(s)) for e, n, s in rows]
    conn.close()
    return result


def execute(path: Path, sql: str, params: Sequence[Any] = ()) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(sql, params)
    conn.close()


# 1. Every read path gives the same document


@st.composite
def batched_ledgers(draw: st.DrawFn) -> list[list[Fact]]:
    """A valid fact file cut into 1-4 imports; later imports often hold facts dated before earlier ones."""
    facts = draw(ledgers_with_corrections(max_size=16))
    cuts = sorted(draw(st.lists(st.integers(0, len(facts)), max_size=3)))
    bounds = [0, *cuts, len(facts)]
    return [facts[a:b] for a, b in itertools.pairwise(bounds)]


@pytest.mark.slow
@settings(max_examples=FEWER)
@given(batched_ledgers(), st.data())
def test_every_read_path_gives_the_same_replay(batches: list[list[Fact]], data: st.DataObject) -> None:
    with scratch() as tmp, Ledger.open(tmp / "l.db", create=True, snapshot_every=1) as lg:
        latest = 0  # the latest effective day imported so far
        for i, batch in enumerate(batches):
            before = snapshot_rows(tmp / "l.db")
            lg.import_facts([(f"batch-{i}.jsonl", jsonl(*batch))])
            new = list(lg.entries())[lg.size() - len(batch) :]
            if any(e.effective < latest for e in new):
                event("a late import")
            if len(snapshot_rows(tmp / "l.db")) < len(before):
                event("an import spoiled snapshots")
            latest = max([latest, *(e.effective for e in new)])
            full = lg.size()
            # Leave snapshots behind on every day, for the next (possibly earlier-dated) import to spoil.
            for day in DAYS:
                assert doc(lg.replay(day)) == doc(lg.replay(day, snapshots=False)) == reference(lg, day, full)
        size = lg.size()
        sizes = sorted({size, data.draw(st.integers(0, size), label="size")})
        asks = [(day, n) for day in DAYS for n in sizes]
        fast = [doc(lg.replay(day, size=n, snapshots=False)) for day, n in asks]
        assert [doc(lg.replay(day, size=n)) for day, n in asks] == fast
        assert async_replays(tmp / "l.db", asks) == fast
        assert [stock(lg, day, n) for day, n in asks] == fast
        assert [msgspec_mapper(lg, day, n) for day, n in asks] == fast
        assert [reference(lg, day, n) for day, n in asks] == fast


# 2. Projection snapshots

START = date(2021, 3, 1)


def day(i: int) -> date:
    return START + timedelta(days=i)


def daily_facts(days: int) -> list[Fact]:
    """Two folded facts a day (a deployment, an appointment) and a statement, over `days` days."""
    result = []
    for i in range(days):
        on = day(i).isoformat()
        result.append(
            fact(
                "ForcesDeployed",
                on,
                id=f"dep-{i}",
                mission=f"m{i % 3}",
                contributor=("RU", "BY", "AM")[i % 3],
                host="KZ",
                personnel=100 + i,
            )
        )
        result.append(
            fact("OfficeAssumed", on, id=f"off-{i}", state="KZ", office=f"minister-{i % 4}", person=f"p{i}")
        )
        if i % 5 == 0:
            result.append(fact("GovernmentDismissed", on, id=f"dis-{i}", state="KZ"))
        result.append(
            fact("StatementMade", on, id=f"say-{i}", speaker="p1", summary=f"day {i}", about=["KZ"])
        )
    return result


def same_as_without_snapshots(lg: Ledger, days: Sequence[date]) -> None:
    for d in days:
        assert doc(lg.replay(d)) == doc(lg.replay(d, snapshots=False)), d


def import_one(lg: Ledger, f: Fact) -> None:
    lg.import_facts([("one.jsonl", jsonl(f))])


def test_snapshots_are_kept_before_the_earliest_day_an_import_touches(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    all_days = [day(i) for i in range(-1, 42)]
    with Ledger.open(path, create=True, snapshot_every=3) as lg:
        lg.import_facts([("days.jsonl", jsonl(*daily_facts(40)))])
        assert snapshot_rows(path) == []  # an import takes none
        same_as_without_snapshots(lg, [day(45)])
        taken = snapshot_rows(path)
        assert len(taken) >= 10
        assert {n for _, n, _ in taken} == {lg.size()}
        same_as_without_snapshots(lg, all_days)

        def import_keeps_before(f: Fact, first_stale: date) -> None:
            same_as_without_snapshots(lg, [day(45)])  # snapshots on every day, whatever came before
            before = snapshot_rows(path)
            assert any(e >= first_stale.toordinal() for e, _, _ in before)
            assert any(e < first_stale.toordinal() for e, _, _ in before)
            import_one(lg, f)
            kept = [(e, lg.size(), s) for e, _, s in before if e < first_stale.toordinal()]
            assert snapshot_rows(path) == kept, f["id"]
            same_as_without_snapshots(lg, all_days)

        # A late fact: dated before snapshots already taken.
        late = fact(
            "OfficeAssumed", day(12).isoformat(), id="late", state="KZ", office="minister-1", person="z"
        )
        import_keeps_before(late, day(12))
        # A late fact of a type the projection ignores still counts (it is on the timeline).
        import_keeps_before(
            fact("StatementMade", day(25).isoformat(), id="late-say", speaker="z", summary="s"), day(25)
        )
        # A retraction: its target's day counts, not the day it was made.
        import_keeps_before(
            fact("FactRetracted", day(2).isoformat(), id="r1", target="dep-30", reason="x"), day(30)
        )
        # A supersession: the earlier of its own day and its target's.
        replacement = fact("ForcesDeployed", day(33).isoformat(), id="sup", mission="m0", contributor="RU")
        import_keeps_before(replacement | {"supersedes": "dep-20"}, day(20))
        replacement = fact("ForcesDeployed", day(15).isoformat(), id="sup2", mission="m1", contributor="BY")
        import_keeps_before(replacement | {"supersedes": "dep-36"}, day(15))
        # Importing what is already there changes nothing.
        before = snapshot_rows(path)
        assert lg.import_facts([("again.jsonl", jsonl(late))]).appended == 0
        assert snapshot_rows(path) == before
        # A fact after every snapshot keeps them all.
        same_as_without_snapshots(lg, [day(39)])
        before = snapshot_rows(path)
        import_one(
            lg,
            fact(
                "OfficeLeft", day(41).isoformat(), id="after", state="KZ", office="minister-0", person="p40"
            ),
        )
        assert snapshot_rows(path) == [(e, lg.size(), s) for e, _, s in before if e <= day(39).toordinal()]
        same_as_without_snapshots(lg, all_days)
        # Replays with less knowledge never use (nor spoil) snapshots of the whole ledger.
        for n in (0, 1, 50, lg.size() - 1):
            assert doc(lg.replay(day(45), size=n)) == reference(lg, day(45), n)
        assert lg.verify().ok


@pytest.mark.parametrize("every", [0, -1, 2.5, True, "3"])
def test_a_snapshot_interval_is_a_whole_number_of_facts(tmp_path: Path, every: Any) -> None:
    with pytest.raises(UsageError, match="snapshot_every"):
        Ledger.open(tmp_path / "n.db", create=True, snapshot_every=every)
    assert list(tmp_path.iterdir()) == []  # refused before anything was created


def _first_format(p: Projection) -> bytes:
    """`p`'s state (never snapshotted: its claims are the views folded) as the first snapshot
    format wrote it: an array of the four fields, each mission an array of eight (no strengths)."""
    states, missions, claims, actors = msgspec.msgpack.decode(
        msgspec.msgpack.encode(ProjectionStateV1(p.states, p.missions, p.claims, p.actors))
    )
    for m in missions.values():
        assert m.pop() == {}  # the strengths, never settled
    return msgspec.msgpack.encode([states, missions, claims, actors])


def test_snapshots_of_the_first_format_still_read(tmp_path: Path) -> None:
    """A ledger holding snapshots an earlier version took (claims kept as views, no strengths):
    replays resume from them and answer as without snapshots, `verify` accepts them (and still
    finds one altered), and the snapshots taken from them are of the current format."""
    path = tmp_path / "old.db"
    with Ledger.open(path, create=True, snapshot_every=3) as lg:
        lg.import_facts([("days.jsonl", jsonl(*daily_facts(20)))])
        lg.replay(day(30))
        entries = list(lg.entries())
        old = [
            (_first_format(fold(replay_order(entries, effective))), effective)
            for effective, _, _ in snapshot_rows(path)
        ]
        assert len(old) >= 5
        with closing(sqlite3.connect(path)) as c, c:
            c.executemany("UPDATE projection_snapshots SET state = ? WHERE effective = ?", old)
        assert all(Projection.upgraded(state) is not None for _, _, state in snapshot_rows(path))
        same_as_without_snapshots(lg, [day(i) for i in range(-1, 32)])
        assert lg.verify().ok
        with (
            closing(sqlite3.connect(path)) as c,
            c,
        ):  # the latest snapshots dropped: a replay takes them again from an old one
            c.execute("DELETE FROM projection_snapshots WHERE effective > ?", (old[len(old) // 2][1],))
        lg.replay(day(30))
        rows = snapshot_rows(path)
        assert [Projection.upgraded(s) is None for _, _, s in rows] == [
            e > old[len(old) // 2][1] for e, _, _ in rows
        ]
        same_as_without_snapshots(lg, [day(i) for i in range(-1, 32)])
        assert lg.verify().ok
        # An old snapshot altered is still found.
        effective = old[1][1]
        altered = fold(replay_order(entries, old[2][1]))
        with closing(sqlite3.connect(path)) as c, c:
            c.execute(
                "UPDATE projection_snapshots SET state = ? WHERE effective = ?",
                (_first_format(altered), effective),
            )
        assert not lg.verify().ok


@pytest.mark.slow
def test_a_snapshot_with_the_real_interval(tmp_path: Path) -> None:
    """35,000 synthetic facts fold more than SNAPSHOT_EVERY facts (statements are skipped)."""
    assert SNAPSHOT_EVERY == 20_000  # the default interval
    path = tmp_path / "big.db"
    last = date(2024, 12, 31)
    with Ledger.open(path, create=True) as lg:
        lg.import_facts([("bench.jsonl", synthetic_facts(35_000))])
        full = doc(lg.replay(last, snapshots=False))
        assert snapshot_rows(path) == []
        assert doc(lg.replay(last)) == full
        taken = snapshot_rows(path)
        assert taken and {n for _, n, _ in taken} == {35_000}
        snap_day = date.fromordinal(taken[0][0])
        probes = [snap_day - timedelta(days=1), snap_day, snap_day + timedelta(days=400), last]
        before = {d: doc(lg.replay(d, snapshots=False)) for d in probes}
        assert {d: doc(lg.replay(d)) for d in probes} == before
        # A fact after the snapshot keeps it, for the new size.
        after = snap_day + timedelta(days=1)
        import_one(
            lg, fact("OfficeAssumed", after.isoformat(), id="after", state="KZ", office="x", person="y")
        )
        assert snapshot_rows(path)[0] == (taken[0][0], 35_001, taken[0][2])
        same_as_without_snapshots(lg, probes)
        assert async_replays(path, [(d, 35_001) for d in probes]) == [doc(lg.replay(d)) for d in probes]
        # A late fact on the snapshot's day spoils it.
        import_one(
            lg, fact("OfficeAssumed", snap_day.isoformat(), id="late", state="KZ", office="x", person="z")
        )
        assert all(e < taken[0][0] for e, _, _ in snapshot_rows(path))
        same_as_without_snapshots(lg, probes)
        assert lg.verify().ok
        # Concurrent async replays, each reading many batches through the one shared connection.
        asks = [(last, 35_002), (last, 30_000), (snap_day, 35_002), (snap_day, 20_000), (last, 35_002)]
        want = [doc(lg.replay(d, size=n, snapshots=False)) for d, n in asks]

        async def go() -> list[bytes]:
            async with AsyncLedger.open(path) as alg:
                worlds = await asyncio.gather(*(alg.replay(d, size=n) for d, n in asks))
                return [doc(w) for w in worlds]

        assert asyncio.run(go()) == want


def _index(path: Path) -> list[tuple[int, str, bytes]]:
    """(seq, type, payload) of every replay index row, by seq."""
    with sqlite3.connect(path) as conn:
        rows = [
            (int(s), str(t), bytes(p))
            for s, t, p in conn.execute("SELECT seq, type, payload FROM replay_index ORDER BY seq")
        ]
    conn.close()
    return rows


@contextmanager
def tamper_ledger(tmp_path: Path) -> Iterator[tuple[Path, Ledger]]:
    """20 days of facts, a retraction of dep-3 (seq 12), snapshots every 3 folded facts."""
    path = tmp_path / "t.db"
    with Ledger.open(path, create=True, snapshot_every=3) as lg:
        lg.import_facts([("days.jsonl", jsonl(*daily_facts(20)))])
        lg.import_facts(
            [
                (
                    "r.jsonl",
                    jsonl(fact("FactRetracted", day(9).isoformat(), id="r", target="dep-3", reason="x")),
                )
            ]
        )
        lg.replay(day(30))
        assert len(snapshot_rows(path)) >= 5
        report = lg.verify()
        assert report.ok, report.message
        yield path, lg


def _middle_snapshot(path: Path) -> tuple[int, bytes]:
    rows = snapshot_rows(path)
    effective, _, state = rows[len(rows) // 2]
    return effective, state


def _movable_snapshot(path: Path) -> int:
    """The day of a snapshot before day 19 whose next day (which has facts) has no snapshot."""
    days = {e for e, _, _ in snapshot_rows(path)}
    return next(e for e in sorted(days) if e + 1 not in days and e < day(19).toordinal())


def _first_deployment(path: Path) -> tuple[int, bytes]:
    seq, type_, payload = next((s, t, p) for s, t, p in _index(path) if t == "ForcesDeployed")
    return seq, pack(msgspec.structs.replace(unpack(type_, payload), personnel=999_999))


def _seq_of(path: Path, fact_id: str) -> int:
    with sqlite3.connect(path) as conn:
        (seq,) = conn.execute("SELECT seq FROM ledger_entries WHERE fact_id = ?", (fact_id,)).fetchone()
    conn.close()
    return int(seq)


# Each: the statements to run on the ledger file, and the seq verify must name (None: any, or none).
TAMPERS: dict[str, Any] = {
    "snapshot state": lambda p: (
        [
            (
                "UPDATE projection_snapshots SET state = ? WHERE effective = ?",
                (Projection().snapshot(), _middle_snapshot(p)[0]),
            )
        ],
        None,
    ),
    "snapshot day": lambda p: (
        [
            (
                "UPDATE projection_snapshots SET effective = effective + 1 WHERE effective = ?",
                (_movable_snapshot(p),),
            )
        ],
        None,
    ),
    "forged snapshot": lambda p: (
        [
            (
                "INSERT INTO projection_snapshots SELECT ?, size, ? FROM projection_snapshots LIMIT 1",
                (day(60).toordinal(), Projection().snapshot()),
            )
        ],
        None,
    ),
    "index payload": lambda p: (
        [
            (
                "UPDATE replay_index SET payload = ? WHERE seq = ?",
                (_first_deployment(p)[1], _first_deployment(p)[0]),
            )
        ],
        _first_deployment(p)[0],
    ),
    "index day": lambda p: (
        [("UPDATE replay_index SET effective = effective + 1 WHERE seq = ?", (_seq_of(p, "off-4"),))],
        _seq_of(p, "off-4"),
    ),
    "index row deleted": lambda p: (
        [("DELETE FROM replay_index WHERE seq = ?", (_seq_of(p, "off-4"),))],
        _seq_of(p, "off-4"),
    ),
    # The fast loop hides the facts named in ledger_entries.target (queries.CORRECTED). Without
    # snapshots, so that only the entry index itself can tell.
    "correction target added": lambda p: (
        [
            ("DELETE FROM projection_snapshots", ()),
            ("UPDATE ledger_entries SET target = 'dep-6' WHERE fact_id = 'off-9'", ()),
        ],
        _seq_of(p, "off-9"),
    ),
    "correction target removed": lambda p: (
        [
            ("DELETE FROM projection_snapshots", ()),
            ("UPDATE ledger_entries SET target = NULL WHERE fact_id = 'r'", ()),
        ],
        _seq_of(p, "r"),
    ),
}
PROBES = [day(i) for i in range(-1, 25)] + [day(70)]


@pytest.mark.parametrize("what", sorted(TAMPERS))
def test_verify_reports_a_tampered_read_path(tmp_path: Path, what: str) -> None:
    with tamper_ledger(tmp_path) as (path, lg):
        statements, seq = TAMPERS[what](path)
        for sql, params in statements:
            execute(path, sql, params)
        # Replay now disagrees with the entries (which verify checks against their Merkle leaves).
        n = lg.size()
        want = [reference(lg, d, n) for d in PROBES]
        assert [doc(lg.replay(d)) for d in PROBES] != want or [
            doc(lg.replay(d, snapshots=False)) for d in PROBES
        ] != want
        report = lg.verify()
        assert not report.ok, f"{what}: {report.message}"
        if seq is not None:
            assert report.first_bad_seq == seq, report.message
        if "snapshot" in what:
            assert "snapshot" in report.message


def _junk_snapshot(path: Path) -> None:
    execute(path, "UPDATE projection_snapshots SET state = ?", (b"\xc1junk",))


def test_verify_reports_an_unreadable_snapshot(tmp_path: Path) -> None:
    with tamper_ledger(tmp_path) as (path, lg):
        _junk_snapshot(path)
        report = lg.verify()
        assert not report.ok and "snapshot" in report.message


def test_replay_from_an_unreadable_snapshot_is_ledger_corrupt(tmp_path: Path) -> None:
    with tamper_ledger(tmp_path) as (path, lg):
        _junk_snapshot(path)
        with pytest.raises(LedgerCorrupt):
            lg.replay(day(30))


def test_async_replay_from_an_unreadable_snapshot_is_ledger_corrupt(tmp_path: Path) -> None:
    with tamper_ledger(tmp_path) as (path, lg):
        _junk_snapshot(path)
        with pytest.raises(LedgerCorrupt):
            async_replays(path, [(day(30), lg.size())])


def test_an_unreadable_index_payload_is_ledger_corrupt(tmp_path: Path) -> None:
    with tamper_ledger(tmp_path) as (path, lg):
        seq = _first_deployment(path)[0]
        execute(path, "UPDATE replay_index SET payload = ? WHERE seq = ?", (b"\xc1junk", seq))
        report = lg.verify()
        assert not report.ok and report.first_bad_seq == seq
        with pytest.raises(LedgerCorrupt):
            lg.replay(day(30), snapshots=False)
        with pytest.raises(LedgerCorrupt):
            async_replays(path, [(day(30), seq + 1)])  # a smaller size: no snapshot
        with pytest.raises(LedgerCorrupt):
            list(lg.timeline())
        with pytest.raises(LedgerCorrupt):
            lg.run(TypeCounter(), day(30))


# 2b. Pages read ahead: the next page is fetched while the loop folds one (`plans.Ahead`)


@contextmanager
def small_pages(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Pages of a few days each (so a ledger of 60 days is read in many), and the SQL of every
    page query the store runs on the caller's thread (the rows read ahead come from elsewhere)."""
    monkeypatch.setattr(sql, "DAYS", 2)
    monkeypatch.setattr(sql, "PAGE_ROWS", 9)
    monkeypatch.setattr(sql, "EXPORT_ROWS", 7)
    monkeypatch.setattr(sql, "AHEAD_ROWS", 1)
    asked: list[str] = []
    yield asked


def _count_page_queries(lg: Ledger, asked: list[str], monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts (in `asked`) the page queries `lg` runs on this thread, and (in the list returned)
    those it started ahead."""
    store = lg._store
    fetch, started = store.fetch, []
    main = threading.get_ident()

    def counted(query: Any) -> Any:
        if "replay_index" in query.sql and "AS days" in query.sql and threading.get_ident() == main:
            asked.append(query.sql)
        return fetch(query)

    ahead = lg._ahead

    def counted_ahead(query: Any) -> Any:
        started.append(1)
        return ahead(query)

    monkeypatch.setattr(store, "fetch", counted)
    monkeypatch.setattr(lg, "_ahead", counted_ahead)
    return started


def test_pages_read_ahead_give_the_same_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.db"
    with Ledger.open(path, create=True) as lg:
        lg.import_facts([("days.jsonl", jsonl(*correction_facts(), *daily_facts(60)[40:]))])
        n = lg.size()
        days = [day(i) for i in (0, 5, 11, 30, 59, 90)]
        whole = {d: doc(lg.replay(d, snapshots=False)) for d in days}
        timeline = list(lg.timeline(end=day(90)))
        rows = list(lg.export("facts", as_of=day(90)))
        with small_pages(monkeypatch) as asked:
            started = _count_page_queries(lg, asked, monkeypatch)
            for d in days:
                assert doc(lg.replay(d, snapshots=False)) == whole[d] == reference(lg, d, n), d
            assert asked, "no page was read"
            assert len(started) > 10, "no page was read ahead"
            # Every page but each read's first came from the fetch started ahead.
            assert len(asked) == len(days)
            assert list(lg.timeline(end=day(90))) == timeline
            assert list(lg.export("facts", as_of=day(90))) == rows
            assert async_replays(path, [(d, n) for d in days]) == [whole[d] for d in days]


@contextmanager
def sixty_days(tmp_path: Path) -> Iterator[tuple[Path, Ledger]]:
    """A ledger of `daily_facts(60)`, open."""
    path = tmp_path / "p.db"
    with Ledger.open(path, create=True) as lg:
        lg.import_facts([("days.jsonl", jsonl(*daily_facts(60)))])
        yield path, lg


def test_a_bad_row_in_a_page_read_ahead_is_ledger_corrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sixty_days(tmp_path) as (path, lg):
        good = doc(lg.replay(day(20), snapshots=False))
        seq = _seq_of(path, "dep-50")
        execute(path, "UPDATE replay_index SET payload = ? WHERE seq = ?", (b"\xc1junk", seq))
        with small_pages(monkeypatch) as asked:
            started = _count_page_queries(lg, asked, monkeypatch)
            with pytest.raises(LedgerCorrupt) as raised:
                lg.replay(day(59), snapshots=False)
            assert f"entry {seq}" in str(raised.value)
            assert started
            with pytest.raises(LedgerCorrupt):
                list(lg.timeline(end=day(59)))
            # Nothing is left running on the connection: the ledger reads on.
            assert doc(lg.replay(day(20), snapshots=False)) == good
            with pytest.raises(LedgerCorrupt):
                async_replays(path, [(day(59), lg.size())])


def test_a_read_inside_an_export_loop_waits_for_the_page_read_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection serves one statement at a time, whoever asks: a read made inside an
    export's loop, or while a half-read export holds a page read ahead, waits for that page."""
    with sixty_days(tmp_path) as (_, lg), small_pages(monkeypatch):
        store, lock, running, overlaps = lg._store, threading.Lock(), [0], []
        fetch = store.fetch

        def one_at_a_time(query: Any) -> Any:
            with lock:
                running[0] += 1
                if running[0] > 1:
                    overlaps.append(query.sql[:40])
            try:
                time.sleep(0.002)  # a page query takes milliseconds: widen the window
                return fetch(query)
            finally:
                with lock:
                    running[0] -= 1

        monkeypatch.setattr(store, "fetch", one_at_a_time)
        rows = 0
        for _ in lg.export("facts", as_of=day(59)):
            rows += 1
            lg.size()  # another read, inside the loop
        assert rows > 100 and not overlaps, overlaps[:3]
        half = lg.export("facts", as_of=day(59))
        next(half)
        lg.size()
        assert not overlaps, overlaps[:3]


def test_a_cancelled_async_replay_reading_ahead_leaves_the_ledger_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sixty_days(tmp_path) as (path, lg):
        expected = doc(lg.replay(day(40), snapshots=False))

    async def go() -> tuple[bool, bytes]:
        async with AsyncLedger.open(path) as alg:
            task = asyncio.ensure_future(alg.replay(day(59), snapshots=False))
            for _ in range(3):  # a few pages in, one read ahead
                await asyncio.sleep(0.001)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                cancelled = True
            else:
                cancelled = False
            return cancelled, doc(await alg.replay(day(40), snapshots=False))

    with small_pages(monkeypatch):
        cancelled, after = asyncio.run(go())
    assert cancelled, "the replay ended before it was cancelled: nothing was tested"
    assert after == expected


def test_a_day_that_is_no_whole_number_is_ledger_corrupt_naming_its_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page whose list of days cannot be read is read row by row, which names the row."""
    with sixty_days(tmp_path) as (path, lg):
        seq = _seq_of(path, "dep-45")
        execute(path, "UPDATE replay_index SET effective = effective + 0.5 WHERE seq = ?", (seq,))
        with small_pages(monkeypatch):
            for read in (
                lambda: lg.replay(day(59), snapshots=False),
                lambda: list(lg.timeline(end=day(59))),
                lambda: async_replays(path, [(day(59), lg.size())]),
            ):
                with pytest.raises(LedgerCorrupt) as raised:
                    read()
                assert f"entry {seq}" in str(raised.value) and "effective day" in str(raised.value)


def test_a_day_whose_payloads_are_all_null_is_ledger_corrupt_naming_its_entry(tmp_path: Path) -> None:
    """A NULL payload (the file's schema edited to allow it) drops out of SQL's concatenation:
    the page lists the day all the same, and its rows are read one by one."""
    with sixty_days(tmp_path) as (path, lg):
        seq = _seq_of(path, "dis-10")  # the first of day 10 in replay order (a dismissal's rank)
        with closing(sqlite3.connect(path, isolation_level=None)) as conn:
            (schema,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'replay_index'").fetchone()
            conn.execute("PRAGMA writable_schema = ON")
            loose = schema.replace("payload BLOB NOT NULL", "payload BLOB")
            assert loose != schema
            conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'replay_index'", (loose,))
        with closing(sqlite3.connect(path, isolation_level=None)) as conn:
            conn.execute("UPDATE replay_index SET payload = NULL WHERE effective = ?", (day(10).toordinal(),))
            conn.execute("PRAGMA writable_schema = ON")
            conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'replay_index'", (schema,))
    with Ledger.open(path) as lg:
        for read in (
            lambda: lg.replay(day(59), snapshots=False),
            lambda: list(lg.timeline(end=day(59))),
            lambda: list(lg.export("facts", as_of=day(59))),
        ):
            with pytest.raises(LedgerCorrupt, match="payload is not bytes") as raised:
                read()
            assert f"entry {seq} " in str(raised.value)


def test_days_handed_over_out_of_order_fold_in_day_order() -> None:
    """`page_days` puts a page's days in day order, each with its own payloads and seqs, whatever
    order the SQL engine concatenated them in."""
    facts = [
        fact("OfficeAssumed", day(i).isoformat(), id=f"o{i}", state="KZ", office="minister-1", person=f"p{i}")
        for i in range(3)
    ]
    payloads = [pack(f) for f in facts]
    listed = [[day(i).toordinal(), 1, 0, len(payloads[i])] for i in (2, 0, 1)]
    page = msgspec.json.encode(listed)
    days = page_days(page)
    assert days is not None and [d[0] for d in days] == [day(i).toordinal() for i in range(3)]
    loop = fact_loop(None, 10, set())
    assert loop.keep_page(days, "12,10,11", payloads[2] + payloads[0] + payloads[1]) is None
    assert [(f.seq, f.fact.id) for f in loop.kept] == [(10, "o0"), (11, "o1"), (12, "o2")]
    assert page_days(b"[[1.5, 1, 0, 3]]") is None


# 3. AsyncLedger


class TypeCounter:
    """A projection of one's own: how many facts of each type replay folds."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.seen: list[tuple[str, date]] = []

    def apply(self, fact: Any, effective: date) -> None:
        self.counts[fact.type] += 1
        self.seen.append((fact.fact_id, effective))


def test_async_open_of_a_missing_file_raises_ledger_missing(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncLedger.open(tmp_path / "nothing.db"):
            pytest.fail("opened a ledger that does not exist")

    with pytest.raises(LedgerMissing):
        asyncio.run(go())
    assert list(tmp_path.iterdir()) == []


def correction_facts() -> list[Fact]:
    facts = daily_facts(12)
    facts.append(fact("FactRetracted", day(1).isoformat(), id="r", target="dep-3", reason="wrong"))
    facts.append(
        fact("ForcesDeployed", day(8).isoformat(), id="s", mission="m2", contributor="AM", supersedes="dep-5")
    )
    return facts


def test_async_ledger_agrees_with_the_sync_api(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Ledger.open(path, create=True, snapshot_every=2) as lg:
        lg.import_facts([("first.jsonl", jsonl(*correction_facts()))])
        moment = list(lg.entries())[-1].recorded_at
        lg.import_facts(
            [
                (
                    "late.jsonl",
                    jsonl(
                        fact(
                            "OfficeLeft",
                            day(4).isoformat(),
                            id="late",
                            state="KZ",
                            office="minister-0",
                            person="p0",
                        )
                    ),
                )
            ]
        )
        lg.replay(day(20))  # leave snapshots behind
        assert snapshot_rows(path)
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
        timelines = [
            list(lg.timeline(**k))
            for k in [
                {},
                {"start": day(3), "end": day(8)},
                {"state": "KZ"},
                {"mission": "m2", "size": 9},
                {"known_at": moment},
            ]
        ]
        worlds = [doc(lg.replay(d)) for d in (day(-1), day(4), day(9), day(30))]
        known = doc(lg.replay(day(30), known_at=moment))
        sink = lg.run(TypeCounter(), day(6))
        root = lg.root()

    async def go() -> None:
        async with AsyncLedger.open(path) as alg:
            assert await alg.size() == size
            assert await alg.root() == root
            for k, want_facts, want_entries in zip(knowledge, facts, entries, strict=True):
                assert [f async for f in alg.facts(**k)] == want_facts, k
                assert [e async for e in alg.entries(**k)] == want_entries, k
            got = [
                [e async for e in alg.timeline()],
                [e async for e in alg.timeline(start=day(3), end=day(8))],
                [e async for e in alg.timeline(state="KZ")],
                [e async for e in alg.timeline(mission="m2", size=9)],
                [e async for e in alg.timeline(known_at=moment)],
            ]
            assert got == timelines
            # Many tasks share one connection.
            days = [day(-1), day(4), day(9), day(30)] * 8
            docs = await asyncio.gather(*(alg.replay(d) for d in days))
            assert [doc(w) for w in docs] == worlds * 8
            same = await asyncio.gather(*(alg.replay(day(30), known_at=moment) for _ in range(16)))
            assert {doc(w) for w in same} == {known}
            counted = await alg.run(TypeCounter(), day(6))
            assert counted.counts == sink.counts and counted.seen == sink.seen  # type: ignore[attr-defined]
            # Writes and verification in a worker thread.
            result = await alg.import_facts(
                [
                    (
                        "more.jsonl",
                        jsonl(
                            fact(
                                "OfficeAssumed",
                                day(2).isoformat(),
                                id="more",
                                state="KZ",
                                office="president",
                                person="q",
                            )
                        ),
                    )
                ]
            )
            assert (result.appended, result.size) == (1, size + 1)
            assert await alg.size() == size + 1
            assert (await alg.show("more")).seq == size
            report = await alg.verify()
            assert report.ok, report.message
            new = await asyncio.gather(*(alg.replay(day(30)) for _ in range(4)))
            with Ledger.open(path) as again:
                want = doc(again.replay(day(30), snapshots=False))
            assert {doc(w) for w in new} == {want}

    asyncio.run(go())


# 4. A projection of one's own sees exactly the timeline


@pytest.mark.slow
@settings(max_examples=FEWER)
@given(batched_ledgers(), st.sampled_from(DAYS), st.data())
def test_run_sees_exactly_the_timeline(batches: list[list[Fact]], as_of: date, data: st.DataObject) -> None:
    with scratch() as tmp, Ledger.open(tmp / "r.db", create=True) as lg:
        for i, batch in enumerate(batches):
            lg.import_facts([(f"b{i}.jsonl", jsonl(*batch))])
        n = data.draw(st.integers(0, lg.size()), label="size")
        for knowledge in ({}, {"size": n}):
            timeline = list(lg.timeline(end=as_of, **knowledge))
            want = [(f.fact.fact_id, f.effective_day) for f in timeline]
            sink = lg.run(TypeCounter(), as_of, **knowledge)
            assert isinstance(sink, TypeCounter)
            assert sink.seen == want
            assert sink.counts == collections.Counter(f.fact.type for f in timeline)


# 5. `ledger bench`

BENCH_KEYS = {
    "events",
    "import_per_s",
    "replay_per_s",
    "stock_replay_per_s",
    "speedup_vs_stock",
    "msgspec_mapper_replay_per_s",
    "speedup_vs_msgspec_mapper",
    "floor_per_s",
    "floor_ratio",
    "asof_ms",
    "peak_rss_mb",
    "import_cpu_s",
    "cpus",
    "import_cpu_bound_ratio",
    "check_cpu_s",
    "store_s",
    "import_floor_ratio",
}


def test_an_imports_floor_is_its_sqlite_work_or_all_its_work_spread_over_every_cpu() -> None:
    from ledger.bench import import_floor_s

    assert import_floor_s(checking=3.0, storing=1.0, cpus=2) == 2.0  # both CPUs busy throughout
    assert import_floor_s(checking=1.0, storing=2.0, cpus=2) == 2.0  # one connection's work waits for none
    assert import_floor_s(checking=1.0, storing=2.0, cpus=1) == 3.0
    assert import_floor_s(checking=6.0, storing=2.0, cpus=4) == 2.0


@pytest.mark.subprocess
def test_ledger_bench(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "ledger"
    work, temp = tmp_path / "cwd", tmp_path / "tmp"
    work.mkdir()
    temp.mkdir()
    env = os.environ | {"TMPDIR": str(temp)}
    args = [str(script), "bench", "--events", "3000", "--repeats", "1"]
    out = subprocess.run([*args, "--json"], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report) >= BENCH_KEYS
    for key in BENCH_KEYS:
        assert isinstance(report[key], int | float) and not isinstance(report[key], bool), key
        assert report[key] > 0, key
    assert report["events"] == 3000
    assert list(work.iterdir()) == [] and list(temp.iterdir()) == []
    table = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0, table.stderr
    assert "3,000" in table.stdout
    assert list(work.iterdir()) == [] and list(temp.iterdir()) == []
