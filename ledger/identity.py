"""Fact identity (contract section 1): the canonical form and derived ids.

The canonical form is the RFC 8785 (JCS) JSON of the fact without `id`, after
dropping every field whose value is null or equal to its default.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
import rfc8785

from ledger.facts import Fact


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_drop_nulls(v) for v in value]
    return value


def plain(fact: Fact) -> dict[str, Any]:
    """The fact as plain JSON values, nulls and defaults dropped, `id` kept if set."""
    result: dict[str, Any] = _drop_nulls(msgspec.to_builtins(fact))
    return result


def canonical_form(fact: Fact) -> bytes:
    """RFC 8785 bytes of the fact without its id: equal bytes mean identical facts."""
    body = plain(fact)
    body.pop("id", None)
    return rfc8785.dumps(body)


def derived_id(canonical: bytes) -> str:
    return "sha256:" + hashlib.sha256(canonical).hexdigest()[:32]


def stored_form(fact: Fact) -> bytes:
    """The bytes stored for a fact: RFC 8785 JSON of the whole fact, id included."""
    return rfc8785.dumps(plain(fact))
