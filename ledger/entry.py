"""Moved to `ledger.entries` (kept while the projections move over)."""

from ledger.entries import Entry, Folded

__all__ = ["Entry", "Folded"]
