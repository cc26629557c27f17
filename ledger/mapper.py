"""Our msgspec mapper for eventsourcing: domain events to stored rows and back.

Topics are our own explicit tags (`fact:ForcesDeployed`, `correction`), never
module paths: rows read from disk are decoded through this closed registry and
nothing a database says is ever imported.
"""

from __future__ import annotations

from typing import Any

import msgspec
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from ledger.dates import parse_date
from ledger.domain import Correction, FactCorrected, FactRecorded, aggregate_id
from ledger.errors import LedgerCorrupt
from ledger.facts import TYPE_NAMES, AnyFact

FACT_TOPIC_PREFIX = "fact:"
CORRECTION_TOPIC = "correction"
FACT_TOPICS = frozenset(FACT_TOPIC_PREFIX + name for name in TYPE_NAMES)


class CorrectionState(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    target: str
    by: str
    how: Correction


_CORRECTION_DECODER = msgspec.json.Decoder(CorrectionState)
_ENCODER = msgspec.json.Encoder()


class StoredEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What is stored for a ledger entry (its Merkle leaf bytes): the fact and when it was recorded."""

    fact: AnyFact
    recorded_at: str


_ENTRY_DECODER = msgspec.json.Decoder(StoredEntry)


def entry_bytes(fact_bytes: bytes, recorded_at: str) -> bytes:
    """RFC 8785 JSON of {"fact": ..., "recorded_at": ...}, given the fact's own RFC 8785 bytes."""
    return b"".join((b'{"fact":', fact_bytes, b',"recorded_at":"', recorded_at.encode("ascii"), b'"}'))


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


def decode_correction(state: bytes) -> CorrectionState:
    if not isinstance(state, bytes):
        raise LedgerCorrupt("stored correction is not bytes")
    try:
        return _CORRECTION_DECODER.decode(state)
    except msgspec.MsgspecError as e:
        raise LedgerCorrupt(f"stored correction does not decode: {e}") from None


class MsgspecMapper(Mapper[Any]):
    """Maps our two domain events; the stock JSON transcoder is never used."""

    def __init__(self) -> None:
        super().__init__(transcoder=JSONTranscoder())

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        """A fact's state is its RFC 8785 bytes; the recorder wraps them with the recording time."""
        if isinstance(domain_event, FactRecorded):
            return StoredEvent(
                originator_id=domain_event.originator_id,
                originator_version=1,
                topic=FACT_TOPIC_PREFIX + domain_event.fact.type,
                state=domain_event.stored,
            )
        if isinstance(domain_event, FactCorrected):
            state = CorrectionState(domain_event.target, domain_event.by, domain_event.how)
            return StoredEvent(
                originator_id=domain_event.originator_id,
                originator_version=2,
                topic=CORRECTION_TOPIC,
                state=_ENCODER.encode(state),
            )
        raise TypeError(f"not a ledger event: {type(domain_event).__name__}")

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        if stored_event.topic == CORRECTION_TOPIC:
            c = decode_correction(stored_event.state)
            return FactCorrected(aggregate_id(c.target), 2, c.target, c.by, c.how)
        fact = decode_entry(stored_event.topic, stored_event.state).fact
        effective = parse_date(fact.occurred).effective
        return FactRecorded(
            aggregate_id(fact.fact_id),
            1,
            fact,
            stored_event.state,
            effective,
        )
