"""Plans for what the ledger knew: its size, the knowledge horizon, the corrections among the
entries considered, and the entries themselves, each checked as it is read."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.entries import CorrectionView, Entry, FactView, LogLine
from ledger.errors import FactNotFound, LedgerCorrupt
from ledger.reading.args import knowledge
from ledger.reading.plans import Plan, Query, Stream, transform
from ledger.storage import sql
from ledger.storage.checks import Row, checkpoint_row, origin_value, stored_entry
from ledger.storage.events import CORRECTION_TOPIC, CorrectionState, aggregate_id, decode_correction


def size() -> Plan[int]:
    """The number of entries (they are numbered 0..n-1 without gaps: `verify` checks it)."""
    rows = yield Query(sql.SIZE)
    return int(rows[0][0])


def horizon(size_: int | None, known_at: str | None) -> Plan[int]:
    """How many entries the knowledge arguments keep (contract section 4); `known_at` is a
    moment in the stored form (`reading.args.known_at_text`)."""
    have = yield from size()
    recorded = None
    if known_at is not None:
        rows = yield Query(sql.KNOWN_AT, (known_at,))
        recorded = int(rows[0][0])
    return knowledge(have, size_, recorded)


def corrected(n: int) -> Plan[set[str]]:
    """Ids of the facts retracted or superseded by the first `n` entries."""
    rows = yield Query(sql.CORRECTED, (n,))
    return {t for (t,) in rows}


def rows(start: int = 0, stop: int = 1 << 62, page: int = sql.PAGE) -> Stream[Row]:
    """Entries' stored rows in recording order, seq from `start` to `stop` (excluded), a page at
    a time; unchecked (`entries` checks them)."""
    seq = start
    while seq < stop:
        found = yield Query(sql.ENTRIES, (seq, stop, page))
        for r in found:
            yield Row(*r)
        if len(found) < page:
            return
        seq = int(found[-1][0]) + 1


def entry(row: Row) -> Entry:
    """The entry, once its stored bytes decode and agree with its index row and Merkle leaf."""
    stored = stored_entry(row, leaf=True)
    return Entry(row.seq, stored.recorded_at, row.effective, stored.fact)


def entries(stop: int) -> Stream[tuple[Row, Entry]]:
    """Rows of seq 0, 1, 2, ... with their checked entries: a gap is an entry someone removed."""
    expected = 0

    def checked(row: Row) -> list[tuple[Row, Entry]]:
        nonlocal expected
        if row.seq != expected:
            raise LedgerCorrupt("the entry is missing: the ledger was altered", expected)
        expected += 1
        return [(row, entry(row))]

    return transform(rows(0, stop), checked)


def log_lines(stop: int) -> Stream[LogLine]:
    """One line per entry in recording order, with its Merkle leaf hash."""

    def line(item: tuple[Row, Entry]) -> list[LogLine]:
        row, e = item
        leaf = None if row.leaf is None else row.leaf.hex()
        return [LogLine(row.seq, row.fact_id, row.type, e.fact.occurred, row.recorded_at, leaf)]

    return transform(entries(stop), line)


def seq_of(fact_id: str) -> Plan[int | None]:
    found = yield Query(sql.SEQ_OF, (fact_id,))
    return int(found[0][0]) if found else None


def ref_seq(ref: str | int) -> Plan[int]:
    """An entry's seq from a seq (an int, or digits only) or a fact id; FactNotFound otherwise."""
    seq = ref if isinstance(ref, int) else (int(ref) if ref.isascii() and ref.isdigit() else None)
    if seq is None:
        seq = yield from seq_of(str(ref))
        if seq is None:
            raise FactNotFound(f"no fact with id {ref!r}")
    have = yield from size()
    if not 0 <= seq < have:
        raise FactNotFound(f"no entry {seq}: the ledger has {have} entries")
    return seq


def show(ref: str | int, where: str) -> Plan[FactView]:
    """One entry by id or seq, with what retracted or superseded it."""
    seq = yield from ref_seq(ref)
    found = yield Query(sql.ENTRIES, (seq, seq + 1, 1))
    if not found:
        raise LedgerCorrupt("the entry is missing: the ledger was altered", seq)
    e = entry(Row(*found[0]))
    fid = e.fact.fact_id
    c = (yield from corrections([fid], where)).get(fid)
    return FactView(
        e.seq,
        e.recorded_at,
        e.effective_day.isoformat(),
        e.fact,
        CorrectionView(c.how, c.by) if c else None,
    )


def find(fact_ids: Sequence[str]) -> Plan[dict[str, Row]]:
    """The stored entries among `fact_ids`, each checked against its index row and leaf (so that
    an altered entry fails naming itself)."""
    found: dict[str, Row] = {}
    for part in sql.chunks(fact_ids):
        for r in (yield Query(sql.in_list(sql.FIND, len(part)), tuple(part))):
            row = Row(*r)
            stored_entry(row, leaf=True)
            found[row.fact_id] = row
    return found


def corrections(fact_ids: Sequence[str], where: str) -> Plan[dict[str, CorrectionState]]:
    """Which of `fact_ids` have been retracted or superseded, and by what."""
    by_aggregate = {aggregate_id(f): f for f in fact_ids}
    found: dict[str, CorrectionState] = {}
    for part in sql.chunks(list(by_aggregate)):
        for oid, topic, state in (yield Query(sql.in_list(sql.CORRECTIONS_OF, len(part)), tuple(part))):
            target = by_aggregate[oid]
            try:
                if topic != CORRECTION_TOPIC:
                    raise LedgerCorrupt(f"its correction record has an unknown stored type {topic!r}")
                found[target] = decode_correction(state)
            except LedgerCorrupt as e:
                seq = yield from seq_of(target)
                raise LedgerCorrupt(e.message, seq, target, path=where) from None
    return found


def origin(where: str) -> Plan[str]:
    return origin_value(where, (yield Query(sql.ORIGIN)))


def checkpoints(where: str, size_: int | None = None) -> Plan[list[tuple[int, bytes, str]]]:
    """Recorded checkpoints (all, or the one for `size_`): (size, root, timestamp), by size."""
    query = Query(sql.CHECKPOINTS) if size_ is None else Query(sql.CHECKPOINT, (size_,))
    return [checkpoint_row(where, row) for row in (yield query)]
