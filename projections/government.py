"""Offices and government status per state (contract section 4, "Offices" and "Government")."""

from __future__ import annotations

from ledger.facts import GovernmentDismissed, OfficeAssumed, OfficeLeft, PrimeMinisterAppointed
from projections.world import Government, Office, StateView

PRIME_MINISTER = "prime-minister"


def dismiss(states: dict[str, StateView], fact: GovernmentDismissed) -> None:
    """The government becomes caretaker; its ministers hold on as acting."""
    state = states.setdefault(fact.state, StateView())
    if state.government is None or state.government.status != "caretaker":
        state.government = Government("caretaker", fact.occurred)
    for slug, office in state.offices.items():
        if office.person is not None and (slug == PRIME_MINISTER or "minister" in slug):
            office.acting = True
            office.facts.append(fact.fact_id)


def appoint(states: dict[str, StateView], fact: PrimeMinisterAppointed | OfficeAssumed) -> None:
    """Every appointment, re-appointment included, starts a new entry for the office."""
    slug = PRIME_MINISTER if fact.TYPE == "PrimeMinisterAppointed" else fact.office  # type: ignore[union-attr]
    acting = bool(fact.acting)
    state = states.setdefault(fact.state, StateView())
    state.offices[slug] = Office(fact.person, fact.occurred, acting, [fact.fact_id])
    takes_office = slug == PRIME_MINISTER and (not acting or state.government is None)
    if takes_office and (state.government is None or state.government.status != "in_office"):
        state.government = Government("in_office", fact.occurred)


def leave(states: dict[str, StateView], fact: OfficeLeft) -> None:
    """The holder leaving vacates the office; anyone else leaving changes nothing."""
    state = states.get(fact.state)
    office = state.offices.get(fact.office) if state else None
    if state is not None and office is not None and office.person == fact.person:
        state.offices[fact.office] = Office(None, fact.occurred, False, [fact.fact_id])
