"""What each export holds (contract section 14): its columns, in order, with their types, and the
rows of `facts` made from the folded facts as they come.

Column types: `text`, `int` (a count, or a seq), `day` (an effective day: a `date`), `bool`, and
`json` (a fact's sources: a JSON array; text in CSV and Parquet, an array in JSON Lines). A row's
absent value is None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from operator import attrgetter, itemgetter
from typing import Any, Literal, NamedTuple

import msgspec

from ledger.entries import Folded
from ledger.facts import (
    ForcesDeployed,
    MissionAuthorized,
    MissionRequested,
    PrimeMinisterAppointed,
    PrimeMinisterNominated,
    Source,
)
from ledger.summary import Name, summary
from projections.government import PRIME_MINISTER
from projections.spells import Spell

Kind = Literal["facts", "spells", "entries"]
KINDS: tuple[Kind, ...] = ("facts", "spells", "entries")
ColumnType = Literal["text", "int", "day", "bool", "json"]


class Column(NamedTuple):
    name: str
    type: ColumnType


class FactRow(msgspec.Struct, gc=False):
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

_PRIME_MINISTER_TYPES = frozenset({PrimeMinisterAppointed, PrimeMinisterNominated})
_HOST_TYPES = frozenset({MissionRequested, MissionAuthorized, ForcesDeployed})


def _as_is(actor: str) -> str:
    return actor


class FactRows:
    """Folded facts, given one by one in replay order, as rows of `facts`: `host` is the fact's
    own, else its mission's host at that point (the latest given in replay order); `office` is its
    own, or `prime-minister` for the `PrimeMinister*` types; `summary` is the line `ledger
    timeline` shows, actors named by `name` (`ledger.names(actors, lang)`; without it, by their
    slugs and codes)."""

    def __init__(self, name: Name = _as_is) -> None:
        self.hosts: dict[str, str] = {}  # mission -> its host so far
        self.name = name
        self._ordinal, self._day = -1, date.min

    def page(self, items: list[Folded]) -> list[FactRow]:
        """The rows of a page of folded facts, in order."""
        return list(map(self, items))

    def __call__(self, item: Folded) -> FactRow:
        fact = item.fact
        cls = type(fact)
        shape = _SHAPES.get(cls) or _shape(cls)
        state, host, mission, organization, contributor, person, office, personnel, high = shape(fact)
        if mission is not None:
            if host is None:
                host = self.hosts.get(mission)
            elif cls in _HOST_TYPES:
                self.hosts[mission] = host
        if cls in _PRIME_MINISTER_TYPES:
            office = PRIME_MINISTER
        if item.effective != self._ordinal:  # a date made once per day, not per fact
            self._ordinal, self._day = item.effective, item.effective_day
        day = self._day
        return FactRow(
            item.seq,
            fact.id,  # type: ignore[arg-type]  # every folded fact has an id (`Fact.fact_id`)
            fact.TYPE,
            fact.occurred,
            day,
            state,
            host,
            mission,
            organization,
            contributor,
            person,
            office,
            personnel,
            high,
            summary(fact, day, name=self.name),
            fact.sources,
        )


# The fields a fact may give to a row's columns (`office`: OfficeAssumed's and OfficeLeft's slug,
# StatementMade's `XX/office-slug`), read by one getter per fact type, made once.
_OPTIONAL = (
    "state",
    "host",
    "mission",
    "organization",
    "contributor",
    "person",
    "office",
    "personnel",
    "personnel_high",
)
_SHAPES: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _shape(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """The getter of `_OPTIONAL` for facts of type `cls`: None for a field it does not have."""
    fields = cls.__struct_fields__  # type: ignore[attr-defined]
    present = [name for name in _OPTIONAL if name in fields]
    if not present:
        none = (None,) * len(_OPTIONAL)
        shape: Callable[[Any], tuple[Any, ...]] = lambda _: none  # noqa: E731
    else:
        get = attrgetter(*present, present[0])  # always a tuple (two names at least), and then
        pick = itemgetter(*(present.index(n) if n in present else len(present) + 1 for n in _OPTIONAL))
        absent = (None,)  # ... None at len(present) + 1, past the repeated first name

        def shape(fact: Any) -> tuple[Any, ...]:
            return pick(get(fact) + absent)  # type: ignore[no-any-return]

    _SHAPES[cls] = shape
    return shape


def fact_rows(folded: Iterable[Folded], name: Name = _as_is) -> Iterator[FactRow]:
    """The rows of `facts`, one per folded fact, in the order given (replay order)."""
    return map(FactRows(name), folded)
