"""Which backend a ledger's name selects: a PostgreSQL URL, or else a SQLite file path; and the
two shapes every backend has, a synchronous `Store` and an asyncio `Reader`.

psycopg is imported only when a PostgreSQL ledger is opened.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from ledger.errors import StoreError, UsageError
from ledger.reading.plans import Query
from ledger.storage.checks import NeedsMigration
from ledger.storage.constants import LOCK_TIMEOUT_S
from ledger.storage.urls import is_postgres, is_url
from ledger.storage.waking import Waker
from ledger.storage.writer import Batch, Copied


class Store(Protocol):
    """A ledger in one database, read and written synchronously."""

    where: str  # a file, or a URL without its password
    backend: str  # "sqlite" or "postgresql"

    def fetch(self, query: Query) -> list[Any]:
        """All rows of one statement of the shared SQL (`ledger.storage.sql`)."""

    def append(
        self,
        batches: Iterable[Batch],
        *,
        lazy: bool = False,
        copied: Copied | None = None,
        stamp: str | None = None,
    ) -> int | None:
        """Append planned batches in one transaction, all or nothing (`ledger.storage.writer`);
        `stamp`: the recording time (`now`) the entries' events and leaves were made for. Returns
        the ledger's size as the commit left it, or None when nothing was new."""

    def now(self) -> str:
        """The recording time an import starting now would write (by the clock every writer of
        this ledger shares), read before its lines are checked (`ledger.storage.writer.write`)."""

    def save_snapshots(self, size: int, snapshots: Iterable[tuple[int, bytes]]) -> bool:
        """Keep projection snapshots taken at `size` entries, unless the ledger grew meanwhile."""

    def consistent(self) -> AbstractContextManager[None]:
        """A context in which every read sees one snapshot of the ledger (for `verify`, `copy`)."""

    def damage(self) -> str | None:
        """The database's own check of what no query of ours reads; None when sound."""

    def waker(self) -> Waker:
        """What a follower waits on for the next commit (`ledger.storage.waking`)."""

    def close(self) -> None: ...


class NewStore(Store, Protocol):
    """A new ledger that an import writes before it is in place: `publish` puts it there (False
    when another process made a ledger there meanwhile), `discard` leaves nothing behind."""

    def publish(self) -> bool: ...
    def discard(self) -> None: ...


class Reader(Protocol):
    """A ledger in one database, read with asyncio."""

    where: str
    backend: str

    async def fetch(self, query: Query) -> list[Any]: ...
    async def save_snapshots(self, size: int, snapshots: Iterable[tuple[int, bytes]]) -> bool: ...
    def waker(self) -> Waker: ...
    async def close(self) -> None: ...


def _not_a_ledger_url(target: str | Path) -> UsageError:
    scheme = str(target).split("://", 1)[0]
    return UsageError(f"{scheme}://: a ledger is a SQLite file path or a postgresql:// URL")


def open_store(target: str | Path, *, create: bool = False, lock_timeout: int = LOCK_TIMEOUT_S) -> Store:
    """The ledger at `target`; with `create`, made when it does not exist yet."""
    if is_postgres(target):
        from ledger.storage.postgres.store import PostgresStore

        url = str(target)
        return PostgresStore.create(url, lock_timeout) if create else PostgresStore.open(url, lock_timeout)
    if is_url(target):
        raise _not_a_ledger_url(target)
    from ledger.storage.sqlite.store import SQLiteStore

    path = Path(target)
    if create:
        _check_folder(path)
    return SQLiteStore.create(path, lock_timeout) if create else SQLiteStore.open(path, lock_timeout)


def _check_folder(path: Path) -> None:
    """A ledger to be made at `path` needs its folder: a folder that is not there is the
    caller's mistake (UsageError, `path`), said before anything is tried."""
    folder = path.parent
    if not folder.is_dir():
        said = "not a directory" if folder.exists() else "no such directory"
        raise UsageError(f"{said}: {os.fspath(folder)}", param="path", value=os.fspath(path))
    if not os.path.lexists(path) and not os.access(folder, os.W_OK | os.X_OK):
        # SQLite would say only "unable to open database file" (a read-only mount, a folder the
        # user may not write in): not the caller's mistake, but said as plainly.
        raise StoreError(
            f"{os.fspath(path)}: cannot create the ledger: its folder {os.fspath(folder)} cannot be "
            "written here (read-only, or no write access)"
        )


def open_new(target: str | Path, *, lock_timeout: int = LOCK_TIMEOUT_S) -> NewStore | None:
    """A new ledger for `target` that is not there until published (`NewStore`), or None when
    `target` names an existing file, a schema that holds something or a database that does not
    exist (`open_store(create=True)` then)."""
    if is_postgres(target):
        from ledger.storage.postgres.store import PostgresStore

        return PostgresStore.create_pending(str(target), lock_timeout)
    if is_url(target):
        raise _not_a_ledger_url(target)
    from ledger.storage.sqlite.store import SQLiteStore

    path = Path(target)
    if os.path.lexists(path):
        return None
    _check_folder(path)
    return SQLiteStore.create_beside(path, lock_timeout)


async def open_reader(target: str | Path, lock_timeout: int = LOCK_TIMEOUT_S) -> Reader:
    """The asyncio reader of the ledger at `target` (never creates one). A ledger of an older
    format is migrated first, once, by the synchronous store, in a worker thread."""
    try:
        return await _open_reader(target, lock_timeout)
    except NeedsMigration:
        await asyncio.to_thread(lambda: open_store(target, lock_timeout=lock_timeout).close())
        return await _open_reader(target, lock_timeout)


async def _open_reader(target: str | Path, lock_timeout: int) -> Reader:
    if is_postgres(target):
        from ledger.storage.postgres.reader import PostgresReader

        return await PostgresReader.open(str(target), lock_timeout)
    if is_url(target):
        raise _not_a_ledger_url(target)
    from ledger.storage.sqlite.reader import SQLiteReader

    return await SQLiteReader.open(Path(target), lock_timeout)
