"""The async readers `AsyncLedger` runs the shared SQL on: one per backend, behind `Reader`.

`ledger.async_sqlite.SQLiteReader` (aiosqlite) and
`ledger.async_postgres.PostgresReader` (psycopg's async API) give rows of the
shared SQL (`ledger.queries`), a short query at a time or a long read a batch
at a time; `AsyncLedger` (`ledger.async_api`) folds them.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from pathlib import Path
from typing import Any, Protocol

from ledger.async_sqlite import SQLiteReader
from ledger.backends import POSTGRES_SCHEMES, is_url
from ledger.errors import UsageError


class Reader(Protocol):
    """One backend's cursors for the shared SQL (`ledger.queries`, `?` placeholders)."""

    @property
    def where(self) -> str | Path:
        """The ledger, as messages name it: a file, or a URL without its password."""

    async def check_format(self) -> None:
        """LedgerMissing or LedgerCorrupt unless the database holds a ledger of our format."""

    async def rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """All rows of a short query."""

    def batches(self, sql: str, params: Iterable[Any]) -> AsyncGenerator[list[Any], None]:
        """The rows of a long read, `BATCH` at a time, read as they are consumed."""

    async def close(self) -> None: ...


async def open_reader(target: str | Path, lock_timeout: int) -> Reader:
    """The reader `ledger.backends.open_store` would pick for `target`, its format checked."""
    reader: Reader
    if isinstance(target, str) and target.startswith(POSTGRES_SCHEMES):
        from ledger.async_postgres import PostgresReader  # psycopg is loaded only for PostgreSQL

        reader = PostgresReader(target, lock_timeout)
    elif is_url(target):
        scheme = str(target).split("://", 1)[0]
        raise UsageError(f"{scheme}://: a ledger is a SQLite file path or a postgresql:// URL")
    else:
        reader = await SQLiteReader.open(Path(target), lock_timeout)
    try:
        await reader.check_format()
    except BaseException:
        await reader.close()
        raise
    return reader
