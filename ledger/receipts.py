"""Receipts (contract section 13): what a `--json` answer carries to say where it came from, the
canonical JSON (RFC 8785) its digest is taken over, and the reading of a document to check.

A receipt is `{"query", "size", "root", "digest"}`: the question asked (the command, the as-of day,
the knowledge horizon resolved to a size, and every option that shaped the answer), the size and
Merkle root of the entries it was answered from, and `sha256:` + the SHA-256 of the RFC 8785 JSON
of the document without its receipt. Pure: no database. `ledger.reading.answers` answers a
receipt's query again and compares (`Ledger.check`).

The canonical form. For the documents the ledger makes (strings, integers, booleans, nulls,
arrays, objects with ASCII keys), msgspec's JSON with sorted keys is RFC 8785 byte for byte: its
string escapes are the ones RFC 8785 prescribes (`\\b \\t \\n \\f \\r`, other controls as `\\u00xx`,
`"` and `\\`, everything else as UTF-8, U+2028 and U+007F included), which `tests/test_receipts.py`
checks against the `rfc8785` package on generated documents. It differs in two places, both
handled here by a small encoder of our own, used only when a document needs it: numbers with a
fraction or an exponent (RFC 8785 writes them as ECMAScript does: `1` for `1.0`, `1e+21`), and the
order of keys that hold characters above U+D7FF (RFC 8785 sorts by UTF-16 code units, msgspec by
code points: U+1F600 comes before U+E000 in UTF-16). Measured on the replay document of the
100,000-fact synthetic ledger (1 MB): 37 ms for the walk that decides and msgspec together, 120 ms
for the `rfc8785` package (`docs/verifiable-log.md`, "Receipts").
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec

from ledger.errors import UsageError
from ledger.repeats import Repeated, member, pairs

MAX_INTEGER = 2**53 - 1  # RFC 8785 numbers are IEEE 754 doubles: integers beyond this have no form
DIGEST_PREFIX = "sha256:"
PARAM = "document"  # how errors name the document given to `check` (the CLI names the file instead)

Hex64 = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_INTEGER)]
# An option's value: one value, or (an option given several times) the distinct values, sorted.
Option = str | Annotated[list[str], msgspec.Meta(min_length=2)] | None


class Query(msgspec.Struct, frozen=True, omit_defaults=True, forbid_unknown_fields=True):
    """The question a document answers: the command, the as-of day, the knowledge horizon as a
    size (`--known-at` is resolved to one), and each option that shaped the answer, when given.
    An option a command may take is added here (and to the command's registration in
    `ledger.reading.answers`)."""

    command: str
    as_of: Annotated[str, msgspec.Meta(pattern="^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    size: Count
    mission: Option = None
    state: Option = None  # `replay --state` is repeatable: several codes are a sorted list

    def options(self) -> dict[str, str | list[str]]:
        """The options given (those beside the command, the day and the size)."""
        return {
            name: value for name in self.__struct_fields__[3:] if (value := getattr(self, name)) is not None
        }


class Receipt(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    query: Query
    size: Count
    root: Hex64
    digest: Annotated[str, msgspec.Meta(pattern="^sha256:[0-9a-f]{64}$")]


Failure = Literal["entries", "ledger", "answer", "document"]


class CheckReport(msgspec.Struct, frozen=True):
    """What `check` found. `ok` when the ledger's root at the receipt's size, the digest of the
    answer made again and the digest of the document's own body all equal the receipt's.

    `root` is the root of the ledger's first `size` entries, recomputed from their stored bytes
    (None when some are missing); `digest` that of the answer made again (None when it could not
    be made). `failed` names what differs, in this order: `entries` (the first `size` entries are
    not those the answer was made from), `ledger` (they are, but the ledger cannot answer from them
    any more: its copy of a fact for replay was altered, say), `answer` (the same entries now give
    another answer), `document` (the document was edited after it was made). `message` says it
    in words. The CLI's `--json` prints `ok`, `size`, `root`, `digest` and `message`."""

    ok: bool
    size: int
    root: str | None
    digest: str | None
    message: str
    failed: tuple[Failure, ...] = ()


class Given(msgspec.Struct, frozen=True):
    """A document read for `check`: its body (the document without its receipt) and the receipt."""

    body: dict[str, Any]
    receipt: Receipt


# The canonical form


class NotJSON(ValueError):
    """A value that has no RFC 8785 form, at a JSON path (`$.states.KZ`)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


_SORTED = msgspec.json.Encoder(order="sorted")


def _text(value: str, path: str) -> None:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise NotJSON(path, "a string holds a lone surrogate, which is not a character") from None


def _scan(value: Any, path: str) -> bool:
    """Check that `value` (JSON as Python builtins) has an RFC 8785 form; True when msgspec alone
    cannot write it (a number with a fraction, or keys that sort otherwise in UTF-16)."""
    kind = type(value)
    if kind is str:
        _text(value, path)
        return False
    if kind is int:
        if not -MAX_INTEGER <= value <= MAX_INTEGER:
            raise NotJSON(path, f"the integer {value} is beyond ±(2^53 - 1), which RFC 8785 cannot write")
        return False
    if kind is float:
        if not math.isfinite(value):
            raise NotJSON(path, f"{value} is not a JSON number")
        return True
    if value is None or kind is bool:
        return False
    if kind is list or kind is tuple:
        slow = False
        for i, item in enumerate(value):
            slow = _scan(item, f"{path}[{i}]") or slow
        return slow
    if isinstance(value, dict):
        if isinstance(value, Repeated):  # RFC 8785 requires distinct keys
            raise NotJSON(member(path, value.repeated), "the key is given twice")
        slow = False
        for key, item in value.items():
            if type(key) is not str:
                raise NotJSON(path, f"an object key must be a string, not {key!r}")
            _text(key, path)
            if not key.isascii() and max(key) > "\ud7ff":
                slow = True
            slow = _scan(item, member(path, key)) or slow
        return slow
    raise NotJSON(path, f"{kind.__name__} is not a JSON value")


def _number(x: float) -> str:
    """A double as ECMAScript's Number.prototype.toString writes it (RFC 8785 section 3.2.2.3),
    from the shortest digits that read back as `x` (Python's repr)."""
    if x == 0:
        return "0"  # -0 too
    if x < 0:
        return "-" + _number(-x)
    _, digits_, exponent = Decimal(repr(x)).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digits_))
    k = len(digits)
    n = exponent + k  # x = 0.digits * 10^n
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return f"{digits[:n]}.{digits[n:]}"
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    mantissa = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be")


def _write(value: Any, out: list[str]) -> None:
    """RFC 8785 text of a scanned value, for the documents msgspec alone cannot write."""
    if isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16)):
            if i:
                out.append(",")
            out.append(_SORTED.encode(key).decode("utf-8"))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif type(value) is float:
        out.append(_number(value))
    else:  # strings, integers, booleans, null: msgspec writes them as RFC 8785 does
        out.append(_SORTED.encode(value).decode("utf-8"))


def canonical(value: Any) -> bytes:
    """The RFC 8785 (JCS) bytes of a JSON value: builtins, or msgspec Structs (as their JSON).
    NotJSON, naming the path, for a value that has none (a lone surrogate, an integer beyond
    ±(2^53 - 1), NaN, a key given twice in a parsed text)."""
    plain = msgspec.to_builtins(value)
    try:
        slow = _scan(plain, "$")
    except RecursionError:
        raise NotJSON("$", "nested too deeply") from None
    if not slow:
        return _SORTED.encode(plain)
    out: list[str] = []
    _write(plain, out)
    return "".join(out).encode("utf-8")


def digest(value: Any) -> str:
    """`sha256:` and the hex SHA-256 of the value's canonical JSON."""
    return DIGEST_PREFIX + hashlib.sha256(canonical(value)).hexdigest()


# Making a receipt


def option(value: str | Iterable[str] | None) -> str | list[str] | None:
    """An option as a query holds it: None when not given, one value as itself, several as the
    distinct values sorted (the order they were given in does not shape an answer)."""
    if value is None or isinstance(value, str):
        return value
    values = sorted(set(value))
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def receipt(command: str, document: Any, **options: str | Iterable[str] | None) -> Receipt:
    """The receipt of a document the ledger made: `document` has `as_of` and `ledger` (`size`,
    `root`), as every receipted document does; `options` are the options that shaped the answer
    (None: not given; a value given several times, such as `replay --state`, as a list)."""
    plain = msgspec.to_builtins(document)
    size, root = plain["ledger"]["size"], plain["ledger"]["root"]
    given = {name: option(value) for name, value in options.items()}
    return Receipt(Query(command, plain["as_of"], size, **given), size, root, digest(plain))


_JSON = msgspec.json.Encoder()


def with_receipt(document: Any, made: Receipt) -> bytes:
    """The document's JSON (as `--json` prints it: its own field order) with `"receipt"` last."""
    body = _JSON.encode(document)
    if not body.startswith(b"{") or not body.endswith(b"}"):
        raise TypeError("a receipted document is a JSON object")
    comma = b"," if body != b"{}" else b""
    return body[:-1] + comma + b'"receipt":' + _JSON.encode(made) + b"}"


# Reading a document to check


def _bad(path: str, reason: str) -> UsageError:
    return UsageError(f"{path}: {reason}", param=PARAM)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _parse(text: bytes | str) -> Any:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _bad("$", f"not UTF-8 text (byte {e.start})") from None
    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise _bad("$", f"not JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    except ValueError as e:
        raise _bad("$", f"not JSON: {e}") from None
    except RecursionError:
        raise _bad("$", "not JSON this ledger reads: nested too deeply") from None


_AT = re.compile(r"^(?P<reason>.*) - at `\$(?P<path>[^`]*)`$", re.DOTALL)


def read_document(document: Mapping[str, Any] | bytes | str) -> Given:
    """A receipted document (a JSON object, as text or parsed) as `check` reads it, or UsageError
    (param `document`) naming the problem and its JSON path."""
    value = _parse(document) if isinstance(document, bytes | str) else document
    if not isinstance(value, Mapping):
        raise _bad("$", f"a receipted document is a JSON object, not {type(value).__name__}")
    try:
        _scan(dict(value), "$")
    except NotJSON as e:
        raise _bad(e.path, e.reason) from None
    except RecursionError:
        raise _bad("$", "nested too deeply") from None
    if "receipt" not in value:
        raise _bad(
            "$.receipt",
            "missing: this document carries no receipt (made by `replay --json` or `audit ... --json`?)",
        )
    body = {k: v for k, v in value.items() if k != "receipt"}
    try:
        made = msgspec.convert(value["receipt"], Receipt, strict=True)
    except msgspec.ValidationError as e:
        m = _AT.match(str(e))
        path, reason = ("", str(e)) if m is None else (m["path"], m["reason"])
        raise _bad("$.receipt" + path, reason[:1].lower() + reason[1:]) from None
    try:
        date.fromisoformat(made.query.as_of)
    except ValueError:
        raise _bad("$.receipt.query.as_of", f"{made.query.as_of!r} is not a day") from None
    if made.query.size != made.size:
        raise _bad(
            "$.receipt.query.size",
            f"{made.query.size} is not the receipt's size {made.size}: the two must be equal",
        )
    return Given(body, made)
