"""Following a growing ledger: the entries after a given seq, then each new one as it is
committed, each checked against its index row and Merkle leaf as `entries` checks them.

Written once, for `Ledger.follow` and `AsyncLedger.follow`: the plan reads what is there, then
yields `Wait` for the driver to wait on its backend's waker (eventsourcing's subscription on
PostgreSQL, a poll on SQLite: `ledger.storage.waking`), and reads again. It ends after `idle`
seconds without a new entry, after `timeout` seconds in all, or when the waker is closed. A
lost connection (a PostgreSQL server restarting) does not end it: it asks again every `RETRY_S`
seconds until the server answers (a warning in the log each time).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ledger.entries import Entry, LogLine
from ledger.errors import LedgerCorrupt, UsageError
from ledger.reading.entries import entry
from ledger.reading.plans import Poll, Query, Stream, Wait, transform
from ledger.storage import sql
from ledger.storage.checks import Row

RETRY_S = 2.0  # after a lost connection, the next try, unless a commit wakes the follower first


def check_limits(after: int | None, idle: float | None, timeout: float | None) -> None:
    """The arguments of `follow`, checked before anything is opened."""
    if after is not None and (type(after) is not int or after < -1):
        raise UsageError("must be a seq (0 or more), or -1 for every entry", param="after", value=after)
    for name, value in (("idle", idle), ("timeout", timeout)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
            raise UsageError("must be a number of seconds, 0 or more", param=name, value=value)


def following(
    after: int,
    *,
    idle: float | None = None,
    timeout: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Stream[tuple[Row, Entry]]:
    """Rows and checked entries of seq `after + 1`, `after + 2`, ... as they are committed."""
    seq = after + 1
    start = last_new = clock()
    while True:
        lost = False
        while True:
            found = yield Poll(Query(sql.ENTRIES, (seq, 1 << 62, sql.PAGE)))
            if found is None:  # the connection was lost (a server restarting): ask again soon
                lost = True
                break
            for r in found:
                row = Row(*r)
                if row.seq != seq:
                    raise LedgerCorrupt("the entry is missing: the ledger was altered", seq)
                yield row, entry(row)
                seq += 1
            if found:
                last_new = clock()
            if len(found) < sql.PAGE:
                break
        now = clock()
        left = [t for t in (None if idle is None else last_new + idle - now,
                            None if timeout is None else start + timeout - now) if t is not None]  # fmt: skip
        if left and min(left) <= 0:
            return
        if lost:
            left.append(RETRY_S)
        yield Wait(min(left) if left else None)


def entries(after: int, *, idle: float | None = None, timeout: float | None = None) -> Stream[Entry]:
    return transform(following(after, idle=idle, timeout=timeout), lambda item: [item[1]])


def log_lines(after: int, *, idle: float | None = None, timeout: float | None = None) -> Stream[LogLine]:
    """`ledger log --json` lines of the entries as they come (as `reading.entries.log_lines`)."""

    def line(item: tuple[Row, Entry]) -> list[LogLine]:
        row, e = item
        leaf = None if row.leaf is None else row.leaf.hex()
        return [LogLine(row.seq, row.fact_id, row.type, e.fact.occurred, row.recorded_at, leaf)]

    return transform(following(after, idle=idle, timeout=timeout), line)
