"""What the ledger stores in eventsourcing's `stored_events` table, and how it reads it back.

One aggregate per fact: a fact is version 1 of its own aggregate, stored under the topic
`fact:<type>` with the entry's bytes (`entry_bytes`: the fact's RFC 8785 JSON wrapped with its
recording time, which are also its Merkle leaf bytes); a retraction or supersession is version 2
of the *target's* aggregate, under the topic `correction`. The table's primary key on
(aggregate, version) therefore makes appends idempotent and lets a fact be corrected only once,
even between two writers.

Topics are our own explicit tags, never module paths: rows read from disk are decoded through
this closed registry and nothing a database says is ever imported.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Literal

import msgspec

from ledger.errors import LedgerCorrupt
from ledger.facts import TYPE_NAMES, AnyFact

FACT_TOPIC_PREFIX = "fact:"
CORRECTION_TOPIC = "correction"
FACT_TOPICS_OF = {name: FACT_TOPIC_PREFIX + name for name in TYPE_NAMES}
FACT_TOPICS = frozenset(FACT_TOPICS_OF.values())
FACT_VERSION, CORRECTION_VERSION = 1, 2

Correction = Literal["retracted", "superseded"]
EventRow = tuple[str, int, str, bytes]  # (originator_id, originator_version, topic, state)

_NAMESPACE_BYTES = uuid.UUID("6f1d9a53-3c2b-4f5e-9a61-2b7c0e8d4a10").bytes


def aggregate_id(fact_id: str) -> str:
    """The aggregate that holds a fact, as 32 hex digits: the UUID5 of its id in our namespace
    (`uuid.uuid5(namespace, fact_id).hex`, computed without building a UUID object)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + fact_id.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return digest.hex()


class CorrectionState(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a correction row holds: fact `target` was retracted or superseded by fact `by`."""

    target: str
    by: str
    how: Correction


class StoredEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What is stored for a ledger entry (its Merkle leaf bytes): the fact and when it was recorded."""

    fact: AnyFact
    recorded_at: str


_CORRECTION_DECODER = msgspec.json.Decoder(CorrectionState)
_ENTRY_DECODER = msgspec.json.Decoder(StoredEntry)
_ENCODER = msgspec.json.Encoder()


def entry_bytes(fact_bytes: bytes, recorded_at: str) -> bytes:
    """RFC 8785 JSON of {"fact": ..., "recorded_at": ...}, given the fact's own RFC 8785 bytes."""
    return b"".join((b'{"fact":', fact_bytes, b',"recorded_at":"', recorded_at.encode("ascii"), b'"}'))


def fact_row(fact_id: str, type_: str, state: bytes) -> EventRow:
    """The stored event of a fact entering the ledger."""
    return (aggregate_id(fact_id), FACT_VERSION, FACT_TOPIC_PREFIX + type_, state)


def correction_row(target: str, by: str, how: Correction) -> EventRow:
    """The stored event of fact `target` being retracted or superseded by fact `by`."""
    state = _ENCODER.encode(CorrectionState(target, by, how))
    return (aggregate_id(target), CORRECTION_VERSION, CORRECTION_TOPIC, state)


def decode_entry(topic: str | None, state: bytes | None) -> StoredEntry:
    """Decode a stored entry; its topic must be one of ours and agree with the fact's type."""
    if topic is None or state is None:
        raise LedgerCorrupt("the stored event is missing")
    if not isinstance(topic, str) or topic not in FACT_TOPICS:
        raise LedgerCorrupt(f"unknown stored type {topic!r}")
    if not isinstance(state, bytes):
        raise LedgerCorrupt("its stored payload is not bytes: the entry was altered")
    try:
        entry = _ENTRY_DECODER.decode(state)
    except msgspec.MsgspecError as e:
        raise LedgerCorrupt(f"stored entry does not decode: {e}") from None
    if FACT_TOPIC_PREFIX + entry.fact.type != topic:
        raise LedgerCorrupt(f"stored type {topic!r} disagrees with the fact's type {entry.fact.type!r}")
    return entry


def decode_correction(state: object) -> CorrectionState:
    if not isinstance(state, bytes):
        raise LedgerCorrupt("stored correction is not bytes")
    try:
        return _CORRECTION_DECODER.decode(state)
    except msgspec.MsgspecError as e:
        raise LedgerCorrupt(f"stored correction does not decode: {e}") from None
