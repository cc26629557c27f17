"""Missions, their contingents and withdrawal deadlines (contract section 4, "Missions")."""

from __future__ import annotations

from datetime import date

from ledger.dates import add_days
from ledger.replay.views import (
    DeploymentCompletedView,
    ForcesDeployedView,
    ForcesWithdrawnView,
    MissionAuthorizedView,
    MissionCompletedView,
    MissionRequestedView,
    View,
    WithdrawalAnnouncedView,
    WithdrawalStartedView,
)
from projections.world import Contingent, MissionView, Withdrawal

STAGES = ("requested", "authorized", "deploying", "deployed", "completed", "withdrawing", "withdrawn")
_RANK = {stage: i for i, stage in enumerate(STAGES)}
ON_SOIL = ("deployed", "withdrawing")


def _reach(mission: MissionView, stage: str, view: View) -> None:
    """The status is the furthest stage reached; `since` moves only when it changes."""
    if mission.status is None or _RANK[stage] > _RANK[mission.status]:
        mission.status = stage
        mission.since = view.occurred


def _set(mission: MissionView, contributor: str, status: str, view: View) -> Contingent:
    contingent = mission.contingents.get(contributor)
    if contingent is None:
        contingent = mission.contingents[contributor] = Contingent(status, view.occurred)
    elif contingent.status != status:
        contingent.status = status
        contingent.since = view.occurred
    return contingent


def _mission(missions: dict[str, MissionView], name: str) -> MissionView:
    mission = missions.get(name)
    if mission is None:
        mission = missions[name] = MissionView()
    return mission


def requested(
    missions: dict[str, MissionView], view: MissionRequestedView | MissionAuthorizedView, _: date
) -> None:
    mission = _mission(missions, view.mission)
    mission.organization = view.organization
    mission.host = view.host
    _reach(mission, "requested" if isinstance(view, MissionRequestedView) else "authorized", view)


def deployed(missions: dict[str, MissionView], view: ForcesDeployedView, _: date) -> None:
    mission = _mission(missions, view.mission)
    if view.host is not None:
        mission.host = view.host
    contingent = _set(mission, view.contributor, "deployed", view)
    if view.personnel is not None:
        contingent.personnel = view.personnel
    if mission.status == "withdrawn":  # a redeployment
        mission.status = "deploying"
        mission.since = view.occurred
    else:
        _reach(mission, "deploying", view)


def deployment_completed(missions: dict[str, MissionView], view: DeploymentCompletedView, _: date) -> None:
    _reach(_mission(missions, view.mission), "deployed", view)


def completed(missions: dict[str, MissionView], view: MissionCompletedView, _: date) -> None:
    _reach(_mission(missions, view.mission), "completed", view)


def announced(missions: dict[str, MissionView], view: WithdrawalAnnouncedView, effective: date) -> None:
    _mission(missions, view.mission).withdrawal = _deadlines(view, effective)


def started(missions: dict[str, MissionView], view: WithdrawalStartedView, _: date) -> None:
    mission = _mission(missions, view.mission)
    if view.contributor is not None:
        _set(mission, view.contributor, "withdrawing", view)
    else:
        for contributor, c in mission.contingents.items():
            if c.status == "deployed":
                _set(mission, contributor, "withdrawing", view)
    _reach(mission, "withdrawing", view)


def withdrawn(missions: dict[str, MissionView], view: ForcesWithdrawnView, _: date) -> None:
    mission = _mission(missions, view.mission)
    if view.contributor is not None:
        _set(mission, view.contributor, "withdrawn", view)
    else:
        for contributor in list(mission.contingents):
            _set(mission, contributor, "withdrawn", view)
    remaining = any(c.status in ON_SOIL for c in mission.contingents.values())
    _reach(mission, "withdrawing" if remaining else "withdrawn", view)


def _deadlines(view: WithdrawalAnnouncedView, effective: date) -> Withdrawal:
    start_by = None if view.starts_within_days is None else add_days(effective, view.starts_within_days)
    complete_by = None
    if view.completes_within_days is not None:
        complete_by = add_days(start_by or effective, view.completes_within_days)
    return Withdrawal(
        view.occurred,
        start_by.isoformat() if start_by else None,
        complete_by.isoformat() if complete_by else None,
    )
