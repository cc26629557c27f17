"""Spells (contract section 14): periods of office and of deployment, as leader and deployment data
sets list them, read off our projection as replay folds it.

`Spells` wraps a `Projection`: each view is folded exactly as replay folds it, and the records the
fold replaces tell where a spell begins and ends, so spells follow sections 4 and 9 by
construction (overthrows, interim holders handing back the office, same-day spells):

- an office spell is an entry of the office (section 4) with a person: it begins with the entry
  (an appointment, or an interim person's `OfficeLeft` handing the office back to the holder) and
  ends at the office's next entry (another appointment, the holder's `OfficeLeft`, an overthrow
  ousting the holder), or is open at the as-of day. The fold replaces an office's record exactly
  when a new entry begins (a dismissal marks the holder acting without one: the spell goes on);
  an appointment whose person leaves later the same day (section 9) is two entries in one fold
  step, both kept. `acting` is the entry's own, as it began;
- a contingent spell begins with the `ForcesDeployed` that makes a contingent `deployed` while it
  has no open spell (a first deployment, or a redeployment after it was withdrawn) and ends with
  the fact that makes it `withdrawn`, or is open. Its `personnel` is section 11's, once its end
  day (or the as-of day, for an open spell) is folded; `state` is the mission's host when the
  spell began (or, when it had none yet, when the spell ends or at the as-of day).

Memory: the projection's state, the open spells and the spells found so far (small records, one
per spell; never the facts), which are sorted at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import msgspec

from ledger.codes import is_state, iso_name
from ledger.replay.views import (
    AnyView,
    ForcesDeployedView,
    ForcesWithdrawnView,
    GovernmentOverthrownView,
    OfficeAssumedView,
    OfficeLeftView,
    PrimeMinisterAppointedView,
    WithdrawalStartedView,
)
from projections.actors import name_in
from projections.fold import Projection, personnel
from projections.government import PRIME_MINISTER
from projections.world import Description

OFFICE, CONTINGENT = "office", "contingent"
_OFFICE_VIEWS = (GovernmentOverthrownView, OfficeLeftView, PrimeMinisterAppointedView, OfficeAssumedView)
_CONTINGENT_VIEWS = (ForcesDeployedView, WithdrawalStartedView, ForcesWithdrawnView)


class Spell(msgspec.Struct, kw_only=True, gc=False):
    """One row of `ledger export spells`, in its columns' order. `None`: absent."""

    kind: str  # "office" or "contingent"
    state: str | None  # the office's state, or the mission's host
    office: str | None
    mission: str | None
    holder: str  # a person, or a contributor (a state code)
    acting: bool | None  # None for a contingent
    start: str  # the `occurred` of the fact that began it, as written
    start_day: date
    end: str | None = None
    end_day: date | None = None
    start_fact: str
    end_fact: str | None = None
    personnel: int | None = None  # contingents only
    name: str | None = None  # the holder's name in the language asked for


class Spells:
    """Fold views in replay order (`apply`), as `Projection.apply` does, and collect the spells;
    `finish` gives them sorted (contract section 14), named in a language."""

    def __init__(self) -> None:
        self.projection = Projection()
        self.done: list[tuple[tuple[str, str, str, date, str, int], Spell]] = []
        self._offices: dict[tuple[str, str], tuple[int, Spell]] = {}  # open, by (state, office)
        self._contingents: dict[tuple[str, str], tuple[int, Spell]] = {}  # open, by (mission, contributor)
        self._ending: list[tuple[int, Spell]] = []  # contingent spells ended today: personnel tomorrow
        self._opened = 0  # spells begun so far: the last sort key, replay order
        self._day = date.min

    def apply(self, view: AnyView, effective: date) -> None:
        if effective != self._day:
            self._end_of_day()
            self._day = effective
        if isinstance(view, _OFFICE_VIEWS):
            self._office_step(view, effective)
        elif isinstance(view, _CONTINGENT_VIEWS):
            self._contingent_step(view, effective)
        else:
            self.projection.apply(view, effective)

    # Offices

    def _office_step(
        self,
        view: GovernmentOverthrownView | OfficeLeftView | PrimeMinisterAppointedView | OfficeAssumedView,
        effective: date,
    ) -> None:
        state = self.projection.states.get(view.state)
        before = dict(state.offices) if state is not None else {}
        self.projection.apply(view, effective)
        after = self.projection.states[view.state].offices if view.state in self.projection.states else {}
        appointed = None
        if isinstance(view, PrimeMinisterAppointedView | OfficeAssumedView):
            appointed = view.office if isinstance(view, OfficeAssumedView) else PRIME_MINISTER
        for slug, record in after.items():
            if before.get(slug) is record:
                continue
            if slug == appointed and record.facts[0] != view.fact_id:
                # The appointment was an entry of its own, ended in the same step by its person's
                # OfficeLeft of the same day (section 9): that spell began and ended today.
                assert isinstance(view, PrimeMinisterAppointedView | OfficeAssumedView)
                acting = bool(view.acting) or bool(view.interim)
                self._entry(view.state, slug, view.person, acting, view.occurred, view.fact_id, effective)
            self._entry(
                view.state, slug, record.person, record.acting, record.since, record.facts[0], effective
            )

    def _entry(
        self,
        state: str,
        slug: str,
        person: str | None,
        acting: bool,
        since: str,
        fact: str,
        effective: date,
    ) -> None:
        """A new entry of the office `slug` of `state`: it ends the open spell; with a person, it
        begins one."""
        key = (state, slug)
        current = self._offices.pop(key, None)
        if current is not None:
            order, spell = current
            spell.end, spell.end_day, spell.end_fact = since, effective, fact
            self._done(order, spell)
        if person is not None:
            spell = Spell(
                kind=OFFICE,
                state=state,
                office=slug,
                mission=None,
                holder=person,
                acting=acting,
                start=since,
                start_day=effective,
                start_fact=fact,
            )
            self._offices[key] = (self._opened, spell)
            self._opened += 1

    # Contingents

    def _contingent_step(
        self, view: ForcesDeployedView | WithdrawalStartedView | ForcesWithdrawnView, effective: date
    ) -> None:
        mission = self.projection.missions.get(view.mission)
        before = {c: r.status for c, r in mission.contingents.items()} if mission is not None else {}
        self.projection.apply(view, effective)
        mission = self.projection.missions[view.mission]
        for contributor, record in mission.contingents.items():
            status = record.status
            if before.get(contributor) == status:
                continue
            key = (view.mission, contributor)
            if status == "deployed" and key not in self._contingents:
                spell = Spell(
                    kind=CONTINGENT,
                    state=mission.host,
                    office=None,
                    mission=view.mission,
                    holder=contributor,
                    acting=None,
                    start=view.occurred,
                    start_day=effective,
                    start_fact=view.fact_id,
                )
                self._contingents[key] = (self._opened, spell)
                self._opened += 1
            elif status == "withdrawn" and key in self._contingents:
                order, spell = self._contingents.pop(key)
                spell.end, spell.end_day, spell.end_fact = view.occurred, effective, view.fact_id
                self._ending.append((order, spell))

    def _close_contingent(self, order: int, spell: Spell) -> None:
        """A contingent spell's figures, once its last day is folded: `personnel` and the host."""
        assert spell.mission is not None
        mission = self.projection.missions[spell.mission]
        spell.personnel = personnel(mission.claims.get(spell.holder))
        if spell.state is None:
            spell.state = mission.host
        self._done(order, spell)

    def _end_of_day(self) -> None:
        for order, spell in self._ending:
            self._close_contingent(order, spell)
        self._ending.clear()

    # The end

    def _done(self, order: int, spell: Spell) -> None:
        place = spell.office if spell.kind == OFFICE else spell.mission
        self.done.append(
            ((spell.kind, spell.state or "", place or "", spell.start_day, spell.holder, order), spell)
        )

    def finish(self, lang: str = "en") -> list[Spell]:
        """Every spell, those open at the as-of day included, sorted by kind, state, office or
        mission, start day and holder (then replay order), each named in `lang`."""
        self._end_of_day()
        for order, spell in self._offices.values():
            self._done(order, spell)
        for order, spell in self._contingents.values():
            self._close_contingent(order, spell)
        self._offices.clear()
        self._contingents.clear()
        self.done.sort(key=lambda item: item[0])
        actors = self.projection.actors
        spells = [spell for _, spell in self.done]
        for spell in spells:
            spell.name = holder_name(spell.holder, actors, lang)
        return spells


def holder_name(holder: str, actors: Mapping[str, Description], lang: str) -> str | None:
    """A holder's name for a spell: its described name in `lang`; else, for a state code, its ISO
    3166 name; else None (section 14: no slug in its place)."""
    described = name_in(holder, actors, lang)
    if described is not None:
        return described
    return iso_name(holder) if is_state(holder) else None
