"""State codes: the officially assigned ISO 3166-1 alpha-2 codes, plus XK (Kosovo)."""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def state_codes() -> frozenset[str]:
    """Every code the contract accepts as a state, read once from pycountry's ISO list."""
    return frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


def is_state(code: str) -> bool:
    return code in state_codes()
