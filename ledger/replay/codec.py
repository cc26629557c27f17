"""The replay index payload: a fact in msgpack, decoded into the whole fact or into its view.

One decoder per type, built once: a row's `type` column picks it, and the
payload's own tag must agree. `row_problem` is the one diagnosis of a row
that failed, against the whole fact types.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import msgspec

from ledger.errors import LedgerCorrupt
from ledger.facts import BY_TAG, AnyFact, Fact, FactRetracted
from ledger.replay.views import VIEWS, AnyView

Decoder = msgspec.msgpack.Decoder

_PACK = msgspec.msgpack.Encoder()
FACT_DECODERS: dict[str, Decoder[AnyFact]] = {
    tag: cast("Decoder[AnyFact]", Decoder(cls)) for tag, cls in BY_TAG.items()
}
# Views skip `sources` and `note` and check no pattern: about 5x faster per row than whole facts.
VIEW_DECODERS: dict[str, Decoder[AnyView]] = {
    tag: cast("Decoder[AnyView]", Decoder(cls)) for tag, cls in VIEWS.items()
}
MAX_DAY = date.max.toordinal()


def pack(fact: Fact) -> bytes:
    """The replay index's payload: the fact in msgpack (measured faster to decode than JSON)."""
    return _PACK.encode(fact)


def index_payload(fact: Fact) -> bytes | None:
    """The payload of the fact's replay index row, or None for a fact replay never folds (a
    retraction): the one rule for what the import and `ledger copy` write, and for what `verify`
    and `check` expect to find."""
    return None if isinstance(fact, FactRetracted) else _PACK.encode(fact)  # `pack`, one call less


def unpack(type_: str, payload: bytes) -> AnyFact:
    return FACT_DECODERS[type_].decode(payload)


def row_problem(seq: Any, fact_id: Any, type_: Any, effective: Any, payload: Any) -> str | None:
    """What is wrong with a replay index row, checked against the whole fact types, or None.
    Called only once something failed on the row: the loop checks per row only what it does
    anyway (the index is a copy the import wrote; `ledger verify` compares it with the entries)."""
    if type(seq) is not int:
        return f"its seq {seq!r} is not a number"
    decoder = FACT_DECODERS.get(type_) if isinstance(type_, str) else None
    knowledge = decoder is not None and BY_TAG[type_].KNOWLEDGE
    if type(effective) is not int or not (effective == 0 if knowledge else 0 < effective <= MAX_DAY):
        return f"its effective day {effective!r} is not a day"
    if decoder is None:
        return f"unknown type {type_!r}"
    if not isinstance(payload, bytes):
        return "its payload is not bytes"
    try:
        fact = decoder.decode(payload)
    except msgspec.MsgspecError as e:
        return f"its payload does not decode as a {type_}: {e}"
    if fact.id != fact_id:
        return f"its payload is fact {fact.id!r}, not {fact_id!r}"
    return None


def index_error(seq: Any, fact_id: Any, problem: str) -> LedgerCorrupt:
    return LedgerCorrupt(f"its copy in the replay index cannot be read: {problem}", seq, fact_id)
