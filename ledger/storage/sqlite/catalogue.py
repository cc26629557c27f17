"""Is this SQLite file a ledger? Checked on opening in two small queries whatever its size: its
schema is exactly the one the store creates (no trigger, view, index or table more, none
missing, none defined otherwise) and `ledger_meta` holds exactly our format and an origin.

SQLite keeps whatever anyone writes into a file; a schema with a trigger or view we did not
create is refused before anything runs against it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from functools import cache
from typing import Any

from ledger.errors import LedgerCorrupt
from ledger.storage.checks import check_meta
from ledger.storage.constants import FORMAT, NOT_A_LEDGER
from ledger.storage.migration import MIGRATABLE
from ledger.storage.sqlite.recorder import table_statements

# SQLite's own statistics tables (made by ANALYZE) change no result and are allowed.
SCHEMA = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master "
    "WHERE name NOT IN ('sqlite_stat1', 'sqlite_stat2', 'sqlite_stat3', 'sqlite_stat4') LIMIT 100"
)


@cache
def expected() -> dict[str, tuple[Any, ...]]:
    """Every table and index of a ledger, by name, as sqlite_master lists them: made by running
    the store's own statements on an empty database in memory, so it cannot drift from them."""
    with closing(sqlite3.connect(":memory:")) as db:
        for statement in table_statements():
            db.execute(statement)
        return {row[1]: tuple(row) for row in db.execute(SCHEMA)}


def check(path: str, schema: Sequence[Sequence[Any]], meta: Sequence[Sequence[Any]] | None) -> None:
    """LedgerCorrupt unless `schema` (rows of SCHEMA, not empty) is exactly a ledger's tables and
    indexes, and `meta` (rows of `storage.sql.META`; None: unreadable) exactly our format and a
    well-formed origin."""
    want = expected()
    found = {row[1]: tuple(row) for row in schema}
    if "ledger_meta" not in found:
        what = ", ".join(f"{row[0]} {name!r}" for name, row in sorted(found.items())[:3])
        raise LedgerCorrupt(f"{NOT_A_LEDGER} (it holds {what})", path=path)
    found_format = None if meta is None else {key: value for key, value in meta}.get("format")
    if meta is not None and found_format != FORMAT and found_format not in MIGRATABLE:
        check_meta(path, meta)  # another format first: its schema differs too
    altered = "the ledger's schema was altered"
    for name, (kind, _, table, _) in sorted(found.items()):
        if name not in want:
            on = f" on {table}" if table != name else ""
            raise LedgerCorrupt(f"{altered}: {kind} {name!r}{on} is not a ledger's", path=path)
    for name, row in want.items():
        have = found.get(name)
        if have is None:
            raise LedgerCorrupt(f"{altered}: {row[0]} {name!r} is missing", path=path)
        if have != row:
            raise LedgerCorrupt(f"{altered}: {row[0]} {name!r} is now {have[3]!r}", path=path)
    if meta is None:
        raise LedgerCorrupt("cannot read the ledger: its table ledger_meta is damaged", path=path)
    check_meta(path, meta)
