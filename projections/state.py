"""What a replay in progress holds (`Model`), and what a projection snapshot keeps of it.

The fold keeps its own records, not the document's Structs (`projections.world`): a record holds
what the folds need and the document does not show (the acting of a holder an interim stands in
for), and the document shows what is derived once, at the end (strength figures, `personnel`,
`actors`). Records are msgpack arrays in a snapshot.
"""

from __future__ import annotations

from datetime import date

import msgspec

from ledger.replay.views import OfficeLeftView, Publishers
from projections.world import Description, Government, Withdrawal


class OfficeRecord(msgspec.Struct, array_like=True):
    person: str | None
    since: str
    acting: bool
    facts: list[str]
    stands_in_for: str | None = None  # the holder an interim person stands in for
    held_acting: bool = False  # that holder's `acting`, given back when the interim leaves


class StateRecord(msgspec.Struct, array_like=True):
    government: Government | None = None
    offices: dict[str, OfficeRecord] = msgspec.field(default_factory=dict)


class ContingentRecord(msgspec.Struct, array_like=True):
    status: str
    since: str
    fact: str


class MissionRecord(msgspec.Struct, array_like=True):
    organization: str | None = None
    host: str | None = None
    status: str | None = None
    since: str | None = None
    fact: str | None = None
    contingents: dict[str, ContingentRecord] = msgspec.field(default_factory=dict)
    withdrawal: Withdrawal | None = None


class ClaimRecord(msgspec.Struct, array_like=True):
    fact: str
    low: int
    high: int
    sources: Publishers  # the view's own tuple: nothing is copied per claim


class Quantity(msgspec.Struct, array_like=True):
    """The current claims about one quantity: every claim folded on `day` (an ordinal), the latest
    effective day among its claims (replay is in effective-day order, so a later day replaces)."""

    day: int
    claims: list[ClaimRecord]


WHOLE = ""  # the key, among a mission's quantities, of the mission as a whole (contributors are codes)


class Model:
    """The state of a replay in progress: what the folds read and write.

    `claims` holds every quantity's claims by mission, then contributor (`WHOLE` for the mission
    as a whole), apart from the missions: a claim makes no mission or contingent, and shows once
    they exist. `actors` holds the descriptions folded so far. `leaves` holds, for the day being
    folded, the OfficeLeft facts that changed nothing yet, in case their person is appointed to
    that office later the same day (contract section 9, same-day spells); it is never in a
    snapshot, which is taken between two days."""

    def __init__(
        self,
        states: dict[str, StateRecord] | None = None,
        missions: dict[str, MissionRecord] | None = None,
        claims: dict[str, dict[str, Quantity]] | None = None,
        actors: dict[str, Description] | None = None,
    ) -> None:
        self.states: dict[str, StateRecord] = {} if states is None else states
        self.missions: dict[str, MissionRecord] = {} if missions is None else missions
        self.claims: dict[str, dict[str, Quantity]] = {} if claims is None else claims
        self.actors: dict[str, Description] = {} if actors is None else actors
        self.leaves: dict[tuple[str, str, str], list[OfficeLeftView]] = {}
        self.leaves_day: date = date.min


class ProjectionState(msgspec.Struct, array_like=True):
    """What a projection snapshot holds."""

    states: dict[str, StateRecord]
    missions: dict[str, MissionRecord]
    claims: dict[str, dict[str, Quantity]]
    actors: dict[str, Description]
