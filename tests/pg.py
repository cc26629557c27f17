"""The real PostgreSQL server for tests: one fresh database per test run, one schema per ledger.

`LEDGER_TEST_PG` (set by `.ci/run`) names the server, e.g.
`postgresql://postgres@127.0.0.1:5432`; then a server that does not answer
fails the run. Without it, the local server is tried (or the one
`LEDGER_TEST_PG_TRY` names) and the PostgreSQL tests are skipped, with the
reason, when none answers.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import markers
import psycopg
import pytest
from psycopg import sql

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"
_names = itertools.count(1)


def _admin(server: str) -> psycopg.Connection:
    parts = urlsplit(server)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


@contextlib.contextmanager
def test_database() -> Iterator[str | None]:
    """A fresh database for this run, dropped at the end: its URL, or None with no server."""
    server = os.environ.get("LEDGER_TEST_PG", "").rstrip("/")
    required = bool(server)
    server = server or os.environ.get("LEDGER_TEST_PG_TRY", DEFAULT_SERVER).rstrip("/")
    try:
        admin = _admin(server)
    except psycopg.OperationalError as e:
        if required:
            pytest.fail(f"LEDGER_TEST_PG={server}: no PostgreSQL server answers: {e}", pytrace=False)
        yield None
        return
    name = f"ledger_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {0}").format(sql.Identifier(name)))
        try:
            yield f"{server}/{name}"
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {0} WITH (FORCE)").format(sql.Identifier(name)))


def new_ledger_url(database: str | None) -> str:
    """A URL for a new, empty ledger: its own schema in this run's database."""
    markers.require("pg", "uses PostgreSQL")
    if database is None:
        pytest.skip("no PostgreSQL server answers (set LEDGER_TEST_PG to require one)")
    return f"{database}?schema=l{next(_names)}_{uuid.uuid4().hex[:6]}"


def new_database_url(database: str | None) -> str:
    """The URL of a database that is not there yet, on the server of this run's database (drop it
    with `drop_database`)."""
    markers.require("pg", "uses PostgreSQL")
    if database is None:
        pytest.skip("no PostgreSQL server answers (set LEDGER_TEST_PG to require one)")
    server, name = database.rsplit("/", 1)
    return f"{server}/{name}_new{next(_names)}"


def drop_database(url: str) -> None:
    server, name = url.rsplit("/", 1)
    with _admin(server) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {0} WITH (FORCE)").format(sql.Identifier(name)))


class Tamper:
    """A PostgreSQL ledger's schema opened for writing behind the ledger's back, with the SQLite
    spelling the tamper functions use: `?` placeholders, and the rowid of stored events."""

    def __init__(self, url: str) -> None:
        base, schema = url.rsplit("?schema=", 1)
        self._conn = psycopg.connect(base, options=f"-c search_path={schema}")

    def execute(self, statement: str, params: tuple[object, ...] = ()) -> psycopg.Cursor:
        statement = statement.replace("?", "%s").replace("rowid", "notification_id")
        return self._conn.execute(statement, params)

    def commit(self) -> None:
        self._conn.commit()

    def __enter__(self) -> Tamper:
        return self

    def __exit__(self, *_: object) -> None:
        self._conn.close()
