"""The SQL the fast replay loop runs: one text for the sync (sqlite3) and async (aiosqlite) stores."""

from __future__ import annotations

from collections.abc import Sequence

# How many entries were recorded at or before a moment (recording times never decrease with seq).
KNOWN_AT = "SELECT count(*) FROM ledger_entries WHERE recorded_at <= ?"
# The facts retracted or superseded by the first N entries.
CORRECTED = "SELECT target FROM ledger_entries WHERE target IS NOT NULL AND seq < ?"
# The latest projection snapshot on or before a day, valid for N entries.
SNAPSHOT = (
    "SELECT effective, state FROM projection_snapshots "
    "WHERE size = ? AND effective <= ? ORDER BY effective DESC LIMIT 1"
)
# Entries are numbered 0..n-1 without gaps (verify checks it): O(log n) through the primary key.
SIZE = "SELECT coalesce(max(seq) + 1, 0) FROM ledger_entries"
NODE = "SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?"
# The Merkle leaf hashes of entries start..end-1 (below ledger.tree.LOWEST_STORED, nodes come from these).
LEAVES = "SELECT leaf FROM ledger_entries WHERE seq >= ? AND seq < ? ORDER BY seq"
# An entry with its stored bytes and Merkle leaf hash (a `Row`); eventsourcing numbers its stored
# events by rowid in SQLite (`notification_id` in PostgreSQL: see `for_postgres`).
ENTRY = (
    "SELECT e.seq, e.fact_id, e.type, e.effective, e.recorded_at, e.target, s.topic, s.state, e.leaf "
    "FROM ledger_entries e LEFT JOIN stored_events s ON s.rowid = e.notification_id"
)
# Entries in recording order, seq from ? to ? (excluded).
ENTRIES = f"{ENTRY} WHERE e.seq >= ? AND e.seq < ? ORDER BY e.seq"


def replay(skip_ranks: Sequence[int] = ()) -> str:
    """Rows (seq, fact_id, type, effective, payload) with effective day in (?, ?], in replay order
    (the replay index is clustered that way: one range scan), without the ranks in `skip_ranks`."""
    skip = f"AND rank NOT IN ({','.join(str(int(r)) for r in skip_ranks)}) " if skip_ranks else ""
    return (
        "SELECT seq, fact_id, type, effective, payload FROM replay_index "
        f"WHERE effective > ? AND effective <= ? {skip}ORDER BY effective, rank, seq"
    )


def for_postgres(sql: str) -> str:
    """The same statement for PostgreSQL (psycopg): `%s` placeholders, and eventsourcing's
    `notification_id` column where SQLite has the rowid. Our SQL holds no other `?` or `%`."""
    return sql.replace("?", "%s").replace("s.rowid", "s.notification_id")
