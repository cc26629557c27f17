"""The SQL every backend runs, one text each, with `?` placeholders (`for_postgres` translates).

Long reads are pages: short queries on a primary key (`... > (?, ?, ?) ORDER BY ... LIMIT ?`),
each complete before the caller sees its rows, so nothing is held open while a caller iterates
and a read nested in another cannot wait for it. The log only grows and every read is bounded by
a horizon fixed first, so pages read at different moments still add up to one answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

PAGE = 4096  # rows of a long read fetched by one query

SIZE = "SELECT coalesce(max(seq) + 1, 0) FROM ledger_entries"
# How many entries were recorded at or before a moment (recording times never decrease with seq).
KNOWN_AT = "SELECT count(*) FROM ledger_entries WHERE recorded_at <= ?"
# The facts retracted or superseded by the first N entries.
CORRECTED = "SELECT target FROM ledger_entries WHERE target IS NOT NULL AND seq < ?"
# The latest projection snapshot on or before a day, valid for N entries.
SNAPSHOT = (
    "SELECT effective, state FROM projection_snapshots "
    "WHERE size = ? AND effective <= ? ORDER BY effective DESC LIMIT 1"
)
SNAPSHOTS = "SELECT effective, state FROM projection_snapshots WHERE size = ? ORDER BY effective"
ORIGIN = "SELECT value FROM ledger_meta WHERE key = 'origin'"
META = "SELECT key, value FROM ledger_meta LIMIT 10"
SEQ_OF = "SELECT seq FROM ledger_entries WHERE fact_id = ?"
CHECKPOINTS = "SELECT size, root, timestamp FROM checkpoints ORDER BY size"
CHECKPOINT = "SELECT size, root, timestamp FROM checkpoints WHERE size = ?"
# An entry with its stored bytes and Merkle leaf hash (a `Row`); eventsourcing numbers its stored
# events by rowid in SQLite (`notification_id` in PostgreSQL: see `for_postgres`).
ENTRY = (
    "SELECT e.seq, e.fact_id, e.type, e.effective, e.recorded_at, e.target, s.topic, s.state, e.leaf "
    "FROM ledger_entries e LEFT JOIN stored_events s ON s.rowid = e.notification_id"
)
# A page of entries in recording order: seq from ? up to ? (excluded), at most ? of them.
ENTRIES = f"{ENTRY} WHERE e.seq >= ? AND e.seq < ? ORDER BY e.seq LIMIT ?"
FIND = f"{ENTRY} WHERE e.fact_id IN"  # + a list of ids (`in_list`)
CORRECTIONS = "SELECT originator_id, topic, state FROM stored_events WHERE originator_version = 2"
CORRECTIONS_OF = f"{CORRECTIONS} AND originator_id IN"  # + a list of aggregate ids
FACT_EVENTS = "SELECT count(*) FROM stored_events WHERE originator_version <> 2 OR originator_version IS NULL"
# The Merkle leaf hashes of entries start..end-1 (below ledger.log.tree.LOWEST_STORED, nodes come
# from these).
LEAVES = "SELECT seq, leaf FROM ledger_entries WHERE seq >= ? AND seq < ? ORDER BY seq"
NODES_OF_LEVEL = "SELECT idx, hash FROM merkle_nodes WHERE level = ? AND idx >= ? ORDER BY idx LIMIT ?"
STRAY_NODE = (
    "SELECT level, idx FROM merkle_nodes "
    "WHERE level < ? OR idx < 0 OR idx >= (CAST(? AS BIGINT) >> level) LIMIT 1"
)
# Every replay index row (effective, rank, seq, fact_id, type, payload), a page in replay order.
INDEX_ROWS = (
    "SELECT effective, rank, seq, fact_id, type, payload FROM replay_index "
    "WHERE (effective, rank, seq) > (?, ?, ?) ORDER BY effective, rank, seq LIMIT ?"
)
# The first key of a replay page: below every row of a day (ranks and seqs are never negative).
BEFORE_DAY_RANK, BEFORE_DAY_SEQ = 1 << 30, 1 << 62
# Below every row of the replay index, day 0 (descriptions: `ledger.facts.replay_day`) included.
FIRST_KEY = (-1, BEFORE_DAY_RANK, BEFORE_DAY_SEQ)


@cache
def replay(skip_ranks: tuple[int, ...] = ()) -> str:
    """A page of rows (seq, fact_id, type, effective, payload, rank) in replay order after the key
    (effective, rank, seq) = (?, ?, ?) with effective day <= ?, at most ? of them, without the
    ranks in `skip_ranks`. The replay index is clustered in that order: each page is one range
    scan of its primary key. A page starts after (day, BEFORE_DAY_RANK, BEFORE_DAY_SEQ) to skip
    the whole of `day`, which no rank or seq reaches."""
    skip = f"AND rank NOT IN ({','.join(str(int(r)) for r in skip_ranks)}) " if skip_ranks else ""
    return (
        "SELECT seq, fact_id, type, effective, payload, rank FROM replay_index "
        f"WHERE (effective, rank, seq) > (?, ?, ?) AND effective <= ? {skip}"
        "ORDER BY effective, rank, seq LIMIT ?"
    )


# Whole effective days of the replay index fetched by the first query of a replay; the next ask
# for about `rows` (PAGE_ROWS, or EXPORT_ROWS for the timeline) at the density met so far, at most
# DAYS_MAX days (a page is one value, and SQLite's largest is 1e9 bytes: a page of 2,048 days
# reaches it only with some 5 million facts in them, right after days so sparse that 2,048 of
# them were asked for at once).
DAYS, DAYS_MAX = 64, 2_048
# A page's rows: enough that folding one takes far longer than fetching the next in another thread
# (`ledger.reading.plans.Ahead`), which waits for the GIL about three times a query (5 ms each
# while the fold holds it); few enough that memory holds one page whatever the ledger's size.
PAGE_ROWS, EXPORT_ROWS = 16_384, 4_096
AHEAD_ROWS = 2_048  # the rows a page needs for the next to be read ahead while it is folded
# A day's payloads, concatenated in replay order (the GROUP BY walks the primary key, so its rows
# come in (effective, rank, seq) order), then the page's days concatenated in day order (the
# subquery's); PostgreSQL says both orders (`for_postgres`).
_CONCAT = "CAST(group_concat(payload, '') AS BLOB)"
_PG_CONCAT = "string_agg(payload, ''::bytea ORDER BY rank, seq)"
_SEQS = "group_concat(seq, ',')"  # a day's seqs, in the same order: "3,17,4"
_PG_SEQS = "string_agg(seq::text, ',' ORDER BY rank, seq)"
# A day whose payloads are all NULL (a tampered file) is listed all the same, with length -1: NULL
# would drop it from the list (`group_concat` skips NULLs), and the page would end early.
_DAY = "'[' || effective || ',' || n || ',' || unknown || ',' || coalesce(length(payloads), -1) || ']'"
_DAYS_LIST = f"'[' || group_concat({_DAY}, ',') || ']'"
_PG_DAYS_LIST = f"'[' || string_agg({_DAY}, ',' ORDER BY effective) || ']'"
_PAGE_SEQS = "group_concat(seqs, ',')"
_PG_PAGE_SEQS = "string_agg(seqs, ',' ORDER BY effective)"
_PAGE_CONCAT = "CAST(group_concat(payloads, '') AS BLOB)"
_PG_PAGE_CONCAT = "string_agg(payloads, ''::bytea ORDER BY effective)"


@cache
def replay_page(types: tuple[str, ...], skip_ranks: tuple[int, ...] = (), *, seqs: bool = False) -> str:
    """A page of whole days of the replay index as one row: (the days as JSON, `[[effective, how
    many rows, how many of them have a type column not in `types`, how many payload bytes], ...]`
    in replay order (NULL for no day), [with `seqs`: the rows' seqs as text, "3,17,4",] their
    payloads concatenated in replay order), for the days after ? up to ? (included), of the rows
    with seq < ?, without the ranks in `skip_ranks`, at most ? days. One row a page, not one a fact
    nor one a day: SQLite builds the page's bytes with the GIL released, so a page can be fetched
    in another thread while the loop folds the one before (`ledger.reading.plans.Ahead`), and the
    loop cuts each day's payloads out of the page's bytes and decodes them with one call."""
    skip = f"AND rank NOT IN ({','.join(str(int(r)) for r in skip_ranks)}) " if skip_ranks else ""
    known = " ".join(f"WHEN '{t}' THEN 0" for t in types if t.isalpha())
    inner_seqs, outer_seqs = (f"{_SEQS} AS seqs, ", f"{_PAGE_SEQS}, ") if seqs else ("", "")
    return (
        f"SELECT {_DAYS_LIST}, {outer_seqs}{_PAGE_CONCAT} FROM ("
        f"SELECT effective, count(*) AS n, sum(CASE type {known} ELSE 1 END) AS unknown, {inner_seqs}"
        f"{_CONCAT} AS payloads FROM replay_index "
        f"WHERE effective > ? AND effective <= ? AND seq < ? {skip}"
        "GROUP BY effective ORDER BY effective LIMIT ?) AS days"
    )


def in_list(select: str, count: int) -> str:
    """`select` (ending in `... IN`) with a list of `count` placeholders."""
    return f"{select} ({','.join('?' * count)})"


def nodes(count: int) -> str:
    """The stored Merkle nodes among `count` (level, idx) pairs: (level, idx, hash) rows, each
    found through the primary key."""
    return "SELECT level, idx, hash FROM merkle_nodes WHERE " + " OR ".join(
        ["(level = ? AND idx = ?)"] * count
    )


def leaf_ranges(count: int) -> str:
    """The leaf hashes of `count` ranges of entries [?, ?): (seq, leaf) rows by seq. One range
    scan of the primary key per range (a WHERE of ORed ranges made SQLite scan the whole table:
    40 ms a proof at 100,000 entries, against well under 1 ms)."""
    one = "SELECT seq, leaf FROM ledger_entries WHERE seq >= ? AND seq < ?"
    return " UNION ALL ".join([one] * count) + " ORDER BY seq"


@cache
def for_postgres(statement: str) -> str:
    """The same statement for PostgreSQL (psycopg): `%s` placeholders, and eventsourcing's
    `notification_id` column where SQLite has the rowid. Our SQL holds no other `?` or `%`."""
    postgres = statement.replace("?", "%s").replace("s.rowid", "s.notification_id")
    for ours, theirs in (
        (_DAYS_LIST, _PG_DAYS_LIST),
        (_PAGE_SEQS, _PG_PAGE_SEQS),
        (_PAGE_CONCAT, _PG_PAGE_CONCAT),
        (_CONCAT, _PG_CONCAT),
        (_SEQS, _PG_SEQS),
    ):
        postgres = postgres.replace(ours, theirs)
    return postgres


def chunks(keys: Sequence[str], size: int = 500) -> list[list[str]]:
    """Distinct keys in lists of at most `size`, one statement each."""
    unique = list(dict.fromkeys(keys))
    return [unique[i : i + size] for i in range(0, len(unique), size)]
