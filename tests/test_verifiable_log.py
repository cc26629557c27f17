"""The verifiable log (contract section 8) end to end, on real SQLite files.

Roots, leaves, proofs and checkpoints through the library and the `ledger`
command (in this process; the real script where the process matters: its
environment, SIGKILL); tampering done with stdlib sqlite3 on the files
themselves; storage ids; and imports killed with SIGKILL. Expected values come from the pure
functions of `ledger.merkle` (checked against RFC 6962 vectors in
tests/test_merkle.py) over leaf bytes read straight from disk.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import msgspec
import pg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_cli import LEDGER, invoke, json_lines, kill_at, run
from strategies import fact, fact_lists, jsonl

from ledger import Ledger, merkle
from ledger.errors import UsageError

HEX64 = re.compile(r"[0-9a-f]{64}")
RECORDED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
DASH = "\u2014 "


# Helpers


def facts(prefix: str, n: int) -> list[dict[str, Any]]:
    """n valid facts of several types with explicit ids `prefix-i`."""
    out = []
    for i in range(n):
        fid = f"{prefix}-{i}"
        kind = i % 4
        if kind == 0:
            out.append(
                fact("StatementMade", "2022-01-05", id=fid, speaker="ana", summary=f"said {fid} \u00fc")
            )
        elif kind == 1:
            contributor = ("RU", "BY", "AM")[i % 3]
            out.append(
                fact(
                    "ForcesDeployed", "2022-01-06", id=fid, mission="m", contributor=contributor, personnel=i
                )
            )
        elif kind == 2:
            out.append(
                fact("OfficeAssumed", "2022-01-07", id=fid, state="KZ", office="president", person="ben")
            )
        else:
            out.append(
                fact(
                    "MissionRequested",
                    f"2022-01-0{i % 9 + 1}",
                    id=fid,
                    mission=f"m{prefix}{i}",
                    organization="csto",
                    host="KZ",
                )
            )
    return out


def connect(db: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(db))


def stored_states(db: Path) -> list[bytes]:
    """Entry i's stored bytes (stored_events.state), read with stdlib sqlite3 only."""
    with connect(db) as c:
        rows = c.execute(
            "SELECT e.seq, s.state FROM ledger_entries e "
            "JOIN stored_events s ON s.rowid = e.notification_id ORDER BY e.seq"
        ).fetchall()
    assert [seq for seq, _ in rows] == list(range(len(rows)))
    return [bytes(state) for _, state in rows]


def checkpoint_rows(db: Path) -> list[tuple[int, bytes, str]]:
    with connect(db) as c:
        return [
            (n, bytes(r), t)
            for n, r, t in c.execute("SELECT size, root, timestamp FROM checkpoints ORDER BY size")
        ]


def jcs(value: Any) -> bytes:
    """RFC 8785 for what a fact holds (strings, integers, booleans, lists, objects with ASCII keys)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def oracle(leaves: Sequence[bytes]) -> Callable[[int, int], bytes]:
    """MTH(D[start:end]) straight from the leaf list: an independent source for proofs."""
    return lambda start, end: merkle.root_of(leaves[start:end])


def build(db: Path | str, batches: Sequence[Sequence[dict[str, Any]]]) -> list[int]:
    """A ledger at `db` holding `batches`, each imported on its own; the size after each."""
    sizes = []
    with Ledger.open(db, create=True) as lg:
        for i, batch in enumerate(batches):
            sizes.append(lg.import_facts([(f"batch-{i}.jsonl", jsonl(*batch))]).size)
    assert isinstance(db, str) or not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    return sizes


# 1. The library: leaves are the stored bytes, roots, replay, proofs

BATCHES = [
    facts("a", 1),
    facts("b", 2),
    facts("c", 5),
    facts("d", 8),
    facts("e", 1),
    facts("f", 16),
    facts("g", 7),
]
TOTAL = sum(map(len, BATCHES))  # 40


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    db = tmp_path_factory.mktemp("library") / "ledger.db"
    return db, build(db, BATCHES)


def test_leaves_are_the_stored_bytes_and_roots_match_every_size(library_db: tuple[Path, list[int]]) -> None:
    db, sizes = library_db
    assert sizes[-1] == TOTAL
    states = stored_states(db)
    ids = [f["id"] for batch in BATCHES for f in batch]
    with Ledger.open(db) as lg:
        log = list(lg.log())
        assert [line.seq for line in log] == list(range(TOTAL))
        assert [line.id for line in log] == ids
        for line, state in zip(log, states, strict=True):
            assert line.leaf_hash is not None and HEX64.fullmatch(line.leaf_hash)
            assert bytes.fromhex(line.leaf_hash) == merkle.leaf_hash(state)
            # The leaf bytes are RFC 8785 JSON {"fact": ..., "recorded_at": ...}.
            doc = json.loads(state)
            assert set(doc) == {"fact", "recorded_at"}
            assert jcs(doc) == state
            assert doc["recorded_at"] == line.recorded_at
            assert doc["fact"]["id"] == line.id
        leaves = [bytes.fromhex(line.leaf_hash) for line in log if line.leaf_hash]
        for n in range(TOTAL + 1):
            assert lg.root(n) == merkle.root_of(leaves[:n]).hex(), n
        assert lg.root() == merkle.root_of(leaves).hex()
        assert lg.root(0) == hashlib.sha256(b"").hexdigest()
        with pytest.raises(UsageError, match=f"^size {TOTAL + 1}: the ledger has {TOTAL} entries$"):
            lg.root(TOTAL + 1)
        # --size on the log is a prefix of the same lines.
        assert list(lg.log(size=11)) == log[:11]


def test_replay_root_is_the_root_of_what_was_considered(library_db: tuple[Path, list[int]]) -> None:
    db, _ = library_db
    with Ledger.open(db) as lg:
        log = list(lg.log())
        for n in (0, 1, 2, 3, 7, 8, 9, 16, 17, 31, 32, 33, TOTAL):
            world = lg.replay("2022-02", size=n)
            assert (world.ledger.size, world.ledger.root) == (n, lg.root(n))
        # --known-at: each import's recording time, and just before the first.
        for stamp in sorted({line.recorded_at for line in log}):
            known = sum(1 for line in log if line.recorded_at <= stamp)
            world = lg.replay("2022-02", known_at=stamp)
            assert (world.ledger.size, world.ledger.root) == (known, lg.root(known))
            assert lg.replay("2022-02", size=known, known_at=stamp).ledger.root == lg.root(known)
            assert list(lg.log(known_at=stamp)) == log[:known]
        assert lg.replay("2022-02", known_at="2000-01-01T00:00Z").ledger.root == merkle.EMPTY_ROOT.hex()
        assert lg.replay("2022-02").ledger.root == lg.root(TOTAL)


def test_inclusion_proofs_for_every_entry_and_several_sizes(library_db: tuple[Path, list[int]]) -> None:
    db, _ = library_db
    leaves = [merkle.leaf_hash(s) for s in stored_states(db)]
    with Ledger.open(db) as lg:
        for seq in range(TOTAL):
            fid = lg.show(seq).fact.fact_id
            for size in sorted({seq + 1, seq + 2, 8, 16, 17, 33, TOTAL, None} - {TOTAL + 1}, key=str):
                if size is not None and not seq < size <= TOTAL:
                    continue
                p = lg.inclusion_proof(seq, size=size)
                n = TOTAL if size is None else size
                assert (p.seq, p.size, p.leaf_hash) == (seq, n, leaves[seq].hex())
                assert p.root == merkle.root_of(leaves[:n]).hex() == lg.root(n)
                path = [bytes.fromhex(h) for h in p.proof]
                assert path == merkle.inclusion_proof(seq, n, oracle(leaves))
                root = bytes.fromhex(p.root)
                assert merkle.verify_inclusion(seq, n, leaves[seq], path, root)
                other = (seq + 1) % n
                if other != seq:
                    assert not merkle.verify_inclusion(other, n, leaves[seq], path, root)
                    assert not merkle.verify_inclusion(seq, n, leaves[other], path, root)
            # By fact id, and by a string of digits: the same proof.
            assert lg.inclusion_proof(fid) == lg.inclusion_proof(seq) == lg.inclusion_proof(str(seq))


def test_consistency_proofs_for_every_pair_of_sizes(library_db: tuple[Path, list[int]]) -> None:
    db, _ = library_db
    leaves = [merkle.leaf_hash(s) for s in stored_states(db)]
    with Ledger.open(db) as lg:
        for new in range(1, TOTAL + 1):
            for old in range(1, new + 1):
                p = lg.consistency_proof(old, new)
                assert (p.old_size, p.new_size) == (old, new)
                assert p.old_root == lg.root(old) and p.new_root == lg.root(new)
                path = [bytes.fromhex(h) for h in p.proof]
                assert path == merkle.consistency_proof(old, new, oracle(leaves))
                old_root, new_root = bytes.fromhex(p.old_root), bytes.fromhex(p.new_root)
                assert merkle.verify_consistency(old, new, old_root, new_root, path), (old, new)
                if old < new:
                    assert not merkle.verify_consistency(old, new, new_root, old_root, path)
        assert lg.consistency_proof(5) == lg.consistency_proof(5, TOTAL)


def test_every_import_that_appended_records_one_checkpoint(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    sizes = build(db, BATCHES)
    with Ledger.open(db) as lg:
        log = list(lg.log())
        rows = checkpoint_rows(db)
        assert [n for n, _, _ in rows] == sizes
        for n, root, stamp in rows:
            assert root.hex() == lg.root(n)
            assert stamp == log[n - 1].recorded_at  # the import's recording time
        # An import that appends nothing records nothing; the next one that appends records its size.
        again = lg.import_facts([("again.jsonl", jsonl(*BATCHES[2]))])
        assert (again.appended, again.unchanged) == (0, len(BATCHES[2]))
        assert checkpoint_rows(db) == rows
        lg.import_facts([("more.jsonl", jsonl(*facts("h", 3)))])
        assert [n for n, _, _ in checkpoint_rows(db)] == [*sizes, TOTAL + 3]
        cp = lg.checkpoint()
        assert (cp.size, cp.root) == (TOTAL + 3, lg.root())
        assert cp.timestamp == checkpoint_rows(db)[-1][2]
        report = lg.verify()
        assert report.ok and report.size == TOTAL + 3 and report.root == lg.root(), report


@pytest.mark.parametrize("cuts", [[100], [1, 17, 33, 64], [5, 6, 7, 40, 90], [15, 16, 31, 47, 63, 79]])
def test_the_stored_tree_from_level_4_up_whatever_the_imports(tmp_path: Path, cuts: list[int]) -> None:
    """Leaf hashes sit beside their entries and merkle_nodes holds subtrees of 16 leaves or more;
    imports that end anywhere inside a subtree must still store exactly the MTH of each one."""
    items = [
        fact("StatementMade", "2022-01-05", id=f"t-{i}", speaker="ana", summary=f"s{i}") for i in range(100)
    ]
    db = tmp_path / "ledger.db"
    with Ledger.open(db, create=True) as lg:
        for a, b in itertools.pairwise([0, *cuts, 100]):
            lg.import_facts([("f.jsonl", jsonl(*items[a:b]))])
        leaves = [merkle.leaf_hash(s) for s in stored_states(db)]
        with connect(db) as c:
            stored = c.execute("SELECT level, idx, hash FROM merkle_nodes ORDER BY level, idx").fetchall()
            beside = [bytes(h) for (h,) in c.execute("SELECT leaf FROM ledger_entries ORDER BY seq")]
        assert beside == leaves
        expected = [
            (level, idx, merkle.root_of(leaves[idx << level : (idx + 1) << level]))
            for level in range(4, 7)
            for idx in range(len(leaves) >> level)
        ]
        assert [(lv, i, bytes(h)) for lv, i, h in stored] == expected
        assert all(lg.root(k) == merkle.root_of(leaves[:k]).hex() for k in range(101))
        assert lg.verify().ok
    with connect(db) as c:
        c.execute("UPDATE merkle_nodes SET hash = ? WHERE level = 5 AND idx = 1", (b"\0" * 32,))
        c.commit()
    with Ledger.open(db) as lg:
        report = lg.verify()
    assert not report.ok and report.first_bad_seq == 32, report.message
    assert "the Merkle node over entries 32-63 was altered" in report.message


@settings(max_examples=40)
@given(
    facts_=fact_lists(max_size=24),
    cuts=st.lists(st.integers(min_value=0, max_value=24), max_size=5),
)
def test_property_any_batch_split(facts_: list[dict[str, Any]], cuts: list[int]) -> None:
    bounds = [0, *sorted(min(c, len(facts_)) for c in cuts), len(facts_)]
    batches = [facts_[a:b] for a, b in itertools.pairwise(bounds)]
    with tempfile.TemporaryDirectory(prefix="vlog-") as tmp:
        db = Path(tmp) / "ledger.db"
        appended_sizes = []
        with Ledger.open(db, create=True) as lg:
            for i, batch in enumerate(batches):
                result = lg.import_facts([(f"b{i}.jsonl", jsonl(*batch))])
                if result.appended:
                    appended_sizes.append(result.size)
            states = stored_states(db)
            leaves = [merkle.leaf_hash(s) for s in states]
            n = len(leaves)
            log = list(lg.log())
            assert [line.leaf_hash for line in log] == [h.hex() for h in leaves]
            for k in range(n + 1):
                assert lg.root(k) == merkle.root_of(leaves[:k]).hex()
            assert [(s, r.hex()) for s, r, _ in checkpoint_rows(db)] == [
                (s, merkle.root_of(leaves[:s]).hex()) for s in appended_sizes
            ]
            for seq in range(n):
                p = lg.inclusion_proof(seq)
                assert merkle.verify_inclusion(
                    seq, n, leaves[seq], [bytes.fromhex(h) for h in p.proof], bytes.fromhex(p.root)
                )
            for old in appended_sizes:
                p = lg.consistency_proof(old)
                assert merkle.verify_consistency(
                    old,
                    n,
                    bytes.fromhex(p.old_root),
                    bytes.fromhex(p.new_root),
                    [bytes.fromhex(h) for h in p.proof],
                )
            assert lg.replay("2022-02").ledger.root == merkle.root_of(leaves).hex()
            report = lg.verify()
            assert report.ok, report.message


# 2. Checkpoints, signatures and `verify --against`


def b64root(hex_root: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_root)).decode()


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A ledger, keys, and checkpoints (signed and not, text and JSON) taken before more imports."""
    tmp = tmp_path_factory.mktemp("signed")
    db = tmp / "ledger.db"
    build(db, [facts("s", 6), facts("t", 5)])
    r = invoke("keygen", "--out", tmp / "k", cwd=tmp)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == (tmp / "k.pub").read_text().strip()
    files: dict[str, Any] = {"tmp": tmp, "db": db, "size": 11}
    for name, args in {
        "text": ("--sign", tmp / "k"),
        "json": ("--sign", tmp / "k", "--json"),
        "plain": (),
        "plain_json": ("--json",),
    }.items():
        r = invoke("--db", db, "checkpoint", *args, cwd=tmp)
        assert r.returncode == 0, r.stderr
        path = tmp / f"cp-{name}.{'json' if 'json' in name else 'txt'}"
        path.write_text(r.stdout, encoding="utf-8")
        files[name] = path
    with Ledger.open(db) as lg:
        files["root"] = lg.root()
        files["origin"] = lg.checkpoint().origin
        lg.import_facts([("later.jsonl", jsonl(*facts("u", 9)))])
    return files


def test_keygen_files_modes_and_no_overwrite(signed: dict[str, Any]) -> None:
    tmp: Path = signed["tmp"]
    key, pub = tmp / "k", tmp / "k.pub"
    assert key.stat().st_mode & 0o777 == 0o600
    private_text, public_text = key.read_text(), pub.read_text()
    assert private_text.startswith("PRIVATE+KEY+timeline-ledger+")
    name, kid, encoded = public_text.strip().split("+", 2)
    raw = base64.b64decode(encoded)
    assert name == "timeline-ledger" and raw[:1] == b"\x01" and len(raw) == 33
    assert kid == hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()
    again = invoke("keygen", "--out", key, cwd=tmp)
    assert again.returncode == 2 and "exists" in again.stderr
    assert (key.read_text(), pub.read_text()) == (private_text, public_text)


def test_keygen_refuses_when_only_the_public_file_exists(tmp_path: Path) -> None:
    (tmp_path / "k.pub").write_text("keep me\n")
    r = invoke("keygen", "--out", tmp_path / "k", cwd=tmp_path)
    assert r.returncode == 2 and "exists" in r.stderr
    assert (tmp_path / "k.pub").read_text() == "keep me\n"
    # Exit 2 means nothing was written: no orphan private key without its public key.
    assert not (tmp_path / "k").exists()


def test_checkpoint_json_and_text_forms(signed: dict[str, Any]) -> None:
    root, origin = signed["root"], signed["origin"]
    plain = json.loads(signed["plain_json"].read_text())
    assert set(plain) == {"origin", "size", "root", "timestamp"}
    assert (plain["origin"], plain["size"], plain["root"]) == (origin, 11, root)
    assert origin.strip() and "\n" not in origin
    assert RECORDED_AT.fullmatch(plain["timestamp"])
    assert plain["timestamp"] == checkpoint_rows(signed["db"])[1][2]  # the import that reached size 11

    text = signed["plain"].read_text()
    assert text == f"{origin}\n11\n{b64root(root)}\n"

    signed_json = json.loads(signed["json"].read_text())
    assert set(signed_json) == {"origin", "size", "root", "timestamp", "signature"}
    assert {k: signed_json[k] for k in plain} == plain

    signed_text = signed["text"].read_text()
    lines = signed_text.split("\n")
    assert lines[:4] == [origin, "11", b64root(root), ""]
    assert lines[4].startswith(DASH) and lines[5:] == [""]
    assert signed_json["signature"] == lines[4]
    # The C2SP signed note, checked independently: key name, 4-byte key id, Ed25519 over the body.
    name, _, sig_b64 = lines[4][len(DASH) :].partition(" ")
    pub_name, kid, pub_b64 = signed["tmp"].joinpath("k.pub").read_text().strip().split("+", 2)
    sig = base64.b64decode(sig_b64)
    assert name == pub_name and sig[:4].hex() == kid and len(sig) == 68
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(pub_b64)[1:])
    public.verify(sig[4:], "\n".join(lines[:3]).encode() + b"\n")  # raises if wrong


def test_checkpoint_of_an_empty_ledger(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    assert invoke("--db", db, "init", cwd=tmp_path).returncode == 0
    r = invoke("--db", db, "checkpoint", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    cp = json.loads(r.stdout)
    assert (cp["size"], cp["root"]) == (0, hashlib.sha256(b"").hexdigest())
    (tmp_path / "cp.json").write_text(r.stdout)
    assert checkpoint_rows(db) == []
    with Ledger.open(db) as lg:
        lg.import_facts([("x.jsonl", jsonl(*facts("x", 3)))])
    ok = invoke("--db", db, "verify", "--against", tmp_path / "cp.json", cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr


@pytest.mark.parametrize("form", ["text", "json"])
def test_verify_against_a_good_signed_checkpoint(signed: dict[str, Any], form: str) -> None:
    tmp = signed["tmp"]
    r = invoke(
        "--db", signed["db"], "verify", "--against", signed[form], "--key", tmp / "k.pub", "--json", cwd=tmp
    )
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert {"ok", "size", "root", "first_bad_seq", "message"} <= set(report)
    assert report["ok"] is True and report["size"] == 20 and report["first_bad_seq"] is None
    with Ledger.open(signed["db"]) as lg:
        assert report["root"] == lg.root()


@pytest.mark.parametrize("form", ["plain", "plain_json"])
def test_verify_against_an_unsigned_checkpoint(signed: dict[str, Any], form: str) -> None:
    r = invoke("--db", signed["db"], "verify", "--against", signed[form], cwd=signed["tmp"])
    assert r.returncode == 0, r.stdout + r.stderr


def _digest(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()[:8]


def _fails(signed: dict[str, Any], content: str, *key: str | Path) -> dict[str, Any]:
    tmp: Path = signed["tmp"]
    path = tmp / f"bad-{_digest(content)}.txt"
    path.write_text(content, encoding="utf-8")
    r = invoke("--db", signed["db"], "verify", "--against", path, *key, "--json", cwd=tmp)
    assert r.returncode == 1, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["ok"] is False and report["message"], report
    return report


def test_verify_against_a_forged_root(signed: dict[str, Any]) -> None:
    forged = hashlib.sha256(b"forged").hexdigest()
    text = signed["text"].read_text().replace(b64root(signed["root"]), b64root(forged))
    assert "signature" in _fails(signed, text, "--key", signed["tmp"] / "k.pub")["message"]
    plain = signed["plain"].read_text().replace(b64root(signed["root"]), b64root(forged))
    assert "consistent" in _fails(signed, plain)["message"]
    human = invoke(
        "--db",
        signed["db"],
        "verify",
        "--against",
        signed["tmp"] / f"bad-{_digest(plain)}.txt",
        cwd=signed["tmp"],
    )
    assert human.returncode == 1 and "consistent" in human.stdout + human.stderr
    doc = json.loads(signed["plain_json"].read_text()) | {"root": forged}
    assert "consistent" in _fails(signed, json.dumps(doc))["message"]


def test_verify_against_a_checkpoint_signed_by_another_key(signed: dict[str, Any]) -> None:
    tmp: Path = signed["tmp"]
    for out, name in (("other-same-name", "timeline-ledger"), ("other-name", "someone-else")):
        assert invoke("keygen", "--out", tmp / out, "--name", name, cwd=tmp).returncode == 0
    with Ledger.open(signed["db"]) as lg:
        cp = lg.checkpoint()
    for out in ("other-same-name", "other-name"):
        r = invoke("--db", signed["db"], "checkpoint", "--sign", tmp / out, cwd=tmp)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith(f"{cp.origin}\n{cp.size}\n")
        _fails(signed, r.stdout, "--key", tmp / "k.pub")
    # Signed by the right key, but only the other key is trusted: fails too.
    _fails(signed, signed["text"].read_text(), "--key", tmp / "other-name.pub")


def test_verify_against_a_text_checkpoint_whose_size_was_edited(signed: dict[str, Any]) -> None:
    lines = signed["text"].read_text().split("\n")
    for size in ("10", "12", "20"):
        edited = "\n".join([lines[0], size, *lines[2:]])
        report = _fails(signed, edited, "--key", signed["tmp"] / "k.pub")
        assert "signature" in report["message"] and "verif" in report["message"]
    # Without --key the edited size is caught by the consistency proof.
    _fails(signed, "\n".join([lines[0], "10", *lines[2:]]))


def _flip_unused_bits(b64: str) -> str:
    """The same bytes in non-canonical base64: an unused low bit of the last digit set."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    i = b64.rindex("=") - 1
    return b64[:i] + alphabet[alphabet.index(b64[i]) ^ 1] + b64[i + 1 :]


# Each an edit of the signed text checkpoint that leaves origin, size and root what they were.
EDITED_NOTES: dict[str, tuple[Callable[[str, str], str], str]] = {
    "size-leading-zero": (lambda t, root: t.replace("\n11\n", "\n011\n", 1), "has a leading zero"),
    "root-not-canonical": (lambda t, root: t.replace(root, _flip_unused_bits(root)), "canonical base64"),
    "crlf": (lambda t, root: t.replace("\n", "\r\n"), "carriage return"),
    "cr-after-the-signature": (lambda t, root: t[:-1] + "\r\n", "carriage return"),
    "no-final-newline": (lambda t, root: t[:-1], "does not end with a newline"),
    "extra-blank-line": (lambda t, root: t.replace("\n\n", "\n\n\n"), "line 4 is empty"),
}


@pytest.mark.parametrize("edit", sorted(EDITED_NOTES))
def test_verify_against_an_edited_note_is_malformed(signed: dict[str, Any], edit: str) -> None:
    """The signature covers the note as written: an edit that keeps the values is refused as
    malformed (exit 2), whether or not a key is given, never accepted under the old signature."""
    tmp: Path = signed["tmp"]
    change, reason = EDITED_NOTES[edit]
    text = signed["text"].read_bytes().decode()
    edited = change(text, b64root(signed["root"]))
    assert edited != text
    path = tmp / f"edited-{edit}.txt"
    path.write_bytes(edited.encode())
    for key in (("--key", tmp / "k.pub"), ()):
        r = invoke("--db", signed["db"], "verify", "--against", path, *key, "--json", cwd=tmp)
        assert r.returncode == 2, (key, r.stdout + r.stderr)
        assert r.stdout == ""
        assert f"--against {path}: malformed checkpoint: " in r.stderr and reason in r.stderr, r.stderr


def _note_key(private_key: Path) -> tuple[str, Ed25519PrivateKey]:
    """The name and key of a private key file of `ledger keygen`: PRIVATE+KEY+name+hash+base64."""
    name, _, encoded = private_key.read_text().strip().removeprefix("PRIVATE+KEY+").split("+", 2)
    return name, Ed25519PrivateKey.from_private_bytes(base64.b64decode(encoded)[1:])


def _signature_line(text: str, name: str, key: Ed25519PrivateKey) -> str:
    """The signed-note signature of `text`, made here: key ID, then Ed25519 over the text's bytes."""
    kid = hashlib.sha256(name.encode() + b"\n\x01" + key.public_key().public_bytes_raw()).digest()[:4]
    return f"{DASH}{name} {base64.b64encode(kid + key.sign(text.encode())).decode()}"


def test_verify_against_a_note_with_an_extension_line(signed: dict[str, Any]) -> None:
    """C2SP extension lines are part of the signed text: signed with them, the note verifies."""
    tmp: Path = signed["tmp"]
    text = signed["plain"].read_text() + "example.org/extension 1700000000\n"
    name, key = _note_key(tmp / "k")
    path = tmp / "cp-extension.txt"
    path.write_text(f"{text}\n{_signature_line(text, name, key)}\n", encoding="utf-8")
    r = invoke("--db", signed["db"], "verify", "--against", path, "--key", tmp / "k.pub", "--json", cwd=tmp)
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["ok"] is True and report["message"].endswith("consistent with the checkpoint at size 11")
    # Signed without the extension line, the note with it is not the note that was signed.
    plain = signed["plain"].read_text()
    path.write_text(f"{text}\n{_signature_line(plain, name, key)}\n", encoding="utf-8")
    assert "does not verify" in _fails(signed, path.read_text(), "--key", tmp / "k.pub")["message"]


@pytest.mark.parametrize("form", ["text", "json", "plain", "plain_json"])
def test_verify_against_without_key_says_no_signature_was_checked(signed: dict[str, Any], form: str) -> None:
    tmp: Path = signed["tmp"]
    r = invoke("--db", signed["db"], "verify", "--against", signed[form], "--json", cwd=tmp)
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert {"ok", "size", "root", "first_bad_seq", "message"} <= set(report) and report["ok"] is True
    unchecked = (
        "its signature was not checked: give --key PUBKEY" if "plain" not in form else "it is not signed"
    )
    assert report["message"].endswith(f"consistent with the checkpoint at size 11; {unchecked}")
    human = invoke("--db", signed["db"], "verify", "--against", signed[form], cwd=tmp)
    assert human.returncode == 0 and human.stdout.strip() == f"OK: {report['message']}"
    keyed = invoke(
        "--db", signed["db"], "verify", "--against", signed["text"], "--key", tmp / "k.pub", cwd=tmp
    )
    assert keyed.returncode == 0 and keyed.stdout.rstrip().endswith(
        "consistent with the checkpoint at size 11"
    )


def test_verify_key_given_a_private_key_says_so(signed: dict[str, Any]) -> None:
    tmp: Path = signed["tmp"]
    r = invoke("--db", signed["db"], "verify", "--against", signed["text"], "--key", tmp / "k", cwd=tmp)
    assert r.returncode == 2 and r.stdout == ""
    key = tmp / "k"
    assert r.stderr.strip() == (
        f"ledger: --key {key}: this is a private key; give the public key ({key}.pub from ledger keygen)"
    )
    assert "PRIVATE" not in r.stderr  # and the key itself is never shown


def test_verify_against_a_checkpoint_of_another_ledger(signed: dict[str, Any], tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    build(other, [facts("s", 6), facts("t", 5)])  # the same facts: only the origin tells them apart
    r = invoke("--db", other, "checkpoint", "--json", cwd=tmp_path)
    cp = json.loads(r.stdout)
    assert cp["origin"] != signed["origin"]
    report = _fails(signed, r.stdout)
    assert cp["origin"] in report["message"]
    # This ledger's own size and root under another origin: the origin alone makes it fail.
    forged = json.loads(signed["plain_json"].read_text()) | {"origin": cp["origin"]}
    assert cp["origin"] in _fails(signed, json.dumps(forged))["message"]


def test_verify_against_a_checkpoint_larger_than_the_ledger(signed: dict[str, Any]) -> None:
    with Ledger.open(signed["db"]) as lg:
        root = lg.root()
    doc = {"origin": signed["origin"], "size": 21, "root": root}
    report = _fails(signed, json.dumps(doc))
    assert "21" in report["message"]
    _fails(signed, f"{signed['origin']}\n10000\n{b64root(root)}\n")


def test_verify_against_detects_a_rewritten_history(signed: dict[str, Any], tmp_path: Path) -> None:
    """Alter entry 2 and rebuild every hash and checkpoint to match: only --against can tell."""
    db = tmp_path / "rewritten.db"
    shutil.copyfile(signed["db"], db)
    with connect(db) as c:
        (rowid,) = c.execute("SELECT notification_id FROM ledger_entries WHERE seq = 2").fetchone()
        (state,) = c.execute("SELECT state FROM stored_events WHERE rowid = ?", (rowid,)).fetchone()
        doc = json.loads(state)
        doc["fact"]["person"] = "someone-else"
        c.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (jcs(doc), rowid))
        # The replay index holds its own (msgpack) copy of each fact: rewrite it too.
        (payload,) = c.execute("SELECT payload FROM replay_index WHERE seq = 2").fetchone()
        copy = msgspec.msgpack.decode(payload)
        copy["person"] = "someone-else"
        c.execute("UPDATE replay_index SET payload = ? WHERE seq = 2", (msgspec.msgpack.encode(copy),))
        c.execute("DELETE FROM projection_snapshots")
        c.commit()
    leaves = [merkle.leaf_hash(s) for s in stored_states(db)]
    with connect(db) as c:
        for seq, leaf in enumerate(leaves):
            c.execute("UPDATE ledger_entries SET leaf = ? WHERE seq = ?", (leaf, seq))
        nodes = c.execute("SELECT level, idx FROM merkle_nodes").fetchall()
        for level, idx in nodes:
            h = merkle.root_of(leaves[idx << level : (idx + 1) << level])
            c.execute("UPDATE merkle_nodes SET hash = ? WHERE level = ? AND idx = ?", (h, level, idx))
        for (n,) in c.execute("SELECT size FROM checkpoints").fetchall():
            c.execute("UPDATE checkpoints SET root = ? WHERE size = ?", (merkle.root_of(leaves[:n]), n))
        c.commit()
    tmp = signed["tmp"]
    assert invoke("--db", db, "verify", cwd=tmp).returncode == 0  # self-consistent
    r = invoke("--db", db, "verify", "--against", signed["text"], "--key", tmp / "k.pub", "--json", cwd=tmp)
    assert r.returncode == 1 and json.loads(r.stdout)["ok"] is False


def test_key_without_against_is_a_usage_error(signed: dict[str, Any]) -> None:
    r = invoke("--db", signed["db"], "verify", "--key", signed["tmp"] / "k.pub", cwd=signed["tmp"])
    assert r.returncode == 2 and "--against" in r.stderr


GARBAGE: dict[str, bytes | None] = {
    "words": b"garbage\n",
    "empty": b"",
    "not-utf8": b"\xff\xfe\x00origin\n1\n",
    "bad-base64": b"origin\n1\n!!!!\n",
    "short-root": b"origin\n1\n" + base64.b64encode(b"x" * 31) + b"\n",
    "size-superscript-digit": "origin\n\u00b2\n".encode() + base64.b64encode(b"x" * 32) + b"\n",
    "json-broken": b'{"origin": "o", "size": ',
    "json-no-root": b'{"origin": "o", "size": 1}',
    "json-bad-hex": b'{"origin": "o", "size": 1, "root": "' + b"zz" * 32 + b'"}',
    "json-negative-size": b'{"origin": "o", "size": -1, "root": "' + b"00" * 32 + b'"}',
    "missing-file": None,
}


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_an_unreadable_checkpoint_file_is_bad_input(
    signed: dict[str, Any], name: str, tmp_path: Path
) -> None:
    path = tmp_path / f"{name}.cp"
    content = GARBAGE[name]
    if content is not None:
        # This ledger's own origin, so that only what is wrong with the file can be the reason.
        path.write_bytes(
            content.replace(b"origin", signed["origin"].encode()).replace(
                b'"o"', json.dumps(signed["origin"]).encode()
            )
        )
    r = invoke("--db", signed["db"], "verify", "--against", path, cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert str(path) in r.stderr or path.name in r.stderr


def test_a_garbage_public_key_is_bad_input(signed: dict[str, Any], tmp_path: Path) -> None:
    """A --key file that is not a public key is the user's mistake (exit 2), as with --sign."""
    for name, content in (
        ("garbage.pub", "garbage\n"),
        ("private.pub", signed["tmp"].joinpath("k").read_text()),
    ):
        (tmp_path / name).write_text(content)
        r = invoke(
            "--db",
            signed["db"],
            "verify",
            "--against",
            signed["text"],
            "--key",
            tmp_path / name,
            cwd=tmp_path,
        )
        assert r.returncode == 2, (name, r.stdout + r.stderr)


# 3. Tampering with the files, found by `ledger verify`

TAMPER_BATCHES = [facts("p", 3), facts("q", 5), facts("r", 8), facts("s", 4)]  # checkpoints 3, 8, 16, 20


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    db = tmp_path_factory.mktemp("pristine") / "ledger.db"
    assert build(db, TAMPER_BATCHES) == [3, 8, 16, 20]
    return db, [f["id"] for batch in TAMPER_BATCHES for f in batch]


def notification(c: sqlite3.Connection, seq: int) -> int:
    return int(c.execute("SELECT notification_id FROM ledger_entries WHERE seq = ?", (seq,)).fetchone()[0])


def state_of(c: sqlite3.Connection, seq: int) -> bytes:
    rowid = notification(c, seq)
    return bytes(c.execute("SELECT state FROM stored_events WHERE rowid = ?", (rowid,)).fetchone()[0])


def set_state(c: sqlite3.Connection, seq: int, state: bytes) -> None:
    c.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state, notification(c, seq)))


def flip_in_quote(c: sqlite3.Connection) -> None:
    state = bytearray(state_of(c, 5))
    at = state.index(b'"publisher":"Test Wire"') + len(b'"publisher":"')
    state[at] ^= 0x01  # "Test Wire" -> "Uest Wire": still JSON, still a valid fact
    json.loads(bytes(state))
    set_state(c, 5, bytes(state))


def flip_breaking_json(c: sqlite3.Connection) -> None:
    state = bytearray(state_of(c, 5))
    at = state.index(b'"sources":') + len(b'"sources":')
    state[at] ^= 0x01  # '[' -> 'Z'
    with pytest.raises(ValueError):
        json.loads(bytes(state))
    set_state(c, 5, bytes(state))


def delete_stored_event(c: sqlite3.Connection) -> None:
    c.execute("DELETE FROM stored_events WHERE rowid = ?", (notification(c, 7),))


def delete_entry_row(c: sqlite3.Connection) -> None:
    c.execute("DELETE FROM ledger_entries WHERE seq = 9")


def delete_last_entry_row(c: sqlite3.Connection) -> None:
    c.execute("DELETE FROM ledger_entries WHERE seq = 19")


def swap_states(c: sqlite3.Connection) -> None:
    a, b = state_of(c, 3), state_of(c, 11)
    set_state(c, 3, b)
    set_state(c, 11, a)


def alter_checkpoint_root(c: sqlite3.Connection) -> None:
    c.execute("UPDATE checkpoints SET root = ? WHERE size = 8", (hashlib.sha256(b"x").digest(),))


def alter_internal_node(c: sqlite3.Connection) -> None:
    # The lowest stored level is 4 (ledger.log.tree.LOWEST_STORED): this node covers entries 0-15.
    c.execute(
        "UPDATE merkle_nodes SET hash = ? WHERE level = 4 AND idx = 0", (hashlib.sha256(b"x").digest(),)
    )


def alter_leaf_hash(c: sqlite3.Connection) -> None:
    c.execute("UPDATE ledger_entries SET leaf = ? WHERE seq = 6", (hashlib.sha256(b"x").digest(),))


def delete_top_node(c: sqlite3.Connection) -> None:
    # The complete subtree over entries 0-15: every root at a size >= 16 needs it.
    c.execute("DELETE FROM merkle_nodes WHERE level = 4 AND idx = 0")


def edit_recorded_at(c: sqlite3.Connection) -> None:
    doc = json.loads(state_of(c, 8))
    doc["recorded_at"] = doc["recorded_at"].replace(doc["recorded_at"][:4], "2001", 1)
    set_state(c, 8, jcs(doc))


def edit_recorded_at_everywhere(c: sqlite3.Connection) -> None:
    doc = json.loads(state_of(c, 8))
    later = doc["recorded_at"][:-2] + ("1Z" if doc["recorded_at"][-2] != "1" else "2Z")
    doc["recorded_at"] = later
    set_state(c, 8, jcs(doc))
    c.execute("UPDATE ledger_entries SET recorded_at = ? WHERE seq = 8", (later,))


# name: (tamper, the expected first bad seq, whether the entry's fact id must be named)
TAMPERS: dict[str, tuple[Callable[[sqlite3.Connection], None], int | range, bool]] = {
    "bit-in-a-quoted-string": (flip_in_quote, 5, True),
    "bit-breaking-the-json": (flip_breaking_json, 5, True),
    "deleted-stored-event": (delete_stored_event, 7, True),
    "deleted-entry-row-seq-gap": (delete_entry_row, 9, False),
    "deleted-last-entry-row": (delete_last_entry_row, 19, False),
    "swapped-states": (swap_states, 3, True),
    "altered-checkpoint-root": (alter_checkpoint_root, 7, True),
    "altered-internal-node": (alter_internal_node, range(0, 16), True),
    "altered-leaf-hash": (alter_leaf_hash, 6, True),
    "deleted-top-node": (delete_top_node, range(0, 16), True),
    "recorded-at-in-the-stored-bytes": (edit_recorded_at, 8, True),
    "recorded-at-in-bytes-and-index": (edit_recorded_at_everywhere, 8, True),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tampering_is_found_by_verify(
    pristine: tuple[Path, list[str]], name: str, tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """The same alterations, made to a SQLite file or to a PostgreSQL ledger's tables."""
    source, ids = pristine
    tamper, expected_seq, names_id = TAMPERS[name]
    db: Path | str
    if backend == "sqlite":
        db = tmp_path / "tampered.db"
        shutil.copyfile(source, db)
        with connect(db) as c:
            tamper(c)
            c.commit()
    else:
        db = pg.new_ledger_url(request.getfixturevalue("pg_database"))
        build(db, TAMPER_BATCHES)
        with pg.Tamper(db) as t:
            tamper(t)  # type: ignore[arg-type]
            t.commit()
    r = invoke("--db", db, "verify", "--json", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["ok"] is False and report["root"] is None and report["message"], report
    seq = report["first_bad_seq"]
    if isinstance(expected_seq, range):
        assert seq in expected_seq, report
    else:
        assert seq == expected_seq, report
    if names_id:
        assert report["first_bad_id"] == ids[seq], report
        assert ids[seq] in report["message"]
    elif report["first_bad_id"] is not None:
        assert report["first_bad_id"] == ids[seq], report
    if name == "bit-in-a-quoted-string":
        human = invoke("--db", db, "verify", cwd=tmp_path)
        assert human.returncode == 1 and f"entry {seq}" in human.stdout + human.stderr


def test_pristine_copy_verifies(pristine: tuple[Path, list[str]], tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    shutil.copyfile(pristine[0], db)
    r = invoke("--db", db, "verify", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    report = json.loads(r.stdout)
    assert report["ok"] is True and report["size"] == 20 and report["first_bad_seq"] is None


CORRECTED = [
    fact("PrimeMinisterAppointed", "2022-01-07", id="pm", state="KG", person="ana"),
    fact("PrimeMinisterAppointed", "2022-01-08", id="pm2", state="KG", person="ben"),
    fact("FactRetracted", "2022-01-09", id="r", target="pm", reason="wrong"),
]


def alter_correction_by(c: sqlite3.Connection) -> None:
    c.execute(
        "UPDATE stored_events SET state = ? WHERE originator_version = 2",
        (b'{"target":"pm","by":"pm2","how":"retracted"}',),
    )


def delete_correction(c: sqlite3.Connection) -> None:
    c.execute("DELETE FROM stored_events WHERE originator_version = 2")


@pytest.mark.parametrize("tamper", [alter_correction_by, delete_correction])
def test_tampered_correction_records_are_found_by_verify(
    tmp_path: Path, tamper: Callable[[sqlite3.Connection], None]
) -> None:
    """`show` reports corrections from their stored records: verify must check them against the entries."""
    db = tmp_path / "ledger.db"
    build(db, [CORRECTED])
    before = json.loads(invoke("--db", db, "show", "pm", "--json", cwd=tmp_path).stdout)
    assert before["corrected_by"] == {"how": "retracted", "by": "r"}
    with connect(db) as c:
        tamper(c)
        c.commit()
    shown = invoke("--db", db, "show", "pm", "--json", cwd=tmp_path)
    assert shown.returncode != 0 or json.loads(shown.stdout)["corrected_by"] != before["corrected_by"]
    r = invoke("--db", db, "verify", "--json", cwd=tmp_path)
    assert r.returncode == 1, r.stdout


MARKER_MODULE = "from pathlib import Path\nPath(__file__).with_name('IMPORTED').write_text(__name__)\n"


@pytest.mark.subprocess
def test_a_changed_stored_type_is_an_error_and_never_imported(tmp_path: Path) -> None:
    """Commands fail with exit 1 and a message; a topic naming a module is never imported."""
    db = tmp_path / "ledger.db"
    build(db, [facts("t", 6), CORRECTED])
    (tmp_path / "evil_module_marker.py").write_text(MARKER_MODULE)
    (tmp_path / "evilpkg").mkdir()
    (tmp_path / "evilpkg" / "__init__.py").write_text(MARKER_MODULE)
    (tmp_path / "evilpkg" / "marker.py").write_text(MARKER_MODULE)
    topics = {1: "os:system", 2: "evil_module_marker:X", 3: "evilpkg.marker:Payload"}
    with connect(db) as c:
        for seq, topic in topics.items():
            c.execute("UPDATE stored_events SET topic = ? WHERE rowid = ?", (topic, notification(c, seq)))
        c.execute("UPDATE stored_events SET topic = 'evilpkg.marker:Correction' WHERE originator_version = 2")
        c.commit()
    env = {"PYTHONPATH": str(tmp_path)}
    (tmp_path / "again.jsonl").write_bytes(jsonl(*facts("t", 6)))
    # replay and timeline read the replay index, not the stored types: they are not asked here.
    commands = [
        ("log", "--json"),
        ("show", "1"),
        ("show", "t-2", "--json"),
        ("show", "3"),
        ("show", "pm", "--json"),
        ("import", "again.jsonl"),
        ("verify",),
    ]
    for args in commands:
        r = run("--db", db, *args, cwd=tmp_path, env=env)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert r.stderr.startswith("ledger: ") or args == ("verify",), (args, r.stderr)
        assert "stored type" in r.stderr + r.stdout, (args, r.stderr)
    assert not (tmp_path / "IMPORTED").exists()
    assert not (tmp_path / "evilpkg" / "IMPORTED").exists()
    with Ledger.open(db) as lg:
        assert lg.size() == 9  # the failed import wrote nothing
    # The canary works: importing the module does write the marker.
    subprocess.run(
        [sys.executable, "-c", "import evil_module_marker"],
        cwd=tmp_path,
        env={**os.environ, **env},
        check=True,
    )
    assert (tmp_path / "IMPORTED").exists()


# 4. Storage ids are not leaf positions


def move_rowids(db: Path) -> None:
    """Every stored event to rowid * 10 (gaps), then two entries' rows swapped (reordered)."""
    with connect(db) as c:
        for sql in (
            "UPDATE stored_events SET rowid = -rowid",
            "UPDATE stored_events SET rowid = -rowid * 10",
            "UPDATE ledger_entries SET notification_id = -notification_id",
            "UPDATE ledger_entries SET notification_id = -notification_id * 10",
        ):
            c.execute(sql)
        a, b = notification(c, 2), notification(c, 12)
        c.execute("UPDATE stored_events SET rowid = -1 WHERE rowid = ?", (a,))
        c.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (a, b))
        c.execute("UPDATE stored_events SET rowid = ? WHERE rowid = -1", (b,))
        c.execute("UPDATE ledger_entries SET notification_id = -1 WHERE seq = 2")
        c.execute("UPDATE ledger_entries SET notification_id = ? WHERE seq = 12", (a,))
        c.execute("UPDATE ledger_entries SET notification_id = ? WHERE seq = 2", (b,))
        c.commit()
        rowids = [r for (r,) in c.execute("SELECT notification_id FROM ledger_entries ORDER BY seq")]
        assert rowids != sorted(rowids) and all(r % 10 == 0 for r in rowids)
        c.execute("VACUUM")


def test_rowid_gaps_and_reordering_do_not_move_leaves(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    build(db, [facts("v", 9), CORRECTED, facts("w", 4)])

    def snapshot() -> tuple[Any, ...]:
        with Ledger.open(db) as lg:
            return (
                list(lg.log()),
                [lg.root(n) for n in range(lg.size() + 1)],
                lg.replay("2022-02"),
                lg.show("pm"),
                lg.inclusion_proof(12),
                checkpoint_rows(db),
            )

    before = snapshot()
    move_rowids(db)
    assert snapshot() == before
    r = invoke("--db", db, "verify", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    assert json.loads(r.stdout)["root"] == before[1][-1]
    assert json_lines(invoke("--db", db, "log", "--json", cwd=tmp_path).stdout) == [
        json.loads(json.dumps({f: getattr(line, f) for f in line.__struct_fields__})) for line in before[0]
    ]
    # New entries after the gaps go on at the next positions; the old tree is a prefix.
    with Ledger.open(db) as lg:
        old = lg.size()
        lg.import_facts([("more.jsonl", jsonl(*facts("x", 5)))])
        assert list(lg.log())[:old] == before[0]
        p = lg.consistency_proof(old)
        assert p.old_root == before[1][-1]
        proof = [bytes.fromhex(h) for h in p.proof]
        assert merkle.verify_consistency(
            old, old + 5, bytes.fromhex(p.old_root), bytes.fromhex(p.new_root), proof
        )
        assert lg.verify().ok
    leaves = [merkle.leaf_hash(s) for s in stored_states(db)]
    with Ledger.open(db) as lg:
        assert lg.root() == merkle.root_of(leaves).hex()


# 5. A killed import leaves all or nothing, and no checkpoint for what was not committed

BIG = 30_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    lines = (
        json.dumps(fact("StatementMade", "2022-01-05", id=f"big-{i}", speaker="ana", summary=f"s{i}"))
        for i in range(BIG)
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _state(db: Path) -> tuple[int, list[tuple[int, bytes, str]]]:
    with connect(db) as c:
        size = int(c.execute("SELECT count(*) FROM ledger_entries").fetchone()[0])
    return size, checkpoint_rows(db)


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_killed_import_never_leaves_a_checkpoint_it_did_not_commit(big_file: Path, tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    assert invoke("--db", db, "init", cwd=tmp_path).returncode == 0
    outcomes = []
    for when in (0.3, "wal+0", "wal+0.1", "wal+0.3"):
        proc = subprocess.Popen(
            [str(LEDGER), "--db", str(db), "import", str(big_file)],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        kill_at(proc, when, db)
        size, rows = _state(db)
        outcomes.append((when, proc.returncode, size))
        if size == 0:
            assert rows == [], (when, rows)
        else:
            assert size == BIG, (when, size)
            with Ledger.open(db) as lg:
                assert [(n, r.hex()) for n, r, _ in rows] == [(BIG, lg.root())], when
        v = invoke("--db", db, "verify", "--json", cwd=tmp_path)
        assert v.returncode == 0, (when, v.stdout)
        assert json.loads(v.stdout)["size"] == size
        if size == BIG:
            break
    assert any(rc == -signal.SIGKILL for _, rc, _ in outcomes), outcomes
    done = run("--db", db, "import", big_file, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["size"] == BIG and result["appended"] + result["unchanged"] == BIG
    size, rows = _state(db)
    assert size == BIG and [n for n, _, _ in rows] == [BIG]
    with Ledger.open(db) as lg:
        assert rows[0][1].hex() == lg.root()
        assert [line.id for line in lg.log(size=3)] == ["big-0", "big-1", "big-2"]
        report = lg.verify()
        assert report.ok and report.size == BIG, report.message


# 6. `ledger proof inclusion` and `ledger proof consistency`


@pytest.fixture(scope="module")
def proof_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    db = tmp_path_factory.mktemp("proofs") / "ledger.db"
    batches = [facts("i", 7), facts("j", 6)]
    build(db, batches)
    return db, [f["id"] for batch in batches for f in batch]


def test_proof_inclusion_cli(proof_db: tuple[Path, list[str]], tmp_path: Path) -> None:
    db, ids = proof_db
    leaves = [merkle.leaf_hash(s) for s in stored_states(db)]
    for ref, size in (
        ("0", None),
        ("12", None),
        (ids[5], None),
        (ids[5], 6),
        ("3", 4),
        ("6", 7),
        (ids[12], 13),
    ):
        extra = () if size is None else ("--size", str(size))
        r = invoke("--db", db, "proof", "inclusion", ref, *extra, "--json", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        assert set(doc) == {"seq", "size", "leaf_hash", "root", "proof"}
        seq = int(ref) if ref.isdigit() else ids.index(ref)
        n = 13 if size is None else size
        assert (doc["seq"], doc["size"], doc["leaf_hash"]) == (seq, n, leaves[seq].hex())
        assert doc["root"] == merkle.root_of(leaves[:n]).hex()
        assert all(HEX64.fullmatch(h) for h in doc["proof"])
        path = [bytes.fromhex(h) for h in doc["proof"]]
        assert merkle.verify_inclusion(seq, n, leaves[seq], path, bytes.fromhex(doc["root"]))
    human = invoke("--db", db, "proof", "inclusion", "4", cwd=tmp_path)
    assert human.returncode == 0 and leaves[4].hex() in human.stdout


def test_proof_consistency_cli(proof_db: tuple[Path, list[str]], tmp_path: Path) -> None:
    db, _ = proof_db
    leaves = [merkle.leaf_hash(s) for s in stored_states(db)]
    for args, (old, new) in (
        (("7",), (7, 13)),
        (("3", "13"), (3, 13)),
        (("5", "8"), (5, 8)),
        (("6", "6"), (6, 6)),
    ):
        r = invoke("--db", db, "proof", "consistency", *args, "--json", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        assert set(doc) == {"old_size", "new_size", "old_root", "new_root", "proof"}
        assert (doc["old_size"], doc["new_size"]) == (old, new)
        assert doc["old_root"] == merkle.root_of(leaves[:old]).hex()
        assert doc["new_root"] == merkle.root_of(leaves[:new]).hex()
        path = [bytes.fromhex(h) for h in doc["proof"]]
        assert merkle.verify_consistency(
            old, new, bytes.fromhex(doc["old_root"]), bytes.fromhex(doc["new_root"]), path
        )
        assert (path == []) == (old == new)
    human = invoke("--db", db, "proof", "consistency", "7", cwd=tmp_path)
    assert human.returncode == 0 and merkle.root_of(leaves[:7]).hex() in human.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("inclusion", "no-such-fact"),
        ("inclusion", "13"),
        ("inclusion", "99999999999999999999999"),
        ("inclusion", "0", "--size", "14"),
        ("inclusion", "0", "--size", "0"),
        ("inclusion", "8", "--size", "8"),
        ("inclusion", "j-5", "--size", "8"),
        ("consistency", "0"),
        ("consistency", "0", "5"),
        ("consistency", "6", "5"),
        ("consistency", "3", "14"),
        ("consistency", "14"),
    ],
)
def test_proof_bad_arguments_exit_2(
    proof_db: tuple[Path, list[str]], tmp_path: Path, args: tuple[str, ...]
) -> None:
    r = invoke("--db", proof_db[0], "proof", *args, "--json", cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == "" and r.stderr.strip()


# The replay index, compared row by row with the entries


def _index_altered(
    source: Path, tmp_path: Path, alter: Callable[[sqlite3.Connection], None]
) -> dict[str, Any]:
    db = tmp_path / "index.db"
    shutil.copyfile(source, db)
    with connect(db) as c:
        alter(c)
        c.commit()
    with Ledger.open(db) as lg:
        return msgspec.to_builtins(lg.verify())  # type: ignore[no-any-return]


def test_verify_catches_two_index_rows_whose_payloads_were_swapped(
    library_db: tuple[Path, list[int]], tmp_path: Path
) -> None:
    """Each row must be the one its seq's entry makes: the same rows' contents moved between two
    entries (the multiset of payloads unchanged) are caught, naming the first of them."""
    db, _ = library_db

    def swap(c: sqlite3.Connection) -> None:
        rows = dict(c.execute("SELECT seq, payload FROM replay_index WHERE seq IN (3, 4)").fetchall())
        assert rows[3] != rows[4]
        for seq, other in ((3, 4), (4, 3)):
            c.execute("UPDATE replay_index SET payload = ? WHERE seq = ?", (rows[other], seq))

    report = _index_altered(db, tmp_path, swap)
    assert report["ok"] is False and report["first_bad_seq"] == 3
    assert "its copy in the replay index was altered" in report["message"]


def test_verify_catches_a_row_given_another_entrys_seq(
    library_db: tuple[Path, list[int]], tmp_path: Path
) -> None:
    db, _ = library_db

    def duplicate(c: sqlite3.Connection) -> None:
        c.execute("DELETE FROM replay_index WHERE seq = 5")
        c.execute(
            "INSERT INTO replay_index (effective, rank, seq, fact_id, type, payload) "
            "SELECT effective, rank + 1, seq, fact_id, type, payload FROM replay_index WHERE seq = 6"
        )

    report = _index_altered(db, tmp_path, duplicate)
    assert report["ok"] is False and report["first_bad_seq"] in (5, 6)
    assert "replay index" in report["message"]
