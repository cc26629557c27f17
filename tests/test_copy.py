"""`ledger copy`: a ledger copied between SQLite files and PostgreSQL, entry for entry.

Round trips SQLite -> PostgreSQL -> SQLite on real files and the real local
server (the `pg_url` fixture): the copies hold the same entries (ids, seq,
recording times, stored bytes, leaves), checkpoints, origin, correction rows,
replay index and Merkle nodes, answer every query alike, verify, and a
signed checkpoint of the source verifies against them. Refusals: a
destination that holds entries, a source that does not verify (altered on
disk with stdlib sqlite3), a missing source. The `ledger` command runs in
this process (tests/ledger_cli.py `invoke`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
import pytest
from ledger_cli import invoke
from strategies import fact, jsonl

from ledger import Ledger, merkle
from ledger.api import shown
from ledger.checkpoint import generate_key
from ledger.copy import CopyReport, copy_ledger
from ledger.errors import LedgerCorrupt, LedgerMissing, UsageError
from ledger.reading import entries, plans
from ledger.reading.plans import Query, stream
from ledger.storage import sql
from ledger.storage.location import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "fixtures" / "kazakhstan-2022-01-11.v1.jsonl"
HEX64 = re.compile(r"[0-9a-f]{64}")
AS_OF = ("2022-01-04", "2022-01-06", "2022-01-08", "2022-01-12", "2022-02")


# A ledger of several imports (several checkpoints), with retractions and supersessions made within
# one import and across imports, and enough entries for stored Merkle nodes at two levels.


def statement(i: int, **fields: Any) -> dict[str, Any]:
    return (
        fact("StatementMade", "2022-01-05", id=f"s-{i}", speaker="ana", summary=f"said {i} \u00fc") | fields
    )


def deployed(fid: str, contributor: str, **fields: Any) -> dict[str, Any]:
    return fact("ForcesDeployed", "2022-01-06", id=fid, mission="m", contributor=contributor) | fields


def retract(target: str, **fields: Any) -> dict[str, Any]:
    return fact("FactRetracted", "2022-01-12", id=f"r-{target}", target=target, reason="wrong") | fields


IMPORTS: list[list[dict[str, Any]]] = [
    [
        fact("MissionRequested", "2022-01-05", id="req", mission="m", organization="csto", host="KZ"),
        deployed("ru", "RU", personnel=3000),
        deployed("by", "BY"),
        *(statement(i) for i in range(10)),
    ],
    [
        retract("s-1"),  # a fact of the first import
        deployed("by-2", "BY", personnel=500, supersedes="by"),
        *(statement(i) for i in range(10, 20)),
        retract("s-12"),  # a fact of this import
        statement(20, supersedes="s-13"),
        fact("OfficeAssumed", "2022-01-07", id="pres", state="KZ", office="president", person="ben"),
    ],
    [fact("DeploymentCompleted", "2022-01-09", id="done", mission="m")],
    [
        retract("s-20"),  # a superseding fact, retracted later
        deployed("am", "AM", personnel=70),
        *(statement(i) for i in range(21, 30)),
        statement(30, supersedes="ru", summary="corrected \u00e9"),
    ],
]


def build(target: str | Path, imports: list[list[dict[str, Any]]]) -> None:
    with Ledger.open(target, create=True) as lg:
        for i, facts in enumerate(imports):
            lg.import_facts([(f"import-{i}.jsonl", jsonl(*facts))])


@pytest.fixture(params=["example", "imports"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A SQLite ledger: the 17 facts of the example, or the ledger of several imports above."""
    db = tmp_path / f"{request.param}.db"
    if request.param == "example":
        with Ledger.open(db, create=True) as lg:
            lg.import_files([EXAMPLE])
    else:
        build(db, IMPORTS)
    return db


# What a ledger holds and answers, read through the library


@contextmanager
def store(target: str | Path) -> Iterator[Store]:
    s = open_store(target)
    try:
        yield s
    finally:
        s.close()


def plain(value: Any) -> Any:
    """Tuples of plain values (bytes for whatever a backend hands out as a buffer)."""
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    if isinstance(value, tuple | list):
        return tuple(plain(v) for v in value)
    return value


def held(target: str | Path) -> dict[str, Any]:
    """Everything a ledger holds that a copy keeps: entries as stored (seq, id, type, effective day,
    recording time, target, stored type and bytes, leaf), origin, checkpoints, correction rows,
    replay index and Merkle nodes."""
    with store(target) as s:
        rows = s.fetch
        return {
            "size": plans.run(entries.size(), rows),
            "origin": plans.run(entries.origin(s.where), rows),
            "checkpoints": plain(plans.run(entries.checkpoints(s.where), rows)),
            "entries": [plain(tuple(msgspec.structs.astuple(row))) for row in stream(entries.rows(), rows)],
            "corrections": sorted(plain(tuple(c)) for c in rows(Query(sql.CORRECTIONS))),
            "index": plain(rows(Query("SELECT * FROM replay_index ORDER BY effective, rank, seq"))),
            "nodes": plain(rows(Query("SELECT level, idx, hash FROM merkle_nodes ORDER BY level, idx"))),
        }


def answers(target: str | Path) -> dict[str, Any]:
    """What the ledger answers: root, log, replays (to several dates, at each checkpoint's size, as
    known at a recording time), timeline, every fact shown, and its verification."""
    enc = msgspec.json.encode
    with Ledger.open(target) as lg:
        log = list(lg.log())
        sizes = [n for n, _, _ in held_checkpoints(target)]
        moments = sorted({line.recorded_at for line in log})
        return {
            "root": lg.root(),
            "log": enc(log),
            "replay": [enc(lg.replay(day)) for day in AS_OF],
            "sized": [enc(lg.replay("2022-02", size=n)) for n in sizes],
            "known": [enc(lg.replay("2022-02", known_at=m)) for m in moments],
            "timeline": enc(list(lg.timeline())),
            "show": [enc(lg.show(line.id)) for line in log],
            "proofs": [enc(lg.consistency_proof(n)) for n in sizes if n],
            "verify": enc(lg.verify()),
        }


def held_checkpoints(target: str | Path) -> list[tuple[int, bytes, str]]:
    with store(target) as s:
        return plans.run(entries.checkpoints(s.where), s.fetch)


def file_digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def with_password(url: str) -> str:
    """The same URL with a password (the test server trusts local connections, so any will do)."""
    if urlsplit(url).password is not None:
        return url
    return url.replace("@", ":s3cret-pw@", 1)


# Round trips


def test_round_trip_sqlite_postgres_sqlite(source: Path, pg_url: str, tmp_path: Path) -> None:
    before, digest = held(source), file_digest(source)
    expected = answers(source)
    assert expected["verify"] and json.loads(expected["verify"])["ok"] is True
    back = tmp_path / "back.db"

    to_pg = copy_ledger(source, pg_url)
    to_sqlite = copy_ledger(pg_url, back)

    root = expected["root"]
    checkpoints = len(before["checkpoints"])
    assert checkpoints == (1 if source.stem == "example" else len(IMPORTS))
    with store(pg_url) as s:
        shown_pg = s.where
    assert to_pg == CopyReport(str(source), shown_pg, before["size"], root, checkpoints)
    assert to_sqlite == CopyReport(shown_pg, str(back), before["size"], root, checkpoints)
    for copy in (pg_url, back):
        assert held(copy) == before
        assert answers(copy) == expected
    assert (held(source), file_digest(source)) == (before, digest)  # the source is only read


def test_corrections_across_chunks_are_copied_as_an_import_makes_them(tmp_path: Path, pg_url: str) -> None:
    # Small chunks: retractions and supersessions whose target is in an earlier chunk, in the same
    # one, and in the same import or an earlier one.
    db = tmp_path / "imports.db"
    build(db, IMPORTS)
    before, expected = held(db), answers(db)
    for chunk in (1, 2, 3, 7):
        target = tmp_path / f"chunk-{chunk}.db"
        copy_ledger(db, target, chunk=chunk)
        assert held(target) == before
        assert answers(target) == expected
    copy_ledger(db, pg_url, chunk=5)
    assert held(pg_url) == before
    back = tmp_path / "back.db"
    copy_ledger(pg_url, back, chunk=4)  # the Planner reading what earlier chunks copied, from PostgreSQL
    assert held(back) == before
    assert answers(back) == expected
    with Ledger.open(pg_url) as lg:
        assert lg.show("s-1").corrected_by is not None
        assert lg.show("ru").corrected_by is not None


def test_an_empty_ledger_is_copied_with_its_origin(tmp_path: Path, pg_url: str) -> None:
    empty = tmp_path / "empty.db"
    Ledger.open(empty, create=True).close()
    report = copy_ledger(empty, pg_url)
    assert (report.size, report.checkpoints, report.root) == (0, 0, merkle.EMPTY_ROOT.hex())
    assert held(pg_url) == held(empty)


def test_an_existing_empty_destination_takes_the_source_origin(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest.db"
    Ledger.open(dest, create=True).close()
    with store(dest) as s:
        assert plans.run(entries.origin(s.where), s.fetch) != held(source)["origin"]
    copy_ledger(source, dest)
    assert held(dest) == held(source)


# A signed checkpoint of the source verifies against the copy


def test_a_signed_checkpoint_of_the_source_verifies_against_the_copy(tmp_path: Path, pg_url: str) -> None:
    db, back = tmp_path / "src.db", tmp_path / "back.db"
    assert invoke("keygen", "--out", tmp_path / "k", cwd=tmp_path).returncode == 0
    build(db, IMPORTS[:2])
    early = invoke("--db", db, "checkpoint", "--sign", tmp_path / "k", cwd=tmp_path)  # before more imports
    assert early.returncode == 0, early.stderr
    (tmp_path / "early.txt").write_text(early.stdout)
    with Ledger.open(db) as lg:
        for facts in IMPORTS[2:]:
            lg.import_facts([("more.jsonl", jsonl(*facts))])
    latest = invoke("--db", db, "checkpoint", "--sign", tmp_path / "k", "--json", cwd=tmp_path)
    assert latest.returncode == 0, latest.stderr
    (tmp_path / "latest.json").write_text(latest.stdout)

    assert invoke("copy", "--from", db, "--to", pg_url, cwd=tmp_path).returncode == 0
    assert invoke("copy", "--from", pg_url, "--to", back, cwd=tmp_path).returncode == 0
    size = sum(map(len, IMPORTS))
    for copy in (pg_url, back):
        for cp, n in (("early.txt", len(IMPORTS[0]) + len(IMPORTS[1])), ("latest.json", size)):
            # `--public-key`, as the library names it, is `--key` too (a trial tried it first).
            for key in ("--key", "--public-key"):
                r = invoke("--db", copy, "verify", "--against", cp, key, "k.pub", "--json", cwd=tmp_path)
                assert r.returncode == 0, r.stdout + r.stderr
                report = json.loads(r.stdout)
                assert report["ok"] is True
                assert f"consistent with the checkpoint at size {n}" in report["message"]

    # The library says the same, and what makes it so: origin, size and root are the source's.
    private, public = generate_key("copy-test")
    with Ledger.open(db) as lg:
        signed = lg.checkpoint(private_key=private)
    with Ledger.open(pg_url) as lg:
        assert lg.verify(signed, public_key=public).ok
        plain_cp = lg.checkpoint()
        assert (plain_cp.origin, plain_cp.size, plain_cp.root, plain_cp.timestamp) == (
            signed.origin,
            signed.size,
            signed.root,
            signed.timestamp,
        )

    # The same facts imported again into a new ledger are not that log: other origin, other times.
    again = tmp_path / "again.db"
    build(again, IMPORTS)
    r = invoke("--db", again, "verify", "--against", "latest.json", "--key", "k.pub", "--json", cwd=tmp_path)
    assert r.returncode == 1
    assert "not this ledger" in json.loads(r.stdout)["message"]


# Refusals


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_destination_holding_entries_is_refused_and_left_unchanged(
    source: Path, tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    dest: str | Path = request.getfixturevalue("pg_url") if backend == "postgres" else tmp_path / "dest.db"
    with Ledger.open(dest, create=True) as lg:
        lg.import_facts([("one.jsonl", jsonl(statement(99)))])
    before = held(dest)

    with pytest.raises(UsageError) as err:
        copy_ledger(source, dest)
    assert "already holds 1 entry" in str(err.value)
    assert held(dest) == before

    r = invoke("copy", "--from", source, "--to", dest, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == ""
    assert "the destination already holds 1 entry" in r.stderr
    assert held(dest) == before

    # Copying a ledger onto itself is the same refusal.
    r = invoke("copy", "--from", source, "--to", source, cwd=tmp_path)
    assert r.returncode == 2
    assert "already holds" in r.stderr


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_destination_filled_meanwhile_is_refused_as_one_that_was_full(
    source: Path,
    tmp_path: Path,
    backend: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two copies racing for one empty destination (found by a trial): the one that loses learns
    it under the write lock, and is refused as a destination that held entries is, exit 2,
    naming the destination, rather than exit 1 with a bare message."""
    dest: str | Path = request.getfixturevalue("pg_url") if backend == "postgres" else tmp_path / "dest.db"
    with Ledger.open(dest, create=True) as lg:
        lg.import_facts([("one.jsonl", jsonl(statement(99)))])
    before = held(dest)
    monkeypatch.setattr("ledger.copy._check_empty", lambda dst: None)  # as if it had been empty then
    with pytest.raises(UsageError) as err:
        copy_ledger(source, dest)
    assert err.value.exit_code == 2
    assert str(err.value) == (
        f"{shown(dest)}: the destination already holds 1 entry; "
        "a ledger is copied into a new or empty one only (nothing was written)"
    )
    assert held(dest) == before


def alter(db: Path, seq: int) -> None:
    """Change one entry's stored bytes on disk, as someone with the file could."""
    with closing(sqlite3.connect(db)) as c, c:
        (rowid,) = c.execute("SELECT notification_id FROM ledger_entries WHERE seq = ?", (seq,)).fetchone()
        (state,) = c.execute("SELECT state FROM stored_events WHERE rowid = ?", (rowid,)).fetchone()
        c.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?", (state.replace(b"said", b"sad"), rowid)
        )


def test_a_source_that_does_not_verify_is_refused_and_nothing_is_written(tmp_path: Path, pg_url: str) -> None:
    db = tmp_path / "altered.db"
    build(db, IMPORTS)
    seq = 5  # statement s-2
    alter(db, seq)
    digest = file_digest(db)
    new = tmp_path / "new.db"
    empty = tmp_path / "empty.db"
    Ledger.open(empty, create=True).close()
    empty_before = held(empty)

    for dest in (new, pg_url, empty):
        with pytest.raises(LedgerCorrupt) as err:
            copy_ledger(db, dest)
        assert err.value.path == str(db)
        assert f"entry {seq} (s-2)" in str(err.value)
        assert "nothing was copied" in str(err.value)
    assert not new.exists()
    with pytest.raises(LedgerMissing):
        open_store(pg_url)  # not even created
    assert held(empty) == empty_before

    r = invoke("copy", "--from", db, "--to", new, "--json", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.startswith(f"ledger: {db}: the ledger to copy does not verify: entry {seq} (s-2): ")
    assert not new.exists()
    assert file_digest(db) == digest


def test_a_missing_source_is_a_usage_error(tmp_path: Path, pg_url: str) -> None:
    for missing in (tmp_path / "none.db", pg_url):
        r = invoke("copy", "--from", missing, "--to", tmp_path / "dest.db", cwd=tmp_path)
        assert r.returncode == 2
        assert r.stderr.strip().endswith("no ledger here to copy")
        assert not (tmp_path / "dest.db").exists()
        assert not (tmp_path / "none.db").exists()

    r = invoke("copy", "--to", tmp_path / "dest.db", cwd=tmp_path)
    assert r.returncode == 2
    assert "--from" in r.stderr


# The command end to end


def test_cli_copies_to_postgres_and_back_with_json(source: Path, pg_url: str, tmp_path: Path) -> None:
    url = with_password(pg_url)
    cp = invoke("--db", source, "checkpoint", "--json", cwd=tmp_path)
    checkpoint = json.loads(cp.stdout)

    r = invoke("copy", "--from", source, "--to", url, "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert set(report) == {"source", "destination", "size", "root", "checkpoints"}
    assert report["source"] == str(source)
    assert report["destination"].startswith("postgresql://")
    assert "s3cret" not in r.stdout + r.stderr
    assert (report["size"], report["root"]) == (checkpoint["size"], checkpoint["root"])
    assert HEX64.fullmatch(report["root"])

    back = tmp_path / "back.db"
    r = invoke("copy", "--from", url, "--to", back, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "s3cret" not in r.stdout + r.stderr
    n, cps = report["size"], report["checkpoints"]
    entries = "entry" if n == 1 else "entries"
    checkpoints = "checkpoint" if cps == 1 else "checkpoints"
    assert r.stdout == (
        f"copied {n} {entries} and {cps} {checkpoints} from {report['destination']} to {back}; "
        f"root {report['root']}\n"
    )

    for copy in (url, back):
        v = invoke("--db", copy, "verify", "--json", cwd=tmp_path)
        assert v.returncode == 0, v.stdout + v.stderr
        assert json.loads(v.stdout)["root"] == checkpoint["root"]
        c = invoke("--db", copy, "checkpoint", "--json", cwd=tmp_path)
        assert json.loads(c.stdout) == checkpoint
    log = [invoke("--db", db, "log", "--json", cwd=tmp_path).stdout for db in (source, url, back)]
    assert log[0] == log[1] == log[2]
