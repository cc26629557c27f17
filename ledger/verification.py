"""The verifiable log (contract section 8): roots, proofs, checkpoints, and `verify`, which re-reads
everything from disk and recomputes every leaf, every stored node and every recorded checkpoint.

Roots and proofs are the plans of `ledger.reading.log` (a few O(log n) lookups); `verify` runs on
a synchronous store inside one snapshot of the ledger (`Store.consistent`), so that another
writer's import committed meanwhile is never reported as an alteration.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import msgspec

from ledger import merkle
from ledger.checkpoint import Checkpoint, check_public_key, check_signature, sign
from ledger.dates import format_recorded, parse_date
from ledger.errors import CheckpointError, FactNotFound, LedgerCorrupt, UsageError
from ledger.facts import AnyFact, FactRetracted, replay_day
from ledger.log import tree
from ledger.log.compact import CompactRange
from ledger.reading import entries, log
from ledger.reading.plans import Fetch, Plan, Query, run, stream
from ledger.reading.replay import fold_into
from ledger.replay.codec import index_payload
from ledger.storage import sql
from ledger.storage.checks import Row, snapshot_row, stored_entry
from ledger.storage.events import CORRECTION_TOPIC, aggregate_id, decode_correction
from ledger.storage.location import Store
from projections.fold import Projection


class InclusionProof(msgspec.Struct, frozen=True):
    seq: int
    size: int
    leaf_hash: str
    root: str
    proof: list[str]


class ConsistencyProof(msgspec.Struct, frozen=True):
    old_size: int
    new_size: int
    old_root: str
    new_root: str
    proof: list[str]


class VerifyReport(msgspec.Struct, frozen=True):
    ok: bool
    size: int
    root: str | None
    first_bad_seq: int | None
    message: str
    first_bad_id: str | None = None
    checkpoints: int = 0


def inclusion_plan(ref: str | int, size: int | None) -> Plan[InclusionProof]:
    """An inclusion proof of one entry (by id or seq) in the tree of `size` entries (default: all)."""
    seq = yield from entries.ref_seq(ref)
    have = yield from entries.size()
    size = have if size is None else size
    if not 0 < size <= have:
        raise UsageError(f"the ledger has {have} entries", param="size", value=size)
    if not 0 <= seq < size:
        raise FactNotFound(f"entry {seq} is not in the first {size} entries")
    leaf, root, path = yield from log.inclusion(seq, size)
    return InclusionProof(seq, size, leaf.hex(), root.hex(), [p.hex() for p in path])


def consistency_plan(old: int, new: int | None) -> Plan[ConsistencyProof]:
    """A proof that the first `new` entries (default: all) extend the first `old`, unchanged."""
    have = yield from entries.size()
    new = have if new is None else new
    if new > have:
        raise UsageError(f"the ledger has {have} entries", param="new", value=new)
    if not 0 < old <= new:
        raise UsageError(f"a consistency proof needs 0 < old <= new ({new})", param="old", value=old)
    old_root, new_root, path = yield from log.consistency(old, new)
    return ConsistencyProof(old, new, old_root.hex(), new_root.hex(), [p.hex() for p in path])


def checkpoint_plan(where: str, private_key: str | None = None) -> Plan[Checkpoint]:
    """The checkpoint for the ledger's current size (recorded by the import that reached it)."""
    size = yield from entries.size()
    recorded = yield from entries.checkpoints(where, size)
    if recorded:
        _, root, stamp = recorded[0]
    else:
        root, stamp = (yield from log.root(size)), format_recorded(datetime.now(UTC))
    cp = Checkpoint((yield from entries.origin(where)), size, root.hex(), stamp)
    if private_key is not None:
        try:
            cp = sign(cp, private_key)
        except CheckpointError as e:
            raise UsageError(str(e), param="private_key") from None
    return cp


class _Bad(Exception):
    def __init__(self, seq: int | None, fact_id: str | None, message: str) -> None:
        self.seq, self.fact_id, self.message = seq, fact_id, message


def _check_row(row: Row, expected_seq: int, last_recorded: str) -> AnyFact:
    """The entry's fact, once its bytes, index row and leaf agree; _Bad naming it otherwise."""

    def bad(message: str) -> _Bad:
        return _Bad(row.seq, row.fact_id, message)

    if row.seq != expected_seq:
        raise _Bad(expected_seq, None, f"expected entry {expected_seq} here (an entry is missing)")
    try:
        fact = stored_entry(row, leaf=True).fact
    except LedgerCorrupt as e:
        raise bad(e.message) from None
    try:
        if parse_date(fact.occurred).effective.toordinal() != row.effective:
            raise bad("the stored effective day disagrees with the fact's date")
    except ValueError as e:
        raise bad(f"bad stored date: {e}") from None
    if row.recorded_at < last_recorded:
        raise bad("recording time goes backwards")
    corrects = fact.target if isinstance(fact, FactRetracted) else fact.supersedes
    if row.target != corrects:
        raise bad("its index row names another corrected fact than the fact itself")
    return fact


def _target_of(fact: AnyFact) -> tuple[str, str] | None:
    """(target, "retracted" or "superseded") when the fact corrects another."""
    if isinstance(fact, FactRetracted):
        return fact.target, "retracted"
    if fact.supersedes is not None:
        return fact.supersedes, "superseded"
    return None


class _IndexRows:
    """The replay index row each entry must have, by seq: the SHA-256 of the row's values (32 bytes
    an entry; zero: no row, a retraction). Compared row by row, so that a row can only match the
    entry whose seq it names (an order-free sum of row hashes could be met by other rows)."""

    def __init__(self) -> None:
        self.hashes = bytearray()

    def add(self, seq: int, row: tuple[Any, ...] | None) -> None:
        end = 32 * (seq + 1)
        if len(self.hashes) < end:
            self.hashes.extend(bytes(end - len(self.hashes)))
        if row is not None:
            self.hashes[end - 32 : end] = _row_hash(row)

    def expected(self, seq: int) -> bytes | None:
        found = bytes(self.hashes[32 * seq : 32 * seq + 32])
        return None if found == _NONE else found

    @property
    def size(self) -> int:
        return len(self.hashes) // 32


def _row_hash(row: tuple[Any, ...]) -> bytes:
    return hashlib.sha256(_ROW.encode(row)).digest()


_NONE = bytes(32)
_ROW = msgspec.msgpack.Encoder()


def _pages(fetch: Fetch, statement: str, key: tuple[Any, ...], width: int) -> Iterator[Any]:
    """Every row of a paged statement (`statement` takes the key after which a page starts, then a
    limit); the key of the next page is the first `width` columns of the last row."""
    while True:
        rows = fetch(Query(statement, (*key, sql.PAGE)))
        yield from rows
        if len(rows) < sql.PAGE:
            return
        key = tuple(rows[-1][:width])


def _index_rows(fetch: Fetch) -> Iterator[tuple[Any, ...]]:
    start = (-1, -1, -1)
    return _pages(fetch, sql.INDEX_ROWS, start, 3)


def _index_problem(fetch: Fetch, expected: _IndexRows) -> _Bad | None:
    """The replay index (what replay reads) must hold exactly the entries' facts: each row the one
    its seq's entry makes, each entry's row once."""
    n = expected.size
    seen = bytearray(n)
    for row in _index_rows(fetch):
        values = tuple(bytes(v) if isinstance(v, bytes | memoryview) else v for v in row)
        seq, fact_id = values[2], values[3]
        if type(seq) is not int or not 0 <= seq < n:
            return _Bad(None, None, "the replay index holds a row that no entry makes")
        named = fact_id if isinstance(fact_id, str) else None
        if seen[seq]:
            return _Bad(seq, named, "the replay index holds this entry twice: its copy was altered")
        want = expected.expected(seq)
        if want is None:
            return _Bad(seq, None, "the replay index holds a row that no entry makes")
        try:
            same = _row_hash(values) == want
        except (TypeError, ValueError):
            same = False
        if not same:
            return _Bad(seq, None, "its copy in the replay index was altered")
        seen[seq] = 1
    for seq in range(n):
        if not seen[seq] and expected.expected(seq) is not None:
            return _Bad(seq, None, "its copy in the replay index was altered (it is missing)")
    return None


def _snapshots_problem(fetch: Fetch, where: str, size: int) -> _Bad | None:
    """Every projection snapshot a replay would resume from must equal a fresh fold's state."""
    projection, since = Projection(), 0
    hidden = run(entries.corrected(size), fetch)
    for day, state in (snapshot_row(where, d, s) for d, s in fetch(Query(sql.SNAPSHOTS, (size,)))):
        run(fold_into(projection, since, day, size, hidden), fetch)
        fresh = projection.snapshot()
        # A snapshot of the first format holds the same state, its claims not settled yet.
        if fresh != state and Projection.upgraded(state) != fresh:
            when = date.fromordinal(day).isoformat()
            return _Bad(None, None, f"the projection snapshot of {when} was altered")
        since = day
    return None


def _corrections_problem(fetch: Fetch, expected: dict[str, tuple[str, str, int]]) -> _Bad | None:
    """The correction rows (what `show` reports) must be exactly those the entries make."""
    by_aggregate = {aggregate_id(target): target for target in expected}
    seen: set[str] = set()
    for oid, topic, state in fetch(Query(sql.CORRECTIONS)):
        target = by_aggregate.get(oid)
        if target is None:
            return _Bad(None, None, f"a stored correction that no entry makes (stored type {topic!r})")
        how, by, seq = expected[target]
        if topic != CORRECTION_TOPIC:
            return _Bad(seq, by, f"its stored correction record has an unknown stored type {topic!r}")
        try:
            c = decode_correction(state)
        except LedgerCorrupt:
            return _Bad(seq, by, "its stored correction record does not decode")
        if (c.target, c.by, c.how) != (target, by, how):
            return _Bad(seq, by, "its stored correction record disagrees with it")
        seen.add(target)
    missing = sorted((seq, by) for target, (_, by, seq) in expected.items() if target not in seen)
    if missing:
        return _Bad(missing[0][0], missing[0][1], "its stored correction record is missing")
    return None


def _level(fetch: Fetch, level: int) -> Iterator[tuple[int, bytes]]:
    """(idx, hash) of every stored node of one level, in order."""
    start = -1
    while True:
        rows = fetch(Query(sql.NODES_OF_LEVEL, (level, start + 1, sql.PAGE)))
        yield from rows
        if len(rows) < sql.PAGE:
            return
        start = rows[-1][0]


def _nodes_problem(fetch: Fetch, size: int, lowest: list[bytes]) -> _Bad | None:
    """Every stored node must be the hash of its two children, and none missing: at the lowest
    stored level, `lowest`, hashed here from the leaves; above it, the stored nodes below."""
    level = tree.LOWEST_STORED
    below: Iterator[tuple[int, bytes]] = enumerate(lowest)
    while size >> level:
        count = 0
        for idx, h in _level(fetch, level):
            if idx != count or idx >= size >> level:
                return _Bad(count << level, None, f"the Merkle tree's nodes at level {level} are wrong")
            if level == tree.LOWEST_STORED:
                expected = lowest[idx]
            else:
                left, right = next(below, None), next(below, None)
                if left is None or right is None or (left[0], right[0]) != (2 * idx, 2 * idx + 1):
                    return _Bad(idx << level, None, f"the Merkle tree is missing nodes at level {level - 1}")
                expected = merkle.node_hash(bytes(left[1]), bytes(right[1]))
            if h != expected:  # also when it is not bytes at all: SQLite keeps what it is given
                first, last = idx << level, ((idx + 1) << level) - 1
                return _Bad(first, None, f"the Merkle node over entries {first}-{last} was altered")
            count += 1
        if count != size >> level:
            first = count << level
            return _Bad(first, None, f"the Merkle node over entries from {first} is missing")
        below = _level(fetch, level)
        level += 1
    return None


# How `verify` says that it proved consistency with a checkpoint whose signature it did not check.
SIGNATURE_NOT_CHECKED = "its signature was not checked"
NOT_SIGNED = "it is not signed"


def verify(store: Store, against: Checkpoint | None = None, public_key: str | None = None) -> VerifyReport:
    """Re-read everything from disk; the first problem found is reported, naming its entry.

    A `public_key` that is not one (a private key, say) raises CheckpointError before anything
    is read: it is the caller's mistake, not the checkpoint's."""
    if public_key is not None:
        check_public_key(public_key)
    with store.consistent():  # another writer's import, committed meanwhile, is not an alteration
        fetch = store.fetch
        size = run(entries.size(), fetch)
        recorded: list[tuple[int, bytes, str]] = []
        try:
            recorded = run(entries.checkpoints(store.where), fetch)
            return _verify(store, size, recorded, against, public_key)
        except LedgerCorrupt as e:  # a stored value verify needs cannot be read at all
            message = str(LedgerCorrupt(e.message, e.seq, e.fact_id))  # naming the entry, not the file
            return VerifyReport(False, size, None, e.seq, message, e.fact_id, len(recorded))


def _verify(
    store: Store,
    size: int,
    recorded: list[tuple[int, bytes, str]],
    against: Checkpoint | None,
    public_key: str | None,
) -> VerifyReport:
    fetch = store.fetch
    tree_so_far, last, pending = CompactRange(), "", list(recorded)
    corrections: dict[str, tuple[str, str, int]] = {}  # target -> (how, by, seq of the correcting entry)
    index = _IndexRows()  # what the replay index must hold, by seq
    lowest: list[bytes] = []  # the hashes of the subtrees at the lowest stored level, from the leaves

    def keep(level: int, idx: int, h: bytes) -> None:
        if level == tree.LOWEST_STORED:
            lowest.append(h)

    try:
        for row in stream(entries.rows(), fetch):
            fact = _check_row(row, tree_so_far.size, last)
            target = _target_of(fact)
            payload = index_payload(fact)
            day = replay_day(fact.TYPE, row.effective)
            index.add(
                row.seq,
                None if payload is None else (day, fact.RANK, row.seq, row.fact_id, row.type, payload),
            )
            if target is not None:
                corrections[target[0]] = (target[1], row.fact_id, row.seq)
            assert row.leaf is not None
            tree_so_far.append(row.leaf, keep)
            last = row.recorded_at
            while pending and pending[0][0] <= tree_so_far.size:
                n, root, _ = pending.pop(0)
                if n != tree_so_far.size or root != tree_so_far.root():
                    raise _Bad(n - 1, None, f"the checkpoint at size {n} does not match the entries")
        total = tree_so_far.size
        if pending:
            raise _Bad(total, None, f"a checkpoint at size {pending[0][0]}, but only {total} entries")
        stray = int(fetch(Query(sql.FACT_EVENTS))[0][0]) - total
        if stray:  # every entry's stored event was read above: these are rows no entry makes
            raise _Bad(None, None, f"stored_events holds {stray} row(s) that no entry or correction makes")
        stray_node = fetch(Query(sql.STRAY_NODE, (tree.LOWEST_STORED, total)))
        if stray_node:
            level, idx = stray_node[0]
            raise _Bad(
                None, None, f"merkle_nodes holds a node (level {level}, index {idx}) beyond the ledger"
            )
        bad = (
            _nodes_problem(fetch, total, lowest)
            or _corrections_problem(fetch, corrections)
            or _index_problem(fetch, index)
            or _snapshots_problem(fetch, store.where, total)
        )
        if bad is not None:
            raise bad
        damage = store.damage()  # pages nothing above reads, such as an index's
        if damage is not None:
            raise _Bad(None, None, f"the database file is damaged: {damage}")
        root = tree_so_far.root()
        count = f"{total} {'entry' if total == 1 else 'entries'}"
        checkpoints = f"{len(recorded)} checkpoint{'' if len(recorded) == 1 else 's'}"
        message = f"{count} and {checkpoints} verified; root {root.hex()}"
        if against is not None:
            message += "; " + _against(store, against, public_key, total, root)
    except _Bad as bad:
        fact_id = bad.fact_id
        if fact_id is None and bad.seq is not None:
            found = fetch(Query(sql.ENTRIES, (bad.seq, bad.seq + 1, 1)))
            fact_id = found[0][1] if found else None
        where = (
            f"entry {bad.seq}" + (f" ({fact_id})" if fact_id else "") + ": " if bad.seq is not None else ""
        )
        return VerifyReport(False, size, None, bad.seq, where + bad.message, fact_id, len(recorded))
    return VerifyReport(True, size, root.hex(), None, message, None, len(recorded))


def _against(store: Store, cp: Checkpoint, public_key: str | None, size: int, root: bytes) -> str:
    if public_key is not None:
        try:
            check_signature(cp, public_key)
        except CheckpointError as e:
            raise _Bad(None, None, f"the given checkpoint: {e}") from None
    origin = run(entries.origin(store.where), store.fetch)
    if cp.origin != origin:
        raise _Bad(None, None, f"the given checkpoint is for {cp.origin!r}, not this ledger ({origin!r})")
    if cp.size > size:
        raise _Bad(
            None, None, f"the ledger has {size} entries, fewer than the checkpoint's {cp.size}: truncated"
        )
    claimed = bytes.fromhex(cp.root)
    if cp.size == 0:
        ok = claimed == merkle.EMPTY_ROOT
    else:
        _, _, proof = run(log.consistency(cp.size, size), store.fetch)
        ok = merkle.verify_consistency(cp.size, size, claimed, root, proof)
    if not ok:
        # The proof cannot say which of the first cp.size entries differ: name none.
        raise _Bad(None, None, f"the ledger is not consistent with the checkpoint at size {cp.size}")
    consistent = f"consistent with the checkpoint at size {cp.size}"
    if public_key is None:
        return f"{consistent}; {SIGNATURE_NOT_CHECKED if cp.signature else NOT_SIGNED}"
    return consistent
