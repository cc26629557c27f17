"""State codes: the officially assigned ISO 3166-1 alpha-2 codes, plus XK (Kosovo), and the
four-letter ISO 3166-3 codes of formerly used country names (SUHH, DDDE, YUCS, ...), all from
pycountry; and the English names pycountry gives them."""

from __future__ import annotations

from functools import cache

import pycountry

# Names that pycountry's lookup does not know, or reserved codes that people use for a state: the
# hints of fact files (ledger.hints) and of options (ledger.reading.args) both read them.
ALIASES = {
    "UK": "GB",  # reserved by ISO 3166 for the United Kingdom, not assigned
    "EL": "GR",  # the European Union's code for Greece
    "BRITAIN": "GB",
    "GREAT BRITAIN": "GB",
    "ENGLAND": "GB",
    "TURKEY": "TR",
    "KOSOVO": "XK",
    "USSR": "SUHH",
    "SOVIET UNION": "SUHH",
    "EAST GERMANY": "DDDE",
    "CZECHOSLOVAKIA": "CSHH",
    "YUGOSLAVIA": "YUCS",
}


@cache
def current_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes officially assigned, and XK."""
    return frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


@cache
def former_codes() -> frozenset[str]:
    """ISO 3166-3 four-letter codes of formerly used country names (pycountry's historic_countries)."""
    return frozenset(c.alpha_4 for c in pycountry.historic_countries)


@cache
def state_codes() -> frozenset[str]:
    """Every code the contract accepts as a state, read once from pycountry's ISO lists."""
    return current_codes() | former_codes()


@cache
def _former_by_key() -> dict[str, tuple[str, ...]]:
    """Each former state's old alpha-2 and alpha-3 codes and its name, upper case -> its ISO
    3166-3 codes (an old code may have been two states': CS was Czechoslovakia, then Serbia and
    Montenegro)."""
    found: dict[str, list[str]] = {}
    for c in pycountry.historic_countries:
        for key in (c.alpha_2, getattr(c, "alpha_3", None), c.name):
            if key:
                found.setdefault(key.upper(), []).append(c.alpha_4)
    return {k: tuple(dict.fromkeys(v)) for k, v in found.items()}


def former_for(text: str) -> tuple[str, ...]:
    """The ISO 3166-3 codes of the former states whose old alpha-2 or alpha-3 code, or name, is
    `text` in any case: `SU` and `SUN` -> SUHH, `DDR` -> DDDE, `CS` -> CSHH and CSXX."""
    return _former_by_key().get(" ".join(text.split()).upper(), ())


def is_state(code: str) -> bool:
    return code in state_codes()


def not_a_state(code: str) -> str:
    """Why `code` is not a state code (for a message naming the field)."""
    if len(code) == 4:
        return f"{code!r} is not an ISO 3166-3 code of a former state"
    return f"{code!r} is not an ISO 3166-1 alpha-2 state code"


@cache
def iso_name(code: str) -> str | None:
    """The ISO 3166 English name of a state code (Kosovo's for XK), or None."""
    if code == "XK":
        return "Kosovo"
    if len(code) == 4:
        former = pycountry.historic_countries.get(alpha_4=code)
        return None if former is None else str(former.name)
    country = pycountry.countries.get(alpha_2=code)
    return None if country is None else str(country.name)
