"""Reading a SQLite ledger with asyncio: one aiosqlite connection, which serialises the tasks'
statements; each call keeps its own cursor."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from pathlib import Path
from typing import Any

import aiosqlite

from ledger import integrity
from ledger.errors import LedgerCorrupt, no_ledger

BATCH = 4096


class SQLiteReader:
    """A SQLite file, on one aiosqlite connection that serialises every task's statements."""

    def __init__(self, path: Path, conn: aiosqlite.Connection) -> None:
        self.where = path
        self._conn = conn

    @classmethod
    async def open(cls, path: Path, lock_timeout: int) -> SQLiteReader:
        if not path.is_file():
            raise no_ledger(path)
        try:
            conn = await aiosqlite.connect(f"file:{path}?mode=rw", uri=True, timeout=lock_timeout)
        except aiosqlite.Error as e:
            raise LedgerCorrupt(f"cannot open the ledger: {e}", path=path) from None
        reader = cls(path, conn)
        try:
            await conn.execute("PRAGMA trusted_schema = OFF")  # as `SQLiteStore`
        except aiosqlite.Error as e:
            await reader.close()
            raise LedgerCorrupt(f"cannot open the ledger: {e}", path=path) from None
        return reader

    async def rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        try:
            async with self._conn.execute(sql, tuple(params)) as cur:
                return list(await cur.fetchall())
        except aiosqlite.DatabaseError as e:
            raise LedgerCorrupt(f"cannot read the ledger: {e}", path=self.where) from None

    async def batches(self, sql: str, params: Iterable[Any]) -> AsyncGenerator[list[Any], None]:
        try:
            async with self._conn.execute(sql, tuple(params)) as cur:
                while chunk := await cur.fetchmany(BATCH):
                    yield list(chunk)
        except aiosqlite.DatabaseError as e:
            raise LedgerCorrupt(f"cannot read the ledger: {e}", path=self.where) from None

    async def check_format(self) -> None:
        """The file is a ledger: the same two small queries as `Ledger.open` (`ledger.integrity`)."""
        try:
            async with self._conn.execute(integrity.SCHEMA) as cur:
                schema = list(await cur.fetchall())
        except aiosqlite.DatabaseError as e:
            raise integrity.unreadable(self.where, e) from None
        if not schema:
            raise no_ledger(self.where)
        try:
            async with self._conn.execute(integrity.META) as cur:
                meta: list[Any] | None = list(await cur.fetchall())
        except aiosqlite.DatabaseError:
            meta = None
        integrity.check_ledger(self.where, schema, meta)

    async def close(self) -> None:
        await self._conn.close()
