"""From one line of a fact file to a checked, normalised fact, or a `FactError`.

msgspec checks the shape (types, tags, patterns, ranges) in one pass; the
checks here add what a pattern cannot say: real ISO codes, dates that exist,
http(s) URLs, deadlines within the calendar. Every message names the JSON
path, in msgspec's `$.field[0]` notation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import msgspec

from ledger import hints
from ledger.codes import is_state, not_a_state, state_codes
from ledger.dates import FactDate, add_days, parse_date
from ledger.errors import FactError
from ledger.facts import (
    BY_TAG,
    LANGUAGE_TAG,
    ActorDescribed,
    AnyFact,
    Fact,
    FactRetracted,
    MissionAuthorized,
    OfficeAssumed,
    PrimeMinisterAppointed,
    StatementMade,
    StrengthReported,
    WithdrawalAnnounced,
)
from ledger.identity import canonical_form, derived_id, stored_form
from ledger.repeats import may_repeat_a_key, repeated_key

_DECODER = msgspec.json.Decoder(AnyFact)
_AT = re.compile(r"^(?P<msg>.*) - at `(?P<path>\$[^`]*)`$", re.S)
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<field>.*)`$", re.S)
_REGEX = re.compile(r"^Expected `str` matching regex '(?P<regex>.*)'$", re.S)
_LANGUAGE = re.compile(LANGUAGE_TAG)  # BCP 47, as `Source.language`
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_]+")
_STATE_FIELDS = ("state", "host", "contributor")
_PARSED = 65536  # distinct date strings remembered: a file repeats its dates and sources


class Checked(msgspec.Struct, frozen=True):
    """A fact ready to append: normalised, with its id, stored bytes and effective day."""

    fact: AnyFact
    stored: bytes  # RFC 8785 JSON of the whole fact, id included (`ledger.identity.stored_form`)
    occurred: FactDate

    @property
    def canonical(self) -> bytes:
        """The canonical form, without the id: what a derived id hashes."""
        return canonical_form(self.fact)


@lru_cache(maxsize=_PARSED)
def _date(text: str) -> FactDate | str:
    """A date parsed, or why it is not one: remembered, since a file repeats its dates."""
    try:
        return parse_date(text)
    except ValueError as e:
        message, written = str(e), repr(text)
        if message.startswith(written):  # a long value, cut in the message
            message = hints.shown(text) + message[len(written) :]
        return message


@lru_cache(maxsize=_PARSED)
def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a port that is not a number, or out of range, raises here)
    except ValueError as e:  # `http://[::1` and other broken hosts and ports
        return f"{hints.shown(url)} is not a URL ({e}); write a whole http or https URL"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{hints.shown(url)} is not an http or https URL"
    return None


def _shape_error(err: msgspec.ValidationError, data: bytes) -> tuple[str, str]:
    """msgspec's message as (path, message), saying what to write instead where it can tell: the
    nearest type or field name, the state code or slug meant, the values a field takes."""
    text = str(err)
    m = _AT.match(text)
    path, message = (m["path"], m["msg"]) if m else ("$", text)
    if (fm := _MISSING.match(message)) is not None:
        return hints.field_path(path, fm["field"]), "required field is missing"
    try:
        line = msgspec.json.decode(data)  # the line without its schema: what the user wrote
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        line = None
    if (fm := _UNKNOWN.match(message)) is not None:
        owner = hints.container(line, path)
        return hints.field_path(path, fm["field"]), hints.unknown_field(fm["field"], owner)
    value = hints.at_path(line, path)  # None when the rest of the line is not JSON either
    if path.endswith(".type") and message.startswith("Invalid value"):
        if isinstance(value, str):
            return path, hints.unknown_type(value)
        return path, hints.cut(message.replace("Invalid value", "unknown fact type", 1))
    if (rm := _REGEX.match(message)) is not None and (kind := hints.pattern_kind(rm["regex"])):
        return path, hints.pattern_message(kind, value) or message
    if message.startswith("Invalid enum value"):
        parent, _, field = path.rpartition(".")
        if isinstance(value, str):
            message = f"Invalid enum value {hints.shown(value)}"
        return path, hints.cut(message) + hints.enum_choices(field, hints.container(line, parent))
    return path, hints.cut(message)


def _not_a_state(code: str) -> str:
    """Why a code of a state's shape is not one: a former state's four letters, or two letters
    with a hint of the code meant."""
    if len(code) == 4 and code.isalpha() and code.isupper():
        return not_a_state(code)
    return hints.not_a_state(code, assigned=True)


# A fact type's own rules: the first (path, message) of a fact of that type (its argument) on
# `day`, its effective day, or None.
_OwnRule = Callable[[Any, date], tuple[str, str] | None]


def _semantic_error(
    fact: Fact, day: date, states: tuple[str, ...], own: _OwnRule | None
) -> tuple[str, str] | None:
    """The first (path, message) of a rule a pattern cannot express (`occurred` is parsed apart),
    or None: the sources first, then the state codes (`states`), then the rules of the fact's own
    type (`own`), as `_RULES` gives them for its type."""
    for i, src in enumerate(fact.sources):
        if not src.publisher.strip():
            return f"$.sources[{i}].publisher", "must not be blank"
        if src.url is not None and (bad_url := _url_problem(src.url)) is not None:
            return f"$.sources[{i}].url", bad_url
        if src.published is not None and isinstance(bad_date := _date(src.published), str):
            return f"$.sources[{i}].published", bad_date
    if states:
        codes = state_codes()
        for name in states:
            code = getattr(fact, name)
            if code is not None and code not in codes:
                return f"$.{name}", _not_a_state(code)
    return None if own is None else own(fact, day)


def _statement_error(fact: StatementMade, day: date) -> tuple[str, str] | None:
    codes = state_codes()  # `is_state`, without a call for each code
    if fact.office is not None and (state := fact.office.partition("/")[0]) not in codes:
        return "$.office", _not_a_state(state)
    for i, subject in enumerate(fact.about or ()):
        if subject.isupper() and subject not in codes:
            return f"$.about[{i}]", _not_a_state(subject)
    return None


def _actor_error(fact: ActorDescribed, day: date) -> tuple[str, str] | None:
    if fact.actor.isupper() and not is_state(fact.actor):
        return "$.actor", _not_a_state(fact.actor)
    for tag, name in fact.names.items():
        if _PLAIN_KEY.fullmatch(tag):
            at = f"$.names.{tag}"
        else:
            at = f"$.names[{msgspec.json.encode(tag).decode()}]"
        if not _LANGUAGE.fullmatch(tag):
            return at, f"{tag!r} is not a BCP 47 language tag"
        if not name.strip():
            return at, "must not be blank"
    return None


def _strength_error(fact: StrengthReported, day: date) -> tuple[str, str] | None:
    if fact.personnel_high is not None and fact.personnel_high < fact.personnel:
        return "$.personnel_high", f"{fact.personnel_high} is less than personnel ({fact.personnel})"
    return None


def _retraction_error(fact: FactRetracted, day: date) -> tuple[str, str] | None:
    if fact.supersedes is not None:
        return "$.supersedes", "a FactRetracted cannot carry supersedes"
    return None


def _withdrawal_error(fact: WithdrawalAnnounced, day: date) -> tuple[str, str] | None:
    return next(_deadline_errors(fact, day), None)


def _mandate_error(fact: MissionAuthorized, day: date) -> tuple[str, str] | None:
    if fact.until is not None and isinstance(bad_until := _date(fact.until), str):
        return "$.until", bad_until
    return None


def _acting_interim(fact: PrimeMinisterAppointed | OfficeAssumed) -> AnyFact:
    """An appointment's `acting` and `interim` given as null: false, as their default."""
    if fact.acting is None or fact.interim is None:
        return msgspec.structs.replace(fact, acting=bool(fact.acting), interim=bool(fact.interim))
    return fact


def _names_sorted(fact: ActorDescribed) -> AnyFact:
    """The names in the order of the stored form (RFC 8785 sorts keys), so that the replay index's
    copy of a fact just read is byte for byte the copy of the fact as stored (`ledger verify`)."""
    if list(fact.names) != sorted(fact.names):
        return msgspec.structs.replace(fact, names=dict(sorted(fact.names.items())))
    return fact


class _Rules(NamedTuple):
    """What `check_fact` does for one fact type beyond what every fact gets."""

    states: tuple[str, ...]  # its fields holding a state code, in the order they are checked
    own: _OwnRule | None  # its type's own rules, checked after those
    normalise: Callable[[Any], AnyFact] | None  # the fact normalised, once checked


_OWN_RULES: dict[type[Fact], _OwnRule] = {
    StatementMade: _statement_error,
    ActorDescribed: _actor_error,
    StrengthReported: _strength_error,
    FactRetracted: _retraction_error,
    WithdrawalAnnounced: _withdrawal_error,
    MissionAuthorized: _mandate_error,
}
_NORMALISE: dict[type[Fact], Callable[[Any], AnyFact]] = {
    PrimeMinisterAppointed: _acting_interim,
    OfficeAssumed: _acting_interim,
    ActorDescribed: _names_sorted,
}
# Looked up once per fact by its exact type (every fact type is a direct subclass of `Fact`, and
# the decoder makes exactly these classes) rather than testing isinstance against each type in
# turn; with `_semantic_error` returning the first problem instead of a generator yielding each,
# measured at about 9% fewer instructions (7% less CPU) for the import's whole checking step.
_RULES = {
    c: _Rules(
        tuple(n for n in _STATE_FIELDS if n in c.__struct_fields__), _OWN_RULES.get(c), _NORMALISE.get(c)
    )
    for c in BY_TAG.values()
}


def _deadline_errors(fact: WithdrawalAnnounced, day: date) -> Iterator[tuple[str, str]]:
    """A deadline is given as a number of days or as a date, not both (contract section 9), and
    falls within the calendar: `complete_by` counts from `start_by` when that is known."""
    for as_date, as_days in (("start_by", "starts_within_days"), ("complete_by", "completes_within_days")):
        if getattr(fact, as_date) is not None and getattr(fact, as_days) is not None:
            yield f"$.{as_date}", f"a deadline is given as a date or as {as_days}, not both"
            return
    dated: dict[str, date] = {}
    for name in ("start_by", "complete_by"):
        text = getattr(fact, name)
        if text is not None:
            parsed = _date(text)
            if isinstance(parsed, str):
                yield f"$.{name}", parsed
                return
            dated[name] = parsed.effective
    if "start_by" in dated:
        day = dated["start_by"]
    elif fact.starts_within_days is not None:
        try:
            day = add_days(day, fact.starts_within_days)
        except ValueError as e:
            yield "$.starts_within_days", f"the deadline {e}"
            return
    if fact.completes_within_days is not None:
        try:
            add_days(day, fact.completes_within_days)
        except ValueError as e:
            yield "$.completes_within_days", f"the deadline {e}"


def check_fact(fact: AnyFact, source: str, line: int) -> Checked:
    """Check the rules beyond shape, normalise, and give the fact its id."""
    occurred = _date(fact.occurred)
    if isinstance(occurred, str):
        raise FactError(source, line, "$.occurred", occurred)
    # One unpacking: each read of a NamedTuple's field by name is a descriptor call.
    states, own, normalise = _RULES[type(fact)]
    problem = _semantic_error(fact, occurred.effective, states, own)
    if problem is not None:
        raise FactError(source, line, *problem)
    if normalise is not None:
        fact = normalise(fact)
    fid = fact.id
    if fid is None or fid.startswith("sha256:"):
        derived = derived_id(canonical_form(fact))
        if fid is None:
            fact = msgspec.structs.replace(fact, id=derived)
        elif fid != derived:
            raise FactError(
                source,
                line,
                "$.id",
                f"{fid!r} is not this fact's derived id ({derived}); ids "
                "beginning with sha256: are reserved for derived ids",
            )
    return Checked(fact, stored_form(fact), occurred)


def parse_line(data: bytes, source: str, line: int) -> Checked:
    """Decode and check one line of a fact file."""
    try:
        fact = _DECODER.decode(data)
    except msgspec.ValidationError as e:
        if (bad := _not_utf8(data)) is not None:
            raise FactError(source, line, "$", bad) from None
        _refuse_a_repeated_key(data, source, line)  # first: its first value may be the one at fault
        path, message = _shape_error(e, data)
        raise FactError(source, line, path, message) from None
    except msgspec.DecodeError as e:
        raise FactError(source, line, "$", _decode_message(data, e)) from None
    except RecursionError:  # nesting deeper than the decoder's own limit allows on this stack
        raise FactError(source, line, "$", "not valid JSON (nested too deeply)") from None
    try:
        checked = check_fact(fact, source, line)
    except FactError:
        _refuse_a_repeated_key(data, source, line)
        raise
    # A derived id adds a key and a colon in its value ("sha256:...") to the stored form.
    if may_repeat_a_key(data, checked.stored, 0 if fact.id is not None else 2):
        _refuse_a_repeated_key(data, source, line)
    return checked


def _refuse_a_repeated_key(data: bytes, source: str, line: int) -> None:
    """A key given twice in one object of the line is refused: msgspec kept its last value, and
    which one the writer meant is not ours to guess."""
    repeated = repeated_key(data)
    if repeated is not None:
        raise FactError(source, line, repeated, "the key is given twice")


def _not_utf8(data: bytes) -> str | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as u:
        return hints.not_utf8(data, u.start)
    return None


def _decode_message(data: bytes, err: msgspec.DecodeError) -> str:
    if (bad := _not_utf8(data)) is not None:
        return bad
    text = str(err)
    hint = hints.decode_hint(data, text)
    return f"not valid JSON ({text}); {hint}" if hint else f"not valid JSON ({text})"


def read_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, bytes) for every non-blank line; a leading UTF-8 BOM is ignored."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if raw.strip():
            yield number, raw
