"""Every event type of the contract (section 2) as a frozen, explicitly tagged msgspec Struct.

The tag is the contract's `type` value, never a class name, so stored data
outlives a rename. Shapes are checked here (types, patterns, ranges); rules
that need more than a pattern (real ISO codes, real dates, URLs) are checked
in `ledger.validation`, which names the JSON path of every mistake.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, TypeAlias

import msgspec

MAX_INT = 2**53 - 1

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
StateCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")]
FactId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_INT)]
Text = str
OfficeRef = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}/[a-z0-9]+(-[a-z0-9]+)*$")]
Subject = Annotated[str, msgspec.Meta(pattern=r"^([A-Z]{2}|[a-z0-9]+(-[a-z0-9]+)*)$")]
LeaveReason = Literal["dismissed", "resigned", "died", "term-ended", "removed", "other"]


class Source(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Where a claim comes from."""

    publisher: Annotated[str, msgspec.Meta(min_length=1)]
    url: str | None = None
    title: str | None = None
    published: str | None = None
    language: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")] | None = None
    quote: str | None = None
    translation: str | None = None


class Fact(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    omit_defaults=True,
    tag_field="type",
):
    """The envelope every fact shares."""

    TYPE: ClassVar[str] = ""  # the contract's type name (the tag); set for each type below
    RANK: ClassVar[int] = 99  # position within one day; FactRetracted is never folded
    MISSION: ClassVar[bool] = False

    id: FactId | None = None
    occurred: str
    sources: Annotated[tuple[Source, ...], msgspec.Meta(min_length=1)]
    supersedes: FactId | None = None
    note: str | None = None

    @property
    def type(self) -> str:
        """The contract's type name: the Struct's explicit tag."""
        return self.TYPE

    @property
    def fact_id(self) -> str:
        """The id; every fact that left `ledger.validation` has one."""
        assert self.id is not None
        return self.id


# Government (ranks 0-3)


class GovernmentDismissed(Fact, tag="GovernmentDismissed", frozen=True):
    RANK = 0
    state: StateCode
    dismissed_by: Slug | None = None


class OfficeLeft(Fact, tag="OfficeLeft", frozen=True):
    RANK = 1
    state: StateCode
    office: Slug
    person: Slug
    reason: LeaveReason | None = None


class PrimeMinisterNominated(Fact, tag="PrimeMinisterNominated", frozen=True):
    RANK = 2
    state: StateCode
    person: Slug
    nominated_by: Slug | None = None


class PrimeMinisterAppointed(Fact, tag="PrimeMinisterAppointed", frozen=True):
    RANK = 3
    state: StateCode
    person: Slug
    appointed_by: Slug | None = None
    acting: bool | None = False


class OfficeAssumed(Fact, tag="OfficeAssumed", frozen=True):
    RANK = 3
    state: StateCode
    office: Slug
    person: Slug
    appointed_by: Slug | None = None
    acting: bool | None = False


# Missions and troops (ranks 4-11)


class MissionRequested(Fact, tag="MissionRequested", frozen=True):
    RANK = 4
    MISSION = True
    mission: Slug
    organization: Slug
    host: StateCode
    requested_by: Slug | None = None


class MissionAuthorized(Fact, tag="MissionAuthorized", frozen=True):
    RANK = 5
    MISSION = True
    mission: Slug
    organization: Slug
    host: StateCode
    body: Text | None = None
    mandate: Text | None = None


class ForcesDeployed(Fact, tag="ForcesDeployed", frozen=True):
    RANK = 6
    MISSION = True
    mission: Slug
    contributor: StateCode
    host: StateCode | None = None
    personnel: Count | None = None


class DeploymentCompleted(Fact, tag="DeploymentCompleted", frozen=True):
    RANK = 7
    MISSION = True
    mission: Slug


class MissionCompleted(Fact, tag="MissionCompleted", frozen=True):
    RANK = 8
    MISSION = True
    mission: Slug
    declared_by: Slug | None = None


class WithdrawalAnnounced(Fact, tag="WithdrawalAnnounced", frozen=True):
    RANK = 9
    MISSION = True
    mission: Slug
    announced_by: Slug | None = None
    starts_within_days: Count | None = None
    completes_within_days: Count | None = None


class WithdrawalStarted(Fact, tag="WithdrawalStarted", frozen=True):
    RANK = 10
    MISSION = True
    mission: Slug
    contributor: StateCode | None = None


class ForcesWithdrawn(Fact, tag="ForcesWithdrawn", frozen=True):
    RANK = 11
    MISSION = True
    mission: Slug
    contributor: StateCode | None = None
    personnel: Count | None = None


# Other


class StatementMade(Fact, tag="StatementMade", frozen=True):
    RANK = 12
    speaker: Slug
    summary: Text
    office: OfficeRef | None = None
    about: tuple[Subject, ...] | None = None


class FactRetracted(Fact, tag="FactRetracted", frozen=True):
    target: FactId
    reason: Text


AnyFact: TypeAlias = (
    GovernmentDismissed
    | OfficeLeft
    | PrimeMinisterNominated
    | PrimeMinisterAppointed
    | OfficeAssumed
    | MissionRequested
    | MissionAuthorized
    | ForcesDeployed
    | DeploymentCompleted
    | MissionCompleted
    | WithdrawalAnnounced
    | WithdrawalStarted
    | ForcesWithdrawn
    | StatementMade
    | FactRetracted
)

FACT_TYPES: tuple[type[Fact], ...] = AnyFact.__args__
TYPE_NAMES: tuple[str, ...] = tuple(str(t.__struct_config__.tag) for t in FACT_TYPES)
BY_TAG: dict[str, type[Fact]] = dict(zip(TYPE_NAMES, FACT_TYPES, strict=True))
for _name, _cls in BY_TAG.items():
    _cls.TYPE = _name
