"""The one error hierarchy of the ledger.

`ledger/` and `projections/` raise these and nothing else for anything a user
can cause or a database can do; only `cli/` turns them into messages and exit
codes. Each backend translates its driver's errors into these in one place
(`ledger.storage.sqlite.errors`, `ledger.storage.postgres.errors`).

Every error is also the built-in exception a Python caller would expect:
bad input is a `ValueError`, a fact that is not there a `LookupError`, a
missing ledger a `FileNotFoundError`, a closed ledger a `ValueError` (as a
closed file is).

    LedgerError                      exit 1 unless said otherwise
    ├── BadInput (ValueError)        exit 2: nothing was written
    │   ├── FactError                a line of a fact file: file, line, JSON path
    │   ├── UsageError               an argument: names the parameter (`size`)
    │   │   ├── FactNotFound (LookupError)
    │   │   └── LedgerMissing (FileNotFoundError)
    │   └── CheckpointError          a checkpoint or key that cannot be read or does not verify
    ├── LedgerCorrupt                the stored ledger was altered or cannot be read
    └── StoreError                   the database failed (not the user's input)
        ├── ConflictError            another writer recorded the same fact first
        └── LedgerClosed (ValueError) the ledger was used after `close()` (as a closed file)
"""

from __future__ import annotations

import os


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    exit_code = 1


class BadInput(LedgerError, ValueError):
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
    """An argument is wrong (a bad date, a size beyond the ledger).

    `param` names the argument as a library caller wrote it (`size`, `as_of`) and `value` what
    was given, so that the message reads `size 99: the ledger has 17 entries`; the CLI names its
    own option instead (`--size 99: ...`) through `naming`."""

    def __init__(self, reason: str, *, param: str | None = None, value: object = None) -> None:
        self.reason = reason
        self.param = param
        self.value = value
        super().__init__(self.naming(param))

    def naming(self, name: str | None) -> str:
        """The message, naming the argument `name` (the parameter's name, or an option's)."""
        if name is None:
            return self.reason
        shown = name if self.value is None else f"{name} {self.value}"
        return f"{shown}: {self.reason}"


class FactNotFound(UsageError, LookupError):
    """No fact has the asked id or sequence number."""


class MissionNotFound(UsageError, LookupError):
    """No mission of the asked name exists (in the ledger, or on the as-of day)."""


class LedgerMissing(UsageError, FileNotFoundError):
    """The database holds no ledger."""

    def __str__(self) -> str:  # OSError would show its errno fields, which are never set here
        return self.naming(self.param)


class DestinationNotEmpty(UsageError):
    """A copy's destination holds entries (`size` of them): a ledger is copied into a new or empty
    one only."""

    def __init__(self, reason: str, *, size: int) -> None:
        super().__init__(reason)
        self.size = size


class CheckpointError(BadInput):
    """A checkpoint or key that cannot be read or does not verify."""


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


class ConnectionLost(StoreError):
    """The database server cannot be reached, or dropped the connection (a restart, a connection
    cut): nothing about the ledger is wrong. A follower waits and asks again."""


class ConflictError(StoreError):
    """Another writer recorded the same fact or correction first; nothing was written."""


class LedgerClosed(StoreError, ValueError):
    """A `Ledger` used after `close()` (or an `AsyncLedger` after its `async with` block)."""

    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(f"{where}: the ledger is closed")
