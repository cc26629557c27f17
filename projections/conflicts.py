"""Conflicts (contract section 12): every quantity whose `strength` (section 11) is disputed on the
as-of day, read off the world our projection gives."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from projections import actors
from projections.world import Description, LedgerInfo, Strength, World


class Conflict(msgspec.Struct, frozen=True, gc=False):
    """A disputed quantity: a contingent's (`contributor`) or a mission's as a whole (null)."""

    mission: str
    contributor: str | None
    strength: Strength


class ConflictsDocument(msgspec.Struct, gc=False):
    """`ledger audit conflicts --json` without its receipt."""

    as_of: str
    ledger: LedgerInfo
    conflicts: list[Conflict]
    actors: dict[str, Description] = msgspec.field(default_factory=dict)


def conflicts(world: World) -> list[Conflict]:
    """The disputed quantities of `world`, by mission, then contributor (the mission as a whole,
    null, first). The world's missions and contingents are sorted already."""
    found: list[Conflict] = []
    for name, m in world.missions.items():
        if m.strength is not None and m.strength.disputed:
            found.append(Conflict(name, None, m.strength))
        for contributor, c in m.contingents.items():
            if c.strength is not None and c.strength.disputed:
                found.append(Conflict(name, contributor, c.strength))
    return found


def document(world: World, described: Mapping[str, Description]) -> ConflictsDocument:
    """The document of `audit conflicts` (without its receipt): `described` holds every actor's
    description folded so far (`Projection.actors`)."""
    listed = conflicts(world)
    named = actors.described(described, _named(listed)) if described else {}
    return ConflictsDocument(world.as_of, world.ledger, listed, named)


def _named(listed: Iterable[Conflict]) -> Iterable[str]:
    for c in listed:
        yield c.mission
        if c.contributor is not None:
            yield c.contributor
