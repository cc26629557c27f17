"""What to write instead: the suggestions that turn a refusal into a fix.

`ledger.validation` says *what* is wrong with a line (and where: its JSON path); the functions
here say what the user probably meant: the nearest known type or field name (edit distance, by
difflib), the state code for a state's name, alpha-3 code or lower-case code (pycountry's
lookup), the slug for a person written as a name, and, for a whole file, that it is UTF-16,
pretty-printed JSON or a JSON array rather than JSON Lines, or for a line, that it is
Windows-1252 or Latin-1 rather than UTF-8.

Every function here is pure and cheap on the success path: nothing is called until a line has
already been refused. Values are shown with `shown`, `repr` cut to a readable length, so that a
10 MB string or a control character never floods or breaks a one-line message.
"""

from __future__ import annotations

import contextlib
import difflib
import itertools
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Any, get_args

import msgspec
import pycountry

from ledger.codes import ALIASES, former_for, is_state
from ledger.facts import BY_TAG, TYPE_NAMES, FactId, OfficeRef, Slug, Source, StateCode, Subject

SHOWN = 60  # characters of a value shown in a message
_CACHED = 4096  # distinct wrong values remembered: a file repeats its mistakes


def shown(value: object, limit: int = SHOWN) -> str:
    """`repr` of a value, cut after `limit` characters: safe in a one-line message."""
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + f"... ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= limit + 2 else text[:limit] + "..."


def cut(message: str, limit: int = 4 * SHOWN) -> str:
    """A message of the decoder's, which may quote a whole value as it is: cut to a readable
    length, every character that is not printable escaped (a newline, a control, a mark)."""
    if len(message) <= limit and message.isprintable():
        return message
    shown: list[str] = []
    width = 0
    for c in message:  # escaped as it goes, so that escapes count: `\u2028` is six characters
        piece = c if c.isprintable() else repr(c)[1:-1]
        if width + len(piece) > limit:
            return "".join(shown) + "..."
        shown.append(piece)
        width += len(piece)
    return "".join(shown)


def _pattern(annotated: Any) -> str:
    return str(get_args(annotated)[1].pattern)


@cache
def _kinds() -> dict[str, str]:
    """The patterns of `ledger.facts`, read from its types (so a change there carries here)."""
    return {
        _pattern(Slug): "slug",
        _pattern(StateCode): "state",
        _pattern(Subject): "subject",
        _pattern(OfficeRef): "office",
        _pattern(FactId): "id",
    }


def pattern_kind(regex: str) -> str | None:
    """What a pattern of `ledger.facts` checks: slug, state, subject, office, id (or None)."""
    return _kinds().get(regex)


# Names: types and fields


def _squashed(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def nearest(name: str, known: Sequence[str]) -> str | None:
    """The known name the user most likely meant: the same one in other case or spelling
    (`prime_minister_appointed`, `appointedBy`), else the closest by edit distance."""
    if len(name) > 200:
        return None
    squashed = {_squashed(k): k for k in known}
    if (same := squashed.get(_squashed(name))) is not None:
        return same
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return close[0]
    close = difflib.get_close_matches(_squashed(name), list(squashed), n=1, cutoff=0.6)
    return squashed[close[0]] if close else None


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(repr(n) for n in names)


def unknown_type(name: object) -> str:
    """The message for a `type` that is not a fact type, with the one meant."""
    if isinstance(name, str) and (meant := nearest(name, TYPE_NAMES)) is not None:
        return f"unknown fact type {shown(name)}; did you mean {meant!r}?"
    return f"unknown fact type {shown(name)}; the types are {_quoted(TYPE_NAMES)}"


def _fields(cls: type[msgspec.Struct]) -> list[str]:
    return [f.name for f in msgspec.structs.fields(cls)]


def container(line: Any, path: str) -> tuple[str, type[msgspec.Struct]] | None:
    """The struct that holds the value at `path` (`$` the fact, `$.sources[N]` a source): its
    name as a user knows it, and its class; None where neither."""
    if re.fullmatch(r"\$\.sources\[\d+\]", path):
        return "a source", Source
    if path == "$" and isinstance(line, dict) and isinstance(tag := line.get("type"), str):
        cls = BY_TAG.get(tag)
        if cls is not None:
            return cls.TYPE, cls
    return None


def unknown_field(field: str, owner: tuple[str, type[msgspec.Struct]] | None) -> str:
    """The message for a field its fact type (or a source) does not have, with the one meant."""
    if owner is None:
        return "unknown field"
    what, cls = owner
    names = _fields(cls)
    meant = nearest(field, names)
    if meant is not None:
        return f"unknown field; did you mean {meant!r}?"
    return f"unknown field; {what} has the fields {_quoted(names)}"


def enum_choices(field: str, owner: tuple[str, type[msgspec.Struct]] | None) -> str:
    """`; one of 'a', 'b'` for a field whose values are a fixed list; else empty."""
    if owner is None:
        return ""
    info = msgspec.inspect.type_info(owner[1])
    assert isinstance(info, msgspec.inspect.StructType)
    for f in info.fields:
        if f.name == field:
            types = f.type.types if isinstance(f.type, msgspec.inspect.UnionType) else (f.type,)
            for t in types:
                if isinstance(t, msgspec.inspect.LiteralType):
                    return f"; write one of {_quoted(str(v) for v in t.values)}"
    return ""


# Values: state codes, slugs, ids


@lru_cache(maxsize=_CACHED)
def state_for(value: str) -> str | None:
    """The state code meant by `value`: `kz` -> KZ, `KAZ` -> KZ, `Kazakhstan` -> KZ, `UK` -> GB,
    as pycountry's lookup finds it (a former state's four-letter code, once one is a state)."""
    text = " ".join(value.split())
    if not text or len(text) > 80 or not text.isprintable():
        return None
    upper = text.upper()
    if upper != text and is_state(upper):
        return upper
    alias = ALIASES.get(upper)
    if alias is not None and is_state(alias):
        return alias
    for code in _looked_up(text):
        if is_state(code):
            return code
    return None


def _looked_up(text: str) -> list[str]:
    found: list[str] = []
    with contextlib.suppress(LookupError, AttributeError):
        found.append(pycountry.countries.lookup(text).alpha_2)
    found.extend(former_for(text))  # SU, SUN, DDR: every former state of that old code or name
    if not found and len(text) >= 4 and text.replace(" ", "").isalpha():
        try:
            fuzzy = pycountry.countries.search_fuzzy(text)
        except LookupError:
            fuzzy = []
        if len(fuzzy) == 1:  # only an unambiguous guess is worth proposing
            found.append(fuzzy[0].alpha_2)
    return found


def not_a_state(value: str, *, assigned: bool = False) -> str:
    """The message for a value that is not a state code; `assigned`: it has a code's shape (two
    upper-case letters) but is not on the ISO list."""
    code = state_for(value)
    what = "an ISO 3166-1 alpha-2 state code" if assigned else "a state code"
    if code is not None:
        return f"{shown(value)} is not {what}; use {code!r}"
    if assigned:
        return f"{shown(value)} is not {what}"
    return f"{shown(value)} is not {what}: write an ISO 3166-1 alpha-2 code in upper case, such as 'KZ'"


@lru_cache(maxsize=_CACHED)
def slug_for(value: str) -> str:
    """`Alikhan Smailov` -> `alikhan-smailov`: accents dropped, lower case, every run of other
    characters one hyphen; empty when nothing is left (a name in another script)."""
    text = unicodedata.normalize("NFKD", value[:1000])
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def not_a_slug(value: str) -> str:
    slug = slug_for(value)
    if slug and len(slug) <= 2 * SHOWN:
        return f"{shown(value)} is not a slug; use a slug such as {slug!r}"
    return (
        f"{shown(value)} is not a slug: write lower-case ASCII letters and digits, "
        "words joined by single hyphens, such as 'alikhan-smailov'"
    )


def not_a_subject(value: str) -> str:
    """`about` takes a state code or a slug: whichever the value is nearer to."""
    code = state_for(value)
    if code is not None:
        return f"{shown(value)} is neither a state code nor a slug; use {code!r}"
    slug = slug_for(value)
    if slug and len(slug) <= 2 * SHOWN:
        return f"{shown(value)} is neither a state code nor a slug; use a slug such as {slug!r}"
    return f"{shown(value)} is neither a state code (such as 'KZ') nor a slug (such as 'csto')"


def not_an_office(value: str) -> str:
    state, sep, office = value.partition("/")
    code = state if is_state(state) else state_for(state)
    slug = slug_for(office)
    if sep and code is not None and slug and len(slug) <= 2 * SHOWN:
        return f"{shown(value)} is not a state code, '/' and an office slug; use {code + '/' + slug!r}"
    return f"{shown(value)} is not a state code, '/' and an office slug, such as 'KZ/president'"


def not_an_id(value: str) -> str:
    fixed = re.sub(r"[^A-Za-z0-9._:-]+", "-", value[:128]).strip("-._:")
    if fixed and not fixed.startswith("sha256:"):
        return (
            f"{shown(value)} is not a fact id (letters, digits, '.', '_', ':' and '-', at most 128); "
            f"use an id such as {fixed!r}"
        )
    return f"{shown(value)} is not a fact id: write letters, digits, '.', '_', ':' and '-', at most 128"


def pattern_message(kind: str, value: object) -> str | None:
    """The message for a string that fails a pattern of `ledger.facts` (None: keep msgspec's)."""
    if not isinstance(value, str):
        return None
    if kind == "state":
        return not_a_state(value)
    if kind == "slug":
        return not_a_slug(value)
    if kind == "subject":
        return not_a_subject(value)
    if kind == "office":
        return not_an_office(value)
    if kind == "id":
        return not_an_id(value)
    return None


# Reading a JSON path in a line decoded without a schema


_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def at_path(line: Any, path: str) -> Any:
    """The value at a msgspec path (`$.sources[0].url`) of a decoded line; None when absent."""
    node = line
    for key, index in _STEP.findall(path[1:]):
        if key and isinstance(node, dict):
            node = node.get(key)
        elif index and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
        else:
            return None
    return node


def field_path(parent: str, field: str) -> str:
    """`$.name` for a plain name; a name with other characters in JSON's escaped form, so that a
    key holding a newline or a control character cannot break the one-line message."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", field):
        return f"{parent}.{field}"
    return f"{parent}[{json.dumps(field[:SHOWN])}]"  # ASCII: every other character escaped


# Whole files and lines that are not JSON Lines in UTF-8


_UTF8_BOM = b"\xef\xbb\xbf"
JSON_LINES = "one fact per line: JSON Lines"


def is_blank(data: bytes) -> bool:
    """A file with no fact at all: empty, or only blank lines (and a byte order mark)."""
    # `isspace` stops at the first other byte; `strip` would copy a large file whole.
    body = data.removeprefix(_UTF8_BOM)
    return not body or body.isspace()


def _utf16_without_bom(data: bytes) -> bool:
    """JSON in UTF-16 is mostly ASCII, so every other byte is zero; UTF-8 JSON has no zero byte."""
    sample = data[:512]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    little = odd.count(0) >= len(odd) * 0.4 and even.count(0) == 0
    big = even.count(0) >= len(even) * 0.4 and odd.count(0) == 0
    return little or big


def file_problem(data: bytes) -> tuple[int, str] | None:
    """(line, message) when a whole file is not JSON Lines in UTF-8: UTF-16 or UTF-32 (with or
    without a byte order mark), or JSON written for people (an object over several lines, an
    array of facts); None for a file whose lines are to be read one by one."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return 1, "the file is UTF-32; save it as UTF-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(data):
        return 1, "the file is UTF-16; save it as UTF-8"
    body = data.removeprefix(_UTF8_BOM)
    start = 0
    for number in itertools.count(1):  # up to the first line that is not blank (never split whole)
        end = body.find(b"\n", start)
        first = body[start : len(body) if end < 0 else end].strip()
        if first == b"{":
            return number, f"a fact written over several lines (pretty-printed JSON); write {JSON_LINES}"
        if first == b"[" or (first.startswith(b"[") and _is_array(body)):
            return number, f"a JSON array of facts; write {JSON_LINES}"
        if first or end < 0:
            return None
        start = end + 1
    return None


def _is_array(body: bytes) -> bool:
    try:
        return isinstance(msgspec.json.decode(body), list)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return False


def legacy_encoding(line: bytes) -> str | None:
    """The 8-bit encoding a line that is not UTF-8 was most likely saved in: one whose reading
    of the line is JSON. Bytes 0x80-0x9F are letters and punctuation only in Windows-1252."""
    try:
        text = line.decode("cp1252")
    except UnicodeDecodeError:
        return None
    try:
        msgspec.json.decode(text.encode("utf-8"))
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    return "Windows-1252" if any(0x80 <= b <= 0x9F for b in line) else "Latin-1 (ISO 8859-1)"


def not_utf8(line: bytes, start: int) -> str:
    """The message for a line that is not UTF-8, naming its encoding where it can."""
    guess = legacy_encoding(line)
    if guess is not None:
        return f"the file is not UTF-8: it looks like {guess}; save it as UTF-8"
    return f"invalid UTF-8 at byte {start}; save the file as UTF-8"


_LONE_SURROGATE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})")
_LOW_SURROGATE = re.compile(rb"(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def decode_hint(line: bytes, message: str) -> str:
    """What to do about a line that is not JSON (`message` is the decoder's), where it can tell."""
    if _LONE_SURROGATE.search(line) or _LOW_SURROGATE.search(line):
        return (
            "a \\uD800-\\uDFFF escape without its pair is half a UTF-16 surrogate pair, not a character; "
            "write the character itself, or both halves"
        )
    if message == "Input data was truncated" and line.lstrip().startswith(b"{"):
        return "write each fact whole on one line (JSON Lines)"
    if b"NaN" in line or b"Infinity" in line:
        return "NaN and Infinity are not JSON numbers"
    if line.lstrip().startswith((b"#", b"//")):
        return "JSON Lines have no comments: a note about a fact goes in its `note` field"
    return ""
