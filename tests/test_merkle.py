"""RFC 6962 trees and proofs: the RFC's seven-leaf example, transparency-dev's vectors, properties."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import merkle

VECTORS = Path(__file__).resolve().parent / "vectors" / "rfc6962"  # vendored: see its README
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]


def _hashes(n: int) -> list[bytes]:
    return [merkle.leaf_hash(bytes([i % 256, i // 256])) for i in range(n)]


def _subtree(leaves: list[bytes]) -> merkle.Subtree:
    return lambda start, end: merkle.root_of(leaves[start:end])


def _b64(values: list[str] | None) -> list[bytes]:
    return [base64.b64decode(v) for v in values or []]


def _cases(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json"))


def test_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert merkle.root_of([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_rfc6962_seven_leaf_example() -> None:
    # RFC 6962 section 2.1.3: tree of d0..d6; path for b (1) is [a, h, l]; for d (3) [c, g, l]; for
    # j (6) [i, k]. Consistency 3->7 is [c, d, g, l]; 4->7 is [l]; 6->7 is [i, j, k].
    leaves = [merkle.leaf_hash(d) for d in LEAVES[:7]]
    sub = _subtree(leaves)
    a, b, c, d, e, f, j = leaves
    g, h, i = merkle.node_hash(a, b), merkle.node_hash(c, d), merkle.node_hash(e, f)
    k, l_ = merkle.node_hash(g, h), merkle.node_hash(i, j)
    root = merkle.node_hash(k, l_)
    assert merkle.root_of(leaves) == root
    assert merkle.inclusion_proof(1, 7, sub) == [a, h, l_]
    assert merkle.inclusion_proof(3, 7, sub) == [c, g, l_]
    assert merkle.inclusion_proof(6, 7, sub) == [i, k]
    assert merkle.consistency_proof(3, 7, sub) == [c, d, g, l_]
    assert merkle.consistency_proof(4, 7, sub) == [l_]
    assert merkle.consistency_proof(6, 7, sub) == [i, j, k]
    for m in range(1, 8):
        old = merkle.root_of(leaves[:m])
        assert merkle.verify_consistency(m, 7, old, root, merkle.consistency_proof(m, 7, sub))
    for n in range(7):
        assert merkle.verify_inclusion(n, 7, leaves[n], merkle.inclusion_proof(n, 7, sub), root)


@pytest.mark.parametrize("path", _cases("inclusion"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_inclusion_vectors(path: Path) -> None:
    case = json.loads(path.read_text())
    ok = merkle.verify_inclusion(
        case["leafIdx"],
        case["treeSize"],
        base64.b64decode(case["leafHash"] or ""),
        _b64(case["proof"]),
        base64.b64decode(case["root"] or ""),
    )
    assert ok is not case["wantErr"], case["desc"]


@pytest.mark.parametrize("path", _cases("consistency"), ids=lambda p: str(p.relative_to(VECTORS)))
def test_consistency_vectors(path: Path) -> None:
    case = json.loads(path.read_text())
    ok = merkle.verify_consistency(
        case["size1"],
        case["size2"],
        base64.b64decode(case["root1"] or ""),
        base64.b64decode(case["root2"] or ""),
        _b64(case["proof"]),
    )
    assert ok is not case["wantErr"], case["desc"]


def test_the_vectors_are_there() -> None:
    assert len(_cases("inclusion")) > 50 and len(_cases("consistency")) > 50


def test_library_rules_beyond_the_rfc() -> None:
    # We follow transparency-dev/merkle: a consistency proof from size 0 is rejected, even 0 -> 0,
    # and a leaf hash must be exactly 32 bytes.
    assert not merkle.verify_consistency(0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])
    leaf = merkle.leaf_hash(b"x")
    assert merkle.verify_inclusion(0, 1, leaf, [], leaf)
    assert not merkle.verify_inclusion(0, 1, leaf[:31], [], leaf[:31])


@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_inclusion_proofs_verify_and_any_change_fails(case: tuple[int, int]) -> None:
    size, index = case
    leaves = _hashes(size)
    root = merkle.root_of(leaves)
    proof = merkle.inclusion_proof(index, size, _subtree(leaves))
    assert merkle.verify_inclusion(index, size, leaves[index], proof, root)
    assert not merkle.verify_inclusion(index, size, leaves[index], proof, merkle.leaf_hash(b"other"))
    # A size other than the proof's, checked against that size's real root, fails.
    bigger = merkle.root_of(_hashes(size + 1))
    assert not merkle.verify_inclusion(index, size + 1, leaves[index], proof, bigger)
    if size > 1:
        assert not merkle.verify_inclusion((index + 1) % size, size, leaves[index], proof, root)
        bad = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
        assert not merkle.verify_inclusion(index, size, leaves[index], bad, root)
        assert not merkle.verify_inclusion(index, size, leaves[index], proof[:-1], root)


@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_consistency_proofs_verify_and_any_change_fails(case: tuple[int, int]) -> None:
    old, new = case
    leaves = _hashes(new)
    old_root, new_root = merkle.root_of(leaves[:old]), merkle.root_of(leaves)
    proof = merkle.consistency_proof(old, new, _subtree(leaves))
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)
    assert not merkle.verify_consistency(old, new, merkle.leaf_hash(b"forged"), new_root, proof)
    assert not merkle.verify_consistency(old, new, old_root, merkle.leaf_hash(b"forged"), proof)
    if proof:
        bad = [*proof[:-1], bytes([proof[-1][0] ^ 1]) + proof[-1][1:]]
        assert not merkle.verify_consistency(old, new, old_root, new_root, bad)
    bigger = merkle.root_of(_hashes(new + 1))
    assert not merkle.verify_consistency(old, new + 1, old_root, bigger, proof)
    if old > 1:
        smaller = merkle.root_of(leaves[: old - 1])
        assert not merkle.verify_consistency(old - 1, new, smaller, new_root, proof)
