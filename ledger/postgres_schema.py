"""Is this PostgreSQL schema a ledger? Our tables as the recorder creates them (columns, types,
nullability, keys, indexes, no default but eventsourcing's sequence), eventsourcing's
`stored_events`, plain tables only, and no trigger, rule or row security that would run or
filter anything on our reads and writes."""

from __future__ import annotations

import re
from typing import Any

from ledger.postgres_recorder import TABLES

_TYPES = {"TEXT": "text", "BIGINT": "bigint", "INTEGER": "integer", "BYTEA": "bytea"}
NULLABLE = {("ledger_entries", "target"), ("stored_events", "topic"), ("stored_events", "state")}
SEQUENCE = re.compile(r"nextval\('(?:\w+\.)?stored_events_notification_id_seq'::regclass\)")

COLUMNS = (
    "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = ANY(%s) ORDER BY table_name, ordinal_position"
)
NAMESPACE = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
RELATIONS = (
    f"SELECT relname, relkind, relrowsecurity FROM pg_class WHERE relnamespace = {NAMESPACE} "
    "AND relname = ANY(%s)"
)
CONSTRAINTS = (
    "SELECT c.relname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
    f"JOIN pg_class c ON c.oid = k.conrelid WHERE k.connamespace = {NAMESPACE} "
    "AND c.relname = ANY(%s) ORDER BY 1, 2"
)
INDEXES = (
    "SELECT tablename, indexname, indexdef FROM pg_indexes "
    "WHERE schemaname = current_schema() AND tablename = ANY(%s) ORDER BY 1, 2"
)
HOOKS = (
    "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    f"WHERE c.relnamespace = {NAMESPACE} AND NOT t.tgisinternal "
    "UNION ALL SELECT tablename, rulename FROM pg_rules WHERE schemaname = current_schema() "
    "UNION ALL SELECT tablename, policyname FROM pg_policies WHERE schemaname = current_schema() LIMIT 1"
)


def _expected() -> dict[str, list[tuple[str, str, str]]]:
    tables = {
        name: [
            (item.split()[0], _TYPES[item.split()[1]])
            for item in columns.split(", ")
            if len(item.split()) > 1 and not item.startswith("PRIMARY KEY")  # not "rank" of a key list
        ]
        for name, columns in TABLES.items()
    }
    tables["stored_events"] = [
        ("originator_id", "text"),
        ("originator_version", "bigint"),
        ("topic", "text"),
        ("state", "bytea"),
        ("notification_id", "bigint"),
    ]
    return {
        name: [(c, kind, "YES" if (name, c) in NULLABLE else "NO") for c, kind in columns]
        for name, columns in tables.items()
    }


EXPECTED = _expected()
KEYS = sorted(
    [
        ("checkpoints", "PRIMARY KEY (size)"),
        ("ledger_entries", "PRIMARY KEY (seq)"),
        ("ledger_entries", "UNIQUE (fact_id)"),
        ("ledger_meta", "PRIMARY KEY (key)"),
        ("merkle_nodes", "PRIMARY KEY (level, idx)"),
        ("projection_snapshots", "PRIMARY KEY (effective)"),
        ("replay_index", "PRIMARY KEY (effective, rank, seq)"),
        ("stored_events", "PRIMARY KEY (originator_id, originator_version)"),
    ]
)
INDEX_DEFS = sorted(
    [
        *(
            (table, f"{table}_pkey", f"CREATE UNIQUE INDEX {table}_pkey ON {table} USING btree ({columns})")
            for table, columns in (
                ("checkpoints", "size"),
                ("ledger_entries", "seq"),
                ("ledger_meta", "key"),
                ("merkle_nodes", "level, idx"),
                ("projection_snapshots", "effective"),
                ("replay_index", "effective, rank, seq"),
                ("stored_events", "originator_id, originator_version"),
            )
        ),
        (
            "ledger_entries",
            "ledger_entries_fact_id_key",
            "CREATE UNIQUE INDEX ledger_entries_fact_id_key ON ledger_entries USING btree (fact_id)",
        ),
        (
            "ledger_entries",
            "ledger_entries_target",
            "CREATE INDEX ledger_entries_target ON ledger_entries USING btree (seq, target) "
            "WHERE (target IS NOT NULL)",
        ),
        (
            "stored_events",
            "stored_events_notification_id_idx",
            "CREATE UNIQUE INDEX stored_events_notification_id_idx ON stored_events "
            "USING btree (notification_id)",
        ),
    ]
)
ALTERED = "the ledger's schema was altered"


def problem(cur: Any) -> str | None:
    """What makes the current schema other than a ledger's, or None ("empty": nothing of ours is
    there; "not a ledger": other tables). `cur` yields tuples."""
    names = list(EXPECTED)
    cur.execute(COLUMNS, (names,))
    found: dict[str, list[tuple[str, str, str]]] = {}
    for table, column, kind, nullable, default in cur.fetchall():
        found.setdefault(table, []).append((column, kind, nullable))
        if default is not None and not (
            (table, column) == ("stored_events", "notification_id") and SEQUENCE.fullmatch(default)
        ):
            return f"{ALTERED}: column {table}.{column} has a default {default!r}"
    if not found:
        return "empty"
    if "ledger_meta" not in found:
        return "not a ledger"
    for table, columns in EXPECTED.items():
        if table not in found:
            return f"{ALTERED}: table {table!r} is missing"
        if found[table] != columns:
            return f"{ALTERED}: table {table!r} has columns {found[table]!r}"
    cur.execute(RELATIONS, (names,))
    for name, kind, secured in cur.fetchall():
        if kind != "r" or secured:
            return f"{ALTERED}: {name!r} is not a plain table"
    cur.execute(CONSTRAINTS, (names,))
    keys = [(table, definition) for table, definition in cur.fetchall()]
    if keys != KEYS:
        key = sorted(set(keys) ^ set(KEYS))[0]
        what = "missing" if key in KEYS else "not a ledger's"
        return f"{ALTERED}: the key {key[1]} on {key[0]} is {what}"
    cur.execute(INDEXES, (names,))
    schema_prefix = re.compile(r" ON \w+\.")
    indexes = [
        (table, name, schema_prefix.sub(" ON ", definition, 1)) for table, name, definition in cur.fetchall()
    ]
    if indexes != INDEX_DEFS:
        index = sorted(set(indexes) ^ set(INDEX_DEFS))[0]
        what = "missing" if index in INDEX_DEFS else "not a ledger's"
        return f"{ALTERED}: index {index[1]!r} on {index[0]} is {what}"
    cur.execute(HOOKS)
    hook = cur.fetchone()
    if hook is not None:
        return f"{ALTERED}: {hook[1]!r} on {hook[0]} is not a ledger's"
    return None


def check_tables(cur: Any) -> None:
    """Under the write lock: the tables are still a ledger's."""
    from eventsourcing.persistence import PersistenceError

    found = problem(cur)
    if found is not None:
        raise PersistenceError(f"{found}; nothing was written")
