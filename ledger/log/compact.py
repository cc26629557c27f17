"""A compact range (as transparency-dev/merkle's `compact.Range`, from leaf 0): the hashes of the
perfect subtrees that make up the first `size` leaves, one per set bit of `size`, largest first.

It is the whole state a growing tree needs: appending a leaf merges equal subtrees into their
parent (each new node is reported to a visitor, which is how an import learns which nodes to
store), and its root is the RFC 6962 root of those leaves. The writer starts one from the stored
nodes of the ledger's tail; `verify` rebuilds one from every leaf.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from hashlib import sha256

from ledger.merkle import EMPTY_ROOT, node_hash

Visitor = Callable[[int, int, bytes], None]  # (level, idx, hash) of each node a leaf completes


class CompactRange:
    """The perfect subtrees of leaves [0, size): `O(log size)` hashes."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a range of {size} leaves has {size.bit_count()} subtrees, not {len(hashes)}")
        levels = [level for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]
        self.size = size
        self._stack: list[tuple[int, bytes]] = list(zip(levels, hashes, strict=True))

    @property
    def hashes(self) -> list[bytes]:
        """The subtrees' hashes, largest first (`ledger.log.tree.root_ids` names them)."""
        return [h for _, h in self._stack]

    def append(self, leaf: bytes, visit: Visitor | None = None) -> None:
        """Add the next leaf hash; `visit` gets every node it completes, lowest first."""
        index, level, h = self.size, 0, leaf
        stack = self._stack
        while stack and stack[-1][0] == level:
            h = node_hash(stack.pop()[1], h)
            level += 1
            if visit is not None:
                visit(level, index >> level, h)
        stack.append((level, h))
        self.size += 1

    def extend(self, leaves: Iterable[bytes], visit: Visitor | None = None) -> None:
        """`append` each of `leaves` in turn (the same nodes, visited in the same order)."""
        index = self.size
        stack = self._stack
        for leaf in leaves:
            level, h = 0, leaf
            while stack and stack[-1][0] == level:
                h = sha256(b"\x01" + stack.pop()[1] + h).digest()
                level += 1
                if visit is not None:
                    visit(level, index >> level, h)
            stack.append((level, h))
            index += 1
        self.size = index

    def root(self) -> bytes:
        """The RFC 6962 root of the leaves so far (the hash of nothing for none)."""
        stack = self._stack
        if not stack:
            return EMPTY_ROOT
        h = stack[-1][1]
        for _, left in reversed(stack[:-1]):
            h = node_hash(left, h)
        return h
