"""The import pipeline: lines checked in chunks, in a forked worker for large inputs, planned and
written into one transaction. Whatever the chunk size and wherever the lines are checked, the
ledger must come out the same, and a bad line, a lost worker or a failure in the middle must
leave it exactly as it was."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_cli import run
from locks import hold_write_lock
from strategies import AS_OF, Fact, fact, jsonl, ledgers_with_corrections, line, mask_root

import ledger.importing.check as importer
from ledger import Ledger
from ledger.errors import FactError, StoreError


@contextmanager
def pipeline(chunk: int, parallel: bool) -> Iterator[None]:
    """Imports in chunks of `chunk` lines, checked in a worker process or not."""
    saved = importer.CHUNK, importer.PARALLEL_BYTES
    importer.CHUNK, importer.PARALLEL_BYTES = chunk, 0 if parallel else 1 << 62
    try:
        yield
    finally:
        importer.CHUNK, importer.PARALLEL_BYTES = saved


def ledger_state(lg: Ledger) -> tuple[Any, ...]:
    """Everything an import decides: entries in order, corrections, and every replay."""
    entries = [(e.seq, e.fact.fact_id, msgspec.json.encode(e.fact)) for e in lg.entries()]
    docs = [mask_root(msgspec.to_builtins(lg.replay(day))) for day in AS_OF]
    return lg.size(), entries, docs


def imported(directory: Path, name: str, files: list[bytes], chunk: int, parallel: bool) -> tuple[Any, ...]:
    with pipeline(chunk, parallel), Ledger.open(directory / name, create=True) as lg:
        for i, data in enumerate(files):
            lg.import_facts([(f"f{i}.jsonl", data)])
        assert lg.verify().ok
        return ledger_state(lg)


@pytest.mark.slow
@given(ledgers_with_corrections(max_size=12), st.integers(1, 4), st.data())
def test_chunks_and_the_worker_change_nothing(facts: list[Fact], chunk: int, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(facts)))
    files = [jsonl(*facts[:cut]), jsonl(*facts[cut:]), jsonl(*facts)]  # the last one: all unchanged
    with tempfile.TemporaryDirectory(prefix="ledger-pipe-") as tmp:
        one_go = imported(Path(tmp), "a.db", files, 1 << 30, parallel=False)
        assert imported(Path(tmp), "b.db", files, chunk, parallel=False) == one_go
        assert imported(Path(tmp), "c.db", files, chunk, parallel=True) == one_go


def _facts(n: int, prefix: str = "p") -> list[Fact]:
    return [
        fact("ForcesDeployed", f"2022-01-{1 + i % 28:02d}", id=f"{prefix}-{i}", mission="m", contributor="RU")
        for i in range(n)
    ]


@pytest.mark.parametrize("parallel", [False, True])
def test_a_bad_line_in_a_late_chunk_writes_nothing(ledger: Ledger, parallel: bool) -> None:
    ledger.import_facts([("first.jsonl", jsonl(*_facts(5, "a")))])
    before = ledger.size(), ledger.root()
    lines = [line(f) for f in _facts(40)]
    lines[33] = lines[33].replace(b'"RU"', b'"QQ"')
    with pipeline(4, parallel), pytest.raises(FactError) as caught:
        ledger.import_facts([("big.jsonl", b"\n".join(lines) + b"\n")])
    assert str(caught.value) == "big.jsonl:34: $.contributor: 'QQ' is not an ISO 3166-1 alpha-2 state code"
    assert (ledger.size(), ledger.root()) == before
    assert ledger.verify().ok


@pytest.mark.parametrize("parallel", [False, True])
def test_the_first_bad_line_is_reported_whether_checking_or_planning_finds_it(
    ledger: Ledger, parallel: bool
) -> None:
    facts = _facts(12)
    clash = dict(facts[1], contributor="BY")  # line 8: the id of line 2 with other content
    lines = [line(f) for f in facts[:7]] + [line(clash)] + [line(f) for f in facts[7:]]
    lines[10] = b"{not json"  # line 11: a later mistake, found by checking
    with pipeline(3, parallel), pytest.raises(FactError) as caught:
        ledger.import_facts([("f.jsonl", b"\n".join(lines) + b"\n")])
    assert str(caught.value) == "f.jsonl:8: $.id: fact 'p-1' exists with other content"
    assert ledger.size() == 0


def test_corrections_and_duplicates_across_chunks(ledger: Ledger) -> None:
    facts = _facts(6)
    later = [
        fact("FactRetracted", "2022-02-01", id="r1", target="p-0", reason="wrong"),
        dict(facts[2]),  # the same fact again, in a later chunk: unchanged
        fact("ForcesDeployed", "2022-02-02", id="s1", mission="m", contributor="BY", supersedes="p-4"),
    ]
    with pipeline(2, parallel=True):
        result = ledger.import_facts([("f.jsonl", jsonl(*facts, *later))])
        assert (result.appended, result.unchanged, result.size) == (8, 1, 8)
        again = fact("FactRetracted", "2022-02-03", id="r2", target="p-0", reason="twice")
        with pytest.raises(FactError, match=r"f\.jsonl:3: \$\.target: 'p-0' was already retracted by 'r1'"):
            ledger.import_facts([("f.jsonl", jsonl(*_facts(2, "q"), again))])
    assert ledger.size() == 8 and ledger.verify().ok


def _dies_after_one_chunk(inputs: Any, sender: Any, receiver: Any) -> None:
    receiver.close()
    encoder = msgspec.msgpack.Encoder()
    sender.send_bytes(encoder.encode(next(importer.check_chunks(inputs))))
    os._exit(3)


# The checking process is forked only where no other thread runs: PostgreSQL's connection pool
# runs threads, so a PostgreSQL import checks in-process and has no worker to lose.
@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_lost_worker_writes_nothing(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger.import_facts([("first.jsonl", jsonl(*_facts(3, "a")))])
    before = ledger.size(), ledger.root()
    monkeypatch.setattr(importer, "_check_in_worker", _dies_after_one_chunk)
    with (
        pipeline(2, parallel=True),
        pytest.raises(StoreError, match="the process checking the input stopped"),
    ):
        ledger.import_facts([("f.jsonl", jsonl(*_facts(10)))])
    assert (ledger.size(), ledger.root()) == before
    assert ledger.verify().ok


@pytest.mark.parametrize(
    "data",
    [
        jsonl(*_facts(10)) + b"\n  \n" + jsonl(*_facts(3, "b")),
        jsonl(*_facts(8)).rstrip(b"\n"),  # a multiple of the chunk, no final newline
        b"\n\n",
    ],
)
def test_progress_counts_every_byte_of_every_line(ledger: Ledger, data: bytes) -> None:
    seen: list[int] = []
    with pipeline(4, parallel=True):
        ledger.import_facts([("f.jsonl", data)], progress=seen.append)
    assert sum(seen) == len(data) and min(seen) >= 0


def test_a_file_name_that_is_not_utf8_is_named_in_messages(ledger: Ledger) -> None:
    name = b"caf\xe9.jsonl".decode("utf-8", "surrogateescape")  # as Python sees such a path
    lines = [line(f) for f in _facts(9)]
    lines[6] = b"{not json"
    with pipeline(4, parallel=True):
        assert ledger.import_facts([(name, b"\n".join(lines[:6]))]).appended == 6
        with pytest.raises(FactError) as caught:
            ledger.import_facts([(name, b"\n".join(lines))])
    assert caught.value.source == name and caught.value.line == 7
    assert ledger.size() == 6


def test_the_worker_is_not_forked_where_it_would_be_unsafe(monkeypatch: pytest.MonkeyPatch) -> None:
    """With another thread running (AsyncLedger imports in one), from a daemonic process, or off
    Linux, large inputs are checked in the importing process: the same chunks."""
    inputs = [("f.jsonl", jsonl(*_facts(5)))]
    monkeypatch.setattr(importer, "PARALLEL_BYTES", 0)
    assert importer._can_fork()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not importer._can_fork()
    finally:
        stop.set()
        other.join()
    monkeypatch.setattr(importer.sys, "platform", "darwin")
    assert not importer._can_fork()
    forked = []
    monkeypatch.setattr(importer.multiprocessing, "get_context", lambda _: forked.append(1))
    chunks = list(importer.prepared_chunks(inputs))
    assert forked == [] and [len(c.lines) for c in chunks] == [5]


def test_a_reimport_takes_no_lock_and_writes_nothing(ledger: Ledger) -> None:
    data = jsonl(*_facts(20))
    ledger.import_facts([("f.jsonl", data)])
    holder = hold_write_lock(ledger._store.where)  # another writer, busy
    try:
        with pipeline(4, parallel=True):
            result = ledger.import_facts([("f.jsonl", data)])
    finally:
        holder.rollback()
        holder.close()
    assert (result.appended, result.unchanged, result.size) == (0, 20, 20)


@pytest.mark.slow
@pytest.mark.subprocess  # the real script: whether it forks the worker is the process's to decide
def test_a_large_file_through_the_cli(tmp_path: Path) -> None:
    """Over `PARALLEL_BYTES`, `ledger import` checks in a worker: a bad last line still writes nothing."""
    facts = _facts(importer.PARALLEL_BYTES // 150 + 1000)
    good = jsonl(*facts)
    assert len(good) >= importer.PARALLEL_BYTES
    (tmp_path / "bad.jsonl").write_bytes(good + b'{"type": "Nope"}\n')
    db = tmp_path / "l.db"
    bad = run("--db", db, "import", tmp_path / "bad.jsonl", cwd=tmp_path)
    assert bad.returncode == 2, bad.stderr
    assert f"bad.jsonl:{len(facts) + 1}: $.type: unknown fact type" in bad.stderr
    assert "Traceback" not in bad.stderr
    (tmp_path / "good.jsonl").write_bytes(good)
    ok = run("--db", db, "import", tmp_path / "good.jsonl", "--json", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert msgspec.json.decode(ok.stdout)["appended"] == len(facts)
    with Ledger.open(db) as lg:
        assert lg.size() == len(facts) and lg.verify().ok


@pytest.mark.parametrize("parallel", [False, True])
def test_an_import_is_recorded_at_the_time_read_before_checking(
    ledger: Ledger, parallel: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checking process makes each entry's stored bytes and leaf for the time read before
    checking, and that time is the one recorded."""
    stamp = "2030-01-02T03:04:05.000006Z"
    monkeypatch.setattr(ledger._store, "now", lambda: stamp)
    with pipeline(4, parallel):
        ledger.import_facts([("f.jsonl", jsonl(*_facts(10)))])
    assert {e.recorded_at for e in ledger.entries()} == {stamp}
    assert ledger.verify().ok


@pytest.mark.parametrize("parallel", [False, True])
def test_an_import_stamped_before_a_later_writer_is_stamped_again_under_the_lock(
    ledger: Ledger, parallel: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer committed with a later recording time after this import read its clock (here:
    a clock read that lags the ledger's last time): the import is stamped again under the write
    lock, its bytes and leaves made anew, and recording times never go back."""
    later = "2999-01-01T00:00:00.000000Z"
    monkeypatch.setattr(ledger._store, "now", lambda: later)
    ledger.import_facts([("first.jsonl", jsonl(*_facts(3, "a")))])
    monkeypatch.setattr(ledger._store, "now", lambda: "2000-01-01T00:00:00.000000Z")
    with pipeline(4, parallel):
        ledger.import_facts([("f.jsonl", jsonl(*_facts(10)))])
    times = [e.recorded_at for e in ledger.entries()]
    assert len(times) == 13 and times[3:] == [later] * 10  # the ledger's last time: the clock lags it
    assert ledger.verify().ok


def test_an_imports_size_is_the_one_its_commit_left(
    open_ledger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a trial with three writers: the size an import reported was read after its commit,
    and could count another writer's facts committed in between."""
    lg = open_ledger("l.db")
    other = open_ledger("l.db")
    store = lg._store
    append = store.append

    def then_another_writer(*args: Any, **kwargs: Any) -> Any:
        written = append(*args, **kwargs)
        other.import_facts(
            [("late.jsonl", jsonl(fact("StatementMade", "2022-01-03", id="late", speaker="x", summary="s")))]
        )
        return written

    monkeypatch.setattr(store, "append", then_another_writer)
    facts = [fact("StatementMade", "2022-01-02", id=f"s{i}", speaker="x", summary="s") for i in range(3)]
    result = lg.import_facts([("mine.jsonl", jsonl(*facts))])
    assert (result.appended, result.size) == (3, 3)
    assert lg.size() == 4  # the other writer's fact came after
