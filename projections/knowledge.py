"""What the ledger knew: the entries considered, the corrections among them, replay order.

Contract section 4: `size` keeps the first N entries, `known_at` those recorded
at or before a moment; a retraction or supersession among them hides its
target at every as-of date; folding order is (effective day, type rank,
recording order).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ledger.entry import Entry
from ledger.facts import FactRetracted


def considered(entries: Iterable[Entry], size: int | None, known_at: str | None) -> Iterator[Entry]:
    """The entries within the knowledge horizon, in recording order."""
    for entry in entries:
        if size is not None and entry.seq >= size:
            return
        if known_at is not None and entry.recorded_at > known_at:
            return  # recording times never decrease with seq
        yield entry


def corrected(entries: Iterable[Entry]) -> set[str]:
    """Ids of facts retracted or superseded by any of `entries`."""
    targets: set[str] = set()
    for entry in entries:
        fact = entry.fact
        if isinstance(fact, FactRetracted):
            targets.add(fact.target)
        elif fact.supersedes is not None:
            targets.add(fact.supersedes)
    return targets


def replay_order(entries: list[Entry], as_of: int | None = None) -> list[Entry]:
    """The facts to fold, in replay order: corrected facts and retractions left out."""
    hidden = corrected(entries)
    kept = [
        e
        for e in entries
        if not isinstance(e.fact, FactRetracted)
        and e.fact.fact_id not in hidden
        and (as_of is None or e.effective <= as_of)
    ]
    kept.sort(key=lambda e: (e.effective, e.fact.RANK, e.seq))
    return kept
