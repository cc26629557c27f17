"""The library API for audit tools: `Ledger`. The CLI calls only this and `AsyncLedger`'s twin.

Every read is a plan of `ledger.reading`, run here on the store's synchronous cursor; `AsyncLedger`
runs the same plans on an asyncio one. Writes go through the store in one transaction per import.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from itertools import chain
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from ledger.chart.shape import Chart
from ledger.checkpoint import Checkpoint
from ledger.entries import Entry, FactView, Folded, ImportCheck, ImportResult, LogLine
from ledger.errors import ConflictError, LedgerClosed, LedgerError, LedgerMissing, MissionNotFound, UsageError
from ledger.exports import FactRow, FactRows, Spell, write_bytes
from ledger.facts import Fact
from ledger.hints import is_blank
from ledger.importing.check import prepared_chunks
from ledger.importing.plan import Known, Planner, Problems
from ledger.logger import get_logger
from ledger.reading import answers, chart, entries, follow, log, replay
from ledger.reading.args import (
    DateLike,
    MomentLike,
    as_of_day,
    audit_options,
    chart_options,
    day_bounds,
    known_at_text,
    state_codes,
)
from ledger.reading.plans import Plan, Query, Rows, Stream, run, stream
from ledger.receipts import CheckReport, read_document
from ledger.replay.loop import Sink
from ledger.storage.checks import Row
from ledger.storage.constants import LOCK_TIMEOUT_S
from ledger.storage.events import CorrectionState
from ledger.storage.location import Store, open_new, open_store
from ledger.storage.urls import is_postgres, is_url, shown
from ledger.storage.waking import Waker
from ledger.verification import (
    ConsistencyProof,
    InclusionProof,
    VerifyReport,
    checkpoint_plan,
    consistency_plan,
    inclusion_plan,
    verify,
)
from projections.actors import language, names
from projections.conflicts import ConflictsDocument
from projections.promises import PromisesDocument
from projections.world import Description, World

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

__all__ = [
    "LOCK_TIMEOUT_S",
    "Chart",
    "ConflictsDocument",
    "DateLike",
    "FactView",
    "ImportCheck",
    "ImportResult",
    "Ledger",
    "LogLine",
    "MissionNotFound",
    "MomentLike",
    "PromisesDocument",
    "check_facts",
    "import_into",
    "is_postgres",
    "is_url",
    "shown",
]

log_ = get_logger()
T = TypeVar("T")
PathLike = str | os.PathLike[str]


def _utf8(content: bytes | str) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


class _Known:
    """The ledger as the import planner asks of it (`ledger.importing.plan.Known`)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def find(self, fact_ids: Sequence[str]) -> dict[str, Row]:
        return run(entries.find(fact_ids), self._store.fetch)

    def corrections(self, fact_ids: Sequence[str]) -> dict[str, CorrectionState]:
        return run(entries.corrections(fact_ids, self._store.where), self._store.fetch)


class _Empty:
    """A ledger not made yet, as the import planner asks of it: it holds nothing."""

    def find(self, fact_ids: Sequence[str]) -> dict[str, Row]:
        return {}

    def corrections(self, fact_ids: Sequence[str]) -> dict[str, CorrectionState]:
        return {}


MAX_ERRORS = 100


def _warnings(files: Sequence[tuple[str, bytes]]) -> tuple[str, ...]:
    return tuple(f"{name}: the file is empty: no fact to import" for name, data in files if is_blank(data))


def _check(
    known: Known,
    files: Sequence[tuple[str, bytes]],
    max_errors: int,
    progress: Callable[[int], None] | None,
    size: Callable[[], int],
) -> ImportCheck:
    if type(max_errors) is not int or max_errors < 1:
        raise UsageError("must be a whole number, 1 or more", param="max_errors", value=max_errors)
    problems = Problems(max_errors)
    planner = Planner(known, [name for name, _ in files], progress, problems)
    for _ in planner.batches(prepared_chunks(files, keep_going=True)):
        pass  # planned, checked against the ledger, and never written
    log_.info("import.checked", new=planner.appended, unchanged=planner.unchanged, errors=problems.found)
    return ImportCheck(
        planner.appended, planner.unchanged, size(), tuple(problems.kept), problems.more, _warnings(files)
    )


def check_facts(
    inputs: Iterable[tuple[str, bytes]],
    *,
    max_errors: int = MAX_ERRORS,
    progress: Callable[[int], None] | None = None,
) -> ImportCheck:
    """`Ledger.check_facts` for a ledger that does not exist yet: every line checked as an import
    into an empty ledger would check it; nothing is opened, made or written."""
    return _check(_Empty(), list(inputs), max_errors, progress, lambda: 0)


def import_into(
    path: str | Path,
    inputs: Iterable[tuple[str, bytes | str]],
    *,
    progress: Callable[[int], None] | None = None,
    lock_timeout: int = LOCK_TIMEOUT_S,
) -> ImportResult:
    """`Ledger.import_facts` into the ledger at `path`, made by the import if there is none: a
    new SQLite file is written beside `path` and put there once the import is committed (on
    PostgreSQL, the schema and tables are made in the import's transaction), so that an import
    that is refused (a bad line, a conflict) leaves no file, schema or table behind."""
    files = [(name, _utf8(content)) for name, content in inputs]
    try:
        existing = Ledger.open(path, lock_timeout=lock_timeout)
    except LedgerMissing:
        new = open_new(path, lock_timeout=lock_timeout)
        if new is not None:
            try:
                result = Ledger(new).import_facts(files, progress=progress)
                published = new.publish()  # in place (SQLite) or committed (PostgreSQL), closed
            except BaseException:
                new.discard()
                raise
            if published:
                return result
            log_.info("import.conflict", retry=True, reason="a ledger was made there meanwhile")
        existing = Ledger.open(path, create=True, lock_timeout=lock_timeout)
    with existing:
        return existing.import_facts(files, progress=progress)


def snapshot_interval(every: int) -> int:
    """How many folded facts apart projection snapshots are taken: a whole number, 1 or more."""
    if type(every) is not int or every < 1:
        raise UsageError("must be a whole number of facts, 1 or more", param="snapshot_every", value=every)
    return every


class Ledger:
    """A ledger of cited facts. Open with `Ledger.open(path)`; use as a context manager.

    `snapshot_every`: how many facts a full replay folds between two projection snapshots it
    leaves behind for later replays (an optimisation only: answers are the same); by default
    1/120 of the ledger's entries, between 2,000 and 20,000 (`ledger.replay.loop.default_interval`)."""

    def __init__(self, store: Store, *, snapshot_every: int | None = None) -> None:
        self._opened: Store | None = store
        self._snapshot_every = None if snapshot_every is None else snapshot_interval(snapshot_every)
        self.path = store.where  # the file, or the URL without its password
        self.backend = store.backend  # "sqlite" or "postgresql"
        self._wakers: set[Waker] = set()  # of the followers running: closing ends them
        self._reader: ThreadPoolExecutor | None = None  # fetches the pages read ahead (`_ahead`)
        self._read_ahead: Future[Rows] | None = None  # the page it fetched last

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = False,
        lock_timeout: int = LOCK_TIMEOUT_S,
        snapshot_every: int | None = None,
    ) -> Ledger:
        """Open the ledger at `path`, a SQLite file, or a `postgresql://USER@HOST:PORT/DB` URL
        (`docs/postgres.md`); with `create=True` make it if it does not exist.

        A writer waits up to `lock_timeout` seconds for another writer's import to end (an
        import holds the lock from its first line to its commit), then fails with StoreError."""
        if snapshot_every is not None:
            snapshot_interval(snapshot_every)  # before anything is opened
        store = open_store(path, create=create, lock_timeout=lock_timeout)
        return cls(store) if snapshot_every is None else cls(store, snapshot_every=snapshot_every)

    @property
    def _store(self) -> Store:
        if self._opened is None:
            raise LedgerClosed(self.path)
        return self._opened

    @property
    def closed(self) -> bool:
        return self._opened is None

    def close(self) -> None:
        """Close the database connection; every `follow` running on it (in any thread) ends, and
        every later use raises `LedgerClosed`. Idempotent."""
        for waker in list(self._wakers):
            waker.close()
        if self._reader is not None:  # no query of its still running when the connection closes
            self._reader.shutdown(wait=True)
            self._reader = None
        if self._opened is not None:
            store, self._opened = self._opened, None
            store.close()

    def __repr__(self) -> str:
        state = "closed" if self._opened is None else self.backend
        return f"<{type(self).__name__} {self.path!r} ({state})>"

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _run(self, plan: Plan[T]) -> T:
        return run(plan, self._fetch, self._ahead)

    def _stream(self, plan: Stream[T]) -> Iterator[T]:
        return stream(plan, self._fetch, ahead=self._ahead)

    def _ahead(self, query: Query) -> Future[Rows]:
        """Start `query` in this ledger's reading thread, on the store's connection: the page a
        long read (a replay, an export) asks for next, fetched while it folds the one before
        (`ledger.reading.plans.Ahead`). SQLite and psycopg release the GIL while they work."""
        fetch = self._store.fetch
        if self._reader is None:
            from concurrent.futures import ThreadPoolExecutor

            self._reader = ThreadPoolExecutor(1, thread_name_prefix="ledger-read-ahead")
        try:
            self._read_ahead = self._reader.submit(fetch, query)
        except RuntimeError:  # shut down meanwhile: `close`, in another thread
            raise LedgerClosed(self.path) from None
        return self._read_ahead

    def _fetch(self, query: Query) -> Rows:
        """The store's fetch once the page read ahead last (by this read or another: a read
        inside an export's loop, a `follow` in another thread) is over: the connection serves one
        statement at a time."""
        running = self._read_ahead
        if running is not None and not running.done():
            from concurrent.futures import wait

            wait((running,))
        return self._store.fetch(query)

    # Writing

    def import_facts(
        self,
        inputs: Iterable[tuple[str, bytes | str]],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> ImportResult:
        """Import fact files given as (name, content) pairs, all or nothing; content is the file's
        bytes (UTF-8), or its text. `name` is what error messages call the input."""
        files = [(name, _utf8(content)) for name, content in inputs]
        store = self._store
        for attempt in (1, 2):
            planner = Planner(_Known(store), [name for name, _ in files], progress)
            try:
                # The first attempt plans up to its first new fact without the write lock (a
                # re-import of what is there takes no lock and writes nothing); if another writer
                # got there first meanwhile, the retry plans everything under the lock.
                # The recording time is read before checking, so that the checking process
                # makes each entry's stored bytes and leaf hash (re-stamped under the lock if
                # the ledger's last recording time is later by then: `storage.writer.write`).
                stamp = store.now()
                chunks = prepared_chunks(files, stamp=stamp)
                written = store.append(planner.batches(chunks), lazy=attempt == 1, stamp=stamp)
                break
            except ConflictError:
                if attempt == 2:
                    raise
                log_.info("import.conflict", retry=True)
        # The size this import's commit left: another writer may have committed since.
        size = self.size() if written is None else written
        log_.info("import.done", appended=planner.appended, unchanged=planner.unchanged, size=size)
        return ImportResult(planner.appended, planner.unchanged, size, _warnings(files))

    def import_files(self, paths: PathLike | Iterable[PathLike]) -> ImportResult:
        """Import fact files (one path, or several), all or nothing."""
        self._store  # noqa: B018  (a closed ledger says so before any file is read)
        named = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
        return self.import_facts((os.fsdecode(p), Path(p).read_bytes()) for p in named)

    def check_facts(
        self,
        inputs: Iterable[tuple[str, bytes]],
        *,
        max_errors: int = MAX_ERRORS,
        progress: Callable[[int], None] | None = None,
    ) -> ImportCheck:
        """A dry run of `import_facts`: every line of every input checked, and planned against the
        ledger (an id it holds with other content, a missing or ineligible correction target, a
        second correction), without writing anything or taking the write lock. Returns every
        problem found (the first `max_errors` of them as `FactError`s, and how many more), and
        how many facts the import would append and find unchanged."""
        return _check(_Known(self._store), list(inputs), max_errors, progress, self.size)

    def check_files(self, paths: Sequence[str | Path], *, max_errors: int = MAX_ERRORS) -> ImportCheck:
        return self.check_facts(((str(p), Path(p).read_bytes()) for p in paths), max_errors=max_errors)

    # Reading

    def size(self) -> int:
        """The number of entries in the ledger."""
        return self._run(entries.size())

    def _horizon(self, size: int | None, known_at: MomentLike | None) -> int:
        return self._run(entries.horizon(size, known_at_text(known_at)))

    def entries(self, *, size: int | None = None, known_at: MomentLike | None = None) -> Iterator[Entry]:
        """Entries in recording order, within the knowledge horizon; each is checked against its
        index row and its Merkle leaf as it is read (`verify` checks the whole ledger)."""
        n = self._horizon(size, known_at)
        return (entry for _, entry in self._stream(entries.entries(n)))

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
        states: str | Iterable[str] | None = None,
    ) -> World:
        """The world on `as_of`, as the ledger knew it after `size` entries / at `known_at`.

        With `snapshots` (the default), a replay of the whole ledger resumes from the latest
        projection snapshot before `as_of` and leaves new ones behind; the answer is the same.

        `states` (a state code, or several) limits the document to those states and the missions
        they host or contribute to; a code that is none is a UsageError (`param` "states")."""
        day = as_of_day(as_of)
        chosen = state_codes(states)
        plan = replay.world(
            day,
            size,
            known_at_text(known_at),
            self._store.where,
            snapshots=snapshots,
            every=self._snapshot_every,
            states=chosen,
        )
        answer = self._run(plan)
        if answer.snapshots and not self._store.save_snapshots(answer.size, answer.snapshots):
            log_.debug("snapshots.not_saved", size=answer.size)
        return answer.world

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
        return self._run(replay.run(sink, n, as_of_day(as_of).toordinal()))

    def timeline(
        self,
        *,
        start: DateLike | None = None,
        end: DateLike | None = None,
        state: str | None = None,
        mission: str | None = None,
        size: int | None = None,
        known_at: MomentLike | None = None,
    ) -> Iterator[Folded]:
        """Folded facts in replay order, from `start` to `end` (effective days), about `state` (a
        state code) and `mission`: an iterator, as `entries()`, over facts read when it is called.
        A `state` that is no state code, or a `mission` that no considered entry creates, is a
        UsageError (`param` "state" or "mission") with a hint; a state without facts is not."""
        first, last = day_bounds(start, end)
        n = self._horizon(size, known_at)
        return iter(self._run(replay.narrowed_timeline(n, first, last, state=state, mission=mission)))

    # Exports (contract section 14)

    def spells(
        self,
        as_of: DateLike | None = None,
        *,
        size: int | None = None,
        known_at: MomentLike | None = None,
        lang: str = "en",
    ) -> Iterator[Spell]:
        """Office and contingent spells up to `as_of` (open ones at `as_of` without an end), sorted
        by kind, state, office or mission, start day and holder; each holder named in `lang`. The
        spells are found in one replay from the first fact, then handed out one by one."""
        day, lang = as_of_day(as_of), language(lang)
        n = self._horizon(size, known_at)
        return iter(self._run(replay.spells(n, day.toordinal(), lang)))

    @overload
    def export(
        self,
        kind: Literal["facts"],
        *,
        as_of: DateLike | None = ...,
        size: int | None = ...,
        known_at: MomentLike | None = ...,
        lang: str = ...,
    ) -> Iterator[FactRow]: ...
    @overload
    def export(
        self,
        kind: Literal["spells"],
        *,
        as_of: DateLike | None = ...,
        size: int | None = ...,
        known_at: MomentLike | None = ...,
        lang: str = ...,
    ) -> Iterator[Spell]: ...
    @overload
    def export(
        self,
        kind: Literal["entries"],
        *,
        as_of: None = ...,
        size: int | None = ...,
        known_at: MomentLike | None = ...,
        lang: str = ...,
    ) -> Iterator[Fact]: ...
    @overload
    def export(
        self,
        kind: str,
        *,
        as_of: DateLike | None = ...,
        size: int | None = ...,
        known_at: MomentLike | None = ...,
        lang: str = ...,
    ) -> Iterator[Any]: ...
    def export(
        self,
        kind: str,
        *,
        as_of: DateLike | None = None,
        size: int | None = None,
        known_at: MomentLike | None = None,
        lang: str = "en",
    ) -> Iterator[Any]:
        """The rows of an export (contract section 14), streamed: `facts` (`FactRow`s, the folded
        facts up to `as_of` in replay order, read a page at a time), `spells` (`Spell`s, as
        `spells`) or `entries` (every entry's fact in recording order, as `facts()`; `as_of` does
        not apply). A `facts` row's summary is the line `timeline` shows, and a spell's `name` the
        holder's, each named in `lang`. `ledger.exports.write` and `write_file` write them as CSV,
        JSON Lines or Parquet. Arguments are checked before the first row is read."""
        if kind == "entries":
            if as_of is not None:
                raise UsageError(
                    "does not apply to entries: they are every entry, in recording order", param="as_of"
                )
            language(lang)
            return self.facts(size=size, known_at=known_at)
        if kind == "spells":
            return self.spells(as_of, size=size, known_at=known_at, lang=lang)
        if kind != "facts":
            raise UsageError("not a kind of export (facts, spells or entries)", param="kind", value=kind)
        day, lang = as_of_day(as_of), language(lang)
        n = self._horizon(size, known_at)
        name = names(self.actors(size=n), lang)  # the timeline's line, with the same names
        pages = self._stream(replay.folded_pages(n, day.toordinal()))
        return chain.from_iterable(map(FactRows(name).page, pages))

    # Charts (contract section 15)

    def chart(
        self,
        *,
        state: str | None = None,
        mission: str | None = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        size: int | None = None,
        known_at: MomentLike | None = None,
        lang: str = "en",
    ) -> Chart:
        """What `ledger plot` draws for a `state` (its offices, and the contingents on its soil)
        or a `mission` (its contingents), exactly one of them, from `start` to `end` (default:
        the first and last effective day of the facts shown): lanes of bars (spells, holders
        named in `lang`), events and promises' deadlines judged on the last day shown. A state
        that is no state code, a mission that does not exist, or nothing to draw is a UsageError
        (`param` "state" or "mission")."""
        first, last, lang = chart_options(state, mission, start, end, lang)
        n = self._horizon(size, known_at)
        return self._run(chart.chart(n, state=state, mission=mission, start=first, end=last, lang=lang))

    def plot(
        self,
        path: PathLike,
        *,
        state: str | None = None,
        mission: str | None = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        size: int | None = None,
        known_at: MomentLike | None = None,
        lang: str = "en",
    ) -> Chart:
        """Draw `chart(...)` to the file `path`: SVG, PNG or PDF by its suffix (another suffix is
        a UsageError, `param` "output", before anything is read), written whole or not at all.
        The same ledger and arguments give the same bytes. Returns the chart drawn."""
        from ledger.chart.draw import picture_format, render

        fmt = picture_format(path)
        drawn = self.chart(
            state=state, mission=mission, start=start, end=end, size=size, known_at=known_at, lang=lang
        )
        write_bytes(path, render(drawn, fmt))
        return drawn

    def actors(
        self, *, size: int | None = None, known_at: MomentLike | None = None
    ) -> dict[str, Description]:
        """What the considered descriptions say of each actor (contract section 10), by actor: the
        `actors` of a document, for every described actor; `ledger.names(lg.actors(), "ar")`
        names them in a language, as tables do."""
        return self._run(replay.descriptions(self._horizon(size, known_at), self._store.where))

    def show(self, ref: str | int) -> FactView:
        """One fact by id, or by seq (an int, or a string of digits only)."""
        return self._run(entries.show(ref, self._store.where))

    # The verifiable log (contract section 8)

    def root(self, size: int | None = None) -> str:
        """The Merkle root (hex) of the first `size` entries (default: all)."""
        return self._run(log.root(self._horizon(size, None))).hex()

    def log(self, *, size: int | None = None, known_at: MomentLike | None = None) -> Iterator[LogLine]:
        """One line per entry in recording order, with its Merkle leaf hash; each entry is checked
        against its index row and its Merkle leaf as it is read."""
        return self._stream(entries.log_lines(self._horizon(size, known_at)))

    # Following a growing ledger

    def follow(
        self, *, after: int | None = None, idle: float | None = None, timeout: float | None = None
    ) -> Iterator[Entry]:
        """Entries as they are committed: those after seq `after` (-1: from the first; None: only
        the entries committed from the first iteration on), then each new one as an import
        commits it, in recording order, each checked against its index row and Merkle leaf as
        `entries` checks them. On PostgreSQL eventsourcing's subscription (LISTEN/NOTIFY) wakes
        it at each commit; on SQLite it polls (every 0.2 s).

        It ends after `idle` seconds without a new entry, after `timeout` seconds in all, or
        when the ledger is closed (from another thread too); otherwise it goes on for ever."""
        follow.check_limits(after, idle, timeout)
        return self._follow(after, lambda start: follow.entries(start, idle=idle, timeout=timeout))

    def follow_log(
        self, *, after: int | None = None, idle: float | None = None, timeout: float | None = None
    ) -> Iterator[LogLine]:
        """`follow`, as `log` lines (with each entry's Merkle leaf hash): `ledger log --follow`."""
        follow.check_limits(after, idle, timeout)
        return self._follow(after, lambda start: follow.log_lines(start, idle=idle, timeout=timeout))

    def _follow(self, after: int | None, plan: Callable[[int], Stream[T]]) -> Iterator[T]:
        start = self.size() - 1 if after is None else after
        waker = self._store.waker()
        self._wakers.add(waker)
        try:
            yield from stream(plan(start), self._fetch, waker.wait)
        except LedgerError:
            if not self.closed:
                raise  # else the ledger was closed under the follower, mid-read: it ends
        finally:
            self._wakers.discard(waker)
            waker.close()

    def checkpoint(self, *, private_key: str | None = None) -> Checkpoint:
        """The checkpoint for the current size, signed when a private key (text) is given."""
        return self._run(checkpoint_plan(self._store.where, private_key))

    def inclusion_proof(self, ref: str | int, *, size: int | None = None) -> InclusionProof:
        """An RFC 6962 inclusion proof of one entry (by id or seq) in the tree of `size` entries."""
        return self._run(inclusion_plan(ref, size))

    def consistency_proof(self, old: int, new: int | None = None) -> ConsistencyProof:
        """An RFC 6962 proof that the first `new` entries extend the first `old`, unchanged."""
        return self._run(consistency_plan(old, new))

    def verify(self, against: Checkpoint | None = None, *, public_key: str | None = None) -> VerifyReport:
        """Re-read every entry, leaf, node and checkpoint; optionally prove consistency with `against`."""
        return verify(self._store, against, public_key)

    # Audits (contract section 12)

    def promises(
        self,
        as_of: DateLike | None = None,
        *,
        mission: str | None = None,
        state: str | None = None,
        size: int | None = None,
        known_at: MomentLike | None = None,
    ) -> PromisesDocument:
        """Every promise (a withdrawal's start or completion deadline, a mandate's end) folded by
        `as_of` (default: today, UTC), judged on that day: `met`, `late`, `overdue` or `pending`,
        with its outcome and what replaced it; as the ledger knew it after `size` entries / at
        `known_at`. `mission` keeps that mission, `state` the missions it hosts. A `state` that is
        no state code is a UsageError (`param` "state"); a `mission` that does not exist on
        `as_of`, MissionNotFound (a UsageError and a LookupError, `param` "mission"). The document
        of `ledger audit promises --json`, without its receipt."""
        day, n, options = self._audit_args(as_of, mission, state, size, known_at)
        answer: PromisesDocument = self._run(answers.answer("audit promises", day, n, options))
        return answer

    def conflicts(
        self, as_of: DateLike | None = None, *, size: int | None = None, known_at: MomentLike | None = None
    ) -> ConflictsDocument:
        """Every quantity (a contingent's personnel, or a mission's as a whole) whose `strength` is
        disputed on `as_of` (default: today, UTC), by mission, then contributor (the mission as a
        whole, None, first). The document of `ledger audit conflicts --json`, without its receipt."""
        day, n, _ = self._audit_args(as_of, None, None, size, known_at)
        answer: ConflictsDocument = self._run(answers.answer("audit conflicts", day, n))
        return answer

    def _audit_args(
        self,
        as_of: DateLike | None,
        mission: str | None,
        state: str | None,
        size: int | None,
        known_at: MomentLike | None,
    ) -> tuple[date, int, dict[str, str]]:
        day, options = audit_options(as_of, mission, state)
        return day, self._horizon(size, known_at), options

    # Receipts (contract section 13)

    def check(self, document: Mapping[str, Any] | bytes | str) -> CheckReport:
        """Check a receipted document (`replay --json`, as JSON text or parsed): answer its query
        again from the first `receipt.size` entries, each re-hashed from its stored bytes, and
        compare the root, the new answer's digest and the document's own digest with its receipt.

        A document that is not one, or a size beyond the ledger, is UsageError (param `document`,
        the message naming the JSON path); a difference is a report with `ok` false."""
        return self._run(answers.check(read_document(document)))
