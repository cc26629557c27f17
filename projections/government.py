"""Offices and government status per state (contract section 4, "Offices" and "Government")."""

from __future__ import annotations

from ledger.replay.views import (
    GovernmentDismissedView,
    OfficeAssumedView,
    OfficeLeftView,
    PrimeMinisterAppointedView,
)
from projections.world import Government, Office, StateView

PRIME_MINISTER = "prime-minister"


def dismiss(states: dict[str, StateView], view: GovernmentDismissedView) -> None:
    """The government becomes caretaker; its ministers hold on as acting."""
    state = states.setdefault(view.state, StateView())
    if state.government is None or state.government.status != "caretaker":
        state.government = Government("caretaker", view.occurred)
    for slug, office in state.offices.items():
        if office.person is not None and (slug == PRIME_MINISTER or "minister" in slug):
            office.acting = True
            office.facts.append(view.fact_id)


def appoint(states: dict[str, StateView], view: PrimeMinisterAppointedView | OfficeAssumedView) -> None:
    """Every appointment, re-appointment included, starts a new entry for the office."""
    slug = view.office if isinstance(view, OfficeAssumedView) else PRIME_MINISTER
    acting = bool(view.acting)
    state = states.setdefault(view.state, StateView())
    state.offices[slug] = Office(view.person, view.occurred, acting, [view.fact_id])
    takes_office = slug == PRIME_MINISTER and (not acting or state.government is None)
    if takes_office and (state.government is None or state.government.status != "in_office"):
        state.government = Government("in_office", view.occurred)


def leave(states: dict[str, StateView], view: OfficeLeftView) -> None:
    """The holder leaving vacates the office; anyone else leaving changes nothing."""
    state = states.get(view.state)
    office = state.offices.get(view.office) if state else None
    if state is not None and office is not None and office.person == view.person:
        state.offices[view.office] = Office(None, view.occurred, False, [view.fact_id])
