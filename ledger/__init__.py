"""timeline-ledger: an event-sourced ledger of cited political facts.

from ledger import Ledger
with Ledger.open("ledger.db") as lg:
    world = lg.replay(as_of="2022-01-12")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "AsyncLedger",
    "Checkpoint",
    "ConsistencyProof",
    "Entry",
    "FactView",
    "ImportResult",
    "InclusionProof",
    "Ledger",
    "VerifyReport",
    "World",
    "errors",
]

if TYPE_CHECKING:  # pragma: no cover
    from ledger import errors
    from ledger.api import FactView, ImportResult, Ledger
    from ledger.async_api import AsyncLedger
    from ledger.audit import ConsistencyProof, InclusionProof, VerifyReport
    from ledger.checkpoint import Checkpoint
    from ledger.entry import Entry
    from projections.world import World


def __getattr__(name: str) -> Any:
    # Lazy, so that importing `projections` first cannot run into a cycle.
    if name in ("Ledger", "ImportResult", "FactView"):
        from ledger import api

        return getattr(api, name)
    if name in ("VerifyReport", "InclusionProof", "ConsistencyProof"):
        from ledger import audit

        return getattr(audit, name)
    if name == "AsyncLedger":
        from ledger.async_api import AsyncLedger

        return AsyncLedger
    if name == "Checkpoint":
        from ledger.checkpoint import Checkpoint

        return Checkpoint
    if name == "World":
        from projections.world import World

        return World
    if name == "Entry":
        from ledger.entry import Entry

        return Entry
    if name == "errors":
        import ledger.errors

        return ledger.errors
    raise AttributeError(name)
