"""The chart model (`ledger.chart.shape`) from one replay: `ChartFold` watches the views replay folds
(spells, promises and the four kinds of events, each from the projection that folds them), and
`build` chooses what a state's or a mission's chart shows, and on which days.

What a chart shows (contract section 15):

- `--state S`: a header lane for S holding its `GovernmentDismissed` and `GovernmentOverthrown`
  events, one lane per office of S with a bar per spell; then, for every mission with a
  contingent on S's soil (a contingent spell whose state, the mission's host, is S) or hosted by
  S, a header lane with its `WithdrawalAnnounced` and `MissionCompleted` events and its promises'
  deadlines, and one lane per contingent.
- `--mission M`: M's header lane and one lane per contingent of M; events of M only.

Days: from `start` to `end` when given; else from the first to the last effective day of the
facts shown (the facts that begin and end the bars, the events, the promising facts and their
outcomes). Bars still open at `end` run to the right edge; promises are judged on `end`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Literal

from ledger.chart.shape import Bar, Chart, Deadline, Lane, Marker, MarkerKind
from ledger.dates import parse_date
from ledger.errors import UsageError
from ledger.replay.views import (
    AnyView,
    GovernmentDismissedView,
    GovernmentOverthrownView,
    MissionCompletedView,
    WithdrawalAnnouncedView,
)
from projections.actors import names
from projections.promises import Promise, Promises, judge
from projections.spells import CONTINGENT, OFFICE, Spell, Spells

_MARKED: dict[type, MarkerKind] = {
    GovernmentDismissedView: "GovernmentDismissed",
    GovernmentOverthrownView: "GovernmentOverthrown",
    WithdrawalAnnouncedView: "WithdrawalAnnounced",
    MissionCompletedView: "MissionCompleted",
}


class Event:
    """An event as the fold met it: its marker, its state (government events) or its mission and
    that mission's host then."""

    __slots__ = ("host", "marker", "mission", "state", "who")

    def __init__(self, view: AnyView, kind: MarkerKind, day: date, host: str | None) -> None:
        self.state: str | None = getattr(view, "state", None)
        self.mission: str | None = getattr(view, "mission", None)
        self.host = host
        who = None
        if isinstance(view, GovernmentDismissedView):
            who = view.dismissed_by
        elif isinstance(view, GovernmentOverthrownView):
            who = view.by
        elif isinstance(view, WithdrawalAnnouncedView):
            who = view.announced_by
        elif isinstance(view, MissionCompletedView):
            who = view.declared_by
        self.who = who
        self.marker = Marker(kind=kind, day=day, occurred=view.occurred, fact=view.fact_id, by=who)


class ChartFold:
    """Feed it the views replay folds, in replay order (`apply`): spells (`projections.spells`),
    promises (`projections.promises`) and events are each watched on the fold that makes them."""

    def __init__(self) -> None:
        self.spells = Spells()
        self.promises = Promises()
        self.events: list[Event] = []

    def apply(self, view: AnyView, effective: date) -> None:
        self.spells.apply(view, effective)
        self.promises.apply(view, effective)
        kind = _MARKED.get(type(view))
        if kind is not None:
            mission = getattr(view, "mission", None)
            record = None if mission is None else self.promises.projection.missions.get(mission)
            self.events.append(Event(view, kind, effective, None if record is None else record.host))

    def missions(self) -> set[str]:
        """The missions that exist at the end of the fold."""
        return set(self.promises.missions())


def _kept_bar(spell: Spell, start: date | None) -> bool:
    return start is None or spell.end_day is None or spell.end_day >= start


def _bar(spell: Spell) -> Bar:
    return Bar(
        holder=spell.holder,
        name=spell.name or spell.holder,
        start=spell.start_day,
        end=spell.end_day,
        acting=bool(spell.acting),
        start_fact=spell.start_fact,
        end_fact=spell.end_fact,
        start_exact=_exact(spell.start),
        end_exact=spell.end is None or _exact(spell.end),
    )


def _exact(written: str) -> bool:
    """Whether a date as a fact wrote it names one day (or a moment), without `~` or `?`."""
    parsed = parse_date(written)
    return parsed.precision in ("day", "moment") and parsed.qualifier is None


def _days(spells: Iterable[Spell], events: Iterable[Event], promises: Iterable[Promise]) -> list[date]:
    """The effective days of the facts shown."""
    days: list[date] = []
    for spell in spells:
        days.append(spell.start_day)
        if spell.end_day is not None:
            days.append(spell.end_day)
    days += [e.marker.day for e in events]
    for p in promises:
        days.append(parse_date(p.made).effective)
        if p.outcome is not None:
            days.append(date.fromisoformat(p.outcome.day))
    return days


def build(
    fold: ChartFold,
    *,
    state: str | None,
    mission: str | None,
    start: date | None,
    end: date | None,
    lang: str,
    size: int,
    root: str,
) -> Chart:
    """The chart of `state` or `mission` (exactly one of them) from a fold that went up to `end`
    (or to the last fact). Nothing to draw is a UsageError naming `state` or `mission`."""
    spells = fold.spells.finish(lang)
    name = names(fold.spells.projection.actors, lang)  # as tables name them
    if state is not None:
        chosen = [s for s in spells if s.state == state]
        events = [e for e in fold.events if (e.state == state if e.mission is None else e.host == state)]
        # The promises' hosts are the missions' hosts at the end of the fold.
        promises = fold.promises.promises(date.max, states={state})
    else:
        assert mission is not None
        chosen = [s for s in spells if s.kind == CONTINGENT and s.mission == mission]
        events = [e for e in fold.events if e.mission == mission]
        promises = fold.promises.promises(date.max, missions={mission})
    chosen = [s for s in chosen if _kept_bar(s, start)]
    events = [e for e in events if (start is None or e.marker.day >= start)]
    days = [d for d in _days(chosen, events, promises) if (start is None or d >= start)]
    first = start if start is not None else (min(days) if days else end)
    last = end if end is not None else (max(days) if days else start)
    if first is None or last is None or not (chosen or events or promises):
        subject, key = ("state", state) if state is not None else ("mission", mission)
        # A state's contingents abroad are its missions' lanes, not its own: say where they are.
        abroad = sorted(
            {
                s.mission
                for s in spells
                if s.kind == CONTINGENT and s.holder == state and s.mission and _kept_bar(s, start)
            }
        )
        raise UsageError(
            (
                "nothing to draw: no office, contingent on its soil, event or promise"
                if state is not None
                else "nothing to draw: no contingent, event or promise"
            )
            + (f" from {start.isoformat()}" if start is not None else "")
            + (f" to {end.isoformat()}" if end is not None else "")
            # --size and --known-at can leave out what the ledger holds now: say how much was read
            + f" in {size:,} {'entry' if size == 1 else 'entries'}"
            + (
                f"; its contingents abroad are drawn with --mission {abroad[0]}"
                + (f" (or {', '.join(abroad[1:])})" if len(abroad) > 1 else "")
                if abroad and state is not None
                else ""
            ),
            param=subject,
            value=key,
        )
    if last < first:
        raise UsageError(
            f"the last day shown ({last.isoformat()}) is before the first ({first.isoformat()})",
            param="end" if end is not None else "start",
            value=(end or start or last).isoformat(),
        )
    lanes: list[Lane] = []
    group = 0
    if state is not None:
        offices = [s for s in chosen if s.kind == OFFICE]
        government = tuple(e.marker for e in events if e.mission is None)
        if offices or government:
            lanes.append(Lane(kind="state", key=state, label=name(state), markers=government, group=group))
            for slug, bars in _lanes(offices, lambda s: s.office or ""):
                lanes.append(Lane(kind="office", key=slug, label=name(slug), bars=bars, group=group))
            group += 1
    contingents = [s for s in chosen if s.kind == CONTINGENT]
    missions = {s.mission or "" for s in contingents}
    missions |= {e.mission for e in events if e.mission is not None}
    missions |= {p.mission for p in promises}
    order = {m: (min(_first_days(m, contingents, events, promises)), m) for m in missions}
    for slug in sorted(missions, key=order.__getitem__):
        lanes.append(
            Lane(
                kind="mission",
                key=slug,
                label=name(slug),
                markers=tuple(e.marker for e in events if e.mission == slug),
                deadlines=tuple(_deadline(p, first, last) for p in promises if p.mission == slug),
                group=group,
            )
        )
        mine = [s for s in contingents if s.mission == slug]
        for code, bars in _lanes(mine, lambda s: s.holder):
            lanes.append(Lane(kind="contingent", key=code, label=code, bars=bars, group=group))
        group += 1
    return Chart(
        subject="state" if state is not None else "mission",
        key=state if state is not None else mission or "",
        title=name(state if state is not None else mission or ""),
        start=first,
        end=last,
        lanes=tuple(lanes),
        lang=lang,
        size=size,
        root=root,
    )


def _first_days(
    mission: str, spells: list[Spell], events: list[Event], promises: list[Promise]
) -> list[date]:
    days = [s.start_day for s in spells if s.mission == mission]
    days += [e.marker.day for e in events if e.mission == mission]
    days += [parse_date(p.made).effective for p in promises if p.mission == mission]
    return days or [date.max]


def _lanes(spells: list[Spell], key: Callable[[Spell], str]) -> list[tuple[str, tuple[Bar, ...]]]:
    """Spells grouped in lanes by `key`, each lane's bars by start day; the lanes by their first
    bar's start day, then key."""
    grouped: dict[str, list[Spell]] = {}
    for spell in spells:
        grouped.setdefault(key(spell), []).append(spell)
    lanes = []
    for name, mine in grouped.items():
        mine.sort(key=lambda s: (s.start_day, s.end_day or date.max, s.holder))
        lanes.append((mine[0].start_day, name, tuple(_bar(s) for s in mine)))
    lanes.sort(key=lambda lane: (lane[0], lane[1]))
    return [(name, bars) for _, name, bars in lanes]


def _deadline(p: Promise, first: date, last: date) -> Deadline:
    """A promise judged on `last`: an outcome after `last` is not known on that day."""
    deadline = date.fromisoformat(p.deadline)
    outcome = None if p.outcome is None else date.fromisoformat(p.outcome.day)
    if outcome is not None and outcome > last:
        outcome = None
    status, days = judge(deadline, outcome, last)
    beyond: Literal["before", "after"] | None = None
    if deadline > last:
        beyond = "after"
    elif deadline < first:
        beyond = "before"
    return Deadline(
        kind=p.kind,
        day=deadline,
        status=status,
        days=days,
        fact=p.fact,
        made=p.made,
        outcome=outcome,
        replaced_by=p.replaced_by,
        beyond=beyond,
    )
