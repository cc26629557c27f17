"""Contract section 3: the date grammar, effective days and `--known-at` moments."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ledger.dates import parse_date, parse_moment


@pytest.mark.parametrize(
    ("text", "effective", "precision"),
    [
        ("2022", date(2022, 12, 31), "year"),
        ("2022-01", date(2022, 1, 31), "month"),
        ("2022-02", date(2022, 2, 28), "month"),
        ("2024-02", date(2024, 2, 29), "month"),
        ("1900-02", date(1900, 2, 28), "month"),
        ("2000-02", date(2000, 2, 29), "month"),
        ("2022-04", date(2022, 4, 30), "month"),
        ("2022-01-11", date(2022, 1, 11), "day"),
        ("0001-01-01", date(1, 1, 1), "day"),
        ("9999", date(9999, 12, 31), "year"),
        ("9999-12-31", date(9999, 12, 31), "day"),
        ("2024-02-29", date(2024, 2, 29), "day"),
    ],
)
def test_effective_day_is_the_last_day_the_date_can_mean(text: str, effective: date, precision: str) -> None:
    parsed = parse_date(text)
    assert parsed.effective == effective
    assert parsed.precision == precision
    assert parsed.qualifier is None
    assert parsed.text == text


@pytest.mark.parametrize(
    ("text", "effective"),
    [
        # The local day as written, whatever the offset: never moved to UTC.
        ("2022-01-11T23:30-05:00", date(2022, 1, 11)),
        ("2022-01-12T01:00+05:00", date(2022, 1, 12)),
        ("2022-01-11T00:00Z", date(2022, 1, 11)),
        ("2022-01-11T10:00", date(2022, 1, 11)),
        ("2022-01-11T10:00:59", date(2022, 1, 11)),
        ("2022-01-11T10:00:05.123456", date(2022, 1, 11)),
        ("2022-01-11T23:59:59.9+23:59", date(2022, 1, 11)),
        ("2022-01-11T00:00-23:59", date(2022, 1, 11)),
    ],
)
def test_a_moment_keeps_the_local_day_as_written(text: str, effective: date) -> None:
    parsed = parse_date(text)
    assert parsed.effective == effective
    assert parsed.precision == "moment"
    assert parsed.is_moment


@pytest.mark.parametrize(
    ("text", "effective", "qualifier"),
    [
        ("2022?", date(2022, 12, 31), "?"),
        ("2022-01~", date(2022, 1, 31), "~"),
        ("2022-01-09?", date(2022, 1, 9), "?"),
        ("2022-01-09%", date(2022, 1, 9), "%"),
    ],
)
def test_qualifiers_are_kept_and_never_move_the_date(text: str, effective: date, qualifier: str) -> None:
    parsed = parse_date(text)
    assert parsed.effective == effective
    assert parsed.qualifier == qualifier
    assert parsed.text == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "22",
        "2022-1",
        "2022-1-05",
        "2022-01-5",
        "2022/01/05",
        "20220105",
        "2022-01-05 ",
        " 2022-01-05",
        "2022-01-05T10",
        "2022-01-05T10:00:00.1234567",
        "2022-01-05T10:00+0500",
        "2022-01-05t10:00",
        "2022-01-05T10:00z",
        "2022-01-05??",
        "2022-01-05!",
        "+2022",
        "-2022",
        "12022",
        "2022-01-05T10:00Z?",
        "2022-01-05T10:00?",
        "2022-01-05T10:00~",
        "2022-01-05T10:00+05:00%",
        "0000",
        "0000-01-01",
        "2022-00",
        "2022-13",
        "2022-00-10",
        "2022-01-00",
        "2022-01-32",
        "2022-02-29",
        "2022-02-30",
        "2100-02-29",
        "2022-04-31",
        "2022-01-05T24:00",
        "2022-01-05T23:60",
        "2022-01-05T23:59:60",
        "2022-01-05T10:00+24:00",
        "2022-01-05T10:00-24:00",
        "2022-01-05T10:00+23:60",
        "２０２２",
    ],
)
def test_bad_dates_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2022-1",
            "'2022-1' is not a date (YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by ?, ~ or %, "
            "or a moment YYYY-MM-DDThh:mm[:ss[.ffffff]][Z|+hh:mm|-hh:mm])",
        ),
        ("2022-02-30", "'2022-02-30' does not exist"),
        ("2022-13", "'2022-13' does not exist: month 13"),
        ("0000", "'0000': year 0000 is before 0001-01-01"),
        ("2022-01-05T10:00?", "'2022-01-05T10:00?': a moment takes no qualifier"),
        ("2022-01-05T24:00", "'2022-01-05T24:00': hours run 00-23, minutes and seconds 00-59"),
        ("2022-01-05T10:00+24:00", "'2022-01-05T10:00+24:00': offsets run from -23:59 to +23:59"),
    ],
)
def test_date_error_messages(text: str, message: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_date(text)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2022-01-11T10:00", datetime(2022, 1, 11, 10, 0, tzinfo=UTC)),
        ("2022-01-11T10:00Z", datetime(2022, 1, 11, 10, 0, tzinfo=UTC)),
        ("2022-01-11T10:00+05:00", datetime(2022, 1, 11, 5, 0, tzinfo=UTC)),
        ("2022-01-11T22:30-05:00", datetime(2022, 1, 12, 3, 30, tzinfo=UTC)),
        ("2022-01-11T10:00:07.5Z", datetime(2022, 1, 11, 10, 0, 7, 500000, tzinfo=UTC)),
        ("2022-01-11T10:00:07.000001+00:00", datetime(2022, 1, 11, 10, 0, 7, 1, tzinfo=UTC)),
    ],
)
def test_parse_moment_is_utc_without_an_offset_and_converts_offsets(text: str, utc: datetime) -> None:
    when = parse_moment(text)
    assert when == utc
    assert when.utcoffset() is not None
    assert when.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-12-04", datetime(2026, 12, 4, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2026-02", datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2026", datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("9999", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_a_date_without_qualifier_is_the_end_of_its_effective_day_utc(text: str, utc: datetime) -> None:
    """Contract section 9: `--known-at 2026-12-04` is 2026-12-04T23:59:59.999999Z."""
    assert parse_moment(text) == utc


@pytest.mark.parametrize("text", ["2022-01-11?", "2022-01~", "2022%", "2022-01-11T10:00?", "soon", "2022-13"])
def test_parse_moment_takes_moments_and_dates_without_qualifier_only(text: str) -> None:
    with pytest.raises(ValueError):
        parse_moment(text)
