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
# A state: ISO 3166-1 alpha-2 (or XK), or the four-letter ISO 3166-3 code of a former state
# (SUHH, DDDE, ...); which codes exist is checked in `ledger.validation` (`ledger.codes`).
StateCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}(?:[A-Z]{2})?$")]
FactId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_INT)]
Text = str
OfficeRef = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}(?:[A-Z]{2})?/[a-z0-9]+(-[a-z0-9]+)*$")]
Subject = Annotated[str, msgspec.Meta(pattern=r"^([A-Z]{2}(?:[A-Z]{2})?|[a-z0-9]+(-[a-z0-9]+)*)$")]
# BCP 47, checked loosely: a language subtag, then subtags of letters and digits (`en`, `zh-Hant-TW`).
LANGUAGE_TAG = r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"
LanguageTag = Annotated[str, msgspec.Meta(pattern=LANGUAGE_TAG)]
WikidataId = Annotated[str, msgspec.Meta(pattern=r"^Q[1-9][0-9]*$")]
LeaveReason = Literal["dismissed", "resigned", "died", "term-ended", "removed", "other"]


class Source(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True, gc=False
):
    """Where a claim comes from. Not tracked by Python's garbage collector (`gc=False`), as a fact:
    it holds strings only, so it is in no reference cycle."""

    publisher: Annotated[str, msgspec.Meta(min_length=1)]
    url: str | None = None
    title: str | None = None
    published: str | None = None
    language: LanguageTag | None = None
    quote: str | None = None
    translation: str | None = None


class Fact(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    omit_defaults=True,
    tag_field="type",
    gc=False,
):
    """The envelope every fact shares.

    Not tracked by Python's garbage collector (`gc=False`): a fact holds strings, numbers, sources
    and tuples or dicts of them, never itself, so it is in no reference cycle; decoding a page of
    facts (an export, a timeline) then sets off no collection that walks them (measured: about a
    third of decoding 200,000 whole facts was the collector's)."""

    TYPE: ClassVar[str] = ""  # the contract's type name (the tag); set for each type below
    # Position within one day (contract section 4), stored in the replay index's key. Multiples of
    # 10, so that a type added later between two others needs no renumbering of stored ranks
    # (format 3; `ledger.storage.migration` renumbered format 2's 0-12). FactRetracted is never
    # folded and has no place in the order.
    RANK: ClassVar[int] = 1000
    MISSION: ClassVar[bool] = False
    # Knowledge rather than an event (ActorDescribed): it applies at every as-of date once among
    # the considered entries, so the replay index keeps it at day 0, before every real day.
    KNOWLEDGE: ClassVar[bool] = False

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


# Government (ranks 10-50)


class GovernmentOverthrown(Fact, tag="GovernmentOverthrown", frozen=True):
    RANK = 10
    state: StateCode
    by: Slug | None = None  # the person or organization that seized power
    ousted: tuple[Slug, ...] | None = None


class GovernmentDismissed(Fact, tag="GovernmentDismissed", frozen=True):
    RANK = 20
    state: StateCode
    dismissed_by: Slug | None = None


class OfficeLeft(Fact, tag="OfficeLeft", frozen=True):
    RANK = 30
    state: StateCode
    office: Slug
    person: Slug
    reason: LeaveReason | None = None


class PrimeMinisterNominated(Fact, tag="PrimeMinisterNominated", frozen=True):
    RANK = 40
    state: StateCode
    person: Slug
    nominated_by: Slug | None = None


class PrimeMinisterAppointed(Fact, tag="PrimeMinisterAppointed", frozen=True):
    RANK = 50
    state: StateCode
    person: Slug
    appointed_by: Slug | None = None
    acting: bool | None = False
    interim: bool | None = False  # stands in for the holder, who keeps the office


class OfficeAssumed(Fact, tag="OfficeAssumed", frozen=True):
    RANK = 50
    state: StateCode
    office: Slug
    person: Slug
    appointed_by: Slug | None = None
    acting: bool | None = False
    interim: bool | None = False


# Missions and troops (ranks 60-140)


class MissionRequested(Fact, tag="MissionRequested", frozen=True):
    RANK = 60
    MISSION = True
    mission: Slug
    organization: Slug
    host: StateCode
    requested_by: Slug | None = None


class MissionAuthorized(Fact, tag="MissionAuthorized", frozen=True):
    RANK = 70
    MISSION = True
    mission: Slug
    organization: Slug
    host: StateCode
    body: Text | None = None
    mandate: Text | None = None
    until: str | None = None  # a date (contract sections 3, 12): the mandate's end, its effective day


class ForcesDeployed(Fact, tag="ForcesDeployed", frozen=True):
    RANK = 80
    MISSION = True
    mission: Slug
    contributor: StateCode
    host: StateCode | None = None
    personnel: Count | None = None


class DeploymentCompleted(Fact, tag="DeploymentCompleted", frozen=True):
    RANK = 90
    MISSION = True
    mission: Slug


class MissionCompleted(Fact, tag="MissionCompleted", frozen=True):
    RANK = 100
    MISSION = True
    mission: Slug
    declared_by: Slug | None = None


class WithdrawalAnnounced(Fact, tag="WithdrawalAnnounced", frozen=True):
    RANK = 110
    MISSION = True
    mission: Slug
    announced_by: Slug | None = None
    starts_within_days: Count | None = None
    completes_within_days: Count | None = None
    start_by: str | None = None  # a date (contract section 3): its effective day is the deadline
    complete_by: str | None = None


class WithdrawalStarted(Fact, tag="WithdrawalStarted", frozen=True):
    RANK = 120
    MISSION = True
    mission: Slug
    contributor: StateCode | None = None


class ForcesWithdrawn(Fact, tag="ForcesWithdrawn", frozen=True):
    RANK = 130
    MISSION = True
    mission: Slug
    contributor: StateCode | None = None
    personnel: Count | None = None


class StrengthReported(Fact, tag="StrengthReported", frozen=True, kw_only=True):
    """A figure for a contingent (with `contributor`) or a mission as a whole: a claim (section 11)."""

    RANK = 140  # not a mission fact: it creates no mission and no contingent
    mission: Slug
    contributor: StateCode | None = None
    personnel: Count
    personnel_high: Count | None = None


# Other


class StatementMade(Fact, tag="StatementMade", frozen=True):
    RANK = 150
    speaker: Slug
    summary: Text
    office: OfficeRef | None = None
    about: tuple[Subject, ...] | None = None


class FactRetracted(Fact, tag="FactRetracted", frozen=True):
    target: FactId
    reason: Text


class ActorDescribed(Fact, tag="ActorDescribed", frozen=True):
    """Names of an actor (person, organization, mission, office or state): knowledge, not an event."""

    RANK = 0
    KNOWLEDGE = True
    actor: Subject
    # BCP 47 tag -> name: each tag and name is checked in `ledger.validation`, naming its key.
    names: Annotated[dict[str, str], msgspec.Meta(min_length=1)]
    wikidata: WikidataId | None = None


AnyFact: TypeAlias = (
    GovernmentOverthrown
    | GovernmentDismissed
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
    | StrengthReported
    | StatementMade
    | FactRetracted
    | ActorDescribed
)

FACT_TYPES: tuple[type[Fact], ...] = AnyFact.__args__
TYPE_NAMES: tuple[str, ...] = tuple(str(t.__struct_config__.tag) for t in FACT_TYPES)
BY_TAG: dict[str, type[Fact]] = dict(zip(TYPE_NAMES, FACT_TYPES, strict=True))
for _name, _cls in BY_TAG.items():
    _cls.TYPE = _name


def replay_day(type_name: str, effective: int) -> int:
    """The day a fact of this type sorts under in the replay index: its effective day (an
    ordinal), or 0, before every real day, for knowledge (ActorDescribed), which applies at every
    as-of date."""
    return 0 if BY_TAG[type_name].KNOWLEDGE else effective
