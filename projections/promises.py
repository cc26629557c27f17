"""Promises and outcomes (contract section 12): the deadlines facts set, and what became of them.

A promise is a deadline set by a fact: a `WithdrawalAnnounced` with a start deadline
(`withdrawal-start`) or a completion deadline (`withdrawal-complete`), a `MissionAuthorized` with
`until` (`mandate-end`). Its outcome is the first fact, in replay order, from the promising
fact's effective day to the as-of day, that fulfils it: a `WithdrawalStarted` or
`ForcesWithdrawn` of the mission for a start; for a completion or a mandate's end, the fact that
made the mission's status `withdrawn`. Fulfilling types rank after both promising types within a
day (section 4), so "from the promising fact's day" is "after it in replay order".

`Promises` folds views in replay order beside our `Projection`, which it drives (the mission's
status, host and the descriptions come from the one fold of section 4); `judge` is the status
rule, a pure function of the deadline, the outcome's day and the as-of day.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from datetime import date
from typing import ClassVar, Literal

import msgspec

from ledger.dates import parse_date
from ledger.replay.views import (
    AnyView,
    ForcesWithdrawnView,
    MissionAuthorizedView,
    WithdrawalAnnouncedView,
    WithdrawalStartedView,
)
from projections import actors
from projections.fold import Projection
from projections.missions import deadlines
from projections.world import Description, LedgerInfo

Kind = Literal["withdrawal-start", "withdrawal-complete", "mandate-end"]
Status = Literal["met", "late", "overdue", "pending"]
KINDS: tuple[Kind, ...] = ("withdrawal-start", "withdrawal-complete", "mandate-end")
# What fulfils each kind: a start, or the mission becoming `withdrawn`.
_ENDS: tuple[Kind, ...] = ("withdrawal-complete", "mandate-end")


def judge(deadline: date, outcome: date | None, as_of: date) -> tuple[Status, int]:
    """A promise's status at `as_of` and its `days` (contract section 12): `met` (the outcome's
    day on or before the deadline; days = outcome - deadline, negative when early), `late`
    (after it; days = outcome - deadline), `overdue` (no outcome and the deadline before
    `as_of`; days = as_of - deadline), `pending` (no outcome, the deadline on or after `as_of`;
    days = deadline - as_of)."""
    if outcome is not None:
        days = (outcome - deadline).days
        return ("met" if days <= 0 else "late"), days
    if deadline < as_of:
        return "overdue", (as_of - deadline).days
    return "pending", (deadline - as_of).days


class Outcome(msgspec.Struct, frozen=True, gc=False):
    """The fact that fulfilled a promise: its id, its `occurred` as written, its effective day."""

    fact: str
    occurred: str
    day: str


class Promise(msgspec.Struct, frozen=True, gc=False):
    """One promise as `audit promises --json` lists it."""

    mission: str
    host: str | None  # the mission's host on the as-of day
    kind: Kind
    fact: str  # the promising fact's id
    made: str  # its `occurred`, as written
    by: str | None  # its `announced_by`, or a mandate's `body`
    deadline: str  # a day
    status: Status
    days: int
    outcome: Outcome | None
    replaced_by: str | None  # the later fact that set a promise of the same kind for the mission


class PromisesDocument(msgspec.Struct, gc=False):
    """`ledger audit promises --json` without its receipt."""

    as_of: str
    ledger: LedgerInfo
    promises: list[Promise]
    actors: dict[str, Description] = msgspec.field(default_factory=dict)


class _Made:
    """A promise while the fold runs."""

    __slots__ = ("by", "deadline", "fact", "kind", "made", "mission", "order", "outcome", "replaced_by")

    def __init__(
        self, mission: str, kind: Kind, view: AnyView, by: str | None, deadline: date, order: int
    ) -> None:
        self.mission, self.kind, self.made = mission, kind, view.occurred
        self.fact = view.id or ""  # never empty: every view replay decodes has its fact's id
        self.by, self.deadline, self.order = by, deadline, order
        self.outcome: tuple[str, str, date] | None = None
        self.replaced_by: str | None = None


class Promises:
    """Feed it views in replay order (`apply`), then ask for the document (`document`)."""

    IGNORES: ClassVar[tuple[int, ...]] = Projection.IGNORES

    def __init__(self) -> None:
        self.projection = Projection()
        self._made: list[_Made] = []
        self._current: dict[tuple[str, Kind], _Made] = {}  # the promise a later one would replace
        self._waiting: dict[tuple[str, Kind], list[_Made]] = {}  # promises without an outcome yet

    def apply(self, view: AnyView, effective: date) -> None:
        if type(view) is WithdrawalStartedView or type(view) is ForcesWithdrawnView:
            mission = view.mission
            record = self.projection.missions.get(mission)
            was_withdrawn = record is not None and record.status == "withdrawn"
            self.projection.apply(view, effective)
            self._fulfil(mission, "withdrawal-start", view, effective)
            record = self.projection.missions[mission]
            if record.status == "withdrawn" and not was_withdrawn:
                for kind in _ENDS:
                    self._fulfil(mission, kind, view, effective)
            return
        self.projection.apply(view, effective)
        if type(view) is WithdrawalAnnouncedView:
            set_by = deadlines(view, effective)
            for kind, day in (
                ("withdrawal-start", set_by.start_by),
                ("withdrawal-complete", set_by.complete_by),
            ):
                if day is not None:
                    self._promise(view.mission, kind, view, view.announced_by, date.fromisoformat(day))
        elif type(view) is MissionAuthorizedView and view.until is not None:
            self._promise(view.mission, "mandate-end", view, view.body, parse_date(view.until).effective)

    def _promise(self, mission: str, kind: Kind, view: AnyView, by: str | None, deadline: date) -> None:
        made = _Made(mission, kind, view, by, deadline, len(self._made))
        self._made.append(made)
        key = (mission, kind)
        replaced = self._current.get(key)
        if replaced is not None:
            replaced.replaced_by = made.fact
        self._current[key] = made
        self._waiting.setdefault(key, []).append(made)

    def _fulfil(self, mission: str, kind: Kind, view: AnyView, effective: date) -> None:
        waiting = self._waiting.pop((mission, kind), None)
        for made in waiting or ():
            made.outcome = (view.id or "", view.occurred, effective)

    def missions(self) -> Set[str]:
        """The missions that exist (contract section 4: from their first mission fact)."""
        return self.projection.missions.keys()

    def promises(
        self, as_of: date, *, missions: Set[str] | None = None, states: Set[str] | None = None
    ) -> list[Promise]:
        """Every promise folded, judged at `as_of`, of the `missions` given and of those hosted by
        the `states` given; sorted by deadline, mission, kind, then the promising fact's replay
        order."""
        found: list[Promise] = []
        records = self.projection.missions
        for made in sorted(self._made, key=lambda m: (m.deadline, m.mission, m.kind, m.order)):
            host = records[made.mission].host
            if missions is not None and made.mission not in missions:
                continue
            if states is not None and host not in states:
                continue
            day = None if made.outcome is None else made.outcome[2]
            status, days = judge(made.deadline, day, as_of)
            outcome = (
                None if made.outcome is None else Outcome(*made.outcome[:2], made.outcome[2].isoformat())
            )
            found.append(
                Promise(
                    made.mission,
                    host,
                    made.kind,
                    made.fact,
                    made.made,
                    made.by,
                    made.deadline.isoformat(),
                    status,
                    days,
                    outcome,
                    made.replaced_by,
                )
            )
        return found

    def document(
        self,
        as_of: date,
        size: int,
        root: str | None,
        *,
        missions: Set[str] | None = None,
        states: Set[str] | None = None,
    ) -> PromisesDocument:
        """The document of `audit promises` (without its receipt)."""
        listed = self.promises(as_of, missions=missions, states=states)
        named = actors.described(self.projection.actors, _named(listed)) if self.projection.actors else {}
        return PromisesDocument(as_of.isoformat(), LedgerInfo(size, root), listed, named)


def _named(promises: Iterable[Promise]) -> Iterable[str]:
    """The actors a promise names: its mission, its host, and who announced it (a person; a
    mandate's `body` is text, not an actor)."""
    for p in promises:
        yield p.mission
        if p.host is not None:
            yield p.host
        if p.by is not None and p.kind != "mandate-end":
            yield p.by
