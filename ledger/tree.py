"""The Merkle tree as stored: leaf hashes beside their entries, and the hash of every complete
subtree of 16 leaves or more, keyed by (level, index).

Node (level, idx) is MTH of leaves [idx * 2**level, (idx + 1) * 2**level).
Appending leaves stores every subtree of `LOWEST_STORED` or more levels they
complete; a smaller one is hashed again from its (at most 8) leaves when a
proof needs it. So a root at any size, or any node a proof needs, costs
O(log n) reads, and the tree adds one row per 16 entries instead of two per
entry (measured: a fifth of an import's time went to the lower levels).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ledger.errors import LedgerCorrupt
from ledger.merkle import EMPTY_ROOT, HASH_SIZE, Subtree, node_hash, root_of, split

GetNode = Callable[[int, int], bytes]
LeafHashes = Callable[[int, int], list[bytes]]  # the leaf hashes of entries start..end-1, in order
LOWEST_STORED = 4  # the lowest level of `merkle_nodes`: subtrees of 16 leaves


SCHEMA = (
    "CREATE TABLE IF NOT EXISTS merkle_nodes ("
    "level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, "
    "PRIMARY KEY (level, idx)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS checkpoints ("
    "size INTEGER PRIMARY KEY, root BLOB NOT NULL, timestamp TEXT NOT NULL)",
)


Edge = dict[int, tuple[int, bytes]]  # level -> (idx, hash) of the latest left child made there


def new_nodes(
    start: int, leaves: Iterable[bytes], get: GetNode, edge: Edge | None = None
) -> Iterator[tuple[int, int, bytes]]:
    """(level, idx, hash) of every node of `LOWEST_STORED` levels or more that leaves appended at
    `start`, `start + 1`, ... complete. `edge` keeps the tree's right edge between calls, so that
    appending in parts reads nothing back."""
    edge = {} if edge is None else edge
    for offset, h in enumerate(leaves):
        level, idx = 0, start + offset
        while idx & 1:
            made = edge.get(level)
            left = made[1] if made is not None and made[0] == idx - 1 else get(level, idx - 1)
            h = node_hash(left, h)
            level, idx = level + 1, idx >> 1
            if level >= LOWEST_STORED:
                yield level, idx, h
        edge[level] = (idx, h)


def hash_value(value: object, what: str, seq: int | None = None) -> bytes:
    """A stored SHA-256 hash, or LedgerCorrupt."""
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise LedgerCorrupt(f"{what} is not a hash: the ledger was altered", seq)
    return value


def missing_node(level: int, idx: int) -> LedgerCorrupt:
    return LedgerCorrupt(f"the Merkle tree has no node at level {level}, index {idx}", idx << level)


def leaf_range(found: list[bytes], start: int, end: int) -> list[bytes]:
    """The leaf hashes read for entries start..end-1, once all of them are there."""
    if len(found) != end - start:
        raise LedgerCorrupt(f"the Merkle leaves of entries {start}-{end - 1} are not all there", start)
    return found


def node_reader(stored: GetNode, leaves: LeafHashes) -> GetNode:
    """Any complete subtree's hash: stored from `LOWEST_STORED` up, hashed from its leaves below."""

    def get(level: int, idx: int) -> bytes:
        if level >= LOWEST_STORED:
            return stored(level, idx)
        return root_of(leaves(idx << level, (idx + 1) << level))

    return get


def subtree_reader(get: GetNode) -> Subtree:
    """MTH(D[start:end]) from stored complete subtrees: O(log n) reads."""

    def subtree(start: int, end: int) -> bytes:
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            level = n.bit_length() - 1
            return get(level, start >> level)
        k = split(n)
        return node_hash(subtree(start, start + k), subtree(start + k, end))

    return subtree


def root_at(size: int, get: GetNode) -> bytes:
    return EMPTY_ROOT if size == 0 else subtree_reader(get)(0, size)


def root_nodes(size: int) -> list[tuple[int, int]]:
    """The stored (level, idx) nodes a root at `size` is made of: one per bit of `size`."""
    nodes, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


def fold_root(hashes: list[bytes]) -> bytes:
    """The root from the hashes of `root_nodes(size)`, in that order."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


class Frontier:
    """The right edge of a tree being rebuilt leaf by leaf: O(log n) memory, any prefix's root."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash), levels strictly decreasing

    def push(self, leaf: bytes) -> None:
        level, h = 0, leaf
        while self._stack and self._stack[-1][0] == level:
            _, left = self._stack.pop()
            h = node_hash(left, h)
            level += 1
        self._stack.append((level, h))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        h = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            h = node_hash(left, h)
        return h
