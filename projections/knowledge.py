"""What the ledger knew: the entries considered, the corrections among them, replay order.

Contract section 4: `size` keeps the first N entries, `known_at` those recorded
at or before a moment; a retraction or supersession among them hides its
target at every as-of date; folding order is (effective day, type rank,
recording order).
"""

from __future__ import annotations

from collections.abc import Iterable

from ledger.entries import Entry
from ledger.facts import FactRetracted, replay_day


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
    """The facts to fold, in replay order: corrected facts and retractions left out; descriptions
    (knowledge, at day 0 of the replay index) first, whatever their date."""
    hidden = corrected(entries)
    kept = [
        (replay_day(e.fact.TYPE, e.effective), e)
        for e in entries
        if not isinstance(e.fact, FactRetracted)
        and e.fact.fact_id not in hidden
        and (as_of is None or replay_day(e.fact.TYPE, e.effective) <= as_of)
    ]
    kept.sort(key=lambda item: (item[0], item[1].fact.RANK, item[1].seq))
    return [e for _, e in kept]
