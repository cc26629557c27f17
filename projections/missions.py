"""Missions, their contingents, withdrawal deadlines and strength claims (contract sections 4,
"Missions", 9 and 11)."""

from __future__ import annotations

from datetime import date

from ledger.dates import add_days, parse_date
from ledger.replay.views import (
    DeploymentCompletedView,
    ForcesDeployedView,
    ForcesWithdrawnView,
    MissionAuthorizedView,
    MissionCompletedView,
    MissionRequestedView,
    StrengthReportedView,
    View,
    WithdrawalAnnouncedView,
    WithdrawalStartedView,
)
from projections.state import WHOLE, Claim, ContingentRecord, MissionRecord, Model, Quantity
from projections.world import Withdrawal

STAGES = ("requested", "authorized", "deploying", "deployed", "completed", "withdrawing", "withdrawn")
_RANK = {stage: i for i, stage in enumerate(STAGES)}
ON_SOIL = ("deployed", "withdrawing")
# The statuses a deployment moves to "deploying": those before it, and "withdrawn" (a redeployment).
_DEPLOYS = frozenset({None, "withdrawn"} | {stage for stage in STAGES if _RANK[stage] < _RANK["deploying"]})


def _reach(mission: MissionRecord, stage: str, view: View) -> None:
    """The status is the furthest stage reached; `since` (and `fact`) move only when it changes."""
    if mission.status is None or _RANK[stage] > _RANK[mission.status]:
        mission.status = stage
        mission.since = view.occurred
        mission.fact = view.id


def _set(mission: MissionRecord, contributor: str, status: str, view: View) -> None:
    contingent = mission.contingents.get(contributor)
    if contingent is None:
        mission.contingents[contributor] = ContingentRecord(status, view.occurred, view.id)
    elif contingent.status != status:
        contingent.status = status
        contingent.since = view.occurred
        contingent.fact = view.id


def _mission(model: Model, name: str) -> MissionRecord:
    mission = model.missions.get(name)
    if mission is None:
        # A mission exists from its first mission fact; the claims made about it before are its own.
        mission = model.missions[name] = MissionRecord(claims=model.claims.pop(name, {}))
    return mission


def _claim(claims: dict[str, Quantity], quantity: str, view: Claim, effective: date) -> None:
    """A claim about a quantity: the current claims are those of the latest day (section 11).
    Replay is in effective-day order: a claim of another day than the current ones is of a later
    day, and replaces them; one of the same day competes with them, side by side."""
    current = claims.get(quantity)
    if current is not None and current[0] == effective:
        current[1].append(view)
    else:
        claims[quantity] = (effective, [view])


def requested(model: Model, view: MissionRequestedView | MissionAuthorizedView, _: date) -> None:
    mission = _mission(model, view.mission)
    mission.organization = view.organization
    mission.host = view.host
    _reach(mission, "requested" if isinstance(view, MissionRequestedView) else "authorized", view)


def deployed(model: Model, view: ForcesDeployedView, effective: date) -> None:
    # The most frequent fold: `_mission`, `_set`, `_claim` and `_reach` written out in place
    # (a Python call costs about as much as what each does).
    mission = model.missions.get(view.mission)
    if mission is None:
        mission = _mission(model, view.mission)
    if view.host is not None:
        mission.host = view.host
    contributor = view.contributor
    contingent = mission.contingents.get(contributor)
    if contingent is None:
        mission.contingents[contributor] = ContingentRecord("deployed", view.occurred, view.id)
    elif contingent.status != "deployed":
        contingent.status = "deployed"
        contingent.since = view.occurred
        contingent.fact = view.id
    if view.personnel is not None:
        current = mission.claims.get(contributor)
        if current is not None and current[0] == effective:
            current[1].append(view)
        else:
            mission.claims[contributor] = (effective, [view])
    if mission.status in _DEPLOYS:
        mission.status = "deploying"
        mission.since = view.occurred
        mission.fact = view.id


def deployment_completed(model: Model, view: DeploymentCompletedView, _: date) -> None:
    _reach(_mission(model, view.mission), "deployed", view)


def completed(model: Model, view: MissionCompletedView, _: date) -> None:
    _reach(_mission(model, view.mission), "completed", view)


def announced(model: Model, view: WithdrawalAnnouncedView, effective: date) -> None:
    _mission(model, view.mission).withdrawal = deadlines(view, effective)


def started(model: Model, view: WithdrawalStartedView, _: date) -> None:
    mission = _mission(model, view.mission)
    if view.contributor is not None:
        _set(mission, view.contributor, "withdrawing", view)
    else:
        for contributor, c in mission.contingents.items():
            if c.status == "deployed":
                _set(mission, contributor, "withdrawing", view)
    _reach(mission, "withdrawing", view)


def withdrawn(model: Model, view: ForcesWithdrawnView, _: date) -> None:
    mission = model.missions.get(view.mission)
    if mission is None:
        mission = _mission(model, view.mission)
    contributor = view.contributor
    if contributor is not None:  # `_set`, written out in place
        contingent = mission.contingents.get(contributor)
        if contingent is None:
            mission.contingents[contributor] = ContingentRecord("withdrawn", view.occurred, view.id)
        elif contingent.status != "withdrawn":
            contingent.status = "withdrawn"
            contingent.since = view.occurred
            contingent.fact = view.id
    else:
        for contributor in list(mission.contingents):
            _set(mission, contributor, "withdrawn", view)
    for c in mission.contingents.values():
        if c.status in ON_SOIL:
            _reach(mission, "withdrawing", view)
            return
    _reach(mission, "withdrawn", view)


def reported(model: Model, view: StrengthReportedView, effective: date) -> None:
    """A figure only: it makes no mission or contingent and changes no status."""
    mission = model.missions.get(view.mission)
    if mission is not None:
        claims = mission.claims
    else:  # kept apart until the mission exists (`_mission`)
        claims = model.claims.get(view.mission) or model.claims.setdefault(view.mission, {})
    _claim(claims, WHOLE if view.contributor is None else view.contributor, view, effective)


def _deadline(written: str | None, days: int | None, start: date | None) -> date | None:
    """A deadline given as a date (its effective day), or as days after `start`."""
    if written is not None:
        return parse_date(written).effective
    if days is None or start is None:
        return None
    return add_days(start, days)


def deadlines(view: WithdrawalAnnouncedView, effective: date) -> Withdrawal:
    """The withdrawal an announcement sets (contract sections 4 and 9): its deadlines as days."""
    start_by = _deadline(view.start_by, view.starts_within_days, effective)
    complete_by = _deadline(view.complete_by, view.completes_within_days, start_by or effective)
    return Withdrawal(
        view.occurred,
        start_by.isoformat() if start_by else None,
        complete_by.isoformat() if complete_by else None,
    )
