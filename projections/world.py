"""The document a replay produces; its JSON is the contract's `replay --json` (sections 5, 9-11).

These Structs are the answer only: the fold keeps its own state (`projections.state`) and builds
them once, at the end (`Projection.world`), so that what the document derives (strength figures,
`personnel`, `actors`) is computed once per answer rather than once per fact. A document is a
tree, never a cycle, so its Structs are not tracked by the garbage collector (`gc=False`): the
many objects of a large document do not set off collections as it is built.
"""

from __future__ import annotations

import msgspec


class Government(msgspec.Struct, gc=False):
    status: str  # "in_office", "caretaker" or "overthrown"
    since: str


class Office(msgspec.Struct, omit_defaults=True, gc=False):
    person: str | None
    since: str
    acting: bool
    facts: list[str]
    stands_in_for: str | None = None  # an interim appointment's holder; absent otherwise


class Claim(msgspec.Struct, gc=False):
    """One figure for a quantity (contract section 11): its fact, its range, who published it."""

    fact: str
    low: int
    high: int
    publishers: list[str]


class Strength(msgspec.Struct, gc=False):
    """The current claims about a quantity: those of the latest effective day among its claims."""

    low: int
    high: int
    as_of: str
    disputed: bool
    claims: list[Claim]


class ForeignForce(msgspec.Struct, gc=False):
    mission: str
    contributor: str
    status: str
    since: str
    fact: str | None  # never null: the id of the fact that set `since`
    personnel: int | None
    strength: Strength | None


class StateView(msgspec.Struct, gc=False):
    government: Government | None = None
    offices: dict[str, Office] = msgspec.field(default_factory=dict)
    foreign_forces: list[ForeignForce] = msgspec.field(default_factory=list)


class Contingent(msgspec.Struct, gc=False):
    status: str  # "deployed", "withdrawing" or "withdrawn"
    since: str
    fact: str | None  # never null: the id of the fact that set `since`
    personnel: int | None = None
    strength: Strength | None = None


class Withdrawal(msgspec.Struct, gc=False):
    announced: str
    start_by: str | None
    complete_by: str | None


class MissionView(msgspec.Struct, gc=False):
    organization: str | None = None
    host: str | None = None
    status: str | None = None
    since: str | None = None
    fact: str | None = None  # the id of the fact that set `since`
    contingents: dict[str, Contingent] = msgspec.field(default_factory=dict)
    withdrawal: Withdrawal | None = None
    strength: Strength | None = None  # of the mission as a whole


class Description(msgspec.Struct, gc=False):
    """What the ledger's descriptions say of an actor (contract section 10)."""

    names: dict[str, str]
    wikidata: str | None = None


class LedgerInfo(msgspec.Struct, gc=False):
    size: int
    root: str | None = None


class World(msgspec.Struct, gc=False):
    as_of: str
    ledger: LedgerInfo
    states: dict[str, StateView]
    missions: dict[str, MissionView]
    actors: dict[str, Description] = msgspec.field(default_factory=dict)
