"""A ledger of format 2 (the on-disk format before v2) is migrated to format 3 the first time the
library opens it: the replay index's ranks rewritten by type, the projection snapshots dropped,
`ledger_meta.format` set, in one transaction under the write lock (`ledger.storage.migration`).
Entries and the Merkle tree never change: every root stays, and every answer v1 gave is given
again, with what v2 adds.

`tests/fixtures/format2-ledger.db` is a real format-2 ledger, made by the code of commit 490fca0
with `tests/fixtures/make_format2.py` from `tests/fixtures/format2-facts.jsonl` (every event type
v1 knew, a supersession and a retraction), with projection snapshots left by a replay; that
code's answers are in `tests/fixtures/format2-answers.json`.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import msgspec
import pg
import psycopg
import pytest
from ledger_cli import invoke

from ledger import AsyncLedger, Ledger
from ledger.errors import StoreError
from ledger.facts import BY_TAG
from ledger.storage.constants import FORMAT
from ledger.storage.migration import FORMAT_2

FIXTURES = Path(__file__).parent / "fixtures"
OLD = FIXTURES / "format2-ledger.db"
ANSWERS = json.loads((FIXTURES / "format2-answers.json").read_text(encoding="utf-8"))
# Format 2's ranks, as the old code stored them (what the fixture holds).
OLD_RANKS = {
    "GovernmentDismissed": 0,
    "OfficeLeft": 1,
    "PrimeMinisterNominated": 2,
    "PrimeMinisterAppointed": 3,
    "OfficeAssumed": 3,
    "MissionRequested": 4,
    "MissionAuthorized": 5,
    "ForcesDeployed": 6,
    "DeploymentCompleted": 7,
    "MissionCompleted": 8,
    "WithdrawalAnnounced": 9,
    "WithdrawalStarted": 10,
    "ForcesWithdrawn": 11,
    "StatementMade": 12,
}
V2 = ("fact", "strength")


@pytest.fixture
def old_copy(tmp_path: Path) -> Path:
    """A copy of the format-2 fixture (never the checked-in file itself)."""
    path = tmp_path / "old.db"
    shutil.copy(OLD, path)
    return path


def sqlite_rows(path: Path, statement: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute(statement).fetchall()


def v1(doc: dict[str, Any]) -> dict[str, Any]:
    """A replay document as v1 gave it: without `actors`, and without `fact` and `strength`."""
    doc = {k: v for k, v in doc.items() if k != "actors"}
    for m in doc["missions"].values():
        for key in V2:
            del m[key]
        for c in m["contingents"].values():
            for key in V2:
                del c[key]
    for state in doc["states"].values():
        for f in state["foreign_forces"]:
            for key in V2:
                del f[key]
    return doc


def answers_agree(lg: Ledger) -> None:
    """Every answer the old code gave, given again (v2's additions aside), and verify passes."""
    assert (lg.size(), lg.root()) == (ANSWERS["size"], ANSWERS["root"])
    for day, doc in ANSWERS["replays"].items():
        assert v1(msgspec.to_builtins(lg.replay(day))) == doc, day
    for day, doc in ANSWERS["replays_size_20"].items():
        assert v1(msgspec.to_builtins(lg.replay(day, size=20))) == doc, day
    assert [[e.seq, e.effective, e.fact.fact_id] for e in lg.timeline()] == ANSWERS["timeline"]
    report = lg.verify()
    assert report.ok and report.root == ANSWERS["root"], report


def test_the_fixture_is_a_format_2_ledger_with_snapshots() -> None:
    assert sqlite_rows(OLD, "SELECT value FROM ledger_meta WHERE key = 'format'") == [(FORMAT_2,)]
    assert sqlite_rows(OLD, "SELECT count(*) FROM projection_snapshots")[0][0] > 0
    ranks = sqlite_rows(OLD, "SELECT DISTINCT type, rank FROM replay_index")
    assert all(OLD_RANKS[t] == r for t, r in ranks) and len(ranks) == len(OLD_RANKS)


def test_a_format_2_ledger_is_migrated_on_opening(old_copy: Path) -> None:
    leaves = sqlite_rows(old_copy, "SELECT seq, fact_id, leaf FROM ledger_entries ORDER BY seq")
    events = sqlite_rows(
        old_copy, "SELECT rowid, originator_id, topic, state FROM stored_events ORDER BY rowid"
    )
    with Ledger.open(old_copy) as lg:
        # Migrated before anything is read: the new format, the new ranks, no old snapshot.
        assert sqlite_rows(old_copy, "SELECT value FROM ledger_meta WHERE key = 'format'") == [(FORMAT,)]
        assert sqlite_rows(old_copy, "SELECT count(*) FROM projection_snapshots") == [(0,)]
        for type_, rank in sqlite_rows(old_copy, "SELECT type, rank FROM replay_index"):
            assert rank == BY_TAG[type_].RANK
        answers_agree(lg)
    # The entries and their stored events are untouched.
    assert sqlite_rows(old_copy, "SELECT seq, fact_id, leaf FROM ledger_entries ORDER BY seq") == leaves
    assert (
        sqlite_rows(old_copy, "SELECT rowid, originator_id, topic, state FROM stored_events ORDER BY rowid")
        == events
    )


def test_a_migrated_ledger_takes_v2_facts_and_opens_again_as_it_is(old_copy: Path) -> None:
    with Ledger.open(old_copy) as lg:
        lg.replay("2022-01-30")  # leaves new snapshots behind
    with Ledger.open(old_copy, snapshot_every=1) as lg:
        lg.import_facts(
            [
                (
                    "v2.jsonl",
                    b'{"type": "StrengthReported", "occurred": "2022-01-08", "contributor": "RU",'
                    b' "mission": "csto-kazakhstan-2022", "personnel": 90,'
                    b' "sources": [{"publisher": "Fixture Wire"}]}\n'
                    b'{"type": "ActorDescribed", "occurred": "2024", "actor": "KZ",'
                    b' "names": {"en": "Kazakhstan"}, "sources": [{"publisher": "Fixture Wire"}]}\n',
                )
            ]
        )
        doc = msgspec.to_builtins(lg.replay("2022-01-08"))
        assert doc["missions"]["csto-kazakhstan-2022"]["contingents"]["RU"]["personnel"] == 90
        assert doc["actors"] == {"KZ": {"names": {"en": "Kazakhstan"}, "wikidata": None}}
        assert lg.verify().ok


def test_a_read_only_format_2_file_is_a_clear_error_and_stays_as_it_is(
    old_copy: Path, tmp_path: Path
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes to read-only files")
    old_copy.chmod(0o444)
    with pytest.raises(StoreError, match="this file is read-only: open it once where it can be written"):
        Ledger.open(old_copy)
    assert sqlite_rows(old_copy, "SELECT value FROM ledger_meta WHERE key = 'format'") == [(FORMAT_2,)]
    r = invoke("--db", old_copy, "replay", cwd=tmp_path)
    assert r.returncode == 1 and "read-only" in r.stderr and "Traceback" not in r.stderr


def test_a_read_only_connection_to_a_format_2_file_refuses_to_migrate(old_copy: Path) -> None:
    """As a read-only file, whoever runs the tests (root writes to read-only files)."""
    from ledger.storage.sqlite.store import SQLiteStore, connect

    store = SQLiteStore(old_copy, 30, connect(old_copy, "ro", 30), read_only=True)
    try:
        with pytest.raises(StoreError, match="read-only"):
            store._check_or_migrate()
    finally:
        store.close()
    assert sqlite_rows(old_copy, "SELECT value FROM ledger_meta WHERE key = 'format'") == [(FORMAT_2,)]


def test_async_ledger_migrates_a_format_2_ledger_first(old_copy: Path) -> None:
    async def read() -> tuple[int, dict[str, Any]]:
        async with AsyncLedger.open(old_copy) as lg:
            return await lg.size(), msgspec.to_builtins(await lg.replay("2022-01-12"))

    size, doc = asyncio.run(read())
    assert size == ANSWERS["size"] and v1(doc) == ANSWERS["replays"]["2022-01-12"]
    assert sqlite_rows(old_copy, "SELECT value FROM ledger_meta WHERE key = 'format'") == [(FORMAT,)]


def test_another_format_is_still_refused(old_copy: Path, tmp_path: Path) -> None:
    with closing(sqlite3.connect(old_copy)) as db, db:
        db.execute("UPDATE ledger_meta SET value = 'timeline-ledger/1' WHERE key = 'format'")
    r = invoke("--db", old_copy, "replay", cwd=tmp_path)
    assert r.returncode == 1
    assert "a ledger of format 'timeline-ledger/1'; this version reads 'timeline-ledger/3'" in r.stderr


def test_copy_of_a_migrated_ledger_has_the_same_roots(old_copy: Path, tmp_path: Path) -> None:
    r = invoke("copy", "--from", old_copy, "--to", tmp_path / "copy.db", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["root"] == ANSWERS["root"]
    with Ledger.open(tmp_path / "copy.db") as lg:
        answers_agree(lg)


# PostgreSQL: the same fixture's rows, written into a PostgreSQL ledger as format 2 had them.

TABLES = (
    "ledger_meta",
    "ledger_entries",
    "replay_index",
    "projection_snapshots",
    "merkle_nodes",
    "checkpoints",
)


@pytest.fixture
def old_pg(pg_url: str) -> Iterator[str]:
    """A PostgreSQL ledger holding exactly the format-2 fixture's rows (stored events under their
    SQLite rowids as notification ids), as format 2 had written them."""
    Ledger.open(pg_url, create=True).close()
    with closing(sqlite3.connect(f"file:{OLD}?mode=ro", uri=True)) as old, pg.Tamper(pg_url) as db:
        for table in TABLES:
            db.execute(f"DELETE FROM {table}")
            rows = old.execute(f"SELECT * FROM {table}").fetchall()
            if rows:
                marks = ",".join("?" * len(rows[0]))
                for row in rows:
                    db.execute(f"INSERT INTO {table} VALUES ({marks})", row)
        for row in old.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events"
        ):
            db.execute(
                "INSERT INTO stored_events "
                "(notification_id, originator_id, originator_version, topic, state) VALUES (?,?,?,?,?)",
                row,
            )
        db.execute(
            "SELECT setval('stored_events_notification_id_seq', "
            "(SELECT max(notification_id) FROM stored_events))"
        )
        db.commit()
    yield pg_url


def pg_rows(url: str, statement: str) -> list[tuple[Any, ...]]:
    base, schema = url.rsplit("?schema=", 1)
    with psycopg.connect(base, options=f"-c search_path={schema}") as conn:
        return conn.execute(statement).fetchall()


def test_a_format_2_ledger_on_postgresql_is_migrated_on_opening(old_pg: str) -> None:
    assert pg_rows(old_pg, "SELECT value FROM ledger_meta WHERE key = 'format'") == [(FORMAT_2,)]
    assert pg_rows(old_pg, "SELECT count(*) FROM projection_snapshots")[0][0] > 0
    with Ledger.open(old_pg) as lg:
        assert pg_rows(old_pg, "SELECT value FROM ledger_meta WHERE key = 'format'") == [(FORMAT,)]
        assert pg_rows(old_pg, "SELECT count(*) FROM projection_snapshots") == [(0,)]
        for type_, rank in pg_rows(old_pg, "SELECT type, rank FROM replay_index"):
            assert rank == BY_TAG[type_].RANK
        answers_agree(lg)


def test_async_ledger_migrates_a_format_2_ledger_on_postgresql(old_pg: str) -> None:
    async def read() -> dict[str, Any]:
        async with AsyncLedger.open(old_pg) as lg:
            return msgspec.to_builtins(await lg.replay("2022-01-16"))

    assert v1(asyncio.run(read())) == ANSWERS["replays"]["2022-01-16"]
    with Ledger.open(old_pg) as lg:
        answers_agree(lg)
