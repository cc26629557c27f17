"""The arguments reads take, as a library caller gives them: dates, moments and sizes, parsed
into effective days and recorded-time text. Errors name the parameter (`as_of`, `size`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ledger.dates import format_recorded, parse_date, parse_moment, today_utc
from ledger.errors import UsageError

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
    """Day ordinals for `start` (the first day its date can mean) and `end` (its effective day)."""
    first = None if start is None else as_of_day(start, "start", first=True).toordinal()
    last = date.max.toordinal() if end is None else as_of_day(end, "end").toordinal()
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


def lock_timeout(seconds: int) -> int:
    """How long a writer waits for another writer's lock: a whole number of seconds, 1 or more."""
    if type(seconds) is not int or seconds < 1:
        raise UsageError("wait at least 1 second", param="lock_timeout", value=seconds)
    return seconds


def knowledge(have: int, size: int | None, recorded: int | None) -> int:
    """How many entries a read considers (contract section 4): the first `size`, which must
    exist, and of those the `recorded` ones recorded by `known_at`."""
    if size is not None:
        if not 0 <= size <= have:
            raise UsageError(f"the ledger has {have} entries", param="size", value=size)
        have = size
    return have if recorded is None else min(have, recorded)
