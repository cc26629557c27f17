"""The fold from facts in replay order to the world on one day."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, ClassVar

import msgspec

from ledger.entry import Entry
from ledger.errors import LedgerCorrupt
from ledger.facts import (
    Fact,
    PrimeMinisterNominated,
    StatementMade,
)
from projections import government, missions
from projections.world import ForeignForce, LedgerInfo, MissionView, StateView, World

_STATE_HANDLERS: dict[str, Callable[[dict[str, StateView], Any], None]] = {
    "GovernmentDismissed": government.dismiss,
    "PrimeMinisterAppointed": government.appoint,
    "OfficeAssumed": government.appoint,
    "OfficeLeft": government.leave,
}


class ProjectionState(msgspec.Struct):
    """What a projection snapshot holds."""

    states: dict[str, StateView]
    missions: dict[str, MissionView]


_SNAPSHOT = msgspec.msgpack.Encoder()
_RESTORE = msgspec.msgpack.Decoder(ProjectionState)


class Projection:
    """Mutable state of a replay in progress: feed it facts in replay order."""

    # Type ranks whose facts never change this projection (PrimeMinisterNominated,
    # StatementMade): the fast loop does not even read them.
    IGNORES: ClassVar[tuple[int, ...]] = (PrimeMinisterNominated.RANK, StatementMade.RANK)

    def __init__(self, state: ProjectionState | None = None) -> None:
        self.states: dict[str, StateView] = state.states if state else {}
        self.missions: dict[str, MissionView] = state.missions if state else {}

    def snapshot(self) -> bytes:
        """The state so far, to resume from later (`Projection.restore`)."""
        return _SNAPSHOT.encode(ProjectionState(self.states, self.missions))

    @classmethod
    def restore(cls, snapshot: bytes) -> Projection:
        try:
            return cls(_RESTORE.decode(snapshot))
        except msgspec.MsgspecError as e:
            raise LedgerCorrupt(f"a projection snapshot cannot be read: {e}") from None

    def apply(self, fact: Fact, effective: date) -> None:
        """Fold one fact (or its view without sources: dispatch is by type name, not class)."""
        kind = fact.TYPE
        handler = missions.HANDLERS.get(kind)
        if handler is not None:
            handler(self.missions, fact, effective)
        else:
            state_handler = _STATE_HANDLERS.get(kind)
            if state_handler is not None:
                state_handler(self.states, fact)
        # PrimeMinisterNominated and StatementMade are kept in the timeline only.

    def world(self, as_of: date, size: int, root: str | None = None) -> World:
        """The contract's document: sorted keys, foreign forces derived from missions."""
        states = {
            code: StateView(s.government, dict(sorted(s.offices.items())), [])
            for code, s in self.states.items()
        }
        for name, mission in sorted(self.missions.items()):
            if mission.host is None:
                continue
            for contributor, c in sorted(mission.contingents.items()):
                if c.status in missions.ON_SOIL:
                    states.setdefault(mission.host, StateView()).foreign_forces.append(
                        ForeignForce(name, contributor, c.status, c.since, c.personnel)
                    )
        listed = {
            code: s
            for code, s in sorted(states.items())
            if s.government is not None or s.offices or s.foreign_forces
        }
        views = {
            name: MissionView(
                m.organization, m.host, m.status, m.since, dict(sorted(m.contingents.items())), m.withdrawal
            )
            for name, m in sorted(self.missions.items())
        }
        return World(as_of.isoformat(), LedgerInfo(size, root), listed, views)


def fold(entries: Iterable[Entry]) -> Projection:
    """Fold entries already in replay order."""
    projection = Projection()
    for entry in entries:
        projection.apply(entry.fact, entry.effective_day)
    return projection
