"""The state a replay produces; its JSON is the contract's `replay --json` document (section 5)."""

from __future__ import annotations

import msgspec


class Government(msgspec.Struct):
    status: str  # "in_office" or "caretaker"
    since: str


class Office(msgspec.Struct):
    person: str | None
    since: str
    acting: bool
    facts: list[str]


class ForeignForce(msgspec.Struct):
    mission: str
    contributor: str
    status: str
    since: str
    personnel: int | None


class StateView(msgspec.Struct):
    government: Government | None = None
    offices: dict[str, Office] = msgspec.field(default_factory=dict)
    foreign_forces: list[ForeignForce] = msgspec.field(default_factory=list)


class Contingent(msgspec.Struct):
    status: str  # "deployed", "withdrawing" or "withdrawn"
    since: str
    personnel: int | None = None


class Withdrawal(msgspec.Struct):
    announced: str
    start_by: str | None
    complete_by: str | None


class MissionView(msgspec.Struct):
    organization: str | None = None
    host: str | None = None
    status: str | None = None
    since: str | None = None
    contingents: dict[str, Contingent] = msgspec.field(default_factory=dict)
    withdrawal: Withdrawal | None = None


class LedgerInfo(msgspec.Struct):
    size: int
    root: str | None = None


class World(msgspec.Struct):
    as_of: str
    ledger: LedgerInfo
    states: dict[str, StateView]
    missions: dict[str, MissionView]
