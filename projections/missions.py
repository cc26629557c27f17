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
    Publishers,
    StrengthReportedView,
    View,
    WithdrawalAnnouncedView,
    WithdrawalStartedView,
)
from projections.state import WHOLE, ClaimRecord, ContingentRecord, MissionRecord, Model, Quantity
from projections.world import Withdrawal

STAGES = ("requested", "authorized", "deploying", "deployed", "completed", "withdrawing", "withdrawn")
_RANK = {stage: i for i, stage in enumerate(STAGES)}
ON_SOIL = ("deployed", "withdrawing")


def _reach(mission: MissionRecord, stage: str, view: View) -> None:
    """The status is the furthest stage reached; `since` (and `fact`) move only when it changes."""
    if mission.status is None or _RANK[stage] > _RANK[mission.status]:
        mission.status = stage
        mission.since = view.occurred
        mission.fact = view.fact_id


def _set(mission: MissionRecord, contributor: str, status: str, view: View) -> None:
    contingent = mission.contingents.get(contributor)
    if contingent is None:
        mission.contingents[contributor] = ContingentRecord(status, view.occurred, view.fact_id)
    elif contingent.status != status:
        contingent.status = status
        contingent.since = view.occurred
        contingent.fact = view.fact_id


def _mission(model: Model, name: str) -> MissionRecord:
    mission = model.missions.get(name)
    if mission is None:
        mission = model.missions[name] = MissionRecord()
    return mission


def _claim(
    model: Model,
    mission: str,
    quantity: str,
    view: View,
    effective: date,
    low: int,
    high: int,
    by: Publishers,
) -> None:
    """A claim about a quantity: the current claims are those of the latest day (section 11)."""
    quantities = model.claims.get(mission)
    if quantities is None:
        quantities = model.claims[mission] = {}
    day = effective.toordinal()
    current = quantities.get(quantity)
    claim = ClaimRecord(view.fact_id, low, high, by)
    if current is None or current.day != day:  # replay order: a later day, never an earlier one
        quantities[quantity] = Quantity(day, [claim])
    else:  # the same day: competing claims, side by side
        current.claims.append(claim)


def requested(model: Model, view: MissionRequestedView | MissionAuthorizedView, _: date) -> None:
    mission = _mission(model, view.mission)
    mission.organization = view.organization
    mission.host = view.host
    _reach(mission, "requested" if isinstance(view, MissionRequestedView) else "authorized", view)


def deployed(model: Model, view: ForcesDeployedView, effective: date) -> None:
    mission = _mission(model, view.mission)
    if view.host is not None:
        mission.host = view.host
    _set(mission, view.contributor, "deployed", view)
    if view.personnel is not None:
        _claim(
            model,
            view.mission,
            view.contributor,
            view,
            effective,
            view.personnel,
            view.personnel,
            view.sources,
        )
    if mission.status == "withdrawn":  # a redeployment
        mission.status = "deploying"
        mission.since = view.occurred
        mission.fact = view.fact_id
    else:
        _reach(mission, "deploying", view)


def deployment_completed(model: Model, view: DeploymentCompletedView, _: date) -> None:
    _reach(_mission(model, view.mission), "deployed", view)


def completed(model: Model, view: MissionCompletedView, _: date) -> None:
    _reach(_mission(model, view.mission), "completed", view)


def announced(model: Model, view: WithdrawalAnnouncedView, effective: date) -> None:
    _mission(model, view.mission).withdrawal = _deadlines(view, effective)


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
    mission = _mission(model, view.mission)
    if view.contributor is not None:
        _set(mission, view.contributor, "withdrawn", view)
    else:
        for contributor in list(mission.contingents):
            _set(mission, contributor, "withdrawn", view)
    remaining = any(c.status in ON_SOIL for c in mission.contingents.values())
    _reach(mission, "withdrawing" if remaining else "withdrawn", view)


def reported(model: Model, view: StrengthReportedView, effective: date) -> None:
    """A figure only: it makes no mission or contingent and changes no status."""
    high = view.personnel if view.personnel_high is None else view.personnel_high
    quantity = WHOLE if view.contributor is None else view.contributor
    _claim(model, view.mission, quantity, view, effective, view.personnel, high, view.sources)


def _deadline(written: str | None, days: int | None, start: date | None) -> date | None:
    """A deadline given as a date (its effective day), or as days after `start`."""
    if written is not None:
        return parse_date(written).effective
    if days is None or start is None:
        return None
    return add_days(start, days)


def _deadlines(view: WithdrawalAnnouncedView, effective: date) -> Withdrawal:
    start_by = _deadline(view.start_by, view.starts_within_days, effective)
    complete_by = _deadline(view.complete_by, view.completes_within_days, start_by or effective)
    return Withdrawal(
        view.occurred,
        start_by.isoformat() if start_by else None,
        complete_by.isoformat() if complete_by else None,
    )
