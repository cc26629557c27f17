"""eventsourcing's own read path, kept as the baseline the fast loop is measured against.

`select_notifications` in batches, `mapper.to_domain_event` for every row,
then the same knowledge, ordering and projections as the fast loop, done in
memory. Used by `ledger bench` and by the tests that check both paths agree.
"""

from __future__ import annotations

from datetime import date

from ledger.domain import FactRecorded
from ledger.entry import Entry
from ledger.sqlite_recorder import LedgerApplication
from projections.fold import Projection, fold
from projections.knowledge import replay_order


def stock_replay(app: LedgerApplication, as_of: date, size: int | None = None) -> Projection:
    """Replay through eventsourcing's notification log and our mapper, one domain event per row."""
    entries: list[Entry] = []
    start: int | None = None
    while size is None or len(entries) < size:
        notifications = app.recorder.select_notifications(start, 1000, inclusive_of_start=False)
        if not notifications:
            break
        for notification in notifications:
            if notification.originator_version != 1:
                continue  # a correction record, not a ledger entry
            event = app.mapper.to_domain_event(notification)
            assert isinstance(event, FactRecorded)
            entries.append(Entry(len(entries), "", event.effective.toordinal(), event.fact))
        start = notifications[-1].id
    if size is not None:
        entries = entries[:size]
    return fold(replay_order(entries, as_of.toordinal()))
