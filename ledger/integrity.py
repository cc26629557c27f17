"""What a ledger file must hold, checked as it is read, so that an altered file fails cleanly.

SQLite keeps whatever anyone writes into a file: other tables, triggers and
views, a changed column, text where a hash belongs. Opening a ledger checks, in
two small queries whatever the ledger's size, that its schema is exactly the
one the recorder creates and that `ledger_meta` holds exactly our format and a
well-formed origin. Every stored value a command reads is checked for the shape
the code relies on before it is used; a bad one raises `LedgerCorrupt` naming
the entry. Nothing a file holds is ever imported or executed: stored types are
looked up in a closed registry (`ledger.mapper`), and a schema with a trigger
or view we did not create is refused before anything runs against it.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventsourcing.sqlite import SQLiteDatastore

from ledger import merkle
from ledger.errors import LedgerCorrupt
from ledger.mapper import StoredEntry, decode_entry
from ledger.merkle import HASH_SIZE
from ledger.sqlite_recorder import FORMAT, EntryRecorder
from ledger.tree import hash_value

if TYPE_CHECKING:
    from ledger.store import Row

MAX_DAY = date.max.toordinal()
NOT_A_LEDGER = "not a timeline-ledger database"

# SQLite's own statistics tables (made by ANALYZE) change no result and are allowed.
SCHEMA = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master "
    "WHERE name NOT IN ('sqlite_stat1', 'sqlite_stat2', 'sqlite_stat3', 'sqlite_stat4') LIMIT 100"
)
META = "SELECT key, value FROM ledger_meta LIMIT 10"
# A C2SP checkpoint origin: printable ASCII without spaces or '+', so it stays one line of a note.
ORIGIN = re.compile(r"[!-*,-~]{1,255}")
RECORDED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


@functools.cache
def ledger_schema() -> dict[str, tuple[Any, ...]]:
    """Every table and index of a ledger, by name, as sqlite_master lists them: made by running
    the recorder's own statements on an empty database in memory, so it cannot drift from them."""
    datastore = SQLiteDatastore(":memory:")
    try:
        statements = EntryRecorder(datastore=datastore).create_table_statements
    finally:
        datastore.close()
    with closing(sqlite3.connect(":memory:")) as db:
        for statement in statements:
            db.execute(statement)
        return {row[1]: tuple(row) for row in db.execute(SCHEMA)}


def check_ledger(
    path: str | Path, schema: Sequence[Sequence[Any]], meta: Sequence[Sequence[Any]] | None
) -> None:
    """LedgerCorrupt unless the file is a ledger of our format: `schema` (from SCHEMA, not empty)
    is exactly a ledger's tables and indexes (no trigger, view, index or table more, none missing,
    none defined otherwise) and `meta` (from META; None: unreadable) exactly our format and a
    well-formed origin."""
    expected = ledger_schema()
    found = {row[1]: tuple(row) for row in schema}
    if "ledger_meta" not in found:
        what = ", ".join(f"{row[0]} {name!r}" for name, row in sorted(found.items())[:3])
        raise LedgerCorrupt(f"{NOT_A_LEDGER} (it holds {what})", path=path)
    if meta is not None and {key: value for key, value in meta}.get("format") != FORMAT:
        check_meta(path, meta)  # another format first: its schema differs too
    altered = "the ledger's schema was altered"
    for name, (kind, _, table, _) in sorted(found.items()):
        if name not in expected:
            on = f" on {table}" if table != name else ""
            raise LedgerCorrupt(f"{altered}: {kind} {name!r}{on} is not a ledger's", path=path)
    for name, want in expected.items():
        have = found.get(name)
        if have is None:
            raise LedgerCorrupt(f"{altered}: {want[0]} {name!r} is missing", path=path)
        if have != want:
            raise LedgerCorrupt(f"{altered}: {want[0]} {name!r} is now {have[3]!r}", path=path)
    if meta is None:
        raise LedgerCorrupt("cannot read the ledger: its table ledger_meta is damaged", path=path)
    check_meta(path, meta)


def check_meta(path: str | Path, meta: Sequence[Sequence[Any]]) -> None:
    """LedgerCorrupt unless `meta` (rows of META) names our format and a well-formed origin, and
    nothing else."""
    values = {key: value for key, value in meta}
    found_format = values.get("format")
    if found_format != FORMAT:
        if isinstance(found_format, str) and found_format.startswith("timeline-ledger/"):
            raise LedgerCorrupt(
                f"a ledger of format {found_format!r}; this version reads {FORMAT!r}", path=path
            )
        raise LedgerCorrupt(NOT_A_LEDGER, path=path)
    origin = values.get("origin")
    if not isinstance(origin, str) or not ORIGIN.fullmatch(origin):
        raise LedgerCorrupt(f"the ledger's origin is missing or was altered: {origin!r}", path=path)
    unknown = sorted(repr(key) for key in values if key not in ("format", "origin"))
    if unknown:
        raise LedgerCorrupt(
            f"ledger_meta holds an unknown key {unknown[0]}: the ledger was altered", path=path
        )


def unreadable(path: str | Path, e: sqlite3.Error) -> LedgerCorrupt:
    """A file SQLite cannot read: not a database at all, or a damaged one."""
    if getattr(e, "sqlite_errorname", "") == "SQLITE_NOTADB":
        return LedgerCorrupt(NOT_A_LEDGER, path=path)
    return LedgerCorrupt(f"cannot read the ledger: {e}", path=path)


def is_day(value: object) -> bool:
    """A day ordinal `date.fromordinal` accepts."""
    return type(value) is int and 0 < value <= MAX_DAY


def stored_entry(row: Row, *, leaf: bool = False) -> StoredEntry:
    """The entry's stored bytes, decoded through our closed registry, once they agree with the
    entry's index row (and, with `leaf`, with its Merkle leaf); LedgerCorrupt naming it otherwise.
    `ledger verify` checks more: the effective day's value, the order of recording times, the tree."""
    try:
        stored = decode_entry(row.topic, row.state)
    except LedgerCorrupt as e:
        raise LedgerCorrupt(e.message, row.seq, row.fact_id) from None
    fact, effective = stored.fact, row.effective
    if (
        fact.id != row.fact_id
        or row.type != fact.TYPE
        or stored.recorded_at != row.recorded_at
        or type(effective) is not int
        or not 0 < effective <= MAX_DAY
        or (leaf and row.leaf != merkle.leaf_hash(row.state))  # type: ignore[arg-type]
    ):
        raise LedgerCorrupt(_disagreement(row, stored, leaf), row.seq, row.fact_id)
    return stored


def _disagreement(row: Row, stored: StoredEntry, leaf: bool) -> str:
    """What is wrong with an entry whose stored bytes decode (only once something is)."""
    fact = stored.fact
    if fact.id != row.fact_id or fact.type != row.type or stored.recorded_at != row.recorded_at:
        return "the stored entry disagrees with its index (id, type or recording time)"
    if type(row.effective) is not int or not 0 < row.effective <= MAX_DAY:
        return f"its indexed effective day {row.effective!r} is not a day"
    if row.leaf is None:
        return "its Merkle leaf is missing"
    if not isinstance(row.leaf, bytes) or len(row.leaf) != HASH_SIZE:
        return "its Merkle leaf is not a hash: the ledger was altered"
    return "its stored bytes do not match its Merkle leaf hash: the entry was altered"


def checkpoint_row(path: str | Path, row: Sequence[Any]) -> tuple[int, bytes, str]:
    """A recorded checkpoint (size, root, timestamp), or LedgerCorrupt."""
    size, root, timestamp = row
    if (
        type(size) is not int
        or size < 0
        or not isinstance(timestamp, str)
        or not RECORDED.fullmatch(timestamp)
    ):
        raise LedgerCorrupt(f"the recorded checkpoint at size {size!r} was altered", path=path)
    return size, hash_value(root, f"the root of the recorded checkpoint at size {size}"), timestamp


def snapshot_row(path: str | Path, day: object, state: object) -> tuple[int, bytes]:
    """A projection snapshot as stored (day ordinal, state), or LedgerCorrupt."""
    if not is_day(day) or not isinstance(state, bytes):
        raise LedgerCorrupt(f"the projection snapshot of day {day!r} was altered", path=path)
    assert isinstance(day, int)
    return day, state
