"""Offices and government status per state (contract sections 4 and 9: "Offices", "Government",
overthrows, interim appointments, same-day spells)."""

from __future__ import annotations

from datetime import date

from ledger.replay.views import (
    GovernmentDismissedView,
    GovernmentOverthrownView,
    OfficeAssumedView,
    OfficeLeftView,
    PrimeMinisterAppointedView,
)
from projections.state import Model, OfficeRecord, StateRecord
from projections.world import Government

PRIME_MINISTER = "prime-minister"


def _state(model: Model, code: str) -> StateRecord:
    state = model.states.get(code)
    if state is None:
        state = model.states[code] = StateRecord()
    return state


def overthrow(model: Model, view: GovernmentOverthrownView, _: date) -> None:
    """The government is overthrown; the offices of the ousted fall vacant, nobody acting."""
    state = _state(model, view.state)
    if state.government is None or state.government.status != "overthrown":
        state.government = Government("overthrown", view.occurred)
    ousted = view.ousted
    if not ousted:
        return
    for slug, office in state.offices.items():
        # An office is held by its person, or, while an interim stands in, by the holder stood in
        # for: either ousted vacates it, as that holder's OfficeLeft would.
        if office.person is not None and (office.person in ousted or office.stands_in_for in ousted):
            state.offices[slug] = OfficeRecord(None, view.occurred, False, [view.fact_id])


# Whether a dismissal makes the holder of an office acting: the prime minister's and every
# minister's, the offices whose slug holds this (`PRIME_MINISTER` does).
MINISTERIAL = "minister"
assert MINISTERIAL in PRIME_MINISTER


def dismiss(model: Model, view: GovernmentDismissedView, _: date) -> None:
    """The government becomes caretaker; its ministers hold on as acting."""
    state = _state(model, view.state)
    if state.government is None or state.government.status != "caretaker":
        state.government = Government("caretaker", view.occurred)
    # Walks every office of the state (a fact in each ministerial office's entry): the test of the
    # slug is written out, not a (cached) function call, which cost about a tenth of a full
    # replay's time on the bench's ledger (thirty offices a state, a call each per dismissal).
    # `id`, not the `fact_id` property (a Python call): every view in the replay index has one.
    fact: str = view.id  # type: ignore[assignment]
    for slug, office in state.offices.items():
        if office.person is not None and MINISTERIAL in slug:
            office.acting = True
            if office.stands_in_for is not None:
                office.held_acting = True  # the holder an interim stands in for holds on as acting too
            office.facts.append(fact)


def appoint(model: Model, view: PrimeMinisterAppointedView | OfficeAssumedView, effective: date) -> None:
    """Every appointment, re-appointment included, starts a new entry for the office; an interim
    one stands in for the holder, who keeps the office."""
    # The second most frequent fold, so no Python call it can do without: the office held now is
    # looked up only for an interim appointment (the only one that reads it), `id` is read
    # instead of the `fact_id` property (every view in the replay index has one), and the
    # government is looked at only for the prime minister. About 4% of a full replay's time.
    slug = view.office if type(view) is OfficeAssumedView else PRIME_MINISTER
    state = model.states.get(view.state)
    if state is None:
        state = model.states[view.state] = StateRecord()
    offices = state.offices
    fact: str = view.id  # type: ignore[assignment]
    if view.interim:
        # An interim appointment to a vacant office, or of the very person who holds it (a
        # caretaker prime minister named again "interim"), stands in for nobody: an ordinary
        # acting appointment.
        acting = True
        current = offices.get(slug)
        holder: str | None = None
        held = False
        if current is not None and current.person is not None:
            if current.stands_in_for is not None:  # another interim for the same holder
                holder, held = current.stands_in_for, current.held_acting
            else:
                holder, held = current.person, current.acting
        if holder is not None and holder != view.person:
            offices[slug] = OfficeRecord(view.person, view.occurred, True, [fact], holder, held)
        else:
            offices[slug] = OfficeRecord(view.person, view.occurred, True, [fact])
    else:
        acting = bool(view.acting)
        offices[slug] = OfficeRecord(view.person, view.occurred, acting, [fact])
    if slug == PRIME_MINISTER:
        government = state.government
        if (not acting or government is None) and (government is None or government.status != "in_office"):
            state.government = Government("in_office", view.occurred)
    if model.leaves:
        _same_day_leave(model, view.state, slug, view.person, effective)


def leave(model: Model, view: OfficeLeftView, effective: date) -> None:
    """The holder leaving vacates the office; an interim person leaving hands it back to the
    holder; anyone else leaving changes nothing, unless appointed later the same day."""
    state = model.states.get(view.state)
    office = state.offices.get(view.office) if state is not None else None
    if state is not None and office is not None and office.person is not None:
        if office.person == view.person:
            if office.stands_in_for is not None:  # the interim person leaves: the holder is back
                state.offices[view.office] = OfficeRecord(
                    office.stands_in_for, view.occurred, office.held_acting, [view.fact_id]
                )
            else:
                state.offices[view.office] = OfficeRecord(None, view.occurred, False, [view.fact_id])
            return
        if office.stands_in_for == view.person:  # the holder stood in for leaves: that ends both
            state.offices[view.office] = OfficeRecord(None, view.occurred, False, [view.fact_id])
            return
    # Not the holder now: kept for the rest of the day, in case the person is appointed to the
    # office later that day (a one-day spell ends right after it began).
    if model.leaves_day != effective:
        model.leaves.clear()
        model.leaves_day = effective
    model.leaves.setdefault((view.state, view.office, view.person), []).append(view)


def _same_day_leave(model: Model, state: str, office: str, person: str, effective: date) -> None:
    """Fold the first OfficeLeft of the day by `person` from `office` that changed nothing when it
    was folded, right after `person`'s appointment to it."""
    if model.leaves_day != effective:
        model.leaves.clear()
        return
    waiting = model.leaves.get((state, office, person))
    if waiting:
        left = waiting.pop(0)
        if not waiting:
            del model.leaves[(state, office, person)]
        leave(model, left, effective)
