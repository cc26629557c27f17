"""The eventsourcing side of the PostgreSQL store: our recorder and application.

As `ledger.sqlite_recorder`, on eventsourcing's PostgreSQL recorder: facts go
into its `stored_events` table and our own tables are written in the same
transaction, by `ledger.writer`. The write lock is eventsourcing's own:
`LOCK TABLE stored_events IN EXCLUSIVE MODE`, taken before the tail is read,
so that writers append one after another and leaf positions (seq) follow
the order in which their transactions commit. Readers are never blocked.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from eventsourcing.persistence import Mapper, OperationalError, PersistenceError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import sql
from psycopg.rows import tuple_row

from ledger import queries, writer
from ledger.sqlite_recorder import FORMAT, LedgerApplication, new_origin
from ledger.writer import Batch, Copied

CREATE_WAIT_S = 30

# Our tables, as PostgreSQL types them; the same columns, in the same order, as in SQLite.
TABLES: dict[str, str] = {
    "ledger_meta": "key TEXT PRIMARY KEY, value TEXT NOT NULL",
    "ledger_entries": "seq BIGINT PRIMARY KEY, fact_id TEXT NOT NULL UNIQUE, "
    "notification_id BIGINT NOT NULL, type TEXT NOT NULL, effective INTEGER NOT NULL, "
    "recorded_at TEXT NOT NULL, target TEXT, leaf BYTEA NOT NULL",
    "replay_index": "effective INTEGER NOT NULL, rank INTEGER NOT NULL, seq BIGINT NOT NULL, "
    "fact_id TEXT NOT NULL, type TEXT NOT NULL, payload BYTEA NOT NULL, PRIMARY KEY (effective, rank, seq)",
    "projection_snapshots": "effective INTEGER PRIMARY KEY, size BIGINT NOT NULL, state BYTEA NOT NULL",
    "merkle_nodes": "level INTEGER NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL, "
    "PRIMARY KEY (level, idx)",
    "checkpoints": "size BIGINT PRIMARY KEY, root BYTEA NOT NULL, timestamp TEXT NOT NULL",
}
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ledger_entries_target ON ledger_entries (seq, target) "
    "WHERE target IS NOT NULL",
)
_COPYABLE = re.compile(r"INSERT INTO (\w+) VALUES \(\?(?:,\?)*\)")


class PostgresEntryRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL recorder, plus our tables written in the same transaction."""

    def __init__(self, datastore: Any) -> None:
        super().__init__(datastore, events_table_name="stored_events")
        schema = sql.Identifier(self.datastore.schema)
        self.search_path = sql.SQL("SET LOCAL search_path TO {0}").format(schema)
        self.sql_create_statements.extend(
            [
                *(
                    sql.SQL(f"CREATE TABLE IF NOT EXISTS {name} ({columns})").format()
                    for name, columns in TABLES.items()
                ),
                *(sql.SQL(statement).format() for statement in INDEXES),
                sql.SQL(
                    f"INSERT INTO ledger_meta VALUES ('format', '{FORMAT}'), ('origin', '{new_origin()}') "
                    "ON CONFLICT DO NOTHING"
                ).format(),
            ]
        )

    def create_table(self) -> None:
        """Create the tables once; an existing ledger is left alone, so that opening it never writes."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.search_path)
            c.execute("SELECT to_regclass('ledger_meta') IS NOT NULL AS found")
            row = c.fetchone()
            if row is not None and row["found"]:
                return
        deadline = time.monotonic() + CREATE_WAIT_S
        while True:
            try:
                super().create_table()
                return
            except (OperationalError, PersistenceError):  # two processes creating one ledger
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _create_table(self, curs: Any) -> None:
        curs.execute(self.search_path)
        # One creator at a time: CREATE TABLE IF NOT EXISTS races with itself in PostgreSQL.
        curs.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema()))")
        super()._create_table(curs)

    def append(
        self,
        batches: Iterable[Batch],
        mapper: Mapper[Any],
        *,
        lazy: bool = False,
        copied: Copied | None = None,
    ) -> None:
        """As `EntryRecorder.append`: every batch in one transaction, committed after the last."""
        pending = writer.from_first_new(batches, lazy)
        if pending is None:
            return
        with self.datastore.get_connection() as conn, conn.transaction():
            cursor = conn.cursor(row_factory=tuple_row)
            cursor.execute(self.search_path)
            # eventsourcing's datastore holds POSTGRES_LOCK_TIMEOUT: `--lock-timeout`, as the store set it
            writer.write(_Transaction(cursor, self.datastore.lock_timeout), pending, mapper, copied)

    def insert_events(self, stored_events: Sequence[StoredEvent], **_: Any) -> Sequence[int] | None:
        # A fact stored without its entry, leaf and index rows would not be in the ledger.
        raise PersistenceError(
            "ledger entries are written by PostgresEntryRecorder.append, never saved alone"
        )


class _Transaction:
    """An open PostgreSQL write transaction, as `ledger.writer` uses it: `?` becomes `%s`, and
    the writer's plain multi-row inserts go through COPY."""

    def __init__(self, c: psycopg.Cursor[Any], lock_timeout: int) -> None:
        self._c = c
        self._lock_timeout = lock_timeout
        self.fetchone = c.fetchone
        self.fetchall = c.fetchall

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._c.execute(queries.for_postgres(statement), params)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        copyable = _COPYABLE.fullmatch(statement)
        if copyable is None:
            self._c.executemany(queries.for_postgres(statement), rows)
            return
        if rows:
            with self._c.copy(f"COPY {copyable.group(1)} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def lock(self) -> None:
        # eventsourcing's own lock (`PostgresApplicationRecorder._lock_table`), bounded by our timeout.
        self._c.execute(f"SET LOCAL lock_timeout = '{int(self._lock_timeout)}s'")
        self._c.execute("LOCK TABLE stored_events IN EXCLUSIVE MODE")

    def clock(self) -> datetime:
        # The server's clock, read under the lock: writers on machines whose clocks disagree still
        # record the times of one clock.
        self._c.execute("SELECT clock_timestamp()")
        row = self._c.fetchone()
        assert row is not None
        return row[0].astimezone(UTC)  # type: ignore[no-any-return]

    def check_schema(self) -> None:
        from ledger import postgres_schema  # here: it reads this module's tables

        postgres_schema.check_tables(self._c)

    def insert_events(self, rows: Sequence[tuple[str, int, str, bytes]]) -> list[int]:
        if not rows:
            return []
        oids, versions, topics, states = zip(*rows, strict=True)
        self._c.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::bytea[]) "
            "RETURNING originator_id, originator_version, notification_id",
            (list(oids), list(versions), list(topics), list(states)),
        )
        ids = {(oid, version): nid for oid, version, nid in self._c.fetchall()}
        return [ids[(oid, version)] for oid, version, _, _ in rows]


class PostgresLedgerApplication(LedgerApplication):
    """The eventsourcing application over a PostgreSQL database (`ledger.postgres_store`)."""

    def construct_recorder(self) -> PostgresEntryRecorder:  # type: ignore[override]
        recorder = PostgresEntryRecorder(self.factory.datastore)  # type: ignore[attr-defined]
        recorder.create_table()
        return recorder
