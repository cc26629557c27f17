"""What a stored value must be before the ledger uses it, so that an altered database fails
cleanly, naming the entry at fault.

A database keeps whatever anyone writes into it: text where a hash belongs, an entry whose bytes
no longer match its leaf. Every stored value a read uses is checked here for the shape the code
relies on; a bad one raises `LedgerCorrupt`. Each backend checks its own catalogue on opening
(`storage.sqlite.catalogue`, `storage.postgres.catalogue`), and `ledger.verification` re-reads
everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from ledger import merkle
from ledger.errors import LedgerCorrupt
from ledger.merkle import HASH_SIZE
from ledger.storage.constants import FORMAT, MAX_DAY, NOT_A_LEDGER, ORIGIN, RECORDED
from ledger.storage.events import StoredEntry, decode_entry
from ledger.storage.migration import MIGRATABLE


class Row(msgspec.Struct, frozen=True, array_like=True):
    """One ledger entry as stored (a row of `storage.sql.ENTRY`)."""

    seq: int
    fact_id: str
    type: str
    effective: int
    recorded_at: str
    target: str | None  # the fact this entry retracts or supersedes, as indexed
    topic: str | None  # None: the stored event is missing
    state: bytes | None
    leaf: bytes | None = None  # the stored leaf hash (None only in an altered ledger)


def is_day(value: object) -> bool:
    """A day ordinal `date.fromordinal` accepts."""
    return type(value) is int and 0 < value <= MAX_DAY


def hash_value(value: object, what: str, seq: int | None = None) -> bytes:
    """A stored SHA-256 hash, or LedgerCorrupt."""
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise LedgerCorrupt(f"{what} is not a hash: the ledger was altered", seq)
    return value


def stored_entry(row: Row, *, leaf: bool = False) -> StoredEntry:
    """The entry's stored bytes, decoded through our closed registry, once they agree with the
    entry's index row (and, with `leaf`, with its Merkle leaf); LedgerCorrupt naming it otherwise.
    `ledger verify` checks more: the effective day's value, the order of recording times, the tree."""
    try:
        stored = decode_entry(row.topic, row.state)
    except LedgerCorrupt as e:
        raise LedgerCorrupt(e.message, row.seq, row.fact_id) from None
    fact, effective = stored.fact, row.effective
    if (
        fact.id != row.fact_id
        or row.type != fact.TYPE
        or stored.recorded_at != row.recorded_at
        or type(effective) is not int
        or not 0 < effective <= MAX_DAY
        or (leaf and row.leaf != merkle.leaf_hash(row.state))  # type: ignore[arg-type]
    ):
        raise LedgerCorrupt(_disagreement(row, stored), row.seq, row.fact_id)
    return stored


def _disagreement(row: Row, stored: StoredEntry) -> str:
    """What is wrong with an entry whose stored bytes decode (only once something is)."""
    fact = stored.fact
    if fact.id != row.fact_id or fact.type != row.type or stored.recorded_at != row.recorded_at:
        return "the stored entry disagrees with its index (id, type or recording time)"
    if not is_day(row.effective):
        return f"its indexed effective day {row.effective!r} is not a day"
    if row.leaf is None:
        return "its Merkle leaf is missing"
    if not isinstance(row.leaf, bytes) or len(row.leaf) != HASH_SIZE:
        return "its Merkle leaf is not a hash: the ledger was altered"
    return "its stored bytes do not match its Merkle leaf hash: the entry was altered"


def checkpoint_row(path: str, row: Sequence[Any]) -> tuple[int, bytes, str]:
    """A recorded checkpoint (size, root, timestamp), or LedgerCorrupt."""
    size, root, timestamp = row
    if (
        type(size) is not int
        or size < 0
        or not isinstance(timestamp, str)
        or not RECORDED.fullmatch(timestamp)
    ):
        raise LedgerCorrupt(f"the recorded checkpoint at size {size!r} was altered", path=path)
    return size, hash_value(root, f"the root of the recorded checkpoint at size {size}"), timestamp


def snapshot_row(path: str, day: object, state: object) -> tuple[int, bytes]:
    """A projection snapshot as stored (day ordinal, state), or LedgerCorrupt."""
    if not is_day(day) or not isinstance(state, bytes):
        raise LedgerCorrupt(f"the projection snapshot of day {day!r} was altered", path=path)
    assert isinstance(day, int)
    return day, state


def origin_value(path: str, rows: Sequence[Sequence[Any]]) -> str:
    """The ledger's checkpoint origin (rows of `storage.sql.ORIGIN`), or LedgerCorrupt."""
    if not rows or not isinstance(rows[0][0], str) or not ORIGIN.fullmatch(rows[0][0]):
        raise LedgerCorrupt("the ledger's origin is missing or was altered", path=path)
    return str(rows[0][0])


def recorded_tail(seq: int, recorded_at: object) -> str:
    """The recording time of the last entry, as the writer continues from it, or LedgerCorrupt."""
    if not (isinstance(recorded_at, str) and RECORDED.fullmatch(recorded_at)):
        raise LedgerCorrupt(f"its indexed recording time {recorded_at!r} was altered", seq)
    return recorded_at


class NeedsMigration(LedgerCorrupt):
    """A ledger of an older format that this version migrates (`storage.migration`): raised on
    opening, where the store migrates it (or says why it cannot)."""

    def __init__(self, found: str, path: str) -> None:
        self.found = found
        super().__init__(
            f"a ledger of format {found!r}, which must be migrated to {FORMAT!r} before this version "
            "reads it: it is, the first time the ledger is opened with write access",
            path=path,
        )


def check_meta(path: str, meta: Sequence[Sequence[Any]]) -> None:
    """LedgerCorrupt unless `meta` (rows of `storage.sql.META`) names our format and a well-formed
    origin, and nothing else; NeedsMigration for a format this version migrates."""
    values = {key: value for key, value in meta}
    found_format = values.get("format")
    if found_format != FORMAT and found_format not in MIGRATABLE:
        if isinstance(found_format, str) and found_format.startswith("timeline-ledger/"):
            raise LedgerCorrupt(
                f"a ledger of format {found_format!r}; this version reads {FORMAT!r}", path=path
            )
        raise LedgerCorrupt(NOT_A_LEDGER, path=path)
    origin = values.get("origin")
    if not isinstance(origin, str) or not ORIGIN.fullmatch(origin):
        raise LedgerCorrupt(f"the ledger's origin is missing or was altered: {origin!r}", path=path)
    unknown = sorted(repr(key) for key in values if key not in ("format", "origin"))
    if unknown:
        raise LedgerCorrupt(
            f"ledger_meta holds an unknown key {unknown[0]}: the ledger was altered", path=path
        )
    if found_format != FORMAT:
        raise NeedsMigration(str(found_format), path)
