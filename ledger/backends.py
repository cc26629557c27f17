"""Which store a ledger's name selects: a PostgreSQL URL, or else a SQLite file path."""

from __future__ import annotations

from pathlib import Path

from ledger.sqlite_store import SQLiteStore
from ledger.store import LOCK_TIMEOUT_S, Store

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_url(target: str | Path) -> bool:
    """A database URL rather than a file: `scheme://...`."""
    return isinstance(target, str) and "://" in target


def shown(target: str | Path) -> str:
    """How messages name a ledger: its path, or its URL without the password. The password is
    whatever lies between the first `:` after `scheme://` and the last `@`, even where it holds a
    `/`, `?` or `#` that a URL parser would take for the end of the host part."""
    if isinstance(target, str) and is_url(target):
        scheme, _, rest = target.partition("://")
        userinfo, at, host = rest.rpartition("@")
        if at and ":" in userinfo:
            return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}"
    return str(target)


def open_store(target: str | Path, *, create: bool = False, lock_timeout: int = LOCK_TIMEOUT_S) -> Store:
    """The ledger at `target`; with `create`, made when it does not exist yet."""
    if isinstance(target, str) and target.startswith(POSTGRES_SCHEMES):
        from ledger.postgres_store import PostgresStore  # psycopg is loaded only for PostgreSQL

        return (
            PostgresStore.create(target, lock_timeout) if create else PostgresStore.open(target, lock_timeout)
        )
    if is_url(target):
        from ledger.errors import UsageError

        scheme = str(target).split("://", 1)[0]
        raise UsageError(f"{scheme}://: a ledger is a SQLite file path or a postgresql:// URL")
    path = Path(target)
    return SQLiteStore.create(path, lock_timeout) if create else SQLiteStore.open(path, lock_timeout)
