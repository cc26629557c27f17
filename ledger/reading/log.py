"""Plans for the verifiable log (contract section 8): roots, proofs, and the nodes they need,
fetched in one batch per kind (stored nodes, leaves) whatever the ledger's size."""

from __future__ import annotations

from collections.abc import Iterable

from ledger import merkle
from ledger.errors import LedgerCorrupt
from ledger.log import tree
from ledger.log.compact import CompactRange
from ledger.log.tree import NodeId
from ledger.reading.plans import Plan, Query
from ledger.storage import sql
from ledger.storage.checks import hash_value

# Statements hold at most this many (level, idx) pairs or leaf ranges; a proof needs about
# 2 log2(n) nodes, so one statement each in practice.
_PER_STATEMENT = 200


def missing_node(level: int, idx: int) -> LedgerCorrupt:
    return LedgerCorrupt(f"the Merkle tree has no node at level {level}, index {idx}", idx << level)


def nodes(ids: Iterable[NodeId]) -> Plan[dict[NodeId, bytes]]:
    """The hashes of the given complete subtrees: the stored ones read by their keys, the smaller
    ones hashed from their leaves (`ledger.log.tree`)."""
    stored, ranges = tree.split_ids(ids)
    found: dict[NodeId, bytes] = {}
    for i in range(0, len(stored), _PER_STATEMENT):
        part = stored[i : i + _PER_STATEMENT]
        params = tuple(v for node in part for v in node)
        for level, idx, h in (yield Query(sql.nodes(len(part)), params)):
            if (level, idx) in found:
                continue
            found[(level, idx)] = hash_value(
                h, f"the Merkle tree's node at level {level}, index {idx}", idx << level
            )
    for level, idx in stored:
        if (level, idx) not in found:
            raise missing_node(level, idx)
    leaves: dict[int, bytes] = {}
    for i in range(0, len(ranges), _PER_STATEMENT):
        part = ranges[i : i + _PER_STATEMENT]
        params = tuple(v for r in part for v in r)
        for seq, leaf in (yield Query(sql.leaf_ranges(len(part)), params)):
            leaves[seq] = hash_value(leaf, "its Merkle leaf", seq)
    for start, end in ranges:
        hashes = [leaves.get(seq) for seq in range(start, end)]
        if any(h is None for h in hashes):
            raise LedgerCorrupt(f"the Merkle leaves of entries {start}-{end - 1} are not all there", start)
        level = (end - start).bit_length() - 1
        found[(level, start >> level)] = merkle.root_of([h for h in hashes if h is not None])
    return found


def compact_range(size: int) -> Plan[CompactRange]:
    """The compact range of the first `size` leaves, from their stored perfect subtrees."""
    ids = tree.root_ids(size)
    found = yield from nodes(ids)
    return CompactRange(size, [found[i] for i in ids])


def root(size: int) -> Plan[bytes]:
    """The Merkle root of the first `size` entries."""
    return (yield from compact_range(size)).root()


def inclusion(seq: int, size: int) -> Plan[tuple[bytes, bytes, list[bytes]]]:
    """(leaf hash, root, RFC 6962 audit path) of entry `seq` in the tree of `size` entries."""
    ranges = tree.ranges_asked(lambda sub: merkle.inclusion_proof(seq, size, sub))
    ids = [(0, seq), *tree.root_ids(size), *(i for r in ranges for i in tree.perfect(*r))]
    found = yield from nodes(ids)
    path = merkle.inclusion_proof(seq, size, lambda start, end: tree.subtree(start, end, found))
    return found[(0, seq)], tree.subtree(0, size, found), path


def consistency(old: int, new: int) -> Plan[tuple[bytes, bytes, list[bytes]]]:
    """(old root, new root, RFC 6962 consistency proof) from the first `old` to the first `new`."""
    ranges = tree.ranges_asked(lambda sub: merkle.consistency_proof(old, new, sub))
    ids = [*tree.root_ids(old), *tree.root_ids(new), *(i for r in ranges for i in tree.perfect(*r))]
    found = yield from nodes(ids)
    path = merkle.consistency_proof(old, new, lambda start, end: tree.subtree(start, end, found))
    return tree.subtree(0, old, found), tree.subtree(0, new, found), path
