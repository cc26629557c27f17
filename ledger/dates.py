"""The contract's date grammar (section 3) as a small value type.

A `FactDate` is parsed once, when a fact is imported; its effective day (the
last day the date can mean) is stored beside the entry so replay never parses
dates again.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

_DATE = re.compile(
    r"(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{2})(?:-(?P<d>[0-9]{2})"
    r"(?:T(?P<H>[0-9]{2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?(?P<q>[?~%])?"
)

GRAMMAR = (
    "YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by ?, ~ or %, "
    "or a moment YYYY-MM-DDThh:mm[:ss[.ffffff]][Z|+hh:mm|-hh:mm]"
)


class FactDate(NamedTuple):
    """A parsed date: its text as written, its effective day, its precision and qualifier."""

    text: str
    effective: date
    precision: str  # "year", "month", "day" or "moment"
    qualifier: str | None

    @property
    def is_moment(self) -> bool:
        return self.precision == "moment"

    @property
    def first_day(self) -> date:
        """The earliest day the date can mean (`2022` is 2022-01-01): where a range `--from` starts."""
        if self.precision == "year":
            return self.effective.replace(month=1, day=1)
        if self.precision == "month":
            return self.effective.replace(day=1)
        return self.effective


def parse_date(text: str) -> FactDate:
    """Parse a date of the contract's grammar; raise ValueError with a reason otherwise."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        try:  # the common case, YYYY-MM-DD, on the C fast path
            day = date.fromisoformat(text)
        except ValueError:
            pass  # the full parser below says what is wrong
        else:
            if text[:4].isdigit() and text[5:7].isdigit() and text[8:].isdigit():
                return FactDate(text, day, "day", None)
    m = _DATE.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not a date ({GRAMMAR})")
    year = int(m["y"])
    if year < 1:
        raise ValueError(f"{text!r}: year 0000 is before 0001-01-01")
    moment = m["H"] is not None
    if moment and m["q"]:
        raise ValueError(f"{text!r}: a moment takes no qualifier")
    if m["d"] is not None:
        try:
            day = date(year, int(m["m"]), int(m["d"]))
        except ValueError:
            raise ValueError(f"{text!r} does not exist") from None
        precision = "day"
    elif m["m"] is not None:
        month = int(m["m"])
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} does not exist: month {month:02d}")
        day = date(year, month, calendar.monthrange(year, month)[1])
        precision = "month"
    else:
        day = date(year, 12, 31)
        precision = "year"
    if moment:
        precision = "moment"
        if int(m["H"]) > 23 or int(m["M"]) > 59 or (m["S"] is not None and int(m["S"]) > 59):
            raise ValueError(f"{text!r}: hours run 00-23, minutes and seconds 00-59")
        tz = m["tz"]
        if tz and tz != "Z" and (int(tz[1:3]) > 23 or int(tz[4:6]) > 59):
            raise ValueError(f"{text!r}: offsets run from -23:59 to +23:59")
    return FactDate(text, day, precision, m["q"])


def parse_moment(text: str) -> datetime:
    """Parse a `--known-at` value as an aware UTC datetime: a moment (no offset means UTC), or a
    date without qualifier, which means the end of its effective day, UTC (contract section 9:
    `2026-12-04` is 2026-12-04T23:59:59.999999Z, `2026` is 2026-12-31T23:59:59.999999Z)."""
    try:
        parsed = parse_date(text)
    except ValueError as e:
        raise ValueError(f"{e}; --known-at takes a moment or a date") from None
    if not parsed.is_moment:
        if parsed.qualifier is not None:
            raise ValueError(
                f"{text!r}: --known-at takes a moment or a date without qualifier "
                "(YYYY[-MM[-DD]] or YYYY-MM-DDThh:mm[:ss[.ffffff]][Z|+hh:mm|-hh:mm])"
            )
        return datetime.combine(parsed.effective, time.max, tzinfo=UTC)
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except OverflowError:  # within an offset of year 1 or year 9999: before or after every entry
        edge = datetime.min if when.year == 1 else datetime.max
        return edge.replace(tzinfo=UTC)


def format_recorded(when: datetime) -> str:
    """A recording time as the contract writes it: YYYY-MM-DDThh:mm:ss.ffffffZ."""
    utc = when if when.tzinfo is UTC else when.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def add_days(day: date, days: int) -> date:
    """`day` plus `days`; ValueError when the result is after 9999-12-31."""
    if days > (date.max - day).days:
        raise ValueError(f"{day.isoformat()} + {days} days is after 9999-12-31")
    return day + timedelta(days=days)


def today_utc() -> date:
    return datetime.now(UTC).date()
