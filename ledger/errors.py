"""The one error hierarchy of the ledger.

`ledger/` and `projections/` raise these and nothing else for anything a user
can cause; only `cli/` turns them into messages and exit codes.
"""

from __future__ import annotations

import os


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    exit_code = 1


class BadInput(LedgerError):
    """The user's input or request is wrong; nothing was written (exit 2)."""

    exit_code = 2


class FactError(BadInput):
    """One fact in an input file is wrong: names the file, the line and the JSON path."""

    def __init__(self, source: str, line: int, path: str, message: str) -> None:
        self.source = source
        self.line = line
        self.path = path
        self.message = message
        super().__init__(f"{source}:{line}: {path}: {message}")


class UsageError(BadInput):
    """An option or argument is wrong (a bad date, a size beyond the ledger)."""


class FactNotFound(UsageError):
    """No fact has the asked id or sequence number."""


class LedgerMissing(UsageError):
    """The database holds no ledger."""


class LedgerCorrupt(LedgerError):
    """The stored ledger was altered or cannot be read (exit 1).

    Names the ledger file (`path`) when known, and the entry at fault (`seq`, `fact_id`) when
    the damage is in one: `ledger.db: entry 2 (kz-...): unknown stored type 'os:system'`."""

    def __init__(
        self,
        message: str,
        seq: int | None = None,
        fact_id: str | None = None,
        *,
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.message = message
        self.seq = seq
        self.fact_id = fact_id
        self.path = None if path is None else str(path)
        where = f"{self.path}: " if self.path is not None else ""
        if seq is not None:
            where += f"entry {seq}" + (f" ({fact_id})" if fact_id else "") + ": "
        super().__init__(where + message)

    def at(self, path: str | os.PathLike[str]) -> LedgerCorrupt:
        """The same error, naming the ledger file (unless it already does)."""
        if self.path is not None:
            return self
        return LedgerCorrupt(self.message, self.seq, self.fact_id, path=path)


def no_ledger(where: str | os.PathLike[str]) -> LedgerMissing:
    """The error for a file, database or schema that holds no ledger, naming it."""
    return LedgerMissing(f"{where}: no ledger here (run `ledger init` or `ledger import`)")


def one_line(e: BaseException) -> str:
    """A library's error message on one line (a database server's may span several)."""
    return " ".join(str(e).split())


class StoreError(LedgerError):
    """The database failed for a reason that is not the user's input (exit 1)."""


class ConflictError(StoreError):
    """Another writer recorded the same fact or correction first; nothing was written."""
