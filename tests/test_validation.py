"""Contract sections 1-3 and 6: one line of a fact file, checked; the exact text of every error."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import drop_nulls, fact, fact_lists, line

from ledger.errors import BadInput, FactError
from ledger.hints import shown
from ledger.repeats import may_repeat_a_key
from ledger.validation import parse_line, read_lines

SOURCE_FILE = "facts.jsonl"


def error_of(data: bytes | dict[str, Any], *, source: str = SOURCE_FILE, at: int = 7) -> str:
    raw = data if isinstance(data, bytes) else line(data)
    with pytest.raises(FactError) as err:
        parse_line(raw, source, at)
    assert isinstance(err.value, BadInput)
    assert err.value.exit_code == 2
    return str(err.value)


def ok(data: bytes | dict[str, Any]) -> Any:
    raw = data if isinstance(data, bytes) else line(data)
    return parse_line(raw, SOURCE_FILE, 1)


def deployed(**fields: Any) -> dict[str, Any]:
    """A ForcesDeployed; `fields` add to or replace its fields."""
    return fact("ForcesDeployed", "2022-01-06", mission="csto-kazakhstan-2022", contributor="RU") | fields


def completed(**fields: Any) -> dict[str, Any]:
    """A DeploymentCompleted; `fields` add to or replace its fields."""
    return fact("DeploymentCompleted", "2022-01-09", mission="m") | fields


# The error's parts


def test_fact_error_names_file_line_and_path() -> None:
    with pytest.raises(FactError) as err:
        parse_line(line(completed(mission="Bad")), "some/dir/in.jsonl", 12)
    e = err.value
    assert (e.source, e.line, e.path) == ("some/dir/in.jsonl", 12, "$.mission")
    assert str(e) == f"some/dir/in.jsonl:12: $.mission: {e.message}"


def test_stdin_is_named_dash() -> None:
    assert error_of(b"{", source="-", at=1) == (
        "-:1: $: not valid JSON (Input data was truncated); write each fact whole on one line (JSON Lines)"
    )


# Decoding


def test_invalid_json() -> None:
    assert error_of(b'{"type": "DeploymentCompleted",') == (
        "facts.jsonl:7: $: not valid JSON (Input data was truncated); "
        "write each fact whole on one line (JSON Lines)"
    )


@pytest.mark.parametrize("comment", [b"# the 2019 coup", b"  // Hamdok, from here on"])
def test_a_comment_line_says_json_lines_have_none(comment: bytes) -> None:
    assert error_of(comment).endswith(
        "; JSON Lines have no comments: a note about a fact goes in its `note` field"
    )


def test_invalid_json_garbage() -> None:
    assert error_of(b"not json") == (
        "facts.jsonl:7: $: not valid JSON (JSON is malformed: invalid character (byte 4))"
    )


def test_invalid_utf8_names_the_byte() -> None:
    # 0x81 is no character in Windows-1252 or Latin-1 text: no 8-bit encoding to name.
    raw = line(completed(note="Almaty")).replace(b"Almaty", b"Alm\x81ty")
    bad = raw.index(b"\x81")
    assert error_of(raw) == f"facts.jsonl:7: $: invalid UTF-8 at byte {bad}; save the file as UTF-8"


def test_latin1_line_is_named() -> None:
    raw = line(completed(note="Agence Française")).replace("ç".encode(), "ç".encode("latin-1"))
    assert error_of(raw) == (
        "facts.jsonl:7: $: the file is not UTF-8: it looks like Latin-1 (ISO 8859-1); save it as UTF-8"
    )


def test_windows_1252_line_is_named() -> None:
    raw = line(completed(note="“Almaty” – 2022")).decode().encode("cp1252")
    assert (
        error_of(raw)
        == "facts.jsonl:7: $: the file is not UTF-8: it looks like Windows-1252; save it as UTF-8"
    )


def test_bad_encoding_is_named_before_a_shape_error() -> None:
    # The line decodes up to its unknown field; the encoding is what is wrong with the file.
    raw = line(completed(colour="Française")).replace("ç".encode(), "ç".encode("latin-1"))
    assert error_of(raw).endswith("it looks like Latin-1 (ISO 8859-1); save it as UTF-8")


def test_not_an_object() -> None:
    assert error_of(b"[1, 2]") == "facts.jsonl:7: $: Expected `object`, got `array`"


def test_unknown_type() -> None:
    f = completed()
    f["type"] = "TroopsSighted"
    assert error_of(f).startswith(
        "facts.jsonl:7: $.type: unknown fact type 'TroopsSighted'; the types are 'GovernmentOverthrown', "
    )


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("PrimeMinisterAppointd", "PrimeMinisterAppointed"),
        ("primeministerappointed", "PrimeMinisterAppointed"),
        ("prime_minister_appointed", "PrimeMinisterAppointed"),
        ("ForcesDeploy", "ForcesDeployed"),
        ("FactRetraction", "FactRetracted"),
    ],
)
def test_unknown_type_names_the_type_meant(written: str, meant: str) -> None:
    f = completed()
    f["type"] = written
    assert error_of(f) == f"facts.jsonl:7: $.type: unknown fact type {written!r}; did you mean {meant!r}?"


def test_missing_type() -> None:
    f = completed()
    del f["type"]
    assert error_of(f) == "facts.jsonl:7: $.type: required field is missing"


def test_unknown_field() -> None:
    assert error_of(completed(colour="red")) == (
        "facts.jsonl:7: $.colour: unknown field; DeploymentCompleted has the fields "
        "'mission', 'id', 'occurred', 'sources', 'supersedes', 'note'"
    )


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("ocurred", "occurred"),
        ("Occurred", "occurred"),
        ("source", "sources"),
        ("appointedBy", "appointed_by"),
    ],
)
def test_unknown_field_names_the_field_meant(written: str, meant: str) -> None:
    f = fact("PrimeMinisterAppointed", "2022-01-11", state="KZ", person="alikhan-smailov")
    f[written] = f.pop(meant, "x")
    assert error_of(f) == f"facts.jsonl:7: $.{written}: unknown field; did you mean {meant!r}?"


def test_unknown_field_with_odd_characters_stays_on_one_line() -> None:
    message = error_of(completed() | {"a\nb\u2028": 1})
    assert (
        message
        == 'facts.jsonl:7: $["a\\nb\\u2028"]: unknown field; DeploymentCompleted has the fields '
        + ("'mission', 'id', 'occurred', 'sources', 'supersedes', 'note'")
    )
    assert "\n" not in message


def test_field_of_another_type_is_unknown() -> None:
    # `contributor` belongs to ForcesDeployed, not to DeploymentCompleted.
    assert error_of(completed(contributor="RU")).startswith(
        "facts.jsonl:7: $.contributor: unknown field; DeploymentCompleted has the fields 'mission', "
    )


def test_unknown_field_in_a_source() -> None:
    f = completed()
    f["sources"] = [{"publisher": "p"}, {"publisher": "q", "author": "x"}]
    assert error_of(f) == (
        "facts.jsonl:7: $.sources[1].author: unknown field; a source has the fields "
        "'publisher', 'url', 'title', 'published', 'language', 'quote', 'translation'"
    )
    f["sources"] = [{"publisher": "p", "titel": "x"}]
    assert error_of(f) == "facts.jsonl:7: $.sources[0].titel: unknown field; did you mean 'title'?"


def test_missing_required_payload_field() -> None:
    f = deployed()
    del f["contributor"]
    assert error_of(f) == "facts.jsonl:7: $.contributor: required field is missing"


def test_missing_occurred() -> None:
    f = completed()
    del f["occurred"]
    assert error_of(f) == "facts.jsonl:7: $.occurred: required field is missing"


def test_missing_sources() -> None:
    f = completed()
    del f["sources"]
    assert error_of(f) == "facts.jsonl:7: $.sources: required field is missing"


def test_empty_sources() -> None:
    assert error_of(completed() | {"sources": []}) == (
        "facts.jsonl:7: $.sources: Expected `array` of length >= 1"
    )


def test_null_sources_is_missing_required_value() -> None:
    assert (
        error_of(completed() | {"sources": None}) == "facts.jsonl:7: $.sources: Expected `array`, got `null`"
    )


def test_source_without_publisher() -> None:
    f = completed()
    f["sources"] = [{"title": "t"}]
    assert error_of(f) == "facts.jsonl:7: $.sources[0].publisher: required field is missing"


def test_empty_publisher() -> None:
    f = completed()
    f["sources"] = [{"publisher": ""}]
    assert error_of(f) == "facts.jsonl:7: $.sources[0].publisher: Expected `str` of length >= 1"


def test_required_field_given_as_null() -> None:
    assert error_of(completed(mission=None)) == "facts.jsonl:7: $.mission: Expected `str`, got `null`"


# Values


def test_float_is_not_an_integer() -> None:
    assert (
        error_of(deployed(personnel=1.0)) == "facts.jsonl:7: $.personnel: Expected `int | null`, got `float`"
    )


def test_string_personnel() -> None:
    assert error_of(deployed(personnel="2500")) == (
        "facts.jsonl:7: $.personnel: Expected `int | null`, got `str`"
    )


def test_bool_is_not_an_integer() -> None:
    assert (
        error_of(deployed(personnel=True)) == "facts.jsonl:7: $.personnel: Expected `int | null`, got `bool`"
    )


def test_negative_integer() -> None:
    assert error_of(deployed(personnel=-1)) == "facts.jsonl:7: $.personnel: Expected `int` >= 0"


def test_integer_beyond_2_pow_53_minus_1() -> None:
    assert error_of(deployed(personnel=2**53)) == (
        "facts.jsonl:7: $.personnel: Expected `int` <= 9007199254740991"
    )
    assert ok(deployed(personnel=2**53 - 1)).fact.personnel == 2**53 - 1
    assert ok(deployed(personnel=0)).fact.personnel == 0


def test_acting_must_be_a_bool() -> None:
    f = fact("PrimeMinisterAppointed", "2022-01-11", state="KZ", person="a", acting="yes")
    assert error_of(f) == "facts.jsonl:7: $.acting: Expected `bool | null`, got `str`"


def test_leave_reason_enum() -> None:
    f = fact("OfficeLeft", "2022-01-11", state="KZ", office="x", person="y", reason="bored")
    assert error_of(f) == (
        "facts.jsonl:7: $.reason: Invalid enum value 'bored'; "
        "write one of 'died', 'dismissed', 'other', 'removed', 'resigned', 'term-ended'"
    )


def test_summary_must_be_text() -> None:
    f = fact("StatementMade", "2022-01-11", speaker="a", summary=3)
    assert error_of(f) == "facts.jsonl:7: $.summary: Expected `str`, got `int`"


# Dates


GRAMMAR = (
    "(YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by ?, ~ or %, "
    "or a moment YYYY-MM-DDThh:mm[:ss[.ffffff]][Z|+hh:mm|-hh:mm])"
)


@pytest.mark.parametrize(
    ("occurred", "message"),
    [
        ("2022-1-9", f"'2022-1-9' is not a date {GRAMMAR}"),
        ("9 January 2022", f"'9 January 2022' is not a date {GRAMMAR}"),
        ("2022-02-30", "'2022-02-30' does not exist"),
        ("2022-00", "'2022-00' does not exist: month 00"),
        ("2022-01-11T10:00?", "'2022-01-11T10:00?': a moment takes no qualifier"),
        ("2022-01-11T24:00", "'2022-01-11T24:00': hours run 00-23, minutes and seconds 00-59"),
        ("2022-01-11T10:00+24:00", "'2022-01-11T10:00+24:00': offsets run from -23:59 to +23:59"),
        ("0000-12-31", "'0000-12-31': year 0000 is before 0001-01-01"),
    ],
)
def test_bad_occurred(occurred: str, message: str) -> None:
    assert error_of(completed(occurred=occurred)) == f"facts.jsonl:7: $.occurred: {message}"


def test_occurred_with_non_ascii_digits_is_not_a_date() -> None:
    # Section 3's YYYY-MM-DD is written in ASCII digits; Arabic-Indic digits are not a date.
    error = error_of(completed(occurred="٢٠٢٢-٠١-٠٩"))
    assert error.startswith("facts.jsonl:7: $.occurred: ")


def test_bad_published_date_in_a_source() -> None:
    f = completed()
    f["sources"] = [{"publisher": "p"}, {"publisher": "q", "published": "2022-02-29"}]
    assert error_of(f) == "facts.jsonl:7: $.sources[1].published: '2022-02-29' does not exist"


def test_deadline_after_9999_12_31() -> None:
    f = fact("WithdrawalAnnounced", "9999-12-30", mission="m", starts_within_days=2)
    assert error_of(f) == (
        "facts.jsonl:7: $.starts_within_days: the deadline 9999-12-30 + 2 days is after 9999-12-31"
    )
    f = fact("WithdrawalAnnounced", "9999-12", mission="m", starts_within_days=0, completes_within_days=1)
    assert error_of(f) == (
        "facts.jsonl:7: $.completes_within_days: the deadline 9999-12-31 + 1 days is after 9999-12-31"
    )
    # Without a start, the completion counts from the announcement's effective day.
    f = fact("WithdrawalAnnounced", "9999-12-29", mission="m", completes_within_days=3)
    assert error_of(f) == (
        "facts.jsonl:7: $.completes_within_days: the deadline 9999-12-29 + 3 days is after 9999-12-31"
    )


def test_deadline_on_9999_12_31_is_fine() -> None:
    f = fact("WithdrawalAnnounced", "9999-12-30", mission="m", starts_within_days=1, completes_within_days=0)
    assert ok(f).fact.starts_within_days == 1
    f = fact("WithdrawalAnnounced", "9999-12-29", mission="m", completes_within_days=2)
    assert ok(f).fact.completes_within_days == 2


# Identifiers


def test_unknown_state_code() -> None:
    f = fact("GovernmentDismissed", "2022-01-05", state="QQ")
    assert error_of(f) == "facts.jsonl:7: $.state: 'QQ' is not an ISO 3166-1 alpha-2 state code"


def test_lower_case_state_code() -> None:
    f = fact("GovernmentDismissed", "2022-01-05", state="kz")
    assert error_of(f) == "facts.jsonl:7: $.state: 'kz' is not a state code; use 'KZ'"


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Kazakhstan", "KZ"),
        ("KAZ", "KZ"),
        ("kaz", "KZ"),
        ("Russian Federation", "RU"),
        ("Russia", "RU"),
        ("United Kingdom", "GB"),
        ("Great Britain", "GB"),
        ("Turkey", "TR"),
        ("Kosovo", "XK"),
        ("  kazakhstan ", "KZ"),
        ("398", "KZ"),
    ],
)
def test_state_written_as_a_name_or_alpha_3_code(written: str, meant: str) -> None:
    for field in ("contributor", "host"):
        assert error_of(deployed(**{field: written})) == (
            f"facts.jsonl:7: ${'.' + field}: {written!r} is not a state code; use {meant!r}"
        )


def test_state_that_is_no_state_says_what_a_code_is() -> None:
    assert error_of(deployed(contributor="Narnia")) == (
        "facts.jsonl:7: $.contributor: 'Narnia' is not a state code: "
        "write an ISO 3166-1 alpha-2 code in upper case, such as 'KZ'"
    )


def test_state_codes_in_host_and_contributor() -> None:
    assert error_of(deployed(contributor="UK")) == (
        "facts.jsonl:7: $.contributor: 'UK' is not an ISO 3166-1 alpha-2 state code; use 'GB'"
    )
    assert (
        error_of(deployed(host="EU")) == "facts.jsonl:7: $.host: 'EU' is not an ISO 3166-1 alpha-2 state code"
    )


def test_kosovo_and_assigned_codes_are_states() -> None:
    assert ok(fact("GovernmentDismissed", "2022-01-05", state="XK")).fact.state == "XK"
    assert ok(deployed(contributor="GB", host="KZ")).fact.contributor == "GB"


def test_statement_office_and_about() -> None:
    f = fact("StatementMade", "2022-01-11", speaker="s", summary="x", office="QQ/president")
    assert error_of(f) == "facts.jsonl:7: $.office: 'QQ' is not an ISO 3166-1 alpha-2 state code"
    f = fact("StatementMade", "2022-01-11", speaker="s", summary="x", about=["KZ", "QQ"])
    assert error_of(f) == "facts.jsonl:7: $.about[1]: 'QQ' is not an ISO 3166-1 alpha-2 state code"
    f = fact("StatementMade", "2022-01-11", speaker="s", summary="x", office="president")
    assert error_of(f) == (
        "facts.jsonl:7: $.office: 'president' is not a state code, '/' and an office slug, "
        "such as 'KZ/president'"
    )
    f = fact("StatementMade", "2022-01-11", speaker="s", summary="x", office="kz/President")
    assert error_of(f) == (
        "facts.jsonl:7: $.office: 'kz/President' is not a state code, '/' and an office slug; "
        "use 'KZ/president'"
    )
    f = fact("StatementMade", "2022-01-11", speaker="s", summary="x", about=["KZ", "Kazakhstan"])
    assert (
        error_of(f) == "facts.jsonl:7: $.about[1]: 'Kazakhstan' is neither a state code nor a slug; use 'KZ'"
    )
    f = fact("StatementMade", "2022-01-11", speaker="s", summary="x", about=["CSTO Mission"])
    assert error_of(f) == (
        "facts.jsonl:7: $.about[0]: 'CSTO Mission' is neither a state code nor a slug; "
        "use a slug such as 'csto-mission'"
    )
    f = fact("StatementMade", "2022-01-11", speaker="s", summary="x", about=["UK"])
    assert error_of(f) == "facts.jsonl:7: $.about[0]: 'UK' is not an ISO 3166-1 alpha-2 state code; use 'GB'"
    good = fact(
        "StatementMade", "2022-01-11", speaker="s", summary="x", office="KZ/president", about=["KZ", "m"]
    )
    assert ok(good).fact.about == ("KZ", "m")


@pytest.mark.parametrize(
    ("slug", "meant"),
    [
        ("Csto", "csto"),
        ("csto_2022", "csto-2022"),
        ("csto--2022", "csto-2022"),
        ("-csto", "csto"),
        ("csto-", "csto"),
        ("cstó", "csto"),
        ("CSTO Kazakhstan 2022", "csto-kazakhstan-2022"),
    ],
)
def test_bad_slug(slug: str, meant: str) -> None:
    assert error_of(completed(mission=slug)) == (
        f"facts.jsonl:7: $.mission: {slug!r} is not a slug; use a slug such as {meant!r}"
    )


@pytest.mark.parametrize("slug", ["", "Алихан Смаилов", "---"])
def test_slug_with_nothing_to_propose(slug: str) -> None:
    assert error_of(completed(mission=slug)) == (
        f"facts.jsonl:7: $.mission: {slug!r} is not a slug: write lower-case ASCII letters and digits, "
        "words joined by single hyphens, such as 'alikhan-smailov'"
    )


PERSON_FIELDS = {
    "PrimeMinisterAppointed": ("person", "appointed_by"),
    "PrimeMinisterNominated": ("person", "nominated_by"),
    "OfficeAssumed": ("person", "appointed_by", "office"),
    "OfficeLeft": ("person", "office"),
    "GovernmentDismissed": ("dismissed_by",),
    "MissionRequested": ("requested_by", "mission", "organization"),
    "MissionCompleted": ("declared_by", "mission"),
    "WithdrawalAnnounced": ("announced_by", "mission"),
    "StatementMade": ("speaker",),
}
BASE = {
    "PrimeMinisterAppointed": {"state": "KZ", "person": "p"},
    "PrimeMinisterNominated": {"state": "KZ", "person": "p"},
    "OfficeAssumed": {"state": "KZ", "office": "o", "person": "p"},
    "OfficeLeft": {"state": "KZ", "office": "o", "person": "p"},
    "GovernmentDismissed": {"state": "KZ"},
    "MissionRequested": {"mission": "m", "organization": "o", "host": "KZ"},
    "MissionCompleted": {"mission": "m"},
    "WithdrawalAnnounced": {"mission": "m"},
    "StatementMade": {"speaker": "s", "summary": "x"},
}


@pytest.mark.parametrize(("type_", "field"), [(t, f) for t, fs in PERSON_FIELDS.items() for f in fs])
def test_every_slug_field_proposes_the_slug(type_: str, field: str) -> None:
    f = fact(type_, "2022-01-11", **BASE[type_]) | {field: "Alikhan Smailov"}
    assert error_of(f) == (
        f"facts.jsonl:7: $.{field}: 'Alikhan Smailov' is not a slug; use a slug such as 'alikhan-smailov'"
    )


def test_a_very_long_value_is_cut_in_the_message() -> None:
    message = error_of(completed(mission="X" * 100_000))
    assert len(message) < 400
    assert "(100000 characters)" in message


@pytest.mark.parametrize(("fid", "meant"), [("-x", "x"), ("a b", "a-b"), ("x" * 129, "x" * 128)])
def test_bad_explicit_id(fid: str, meant: str) -> None:
    assert error_of(completed(id=fid)) == (
        f"facts.jsonl:7: $.id: {shown(fid)} is not a fact id (letters, digits, '.', '_', ':' and '-', "
        f"at most 128); use an id such as {meant!r}"
    )


def test_bad_explicit_id_with_nothing_to_propose() -> None:
    assert error_of(completed(id="é")) == (
        "facts.jsonl:7: $.id: 'é' is not a fact id: write letters, digits, '.', '_', ':' and '-', at most 128"
    )


def test_good_explicit_id_is_kept() -> None:
    fid = "kz-2022.01:11_x" + "y" * 113
    assert len(fid) == 128
    assert ok(completed(id=fid)).fact.id == fid


@pytest.mark.parametrize("url", ["ftp://example.org/a", "example.org", "http://", "mailto:x@example.org"])
def test_bad_url(url: str) -> None:
    f = completed()
    f["sources"] = [{"publisher": "p", "url": url}]
    assert error_of(f) == f"facts.jsonl:7: $.sources[0].url: {url!r} is not an http or https URL"


def test_http_and_https_urls() -> None:
    f = completed()
    f["sources"] = [
        {"publisher": "p", "url": "http://a.example/x"},
        {"publisher": "q", "url": "https://b.example"},
    ]
    assert [s.url for s in ok(f).fact.sources] == ["http://a.example/x", "https://b.example"]


# Corrections


def test_fact_retracted_cannot_carry_supersedes() -> None:
    f = fact("FactRetracted", "2022-01-12", target="a", reason="wrong", supersedes="b")
    assert error_of(f) == "facts.jsonl:7: $.supersedes: a FactRetracted cannot carry supersedes"


def test_fact_retracted_needs_target_and_reason() -> None:
    assert error_of(fact("FactRetracted", "2022-01-12", reason="r")) == (
        "facts.jsonl:7: $.target: required field is missing"
    )
    assert error_of(fact("FactRetracted", "2022-01-12", target="a")) == (
        "facts.jsonl:7: $.reason: required field is missing"
    )


# Null means absent; identity


def test_null_means_absent() -> None:
    bare = ok(deployed())
    nulls = deployed(id=None, note=None, supersedes=None, host=None, personnel=None)
    nulls["sources"] = [{"publisher": "Test Wire", "url": None, "quote": None, "language": None}]
    checked = ok(nulls)
    assert checked.canonical == bare.canonical
    assert checked.fact == bare.fact
    assert checked.fact.id == bare.fact.id


def test_derived_id_format() -> None:
    fid = ok(deployed()).fact.id
    assert re.fullmatch(r"sha256:[0-9a-f]{32}", fid)


def jcs_id(body: dict[str, Any]) -> str:
    """The derived id computed here from the contract's words (ASCII, integers and strings only)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return "sha256:" + hashlib.sha256(canonical).hexdigest()[:32]


def test_derived_id_is_sha256_of_the_rfc8785_form_without_id_nulls_and_defaults() -> None:
    body = deployed(personnel=2500, host="KZ")
    assert ok(body).fact.id == jcs_id(body)
    appointed = fact("PrimeMinisterAppointed", "2022-01-11", state="KZ", person="alikhan-smailov")
    assert ok(appointed | {"acting": False, "note": None}).fact.id == jcs_id(appointed)
    acting = appointed | {"acting": True}
    assert ok(acting).fact.id == jcs_id(acting)
    # An explicit id is no part of the canonical form.
    assert ok(body | {"id": "x1"}).canonical == ok(body).canonical


def test_key_order_does_not_change_the_id() -> None:
    forward = (
        b'{"type":"DeploymentCompleted","occurred":"2022-01-09","mission":"m",'
        b'"sources":[{"publisher":"p","title":"t"}]}'
    )
    backward = (
        b'{"sources":[{"title":"t","publisher":"p"}],"mission":"m",'
        b'"occurred":"2022-01-09","type":"DeploymentCompleted"}'
    )
    spaced = (
        b'{ "mission" : "m" , "type" : "DeploymentCompleted",\t'
        b'"sources":[ {"title":"t", "publisher":"p"} ], "occurred":"2022-01-09"}'
    )
    ids = {ok(raw).fact.id for raw in (forward, backward, spaced)}
    assert len(ids) == 1


def test_acting_false_is_the_default() -> None:
    appointed = fact("OfficeAssumed", "2022-01-11", state="KZ", office="minister-of-defence", person="p")
    absent, false, null = (ok(appointed), ok(appointed | {"acting": False}), ok(appointed | {"acting": None}))
    assert absent.fact.id == false.fact.id == null.fact.id
    assert absent.canonical == false.canonical == null.canonical
    assert absent.fact.acting is False and null.fact.acting is False
    assert ok(appointed | {"acting": True}).fact.id != absent.fact.id


def test_different_content_gives_different_ids() -> None:
    assert ok(deployed()).fact.id != ok(deployed(personnel=1)).fact.id
    assert ok(completed(occurred="2022-01-09")).fact.id != ok(completed(occurred="2022-01-09?")).fact.id


def test_unicode_text_is_kept_exactly() -> None:
    quote = "وأشار توكاييف إلى أن “القانون”\nسطر"
    f = completed()
    f["sources"] = [{"publisher": "p", "quote": quote, "language": "ar"}]
    checked = ok(f)
    assert checked.fact.sources[0].quote == quote
    assert msgspec.json.decode(checked.canonical)["sources"][0]["quote"] == quote


# Reading a file


def test_read_lines_skips_blank_lines_but_counts_them() -> None:
    data = b'\xef\xbb\xbf{"a":1}\n\n   \n{"b":2}\r\n\t\n{"c":3}'
    assert [(n, raw.strip()) for n, raw in read_lines(data)] == [
        (1, b'{"a":1}'),
        (4, b'{"b":2}'),
        (6, b'{"c":3}'),
    ]


def test_crlf_line_is_accepted() -> None:
    assert ok(line(completed()) + b"\r").fact.mission == "m"


# A key given twice: JSON leaves its meaning open, and msgspec would keep the last value silently


def test_a_key_given_twice_is_refused_where_it_is() -> None:
    valid = line(completed(sources=[{"publisher": "A"}, {"publisher": "B", "url": "https://b.example/x:1"}]))
    assert ok(valid)
    twice = {
        b'{"occurred": "2021", ': "$.occurred",  # a copy-paste slip: the second date would win
        b'{"mission": "m", ': "$.mission",
        b'{"occurred" : "2021" , ': "$.occurred",  # spaced out
        b'{"\\u006fccurred": "2021", ': "$.occurred",  # the same key, spelt with an escape
    }
    for head, path in twice.items():
        assert error_of(valid.replace(b"{", head, 1)) == f"facts.jsonl:7: {path}: the key is given twice"
    nested = valid.replace(b'{"publisher": "B"', b'{"publisher": "C", "publisher": "B"')
    assert error_of(nested) == "facts.jsonl:7: $.sources[1].publisher: the key is given twice"
    # A colon spelt as an escape in a string, which re-encodes as one character, cannot hide it.
    hidden = valid.replace(b'{"publisher": "A"}', b'{"publisher": "A\\u003a", "publisher": "A"}')
    assert error_of(hidden) == "facts.jsonl:7: $.sources[0].publisher: the key is given twice"
    # Colons in values are not keys; the same key in two sources is no repetition.
    assert ok(valid.replace(b'"publisher": "A"', b'"publisher": "A: \\u003a, \\":\\" a"'))


@settings(max_examples=300, deadline=None)
@given(fact_lists(min_size=1, max_size=1), st.data())
def test_every_repeated_key_is_found_and_a_plain_line_is_never_parsed_twice(
    facts: list[dict[str, Any]], data: st.DataObject
) -> None:
    """On generated facts: a line gives no key twice, and the colon count says so
    (`may_repeat_a_key` False: no second parse, which would cost several microseconds a line);
    the same line with one key of one of its objects given again, before or after, with its
    value or another, spaced out or not, colons in its strings escaped or not, is refused at
    that key."""
    # Without the keys given their default value (null, false, []), which the stored form omits.
    plain = {k: v for k, v in drop_nulls(facts[0]).items() if v is not False and v != []}
    raw = line(plain)
    checked = parse_line(raw, SOURCE_FILE, 1)
    assert not may_repeat_a_key(raw, checked.stored, 0 if plain.get("id") is not None else 2)
    objects: list[tuple[str, dict[str, Any]]] = [("$", plain)]
    sources = plain["sources"]  # each written once in the line (the text is edited by search)
    objects += [(f"$.sources[{i}]", src) for i, src in enumerate(sources) if src not in sources[:i]]
    where, obj = data.draw(st.sampled_from(objects))
    key = data.draw(st.sampled_from(sorted(obj)))
    other = data.draw(st.sampled_from([obj[k] for k in sorted(obj)]))
    again = json.dumps(key) + (" : " if data.draw(st.booleans()) else ":") + json.dumps(other)
    spelt = json.dumps(obj, ensure_ascii=False)
    if data.draw(st.booleans()):  # every colon in a string spelt as an escape
        spelt = re.sub(r'("(?:[^"\\]|\\.)*")', lambda m: m.group(1).replace(":", "\\u003a"), spelt)
    twice = spelt[:-1] + ", " + again + "}" if data.draw(st.booleans()) else "{" + again + ", " + spelt[1:]
    text = json.dumps(plain, ensure_ascii=False).replace(json.dumps(obj, ensure_ascii=False), twice, 1)
    path = where + ("." + key if key.isidentifier() else f"[{json.dumps(key)}]")
    assert error_of(text.encode()) == f"facts.jsonl:7: {path}: the key is given twice"
