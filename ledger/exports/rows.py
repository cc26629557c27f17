"""What each export holds (contract section 14): its columns, in order, with their types, and the
rows of `facts` made from the folded facts as they come.

Column types: `text`, `int` (a count, or a seq), `day` (an effective day: a `date`), `bool`, and
`json` (a fact's sources: a JSON array; text in CSV and Parquet, an array in JSON Lines). A row's
absent value is None.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Literal, NamedTuple

import msgspec

from ledger.entries import Folded
from ledger.facts import (
    ForcesDeployed,
    MissionAuthorized,
    MissionRequested,
    OfficeAssumed,
    OfficeLeft,
    PrimeMinisterAppointed,
    PrimeMinisterNominated,
    Source,
)
from ledger.summary import summary
from projections.government import PRIME_MINISTER
from projections.spells import Spell

Kind = Literal["facts", "spells", "entries"]
KINDS: tuple[Kind, ...] = ("facts", "spells", "entries")
ColumnType = Literal["text", "int", "day", "bool", "json"]


class Column(NamedTuple):
    name: str
    type: ColumnType


class FactRow(msgspec.Struct, kw_only=True, gc=False):
    """One row of `ledger export facts`: a folded fact, in its columns' order. `None`: absent."""

    seq: int
    id: str
    type: str
    occurred: str
    effective: date
    state: str | None
    host: str | None
    mission: str | None
    organization: str | None
    contributor: str | None
    person: str | None
    office: str | None
    personnel: int | None
    personnel_high: int | None
    summary: str
    sources: tuple[Source, ...]


def _columns(struct: type[msgspec.Struct], types: dict[str, ColumnType]) -> tuple[Column, ...]:
    return tuple(Column(name, types.get(name, "text")) for name in struct.__struct_fields__)


COLUMNS: dict[str, tuple[Column, ...]] = {
    "facts": _columns(
        FactRow,
        {"seq": "int", "effective": "day", "personnel": "int", "personnel_high": "int", "sources": "json"},
    ),
    "spells": _columns(Spell, {"acting": "bool", "start_day": "day", "end_day": "day", "personnel": "int"}),
}

_PRIME_MINISTER_TYPES = (PrimeMinisterAppointed, PrimeMinisterNominated)
_HOST_TYPES = (MissionRequested, MissionAuthorized, ForcesDeployed)


class FactRows:
    """Folded facts, given one by one in replay order, as rows of `facts`: `host` is the fact's
    own, else its mission's host at that point (the latest given in replay order); `office` is its
    own, or `prime-minister` for the `PrimeMinister*` types."""

    def __init__(self) -> None:
        self.hosts: dict[str, str] = {}  # mission -> its host so far

    def __call__(self, item: Folded) -> FactRow:
        fact = item.fact
        mission = getattr(fact, "mission", None)
        host = getattr(fact, "host", None)
        if mission is not None and isinstance(fact, _HOST_TYPES) and host is not None:
            self.hosts[mission] = host
        if host is None and mission is not None:
            host = self.hosts.get(mission)
        if isinstance(fact, _PRIME_MINISTER_TYPES):
            office: str | None = PRIME_MINISTER
        elif isinstance(fact, OfficeAssumed | OfficeLeft):
            office = fact.office
        else:
            office = getattr(fact, "office", None)  # StatementMade's `XX/office-slug`
        day = item.effective_day
        return FactRow(
            seq=item.seq,
            id=fact.fact_id,
            type=fact.type,
            occurred=fact.occurred,
            effective=day,
            state=getattr(fact, "state", None),
            host=host,
            mission=mission,
            organization=getattr(fact, "organization", None),
            contributor=getattr(fact, "contributor", None),
            person=getattr(fact, "person", None),
            office=office,
            personnel=getattr(fact, "personnel", None),
            personnel_high=getattr(fact, "personnel_high", None),
            summary=summary(fact, day),
            sources=fact.sources,
        )


def fact_rows(folded: Iterable[Folded]) -> Iterator[FactRow]:
    """The rows of `facts`, one per folded fact, in the order given (replay order)."""
    return map(FactRows(), folded)
