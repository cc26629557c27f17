"""The library API for audit tools: `Ledger`. The CLI calls only this."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType

import msgspec
import structlog

from ledger import audit
from ledger.audit import ConsistencyProof, InclusionProof, VerifyReport
from ledger.backends import open_store
from ledger.checkpoint import Checkpoint
from ledger.dates import format_recorded, parse_date, parse_moment, today_utc
from ledger.entry import Entry, Folded
from ledger.errors import ConflictError, FactNotFound, LedgerCorrupt, UsageError
from ledger.facts import Fact
from ledger.importer import Planner, prepared_chunks
from ledger.integrity import stored_entry
from ledger.replay.loop import SNAPSHOT_EVERY, Sink, fact_loop, timeline, view_loop
from ledger.store import LOCK_TIMEOUT_S, Row, Store
from projections.fold import Projection
from projections.timeline import narrow
from projections.world import World

log = structlog.get_logger("ledger")

DateLike = str | date
MomentLike = str | datetime


class ImportResult(msgspec.Struct, frozen=True):
    appended: int
    unchanged: int
    size: int


class LogLine(msgspec.Struct, frozen=True):
    """One line of `ledger log --json`."""

    seq: int
    id: str
    type: str
    occurred: str
    recorded_at: str
    leaf_hash: str | None


class CorrectionView(msgspec.Struct, frozen=True):
    how: str  # "retracted" or "superseded"
    by: str


class FactView(msgspec.Struct, frozen=True):
    """One entry, as `show` presents it."""

    seq: int
    recorded_at: str
    effective: str
    fact: Fact
    corrected_by: CorrectionView | None


def as_of_day(as_of: DateLike | None, param: str = "as_of", *, first: bool = False) -> date:
    """The effective day of an `--as-of` or `--to` value (with `first`: the first day a `--from`
    date can mean); today (UTC) when absent."""
    if as_of is None:
        return today_utc()
    if isinstance(as_of, date):
        return as_of
    try:
        parsed = parse_date(as_of)
    except ValueError as e:
        raise UsageError(str(e), param=param) from None
    return parsed.first_day if first else parsed.effective


def timeline_bounds(start: DateLike | None, end: DateLike | None) -> tuple[int | None, int]:
    """Day ordinals for `--from` (the first day its date can mean) and `--to` (its effective day)."""
    first = None if start is None else as_of_day(start, "start", first=True).toordinal()
    last = date.max.toordinal() if end is None else as_of_day(end, "end").toordinal()
    return first, last


def known_at_text(known_at: MomentLike | None) -> str | None:
    """A `--known-at` moment in the stored form of recording times, for comparison."""
    if known_at is None:
        return None
    if isinstance(known_at, datetime):
        when = known_at if known_at.tzinfo else known_at.replace(tzinfo=UTC)
        return format_recorded(when)
    try:
        return format_recorded(parse_moment(known_at))
    except ValueError as e:
        raise UsageError(str(e), param="known_at") from None


def knowledge(have: int, size: int | None, recorded: int | None) -> int:
    """How many entries a replay considers (contract section 4): the first `size`, which must
    exist, and of those the `recorded` ones recorded by `--known-at`."""
    if size is not None:
        if not 0 <= size <= have:
            raise UsageError(f"the ledger has {have} entries", param="size", value=size)
        have = size
    return have if recorded is None else min(have, recorded)


def _snapshot_interval(every: int) -> int:
    """How many folded facts apart projection snapshots are taken: a whole number, 1 or more."""
    if type(every) is not int or every < 1:
        raise UsageError("must be a whole number of facts, 1 or more", param="snapshot_every", value=every)
    return every


def _entry(row: Row) -> Entry:
    """The entry, once its stored bytes decode and agree with its index row and Merkle leaf."""
    stored = stored_entry(row, leaf=True)
    return Entry(row.seq, stored.recorded_at, row.effective, stored.fact)


def _entries(rows: Iterable[Row]) -> Iterator[tuple[Row, Entry]]:
    """Rows of seq 0, 1, 2, ... with their checked entries: a gap is an entry someone removed."""
    for expected, row in enumerate(rows):
        if row.seq != expected:
            raise LedgerCorrupt("the entry is missing: the ledger was altered", expected)
        yield row, _entry(row)


class Ledger:
    """A ledger of cited facts. Open with `Ledger.open(path)`; use as a context manager."""

    def __init__(self, store: Store, *, snapshot_every: int = SNAPSHOT_EVERY) -> None:
        self._store = store
        self._snapshot_every = _snapshot_interval(snapshot_every)

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = False,
        lock_timeout: int = LOCK_TIMEOUT_S,
        snapshot_every: int = SNAPSHOT_EVERY,
    ) -> Ledger:
        """Open the ledger at `path`, a SQLite file, or a `postgresql://USER@HOST:PORT/DB` URL
        (`docs/postgres.md`); with `create=True` make it if it does not exist.

        A writer waits up to `lock_timeout` seconds for another writer's import to end (an
        import holds the lock from its first line to its commit), then fails with StoreError.
        A replay of the whole ledger leaves a projection snapshot behind once `snapshot_every`
        facts were folded since the last one."""
        every = _snapshot_interval(snapshot_every)  # before anything is opened
        return cls(open_store(path, create=create, lock_timeout=lock_timeout), snapshot_every=every)

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # Writing

    def import_facts(
        self,
        inputs: Iterable[tuple[str, bytes]],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> ImportResult:
        """Import fact files given as (name, bytes) pairs, all or nothing."""
        files = list(inputs)
        for attempt in (1, 2):
            planner = Planner(self._store, [name for name, _ in files], progress)
            try:
                # The first attempt plans up to its first new fact without the write lock (a
                # re-import of what is there takes no lock and writes nothing); if another writer
                # got there first meanwhile, the retry plans everything under the lock.
                self._store.append(planner.batches(prepared_chunks(files)), lazy=attempt == 1)
                break
            except ConflictError:
                if attempt == 2:
                    raise
                log.info("import.conflict", retry=True)
        size = self._store.size()
        log.info("import.done", appended=planner.appended, unchanged=planner.unchanged, size=size)
        return ImportResult(planner.appended, planner.unchanged, size)

    def import_files(self, paths: Sequence[str | Path]) -> ImportResult:
        return self.import_facts((str(p), Path(p).read_bytes()) for p in paths)

    # Reading

    def size(self) -> int:
        """The number of entries in the ledger."""
        return self._store.size()

    def entries(self, *, size: int | None = None, known_at: MomentLike | None = None) -> Iterator[Entry]:
        """Entries in recording order, within the knowledge horizon; each is checked against its
        index row and its Merkle leaf as it is read (`verify` checks the whole ledger)."""
        rows = self._store.rows(stop=self._horizon(size, known_at))
        return (entry for _, entry in _entries(rows))

    def facts(self, *, size: int | None = None, known_at: MomentLike | None = None) -> Iterator[Fact]:
        """The facts in recording order (retractions included), within the knowledge horizon."""
        return (e.fact for e in self.entries(size=size, known_at=known_at))

    def replay(
        self,
        as_of: DateLike | None = None,
        *,
        size: int | None = None,
        known_at: MomentLike | None = None,
        snapshots: bool = True,
    ) -> World:
        """The world on `as_of`, as the ledger knew it after `size` entries / at `known_at`.

        With `snapshots` (the default), a replay of the whole ledger resumes from the latest
        projection snapshot before `as_of` and leaves new ones behind; the answer is the same."""
        day = as_of_day(as_of)
        n = self._horizon(size, known_at)
        root = audit.root_at(self._store, n).hex()
        return self._fold(n, day.toordinal(), snapshots).world(day, n, root)

    def run(
        self,
        sink: Sink,
        as_of: DateLike | None = None,
        *,
        size: int | None = None,
        known_at: MomentLike | None = None,
    ) -> Sink:
        """Run a projection of your own (anything with `apply(fact, effective_day)`) through the
        fast loop: it gets every fact replay folds up to `as_of`, in replay order."""
        n = self._horizon(size, known_at)
        loop = fact_loop(sink.apply, n, self._store.corrected(n))
        for batch in self._store.replay_batches(0, as_of_day(as_of).toordinal()):
            loop.feed(batch)
        return sink

    def _fold(self, n: int, upto: int, snapshots: bool = True) -> Projection:
        """Our projection after the first `n` entries, to day `upto`, resuming from a snapshot."""
        full = snapshots and n == self._store.size()
        since, projection = 0, Projection()
        snap = self._store.snapshot(n, upto) if full else None
        if snap is not None:
            since, projection = snap[0], Projection.restore(snap[1])
        loop = view_loop(
            projection.apply,
            n,
            self._store.corrected(n),
            snapshot=projection.snapshot if full else None,
            every=self._snapshot_every,
            since=since,
        )
        for batch in self._store.replay_batches(since, upto, skip_ranks=Projection.IGNORES):
            loop.feed(batch)
        loop.finish(upto)
        if loop.snapshots and not self._store.save_snapshots(n, loop.snapshots):
            log.debug("snapshots.not_saved", size=n)
        return projection

    def timeline(
        self,
        *,
        start: DateLike | None = None,
        end: DateLike | None = None,
        state: str | None = None,
        mission: str | None = None,
        size: int | None = None,
        known_at: MomentLike | None = None,
    ) -> list[Folded]:
        """Folded facts in replay order, from `start` to `end` (effective days), narrowed."""
        first, last = timeline_bounds(start, end)
        n = self._horizon(size, known_at)
        loop = fact_loop(None, n, self._store.corrected(n))
        for batch in self._store.replay_batches(0, last):
            loop.feed(batch)
        return narrow(timeline(loop), start=first, state=state, mission=mission)

    def show(self, ref: str | int) -> FactView:
        """One fact by id, or by seq (an int, or a string of digits only)."""
        seq = self._seq(ref)
        rows = list(self._store.rows(start=seq, stop=seq + 1))
        if not rows:
            raise LedgerCorrupt("the entry is missing: the ledger was altered", seq)
        entry = _entry(rows[0])
        fid = entry.fact.fact_id
        c = self._store.corrections([fid]).get(fid)
        return FactView(
            entry.seq,
            entry.recorded_at,
            entry.effective_day.isoformat(),
            entry.fact,
            CorrectionView(c.how, c.by) if c else None,
        )

    # The verifiable log (contract section 8)

    def root(self, size: int | None = None) -> str:
        """The Merkle root (hex) of the first `size` entries (default: all)."""
        return audit.root_at(self._store, knowledge(self.size(), size, None)).hex()

    def log(self, *, size: int | None = None, known_at: MomentLike | None = None) -> Iterator[LogLine]:
        """One line per entry in recording order, with its Merkle leaf hash; each entry is checked
        against its index row and its Merkle leaf as it is read."""
        for row, entry in _entries(self._store.rows(stop=self._horizon(size, known_at))):
            leaf = None if row.leaf is None else row.leaf.hex()
            yield LogLine(row.seq, row.fact_id, row.type, entry.fact.occurred, row.recorded_at, leaf)

    def checkpoint(self, *, private_key: str | None = None) -> Checkpoint:
        """The checkpoint for the current size, signed when a private key (text) is given."""
        return audit.checkpoint(self._store, private_key)

    def inclusion_proof(self, ref: str | int, *, size: int | None = None) -> InclusionProof:
        """An RFC 6962 inclusion proof of one entry (by id or seq) in the tree of `size` entries."""
        return audit.inclusion(self._store, self._seq(ref), size)

    def consistency_proof(self, old: int, new: int | None = None) -> ConsistencyProof:
        """An RFC 6962 proof that the first `new` entries extend the first `old`, unchanged."""
        return audit.consistency(self._store, old, new)

    def verify(self, against: Checkpoint | None = None, *, public_key: str | None = None) -> VerifyReport:
        """Re-read every entry, leaf, node and checkpoint; optionally prove consistency with `against`."""
        return audit.verify(self._store, against, public_key)

    def _seq(self, ref: str | int) -> int:
        """An entry's seq from a seq (int, or digits only) or a fact id; FactNotFound otherwise."""
        seq = ref if isinstance(ref, int) else (int(ref) if ref.isascii() and ref.isdigit() else None)
        if seq is None:
            seq = self._store.seq_of(str(ref))
            if seq is None:
                raise FactNotFound(f"no fact with id {ref!r}")
        size = self.size()
        if not 0 <= seq < size:
            raise FactNotFound(f"no entry {seq}: the ledger has {size} entries")
        return seq

    def _horizon(self, size: int | None, known_at: MomentLike | None) -> int:
        """How many entries the knowledge options keep (contract section 4)."""
        moment = known_at_text(known_at)
        recorded = None if moment is None else self._store.recorded_by(moment)
        return knowledge(self.size(), size, recorded)
