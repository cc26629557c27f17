"""Processes writing one ledger at once: they wait for the lock, nothing is lost or doubled.

Also what a writer does when another holds the write lock: it waits up to
`ledger.api.LOCK_TIMEOUT_S`, then fails with exit 1 having written nothing.

Every test runs on a SQLite file and on the PostgreSQL server (`new_db`), where the
lock is eventsourcing's `LOCK TABLE stored_events IN EXCLUSIVE MODE`.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pg
import pytest
from ledger_cli import run, start
from locks import hold_write_lock
from strategies import fact, jsonl

from ledger import Ledger
from ledger.reading import entries, plans

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]  # writers are processes, as users run them

Db = str | Path  # a SQLite file or a PostgreSQL URL


@pytest.fixture
def new_db(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Callable[[str], Db]:
    """A new ledger's name, on the backend under test: a file in tmp_path, or a URL naming a
    fresh schema in this run's PostgreSQL database."""

    def make(name: str) -> Db:
        if backend == "sqlite":
            return tmp_path / name
        return pg.new_ledger_url(request.getfixturevalue("pg_database"))

    return make


def _checkpoints(db: Db) -> list[tuple[int, str]]:
    with Ledger.open(db) as lg:
        recorded = plans.run(entries.checkpoints(lg._store.where), lg._store.fetch)
        return [(size, stamp) for size, _, stamp in recorded]


def _facts(prefix: str, n: int) -> bytes:
    return jsonl(
        *(
            fact(
                "ForcesDeployed",
                f"2022-01-{1 + i % 28:02d}",
                id=f"{prefix}-{i}",
                mission="m",
                contributor="RU",
            )
            for i in range(n)
        )
    )


def _importing(db: Db, path: Path, cwd: Path) -> subprocess.Popen[bytes]:
    return start("--db", db, "import", path, "--json", cwd=cwd)


def test_two_imports_creating_one_ledger_both_succeed(tmp_path: Path, new_db: Callable[[str], Db]) -> None:
    for attempt in range(3):
        db = new_db(f"new-{attempt}.db")
        (tmp_path / "a.jsonl").write_bytes(_facts("a", 1500))
        (tmp_path / "b.jsonl").write_bytes(_facts("b", 1500))
        procs = [_importing(db, tmp_path / name, tmp_path) for name in ("a.jsonl", "b.jsonl")]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
        assert sorted(json.loads(out)["appended"] for out, _ in outs) == [1500, 1500]
        with Ledger.open(db) as lg:
            assert lg.size() == 3000
            assert {e.fact.fact_id[0] for e in lg.entries()} == {"a", "b"}
            assert lg.verify().ok


def test_two_retractions_of_one_fact_one_wins_the_other_is_bad_input(
    tmp_path: Path, new_db: Callable[[str], Db]
) -> None:
    for attempt in range(3):
        db = new_db(f"l-{attempt}.db")
        (tmp_path / "f.jsonl").write_bytes(_facts("f", 5))
        assert run("--db", db, "import", tmp_path / "f.jsonl", cwd=tmp_path).returncode == 0
        for name in ("r1", "r2"):
            retraction = fact("FactRetracted", "2022-02", id=name, target="f-3", reason=name)
            (tmp_path / f"{name}.jsonl").write_bytes(jsonl(retraction))
        procs = [_importing(db, tmp_path / f"{name}.jsonl", tmp_path) for name in ("r1", "r2")]
        outs = [p.communicate(timeout=120) for p in procs]
        codes = sorted(p.returncode for p in procs)
        assert codes == [0, 2], [err for _, err in outs]
        loser = next(err.decode() for p, (_, err) in zip(procs, outs, strict=True) if p.returncode == 2)
        assert "$.target: 'f-3' was already retracted by" in loser and "Traceback" not in loser
        with Ledger.open(db) as lg:
            assert lg.size() == 6
            assert lg.verify().ok


# Several writers at once into one existing ledger


WRITERS = 4
EACH = 2500


def test_four_writers_into_one_existing_ledger_lose_and_double_nothing(
    tmp_path: Path, new_db: Callable[[str], Db]
) -> None:
    for attempt in range(2):
        db = new_db(f"shared-{attempt}.db")
        (tmp_path / "seed.jsonl").write_bytes(_facts("seed", 10))
        assert run("--db", db, "import", tmp_path / "seed.jsonl", cwd=tmp_path).returncode == 0
        names = [f"w{k}" for k in range(WRITERS)]
        for name in names:
            (tmp_path / f"{name}.jsonl").write_bytes(_facts(name, EACH))
        # The first time, all four start while the test holds the write lock, so that they are all
        # waiting for it together when it is released; the second time they run as they come.
        holder = hold_write_lock(db) if attempt == 0 else None
        try:
            procs = [_importing(db, tmp_path / f"{name}.jsonl", tmp_path) for name in names]
            if holder is not None:
                time.sleep(HELD_S)
                assert [p.poll() for p in procs] == [None] * WRITERS
        finally:
            if holder is not None:
                holder.rollback()
                holder.close()
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0] * WRITERS, [err for _, err in outs]
        results = {name: json.loads(out) for name, (out, _) in zip(names, outs, strict=True)}
        total = 10 + WRITERS * EACH
        with Ledger.open(db) as lg:
            entries = list(lg.entries())
            report = lg.verify()
        assert report.ok and report.size == total, report.message
        ids = [e.fact.fact_id for e in entries]
        assert len(ids) == len(set(ids)) == total  # every id once
        assert set(ids) == {
            f"{p}-{i}" for p, n in [("seed", 10)] + [(w, EACH) for w in names] for i in range(n)
        }
        checkpoints = _checkpoints(db)
        # One transaction per writer: each one's facts are one contiguous run of entries, in file
        # order, stamped with one recording time, ending where a checkpoint was recorded.
        assert [size for size, _ in checkpoints] == [10 + k * EACH for k in range(WRITERS + 1)]
        for k, (end, stamp) in enumerate(checkpoints[1:]):
            run_ = entries[end - EACH : end]
            writer = run_[0].fact.fact_id.split("-")[0]
            assert [e.fact.fact_id for e in run_] == [f"{writer}-{i}" for i in range(EACH)], k
            assert {e.recorded_at for e in run_} == {stamp}
            # What each process printed: all of its facts appended, none unchanged, and a size
            # read after its own commit (later writers may have committed by then).
            assert results[writer]["appended"] == EACH and results[writer]["unchanged"] == 0
            assert end <= results[writer]["size"] <= total
        stamps = [e.recorded_at for e in entries]
        assert stamps == sorted(stamps)  # recording time never goes backwards between writers
        order = [e.fact.fact_id.split("-")[0] for e in entries[10::EACH]]
        print(f"{WRITERS} writers x {EACH} facts, round {attempt}: committed in the order {order}")


# The write lock: a writer waits up to LOCK_TIMEOUT_S for it


HELD_S = 2.0  # how long the test holds the lock: far below LOCK_TIMEOUT_S
SHORT_BOUND_S = 1  # `--lock-timeout` for the writer that must give up


def _ledger_with(db: Db, tmp_path: Path, n: int) -> None:
    (tmp_path / "first.jsonl").write_bytes(_facts("first", n))
    assert run("--db", db, "import", tmp_path / "first.jsonl", cwd=tmp_path).returncode == 0


def test_a_writer_waits_for_the_write_lock_and_completes_once_it_is_released(
    tmp_path: Path, new_db: Callable[[str], Db]
) -> None:
    db = new_db("ledger.db")
    _ledger_with(db, tmp_path, 10)
    (tmp_path / "more.jsonl").write_bytes(_facts("more", 300))
    holder = hold_write_lock(db)
    try:
        began = time.monotonic()
        proc = start("--db", db, "import", tmp_path / "more.jsonl", "--json", cwd=tmp_path)
        # Readers never wait for a writer: replay, log and verify answer while the lock is held.
        for args in (("replay", "--as-of", "2022-02-01"), ("log",), ("verify",)):
            r = run("--db", db, *args, "--json", cwd=tmp_path)
            assert r.returncode == 0, (args, r.stderr)
        assert json.loads(run("--db", db, "verify", "--json", cwd=tmp_path).stdout)["size"] == 10
        time.sleep(max(0.0, began + HELD_S - time.monotonic()))
        assert proc.poll() is None, proc.communicate()  # still waiting, not failed
    finally:
        holder.rollback()
        holder.close()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(out) == {"appended": 300, "unchanged": 0, "size": 310}
    waited = time.monotonic() - began
    assert waited >= HELD_S
    print(f"a writer waited for a lock held {HELD_S} s, then completed after {waited:.2f} s")
    with Ledger.open(db) as lg:
        assert lg.size() == 310 and lg.verify().ok


def test_the_lock_wait_bound_is_thirty_seconds_unless_told(tmp_path: Path) -> None:
    from ledger.api import LOCK_TIMEOUT_S

    assert LOCK_TIMEOUT_S == 30  # docs/reliability.md and docs/architecture.md say so
    too_long = ("--lock-timeout", "2147484")  # past the milliseconds both databases count in 32 bits
    for args, env in ((("--lock-timeout", "0"), {}), ((), {"LEDGER_LOCK_TIMEOUT": "-3"}), (too_long, {})):
        r = run(*args, "--db", tmp_path / "l.db", "init", cwd=tmp_path, env=env)
        assert r.returncode == 2 and "--lock-timeout" in r.stderr, r.stderr
        assert not (tmp_path / "l.db").exists()
    r = run(*too_long, "--db", tmp_path / "l.db", "init", cwd=tmp_path)
    assert r.stderr == "ledger: --lock-timeout 2147484: wait at most 2,147,483 seconds (almost 25 days)\n"
    assert run("--lock-timeout", "2147483", "--db", tmp_path / "l.db", "init", cwd=tmp_path).returncode == 0


# What both backends say when the bound ran out (recognised by SQLITE_BUSY and SQLSTATE 55P03).
LOCKED = f"the ledger is locked by another writer (waited {SHORT_BOUND_S} s)"


def test_a_writer_that_waits_longer_than_the_bound_fails_cleanly_and_writes_nothing(
    tmp_path: Path, new_db: Callable[[str], Db], backend: str
) -> None:
    db = new_db("ledger.db")
    _ledger_with(db, tmp_path, 10)
    with Ledger.open(db) as lg:
        root = lg.root()
    (tmp_path / "more.jsonl").write_bytes(_facts("more", 300))
    bound = {"LEDGER_LOCK_TIMEOUT": str(SHORT_BOUND_S)}
    holder = hold_write_lock(db)
    try:
        began = time.monotonic()
        proc = start("--db", db, "import", tmp_path / "more.jsonl", "--json", cwd=tmp_path, env=bound)
        out, err = proc.communicate(timeout=60)
        waited = time.monotonic() - began
    finally:
        holder.rollback()
        holder.close()
    message = err.decode()
    assert proc.returncode == 1, message  # not the user's input: exit 1, not 2
    assert "Traceback" not in message and out == b""
    assert message.startswith(f"ledger: {db}: the import was not written: {LOCKED}"), message
    assert SHORT_BOUND_S <= waited < SHORT_BOUND_S + 10
    print(f"a writer with a {SHORT_BOUND_S} s bound gave up after {waited:.2f} s: exit 1, nothing written")
    with Ledger.open(db) as lg:
        assert lg.size() == 10 and lg.root() == root and lg.verify().ok
    again = start(
        "--lock-timeout",
        str(SHORT_BOUND_S),
        "--db",
        db,
        "import",
        tmp_path / "more.jsonl",
        "--json",
        cwd=tmp_path,
    )
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert json.loads(out) == {"appended": 300, "unchanged": 0, "size": 310}


# Overlapping imports


def test_four_writers_whose_files_overlap_count_shared_facts_once(
    tmp_path: Path, new_db: Callable[[str], Db]
) -> None:
    """Files {w, x}, {x, y}, {y, z}, {z, w} of 1,000 facts per letter, imported at once: every
    process exits 0, each fact is appended by exactly one of them and counted unchanged by the
    other. (Before the write lock was taken ahead of planning, a process whose facts two others
    committed between its plan and each of its two attempts failed with exit 1.)"""
    letters = "wxyz"
    block = {k: _facts(k, 1000) for k in letters}
    names = ["wx", "xy", "yz", "zw"]
    for name in names:
        (tmp_path / f"{name}.jsonl").write_bytes(block[name[0]] + block[name[1]])
    for attempt in range(2):
        db = new_db(f"overlap-{attempt}.db")
        _ledger_with(db, tmp_path, 10)
        procs = [_importing(db, tmp_path / f"{name}.jsonl", tmp_path) for name in names]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0] * len(names), [err for _, err in outs]
        results = [json.loads(out) for out, _ in outs]
        assert all(r["appended"] + r["unchanged"] == 2000 for r in results), results
        assert sum(r["appended"] for r in results) == 4000, results
        with Ledger.open(db) as lg:
            ids = [e.fact.fact_id for e in lg.entries()]
            assert lg.verify().ok
        assert len(ids) == len(set(ids)) == 4010
        print(f"overlapping writers, round {attempt}: appended {[r['appended'] for r in results]}")
