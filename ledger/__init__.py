"""timeline-ledger: an event-sourced ledger of cited political facts.

from ledger import Ledger
with Ledger.open("ledger.db") as lg:
    world = lg.replay(as_of="2022-01-12")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Where each public name lives; imported on first use, so that `import ledger.facts` (or the
# projections) loads neither the store nor eventsourcing, sqlite3 or psycopg.
_PUBLIC = {
    "AsyncLedger": "ledger.async_api",
    "Chart": "ledger.chart.shape",
    "CheckReport": "ledger.receipts",
    "Conflict": "projections.conflicts",
    "ConflictsDocument": "projections.conflicts",
    "Checkpoint": "ledger.checkpoint",
    "ConsistencyProof": "ledger.verification",
    "Entry": "ledger.entries",
    "FactView": "ledger.entries",
    "ImportCheck": "ledger.entries",
    "ImportResult": "ledger.entries",
    "InclusionProof": "ledger.verification",
    "LOCK_TIMEOUT_S": "ledger.storage.constants",
    "Ledger": "ledger.api",
    "LogLine": "ledger.entries",
    "Outcome": "projections.promises",
    "Promise": "projections.promises",
    "PromisesDocument": "projections.promises",
    "Receipt": "ledger.receipts",
    "VerifyReport": "ledger.verification",
    "World": "projections.world",
    "described_name": "projections.actors",
    "names": "projections.actors",
}
__all__ = [
    "LOCK_TIMEOUT_S",
    "AsyncLedger",
    "Chart",
    "CheckReport",
    "Checkpoint",
    "Conflict",
    "ConflictsDocument",
    "ConsistencyProof",
    "Entry",
    "FactView",
    "ImportCheck",
    "ImportResult",
    "InclusionProof",
    "Ledger",
    "LogLine",
    "Outcome",
    "Promise",
    "PromisesDocument",
    "Receipt",
    "VerifyReport",
    "World",
    "described_name",
    "errors",
    "names",
]

if TYPE_CHECKING:  # pragma: no cover
    from ledger import errors
    from ledger.api import Ledger
    from ledger.async_api import AsyncLedger
    from ledger.chart.shape import Chart
    from ledger.checkpoint import Checkpoint
    from ledger.entries import Entry, FactView, ImportCheck, ImportResult, LogLine
    from ledger.receipts import CheckReport, Receipt
    from ledger.storage.constants import LOCK_TIMEOUT_S
    from ledger.verification import ConsistencyProof, InclusionProof, VerifyReport
    from projections.actors import described_name, names
    from projections.conflicts import Conflict, ConflictsDocument
    from projections.promises import Outcome, Promise, PromisesDocument
    from projections.world import World


def __getattr__(name: str) -> Any:
    if name == "errors":
        return importlib.import_module("ledger.errors")
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'ledger' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
