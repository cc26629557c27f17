"""What only a PostgreSQL ledger has to show: the command line on a URL, the schema checks on
opening, connection failures, and every read path agreeing on the server.

The contract tests (`tests/test_store.py`, `test_replay.py`, `test_example.py`,
`test_import_pipeline.py`, `test_concurrency.py`, the tampering cases of
`test_verifiable_log.py`) already run on both backends through the `backend`
fixture; this file holds what they do not cover. Every ledger lives in a
schema of its own in this run's fresh database (`tests/pg.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import pg
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_cli import invoke, json_lines, run, start
from strategies import AS_OF, ledgers_with_corrections, mask_root

from ledger import Ledger
from ledger.baseline import msgspec_replay, recorder, stock_replay
from ledger.bench import synthetic_facts
from ledger.reading.args import as_of_day
from ledger.reading.plans import Query
from ledger.replay import SNAPSHOT_EVERY
from ledger.storage import sql
from projections.fold import fold
from projections.knowledge import replay_order

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "fixtures" / "kazakhstan-2022-01-11.v1.jsonl"
DAYS = [as_of_day(d) for d in AS_OF]


def doc(world: Any) -> bytes:
    return msgspec.json.encode(world)


# 1. Every read path agrees on PostgreSQL: fast loop with and without snapshots, stock, naive


@pytest.mark.slow
@settings(max_examples=15)
@given(ledgers_with_corrections(max_size=14), st.data())
def test_every_read_path_gives_the_same_replay_on_postgres(
    pg_database: str | None, facts: list[dict[str, Any]], data: st.DataObject
) -> None:
    url = pg.new_ledger_url(pg_database)
    cut = data.draw(st.integers(0, len(facts)), label="cut")
    with Ledger.open(url, create=True) as lg:
        for i, part in enumerate((facts[:cut], facts[cut:])):
            lg.import_facts([(f"part-{i}.jsonl", b"".join(json.dumps(f).encode() + b"\n" for f in part))])
        size = lg.size()
        for n in sorted({size, data.draw(st.integers(0, size), label="size")}):
            for day in DAYS:
                fast = doc(lg.replay(day, size=n, snapshots=False))
                assert doc(lg.replay(day, size=n)) == fast  # through snapshots, when n is the size
                with recorder(url) as app:
                    stock = stock_replay(app, day, n).world(day, n, lg.root(n))
                    mapped = msgspec_replay(app, day, n).world(day, n, lg.root(n))
                assert doc(stock) == doc(mapped) == fast
                naive = fold(replay_order(list(lg.entries(size=n)), day.toordinal()))
                assert doc(naive.world(day, n, lg.root(n))) == fast
        assert lg.verify().ok


# 2. The command line on a URL gives the documents it gives on a file


def test_the_cli_on_postgres_answers_as_on_sqlite(pg_url: str, tmp_path: Path) -> None:
    file = tmp_path / "ledger.db"
    for db in (pg_url, file):
        r = invoke("--db", db, "import", EXAMPLE, "--json", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == {"appended": 17, "unchanged": 0, "size": 17}
    for args in (
        ("replay", "--as-of", "2022-01-12", "--json"),
        ("replay", "--as-of", "2022-01-08", "--size", "9", "--json"),
        ("timeline", "--json"),
        ("show", "kz-2022-01-11-smailov-appointed", "--json"),
    ):
        on_pg = invoke("--db", pg_url, *args, cwd=tmp_path)
        on_file = invoke("--db", file, *args, cwd=tmp_path)
        assert on_pg.returncode == on_file.returncode == 0, (args, on_pg.stderr)
        a, b = (json_lines(r.stdout) for r in (on_pg, on_file))
        if args[0] == "replay":
            a, b = [mask_root(x) for x in a], [mask_root(x) for x in b]
        if args[0] == "show":
            a[0].pop("recorded_at"), b[0].pop("recorded_at")
        assert a == b, args
    logs = [json_lines(invoke("--db", db, "log", "--json", cwd=tmp_path).stdout) for db in (pg_url, file)]
    assert [(x["seq"], x["id"], x["type"]) for x in logs[0]] == [
        (x["seq"], x["id"], x["type"]) for x in logs[1]
    ]
    # LEDGER_DB names the ledger as --db does; verify and both proofs answer on the URL.
    r = invoke("verify", "--json", cwd=tmp_path, env={"LEDGER_DB": pg_url})
    assert r.returncode == 0 and json.loads(r.stdout)["ok"] is True, r.stdout + r.stderr
    for args in (("proof", "inclusion", "3", "--json"), ("proof", "consistency", "5", "--json")):
        r = invoke("--db", pg_url, *args, cwd=tmp_path)
        assert r.returncode == 0, (args, r.stderr)


# 3. What opening a URL refuses: nothing to read, other tables, an altered schema


def _alter(url: str, statement: str) -> None:
    with pg.Tamper(url) as t:
        t.execute(statement)
        t.commit()


def test_a_url_with_no_ledger_is_bad_input_and_creates_nothing(pg_url: str, tmp_path: Path) -> None:
    r = invoke("--db", pg_url, "replay", cwd=tmp_path)
    assert r.returncode == 2 and "no ledger here" in r.stderr and "Traceback" not in r.stderr
    database = pg_url.split("?")[0]
    missing = database.rsplit("/", 1)[0] + "/ledger_no_such_database"
    r = invoke("--db", missing, "log", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr == f"ledger: {missing}: no ledger here (run `ledger init` or `ledger import`)\n"


@pytest.fixture
def missing_database(pg_database: str | None) -> Iterator[str]:
    """The URL of a database that is not there yet (on this run's server), dropped afterwards."""
    url = pg.new_database_url(pg_database)
    try:
        yield url
    finally:
        pg.drop_database(url)


def test_a_refused_first_import_into_a_missing_database_leaves_it_empty(
    missing_database: str, tmp_path: Path
) -> None:
    """Found by a trial: the database was made (it cannot be rolled back), then the ledger's
    tables outside the import's transaction, so a refused import left an empty ledger."""
    (tmp_path / "bad.jsonl").write_bytes(b'{"type": "Nope"}\n')
    r = invoke("--db", missing_database, "import", "bad.jsonl", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    r = invoke("--db", missing_database, "replay", cwd=tmp_path)
    assert r.returncode == 2 and "no ledger here" in r.stderr
    with psycopg.connect(missing_database) as conn:  # the database, and nothing of ours in it
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    assert tables == []
    (tmp_path / "good.jsonl").write_bytes(EXAMPLE.read_bytes())
    assert invoke("--db", missing_database, "import", "good.jsonl", cwd=tmp_path).returncode == 0


def test_a_role_that_may_not_create_databases_is_told_so(missing_database: str, tmp_path: Path) -> None:
    """Found by a review: CREATE DATABASE refused for want of the privilege was a traceback."""
    server, name = missing_database.rsplit("/", 1)
    role = f"{name}_role"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(
            psycopg.sql.SQL("CREATE ROLE {0} LOGIN NOCREATEDB").format(psycopg.sql.Identifier(role))
        )
    try:
        url = missing_database.replace("postgres@", f"{role}@", 1)
        r = invoke("--db", url, "import", EXAMPLE, cwd=tmp_path)
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        assert r.stderr.startswith(f"ledger: {url}: cannot create the database: "), r.stderr
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(psycopg.sql.SQL("DROP ROLE IF EXISTS {0}").format(psycopg.sql.Identifier(role)))


@pytest.mark.subprocess
def test_imports_making_one_missing_database_at_once_all_land(missing_database: str, tmp_path: Path) -> None:
    """Found by a trial: one of three imports making one new database failed when another made
    it between its failed connection and its look at the server's catalogue."""

    lines = EXAMPLE.read_bytes().splitlines(keepends=True)
    for w in "abc":
        (tmp_path / f"{w}.jsonl").write_bytes(
            b"".join(x.replace(b'"id": "', f'"id": "{w}-'.encode()) for x in lines)
        )
    procs = [start("--db", missing_database, "import", f"{w}.jsonl", cwd=tmp_path) for w in "abc"]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with Ledger.open(missing_database) as lg:
        assert lg.size() == 3 * len(lines)
        assert lg.verify().ok


def test_a_database_holding_other_tables_is_refused(pg_url: str, tmp_path: Path) -> None:
    assert invoke("--db", pg_url, "init", cwd=tmp_path).returncode == 0
    _alter(pg_url, "DROP TABLE ledger_meta")
    for args in (("replay",), ("init",), ("import", EXAMPLE)):
        r = invoke("--db", pg_url, *args, cwd=tmp_path)
        assert r.returncode == 1, (args, r.stderr)
        assert "not a timeline-ledger database" in r.stderr, r.stderr


def test_a_schema_holding_an_applications_tables_is_not_made_a_ledger(pg_url: str, tmp_path: Path) -> None:
    """As SQLite refuses a file that holds other tables (found by a trial: PostgreSQL quietly made
    the ledger's tables beside a `customers` table, and `replay` there said "no ledger here")."""
    base, schema_name = pg_url.split("?schema=")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema_name}; CREATE TABLE {schema_name}.customers (id integer)")
    for args in (("replay",), ("init",), ("import", EXAMPLE)):
        r = invoke("--db", pg_url, *args, cwd=tmp_path)
        assert r.returncode == 1, (args, r.stderr)
        assert r.stderr == (
            f"ledger: {pg_url}: not a timeline-ledger database (it holds table 'customers'); "
            "a ledger needs a schema of its own: add ?schema=NAME to the URL\n"
        )
    with psycopg.connect(base) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema_name,))
        assert tables.fetchall() == [("customers",)]


ALTERATIONS = {
    "a trigger": (
        "CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; "
        "CREATE TRIGGER sneaky BEFORE INSERT ON ledger_entries FOR EACH ROW EXECUTE FUNCTION noop()",
        "'sneaky' on ledger_entries is not a ledger's",
    ),
    "a rule": (
        "CREATE RULE quiet AS ON INSERT TO checkpoints DO INSTEAD NOTHING",
        "'quiet' on checkpoints is not a ledger's",
    ),
    "a column's type": (
        "ALTER TABLE ledger_entries ALTER COLUMN effective TYPE bigint",
        "table 'ledger_entries' has columns",
    ),
    "a missing table": ("DROP TABLE merkle_nodes", "table 'merkle_nodes' is missing"),
    "a dropped primary key": (
        "ALTER TABLE stored_events DROP CONSTRAINT stored_events_pkey",
        "the key PRIMARY KEY (originator_id, originator_version) on stored_events is missing",
    ),
    "a dropped unique key": (
        "ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_fact_id_key",
        "the key UNIQUE (fact_id) on ledger_entries is missing",
    ),
    "a check constraint": (
        "ALTER TABLE ledger_entries ADD CONSTRAINT small CHECK (seq < 1000000)",
        "on ledger_entries is not a ledger's",
    ),
    "a column default calling a function": (
        "CREATE FUNCTION hook() RETURNS bigint LANGUAGE sql AS 'SELECT 1'; "
        "ALTER TABLE ledger_entries ALTER COLUMN notification_id SET DEFAULT hook()",
        "column ledger_entries.notification_id has a default 'hook()'",
    ),
    "a nullable column": (
        "ALTER TABLE ledger_entries ALTER COLUMN leaf DROP NOT NULL",
        "table 'ledger_entries' has columns",
    ),
    "an index on an expression": (
        "CREATE INDEX sneaky_index ON replay_index ((length(payload)))",
        "index 'sneaky_index' on replay_index is not a ledger's",
    ),
    "row security": (
        "ALTER TABLE replay_index ENABLE ROW LEVEL SECURITY",
        "'replay_index' is not a plain table",
    ),
    "a policy": (
        "CREATE POLICY hide ON checkpoints USING (size > 5)",
        "'hide' on checkpoints is not a ledger's",
    ),
    "another format": (
        "UPDATE ledger_meta SET value = 'timeline-ledger/1' WHERE key = 'format'",
        "a ledger of format 'timeline-ledger/1'",
    ),
}


@pytest.mark.parametrize("what", list(ALTERATIONS))
def test_an_altered_schema_is_refused_by_every_command(what: str, pg_url: str, tmp_path: Path) -> None:
    statement, message = ALTERATIONS[what]
    assert invoke("--db", pg_url, "import", EXAMPLE, cwd=tmp_path).returncode == 0
    _alter(pg_url, statement)
    for args in (("replay",), ("log",), ("verify",), ("import", EXAMPLE), ("checkpoint",)):
        r = invoke("--db", pg_url, *args, cwd=tmp_path)
        assert r.returncode == 1, (what, args, r.stdout + r.stderr)
        assert r.stderr.startswith(f"ledger: {pg_url}: "), r.stderr
        assert message in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_an_import_checks_the_schema_again_under_the_lock(pg_url: str) -> None:
    """A trigger added after the ledger was opened, before the import takes the lock."""
    with Ledger.open(pg_url, create=True) as lg:
        _alter(pg_url, ALTERATIONS["a trigger"][0])
        from ledger.errors import StoreError

        with pytest.raises(StoreError, match="'sneaky' on ledger_entries is not a ledger's"):
            lg.import_files([EXAMPLE])
    _alter(pg_url, "DROP TRIGGER sneaky ON ledger_entries")
    with Ledger.open(pg_url) as lg:
        assert lg.size() == 0


# 4. URLs and servers


def test_urls_that_are_wrong_are_usage_errors(tmp_path: Path) -> None:
    for db, message in (
        ("postgresql://postgres@127.0.0.1:5432/x?schema=MySchema", "schema 'MySchema': a schema name is"),
        ("postgresql://postgres@127.0.0.1:5432/x?schema=my-schema", "schema 'my-schema': a schema name is"),
        ("postgresql://postgres@127.0.0.1:5432/x?schema=a%2Cpublic", "schema 'a,public': a schema name is"),
        (
            "postgresql://postgres@127.0.0.1:5432/x?schema=x%20-c%20statement_timeout%3D1",
            "schema 'x -c statement_timeout=1': a schema name is",
        ),
        ("postgresql://postgres@127.0.0.1:99999/x", "the port is not a number from 1 to 65535"),
        ("mysql://root@localhost/x", "a ledger is a SQLite file path or a postgresql:// URL"),
        ("postgresql://postgres@127.0.0.1:5432/", "name one database"),
        ("postgresql://postgres@127.0.0.1:5432/x?sslmode=disable", "unknown setting 'sslmode'"),
        ("postgresql://postgres@127.0.0.1:port/x", "the port is not a number"),
        ("postgresql://postgres@127.0.0.1:5432/x?schema=a&schema=b", "schema is given 2 times; give it once"),
    ):
        r = invoke("--db", db, "replay", cwd=tmp_path)
        assert r.returncode == 2, (db, r.stderr)
        assert message in r.stderr and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("password", ["s3cret", "se/cret", "se?cr#et", "s@cret", "s:cret"])
def test_no_message_shows_the_password(password: str, tmp_path: Path) -> None:
    """Written as is, a password with `/`, `?`, `#` or `@` is not even a well-formed URL: the
    message still leaves it out, whatever the command and whether --db or LEDGER_DB names it."""
    db = f"postgresql://auditor:{password}@127.0.0.1:1/ledger"
    for args, env in (
        (("--db", db, "replay"), {}),
        (("init",), {"LEDGER_DB": db}),
        (("verify",), {"LEDGER_DB": db}),
    ):
        r = invoke(*args, cwd=tmp_path, env=env)
        assert r.returncode in (1, 2) and "Traceback" not in r.stderr, r.stderr
        assert password not in r.stdout + r.stderr and "postgresql://auditor" in r.stderr, r.stderr
    r = invoke("copy", "--from", db, "--to", tmp_path / "copy.db", cwd=tmp_path)
    assert r.returncode in (1, 2) and password not in r.stdout + r.stderr, r.stderr


def test_the_password_may_come_from_pgpassword(pg_url: str) -> None:
    """libpq's PGPASSWORD, when the URL has none (trust authentication accepts any password, so
    what is checked is what the connection was given)."""
    import os

    from ledger.storage.postgres.settings import Settings

    saved = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = "from-the-environment"
    try:
        settings = Settings(pg_url)
        assert settings.password == "from-the-environment"
        with settings.connect("postgres") as conn:
            assert conn.info.password == "from-the-environment"
        assert Settings(pg_url.replace("postgres@", "postgres:given@", 1)).password == "given"
    finally:
        if saved is None:
            del os.environ["PGPASSWORD"]
        else:
            os.environ["PGPASSWORD"] = saved
    assert Settings(pg_url).password == saved


def test_a_server_that_does_not_answer_is_exit_1_without_the_password(tmp_path: Path) -> None:
    db = "postgresql://auditor:s3cret@127.0.0.1:1/ledger"
    r = invoke("--db", db, "replay", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith("ledger: postgresql://auditor@127.0.0.1:1/ledger: cannot connect: "), r.stderr
    assert "s3cret" not in r.stderr


@pytest.mark.slow
def test_snapshots_are_not_saved_while_a_writer_holds_the_lock(pg_url: str) -> None:
    """Saving snapshots waits a moment for a share lock an import cannot hold at the same time,
    then gives up: the replay answers the same and the ledger is unchanged."""
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("many.jsonl", synthetic_facts(2 * SNAPSHOT_EVERY))])  # a snapshot or more
        base, schema = pg_url.rsplit("?schema=", 1)
        with psycopg.connect(base, options=f"-c search_path={schema}") as holder:
            holder.execute("LOCK TABLE stored_events IN EXCLUSIVE MODE")
            during = doc(lg.replay(date(2024, 12, 31)))
            assert lg._store.fetch(Query(sql.SNAPSHOTS, (lg.size(),))) == []
        assert doc(lg.replay(date(2024, 12, 31))) == during
        assert lg._store.fetch(Query(sql.SNAPSHOTS, (lg.size(),))) != []
        assert lg.verify().ok


@pytest.mark.subprocess
def test_a_stored_type_naming_a_module_is_refused_never_imported(pg_url: str, tmp_path: Path) -> None:
    """Stored types are read through our closed registry on PostgreSQL too: a topic naming a
    module (eventsourcing's own convention) is an altered entry, and nothing is imported."""
    marker = tmp_path / "evil_marker.py"
    marker.write_text(f"open({str(tmp_path / 'IMPORTED')!r}, 'w').close()\n")
    assert invoke("--db", pg_url, "import", EXAMPLE, cwd=tmp_path).returncode == 0
    _alter(pg_url, "UPDATE stored_events SET topic = 'evil_marker:Evil' WHERE originator_version = 1")
    env = {"PYTHONPATH": str(tmp_path)}
    for args in (("log",), ("show", "0"), ("verify", "--json")):
        r = run("--db", pg_url, *args, cwd=tmp_path, env=env)
        assert r.returncode == 1, (args, r.stdout + r.stderr)
        assert "unknown stored type 'evil_marker:Evil'" in r.stdout + r.stderr, r.stdout + r.stderr
        assert "Traceback" not in r.stderr
    assert not (tmp_path / "IMPORTED").exists()


def test_init_never_prints_the_password(pg_url: str, tmp_path: Path) -> None:
    base, schema = pg_url.rsplit("?schema=", 1)
    with_password = base.replace("postgresql://postgres@", "postgresql://postgres:trusted@", 1)
    url = f"{with_password}?schema={schema}"  # trust authentication ignores the password
    for args in (("init",), ("init", "--json")):
        r = invoke("--db", url, *args, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert "trusted" not in r.stdout and pg_url in r.stdout.replace(":***@", "@"), r.stdout


def _pytest(env: dict[str, str], tmp_path: Path) -> tuple[int, str]:
    """One PostgreSQL contract test, run by a pytest of its own with `env`."""
    import os
    import subprocess
    import sys

    environ = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_TEST_PG")} | env
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-o",
            "addopts=",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(ROOT),
            str(ROOT / "tests" / "test_store.py"),
            "-k",
            "appends_in_file_order and postgres",
        ],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.slow  # two pytest runs of their own
@pytest.mark.subprocess
def test_without_a_server_postgres_tests_skip_unless_ci_requires_one(tmp_path: Path) -> None:
    """`.ci/run` sets LEDGER_TEST_PG: then a server that does not answer fails the run."""
    nowhere = "postgresql://postgres@127.0.0.1:1"
    code, out = _pytest({"LEDGER_TEST_PG_TRY": nowhere}, tmp_path)
    assert code == 0 and "1 skipped" in out and "no PostgreSQL server answers" in out, out
    code, out = _pytest({"LEDGER_TEST_PG": nowhere}, tmp_path)
    assert code != 0 and f"LEDGER_TEST_PG={nowhere}: no PostgreSQL server answers" in out, out
    assert "passed" not in out and "skipped" not in out, out
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'LEDGER_TEST_PG="${LEDGER_TEST_PG:-postgresql://postgres@127.0.0.1:5432}" make test' in ci
