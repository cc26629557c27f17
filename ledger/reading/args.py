"""The arguments reads take, as a library caller gives them: dates, moments and sizes, parsed
into effective days and recorded-time text. Errors name the parameter (`as_of`, `size`)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, date, datetime

import pycountry

from ledger.codes import ALIASES, former_for, is_state
from ledger.dates import format_recorded, parse_date, parse_moment, today_utc
from ledger.errors import MissionNotFound, UsageError
from projections.actors import language

DateLike = str | date
MomentLike = str | datetime


def as_of_day(as_of: DateLike | None, param: str = "as_of", *, first: bool = False) -> date:
    """The effective day of an `as_of` or `end` value (with `first`: the first day a `start`
    date can mean); today (UTC) when absent."""
    if as_of is None:
        return today_utc()
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    try:
        parsed = parse_date(as_of)
    except ValueError as e:
        raise UsageError(str(e), param=param) from None
    return parsed.first_day if first else parsed.effective


def day_bounds(start: DateLike | None, end: DateLike | None) -> tuple[int | None, int]:
    """Day ordinals for `start` (the first day its date can mean) and `end` (its effective day);
    an `end` before `start` is a UsageError (an empty answer would say there is nothing there)."""
    first = None if start is None else as_of_day(start, "start", first=True).toordinal()
    last = date.max.toordinal() if end is None else as_of_day(end, "end").toordinal()
    if first is not None and last < first:
        since = date.fromordinal(first).isoformat()
        raise UsageError(f"it is before the first day asked for, {since}", param="end", value=end)
    return first, last


def known_at_text(known_at: MomentLike | None) -> str | None:
    """A `known_at` moment in the stored form of recording times, for comparison."""
    if known_at is None:
        return None
    if isinstance(known_at, datetime):
        when = known_at if known_at.tzinfo else known_at.replace(tzinfo=UTC)
        return format_recorded(when)
    try:
        return format_recorded(parse_moment(known_at))
    except ValueError as e:
        raise UsageError(str(e), param="known_at") from None


# The longest wait either database takes: both count it in milliseconds, in a 32-bit integer
# (PostgreSQL's `lock_timeout`, SQLite's `busy_timeout`): 2,147,483 s, almost 25 days.
MAX_LOCK_TIMEOUT_S = (2**31 - 1) // 1000


def lock_timeout(seconds: int) -> int:
    """How long a writer waits for another writer's lock: a whole number of seconds, from 1 to
    `MAX_LOCK_TIMEOUT_S`."""
    if type(seconds) is not int or seconds < 1:
        raise UsageError("wait at least 1 second", param="lock_timeout", value=seconds)
    if seconds > MAX_LOCK_TIMEOUT_S:
        raise UsageError(
            f"wait at most {MAX_LOCK_TIMEOUT_S:,} seconds (almost 25 days)",
            param="lock_timeout",
            value=seconds,
        )
    return seconds


def knowledge(have: int, size: int | None, recorded: int | None) -> int:
    """How many entries a read considers (contract section 4): the first `size`, which must
    exist, and of those the `recorded` ones recorded by `known_at`."""
    if size is not None:
        if not 0 <= size <= have:
            raise UsageError(f"the ledger has {have} entries", param="size", value=size)
        have = size
    return have if recorded is None else min(have, recorded)


# Filters: a state code or a mission, checked so that a typo is an error with a hint, not an
# empty answer (a well-formed code that is absent from the ledger is not an error).

MISSIONS_LISTED = 5  # a ledger with this many missions or fewer names them when one is mistyped


def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                names[value.casefold()] = c.alpha_2
    return names


def state_hint(text: str) -> list[str]:
    """The state codes a mistaken `text` may have meant: itself in upper case, the code of a
    country name, alpha-3 or numeric code (pycountry's lookup), the ISO 3166-3 code of a former
    state's old alpha-2 or alpha-3 code or name (SU -> SUHH), or of names close to it."""
    if is_state(text.upper()):
        return [text.upper()]
    if (alias := ALIASES.get(" ".join(text.split()).upper())) is not None:
        return [alias]
    try:
        return [pycountry.countries.lookup(text).alpha_2]
    except LookupError:
        pass
    if former := former_for(text):  # SU, SUN, DDR: a former state's old code
        return list(former)
    if len(text) <= 3:  # a code that is none: any name "containing" it would be a guess
        return []
    try:
        found = [c.alpha_2 for c in pycountry.countries.search_fuzzy(text)]
    except LookupError:
        names = _country_names()
        found = [names[n] for n in difflib.get_close_matches(text.casefold(), list(names), n=3, cutoff=0.75)]
    return list(dict.fromkeys(code for code in found if is_state(code)))[:3]


def did_you_mean(candidates: Sequence[str]) -> str:
    return "; did you mean " + " or ".join(candidates) + "?" if candidates else ""


def state_code(value: str, param: str = "state") -> str:
    """A state code as the contract writes it (`KZ`), or UsageError naming `param` with a hint."""
    if is_state(value):
        return value
    hint = did_you_mean(state_hint(value)) or " (such as KZ, or SUHH for the USSR)"
    what = "not an ISO 3166-1 alpha-2 or former-state (ISO 3166-3) code"
    raise UsageError(f"{what}{hint}", param=param, value=value)


def state_codes(states: str | Iterable[str] | None, param: str = "states") -> frozenset[str] | None:
    """The state codes of a `states` argument (one code, or several; None for every state), each
    checked as `state_code` does; at least one."""
    if states is None:
        return None
    codes = [states] if isinstance(states, str) else list(states)
    if not codes:
        raise UsageError("give at least one state code, or None for every state", param=param)
    return frozenset(state_code(code, param) for code in codes)


def known_mission(
    value: str, missions: Collection[str], param: str = "mission", *, on: date | None = None
) -> str:
    """`value`, when it names one of `missions`; else UsageError naming `param` with the closest
    (`on`: the day the missions are those existing on)."""
    if value in missions:
        return value
    close = difflib.get_close_matches(value.lower(), sorted(missions), n=3, cutoff=0.6)
    hint = did_you_mean(close)
    if not hint and 0 < len(missions) <= MISSIONS_LISTED:
        hint = f" (it has {', '.join(sorted(missions))})"
    where = "in the ledger" if on is None else f"on {on.isoformat()}"
    raise MissionNotFound(f"no mission of this name {where}{hint}", param=param, value=value)


_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def mission_slug(value: str, param: str = "mission") -> str:
    """A mission's slug as the contract writes it (`csto-kazakhstan-2022`), or UsageError."""
    if isinstance(value, str) and _SLUG.fullmatch(value):
        return value
    raise UsageError("not a mission slug (lower-case letters, digits and hyphens)", param=param, value=value)


def audit_options(
    as_of: DateLike | None, mission: str | None, state: str | None
) -> tuple[date, dict[str, str]]:
    """The as-of day of an audit (`Ledger.promises`, `Ledger.conflicts`) and the options that
    shape its answer: `mission` a string (whether it names a mission on that day is for the
    answer to say, with a hint), `state` a state code."""
    day = as_of_day(as_of)
    options: dict[str, str] = {}
    if mission is not None:
        if not isinstance(mission, str):
            raise UsageError("must be a mission's slug, a string", param="mission", value=mission)
        options["mission"] = mission
    if state is not None:
        options["state"] = state_code(state)
    return day, options


def chart_options(
    state: str | None, mission: str | None, start: DateLike | None, end: DateLike | None, lang: str
) -> tuple[date | None, date | None, str]:
    """The arguments of a chart (`Ledger.chart`): exactly one of `state` (a state code) and
    `mission` (a slug); `start`, the first day its date can mean, and `end`, its effective day
    (None: from the facts shown); `lang` a BCP 47 tag."""
    if (state is None) == (mission is None):
        raise UsageError("a chart is of one state or of one mission: give exactly one of them", param="state")
    if state is not None:
        state_code(state)
    if mission is not None and not isinstance(mission, str):
        raise UsageError("must be a mission's slug, a string", param="mission", value=mission)
    first = None if start is None else as_of_day(start, "start", first=True)
    last = None if end is None else as_of_day(end, "end")
    if first is not None and last is not None and last < first:
        raise UsageError(f"it is before the first day shown, {first.isoformat()}", param="end", value=end)
    return first, last, language(lang)
