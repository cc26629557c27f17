"""One line that says what a fact says: the `summary` of `ledger timeline` and `ledger log`.

`summary(fact, effective)` reads like a sentence (`askar-mamin left office as KZ prime-minister
(dismissed)`, `RU deployed 3,000 personnel to KZ (csto-kazakhstan-2022)`). Actors are shown by
their slugs and state codes unless `name` is given: a function from an actor (a slug or a state
code) to the text to show for it, such as a described name in a language. Withdrawal deadlines are
those replay computes (`projections.missions`), so that the line and `replay` always agree. A type
this module does not know yet is shown as its fields (`name=value`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import msgspec

from ledger.facts import (
    ActorDescribed,
    DeploymentCompleted,
    Fact,
    FactRetracted,
    ForcesDeployed,
    ForcesWithdrawn,
    GovernmentDismissed,
    GovernmentOverthrown,
    MissionAuthorized,
    MissionCompleted,
    MissionRequested,
    OfficeAssumed,
    OfficeLeft,
    PrimeMinisterAppointed,
    PrimeMinisterNominated,
    StatementMade,
    StrengthReported,
    WithdrawalAnnounced,
    WithdrawalStarted,
)
from ledger.replay.views import WithdrawalAnnouncedView, view_of
from projections.missions import deadlines as mission_deadlines
from projections.world import Withdrawal

__all__ = ["Name", "deadlines", "summary"]

Name = Callable[[str], str]
_ENVELOPE = frozenset(f.name for f in msgspec.structs.fields(Fact))
_REASONS = {"term-ended": "term ended"}
PRIME_MINISTER = "prime-minister"


def _as_is(actor: str) -> str:
    return actor


def _by(who: str | None, name: Name) -> str:
    return "" if who is None else f" by {name(who)}"


def _people(n: int) -> str:
    return f"{n:,} personnel"


def deadlines(fact: WithdrawalAnnounced, effective: date) -> Withdrawal:
    """The withdrawal an announcement sets, as replay computes it (`start_by`, `complete_by`)."""
    view = view_of(fact)
    assert isinstance(view, WithdrawalAnnouncedView)
    return mission_deadlines(view, effective)


def _withdrawal(fact: WithdrawalAnnounced, effective: date, name: Name) -> str:
    w = deadlines(fact, effective)
    parts = [f"start by {w.start_by}"] if w.start_by else []
    parts += [f"complete by {w.complete_by}"] if w.complete_by else []
    said = f"{name(fact.mission)} withdrawal announced{_by(fact.announced_by, name)}"
    return f"{said}: {', '.join(parts)}" if parts else f"{said}, no deadline given"


def _mission(mission: str, organization: str, name: Name) -> str:
    """A mission and its organization: `csto-kazakhstan-2022 (csto)`. Not "csto mission ...": a
    described mission's name often holds its organization's already ("CSTO mission in
    Kazakhstan"), which read "Collective Security Treaty Organization mission CSTO mission in
    Kazakhstan"."""
    return f"{name(mission)} ({name(organization)})"


def _office(state: str, office: str, name: Name) -> str:
    return f"{name(state)} {name(office)}"


def _appointed(f: PrimeMinisterAppointed | OfficeAssumed, name: Name) -> str:
    office = f.office if isinstance(f, OfficeAssumed) else PRIME_MINISTER
    acting = "interim " if f.interim else "acting " if f.acting else ""
    where = _office(f.state, office, name)
    return f"{name(f.person)} appointed {acting}{where}{_by(f.appointed_by, name)}"


def _deployed(f: ForcesDeployed, name: Name) -> str:
    what = "forces" if f.personnel is None else _people(f.personnel)
    to = "" if f.host is None else f" to {name(f.host)}"
    return f"{name(f.contributor)} deployed {what}{to} ({name(f.mission)})"


def _withdrawn(f: ForcesWithdrawn, name: Name) -> str:
    who = "every contingent" if f.contributor is None else name(f.contributor)
    left = "" if f.personnel is None else f", {_people(f.personnel)}"
    return f"{who} withdrawn from {name(f.mission)}{left}"


def _statement(f: StatementMade, name: Name) -> str:
    office = "" if f.office is None else f" ({f.office})"
    return f"{name(f.speaker)}{office}: {f.summary}"


# The commonest types, found by their exact class (one dict lookup) before the `match`, whose
# class patterns cost an isinstance call per case tried (an export makes a summary per fact).
_COMMON: dict[type, Callable[[Any, Name], str]] = {
    ForcesDeployed: _deployed,
    StatementMade: _statement,
    OfficeAssumed: _appointed,
    PrimeMinisterAppointed: _appointed,
    ForcesWithdrawn: _withdrawn,
}


def _described(f: Fact, effective: date, name: Name) -> str:
    common = _COMMON.get(type(f))
    if common is not None:
        return common(f, name)
    match f:
        case GovernmentOverthrown():
            ousted = "" if not f.ousted else f", ousting {', '.join(name(p) for p in f.ousted)}"
            return f"{name(f.state)} government overthrown{_by(f.by, name)}{ousted}"
        case GovernmentDismissed():
            return f"{name(f.state)} government dismissed{_by(f.dismissed_by, name)}"
        case OfficeLeft():
            reason = "" if f.reason is None else f" ({_REASONS.get(f.reason, f.reason)})"
            return f"{name(f.person)} left office as {_office(f.state, f.office, name)}{reason}"
        case PrimeMinisterNominated():
            where = _office(f.state, PRIME_MINISTER, name)
            return f"{name(f.person)} nominated {where}{_by(f.nominated_by, name)}"
        case PrimeMinisterAppointed() | OfficeAssumed():
            return _appointed(f, name)
        case MissionRequested():
            what = _mission(f.mission, f.organization, name)
            if f.requested_by is not None:
                return f"{name(f.requested_by)} requested {what} for {name(f.host)}"
            return f"{what} requested for {name(f.host)}"
        case MissionAuthorized():
            what = f"{_mission(f.mission, f.organization, name)} authorized for {name(f.host)}"
            by = "" if f.body is None else f" by {f.body}"
            until = "" if f.until is None else f" until {f.until}"
            return what + by + until + ("" if f.mandate is None else f": {f.mandate}")
        case ForcesDeployed():
            return _deployed(f, name)
        case DeploymentCompleted():
            return f"{name(f.mission)} deployment completed"
        case MissionCompleted():
            declared = "" if f.declared_by is None else f", declared by {name(f.declared_by)}"
            return f"{name(f.mission)} completed{declared}"
        case WithdrawalAnnounced():
            return _withdrawal(f, effective, name)
        case WithdrawalStarted():
            if f.contributor is None:
                return f"{name(f.mission)} withdrawal started (every deployed contingent)"
            return f"{name(f.contributor)} started withdrawing from {name(f.mission)}"
        case ForcesWithdrawn():
            return _withdrawn(f, name)
        case StrengthReported():
            figure = _people(f.personnel)
            if f.personnel_high is not None and f.personnel_high != f.personnel:
                figure = f"{f.personnel:,} to {_people(f.personnel_high)}"
            of = name(f.mission) if f.contributor is None else f"{name(f.contributor)} in {name(f.mission)}"
            return f"{of}: {figure} reported"
        case ActorDescribed():
            names = ", ".join(f"{tag}: {text}" for tag, text in sorted(f.names.items()))
            wikidata = "" if f.wikidata is None else f" ({f.wikidata})"
            return f"{f.actor} described{wikidata}: {names}"
        case StatementMade():
            return _statement(f, name)
        case FactRetracted():
            return f"retracts {f.target}: {f.reason}"
    return _fields(f)


def _fields(f: Fact) -> str:
    """A type without a sentence of its own yet: its fields, `name=value`."""
    shown = []
    for field in msgspec.structs.fields(f):
        value = getattr(f, field.name)
        if field.name in _ENVELOPE or value is None or value == field.default:
            continue
        if isinstance(value, tuple | list):
            value = ",".join(map(str, value))
        elif isinstance(value, dict):
            value = ",".join(f"{k}:{v}" for k, v in value.items())
        shown.append(f"{field.name}={value}")
    return " ".join(shown)


def summary(fact: Fact, effective: date, *, name: Name = _as_is) -> str:
    """What `fact`, effective on `effective`, says, in one line; a correction says what it
    corrects."""
    text = _described(fact, effective, name)
    if fact.supersedes is not None:
        text += f" (corrects {fact.supersedes})"
    return text
