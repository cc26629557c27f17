"""Reading a SQLite ledger with asyncio: one aiosqlite connection, which serialises the tasks'
statements. Each statement is a whole step of a plan (`ledger.reading`), so no cursor stays open
while a task waits."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite

from ledger.errors import no_ledger
from ledger.reading.plans import Query
from ledger.storage import sql
from ledger.storage.sqlite import catalogue
from ledger.storage.sqlite.errors import translate, translated
from ledger.storage.sqlite.store import SNAPSHOT_WAIT_MS
from ledger.storage.waking import PollWaker


class SQLiteReader:
    """A SQLite file, on one aiosqlite connection that serialises every task's statements."""

    backend = "sqlite"

    def __init__(self, path: Path, conn: aiosqlite.Connection, lock_timeout: int) -> None:
        self.where = str(path)
        self._conn = conn
        self._lock_timeout = lock_timeout

    @classmethod
    async def open(cls, path: Path, lock_timeout: int) -> SQLiteReader:
        if not path.is_file():
            raise no_ledger(path)
        try:
            conn = await aiosqlite.connect(
                f"file:{quote(str(path))}?mode=rw", uri=True, timeout=lock_timeout, isolation_level=None
            )
        except aiosqlite.Error as e:
            raise translate(e, str(path), "open") from None
        reader = cls(path, conn, lock_timeout)
        try:
            with translated(reader.where, "open"):
                await conn.execute("PRAGMA trusted_schema = OFF")  # as `SQLiteStore`
            schema = await reader.fetch(Query(catalogue.SCHEMA))
            if not schema:
                raise no_ledger(path)
            try:
                meta: list[Any] | None = await reader.fetch(Query(sql.META))
            except Exception:
                meta = None
            catalogue.check(reader.where, schema, meta)
        except BaseException:
            await reader.close()
            raise
        return reader

    async def fetch(self, query: Query) -> list[Any]:
        with translated(self.where, "read", self._lock_timeout):
            async with self._conn.execute(query.sql, query.params) as cur:
                return list(await cur.fetchall())

    async def save_snapshots(self, size: int, snapshots: Iterable[tuple[int, bytes]]) -> bool:
        """As `SQLiteStore.save_snapshots`: kept unless the ledger grew meanwhile, else False."""
        db = self._conn
        try:
            await db.execute(f"PRAGMA busy_timeout = {SNAPSHOT_WAIT_MS}")
            await db.execute("BEGIN IMMEDIATE")
            try:
                async with db.execute(sql.SIZE) as cur:
                    row = await cur.fetchone()
                if row is not None and row[0] == size:
                    await db.executemany(
                        "INSERT OR REPLACE INTO projection_snapshots VALUES (?,?,?)",
                        [(day, size, state) for day, state in snapshots],
                    )
                await db.execute("COMMIT")
                return True
            except BaseException:
                await db.execute("ROLLBACK")
                raise
        except aiosqlite.Error:
            return False
        finally:
            with contextlib.suppress(aiosqlite.Error):
                await db.execute(f"PRAGMA busy_timeout = {self._lock_timeout * 1000}")

    def waker(self) -> PollWaker:
        """eventsourcing's SQLite recorder cannot subscribe: a follower polls."""
        return PollWaker()

    async def close(self) -> None:
        await self._conn.close()
