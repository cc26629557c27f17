"""eventsourcing's own recorder tests (`eventsourcing.tests.persistence.ApplicationRecorderTestCase`,
installed with eventsourcing) against the recorders the ledger builds over its databases: the
PostgreSQL `LedgerRecorder` (our subclass, over a ledger's schema, its tables made by the ledger)
and eventsourcing's SQLite recorder over a ledger file (`ledger.baseline.recorder`).

The deliberate restriction (docs/architecture.md, "eventsourcing's part"): the ledger's entries
are written only by the ledger's own append (`ledger.storage.writer`), never by eventsourcing's
`insert_events`; a row that `insert_events` puts into a real ledger is a row no entry made, and
`verify` refuses the ledger (tested last here). So each test below runs on a ledger made for it
and thrown away, and the test methods that only measure `insert_events` (its speed, its
concurrent writers) are skipped by name, with that reason: the ledger never calls it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pg
import pytest
from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.tests.persistence import ApplicationRecorderTestCase
from strategies import fact, jsonl

from ledger import Ledger
from ledger.baseline import recorder

NEVER_CALLED = (
    "measures eventsourcing's insert_events, which the ledger never calls: its entries are written "
    "only by its own append, under the same lock (docs/architecture.md)"
)
SKIPPED = {
    "test_performance": NEVER_CALLED,
    "test_concurrent_no_conflicts": NEVER_CALLED,
    "test_concurrent_throughput": NEVER_CALLED,
}


class _OnALedger(ApplicationRecorderTestCase[ApplicationRecorder]):
    """The test case, each method on a new, empty ledger of the backend."""

    __test__ = False
    ledger_names: ClassVar[Iterator[str]]

    def setUp(self) -> None:
        name = self._testMethodName
        if name in SKIPPED:
            pytest.skip(f"{name}: {SKIPPED[name]}")
        super().setUp()

    def create_recorder(self) -> ApplicationRecorder:
        target = next(self.ledger_names)
        Ledger.open(target, create=True).close()  # the ledger's own tables, as `ledger init` makes them
        context = recorder(target)
        made = context.__enter__()
        self.addCleanup(context.__exit__, None, None, None)
        return made


@pytest.fixture
def sqlite_ledgers(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    request.cls.ledger_names = (str(tmp_path / f"ledger-{n}.db") for n in range(1_000_000))


@pytest.fixture
def postgres_ledgers(pg_database: str | None, request: pytest.FixtureRequest) -> None:
    request.cls.ledger_names = (pg.new_ledger_url(pg_database) for _ in range(1_000_000))


@pytest.mark.usefixtures("sqlite_ledgers")
class TestSQLiteLedgerRecorder(_OnALedger):
    __test__ = True


@pytest.mark.usefixtures("postgres_ledgers")
class TestPostgresLedgerRecorder(_OnALedger):
    __test__ = True

    def new_originator_id(self) -> str:
        return str(uuid.uuid4())  # the ledger's aggregate ids are text (32 hex digits)

    def test_insert_subscribe(self) -> None:
        """eventsourcing's subscription on our schema: what `Ledger.follow` wakes on."""
        self.optional_test_insert_subscribe()


def test_insert_events_into_a_real_ledger_is_refused_by_verify(tmp_path: Path) -> None:
    """Why the restriction: eventsourcing's insert is no entry of the log."""
    db = tmp_path / "l.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_facts([("a.jsonl", jsonl(fact("DeploymentCompleted", "2022", mission="m")))])
    with recorder(db) as rec:
        rec.insert_events([StoredEvent(uuid.uuid4().hex, 1, "fact:DeploymentCompleted", b"{}")])
    with Ledger.open(db) as lg:
        report: Any = lg.verify()
    assert not report.ok
    assert "stored_events holds 1 row(s) that no entry or correction makes" in report.message
