"""A ledger entry: one appended fact with its position and recording time."""

from __future__ import annotations

from datetime import date

import msgspec

from ledger.facts import AnyFact


class Entry(msgspec.Struct, frozen=True):
    """Entry `seq` (0-based, recording order), recorded at `recorded_at` (UTC)."""

    seq: int
    recorded_at: str
    effective: int  # ordinal of the effective day, computed once at import
    fact: AnyFact

    @property
    def effective_day(self) -> date:
        return date.fromordinal(self.effective)


class Folded(msgspec.Struct, frozen=True):
    """A fact as replay folds it: its entry's seq and its effective day."""

    seq: int
    effective: int
    fact: AnyFact

    @property
    def effective_day(self) -> date:
        return date.fromordinal(self.effective)
