"""The ledger's own tables, described once: the SQLite and PostgreSQL statements that create them
and the catalogue each backend expects to find come from this description.

Beside them lives eventsourcing's `stored_events` table, which its recorder creates (one row per
fact at version 1 of the fact's aggregate, one per correction at version 2 of the target's);
`STORED_EVENTS` describes the columns the ledger relies on, so that each backend's check of an
opened database covers it too.
"""

from __future__ import annotations

import uuid
from typing import Literal, NamedTuple

Kind = Literal["int", "bigint", "text", "blob"]


class Column(NamedTuple):
    name: str
    kind: Kind
    null: bool = False


class Table(NamedTuple):
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the primary key
    unique: tuple[str, ...] = ()  # single columns with a unique constraint
    without_rowid: bool = False  # SQLite: a clustered table (the key is the B-tree's order)
    why: str = ""


class Index(NamedTuple):
    name: str
    table: str
    columns: tuple[str, ...]
    where: str | None = None


TABLES: tuple[Table, ...] = (
    Table(
        "ledger_meta",
        (Column("key", "text"), Column("value", "text")),
        key=("key",),
        why="the format and the checkpoint origin",
    ),
    Table(
        "ledger_entries",
        (
            Column("seq", "bigint"),
            Column("fact_id", "text"),
            Column("notification_id", "bigint"),
            Column("type", "text"),
            Column("effective", "int"),
            Column("recorded_at", "text"),
            Column("target", "text", null=True),
            Column("leaf", "blob"),
        ),
        key=("seq",),
        unique=("fact_id",),
        why="one row per entry: its position, its stored event, its recording time, the fact it "
        "corrects and its Merkle leaf hash",
    ),
    Table(
        "replay_index",
        (
            Column("effective", "int"),
            Column("rank", "int"),
            Column("seq", "bigint"),
            Column("fact_id", "text"),
            Column("type", "text"),
            Column("payload", "blob"),
        ),
        key=("effective", "rank", "seq"),
        without_rowid=True,
        why="the facts replay folds, clustered in replay order (contract section 4): a replay to "
        "any date is one range scan",
    ),
    Table(
        "projection_snapshots",
        (Column("effective", "int"), Column("size", "bigint"), Column("state", "blob")),
        key=("effective",),
        why="a projection's state after every fact of day `effective`, valid for `size` entries",
    ),
    Table(
        "merkle_nodes",
        (Column("level", "int"), Column("idx", "bigint"), Column("hash", "blob")),
        key=("level", "idx"),
        without_rowid=True,
        why="every complete subtree of 16 leaves or more (`ledger.log.tree`)",
    ),
    Table(
        "checkpoints",
        (Column("size", "bigint"), Column("root", "blob"), Column("timestamp", "text")),
        key=("size",),
        why="the checkpoint each import recorded: size, root, time",
    ),
)

INDEXES: tuple[Index, ...] = (
    Index("ledger_entries_target", "ledger_entries", ("seq", "target"), "target IS NOT NULL"),
)

# eventsourcing's table (its recorder creates it), as the ledger reads and checks it.
STORED_EVENTS = Table(
    "stored_events",
    (
        Column("originator_id", "text"),
        Column("originator_version", "bigint"),
        Column("topic", "text", null=True),
        Column("state", "blob", null=True),
    ),
    key=("originator_id", "originator_version"),
)

_SQLITE_TYPES = {"int": "INTEGER", "bigint": "INTEGER", "text": "TEXT", "blob": "BLOB"}
_POSTGRES_TYPES = {"int": "INTEGER", "bigint": "BIGINT", "text": "TEXT", "blob": "BYTEA"}
POSTGRES_CATALOGUE_TYPES = {"int": "integer", "bigint": "bigint", "text": "text", "blob": "bytea"}


def _create(table: Table, types: dict[str, str], suffix: str) -> str:
    inline = len(table.key) == 1
    parts = []
    for c in table.columns:
        text = f"{c.name} {types[c.kind]}"
        if inline and c.name == table.key[0]:
            text += " PRIMARY KEY"
        elif not c.null:
            text += " NOT NULL"
        if c.name in table.unique:
            text += " UNIQUE"
        parts.append(text)
    if not inline:
        parts.append(f"PRIMARY KEY ({', '.join(table.key)})")
    return f"CREATE TABLE IF NOT EXISTS {table.name} ({', '.join(parts)}){suffix}"


def _index(index: Index) -> str:
    where = f" WHERE {index.where}" if index.where else ""
    return f"CREATE INDEX IF NOT EXISTS {index.name} ON {index.table} ({', '.join(index.columns)}){where}"


def sqlite_statements() -> list[str]:
    """The SQLite statements that create the ledger's tables and indexes (not its rows)."""
    tables = [_create(t, _SQLITE_TYPES, " WITHOUT ROWID" if t.without_rowid else "") for t in TABLES]
    # The index follows its table, as the first ledgers were created (sqlite_master keeps the order).
    return [*tables[:2], *(_index(i) for i in INDEXES), *tables[2:]]


def postgres_statements() -> list[str]:
    """The PostgreSQL statements that create the ledger's tables and indexes (not its rows)."""
    return [*(_create(t, _POSTGRES_TYPES, "") for t in TABLES), *(_index(i) for i in INDEXES)]


def new_origin() -> str:
    """A checkpoint origin unique to a new ledger (C2SP: a schema-less URL-like name)."""
    return f"timeline-ledger.local/{uuid.uuid4().hex[:16]}"


def meta_rows(origin: str, format_: str) -> list[tuple[str, str]]:
    """The rows `ledger_meta` starts with."""
    return [("format", format_), ("origin", origin)]
