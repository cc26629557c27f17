"""Is this PostgreSQL schema a ledger? Our tables' columns and types as the recorder creates
them, eventsourcing's `stored_events`, and no trigger or rule that would run on our writes."""

from __future__ import annotations

from typing import Any

from ledger.postgres_recorder import TABLES

_TYPES = {"TEXT": "text", "BIGINT": "bigint", "INTEGER": "integer", "BYTEA": "bytea", "BIGSERIAL": "bigint"}

COLUMNS = (
    "SELECT table_name, column_name, data_type FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = ANY(%s) ORDER BY table_name, ordinal_position"
)
HOOKS = (
    "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal "
    "UNION ALL SELECT tablename, rulename FROM pg_rules WHERE schemaname = current_schema() LIMIT 1"
)


def _expected() -> dict[str, list[tuple[str, str]]]:
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
    return tables


EXPECTED = _expected()


def problem(cur: Any) -> str | None:
    """What makes the current schema other than a ledger's, or None. `cur` yields tuples."""
    cur.execute(COLUMNS, (list(EXPECTED),))
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in cur.fetchall():
        found.setdefault(table, []).append((column, kind))
    if not found:
        return "empty"
    if "ledger_meta" not in found:
        return "not a ledger"
    for table, columns in EXPECTED.items():
        if table not in found:
            return f"the ledger's schema was altered: table {table!r} is missing"
        if found[table] != columns:
            return f"the ledger's schema was altered: table {table!r} has columns {found[table]!r}"
    cur.execute(HOOKS)
    hook = cur.fetchone()
    if hook is not None:
        return f"the ledger's schema was altered: {hook[1]!r} on {hook[0]} is not a ledger's"
    return None


def check_tables(cur: Any) -> None:
    """Under the write lock: the tables are still a ledger's."""
    from eventsourcing.persistence import PersistenceError

    found = problem(cur)
    if found is not None:
        raise PersistenceError(f"{found}; nothing was written")
