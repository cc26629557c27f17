"""How a ledger is named: a SQLite file path, or a PostgreSQL URL; and how messages show it."""

from __future__ import annotations

from pathlib import Path

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_url(target: str | Path) -> bool:
    """A database URL rather than a file: `scheme://...`."""
    return isinstance(target, str) and "://" in target


def is_postgres(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


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
