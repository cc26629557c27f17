"""`ledger copy`: a ledger copied into another database, entry for entry, with the same Merkle root.

The copy keeps what the verifiable log is made of: every entry's id, position
(recording order) and recording time, hence its stored bytes and Merkle leaf;
the recorded checkpoints; and the checkpoint origin. So the copy has the
source's root at every size, and a checkpoint signed for the source verifies
against the copy. Projection snapshots are not copied: the next replay
rebuilds them.

The source is only read (once it is of this version's format: a ledger of format 2 is
migrated when it is opened, as by any command; `ledger.storage.migration`), and verified in
full (`ledger.verification.verify`) before anything is written; a source that does not verify
is refused. Its entries
are then streamed a chunk at a time through the import's own `Planner` (so
corrections, and their stored correction rows, are made exactly as an import
makes them) into one transaction on the destination, which the writer
(`ledger.writer`, given `Copied`) refuses unless the destination is empty,
and in which it checks every copied checkpoint against the copied tree. The
copy's root, compared with the source's at the end, is the proof.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import msgspec

from ledger.errors import DestinationNotEmpty, FactError, LedgerCorrupt, LedgerMissing, StoreError, UsageError
from ledger.facts import FactRetracted
from ledger.importing.check import Chunk
from ledger.importing.plan import Planner
from ledger.logger import get_logger
from ledger.reading import entries, log
from ledger.reading.plans import Query, run, stream
from ledger.replay.codec import index_payload
from ledger.storage import sql
from ledger.storage.checks import Row, stored_entry
from ledger.storage.constants import LOCK_TIMEOUT_S
from ledger.storage.events import CorrectionState, entry_bytes
from ledger.storage.location import Store, open_store
from ledger.storage.urls import shown
from ledger.storage.writer import Batch, Copied, NewEntry
from ledger.verification import verify

logger = get_logger()

CHUNK = 8192  # entries read, planned and written at a time
_FACT_PREFIX = b'{"fact":'  # how an entry's stored bytes begin (`ledger.mapper.entry_bytes`)


class CopyReport(msgspec.Struct, frozen=True):
    """What `ledger copy` did: the ledgers by their shown names (URLs without password), the
    entries and checkpoints copied, and the Merkle root (hex) both now have."""

    source: str
    destination: str
    size: int
    root: str
    checkpoints: int


def copy_ledger(
    source: str | Path,
    destination: str | Path,
    *,
    lock_timeout: int = LOCK_TIMEOUT_S,
    chunk: int = CHUNK,
) -> CopyReport:
    """Copy the ledger at `source` into `destination` (a SQLite file or a PostgreSQL URL each),
    made when missing and refused (UsageError) unless empty. A source that does not verify is
    refused (LedgerCorrupt) and nothing is written. Entries are read, planned and written `chunk`
    at a time, all in one transaction, from one snapshot of the source."""
    if chunk < 1:
        raise UsageError("copy at least 1 entry at a time", param="chunk", value=chunk)
    src = _open_source(source, lock_timeout)
    dst: Store | None = None
    try:
        dst = _existing(destination, lock_timeout)  # checked before the source's long verification
        if dst is not None:
            _check_empty(dst)
        with src.consistent():  # what is verified is what is copied, whoever writes meanwhile
            size = _verified(src)
            root = run(log.root(size), src.fetch)
            if dst is None:
                dst = open_store(destination, create=True, lock_timeout=lock_timeout)
                _check_empty(dst)
            recorded = run(entries.checkpoints(src.where), src.fetch)
            checkpoints = [cp for cp in recorded if cp[0] <= size]
            origin = run(entries.origin(src.where), src.fetch)
            try:
                dst.append(_batches(src, size, chunk), copied=Copied(origin, checkpoints))
            except DestinationNotEmpty as e:  # another copy or import got there first
                raise _not_empty(dst, e.size) from None
        copied = run(entries.size(), dst.fetch)
        copied_root = run(log.root(copied), dst.fetch)
        if (copied, copied_root) != (size, root):  # never, as the writer checked every checkpoint
            raise StoreError(
                f"{dst.where}: the copy is not faithful: {copied} entries with root {copied_root.hex()}, "
                f"where the source has {size} with root {root.hex()}"
            )
        report = CopyReport(src.where, dst.where, size, root.hex(), len(checkpoints))
    finally:
        if dst is not None:
            dst.close()
        src.close()
    logger.info("copy.done", source=report.source, destination=report.destination, size=size)
    return report


def _open_source(target: str | Path, lock_timeout: int) -> Store:
    try:
        return open_store(target, lock_timeout=lock_timeout)
    except LedgerMissing:
        raise LedgerMissing(f"{shown(target)}: no ledger here to copy") from None


def _existing(target: str | Path, lock_timeout: int) -> Store | None:
    """The destination when it is a ledger already; None when it is still to be made."""
    try:
        return open_store(target, lock_timeout=lock_timeout)
    except LedgerMissing:
        return None


def _check_empty(dst: Store) -> None:
    size = run(entries.size(), dst.fetch)
    if size:
        raise _not_empty(dst, size)


def _not_empty(dst: Store, size: int) -> DestinationNotEmpty:
    s = "entry" if size == 1 else "entries"
    return DestinationNotEmpty(
        f"{dst.where}: the destination already holds {size} {s}; "
        "a ledger is copied into a new or empty one only (nothing was written)",
        size=size,
    )


def _verified(src: Store) -> int:
    """The size of the source, once it verifies in full; LedgerCorrupt naming the problem otherwise."""
    report = verify(src)
    if not report.ok:
        raise LedgerCorrupt(
            f"the ledger to copy does not verify: {report.message}; nothing was copied", path=src.where
        )
    return report.size


def _batches(src: Store, size: int, chunk: int) -> Iterator[Batch]:
    """The source's first `size` entries, planned `chunk` at a time as an import plans them."""
    written = _Written(src)
    pending: list[NewEntry] = []
    for expected, row in enumerate(stream(entries.rows(0, size), src.fetch)):
        if row.seq != expected:
            raise LedgerCorrupt("the entry is missing: the ledger was altered", expected, path=src.where)
        pending.append(_entry(src, row))
        if len(pending) == chunk:
            yield written.plan(pending)
            pending = []
    if pending:
        yield written.plan(pending)


def _entry(src: Store, row: Row) -> NewEntry:
    """The entry as the writer appends it again: the same fact bytes, at the same recording time."""
    try:
        fact = stored_entry(row, leaf=True).fact
    except LedgerCorrupt as e:
        raise e.at(src.where) from None
    assert row.state is not None  # stored_entry checked it
    # The fact's bytes exactly as stored, so that the copy's stored bytes and leaf are the source's.
    suffix = b',"recorded_at":"' + row.recorded_at.encode("ascii") + b'"}'
    raw = row.state[len(_FACT_PREFIX) : -len(suffix)]
    if entry_bytes(raw, row.recorded_at) != row.state:
        raise LedgerCorrupt(
            "its stored bytes are not in the form the ledger writes", row.seq, row.fact_id, path=src.where
        )
    return NewEntry(
        row.seq,  # `line`: where the entry came from, for messages
        row.fact_id,
        fact.TYPE,
        fact.RANK,
        row.effective,
        fact.target if isinstance(fact, FactRetracted) else fact.supersedes,
        raw,
        index_payload(fact),
        recorded_at=row.recorded_at,
    )


class _Written:
    """The destination as the import's Planner must see it while the copy is written
    (`ledger.importing.plan.Known`): holding the source's entries before `upto`, which the earlier
    chunks wrote into the copy's transaction (not committed yet, so the destination's own reads
    cannot see them). Read from the source, which verified; a Planner per chunk keeps the memory
    to a chunk."""

    def __init__(self, source: Store) -> None:
        self._source = source
        self.where = source.where
        self.upto = 0

    def plan(self, entries_: list[NewEntry]) -> Batch:
        try:
            batch = Planner(self, [self.where]).plan(Chunk(0, entries_, 0))
        except FactError as e:  # a rule of the ledger that the source's entries break
            raise LedgerCorrupt(e.message, e.line, path=self.where) from None
        except LedgerCorrupt as e:
            raise e.at(self.where) from None
        if len(batch.entries) != len(entries_):
            raise LedgerCorrupt("an entry's id is recorded twice: the ledger was altered", path=self.where)
        self.upto += len(entries_)
        return batch

    def _seqs(self, fact_ids: Iterable[str]) -> dict[str, int]:
        """The seq of each of `fact_ids` in the source."""
        found: dict[str, int] = {}
        for part in sql.chunks(list(fact_ids)):
            query = Query(
                sql.in_list("SELECT fact_id, seq FROM ledger_entries WHERE fact_id IN", len(part)),
                tuple(part),
            )
            found.update((fid, int(seq)) for fid, seq in self._source.fetch(query))
        return found

    def find(self, fact_ids: Sequence[str]) -> dict[str, Row]:
        seqs = self._seqs(fact_ids)
        known = [fid for fid, seq in seqs.items() if seq < self.upto]
        return run(entries.find(known), self._source.fetch)

    def corrections(self, fact_ids: Sequence[str]) -> dict[str, CorrectionState]:
        found = run(entries.corrections(fact_ids, self.where), self._source.fetch)
        by = self._seqs(c.by for c in found.values())
        return {t: c for t, c in found.items() if by.get(c.by, self.upto) < self.upto}
