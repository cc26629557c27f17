"""The ledger's domain events, one aggregate per fact.

A fact is recorded as version 1 of its own aggregate (`FactRecorded`); a
retraction or supersession is recorded as version 2 of the *target's*
aggregate (`FactCorrected`). The store's primary key on (aggregate, version)
therefore makes appends idempotent and lets a fact be corrected only once,
even between two writers.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from typing import Literal

import msgspec

from ledger.facts import AnyFact

_NAMESPACE = uuid.UUID("6f1d9a53-3c2b-4f5e-9a61-2b7c0e8d4a10")
_NAMESPACE_BYTES = _NAMESPACE.bytes

Correction = Literal["retracted", "superseded"]


def aggregate_id(fact_id: str) -> str:
    """The aggregate that holds a fact, as 32 hex digits: the UUID5 of its id in our namespace
    (`uuid.uuid5(namespace, fact_id).hex`, computed without building a UUID object)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + fact_id.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return digest.hex()


class FactRecorded(msgspec.Struct, frozen=True):
    """A fact entered the ledger (version 1 of its aggregate)."""

    originator_id: str
    originator_version: int
    fact: AnyFact
    stored: bytes
    effective: date


class FactCorrected(msgspec.Struct, frozen=True):
    """A fact was retracted or superseded (version 2 of its aggregate)."""

    originator_id: str
    originator_version: int
    target: str
    by: str
    how: Correction


def corrected(target: str, by: str, how: Correction) -> FactCorrected:
    """Fact `target` was retracted or superseded by fact `by`: version 2 of the target's aggregate."""
    return FactCorrected(aggregate_id(target), 2, target, by, how)
