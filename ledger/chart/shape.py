"""The chart of `ledger plot` as a typed model (contract section 15): what is drawn, where, and
why, before anything is drawn. `Ledger.chart` returns it; `ledger.chart.draw` turns it into a
picture. Days are `date`s; a day is drawn as the span from its start to the next day's start.

Lanes run from top to bottom. A header lane (`state` or `mission`) starts each group and holds
its events (markers) and, for a mission, its promises' deadlines; the lanes below it hold bars:
one lane per office of the state (`office`), one per contingent of a mission (`contingent`).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import msgspec

from projections.promises import Kind, Status

LaneKind = Literal["state", "office", "mission", "contingent"]
MarkerKind = Literal["GovernmentDismissed", "GovernmentOverthrown", "WithdrawalAnnounced", "MissionCompleted"]
MARKER_KINDS: tuple[MarkerKind, ...] = (
    "GovernmentDismissed",
    "GovernmentOverthrown",
    "WithdrawalAnnounced",
    "MissionCompleted",
)


class Bar(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A spell (contract section 14) in a lane: an office held, or a contingent deployed."""

    holder: str  # a person's slug, or a contributor's state code
    name: str  # the holder's name in the chart's language (else the ISO name, else the slug)
    start: date  # the effective day it began
    end: date | None  # the effective day it ended; None: open, it runs to the right edge
    acting: bool  # an acting (or interim) holder; always False for a contingent
    start_fact: str
    end_fact: str | None
    # Whether the day it began (ended) is exact: False for a date given as a year or a month, or
    # with `~` or `?` (contract section 3), drawn at its effective day, the last it can mean.
    start_exact: bool = True
    end_exact: bool = True

    @property
    def one_day(self) -> bool:
        """Ended on the day it began (Mexico's president of 45 minutes): drawn a day wide, over
        the bar of whoever followed that day."""
        return self.end is not None and self.end <= self.start


class Marker(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An event: a government dismissed or overthrown, a withdrawal announced, a mission completed."""

    kind: MarkerKind
    day: date  # the fact's effective day
    occurred: str  # as written
    fact: str
    by: str | None  # who: the name of `dismissed_by`, `by`, `announced_by` or `declared_by`


class Deadline(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A promise's deadline (contract section 12), judged on the chart's last day."""

    kind: Kind
    day: date  # the deadline
    status: Status  # at `Chart.end`
    days: int  # as `audit promises` counts them
    fact: str  # the promising fact
    made: str  # its `occurred`, as written
    outcome: date | None  # the day of the fact that fulfilled it, on or before `Chart.end`
    replaced_by: str | None
    beyond: Literal["before", "after"] | None  # outside the days shown: drawn as an arrow at that edge


class Lane(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    kind: LaneKind
    key: str  # the state code, office slug, mission slug, or contributor code
    label: str  # its name in the chart's language
    bars: tuple[Bar, ...] = ()
    markers: tuple[Marker, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    group: int = 0  # lanes of one group (a header and the lanes below it) share this number


class Chart(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Everything `ledger plot` draws, for one state (`subject` "state") or mission."""

    subject: Literal["state", "mission"]
    key: str  # the state code or mission slug asked for
    title: str  # its name in `lang`
    start: date  # the first day shown
    end: date  # the last day shown; promises are judged on it
    lanes: tuple[Lane, ...]
    lang: str
    size: int  # the ledger entries considered
    root: str  # their Merkle root, hex

    def bars(self) -> list[Bar]:
        return [bar for lane in self.lanes for bar in lane.bars]

    def markers(self) -> list[Marker]:
        return [marker for lane in self.lanes for marker in lane.markers]

    def deadlines(self) -> list[Deadline]:
        return [deadline for lane in self.lanes for deadline in lane.deadlines]
