"""eventsourcing's own read path, kept as the baseline the fast loop is measured against.

eventsourcing's recorder reads the ledger's `stored_events` (`select_notifications`, in batches),
a mapper turns every row into a domain event, and the same knowledge, ordering and projections as
the fast loop are applied in memory. Two mappers, as docs/performance.md measures them:
`stock_replay` uses eventsourcing's own `Mapper` with its `JSONTranscoder` (topics resolved
through eventsourcing's topic registry, each fact's JSON object then made a typed fact), the read
path an eventsourcing application has out of the box; `msgspec_replay` uses our `FactMapper`,
which decodes each stored entry with msgspec straight into the typed fact. Used by `ledger bench`
and by the tests that check every path agrees. Nothing here is on the ledger's own read or write
path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
from eventsourcing.persistence import ApplicationRecorder, JSONTranscoder, Mapper, StoredEvent
from eventsourcing.utils import register_topic

from ledger.dates import parse_date
from ledger.entries import Entry
from ledger.errors import LedgerCorrupt
from ledger.facts import AnyFact
from ledger.storage.constants import LOCK_TIMEOUT_S
from ledger.storage.events import CORRECTION_TOPIC, FACT_TOPICS, aggregate_id, decode_entry
from ledger.storage.urls import is_postgres
from projections.fold import Projection, fold
from projections.knowledge import replay_order


class FactRecorded(msgspec.Struct, frozen=True):
    """A fact entered the ledger (version 1 of its aggregate), as eventsourcing's mapper gives it."""

    originator_id: str
    originator_version: int
    fact: AnyFact
    effective: date


class FactMapper(Mapper[Any]):
    """Maps our stored events to domain events for eventsourcing's reads (the stock JSON
    transcoder is never used: a fact's state is its entry's RFC 8785 bytes)."""

    def __init__(self) -> None:
        super().__init__(transcoder=JSONTranscoder())

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        raise TypeError("the ledger's entries are written by its own writer (ledger.storage.writer)")

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        if stored_event.topic == CORRECTION_TOPIC:
            return None  # a correction record, not a ledger entry
        fact = decode_entry(stored_event.topic, stored_event.state).fact
        effective = parse_date(fact.occurred).effective
        return FactRecorded(aggregate_id(fact.fact_id), 1, fact, effective)


@contextmanager
def recorder(target: str | Path, lock_timeout: int = LOCK_TIMEOUT_S) -> Iterator[ApplicationRecorder]:
    """eventsourcing's application recorder over the ledger's database (connections of its own).

    On PostgreSQL its `subscribe()` sees every import's facts as they are committed (each
    import's transaction sends eventsourcing's NOTIFY); on SQLite eventsourcing has no
    subscription (`Ledger.follow` polls instead). Read only: the ledger's entries are written by
    its own append, never by the recorder's `insert_events` (docs/architecture.md)."""
    if is_postgres(target):
        from ledger.storage.postgres.recorder import LedgerRecorder, datastore
        from ledger.storage.postgres.settings import Settings

        store = datastore(Settings(str(target)), lock_timeout, connections=2)  # `subscribe` works too
        try:
            yield LedgerRecorder(store)
        finally:
            store.close()
        return
    from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

    sqlite_store = SQLiteDatastore(str(target), lock_timeout=lock_timeout)
    try:
        yield SQLiteApplicationRecorder(sqlite_store)
    finally:
        sqlite_store.close()


class StockFactRecorded:
    """A fact entered the ledger, as eventsourcing's stock `Mapper` makes it: an object whose
    `__dict__` is the stored state the `JSONTranscoder` decoded (`fact`, a JSON object, and
    `recorded_at`), with the stored event's originator id and version."""

    originator_id: str
    originator_version: int
    fact: dict[str, Any]
    recorded_at: str


@functools.cache
def stock_mapper() -> Mapper[Any]:
    """eventsourcing's own `Mapper` and `JSONTranscoder`; our fact topics registered once in its
    topic registry, so that `resolve_topic` finds them there and never imports a module."""
    for topic in FACT_TOPICS:
        register_topic(topic, StockFactRecorded)
    return Mapper(transcoder=JSONTranscoder())


def stock_replay(app: ApplicationRecorder, as_of: date, size: int | None = None) -> Projection:
    """Replay through eventsourcing's notification log and its stock mapper, one domain event per
    row, each fact's JSON object then made the typed fact the projections fold. A topic that is
    not one of ours is refused before eventsourcing's `resolve_topic` sees it: resolving an
    unknown topic imports a module, and a ledger file must never make us import anything."""
    mapper = stock_mapper()

    def entry(notification: StoredEvent) -> tuple[int, AnyFact]:
        if notification.topic not in FACT_TOPICS:
            raise LedgerCorrupt(f"unknown stored type {notification.topic!r}")
        event = mapper.to_domain_event(notification)
        fact = msgspec.convert(event.fact, AnyFact)  # type: ignore[attr-defined]
        return parse_date(fact.occurred).effective.toordinal(), fact

    return _replay(app, as_of, size, entry)


def msgspec_replay(app: ApplicationRecorder, as_of: date, size: int | None = None) -> Projection:
    """Replay through eventsourcing's notification log and our msgspec mapper (`FactMapper`), one
    domain event per row."""
    mapper = FactMapper()

    def entry(notification: StoredEvent) -> tuple[int, AnyFact]:
        event = mapper.to_domain_event(notification)
        assert isinstance(event, FactRecorded)
        return event.effective.toordinal(), event.fact

    return _replay(app, as_of, size, entry)


def _replay(
    app: ApplicationRecorder,
    as_of: date,
    size: int | None,
    entry: Callable[[StoredEvent], tuple[int, AnyFact]],
) -> Projection:
    """The notification log read 1,000 rows at a time, each fact's stored event made (effective
    day, fact) by `entry`, then ordered and folded in memory as the reference fold does."""
    entries: list[Entry] = []
    start: int | None = None
    while size is None or len(entries) < size:
        notifications = app.select_notifications(start, 1000, inclusive_of_start=False)
        if not notifications:
            break
        for notification in notifications:
            if notification.originator_version != 1:
                continue  # a correction record, not a ledger entry
            effective, fact = entry(notification)
            entries.append(Entry(len(entries), "", effective, fact))
        start = notifications[-1].id
    if size is not None:
        entries = entries[:size]
    return fold(replay_order(entries, as_of.toordinal()))
