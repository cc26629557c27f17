"""What the PostgreSQL store takes from eventsourcing, and how.

- Its table: `PostgresApplicationRecorder.create_table` makes `stored_events` (with its
  notification id sequence, index, composite type and insert function) when a ledger is made,
  in the transaction that makes our tables (`storage.schema`) under an advisory lock, so that
  two processes making one ledger do not race.
- Its lock: `LOCK TABLE stored_events IN EXCLUSIVE MODE` under `lock_timeout`, taken by every
  import before it reads the tail, so that notification ids, and our seq, follow commit order.
- Its notifications: `NOTIFY` on its channel in every import's transaction, so that its
  subscriptions (`recorder.subscribe`, and eventsourcing's projection runners) see our facts.
- Its reads: `select_notifications` serves the stock read path (`ledger.baseline`) and
  `subscribe` serves `Ledger.follow`.

The store reads and writes on a connection of its own; eventsourcing's datastore is made only to
make a ledger's tables, and for the stock read path and subscriptions.
"""

from __future__ import annotations

import time
from typing import Any

from eventsourcing.persistence import OperationalError, PersistenceError
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import sql

from ledger.storage import schema
from ledger.storage.constants import FORMAT
from ledger.storage.postgres.settings import CONNECT_TIMEOUT_S, Settings

CREATE_WAIT_S = 30
EVENTS = "stored_events"


def datastore(settings: Settings, lock_timeout: int, connections: int = 1) -> PostgresDatastore:
    """eventsourcing's datastore for this ledger (a pool of `connections`, not opened until used;
    a subscription needs two: one LISTENs while the other reads)."""
    return PostgresDatastore(
        pool_size=connections,
        dbname=settings.dbname,
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password or "",
        connect_timeout=CONNECT_TIMEOUT_S,
        lock_timeout=lock_timeout,
        schema=settings.schema,
        originator_id_type="text",  # our aggregate ids are 32 hex digits, as in SQLite
    )


class LedgerRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL recorder; making its table also makes ours."""

    def __init__(self, store: PostgresDatastore, origin: str = "") -> None:
        super().__init__(store, events_table_name=EVENTS)
        self.search_path = sql.SQL("SET LOCAL search_path TO {0}").format(
            sql.Identifier(self.datastore.schema)
        )
        meta = ", ".join(f"('{key}', '{value}')" for key, value in schema.meta_rows(origin, FORMAT))
        self.sql_create_statements.extend(
            [
                *(sql.SQL(statement).format() for statement in schema.postgres_statements()),
                sql.SQL(f"INSERT INTO ledger_meta VALUES {meta} ON CONFLICT DO NOTHING").format(),
            ]
        )

    def create_table(self) -> None:
        """Create the tables once; two processes creating one ledger wait for each other."""
        deadline = time.monotonic() + CREATE_WAIT_S
        while True:
            try:
                super().create_table()
                return
            except (OperationalError, PersistenceError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _create_table(self, curs: Any) -> None:
        curs.execute(self.search_path)
        # One creator at a time: CREATE TABLE IF NOT EXISTS races with itself in PostgreSQL.
        curs.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema()))")
        curs.execute("SELECT to_regclass('ledger_meta') IS NOT NULL AS found")
        row = curs.fetchone()
        if row is not None and row["found"]:
            return  # another process made the ledger meanwhile
        super()._create_table(curs)


def create_statements(settings: Settings, lock_timeout: int, origin: str) -> list[sql.Composed]:
    """Every statement `LedgerRecorder.create_table` runs (eventsourcing's table, type and
    function, then ours), for a caller that runs them in a transaction of its own."""
    store = datastore(settings, lock_timeout)
    try:
        return list(LedgerRecorder(store, origin).sql_create_statements)
    finally:
        store.close()


def lock_statements(schema_name: str, lock_timeout: int) -> list[sql.Composed]:
    """eventsourcing's write lock, as its recorder takes it (`lock_table_statements`), bounded by
    our timeout, so that our writers and eventsourcing's exclude each other. Written out here
    because building a recorder connects to the server; `tests/test_postgres.py` checks that these
    are the recorder's own statements."""
    return [
        sql.SQL("SET LOCAL lock_timeout = '{0}s'").format(lock_timeout),
        sql.SQL("LOCK TABLE {0}.{1} IN EXCLUSIVE MODE").format(
            sql.Identifier(schema_name), sql.Identifier(EVENTS)
        ),
    ]


def notify_statement() -> sql.Composed:
    """eventsourcing's notification of inserted events (`_notify_channel`, on the channel named
    after its table), checked against the recorder's as `lock_statements` is."""
    return sql.SQL("NOTIFY {0}").format(sql.Identifier(EVENTS.replace(".", "_")))
