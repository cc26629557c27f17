"""The fold from facts in replay order to the world on one day."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from operator import attrgetter
from typing import Any, ClassVar, TypeVar

import msgspec

from ledger.entries import Entry
from ledger.errors import LedgerCorrupt
from ledger.replay.views import (
    ActorDescribedView,
    AnyView,
    DeploymentCompletedView,
    ForcesDeployedView,
    ForcesWithdrawnView,
    GovernmentDismissedView,
    GovernmentOverthrownView,
    MissionAuthorizedView,
    MissionCompletedView,
    MissionRequestedView,
    OfficeAssumedView,
    OfficeLeftView,
    PrimeMinisterAppointedView,
    PrimeMinisterNominatedView,
    StatementMadeView,
    StrengthReportedView,
    View,
    WithdrawalAnnouncedView,
    WithdrawalStartedView,
    view_of,
)
from projections import actors, government, missions
from projections.state import WHOLE, MissionRecord, Model, ProjectionState, ProjectionStateV1, Quantity
from projections.state import Claim as ClaimView
from projections.world import (
    Claim,
    Contingent,
    ForeignForce,
    LedgerInfo,
    MissionView,
    Office,
    StateView,
    Strength,
    World,
)

# Dispatch is by the view's exact class, through one table whose every entry pairs a view class
# with a fold typed for it (`_fold`: mypy checks each pair), so a fold always gets the view it is
# typed for. Not a `match` on the classes: a class pattern costs an isinstance call per case tried,
# and with the folded types in contract order that was 574 ns per view against 156 ns for a dict
# lookup (dispatch alone, 100,000 views of the bench's mix), over a quarter of the fold loop's
# whole cost per row (about 1.5 us); cases ordered by the bench's frequencies still cost 217 ns,
# and real ledgers have other frequencies. A dict lookup costs the same for every type.

V = TypeVar("V", bound=View)
Fold = Callable[[Model, Any, date], None]


def _fold(cls: type[V], fold: Callable[[Model, V, date], None]) -> tuple[type[View], Fold]:
    return cls, fold


FOLDS: dict[type[View], Fold] = dict(
    [
        _fold(MissionRequestedView, missions.requested),
        _fold(MissionAuthorizedView, missions.requested),
        _fold(ForcesDeployedView, missions.deployed),
        _fold(DeploymentCompletedView, missions.deployment_completed),
        _fold(MissionCompletedView, missions.completed),
        _fold(WithdrawalAnnouncedView, missions.announced),
        _fold(WithdrawalStartedView, missions.started),
        _fold(ForcesWithdrawnView, missions.withdrawn),
        _fold(StrengthReportedView, missions.reported),
        _fold(GovernmentOverthrownView, government.overthrow),
        _fold(GovernmentDismissedView, government.dismiss),
        _fold(PrimeMinisterAppointedView, government.appoint),
        _fold(OfficeAssumedView, government.appoint),
        _fold(OfficeLeftView, government.leave),
        _fold(ActorDescribedView, actors.describe),
    ]
)

_PUBLISHER = attrgetter("publisher")
_SNAPSHOT = msgspec.msgpack.Encoder()
_RESTORE = msgspec.msgpack.Decoder(ProjectionState)
_RESTORE_V1 = msgspec.msgpack.Decoder(ProjectionStateV1)


class Projection(Model):
    """Mutable state of a replay in progress: feed it views (`ledger.replay.views`) in replay order."""

    # Type ranks whose facts never change this projection (PrimeMinisterNominated,
    # StatementMade): the fast loop does not even read them.
    IGNORES: ClassVar[tuple[int, ...]] = (PrimeMinisterNominatedView.RANK, StatementMadeView.RANK)

    def __init__(self, state: ProjectionState | ProjectionStateV1 | None = None) -> None:
        if state is None:
            super().__init__()
        else:
            super().__init__(state.states, state.missions, state.claims, state.actors)

    def snapshot(self) -> bytes:
        """The state so far, to resume from later (`Projection.restore`). Taken between two days:
        it settles the missions' claims into strengths first (`settle`), which changes no answer."""
        settle(self.missions)
        return _SNAPSHOT.encode(ProjectionState(self.states, self.missions, self.claims, self.actors))

    @classmethod
    def restore(cls, snapshot: bytes) -> Projection:
        """The projection a snapshot holds, of either format (`ProjectionState`)."""
        try:
            return cls(_RESTORE.decode(snapshot))
        except msgspec.MsgspecError as e:
            error = e
        try:
            return cls(_RESTORE_V1.decode(snapshot))
        except msgspec.MsgspecError:
            raise LedgerCorrupt(f"a projection snapshot cannot be read: {error}") from None

    @staticmethod
    def upgraded(snapshot: bytes) -> bytes | None:
        """A snapshot of the first format (`ProjectionStateV1`) as a snapshot of the same state
        taken now would be, or None when `snapshot` is not of that format (`ledger verify`)."""
        try:
            _RESTORE.decode(snapshot)
        except msgspec.MsgspecError:
            try:
                return Projection(_RESTORE_V1.decode(snapshot)).snapshot()
            except msgspec.MsgspecError:
                return None
        return None

    def apply(self, view: AnyView, effective: date) -> None:
        """Fold one fact's view, effective on `effective` (a description's day is never used)."""
        fold = FOLDS.get(type(view))
        if fold is not None:
            fold(self, view, effective)
        # PrimeMinisterNominated and StatementMade are kept in the timeline only.

    def world(self, as_of: date, size: int, root: str | None = None) -> World:
        """The contract's document: sorted keys, foreign forces and figures derived from the
        missions and their claims, and the descriptions of the actors it names. Where no claim
        was folded since the last snapshot, a strength is the state's own settled one (`settle`),
        not a copy: neither a fold nor `settle` ever changes a `Strength`, they replace it."""
        states = {
            code: StateView(s.government, {slug: _office(o) for slug, o in sorted(s.offices.items())}, [])
            for code, s in self.states.items()
        }
        views: dict[str, MissionView] = {}
        strength: Strength | None
        personnel: int | None
        on_soil = missions.ON_SOIL
        for name, m in sorted(self.missions.items()):
            claims, settled, where = m.claims, m.strengths, m.host
            contingents: dict[str, Contingent] = {}
            host = states.get(where) if where is not None else None
            for contributor, c in sorted(m.contingents.items()):
                quantity = claims.get(contributor) if claims else None
                if quantity is not None:
                    strength, personnel = _shown(quantity)
                else:
                    strength = settled.get(contributor)
                    personnel = None if strength is None else strength.claims[-1].low
                status = c.status
                contingents[contributor] = Contingent(status, c.since, c.fact, personnel, strength)
                if where is not None and status in on_soil:
                    if host is None:  # not `setdefault`, which would make a StateView every time
                        host = states[where] = StateView()
                    host.foreign_forces.append(
                        ForeignForce(name, contributor, status, c.since, c.fact, personnel, strength)
                    )
            quantity = claims.get(WHOLE) if claims else None
            whole = _shown(quantity)[0] if quantity is not None else settled.get(WHOLE)
            views[name] = MissionView(
                m.organization, m.host, m.status, m.since, m.fact, contingents, m.withdrawal, whole
            )
        listed = {
            code: s
            for code, s in sorted(states.items())
            if s.government is not None or s.offices or s.foreign_forces
        }
        named = actors.described(self.actors, named_in(listed, views)) if self.actors else {}
        return World(as_of.isoformat(), LedgerInfo(size, root), listed, views, named)


def settle(missions: dict[str, MissionRecord]) -> None:
    """Turn every mission's current claims (`MissionRecord.claims`) into the strengths the
    document shows (`MissionRecord.strengths`, sorted by key), between two days: a quantity's
    claims change only on the day of its latest claim, so once that day is over its strength is
    final until a claim of a later day replaces it (in `claims`). A snapshot is taken so, and a
    replay resuming from it builds no strength for what it restored. The settled state is the
    same whatever was settled before (each strength depends on its claims alone, the keys are
    sorted), so a snapshot's bytes depend on the state only."""
    for m in missions.values():
        claims = m.claims
        if not claims:
            continue
        strengths = m.strengths
        new = False
        for key, quantity in claims.items():
            new = new or key not in strengths
            strengths[key] = _shown(quantity)[0]
        claims.clear()
        if new and len(strengths) > 1:
            m.strengths = dict(sorted(strengths.items()))


def _office(o: Any) -> Office:
    return Office(o.person, o.since, o.acting, list(o.facts), o.stands_in_for)


def _strength(quantity: Quantity | None) -> tuple[Strength | None, int | None]:
    """A quantity's `strength` and `personnel` (the last current claim's low), or (None, None)."""
    if quantity is None:
        return None, None
    return _shown(quantity)


def _shown(quantity: Quantity) -> tuple[Strength, int]:
    """A quantity's `strength` and `personnel` (the last current claim's low)."""
    day, current = quantity
    if len(current) == 1:  # most quantities: `_claim` written out in place (a document has thousands)
        view = current[0]
        low = view.personnel or 0
        high = view.personnel_high if type(view) is StrengthReportedView else None
        if high is None:
            high = low
        # `id`, not the `fact_id` property: every view in the replay index has one.
        sources = view.sources  # most have one: no comprehension (a call of its own in Python 3.11)
        publishers = [sources[0].publisher] if len(sources) == 1 else [source.publisher for source in sources]
        claim = Claim(view.id, low, high, publishers)  # type: ignore[arg-type]
        return Strength(low, high, day.isoformat(), False, [claim]), low
    claims = [_claim(c) for c in current]
    last = claims[-1]
    strength = Strength(
        min(c.low for c in claims),
        max(c.high for c in claims),
        day.isoformat(),
        len({(c.low, c.high) for c in claims}) > 1,
        claims,
    )
    return strength, last.low


def personnel(quantity: Quantity | None) -> int | None:
    """A quantity's `personnel` (contract section 11): the last current claim's low, or None."""
    return _strength(quantity)[1]


def _claim(view: ClaimView) -> Claim:
    """A claim as the document shows it: a range's high is its `personnel_high`, else its low."""
    low = view.personnel or 0  # never None: a ForcesDeployed is a claim only with a figure
    high = view.personnel_high if type(view) is StrengthReportedView else None
    return Claim(view.fact_id, low, low if high is None else high, list(map(_PUBLISHER, view.sources)))


def named_in(states: dict[str, StateView], views: dict[str, MissionView]) -> Iterable[str]:
    """Every actor the document names: states, offices and their persons, missions, their
    organizations, hosts and contributors."""
    for code, state in states.items():
        yield code
        for slug, office in state.offices.items():
            yield slug
            if office.person is not None:
                yield office.person
            if office.stands_in_for is not None:
                yield office.stands_in_for
        for force in state.foreign_forces:
            yield force.mission
            yield force.contributor
    for name, m in views.items():
        yield name
        for actor in (m.organization, m.host):
            if actor is not None:
                yield actor
        yield from m.contingents


def fold(entries: Iterable[Entry]) -> Projection:
    """Fold entries already in replay order (their facts as the views replay decodes)."""
    projection = Projection()
    for entry in entries:
        projection.apply(view_of(entry.fact), entry.effective_day)
    return projection
