"""What a replay in progress holds (`Model`), and what a projection snapshot keeps of it.

The fold keeps its own records, not the document's Structs (`projections.world`): a record holds
what the folds need and the document does not show (the acting of a holder an interim stands in
for), and the document shows what is derived once, at the end (strength figures, `personnel`,
`actors`). Records are msgpack arrays in a snapshot, and are not tracked by the garbage collector
(`gc=False`): they refer only to strings, numbers, other records and containers of them, never
back up, so they are in no reference cycle, and a replay's many records stay out of every
collection's walk.
"""

from __future__ import annotations

from datetime import date

import msgspec

from ledger.replay.views import ForcesDeployedView, OfficeLeftView, StrengthReportedView
from projections.world import Description, Government, Strength, Withdrawal


class OfficeRecord(msgspec.Struct, array_like=True, gc=False):
    person: str | None
    since: str
    acting: bool
    facts: list[str]
    stands_in_for: str | None = None  # the holder an interim person stands in for
    held_acting: bool = False  # that holder's `acting`, given back when the interim leaves


class StateRecord(msgspec.Struct, array_like=True, gc=False):
    government: Government | None = None
    offices: dict[str, OfficeRecord] = msgspec.field(default_factory=dict)


class ContingentRecord(msgspec.Struct, array_like=True, gc=False):
    status: str
    since: str
    fact: str | None  # a view's `id`, which the replay index's copy of a fact always has


# A claim is kept as the view replay decoded (its figures, id and publishers): nothing is built per
# claim, and `Projection.world` reads low, high and publishers from it once, at the end.
Claim = ForcesDeployedView | StrengthReportedView


# The current claims about one quantity: the effective day of the latest claims folded, and every
# claim folded on that day, in replay order (replay is in effective-day order, so a claim of a later
# day replaces them). A plain tuple and list: a claim costs a lookup and an append, nothing more.
Quantity = tuple[date, list[Claim]]


class MissionRecord(msgspec.Struct, array_like=True, gc=False):
    organization: str | None = None
    host: str | None = None
    status: str | None = None
    since: str | None = None
    fact: str | None = None
    contingents: dict[str, ContingentRecord] = msgspec.field(default_factory=dict)
    withdrawal: Withdrawal | None = None
    claims: dict[str, Quantity] = msgspec.field(default_factory=dict)  # by contributor, WHOLE
    # The strengths the document shows for the quantities of `claims` as they were when the last
    # snapshot was taken (`projections.fold.settle`), by contributor and WHOLE, sorted; a quantity
    # claimed since is in `claims`, which then comes first.
    strengths: dict[str, Strength] = msgspec.field(default_factory=dict)


WHOLE = ""  # the key, among a mission's quantities, of the mission as a whole (contributors are codes)


class Model:
    """The state of a replay in progress: what the folds read and write.

    A mission's record holds the claims about its quantities, by contributor (`WHOLE` for the
    mission as a whole); `claims` holds those about missions that do not exist yet, by mission (a
    claim makes no mission or contingent, and shows once they exist), until the mission's first
    mission fact makes them its own. `actors` holds the descriptions folded so far. `leaves`
    holds, for the day being folded, the OfficeLeft facts that changed nothing yet, in case their
    person is appointed to that office later the same day (contract section 9, same-day spells);
    it is never in a snapshot, which is taken between two days."""

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


class ProjectionState(msgspec.Struct, array_like=True, tag=2):
    """What a projection snapshot holds: the state with every mission's claims settled into the
    strengths the document shows (`projections.fold.settle`), so that a replay resuming from it
    builds no strength for a quantity claimed before the snapshot.

    Tagged 2 (its first item): a snapshot of the first format (`ProjectionStateV1`, an array of
    the four fields, missions without `strengths`) still reads, as the same state unsettled, and
    a version that knows only the first format cannot read this one and says so, rather than
    read its missions without their strengths."""

    states: dict[str, StateRecord]
    missions: dict[str, MissionRecord]
    claims: dict[str, dict[str, Quantity]]
    actors: dict[str, Description]


class ProjectionStateV1(msgspec.Struct, array_like=True):
    """What a projection snapshot held before strengths were settled into it: each mission's
    claims as the views folded (its records read with `strengths` empty)."""

    states: dict[str, StateRecord]
    missions: dict[str, MissionRecord]
    claims: dict[str, dict[str, Quantity]]
    actors: dict[str, Description]
