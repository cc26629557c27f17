"""What replay folds: each fact type as a view, without its citations.

A view has the fields of its fact (`ledger.facts`) but `sources` and `note`,
with the same names, plain types and defaults, and the same tag (the
contract's type name, never a class name). The two types whose figures are
claims (contract section 11: `ForcesDeployed`, `StrengthReported`) keep of
their sources only each one's `publisher` (`Publishers`), which the strength
of a contingent or mission lists: those two types pay for decoding it, and
no other type pays anything. Decoding a replay index payload
into a view skips the citations instead of building them, and checks the
types but not the patterns and ranges: the import validated every fact, and
`ledger verify` compares the replay index with the stored entries. A value of
the wrong type fails where its row is decoded, so a projection only ever sees
well-typed values.

`tests/test_folds.py` checks that every view keeps exactly its fact's fields.
"""

from __future__ import annotations

from typing import ClassVar, TypeAlias

import msgspec

from ledger.facts import Fact


class Publisher(msgspec.Struct, frozen=True, gc=False):
    """A source as a claim's view keeps it: its publisher only (its other fields are skipped)."""

    publisher: str


Publishers = tuple[Publisher, ...]


class View(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", gc=False):
    """The envelope every view shares: the fact's, less `sources` and `note`.

    Not tracked by Python's garbage collector (`gc=False`): a view holds strings, numbers and
    tuples of them, so it can be in no reference cycle, and a replay keeps some alive (the
    current strength claims) without making every collection walk them."""

    TYPE: ClassVar[str] = ""  # the contract's type name (the tag); set for each type below
    RANK: ClassVar[int] = 1000  # position within one day, as the fact's

    id: str | None = None
    occurred: str
    supersedes: str | None = None

    @property
    def fact_id(self) -> str:
        """The id; every fact in the replay index has one."""
        assert self.id is not None
        return self.id


# Government (ranks 10-50)


class GovernmentOverthrownView(View, tag="GovernmentOverthrown", frozen=True):
    RANK = 10
    state: str
    by: str | None = None
    ousted: tuple[str, ...] | None = None


class GovernmentDismissedView(View, tag="GovernmentDismissed", frozen=True):
    RANK = 20
    state: str
    dismissed_by: str | None = None


class OfficeLeftView(View, tag="OfficeLeft", frozen=True):
    RANK = 30
    state: str
    office: str
    person: str
    reason: str | None = None


class PrimeMinisterNominatedView(View, tag="PrimeMinisterNominated", frozen=True):
    RANK = 40
    state: str
    person: str
    nominated_by: str | None = None


class PrimeMinisterAppointedView(View, tag="PrimeMinisterAppointed", frozen=True):
    RANK = 50
    state: str
    person: str
    appointed_by: str | None = None
    acting: bool | None = False
    interim: bool | None = False


class OfficeAssumedView(View, tag="OfficeAssumed", frozen=True):
    RANK = 50
    state: str
    office: str
    person: str
    appointed_by: str | None = None
    acting: bool | None = False
    interim: bool | None = False


# Missions and troops (ranks 60-140)


class MissionRequestedView(View, tag="MissionRequested", frozen=True):
    RANK = 60
    mission: str
    organization: str
    host: str
    requested_by: str | None = None


class MissionAuthorizedView(View, tag="MissionAuthorized", frozen=True):
    RANK = 70
    mission: str
    organization: str
    host: str
    body: str | None = None
    mandate: str | None = None
    until: str | None = None


class ForcesDeployedView(View, tag="ForcesDeployed", frozen=True):
    RANK = 80
    mission: str
    contributor: str
    host: str | None = None
    personnel: int | None = None
    sources: Publishers = ()


class DeploymentCompletedView(View, tag="DeploymentCompleted", frozen=True):
    RANK = 90
    mission: str


class MissionCompletedView(View, tag="MissionCompleted", frozen=True):
    RANK = 100
    mission: str
    declared_by: str | None = None


class WithdrawalAnnouncedView(View, tag="WithdrawalAnnounced", frozen=True):
    RANK = 110
    mission: str
    announced_by: str | None = None
    starts_within_days: int | None = None
    completes_within_days: int | None = None
    start_by: str | None = None
    complete_by: str | None = None


class WithdrawalStartedView(View, tag="WithdrawalStarted", frozen=True):
    RANK = 120
    mission: str
    contributor: str | None = None


class ForcesWithdrawnView(View, tag="ForcesWithdrawn", frozen=True):
    RANK = 130
    mission: str
    contributor: str | None = None
    personnel: int | None = None


class StrengthReportedView(View, tag="StrengthReported", frozen=True, kw_only=True):
    RANK = 140
    mission: str
    contributor: str | None = None
    personnel: int
    personnel_high: int | None = None
    sources: Publishers = ()


# Other


class StatementMadeView(View, tag="StatementMade", frozen=True):
    RANK = 150
    speaker: str
    summary: str
    office: str | None = None
    about: tuple[str, ...] | None = None


class FactRetractedView(View, tag="FactRetracted", frozen=True):
    """Never in the replay index (a retraction is not folded); here so that every type has a view."""

    target: str
    reason: str


class ActorDescribedView(View, tag="ActorDescribed", frozen=True):
    """Kept in the replay index at day 0, before every real day (`ledger.facts.replay_day`)."""

    RANK = 0
    actor: str
    names: dict[str, str]
    wikidata: str | None = None


AnyView: TypeAlias = (
    GovernmentOverthrownView
    | GovernmentDismissedView
    | OfficeLeftView
    | PrimeMinisterNominatedView
    | PrimeMinisterAppointedView
    | OfficeAssumedView
    | MissionRequestedView
    | MissionAuthorizedView
    | ForcesDeployedView
    | DeploymentCompletedView
    | MissionCompletedView
    | WithdrawalAnnouncedView
    | WithdrawalStartedView
    | ForcesWithdrawnView
    | StrengthReportedView
    | StatementMadeView
    | FactRetractedView
    | ActorDescribedView
)

VIEW_TYPES: tuple[type[AnyView], ...] = AnyView.__args__
VIEWS: dict[str, type[AnyView]] = {str(v.__struct_config__.tag): v for v in VIEW_TYPES}
for _name, _cls in VIEWS.items():
    _cls.TYPE = _name


def view_of(fact: Fact) -> AnyView:
    """The view of a whole fact, as replay would decode it from the fact's replay index row (for
    folds of entries read from the log, such as the stock read path and the tests')."""
    return msgspec.convert(fact, VIEWS[fact.TYPE], from_attributes=True)
