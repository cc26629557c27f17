"""The first import of a ledger makes it: a refused first import leaves nothing behind (no file on
SQLite; no schema, table or type on PostgreSQL), a committed one leaves a whole ledger, and a file
that was there before the import is never removed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from ledger_cli import invoke

from ledger import Ledger
from ledger.api import import_into
from ledger.errors import UsageError
from ledger.storage.postgres.settings import Settings
from ledger.storage.sqlite.store import SQLiteStore

EXAMPLE = Path(__file__).parent.parent / "cli" / "examples" / "kazakhstan-2022-01-11.jsonl"


def target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "new.db")


def schema_objects(url: str) -> list[str]:
    """Every relation, type and function in the URL's schema (and whether the schema exists)."""
    settings = Settings(url)
    with psycopg.connect(**settings.connect_args()) as conn:
        found = conn.execute(
            "SELECT 'schema' FROM pg_namespace WHERE nspname = %s "
            "UNION ALL SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s "
            "UNION ALL SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = %s",
            (settings.schema, settings.schema, settings.schema),
        ).fetchall()
    return sorted(row[0] for row in found)


def left_behind(backend: str, db: str, tmp_path: Path) -> list[str]:
    if backend == "postgres":
        return schema_objects(db)
    return sorted(p.name for p in tmp_path.iterdir() if p.name not in {"bad.jsonl", "good.jsonl"})


@pytest.mark.parametrize("bad_line", [1, 600])  # in the first chunk, or after one was written
def test_a_refused_first_import_leaves_nothing(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, bad_line: int
) -> None:
    db = target(backend, tmp_path, request)
    good = EXAMPLE.read_bytes().splitlines(keepends=True)
    lines = [good[i % len(good)].replace(b'"id": "', f'"id": "n{i}-'.encode()) for i in range(bad_line)]
    lines[-1] = b'{"type": "Nope"}\n'
    (tmp_path / "bad.jsonl").write_bytes(b"".join(lines))
    done = invoke("--db", db, "import", "bad.jsonl", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"bad.jsonl:{bad_line}:" in done.stderr
    assert left_behind(backend, db, tmp_path) == []
    # The same name still takes a first import that is accepted.
    (tmp_path / "good.jsonl").write_bytes(EXAMPLE.read_bytes())
    assert invoke("--db", db, "import", "good.jsonl", cwd=tmp_path).returncode == 0
    with Ledger.open(db) as lg:
        assert lg.size() == len(good)
        assert lg.verify().ok


def test_a_refused_import_never_removes_a_file_that_was_there(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_bytes(b'{"type": "Nope"}\n')
    (tmp_path / "empty.db").write_bytes(b"")  # an empty file is a ledger to be: kept as it was
    assert invoke("--db", "empty.db", "import", "bad.jsonl", cwd=tmp_path).returncode == 2
    assert (tmp_path / "empty.db").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "empty.db"]


def test_a_ledger_made_meanwhile_is_imported_into_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    new = SQLiteStore.create_beside(path, 5)
    with Ledger.open(path, create=True) as other:  # another process makes the ledger first
        other.import_files([EXAMPLE])
    assert new.publish() is False  # not put in place: the other ledger stays
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.db"]
    result = import_into(path, [("again", EXAMPLE.read_bytes())])
    assert (result.appended, result.unchanged) == (0, result.size)


def test_a_new_ledger_is_written_with_a_rollback_journal_then_put_in_wal_mode(tmp_path: Path) -> None:
    """A new ledger's first import writes a file nobody else knows of yet: with SQLite's rollback
    journal, each page once (`SQLiteStore.create_beside`); the file is in WAL mode, as every
    ledger is, by the time it is at its path, and nothing else is left beside it."""
    path = tmp_path / "new.db"
    seen: list[str] = []

    def progress(_: int) -> None:
        (private,) = tmp_path.glob(".new.db.*.new")
        with sqlite3.connect(f"file:{private}?mode=ro", uri=True) as conn:
            seen.append(conn.execute("PRAGMA journal_mode").fetchone()[0])
        conn.close()

    lines = EXAMPLE.read_bytes().splitlines(keepends=True)
    facts = [lines[i % len(lines)].replace(b'"id": "', f'"id": "n{i}-'.encode()) for i in range(2_000)]
    result = import_into(path, [("many.jsonl", b"".join(facts))], progress=progress)
    assert result.appended == 2_000
    assert seen and set(seen) == {"delete"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.db"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    with Ledger.open(path) as lg:
        assert lg.size() == 2_000
        assert lg.verify().ok


def test_a_ledger_in_a_folder_that_is_not_there_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "good.jsonl").write_bytes(EXAMPLE.read_bytes())
    (tmp_path / "file").write_bytes(b"")
    for db, said in (("missing/new.db", "no such directory"), ("file/new.db", "not a directory")):
        for args in (("import", "good.jsonl"), ("init",)):
            done = invoke("--db", db, *args, cwd=tmp_path)
            assert done.returncode == 2, done.stderr
            assert done.stderr == f"ledger: --db {db}: {said}: {db.split('/')[0]}\n"
    with pytest.raises(UsageError, match="no such directory") as raised:
        Ledger.open(tmp_path / "missing" / "new.db", create=True)
    assert raised.value.param == "path"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "good.jsonl"]
