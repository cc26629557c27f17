"""A follower's wake-up on PostgreSQL: eventsourcing's subscription to the ledger's recorder.

Every import's transaction sends eventsourcing's `NOTIFY` (`ledger.storage.writer` calls the
transaction's `notify`), so eventsourcing's `PostgresApplicationRecorder.subscribe` (a thread
that LISTENs, and one that reads the new notifications) sees each commit. A thread of ours
drains the subscription and sets an event; the follower waits on that event, and reads the new
entries through the ledger's own checked read (`ledger.reading.follow`), never through the
notifications themselves. A poll every `poll` seconds remains, in case the subscription's
connection is lost.
"""

from __future__ import annotations

import threading
from typing import Any

import structlog

from ledger.errors import StoreError, one_line
from ledger.storage.postgres import recorder
from ledger.storage.postgres.settings import Settings
from ledger.storage.waking import POLL_S

POLL_PG_S = 5.0  # a follower looks again at least this often, even without a notification
log = structlog.get_logger("ledger")


def follower(settings: Settings, lock_timeout: int, where: str) -> SubscriptionWaker:
    """A started subscription, or StoreError naming the ledger when it cannot start."""
    try:
        return SubscriptionWaker(settings, lock_timeout)
    except Exception as e:  # psycopg's or eventsourcing's: the server, not the user's input
        raise StoreError(f"{where}: cannot follow the ledger: {one_line(e)}") from None


class SubscriptionWaker:
    """Wakes when eventsourcing's subscription delivers a notification (or every `poll` seconds)."""

    def __init__(self, settings: Settings, lock_timeout: int, poll: float = POLL_PG_S) -> None:
        self._poll = max(poll, POLL_S)
        self._event = threading.Event()
        self._closed = False
        self._store = recorder.datastore(settings, lock_timeout, connections=2)  # LISTEN, and reads
        try:
            app = recorder.LedgerRecorder(self._store)
            self._subscription: Any = app.subscribe(gt=app.max_notification_id())
            self._subscription.__enter__()
        except BaseException:
            self._store.close()
            raise
        self._thread = threading.Thread(target=self._drain, name="ledger-follow", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        try:
            for _ in self._subscription:
                self._event.set()
        except Exception as e:  # the connection was lost: the poll goes on
            if not self._closed:
                log.warning("follow.subscription_lost", error=one_line(e))
        finally:
            self._event.set()

    def wait(self, seconds: float | None) -> bool:
        if self._closed:
            return False
        self._event.wait(self._poll if seconds is None else min(seconds, self._poll))
        self._event.clear()  # before the follower reads: a commit after this wakes the next wait
        return not self._closed

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._event.set()
        try:
            self._subscription.stop()
            self._subscription.__exit__(None, None, None)  # joins eventsourcing's threads
            self._thread.join()
        finally:
            self._store.close()
