"""The Merkle tree as stored: every complete subtree's hash, keyed by (level, index).

Node (level, idx) is MTH of leaves [idx * 2**level, (idx + 1) * 2**level).
Appending a leaf stores it at level 0 and every subtree it completes, so a
root at any size, or any node a proof needs, costs O(log n) reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ledger.merkle import EMPTY_ROOT, Subtree, node_hash, split

GetNode = Callable[[int, int], bytes]

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
    """(level, idx, hash) of every node that leaves appended at `start`, `start + 1`, ... complete.
    `edge` keeps the tree's right edge between calls, so appending in parts reads nothing back."""
    edge = {} if edge is None else edge
    for offset, h in enumerate(leaves):
        level, idx = 0, start + offset
        yield level, idx, h
        while idx & 1:
            made = edge.get(level)
            left = made[1] if made is not None and made[0] == idx - 1 else get(level, idx - 1)
            h = node_hash(left, h)
            level, idx = level + 1, idx >> 1
            yield level, idx, h
        edge[level] = (idx, h)


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
