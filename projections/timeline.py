"""The timeline: folded facts in replay order, optionally narrowed to a state or a mission."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.entries import Folded
from ledger.facts import StatementMade

_STATE_FIELDS = ("state", "host", "contributor")


def _mission_hosts(entries: Sequence[Folded]) -> dict[str, set[str]]:
    hosts: dict[str, set[str]] = {}
    for e in entries:
        mission, host = getattr(e.fact, "mission", None), getattr(e.fact, "host", None)
        if mission is not None and host is not None:
            hosts.setdefault(mission, set()).add(host)
    return hosts


def concerns_state(entry: Folded, code: str, hosts: dict[str, set[str]]) -> bool:
    fact = entry.fact
    if any(getattr(fact, name, None) == code for name in _STATE_FIELDS):
        return True
    if isinstance(fact, StatementMade):
        return code in (fact.about or ()) or (fact.office or "").startswith(code + "/")
    mission = getattr(fact, "mission", None)
    return mission is not None and code in hosts.get(mission, ())


def concerns_mission(entry: Folded, mission: str) -> bool:
    fact = entry.fact
    if isinstance(fact, StatementMade):
        return mission in (fact.about or ())
    return getattr(fact, "mission", None) == mission


def narrow(
    ordered: Sequence[Folded],
    *,
    start: int | None = None,
    state: str | None = None,
    mission: str | None = None,
) -> list[Folded]:
    """Entries of `ordered` from effective day `start` (an ordinal) on, about `state` and `mission`."""
    hosts = _mission_hosts(ordered) if state is not None else {}
    return [
        e
        for e in ordered
        if (start is None or e.effective >= start)
        and (state is None or concerns_state(e, state, hosts))
        and (mission is None or concerns_mission(e, mission))
    ]
