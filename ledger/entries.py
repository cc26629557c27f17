"""An entry of the ledger, in every shape a reader meets it.

Glossary (the other shapes live where they are made):

- *fact*: one cited claim, a `ledger.facts` Struct, as a file gives it.
- *entry*: a fact appended to the ledger: its position `seq` (0-based, recording order), its
  recording time (UTC) and its effective day. `Entry` is what `Ledger.entries()` yields.
- *folded fact*: a fact as replay folds it, in replay order: `Folded` (seq, effective day, fact).
- `LogLine`: an entry as `ledger log --json` prints it, with its Merkle leaf hash.
- `FactView`: an entry as `ledger show` presents it, with what corrected it.
- Inside the store: `storage.checks.Row` (an entry's stored row), `storage.events.StoredEntry`
  (its stored bytes, decoded), `storage.writer.NewEntry` (an entry about to be written),
  `validation.Checked` (a line of a file, checked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import msgspec

from ledger.errors import FactError
from ledger.facts import AnyFact, Fact


class Entry(msgspec.Struct, frozen=True):
    """Entry `seq` (0-based, recording order), recorded at `recorded_at` (UTC)."""

    seq: int
    recorded_at: str
    effective: int  # ordinal of the effective day, computed once at import
    fact: AnyFact

    @property
    def effective_day(self) -> date:
        return date.fromordinal(self.effective)


class Folded(msgspec.Struct, frozen=True, gc=False):
    """A fact as replay folds it: its entry's seq and its effective day. Not tracked by the
    garbage collector, as facts are not (`ledger.facts.Fact`): a timeline makes one per fact."""

    seq: int
    effective: int
    fact: AnyFact

    @property
    def effective_day(self) -> date:
        return date.fromordinal(self.effective)


class LogLine(msgspec.Struct, frozen=True):
    """One line of `ledger log --json`."""

    seq: int
    id: str
    type: str
    occurred: str
    recorded_at: str
    leaf_hash: str | None


class CorrectionView(msgspec.Struct, frozen=True):
    how: str  # "retracted" or "superseded"
    by: str


class FactView(msgspec.Struct, frozen=True):
    """One entry, as `show` presents it."""

    seq: int
    recorded_at: str
    effective: str
    fact: Fact
    corrected_by: CorrectionView | None


class ImportResult(msgspec.Struct, frozen=True, omit_defaults=True, repr_omit_defaults=True):
    """What an import did. `warnings`: what was imported as asked but is probably not what was
    meant (an input with no fact at all); absent from its JSON when there is none."""

    appended: int
    unchanged: int
    size: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportCheck:
    """What an import of the same inputs would do, found without writing (`Ledger.check_facts`).

    `errors`: every bad line found, as the `FactError` an import would raise for it, in input
    order, up to the `max_errors` asked for; `more`: how many more were found. `new` and
    `unchanged` count the good lines only: what the import would do once the bad ones are fixed
    (or dropped). `size`: the ledger's size now (0 for a ledger not made yet)."""

    new: int
    unchanged: int
    size: int
    errors: tuple[FactError, ...] = ()
    more: int = 0
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the import would succeed: no bad line at all."""
        return not self.errors and not self.more
