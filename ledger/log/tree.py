"""Which stored nodes a root, a subtree or a proof needs.

The ledger stores each entry's leaf hash beside it and the hash of every complete subtree of
`LOWEST_STORED` levels or more (16 leaves) as node (level, idx): MTH of leaves
[idx * 2**level, (idx + 1) * 2**level). A smaller subtree is hashed again from its (at most 15)
leaves when it is needed. Any range of leaves the RFC's recursion asks for decomposes into such
perfect subtrees (`perfect`), so a root at any size, or any proof, needs O(log n) nodes, which a
store fetches in one batch (`ledger.reading.log`), as transparency-dev/merkle's `proof.Nodes`
plans the nodes a proof needs before they are read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from ledger.merkle import node_hash

LOWEST_STORED = 4  # the lowest level of `merkle_nodes`: subtrees of 16 leaves

NodeId = tuple[int, int]  # (level, idx)


def perfect(start: int, end: int) -> list[NodeId]:
    """The perfect subtrees that make up leaves [start, end), left to right, as RFC 6962's
    recursion splits them: `start` must be a multiple of the largest one (true of every range a
    root or a proof asks for)."""
    ids: list[NodeId] = []
    n = end - start
    for level in range(n.bit_length() - 1, -1, -1):
        if n >> level & 1:
            if start % (1 << level):
                raise ValueError(f"leaves {start}-{end - 1} are not a range of the tree")
            ids.append((level, start >> level))
            start += 1 << level
    return ids


def root_ids(size: int) -> list[NodeId]:
    """The nodes a root at `size` is made of: one per set bit of `size`, largest first."""
    return perfect(0, size)


def fold(hashes: Iterable[bytes]) -> bytes:
    """MTH of a range from its perfect subtrees' hashes, left to right (not empty)."""
    items = list(hashes)
    h = items[-1]
    for left in reversed(items[:-1]):
        h = node_hash(left, h)
    return h


def subtree(start: int, end: int, nodes: Mapping[NodeId, bytes]) -> bytes:
    """MTH(D[start:end]) from the hashes of its perfect subtrees."""
    return fold(nodes[i] for i in perfect(start, end))


def ranges_asked(generate: Callable[[Callable[[int, int], bytes]], object]) -> list[tuple[int, int]]:
    """The leaf ranges a proof generator of `ledger.merkle` asks for: which nodes a proof needs
    depends only on the sizes, never on the hashes, so a dry run tells."""
    asked: list[tuple[int, int]] = []

    def record(start: int, end: int) -> bytes:
        asked.append((start, end))
        return b"\x00" * 32

    generate(record)
    return asked


def split_ids(ids: Iterable[NodeId]) -> tuple[list[NodeId], list[tuple[int, int]]]:
    """The stored nodes among `ids`, and the leaf ranges the others are hashed from."""
    stored: list[NodeId] = []
    leaves: list[tuple[int, int]] = []
    for level, idx in sorted(set(ids)):
        if level >= LOWEST_STORED:
            stored.append((level, idx))
        else:
            leaves.append((idx << level, (idx + 1) << level))
    return stored, leaves
