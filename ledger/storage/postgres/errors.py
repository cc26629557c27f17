"""psycopg's errors, translated into the ledger's in one place: by SQLSTATE, never by the wording
of a server's message (which depends on its language)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from ledger.errors import (
    ConflictError,
    ConnectionLost,
    LedgerCorrupt,
    LedgerError,
    StoreError,
    no_ledger,
    one_line,
)

UNIQUE_VIOLATION = "23505"
LOCK_NOT_AVAILABLE = "55P03"
DEADLOCK = "40P01"
INVALID_CATALOG_NAME = "3D000"  # no such database


def sqlstate(e: BaseException) -> str:
    """The SQLSTATE of `e` (or of the psycopg error it wraps), or ''."""
    while e is not None:
        state = getattr(e, "sqlstate", None)
        if state:
            return str(state)
        e = e.__cause__  # type: ignore[assignment]
    return ""


def translate(e: psycopg.Error, where: str, doing: str, lock_timeout: float | None = None) -> LedgerError:
    """The ledger's error for psycopg's `e`, met at `where` while `doing` ("read", "write",
    "open"): a lock held too long, a conflict, no such database, the server's failure (a lost
    connection, a server going down); anything else a read meets is an unreadable ledger."""
    state = sqlstate(e)
    message = one_line(e)
    if state == LOCK_NOT_AVAILABLE:
        waited = f" (waited {lock_timeout:g} s)" if lock_timeout is not None else ""
        locked = f"the ledger is locked by another writer{waited}"
        return StoreError(
            f"{where}: the import was not written: {locked}" if doing == "write" else f"{where}: {locked}"
        )
    if doing == "write" and state == UNIQUE_VIOLATION:
        return ConflictError(message)
    if state == INVALID_CATALOG_NAME:
        return no_ledger(where)
    if doing == "open":
        return ConnectionLost(f"{where}: cannot connect: {message}")
    if isinstance(e, psycopg.OperationalError) or state.startswith(("08", "57", "53")):
        if doing == "write":  # all or nothing; only a connection lost at the commit leaves it unknown which
            return ConnectionLost(
                f"{where}: the database failed while writing: {message}; an import is all or nothing "
                "(`ledger log` shows whether it was committed)"
            )
        return ConnectionLost(f"{where}: the database failed: {message}")
    if doing == "write":
        return StoreError(f"{where}: the import was not written: {message}")
    return LedgerCorrupt(f"cannot read the ledger: {message}", path=where)


@contextmanager
def translated(where: str, doing: str, lock_timeout: float | None = None) -> Iterator[None]:
    """Around every statement: psycopg's errors become the ledger's (`translate`)."""
    try:
        yield
    except psycopg.Error as e:
        raise translate(e, where, doing, lock_timeout) from None
