"""Receipts (contract section 13): the receipt `replay --json` carries, its canonical JSON, and
`ledger check` / `Ledger.check` / `AsyncLedger.check`.

- The canonical form is RFC 8785: ours equals the `rfc8785` package on generated JSON values
  (any text, control characters, U+2028, keys that sort otherwise in UTF-16, numbers with
  fractions) and on generated replay documents.
- A receipt checks OK on the ledger that made it, after it grows, and on copies of it on either
  backend (`ledger copy`); its digest is the same on every faithful copy.
- Any edit of the document's body fails with the `document` reason; a receipt that is not one,
  or a size beyond the ledger, is bad input (exit 2) naming the JSON path.
- A real SQLite file altered on disk never confirms an answer: a rewritten entry (even with every
  hash and checkpoint rebuilt so that `verify` passes) fails with the `entries` reason; an
  altered, missing or moved replay index row with the `ledger` reason; an altered projection
  snapshot or corrected-fact column is not read at all, and the wrong answer the fast path then
  gives fails with the `answer` reason.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import pg
import pytest
import rfc8785
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ledger_cli import invoke
from strategies import AS_OF, jsonl, ledgers_with_corrections

from ledger import AsyncLedger, Ledger, merkle
from ledger.copy import copy_ledger
from ledger.errors import UsageError
from ledger.log.compact import CompactRange
from ledger.reading.answers import COMMANDS
from ledger.receipts import MAX_INTEGER, NotJSON, canonical, digest, read_document, receipt, with_receipt
from ledger.replay.codec import index_payload
from ledger.validation import parse_line
from projections.fold import Projection

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "fixtures" / "kazakhstan-2022-01-11.v1.jsonl"
SMAILOV = 13  # entry 13: Smailov appointed prime minister on 2022-01-11
DAY = "2022-01-12"
EMPTY_ROOT = hashlib.sha256(b"").hexdigest()

MORE = [
    {
        "id": "ex-withdrawal-started",
        "type": "WithdrawalStarted",
        "occurred": "2022-01-13",
        "mission": "csto-kazakhstan-2022",
        "sources": [{"publisher": "Example Wire"}],
    },
    {
        "id": "ex-retract-smailov",
        "type": "FactRetracted",
        "occurred": "2022-01-20",
        "target": "kz-2022-01-11-smailov-appointed",
        "reason": "test",
        "sources": [{"publisher": "Example Wire"}],
    },
]


def document(lg: Ledger, as_of: str = DAY, **kwargs: Any) -> bytes:
    """What `replay --json` prints, made through the library."""
    world = lg.replay(as_of, **kwargs)
    return with_receipt(world, receipt("replay", world))


def body_of(doc: bytes) -> dict[str, Any]:
    value = json.loads(doc)
    del value["receipt"]
    return value


# The canonical form

keys = st.text(
    st.characters(codec="utf-8") | st.sampled_from(["\ue000", "\uffff", "\U0001f600", "\u2028"]), max_size=4
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_INTEGER, MAX_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8") | st.sampled_from(["\x00", "\x1f", "\x7f", "\u2028", "\u2029"]))
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_form_is_rfc8785_for_any_json_value(value: Any) -> None:
    assert canonical(value) == rfc8785.dumps(value)


@given(
    st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([1e21, 1e-7, 1e-6, 2.0**60, 5e-324])
)
def test_numbers_are_written_as_ecmascript_writes_them(x: float) -> None:
    assert canonical(x) == rfc8785.dumps(x)
    assert canonical([x, {"k": x}]) == rfc8785.dumps([x, {"k": x}])


def test_equal_json_values_have_one_canonical_form() -> None:
    assert canonical({"b": 17.0, "a": [1e2]}) == canonical({"a": [100], "b": 17}) == b'{"a":[100],"b":17}'
    assert digest(json.loads('{"a": "\\u00e9"}')) == digest({"a": "é"})


@pytest.mark.parametrize(
    ("value", "path", "reason"),
    [
        ({"a": [1, 2**53]}, "$.a[1]", "beyond"),
        ({"a b": "\ud800"}, '$["a b"]', "lone surrogate"),
        ({"x": {1: 2}}, "$.x", "must be a string"),
        ({"x": float("nan")}, "$.x", "not a JSON number"),
        ({"x": b"bytes"}, None, None),  # msgspec's JSON of bytes: base64 text, which has a form
    ],
)
def test_values_without_a_canonical_form_name_their_path(value: Any, path: str | None, reason: str) -> None:
    if path is None:
        canonical(value)
        return
    with pytest.raises(NotJSON) as caught:
        canonical(value)
    assert caught.value.path == path and reason in caught.value.reason


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example ledger (17 entries) in a SQLite file; tests copy it before altering it."""
    db = tmp_path_factory.mktemp("example") / "example.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_files([EXAMPLE])
    return db


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledgers_with_corrections(), st.sampled_from(AS_OF))
def test_replay_documents_are_rfc8785_and_check(
    tmp_path: Path, facts: list[dict[str, Any]], as_of: str
) -> None:
    db = tmp_path / f"{hashlib.sha256(jsonl(*facts) + as_of.encode()).hexdigest()[:16]}.db"
    with Ledger.open(db, create=True, snapshot_every=1) as lg:
        if facts:
            lg.import_facts([("f.jsonl", jsonl(*facts))])
        lg.replay("2022-02")  # leaves a snapshot after every day: the document resumes from one
        doc = document(lg, as_of)
        made = json.loads(doc)["receipt"]
        assert canonical(lg.replay(as_of)) == rfc8785.dumps(body_of(doc))
        assert made["digest"] == "sha256:" + hashlib.sha256(rfc8785.dumps(body_of(doc))).hexdigest()
        report = lg.check(doc)
        assert report.ok, report.message
        assert (report.root, report.digest) == (made["root"], made["digest"])
    db.unlink()


# The receipt of `replay --json`


def test_replay_json_carries_its_receipt(example: Path, tmp_path: Path) -> None:
    r = invoke("--db", example, "replay", "--as-of", "2022-01-12~", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert list(doc) == ["as_of", "ledger", "states", "missions", "actors", "receipt"]
    made = doc.pop("receipt")
    assert made == {
        "query": {"command": "replay", "as_of": DAY, "size": 17},
        "size": 17,
        "root": doc["ledger"]["root"],
        "digest": "sha256:" + hashlib.sha256(rfc8785.dumps(doc)).hexdigest(),
    }
    with Ledger.open(example) as lg:
        assert made["root"] == lg.root(17)


def test_known_at_becomes_a_size(example: Path, tmp_path: Path) -> None:
    for args, size in ((["--known-at", "2000-01-01T00:00Z"], 0), (["--size", "5"], 5), ([], 17)):
        r = invoke("--db", example, "replay", "--as-of", DAY, *args, "--json", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        made = json.loads(r.stdout)["receipt"]
        assert made["query"] == {"command": "replay", "as_of": DAY, "size": size}
        assert made["size"] == size
        if size == 0:
            assert made["root"] == EMPTY_ROOT
        (tmp_path / "doc.json").write_text(r.stdout)
        checked = invoke("--db", example, "check", "doc.json", cwd=tmp_path)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_replay_state_is_in_the_query_and_checked(example: Path, tmp_path: Path) -> None:
    for args, state in (
        (["--state", "KZ"], "KZ"),
        (["--state", "RU", "--state", "KZ", "--state", "RU"], ["KZ", "RU"]),
    ):
        r = invoke("--db", example, "replay", "--as-of", DAY, *args, "--json", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        assert doc["receipt"]["query"] == {"command": "replay", "as_of": DAY, "size": 17, "state": state}
        (tmp_path / "doc.json").write_text(r.stdout)
        checked = invoke("--db", example, "check", "doc.json", cwd=tmp_path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    with Ledger.open(example) as lg:
        world = lg.replay(DAY, states=["FR"])
        doc = with_receipt(world, receipt("replay", world, state=["FR"]))
        assert json.loads(doc)["receipt"]["query"]["state"] == "FR" and lg.check(doc).ok
        # Another state in the receipt asks another question: not the answer the body gives.
        other = json.loads(doc)
        other["receipt"]["query"]["state"] = "KZ"
        assert lg.check(other).failed == ("answer",)


# check, on both backends


def test_check_holds_after_the_ledger_grows(build: Callable[..., Ledger]) -> None:
    lg = build(*(json.loads(line) for line in EXAMPLE.read_text().splitlines()))
    docs = {as_of: document(lg, as_of) for as_of in ("2022-01-04", "2022-01-08", DAY, "2022-02")}
    docs["small"] = document(lg, DAY, size=9)
    lg.import_facts([("more.jsonl", jsonl(*MORE))])
    after = document(lg, DAY)
    assert json.loads(after)["receipt"]["digest"] != json.loads(docs[DAY])["receipt"]["digest"]
    for name, doc in [*docs.items(), ("after", after)]:
        report = lg.check(doc)
        assert report.ok and report.failed == (), (name, report.message)
        assert report.size == json.loads(doc)["receipt"]["size"]
    for form in (docs[DAY].decode(), json.loads(docs[DAY])):  # text and a parsed object as well
        assert lg.check(form).ok


def test_async_check_runs_the_same_plan(build: Callable[..., Ledger]) -> None:
    lg = build(*(json.loads(line) for line in EXAMPLE.read_text().splitlines()))
    doc = document(lg)
    edited = doc.replace(b'"alikhan-smailov"', b'"someone-else"', 1)
    target = lg._store.where  # the ledger's name: a path, or the URL as given

    async def main() -> tuple[Any, Any]:
        async with AsyncLedger.open(target if "://" in target else Path(target)) as alg:
            return await alg.check(doc), await alg.check(edited)

    good, bad = asyncio.run(main())
    assert good == lg.check(doc) and good.ok
    assert bad == lg.check(edited) and bad.failed == ("document",)


def test_an_empty_ledger_checks_at_size_zero(ledger: Ledger) -> None:
    doc = document(ledger)
    assert json.loads(doc)["receipt"]["root"] == EMPTY_ROOT
    assert ledger.check(doc).ok


def test_a_size_beyond_the_ledger_is_bad_input(build: Callable[..., Ledger]) -> None:
    lg = build(*(json.loads(line) for line in EXAMPLE.read_text().splitlines()))
    doc = json.loads(document(lg))
    doc["receipt"]["size"] = doc["receipt"]["query"]["size"] = 18
    with pytest.raises(UsageError, match=r"^document: \$\.receipt\.size: 18 entries: beyond the ledger"):
        lg.check(doc)


GOOD_RECEIPT = {
    "query": {"command": "replay", "as_of": DAY, "size": 1},
    "size": 1,
    "root": "ab" * 32,
    "digest": "sha256:" + "cd" * 32,
}


def _with(path: list[str | int], value: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"as_of": DAY, "receipt": json.loads(json.dumps(GOOD_RECEIPT))}
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


NOT_DOCUMENTS: dict[str, tuple[Any, str]] = {
    "not-json": (b'{"as_of": ', r"\$: not JSON: Expecting value \(line 1, column 11\)"),
    "not-utf8": (b'{"as_of": "\xff"}', r"\$: not UTF-8"),
    "an-array": (b"[1, 2]", r"\$: a receipted document is a JSON object"),
    "nan": (b'{"x": NaN}', r"\$: not JSON: NaN is not a JSON number"),
    "duplicate-key": (b'{"a": {"b": 1, "b": 2}}', r"\$\.a\.b: the key is given twice"),
    "lone-surrogate": (b'{"a": ["\\ud800"]}', r"\$\.a\[0\]: a string holds a lone surrogate"),
    "huge-integer": (b'{"a": 9007199254740992}', r"\$\.a: the integer 9007199254740992 is beyond"),
    "no-receipt": (b'{"as_of": "2022-01-12"}', r"\$\.receipt: missing"),
    "receipt-not-object": (_with(["receipt"], [1]), r"\$\.receipt: expected `object`, got `array`"),
    "no-digest": (_with(["receipt", "digest"], ...), r"\$\.receipt: object missing required field `digest`"),
    "extra-field": (
        _with(["receipt", "signed"], True),
        r"\$\.receipt: object contains unknown field `signed`",
    ),
    "size-text": (_with(["receipt", "size"], "1"), r"\$\.receipt\.size: expected `int`, got `str`"),
    "size-negative": (_with(["receipt", "size"], -1), r"\$\.receipt\.size: expected `int` >= 0"),
    "root-upper": (_with(["receipt", "root"], "AB" * 32), r"\$\.receipt\.root: expected `str` matching"),
    "digest-md5": (_with(["receipt", "digest"], "md5:00"), r"\$\.receipt\.digest: expected `str` matching"),
    "day-not-a-day": (
        _with(["receipt", "query", "as_of"], "2022-02-30"),
        r"\$\.receipt\.query\.as_of: '2022-02-30' is not a day",
    ),
    "day-a-month": (_with(["receipt", "query", "as_of"], "2022-02"), r"\$\.receipt\.query\.as_of: expected"),
    "sizes-differ": (
        _with(["receipt", "query", "size"], 0),
        r"\$\.receipt\.query\.size: 0 is not the receipt's",
    ),
    "unknown-command": (
        _with(["receipt", "query", "command"], "timeline"),
        r"\$\.receipt\.query\.command: 'timeline' is not a command with receipts \('replay'",
    ),
    "option-not-taken": (
        _with(["receipt", "query", "mission"], "m"),
        r"\$\.receipt\.query\.mission: `replay` takes no mission",
    ),
    "state-not-a-code": (
        _with(["receipt", "query", "state"], "kz"),
        r"\$\.receipt\.query\.state: 'kz': not an ISO 3166-1 alpha-2 or former-state \(ISO 3166-3\) code",
    ),
    "states-not-codes": (
        _with(["receipt", "query", "state"], ["KZ", "Kazakhstan"]),
        r"\$\.receipt\.query\.state\[1\]: 'Kazakhstan': "
        r"not an ISO 3166-1 alpha-2 or former-state \(ISO 3166-3\) code",
    ),
    "states-a-list-of-one": (
        _with(["receipt", "query", "state"], ["KZ"]),
        r"\$\.receipt\.query\.state: expected `array` of length >= 2",
    ),
    "unknown-option": (
        _with(["receipt", "query", "lang"], "en"),
        r"\$\.receipt\.query: object contains unknown field `lang`",
    ),
}


@pytest.mark.parametrize("name", sorted(NOT_DOCUMENTS))
def test_what_is_not_a_receipted_document_is_bad_input_naming_its_path(name: str, tmp_path: Path) -> None:
    value, message = NOT_DOCUMENTS[name]
    with Ledger.open(tmp_path / "l.db", create=True) as lg:
        lg.import_files([EXAMPLE])
        with pytest.raises(UsageError, match="^document: " + message):
            lg.check(value)


# Edits of the document


def _paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*at, i))


@pytest.fixture(scope="module")
def example_document(example: Path) -> bytes:
    with Ledger.open(example) as lg:
        return document(lg)


edits = st.sampled_from(["replace", "delete", "add"])
new_values = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=3), st.just([]), st.just({})
)


@settings(max_examples=60)
@given(st.data(), edits, new_values)
def test_any_edit_of_the_body_fails_as_edited(
    example: Path, example_document: bytes, data: st.DataObject, edit: str, new: Any
) -> None:
    doc = json.loads(example_document)
    body = body_of(example_document)
    path = data.draw(st.sampled_from([p for p in _paths(body) if p]))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if edit == "delete":
        del parent[last]
    elif edit == "add" and isinstance(parent, dict):
        parent[f"{last}-added"] = new
    elif edit == "add":
        parent.insert(last, new)
    else:
        assume(canonical(parent[last]) != canonical(new))
        parent[last] = new
    with Ledger.open(example) as lg:
        report = lg.check(json.dumps(doc))
    assert not report.ok
    assert "document" in report.failed and "entries" not in report.failed, report.message
    assert "the document was edited after it was made" in report.message


@pytest.mark.parametrize(
    ("where", "value"),
    [(["query", "as_of"], "2022-01-13"), (["query", "size"], 16), (["size"], 16), (["root"], "ab" * 32)],
)
def test_a_receipt_edited_to_another_question_fails_as_edited(
    example: Path, example_document: bytes, where: list[str], value: Any
) -> None:
    doc = json.loads(example_document)
    node = doc["receipt"]
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    if where[-1] == "size":
        doc["receipt"]["size"] = doc["receipt"]["query"]["size"] = value
    with Ledger.open(example) as lg:
        report = lg.check(doc)
    assert report.failed == ("document",), report.message


def test_formatting_is_not_an_edit(example: Path, example_document: bytes) -> None:
    doc = json.loads(example_document)
    respaced = json.dumps(dict(reversed(list(doc.items()))), indent=2, ensure_ascii=True)
    with Ledger.open(example) as lg:
        assert lg.check(respaced).ok


# Copies, on both backends


def test_a_receipt_checks_on_every_copy(example: Path, pg_url: str, tmp_path: Path) -> None:
    """SQLite -> PostgreSQL -> SQLite: a document made on any of them checks on all of them, and
    the three make byte-identical documents (the same digest, the same root)."""
    back = tmp_path / "back.db"
    copy_ledger(example, pg_url)
    copy_ledger(pg_url, back)
    ledgers = [Ledger.open(example), Ledger.open(pg_url), Ledger.open(back)]
    try:
        for as_of in ("2022-01-06", DAY):
            docs = [document(lg, as_of) for lg in ledgers]
            assert docs[0] == docs[1] == docs[2]
            for lg in ledgers:
                assert lg.check(docs[0]).ok
    finally:
        for lg in ledgers:
            lg.close()
    r = invoke("--db", pg_url, "replay", "--as-of", DAY, "--json", cwd=tmp_path)
    (tmp_path / "doc.json").write_bytes(r.stdout.encode())
    for db in (example, pg_url, back):
        checked = invoke("--db", db, "check", "--json", "doc.json", cwd=tmp_path)
        assert checked.returncode == 0 and json.loads(checked.stdout)["ok"] is True, checked.stdout


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledgers_with_corrections(max_size=10), st.sampled_from(AS_OF), st.sampled_from(["sqlite", "postgres"]))
def test_property_a_digest_is_the_same_on_every_copy_and_backend(
    pg_database: str | None, tmp_path: Path, facts: list[dict[str, Any]], as_of: str, first: str
) -> None:
    if pg_database is None:
        pytest.skip("no PostgreSQL server")
    name = hashlib.sha256(jsonl(*facts) + as_of.encode() + first.encode()).hexdigest()[:16]
    local = tmp_path / f"{name}.db"
    source, copy = (
        (local, pg.new_ledger_url(pg_database))
        if first == "sqlite"
        else (
            pg.new_ledger_url(pg_database),
            local,
        )
    )
    with Ledger.open(source, create=True) as lg:
        if facts:
            lg.import_facts([("f.jsonl", jsonl(*facts))])
        doc = document(lg, as_of)
    copy_ledger(source, copy)
    with Ledger.open(copy) as lg:
        assert document(lg, as_of) == doc
        report = lg.check(doc)
        assert report.ok, report.message
    local.unlink()


# The replay index rows `check` expects are those the import writes


def test_check_expects_an_index_row_exactly_where_the_import_writes_one(tmp_path: Path) -> None:
    lines = []
    for block in (ROOT / "docs" / "events.md").read_text().split("```jsonl\n")[1:]:
        lines += [line for line in block.split("```")[0].splitlines() if line.strip()]
    db = tmp_path / "events.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_facts([("events.jsonl", "\n".join(lines).encode())])
        facts = list(lg.facts())
    with closing(sqlite3.connect(db)) as c:
        indexed = {seq for (seq,) in c.execute("SELECT seq FROM replay_index")}
    assert {parse_line(line.encode(), "-", 1).fact.TYPE for line in lines} == {f.TYPE for f in facts}
    assert {seq for seq, f in enumerate(facts) if index_payload(f) is not None} == indexed


def test_the_registry_answers_replay_as_replay_does(example: Path) -> None:
    assert set(COMMANDS) == {"replay", "audit promises", "audit conflicts"}
    from ledger.reading import answers
    from ledger.reading.plans import run as run_plan

    with Ledger.open(example) as lg:
        for day in ("2022-01-04", DAY):
            made = run_plan(answers.answer("replay", date.fromisoformat(day), 17), lg._store.fetch)
            assert msgspec.json.encode(made) == msgspec.json.encode(lg.replay(day))


# A real SQLite file altered on disk never confirms an answer


def connect(db: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(db))


def _altered(example: Path, tmp_path: Path, alter: Callable[[sqlite3.Connection], None]) -> Path:
    db = tmp_path / "altered.db"
    shutil.copyfile(example, db)
    with connect(db) as c, c:
        alter(c)
    return db


def _check(db: Path, doc: bytes, tmp_path: Path) -> tuple[int, dict[str, Any], str]:
    (tmp_path / "doc.json").write_bytes(doc)
    r = invoke("--db", db, "check", "doc.json", "--json", cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, json.loads(r.stdout), r.stdout


def _replay_json(db: Path, tmp_path: Path) -> bytes:
    r = invoke("--db", db, "replay", "--as-of", DAY, "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return r.stdout.encode()


def _state(c: sqlite3.Connection, seq: int) -> tuple[int, bytes]:
    (rowid,) = c.execute("SELECT notification_id FROM ledger_entries WHERE seq = ?", (seq,)).fetchone()
    (state,) = c.execute("SELECT state FROM stored_events WHERE rowid = ?", (rowid,)).fetchone()
    return rowid, state


def _rewrite_everything(c: sqlite3.Connection) -> None:
    """Entry 13 names another prime minister, and every hash, node, checkpoint and the replay
    index's copy are rebuilt to match: the file is consistent with itself and `verify` passes."""
    rowid, state = _state(c, SMAILOV)
    c.execute(
        "UPDATE stored_events SET state = ? WHERE rowid = ?", (state.replace(b"alikhan", b"someone"), rowid)
    )
    (payload,) = c.execute("SELECT payload FROM replay_index WHERE seq = ?", (SMAILOV,)).fetchone()
    copy = msgspec.msgpack.decode(payload)
    copy["person"] = "someone-smailov"
    c.execute("UPDATE replay_index SET payload = ? WHERE seq = ?", (msgspec.msgpack.encode(copy), SMAILOV))
    c.execute("DELETE FROM projection_snapshots")
    leaves = []
    for seq, state in c.execute(
        "SELECT e.seq, s.state FROM ledger_entries e JOIN stored_events s ON s.rowid = e.notification_id "
        "ORDER BY e.seq"
    ).fetchall():
        leaves.append(merkle.leaf_hash(state))
        c.execute("UPDATE ledger_entries SET leaf = ? WHERE seq = ?", (leaves[-1], seq))
    nodes: list[tuple[int, int, bytes]] = []
    tree = CompactRange()
    for leaf in leaves:
        tree.append(leaf, lambda level, idx, h: nodes.append((level, idx, h)) if level >= 4 else None)
    c.execute("DELETE FROM merkle_nodes")
    c.executemany("INSERT INTO merkle_nodes VALUES (?, ?, ?)", nodes)
    for (n,) in c.execute("SELECT size FROM checkpoints").fetchall():
        c.execute("UPDATE checkpoints SET root = ? WHERE size = ?", (merkle.root_of(leaves[:n]), n))


def test_a_rewritten_entry_fails_even_when_verify_passes(
    example: Path, example_document: bytes, tmp_path: Path
) -> None:
    db = _altered(example, tmp_path, _rewrite_everything)
    assert invoke("--db", db, "verify", cwd=tmp_path).returncode == 0
    wrong = _replay_json(db, tmp_path)
    assert b"someone-smailov" in wrong
    code, report, out = _check(db, example_document, tmp_path)
    assert code == 1 and report["ok"] is False, out
    assert report["message"].startswith(
        "the ledger's first 17 entries are not those the answer was made from"
    )
    assert report["root"] != json.loads(example_document)["receipt"]["root"]
    with Ledger.open(db) as lg:
        assert lg.check(example_document).failed == ("entries",)
        # The document made from the rewritten file checks against it, of course: a receipt says
        # which entries an answer comes from; only a receipt kept from before shows the rewrite.
        assert lg.check(wrong).ok


def test_an_entry_altered_alone_fails_naming_it(
    example: Path, example_document: bytes, tmp_path: Path
) -> None:
    def alter(c: sqlite3.Connection) -> None:
        rowid, state = _state(c, SMAILOV)
        c.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            (state.replace(b"alikhan", b"someone"), rowid),
        )

    db = _altered(example, tmp_path, alter)
    code, report, out = _check(db, example_document, tmp_path)
    assert code == 1, out
    assert "entry 13's stored bytes do not match its stored Merkle leaf" in report["message"]


def test_a_missing_entry_fails(example: Path, example_document: bytes, tmp_path: Path) -> None:
    db = _altered(example, tmp_path, lambda c: c.execute(f"DELETE FROM ledger_entries WHERE seq = {SMAILOV}"))
    code, report, out = _check(db, example_document, tmp_path)
    assert code == 1 and report["root"] is None and report["digest"] is None, out
    assert "entry 13 is missing" in report["message"]


def _repack(**changes: Any) -> Callable[[sqlite3.Connection], None]:
    def alter(c: sqlite3.Connection) -> None:
        (payload,) = c.execute("SELECT payload FROM replay_index WHERE seq = ?", (SMAILOV,)).fetchone()
        copy = msgspec.msgpack.decode(payload) | changes
        c.execute(
            "UPDATE replay_index SET payload = ? WHERE seq = ?", (msgspec.msgpack.encode(copy), SMAILOV)
        )

    return alter


INDEX_ALTERATIONS: dict[str, Callable[[sqlite3.Connection], None]] = {
    "payload-another-person": _repack(person="someone-else"),
    "row-deleted": lambda c: c.execute(f"DELETE FROM replay_index WHERE seq = {SMAILOV}"),
    "row-moved-to-another-day": lambda c: c.execute(
        f"UPDATE replay_index SET effective = effective - 1 WHERE seq = {SMAILOV}"
    ),
    "row-given-another-seq": lambda c: c.execute(f"UPDATE replay_index SET seq = 99 WHERE seq = {SMAILOV}"),
    "row-twice": lambda c: c.execute(
        f"INSERT INTO replay_index SELECT effective - 1, rank, seq, fact_id, type, payload "
        f"FROM replay_index WHERE seq = {SMAILOV}"
    ),
    "row-for-another-entry": lambda c: c.execute(  # entry 12's nomination, as a rank replay reads
        f"INSERT INTO replay_index SELECT effective, rank, 12, fact_id, type, payload "
        f"FROM replay_index WHERE seq = {SMAILOV}"
    ),
}


@pytest.mark.parametrize("name", sorted(INDEX_ALTERATIONS))
def test_an_altered_replay_index_never_confirms(
    example: Path, example_document: bytes, tmp_path: Path, name: str
) -> None:
    db = _altered(example, tmp_path, INDEX_ALTERATIONS[name])
    code, report, out = _check(db, example_document, tmp_path)
    assert code == 1 and report["ok"] is False, out
    assert report["root"] == json.loads(example_document)["receipt"]["root"]  # the entries are intact
    assert "the ledger can no longer answer from them" in report["message"], out
    with Ledger.open(db) as lg:
        assert lg.check(example_document).failed == ("ledger",)
        try:
            wrong = document(lg)
        except Exception:  # the fast path may refuse the altered row itself
            return
        if wrong != example_document:
            assert not lg.check(wrong).ok


def _another_snapshot(db: Path) -> None:
    """Snapshots taken every fact, then the latest before 2022-01-12 (of 2022-01-09) altered to
    name another organization for the mission."""
    with connect(db) as c, c:
        c.execute("DELETE FROM projection_snapshots")
    with Ledger.open(db, snapshot_every=1) as lg:
        lg.replay("2022-02")
    with connect(db) as c, c:
        (day, state) = c.execute(
            "SELECT effective, state FROM projection_snapshots WHERE effective <= ? ORDER BY effective DESC",
            (date.fromisoformat(DAY).toordinal(),),
        ).fetchone()
        p = Projection.restore(state)
        p.missions["csto-kazakhstan-2022"].organization = "someone-else"
        c.execute("UPDATE projection_snapshots SET state = ? WHERE effective = ?", (p.snapshot(), day))


SIDE_ALTERATIONS: dict[str, Callable[[Path], None]] = {
    "snapshot": _another_snapshot,
    # The column replay reads the corrections from: entry 15 now seems to retract entry 13.
    "corrected-column": lambda db: _set(db, "UPDATE ledger_entries SET target = ? WHERE seq = 15"),
}


def _set(db: Path, statement: str) -> None:
    with connect(db) as c, c:
        c.execute(statement, ("kz-2022-01-11-smailov-appointed",))


@pytest.mark.parametrize("name", sorted(SIDE_ALTERATIONS))
def test_what_check_does_not_read_cannot_sway_it(
    example: Path, example_document: bytes, tmp_path: Path, name: str
) -> None:
    db = tmp_path / "side.db"
    shutil.copyfile(example, db)
    SIDE_ALTERATIONS[name](db)
    wrong = _replay_json(db, tmp_path)  # the fast path reads the altered data
    assert wrong != example_document
    code, report, out = _check(db, example_document, tmp_path)
    assert code == 0 and report["ok"] is True, out
    code, report, out = _check(db, wrong, tmp_path)
    assert code == 1 and report["message"].startswith("the same entries now give another answer"), out
    with Ledger.open(db) as lg:
        assert lg.check(wrong).failed == ("answer",)


# The command


def test_check_command_text_json_stdin_and_exit_codes(
    example: Path, example_document: bytes, tmp_path: Path
) -> None:
    (tmp_path / "doc.json").write_bytes(example_document)
    r = invoke("--db", example, "check", "doc.json", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith(
        "OK: the ledger's first 17 entries have the receipt's root"
    )
    r = invoke("--db", example, "check", "-", "--json", cwd=tmp_path, stdin=example_document)
    report = json.loads(r.stdout)
    assert r.returncode == 0 and list(report) == ["ok", "size", "root", "digest", "message"]
    assert report["digest"] == json.loads(example_document)["receipt"]["digest"]
    edited = example_document.replace(b'"in_office"', b'"caretaker"')
    r = invoke("--db", example, "check", "-", cwd=tmp_path, stdin=edited)
    assert r.returncode == 1 and r.stdout.startswith("FAILED: the document was edited after it was made")
    r = invoke("--db", example, "check", "-", cwd=tmp_path, stdin=b"{}")
    assert (
        r.returncode == 2
        and r.stderr
        == "ledger: -: $.receipt: missing: this document carries no receipt "
        "(made by `replay --json` or `audit ... --json`?)\n"
    )
    r = invoke("--db", example, "check", "nowhere.json", cwd=tmp_path)
    assert r.returncode == 2 and "nowhere.json: cannot read" in r.stderr
    big = json.loads(example_document)
    big["receipt"]["size"] = big["receipt"]["query"]["size"] = 40
    (tmp_path / "big.json").write_text(json.dumps(big))
    r = invoke("--db", example, "check", "big.json", cwd=tmp_path)
    assert (
        r.returncode == 2
        and r.stderr == "ledger: big.json: $.receipt.size: 40 entries: beyond the ledger, which has 17\n"
    )


def test_read_document_keeps_the_body_apart() -> None:
    given = read_document(_with(["receipt", "size"], 1))
    assert given.body == {"as_of": DAY} and given.receipt.query.options() == {}
