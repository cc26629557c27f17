"""Holding a ledger's write lock from a test, as another writer would, on either backend."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg


def hold_write_lock(db: str | Path) -> Any:
    """Take the write lock on a connection of our own (call `.rollback()` and `.close()` to let
    go): in SQLite `BEGIN IMMEDIATE` (the recorder's transaction does the same with its first
    UPDATE), in PostgreSQL eventsourcing's `LOCK TABLE stored_events IN EXCLUSIVE MODE`."""
    if isinstance(db, str) and db.startswith("postgresql://"):
        base, _, schema = db.partition("?schema=")
        conn = psycopg.connect(base, options=f"-c search_path={schema or 'public'}")
        conn.execute("LOCK TABLE stored_events IN EXCLUSIVE MODE")  # psycopg opened a transaction
        return conn
    holder = sqlite3.connect(db, isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    return holder
