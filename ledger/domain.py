"""The ledger's domain events, one aggregate per fact.

A fact is recorded as version 1 of its own aggregate (`FactRecorded`); a
retraction or supersession is recorded as version 2 of the *target's*
aggregate (`FactCorrected`). The store's primary key on (aggregate, version)
therefore makes appends idempotent and lets a fact be corrected only once,
even between two writers.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

import msgspec

from ledger.facts import AnyFact, FactRetracted
from ledger.validation import Checked

_NAMESPACE = uuid.UUID("6f1d9a53-3c2b-4f5e-9a61-2b7c0e8d4a10")

Correction = Literal["retracted", "superseded"]


def aggregate_id(fact_id: str) -> uuid.UUID:
    """The aggregate that holds a fact: derived from its id, stable across databases."""
    return uuid.uuid5(_NAMESPACE, fact_id)


class FactRecorded(msgspec.Struct, frozen=True):
    """A fact entered the ledger (version 1 of its aggregate)."""

    originator_id: uuid.UUID
    originator_version: int
    fact: AnyFact
    stored: bytes
    effective: date


class FactCorrected(msgspec.Struct, frozen=True):
    """A fact was retracted or superseded (version 2 of its aggregate)."""

    originator_id: uuid.UUID
    originator_version: int
    target: str
    by: str
    how: Correction


def record(checked: Checked, stored: bytes) -> FactRecorded:
    fact = checked.fact
    return FactRecorded(aggregate_id(fact.fact_id), 1, fact, stored, checked.occurred.effective)


def correction_of(fact: AnyFact) -> FactCorrected | None:
    """The correction a fact makes, if it retracts or supersedes another."""
    if isinstance(fact, FactRetracted):
        return FactCorrected(aggregate_id(fact.target), 2, fact.target, fact.fact_id, "retracted")
    if fact.supersedes is not None:
        return FactCorrected(aggregate_id(fact.supersedes), 2, fact.supersedes, fact.fact_id, "superseded")
    return None
