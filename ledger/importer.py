"""Planning an import: which lines are new, which are already there, and what each corrects.

Everything is checked before anything is written, so an import is all or
nothing: the first mistake raises `FactError` and the store is not touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import msgspec

from ledger.domain import FactCorrected, aggregate_id, correction_of
from ledger.errors import FactError
from ledger.facts import Fact, FactRetracted
from ledger.identity import stored_form
from ledger.mapper import FACT_TOPIC_PREFIX, decode_entry
from ledger.replay_core import pack
from ledger.sqlite_recorder import NewEntry
from ledger.sqlite_store import SQLiteStore
from ledger.validation import Checked, parse_line, read_lines


class Located(msgspec.Struct, frozen=True):
    """A checked fact and where it came from."""

    checked: Checked
    source: str
    line: int


class Plan(msgspec.Struct):
    entries: list[NewEntry]
    corrections: list[FactCorrected]
    unchanged: int
    earliest: int | None  # the earliest effective day the new facts change (snapshots after it go)


def parse_inputs(
    inputs: Iterable[tuple[str, bytes]], progress: Callable[[int], None] | None = None
) -> list[Located]:
    """Decode and check every line of every input; the first bad line raises."""
    located = []
    for source, data in inputs:
        for number, raw in read_lines(data):
            located.append(Located(parse_line(raw, source, number), source, number))
            if progress is not None:
                progress(len(raw) + 1)
    return located


def plan(store: SQLiteStore, items: Sequence[Located]) -> Plan:
    ids = [i.checked.fact.fact_id for i in items]
    targets = [t for i in items if (t := _target(i.checked.fact)) is not None]
    rows = store.find(ids + targets)
    stored = {fid: decode_entry(row.topic, row.state).fact for fid, row in rows.items()}
    days = {fid: row.effective for fid, row in rows.items()}
    already = {fid: (c.how, c.by) for fid, c in store.corrections(targets).items()}
    new: dict[str, Fact] = {}
    result = Plan([], [], 0, None)
    for item in items:
        fact = item.checked.fact
        fid = fact.fact_id
        prior = stored.get(fid) or new.get(fid)
        if prior is not None:
            if stored_form(prior) != item.checked.stored:  # same id: same bytes, or other content
                raise FactError(item.source, item.line, "$.id", f"fact {fid!r} exists with other content")
            result.unchanged += 1
            continue
        day = item.checked.occurred.effective.toordinal()
        touched = [] if isinstance(fact, FactRetracted) else [day]
        correction = correction_of(fact)
        if correction is not None:
            target = correction.target
            _check_target(item, correction, stored.get(target) or new.get(target), already)
            already[target] = (correction.how, fid)
            result.corrections.append(correction)
            touched.append(days[target])
        new[fid], days[fid] = fact, day
        packed = None if isinstance(fact, FactRetracted) else pack(fact)
        type_, data = fact.TYPE, item.checked.stored
        result.entries.append(
            NewEntry(
                aggregate_id(fid),
                FACT_TOPIC_PREFIX + type_,
                data,
                fid,
                type_,
                day,
                fact.RANK,
                _target(fact),
                packed,
            )
        )
        if result.earliest is not None:
            touched.append(result.earliest)
        result.earliest = min(touched, default=None)
    return result


def _target(fact: Fact) -> str | None:
    return fact.target if isinstance(fact, FactRetracted) else fact.supersedes


def _check_target(
    item: Located, correction: FactCorrected, target: Fact | None, already: Mapping[str, tuple[str, str]]
) -> None:
    path = "$.target" if correction.how == "retracted" else "$.supersedes"
    name = correction.target

    def fail(message: str) -> FactError:
        return FactError(item.source, item.line, path, message)

    if target is None:
        raise fail(f"no fact {name!r} is recorded before this one")
    if isinstance(target, FactRetracted):
        raise fail(f"{name!r} is a FactRetracted, which cannot be retracted or superseded")
    if name in already:
        how, by = already[name]
        raise fail(f"{name!r} was already {how} by {by!r}; a fact is corrected once")
