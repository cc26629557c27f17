"""Missions, their contingents and withdrawal deadlines (contract section 4, "Missions")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from ledger.dates import add_days
from ledger.facts import (
    DeploymentCompleted,
    Fact,
    ForcesDeployed,
    ForcesWithdrawn,
    MissionAuthorized,
    MissionCompleted,
    MissionRequested,
    WithdrawalAnnounced,
    WithdrawalStarted,
)
from projections.world import Contingent, MissionView, Withdrawal

STAGES = ("requested", "authorized", "deploying", "deployed", "completed", "withdrawing", "withdrawn")
_RANK = {stage: i for i, stage in enumerate(STAGES)}
ON_SOIL = ("deployed", "withdrawing")


def _reach(mission: MissionView, stage: str, fact: Fact) -> None:
    """The status is the furthest stage reached; `since` moves only when it changes."""
    if mission.status is None or _RANK[stage] > _RANK[mission.status]:
        mission.status = stage
        mission.since = fact.occurred


def _set(mission: MissionView, contributor: str, status: str, fact: Fact) -> Contingent:
    contingent = mission.contingents.get(contributor)
    if contingent is None:
        contingent = mission.contingents[contributor] = Contingent(status, fact.occurred)
    elif contingent.status != status:
        contingent.status = status
        contingent.since = fact.occurred
    return contingent


def _mission(missions: dict[str, MissionView], name: str) -> MissionView:
    mission = missions.get(name)
    if mission is None:
        mission = missions[name] = MissionView()
    return mission


def requested(missions: dict[str, MissionView], fact: MissionRequested | MissionAuthorized, _: date) -> None:
    mission = _mission(missions, fact.mission)
    mission.organization = fact.organization
    mission.host = fact.host
    _reach(mission, "requested" if fact.TYPE == "MissionRequested" else "authorized", fact)


def deployed(missions: dict[str, MissionView], fact: ForcesDeployed, _: date) -> None:
    mission = _mission(missions, fact.mission)
    if fact.host is not None:
        mission.host = fact.host
    contingent = _set(mission, fact.contributor, "deployed", fact)
    if fact.personnel is not None:
        contingent.personnel = fact.personnel
    if mission.status == "withdrawn":  # a redeployment
        mission.status = "deploying"
        mission.since = fact.occurred
    else:
        _reach(mission, "deploying", fact)


def deployment_completed(missions: dict[str, MissionView], fact: DeploymentCompleted, _: date) -> None:
    _reach(_mission(missions, fact.mission), "deployed", fact)


def completed(missions: dict[str, MissionView], fact: MissionCompleted, _: date) -> None:
    _reach(_mission(missions, fact.mission), "completed", fact)


def announced(missions: dict[str, MissionView], fact: WithdrawalAnnounced, effective: date) -> None:
    _mission(missions, fact.mission).withdrawal = _deadlines(fact, effective)


def started(missions: dict[str, MissionView], fact: WithdrawalStarted, _: date) -> None:
    mission = _mission(missions, fact.mission)
    if fact.contributor is not None:
        _set(mission, fact.contributor, "withdrawing", fact)
    else:
        for contributor, c in mission.contingents.items():
            if c.status == "deployed":
                _set(mission, contributor, "withdrawing", fact)
    _reach(mission, "withdrawing", fact)


def withdrawn(missions: dict[str, MissionView], fact: ForcesWithdrawn, _: date) -> None:
    mission = _mission(missions, fact.mission)
    if fact.contributor is not None:
        _set(mission, fact.contributor, "withdrawn", fact)
    else:
        for contributor in list(mission.contingents):
            _set(mission, contributor, "withdrawn", fact)
    remaining = any(c.status in ON_SOIL for c in mission.contingents.values())
    _reach(mission, "withdrawing" if remaining else "withdrawn", fact)


# The fold of each of the eight mission types, by type name.
HANDLERS: dict[str, Callable[[dict[str, MissionView], Any, date], None]] = {
    "MissionRequested": requested,
    "MissionAuthorized": requested,
    "ForcesDeployed": deployed,
    "DeploymentCompleted": deployment_completed,
    "MissionCompleted": completed,
    "WithdrawalAnnounced": announced,
    "WithdrawalStarted": started,
    "ForcesWithdrawn": withdrawn,
}


def _deadlines(fact: WithdrawalAnnounced, effective: date) -> Withdrawal:
    start_by = None if fact.starts_within_days is None else add_days(effective, fact.starts_within_days)
    complete_by = None
    if fact.completes_within_days is not None:
        complete_by = add_days(start_by or effective, fact.completes_within_days)
    return Withdrawal(
        fact.occurred,
        start_by.isoformat() if start_by else None,
        complete_by.isoformat() if complete_by else None,
    )
