"""What the SQLite store takes from eventsourcing: its recorder's `stored_events` table and its
insert statement, read off `SQLiteApplicationRecorder` itself so that they cannot drift.

The ledger writes through its own connection (`storage.sqlite.store`): a fact's stored event goes
in with eventsourcing's insert, in the transaction that writes the entry's other rows. On SQLite
eventsourcing has no lock of its own beyond SQLite's write lock, which the writer takes first;
and its recorder's reads (`select_notifications`) serve the stock read path the fast loop is
measured against (`ledger.baseline`).
"""

from __future__ import annotations

from functools import cache

from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

from ledger.storage import schema
from ledger.storage.constants import FORMAT


@cache
def _recorder_statements() -> tuple[list[str], str]:
    datastore = SQLiteDatastore(":memory:")  # no connection is made: only the statements are read
    try:
        recorder = SQLiteApplicationRecorder(datastore)
        return list(recorder.create_table_statements), recorder.insert_events_statement
    finally:
        datastore.close()


def create_statements(origin: str) -> list[str]:
    """Every statement that makes a new ledger: eventsourcing's table, ours, and our first rows."""
    meta = ", ".join(f"('{key}', '{value}')" for key, value in schema.meta_rows(origin, FORMAT))
    return [
        *_recorder_statements()[0],
        *schema.sqlite_statements(),
        f"INSERT OR IGNORE INTO ledger_meta VALUES {meta}",
    ]


def table_statements() -> list[str]:
    """The statements that make a ledger's tables and indexes (for the expected catalogue)."""
    return [*_recorder_statements()[0], *schema.sqlite_statements()]


def insert_events_statement() -> str:
    """eventsourcing's insert of one stored event: (originator_id, version, topic, state)."""
    return _recorder_statements()[1]
