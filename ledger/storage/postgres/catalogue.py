"""Is this PostgreSQL schema a ledger? Our tables as `storage.schema` describes them (columns,
types, nullability, keys, indexes, no default but eventsourcing's sequence), eventsourcing's
`stored_events`, plain tables only, and no trigger, rule or row security that would run or
filter anything on our reads and writes. Written as a plan (`ledger.reading.plans`), so that the
synchronous store and the asyncio reader run the same check."""

from __future__ import annotations

import re

from ledger.reading.plans import Plan, Query
from ledger.storage import constants, schema
from ledger.storage.schema import POSTGRES_CATALOGUE_TYPES, STORED_EVENTS, Table

SEQUENCE = re.compile(r"nextval\('(?:\w+\.)?stored_events_notification_id_seq'::regclass\)")
ALTERED = "the ledger's schema was altered"
EMPTY = "empty"
# A schema holding tables that are not a ledger's: `f"{NOT_A_LEDGER} (it holds table 'x')"`.
NOT_A_LEDGER = constants.NOT_A_LEDGER

COLUMNS = (
    "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = ANY(?) ORDER BY table_name, ordinal_position"
)
NAMESPACE = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
RELATIONS = (
    f"SELECT relname, relkind, relrowsecurity FROM pg_class WHERE relnamespace = {NAMESPACE} "
    "AND relname = ANY(?)"
)
CONSTRAINTS = (
    "SELECT c.relname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
    f"JOIN pg_class c ON c.oid = k.conrelid WHERE k.connamespace = {NAMESPACE} "
    "AND c.relname = ANY(?) ORDER BY 1, 2"
)
INDEXES = (
    "SELECT tablename, indexname, indexdef FROM pg_indexes "
    "WHERE schemaname = current_schema() AND tablename = ANY(?) ORDER BY 1, 2"
)
HOOKS = (
    "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    f"WHERE c.relnamespace = {NAMESPACE} AND NOT t.tgisinternal "
    "UNION ALL SELECT tablename, rulename FROM pg_rules WHERE schemaname = current_schema() "
    "UNION ALL SELECT tablename, policyname FROM pg_policies WHERE schemaname = current_schema() LIMIT 1"
)
_SCHEMA_PREFIX = re.compile(r" ON \w+\.")


def _columns(table: Table) -> list[tuple[str, str, str]]:
    return [(c.name, POSTGRES_CATALOGUE_TYPES[c.kind], "YES" if c.null else "NO") for c in table.columns]


# What information_schema lists for each table: our tables, and eventsourcing's with the
# notification id its sequence fills.
EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    **{t.name: _columns(t) for t in schema.TABLES},
    STORED_EVENTS.name: [*_columns(STORED_EVENTS), ("notification_id", "bigint", "NO")],
}
_KEYED = (*schema.TABLES, STORED_EVENTS)
KEYS = sorted(
    [(t.name, f"PRIMARY KEY ({', '.join(t.key)})") for t in _KEYED]
    + [(t.name, f"UNIQUE ({column})") for t in schema.TABLES for column in t.unique]
)
INDEX_DEFS = sorted(
    [
        (
            t.name,
            f"{t.name}_pkey",
            f"CREATE UNIQUE INDEX {t.name}_pkey ON {t.name} USING btree ({', '.join(t.key)})",
        )
        for t in _KEYED
    ]
    + [
        (
            t.name,
            f"{t.name}_{column}_key",
            f"CREATE UNIQUE INDEX {t.name}_{column}_key ON {t.name} USING btree ({column})",
        )
        for t in schema.TABLES
        for column in t.unique
    ]
    + [
        (
            i.table,
            i.name,
            f"CREATE INDEX {i.name} ON {i.table} USING btree ({', '.join(i.columns)})"
            + (f" WHERE ({i.where})" if i.where else ""),
        )
        for i in schema.INDEXES
    ]
    + [
        (
            "stored_events",
            "stored_events_notification_id_idx",
            "CREATE UNIQUE INDEX stored_events_notification_id_idx ON stored_events "
            "USING btree (notification_id)",
        )
    ]
)


# Tables and views of the current schema (not indexes, sequences or types), a few, by name.
OTHERS = (
    f"SELECT relkind, relname FROM pg_class WHERE relnamespace = {NAMESPACE} "
    "AND relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY relname LIMIT 3"
)
_KINDS = {"r": "table", "p": "table", "v": "view", "m": "view", "f": "table"}


def problem() -> Plan[str | None]:
    """What makes the current schema other than a ledger's, or None: `EMPTY` when it holds no
    table or view at all, else `NOT_A_LEDGER` naming what it holds (a schema an application's
    tables are in is no place for a ledger, as SQLite refuses a file that holds other tables)."""
    names = list(EXPECTED)
    found: dict[str, list[tuple[str, str, str]]] = {}
    for table, column, kind, nullable, default in (yield Query(COLUMNS, (names,))):
        found.setdefault(table, []).append((column, kind, nullable))
        if default is not None and not (
            (table, column) == ("stored_events", "notification_id") and SEQUENCE.fullmatch(default)
        ):
            return f"{ALTERED}: column {table}.{column} has a default {default!r}"
    if not found or "ledger_meta" not in found:
        others = yield Query(OTHERS)
        if not others:
            return EMPTY
        what = ", ".join(f"{_KINDS.get(kind, 'table')} {name!r}" for kind, name in others)
        return f"{NOT_A_LEDGER} (it holds {what})"
    for table, columns in EXPECTED.items():
        if table not in found:
            return f"{ALTERED}: table {table!r} is missing"
        if found[table] != columns:
            return f"{ALTERED}: table {table!r} has columns {found[table]!r}"
    for name, kind, secured in (yield Query(RELATIONS, (names,))):
        if kind != "r" or secured:
            return f"{ALTERED}: {name!r} is not a plain table"
    keys = [(table, definition) for table, definition in (yield Query(CONSTRAINTS, (names,)))]
    if keys != KEYS:
        key = sorted(set(keys) ^ set(KEYS))[0]
        what = "missing" if key in KEYS else "not a ledger's"
        return f"{ALTERED}: the key {key[1]} on {key[0]} is {what}"
    indexes = [
        (table, name, _SCHEMA_PREFIX.sub(" ON ", definition, 1))
        for table, name, definition in (yield Query(INDEXES, (names,)))
    ]
    if indexes != INDEX_DEFS:
        index = sorted(set(indexes) ^ set(INDEX_DEFS))[0]
        what = "missing" if index in INDEX_DEFS else "not a ledger's"
        return f"{ALTERED}: index {index[1]!r} on {index[0]} is {what}"
    hooks = yield Query(HOOKS)
    if hooks:
        return f"{ALTERED}: {hooks[0][1]!r} on {hooks[0][0]} is not a ledger's"
    return None


def not_a_ledger(problem: str) -> bool:
    """Whether `problem` says the schema holds tables that are not a ledger's."""
    return problem.startswith(NOT_A_LEDGER)


SCHEMA_HINT = "; a ledger needs a schema of its own: add ?schema=NAME to the URL"
