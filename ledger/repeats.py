"""Keys given twice in one JSON object. JSON leaves their meaning open and msgspec, like most
decoders, keeps the last value silently (msgspec issue 648): a fact line that says `occurred`
twice would be stored with its second date and no word said. `repeated_key` finds such a key, and
`may_repeat_a_key` rules it out first, for every line of an import, at a fraction of the cost."""

from __future__ import annotations

import json
import re
from typing import Any


class Repeated(dict[str, Any]):
    """An object whose text gave a key twice: the first such key, as `repeated`."""

    repeated: str = ""


def pairs(found: list[tuple[str, Any]]) -> dict[str, Any]:
    """`json.loads`'s `object_pairs_hook`: a dict, or a `Repeated` one that names its first
    repeated key."""
    value = dict(found)
    if len(value) == len(found):
        return value
    repeated, seen = Repeated(value), set()
    for key, _ in found:
        if key in seen:
            repeated.repeated = key
            break
        seen.add(key)
    return repeated


def may_repeat_a_key(data: bytes, stored: bytes, added: int) -> bool:
    """False when no object of the fact line `data` gives a key twice; True when one may.

    `stored` is the line's fact as stored (`ledger.identity.stored_form`: every key it kept, once,
    without those whose value is null or the default), and `added` how many colons checking the
    fact added to it (a derived id: its key, and the colon of `sha256:`). Every key of the line
    is followed by one colon outside any string, and the stored form has one colon per key it
    holds and the colons of the same strings. So the line has `added` fewer colons than the stored
    form, unless it gave a key twice (one more colon, and any of the lost value's), a key with a
    null or default value (one more), or spelt a colon in a string as an escape (`\\u003a`, one
    fewer): a line with such an escape, or with a count off by anything, may repeat a key. Two
    byte counts: a fraction of a microsecond a line, against several for a parse that says."""
    if b"\\u003" in data and (b"\\u003a" in data or b"\\u003A" in data):
        return True
    return data.count(b":") + added != stored.count(b":")


def repeated_key(data: bytes) -> str | None:
    """The JSON path (`$.sources[1].publisher`) of the first key that `data` (one valid JSON text,
    in UTF-8) gives twice in one object, or None."""
    try:
        return _first(json.loads(data.decode("utf-8"), object_pairs_hook=pairs), "$")
    except (ValueError, RecursionError):  # not JSON Python reads: other checks say what is wrong
        return None


def _first(value: Any, path: str) -> str | None:
    if isinstance(value, dict):
        if isinstance(value, Repeated):
            return member(path, value.repeated)
        for key, item in value.items():
            found = _first(item, member(path, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _first(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def member(path: str, key: str) -> str:
    """The JSON path of `key` in the object at `path`: `$.a`, or `$["a b"]`."""
    return f"{path}.{key}" if _NAME.match(key) else f"{path}[{json.dumps(key, ensure_ascii=False)}]"
