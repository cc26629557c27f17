"""How a follower of a growing ledger waits for the next commit (`Ledger.follow`).

A `Waker` is asked to wait at most so many seconds; it returns True when something may have been
committed meanwhile (or it is time to look again), False once it was closed: the follower then
stops. On SQLite, which eventsourcing's recorder cannot subscribe to, it is a plain poll
(`PollWaker`); on PostgreSQL, eventsourcing's own subscription (LISTEN/NOTIFY) wakes it
(`ledger.storage.postgres.waking`).
"""

from __future__ import annotations

import threading
from typing import Protocol

POLL_S = 0.2  # how often a SQLite follower looks for new entries


class Waker(Protocol):
    def wait(self, seconds: float | None) -> bool:
        """Wait up to `seconds` (None: as long as it takes) for a commit; False once closed."""

    def close(self) -> None:
        """Stop waiting, now and from now on (from any thread)."""


class PollWaker:
    """Wakes every `poll` seconds, whatever happened: the follower then reads what is new."""

    def __init__(self, poll: float = POLL_S) -> None:
        self._poll = poll
        self._closed = threading.Event()

    def wait(self, seconds: float | None) -> bool:
        self._closed.wait(self._poll if seconds is None else min(seconds, self._poll))
        return not self._closed.is_set()

    def close(self) -> None:
        self._closed.set()
