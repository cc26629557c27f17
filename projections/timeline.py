"""The timeline: folded facts in replay order, optionally narrowed to a state or a mission.

Narrowing to a state is decided fact by fact, as the facts come (contract section 9): a fact
concerns state S when its `state`, `host` or `contributor` is S, when its `about` names S, or
when it belongs to a mission that, at that point of the replay, S hosts or has a contingent in.
So the filter follows each mission's host and contingents as replay does, and needs nothing but
the facts before the one it decides on.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledger.entries import Folded
from ledger.facts import (
    AnyFact,
    ForcesDeployed,
    ForcesWithdrawn,
    MissionAuthorized,
    MissionRequested,
    StatementMade,
    WithdrawalStarted,
)

_STATE_FIELDS = ("state", "host", "contributor")


class StateFilter:
    """Whether each folded fact, given in replay order, concerns one state."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.hosts: dict[str, str] = {}  # mission -> its host so far (the latest given)
        self.contributors: dict[str, set[str]] = {}  # mission -> the states with a contingent in it

    def _follow(self, fact: AnyFact, mission: str) -> None:
        """The mission's host and contingents after this fact (contract section 4)."""
        if isinstance(fact, (MissionRequested, MissionAuthorized)):
            self.hosts[mission] = fact.host
        elif isinstance(fact, ForcesDeployed):
            if fact.host is not None:
                self.hosts[mission] = fact.host
            self.contributors.setdefault(mission, set()).add(fact.contributor)
        elif isinstance(fact, (WithdrawalStarted, ForcesWithdrawn)) and fact.contributor is not None:
            self.contributors.setdefault(mission, set()).add(fact.contributor)

    def concerns(self, fact: AnyFact) -> bool:
        code = self.code
        mission = getattr(fact, "mission", None)
        if mission is not None:
            self._follow(fact, mission)
        if any(getattr(fact, name, None) == code for name in _STATE_FIELDS):
            return True
        if isinstance(fact, StatementMade):
            return code in (fact.about or ())
        return mission is not None and (
            self.hosts.get(mission) == code or code in self.contributors.get(mission, ())
        )


def concerns_mission(entry: Folded, mission: str) -> bool:
    fact = entry.fact
    if isinstance(fact, StatementMade):
        return mission in (fact.about or ())
    return getattr(fact, "mission", None) == mission


def narrow(
    ordered: Iterable[Folded],
    *,
    start: int | None = None,
    state: str | None = None,
    mission: str | None = None,
) -> list[Folded]:
    """Entries of `ordered` (every folded fact, in replay order, from the first) from effective
    day `start` (an ordinal) on, about `state` and `mission`: one pass, each fact decided as it
    comes."""
    by_state = StateFilter(state) if state is not None else None
    kept = []
    for e in ordered:
        # The state filter sees every fact, those before `start` too: they make the missions' hosts.
        if by_state is not None and not by_state.concerns(e.fact):
            continue
        if (start is None or e.effective >= start) and (mission is None or concerns_mission(e, mission)):
            kept.append(e)
    return kept
