"""SQLite's errors, translated into the ledger's in one place (as eventsourcing's `sqlite.py`
does for its own): by SQLite's error name, never by the wording of a message."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from ledger.errors import ConflictError, LedgerCorrupt, LedgerError, StoreError, one_line
from ledger.storage.constants import NOT_A_LEDGER

_LOCKED = ("SQLITE_BUSY", "SQLITE_LOCKED")
_CONFLICT = ("SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE")
_NOT_A_LEDGER = ("SQLITE_NOTADB",)
_DAMAGED = ("SQLITE_CORRUPT",)
# Errors of the machine, not of the file: a read-only or full disk, a file that cannot be opened.
_MACHINE = (
    "SQLITE_READONLY",
    "SQLITE_CANTOPEN",
    "SQLITE_IOERR",
    "SQLITE_FULL",
    "SQLITE_PERM",
    "SQLITE_NOMEM",
)


def name(e: sqlite3.Error) -> str:
    """SQLite's error name (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, ...), or ''."""
    return str(getattr(e, "sqlite_errorname", "") or "")


def is_locked(e: sqlite3.Error) -> bool:
    return name(e).startswith(_LOCKED)


def translate(e: sqlite3.Error, where: str, doing: str, lock_timeout: float | None = None) -> LedgerError:
    """The ledger's error for SQLite's `e`, met at `where` while `doing` ("read", "write" or
    "open"): a lock held too long, a conflict, a file that is not a ledger or is damaged, the
    machine's failure; anything else a read meets is an unreadable ledger."""
    error = name(e)
    if error.startswith(_LOCKED):
        waited = f" (waited {lock_timeout:g} s)" if lock_timeout is not None else ""
        locked = f"the ledger is locked by another writer{waited}"
        return StoreError(
            f"{where}: the import was not written: {locked}" if doing == "write" else f"{where}: {locked}"
        )
    if doing == "write" and error in _CONFLICT:
        return ConflictError(one_line(e))
    if error in _NOT_A_LEDGER:
        return LedgerCorrupt(NOT_A_LEDGER, path=where)
    if error.startswith(_DAMAGED):
        return LedgerCorrupt(f"cannot read the ledger: {one_line(e)}", path=where)
    if doing == "write" and error.startswith("SQLITE_READONLY"):
        return StoreError(
            f"{where}: the import was not written: the ledger is read-only here "
            "(no write access to the file, its folder or its disk)"
        )
    if doing == "open" or error.startswith(_MACHINE):
        verb = {"open": "cannot open the ledger", "write": "the import was not written"}.get(
            doing, "cannot read the ledger"
        )
        return StoreError(f"{where}: {verb}: {one_line(e)}")
    if doing == "write":
        return StoreError(f"{where}: the import was not written: {one_line(e)}")
    return LedgerCorrupt(f"cannot read the ledger: {one_line(e)}", path=where)


@contextmanager
def translated(where: str, doing: str, lock_timeout: float | None = None) -> Iterator[None]:
    """Around every statement: SQLite's errors become the ledger's (`translate`)."""
    try:
        yield
    except sqlite3.Error as e:
        raise translate(e, where, doing, lock_timeout) from None
