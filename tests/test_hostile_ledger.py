"""Hostile ledger files: a ledger file altered by someone else, or broken by a tool, against every
command of the `ledger` script (docs/reliability.md, "Hostile ledger files").

The rule the tests hold the commands to:

1. Opening: every command checks, in two small queries, that the file is a ledger of our format:
   its schema is exactly a ledger's (no trigger, view, index or table more, none missing, no
   column changed) and `ledger_meta` holds exactly our format and a well-formed origin. Anything
   else is exit 1 naming the file, before anything is read or written; `init` and `import` check
   before they create anything. An empty file is no ledger at all: exit 2 ("no ledger here") for
   the commands that read, and `init` and `import` make the ledger there.
2. Reading: a command that reads an altered value fails with exit 1, naming the file and the
   entry at fault (`entry 2 (kz-...)`), and writes nothing. `log`, `show` and an import that
   meets an existing fact check each entry they read against its index row and its Merkle leaf.
3. A command that does not read the altered data answers as before: `replay` and `timeline`
   read the replay index (a copy of each fact, for speed), proofs and `checkpoint` the stored
   tree, so an altered stored event leaves them alone; and the replay loop checks the types of
   the values it folds but not their patterns, so a copy that was changed but keeps its types
   is answered as stored.
4. `ledger verify` reads everything and fails (exit 1) on every alteration, naming the first
   bad entry when one is at fault.
5. Never a traceback, and nothing a file holds is imported or executed.

Exit 2 stays for the user's input only.

The whole matrix runs in this process (`invoke`: click's CliRunner); a sample of it, one pair of
alteration and command for each kind of failure, runs as the real script too (`run`).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import pytest
from ledger_cli import invoke, run

from ledger import AsyncLedger, Ledger
from ledger.errors import LedgerCorrupt, StoreError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "fixtures" / "kazakhstan-2022-01-11.v1.jsonl"

ENTRY = 2  # the entry most alterations hit: a ForcesDeployed of 2022-01-06
ENTRY_ID = "kz-2022-01-11-forces-deployed-ru"
OTHER = 7  # an entry of another type (DeploymentCompleted)
CORRECTED, CORRECTED_ID = 16, "kz-2022-01-11-statement-volodin"
RETRACTION, RETRACTION_ID = 17, "ex-retraction"
SIZE = 18

NAMES_ENTRY = f"entry {ENTRY} ({ENTRY_ID})"

COMMANDS: dict[str, tuple[str, ...]] = {
    "init": ("init",),
    "import-new": ("import", "new.jsonl"),
    "import-again": ("import", str(EXAMPLE)),  # every fact exists: the import reads each entry
    "replay": ("replay", "--as-of", "2022-01-12"),
    "replay-json": (
        "replay",
        "--as-of",
        "2022-01-12",
        "--json",
        "--size",
        "10",
        "--known-at",
        "2100-01-01T00:00Z",
    ),
    "timeline": ("timeline", "--json"),
    "log": ("log",),
    "log-json": ("log", "--json"),
    "show-seq": ("show", str(ENTRY)),
    "show-id": ("show", ENTRY_ID, "--json"),
    "show-corrected": ("show", CORRECTED_ID, "--json"),
    "checkpoint": ("checkpoint", "--json"),
    "proof-inclusion": ("proof", "inclusion", ENTRY_ID, "--size", "17", "--json"),
    "proof-consistency": ("proof", "consistency", "3"),
    "verify": ("verify", "--json"),
}
ALL = frozenset(COMMANDS)
VERIFY = frozenset({"verify"})
# What reads what (besides the checks on opening).
READS_ENTRY = VERIFY | {"import-again", "log", "log-json", "show-seq", "show-id"}
READS_INDEX = VERIFY | {"replay", "replay-json", "timeline"}
READS_CORRECTION = VERIFY | {"show-corrected"}
READS_TOP_NODE = VERIFY | {"import-new", "replay", "proof-inclusion", "proof-consistency"}

NEW_FACT = {
    "id": "ex-new-withdrawal-started",
    "type": "WithdrawalStarted",
    "occurred": "2022-01-13",
    "mission": "csto-kazakhstan-2022",
    "sources": [{"publisher": "Example Wire"}],
}
RETRACT = {
    "id": RETRACTION_ID,
    "type": "FactRetracted",
    "occurred": "2022-01-14",
    "target": CORRECTED_ID,
    "reason": "misquoted",
    "sources": [{"publisher": "Example Wire"}],
}


# The pristine ledger: the example (17 entries) and a retraction of entry 16 (entry 17).


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("pristine")
    db = where / "ledger.db"
    (where / "retract.jsonl").write_text(json.dumps(RETRACT) + "\n")
    for file in (EXAMPLE, where / "retract.jsonl"):
        assert invoke("--db", db, "import", file, cwd=where).returncode == 0
    with closing(sqlite3.connect(db)) as c:
        ids = [fid for (fid,) in c.execute("SELECT fact_id FROM ledger_entries ORDER BY seq")]
    assert len(ids) == SIZE and ids[ENTRY] == ENTRY_ID and ids[RETRACTION] == RETRACTION_ID
    assert ids[CORRECTED] == CORRECTED_ID
    return db


# Alterations: with stdlib sqlite3 on the file, or on its bytes.

Alter = Callable[[Path], None]


def sql(*statements: str) -> Alter:
    def alter(db: Path) -> None:
        with closing(sqlite3.connect(db)) as c, c:
            for statement in statements:
                c.execute(statement)

    return alter


def with_connection(change: Callable[[sqlite3.Connection], None]) -> Alter:
    def alter(db: Path) -> None:
        with closing(sqlite3.connect(db)) as c, c:
            change(c)

    return alter


def notification(c: sqlite3.Connection, seq: int) -> int:
    return int(c.execute("SELECT notification_id FROM ledger_entries WHERE seq = ?", (seq,)).fetchone()[0])


def state_of(c: sqlite3.Connection, seq: int) -> bytes:
    return bytes(
        c.execute("SELECT state FROM stored_events WHERE rowid = ?", (notification(c, seq),)).fetchone()[0]
    )


def set_event(c: sqlite3.Connection, seq: int, column: str, value: object) -> None:
    c.execute(f"UPDATE stored_events SET {column} = ? WHERE rowid = ?", (value, notification(c, seq)))


def topic(value: str) -> Alter:
    return with_connection(lambda c: set_event(c, ENTRY, "topic", value))


def state(make: Callable[[sqlite3.Connection], object]) -> Alter:
    return with_connection(lambda c: set_event(c, ENTRY, "state", make(c)))


def index_payload(change: Callable[[sqlite3.Connection, bytes], object]) -> Alter:
    def alter(c: sqlite3.Connection) -> None:
        (payload,) = c.execute("SELECT payload FROM replay_index WHERE seq = ?", (ENTRY,)).fetchone()
        c.execute("UPDATE replay_index SET payload = ? WHERE seq = ?", (change(c, bytes(payload)), ENTRY))

    return with_connection(alter)


def packed(seq: int) -> Callable[[sqlite3.Connection, bytes], bytes]:
    def other(c: sqlite3.Connection, _: bytes) -> bytes:
        return bytes(c.execute("SELECT payload FROM replay_index WHERE seq = ?", (seq,)).fetchone()[0])

    return other


def repacked(**changes: object) -> Callable[[sqlite3.Connection, bytes], bytes]:
    def change(_: sqlite3.Connection, payload: bytes) -> bytes:
        return msgspec.msgpack.encode(msgspec.msgpack.decode(payload) | changes)

    return change


def top_node_text(c: sqlite3.Connection) -> None:
    level, idx = c.execute("SELECT level, idx FROM merkle_nodes ORDER BY level DESC LIMIT 1").fetchone()
    c.execute("UPDATE merkle_nodes SET hash = 'not a hash' WHERE level = ? AND idx = ?", (level, idx))


def file_bytes(make: Callable[[bytes], bytes]) -> Alter:
    def alter(db: Path) -> None:
        db.write_bytes(make(db.read_bytes()))

    return alter


def other_application(db: Path) -> None:
    db.unlink()
    with closing(sqlite3.connect(db)) as c, c:
        c.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        c.execute("INSERT INTO notes VALUES (1, 'not a ledger')")


def garble_index_page(db: Path) -> None:
    """A page only indexes live on (fact ids to seqs), overwritten as a broken disk or tool would."""
    with closing(sqlite3.connect(db)) as c:
        (page,) = c.execute(
            "SELECT pageno FROM dbstat WHERE name = 'sqlite_autoindex_ledger_entries_1' LIMIT 1"
        ).fetchone()
        (size,) = c.execute("PRAGMA page_size").fetchone()
    data = bytearray(db.read_bytes())
    data[(page - 1) * size : page * size] = b"\xff" * size
    db.write_bytes(bytes(data))


class Case:
    """An alteration, the commands that must fail (exit 1; every other one exits 0), and what a
    failure's message must say: `says` (or one of them), and `names`, the entry at fault (any one)."""

    def __init__(
        self,
        alter: Alter,
        fails: frozenset[str],
        says: str | tuple[str, ...],
        names: tuple[str, ...] = (),
        exits: dict[str, int] | None = None,
    ) -> None:
        self.alter, self.fails, self.names = alter, fails, names
        self.says = (says,) if isinstance(says, str) else says
        self.exits = {name: (1 if name in fails else 0) for name in COMMANDS} | (exits or {})


NOT_A_LEDGER = "not a timeline-ledger database"
SCHEMA_ALTERED = "the ledger's schema was altered"
DAY = date(2022, 1, 11).toordinal()

CASES: dict[str, Case] = {
    # Stored types: never imported, whatever they name.
    "topic-os-system": Case(
        topic("os:system"), READS_ENTRY, "unknown stored type 'os:system'", (NAMES_ENTRY,)
    ),
    "topic-unknown-fact": Case(
        topic("fact:Nope"), READS_ENTRY, "unknown stored type 'fact:Nope'", (NAMES_ENTRY,)
    ),
    "topic-of-another-type": Case(
        topic("fact:DeploymentCompleted"), READS_ENTRY, "disagrees", (NAMES_ENTRY,)
    ),
    "correction-topic": Case(
        with_connection(
            lambda c: c.execute(
                "UPDATE stored_events SET topic = 'builtins:eval' WHERE originator_version = 2"
            )
        ),
        READS_CORRECTION,
        "unknown stored type 'builtins:eval'",
        (f"entry {CORRECTED} ({CORRECTED_ID})", f"entry {RETRACTION} ({RETRACTION_ID})"),
    ),
    "stray-stored-event": Case(
        sql("INSERT INTO stored_events VALUES ('0123', 1, 'os:system', X'00')"),
        VERIFY,
        "stored_events holds 1 row",
    ),
    # Stored payloads.
    "payload-not-json": Case(
        state(lambda c: b"\x00\xff not json"), READS_ENTRY, "does not decode", (NAMES_ENTRY,)
    ),
    "payload-wrong-shape": Case(
        state(lambda c: b'{"fact": [1, 2]}'), READS_ENTRY, "does not decode", (NAMES_ENTRY,)
    ),
    "payload-another-type": Case(
        state(lambda c: state_of(c, OTHER)), READS_ENTRY, "disagrees", (NAMES_ENTRY,)
    ),
    "payload-not-bytes": Case(state(lambda c: 42), READS_ENTRY, "not bytes", (NAMES_ENTRY,)),
    "payload-changed-value": Case(
        state(lambda c: state_of(c, ENTRY).replace(b'"contributor":"RU"', b'"contributor":"BY"')),
        READS_ENTRY,
        "Merkle leaf",
        (NAMES_ENTRY,),
    ),
    "entry-effective-not-a-day": Case(
        sql(f"UPDATE ledger_entries SET effective = 'soon' WHERE seq = {ENTRY}"),
        READS_ENTRY,
        "effective day",
        (NAMES_ENTRY,),
    ),
    # The replay index: replay and timeline read it; a copy that decodes is answered as stored.
    "index-payload-junk": Case(
        index_payload(lambda c, p: b"\xc1junk"), READS_INDEX, "replay index", (NAMES_ENTRY,)
    ),
    "index-type-os-system": Case(
        sql(f"UPDATE replay_index SET type = 'os:system' WHERE seq = {ENTRY}"),
        READS_INDEX,
        ("unknown type 'os:system'", "replay index was altered"),
        (NAMES_ENTRY,),
    ),
    "index-value-of-the-wrong-type": Case(  # the typed views of replay refuse it too
        index_payload(repacked(personnel="many")), READS_INDEX, "replay index", (NAMES_ENTRY,)
    ),
    "index-changed-value": Case(
        index_payload(repacked(contributor="BY")), VERIFY, "replay index", (NAMES_ENTRY,)
    ),
    # The tree, the checkpoints, the snapshots.
    "top-node-not-a-hash": Case(with_connection(top_node_text), READS_TOP_NODE, ("not a hash", "altered")),
    "checkpoint-root-not-a-hash": Case(
        sql(f"UPDATE checkpoints SET root = 'x' WHERE size = {SIZE}"), VERIFY | {"checkpoint"}, "checkpoint"
    ),
    "snapshot-junk": Case(
        sql(f"INSERT INTO projection_snapshots VALUES ({DAY}, {SIZE}, X'c1')"),
        VERIFY | {"replay"},
        "snapshot",
    ),
    # ledger_meta.
    "meta-format": Case(
        sql("UPDATE ledger_meta SET value = 'other-app/3' WHERE key = 'format'"), ALL, NOT_A_LEDGER
    ),
    "meta-origin-two-lines": Case(
        sql("UPDATE ledger_meta SET value = 'example.org/log\nsize 99' WHERE key = 'origin'"), ALL, "origin"
    ),
    # The schema.
    "dropped-table": Case(sql("DROP TABLE checkpoints"), ALL, "table 'checkpoints' is missing"),
    "dropped-column": Case(sql("ALTER TABLE ledger_entries DROP COLUMN recorded_at"), ALL, SCHEMA_ALTERED),
    "renamed-column": Case(sql("ALTER TABLE stored_events RENAME COLUMN topic TO kind"), ALL, SCHEMA_ALTERED),
    "trigger": Case(  # it would delete rows and write elsewhere on the next import
        sql(
            "CREATE TRIGGER t AFTER INSERT ON stored_events BEGIN DELETE FROM checkpoints; "
            "UPDATE ledger_meta SET value = 'evil.example/' WHERE key = 'origin'; END"
        ),
        ALL,
        "trigger 't' on stored_events",
    ),
    "view": Case(sql("CREATE VIEW v AS SELECT 1 AS one"), ALL, "view 'v'"),
    "extra-index": Case(sql("CREATE INDEX i ON replay_index (fact_id)"), ALL, "index 'i' on replay_index"),
    # The file itself.
    "not-sqlite": Case(file_bytes(lambda b: b"hello, not a database\n" * 200), ALL, NOT_A_LEDGER),
    "empty-file": Case(
        file_bytes(lambda b: b""),
        frozenset(),
        "no ledger here",
        exits={name: 2 for name in ALL - {"init", "import-new", "import-again"}},
    ),
    "another-application": Case(other_application, ALL, "table 'notes'"),
    "truncated-half": Case(file_bytes(lambda b: b[: len(b) // 2]), ALL, "malformed"),
    "garbled-index-page": Case(
        garble_index_page,
        VERIFY | {"import-new", "import-again", "show-id", "show-corrected", "proof-inclusion"},
        ("malformed", "damaged"),
    ),
}


Result = tuple[subprocess.CompletedProcess[str], Path, bool]
Command = Callable[..., subprocess.CompletedProcess[str]]


def altered_file(pristine: Path, tmp_path: Path, alter: Alter) -> Path:
    (tmp_path / "new.jsonl").write_text(json.dumps(NEW_FACT) + "\n")
    altered = tmp_path / "altered.db"
    shutil.copyfile(pristine, altered)
    alter(altered)
    assert not Path(f"{altered}-wal").exists()
    return altered


def run_command(altered: Path, name: str, ledger: Command = invoke) -> Result:
    """One command on its own copy of the altered file: (result, file, whether it was written)."""
    db = altered.with_name(f"{name}.db")
    shutil.copyfile(altered, db)
    before = db.read_bytes()
    r = ledger("--db", db, *COMMANDS[name], cwd=altered.parent)  # asserts: no traceback
    wal = Path(f"{db}-wal")
    return r, db, db.read_bytes() != before or (wal.exists() and wal.stat().st_size > 0)


def run_every_command(pristine: Path, tmp_path: Path, alter: Alter) -> dict[str, Result]:
    """Each command, in this process, on its own copy of the altered file."""
    altered = altered_file(pristine, tmp_path, alter)
    return {name: run_command(altered, name) for name in COMMANDS}


def check(case: str, name: str, result: Result) -> None:
    """What the rule above says of `name` on the file `case` altered."""
    c = CASES[case]
    r, db, written = result
    out = r.stdout + r.stderr
    assert r.returncode == c.exits[name], (case, name, r.returncode, out)
    if r.returncode == 0:
        return
    assert not written, (case, name, "a failing command wrote to the file")
    assert any(s in out for s in c.says), (case, name, out)
    if name == "verify" and r.stdout:  # the file opened: a report, naming the first bad entry
        report = json.loads(r.stdout)
        assert report["ok"] is False and report["root"] is None, report
        message = report["message"]
    else:
        assert r.stderr.startswith(f"ledger: {db}: "), (case, name, r.stderr)
        message = r.stderr
    if c.names:
        assert any(n in message for n in c.names), (case, name, message)


@pytest.mark.parametrize("case", list(CASES))
def test_every_command_on_a_hostile_file(pristine: Path, tmp_path: Path, case: str) -> None:
    for name, result in run_every_command(pristine, tmp_path, CASES[case].alter).items():
        check(case, name, result)


# The real script, for one pair of each kind: the schema refused on opening (before the import
# writes), a file that is no database, a damaged database, an empty file (exit 2), an altered entry
# read, one left alone (exit 0), the replay index, and verify's report naming the entry.
REAL_SCRIPT = [
    ("trigger", "import-new"),
    ("not-sqlite", "replay"),
    ("garbled-index-page", "show-id"),
    ("empty-file", "log"),
    ("topic-os-system", "show-seq"),
    ("topic-os-system", "replay"),
    ("index-type-os-system", "timeline"),
    ("payload-changed-value", "verify"),
]


@pytest.mark.subprocess
@pytest.mark.parametrize(("case", "name"), REAL_SCRIPT)
def test_the_real_script_on_a_hostile_file(pristine: Path, tmp_path: Path, case: str, name: str) -> None:
    altered = altered_file(pristine, tmp_path, CASES[case].alter)
    check(case, name, run_command(altered, name, run))


def test_the_real_script_sample_covers_every_outcome() -> None:
    """The sample above holds a failure on opening, on reading, in verify, an exit 2 and an exit 0."""
    exits = {CASES[case].exits[name] for case, name in REAL_SCRIPT}
    assert exits == {0, 1, 2}
    assert {name for _, name in REAL_SCRIPT} >= {"verify", "import-new"}


def test_verify_in_words_names_the_entry(pristine: Path, tmp_path: Path) -> None:
    altered = tmp_path / "altered.db"
    shutil.copyfile(pristine, altered)
    topic("os:system")(altered)
    r = invoke("--db", altered, "verify", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.startswith(f"FAILED: {NAMES_ENTRY}: unknown stored type 'os:system'"), r.stdout


MARKER_MODULE = (
    "from pathlib import Path\n"
    "Path(__file__).with_name('IMPORTED').write_text(__name__)\n"
    "class Payload:\n    pass\n"
)
HOSTILE_MODULES = ("hostile_marker", "hostile_pkg", "hostile_pkg.sub")


def test_nothing_a_file_names_is_imported(
    pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored types naming a module of ours, on sys.path: every command fails or ignores them, and
    the module is never imported (it would leave a marker file); the canary shows it would."""
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "hostile_marker.py").write_text(MARKER_MODULE)
    (modules / "hostile_pkg").mkdir()
    (modules / "hostile_pkg" / "__init__.py").write_text(MARKER_MODULE)
    monkeypatch.syspath_prepend(str(modules))
    for module in HOSTILE_MODULES:  # the canary's import below is undone at teardown
        monkeypatch.setitem(sys.modules, module, sys.modules.get(module))
        del sys.modules[module]

    def alter(db: Path) -> None:
        with closing(sqlite3.connect(db)) as c, c:
            set_event(c, ENTRY, "topic", "hostile_marker:Payload")
            c.execute("UPDATE stored_events SET topic = 'hostile_pkg:Payload' WHERE originator_version = 2")
            c.execute("UPDATE replay_index SET type = 'hostile_marker:Payload' WHERE seq = 5")
            c.execute("INSERT INTO stored_events VALUES ('0123', 1, 'hostile_pkg.sub:X', X'00')")

    results = run_every_command(pristine, tmp_path, alter)
    expected = READS_ENTRY | READS_CORRECTION | READS_INDEX
    for name, (r, _, written) in results.items():
        assert r.returncode == (1 if name in expected else 0), (name, r.stdout + r.stderr)
        if r.returncode:
            assert "hostile_" in r.stdout + r.stderr and not written, (name, r.stdout + r.stderr)
    assert not list(modules.rglob("IMPORTED"))
    assert not set(HOSTILE_MODULES) & set(sys.modules)
    # The canary: importing the module does leave the marker.
    importlib.import_module("hostile_marker")
    assert (modules / "IMPORTED").exists()


# The library API (`Ledger`, `AsyncLedger`) holds to the same rule: LedgerCorrupt naming the file
# or the entry, never another exception, and never a write before the check.


def altered_copy(pristine: Path, tmp_path: Path, alter: Alter) -> Path:
    db = tmp_path / "altered.db"
    shutil.copyfile(pristine, db)
    alter(db)
    return db


@pytest.mark.parametrize("case", ["trigger", "view", "dropped-column", "meta-origin-two-lines", "not-sqlite"])
def test_opening_a_hostile_file_raises_before_anything_is_written(
    pristine: Path, tmp_path: Path, case: str
) -> None:
    db = altered_copy(pristine, tmp_path, CASES[case].alter)
    before = db.read_bytes()
    for create in (False, True):
        with pytest.raises(LedgerCorrupt) as err:
            Ledger.open(db, create=create)
        assert err.value.path == str(db) and str(err.value).startswith(f"{db}: "), str(err.value)
    with pytest.raises(LedgerCorrupt):
        asyncio.run(_async_open(db))
    assert db.read_bytes() == before


async def _async_open(db: Path) -> None:
    async with AsyncLedger.open(db):
        pass


def test_the_library_names_the_entry(pristine: Path, tmp_path: Path) -> None:
    db = altered_copy(pristine, tmp_path, topic("os:system"))
    with Ledger.open(db) as lg:
        for read in (lambda: list(lg.entries()), lambda: list(lg.log()), lambda: lg.show(ENTRY)):
            with pytest.raises(LedgerCorrupt) as err:
                read()
            assert (err.value.seq, err.value.fact_id) == (ENTRY, ENTRY_ID), str(err.value)
        report = lg.verify()
        assert (report.ok, report.first_bad_seq, report.first_bad_id) == (False, ENTRY, ENTRY_ID)
        assert lg.replay("2022-01-12").ledger.size == SIZE  # the replay index is untouched

    async def entries() -> None:
        async with AsyncLedger.open(db) as alg:
            async for _ in alg.entries():
                pass

    with pytest.raises(LedgerCorrupt) as err:
        asyncio.run(entries())
    assert (err.value.seq, err.value.fact_id) == (ENTRY, ENTRY_ID)


@pytest.mark.parametrize(
    "case", ["index-type-os-system", "index-value-of-the-wrong-type", "index-payload-junk"]
)
def test_the_library_names_a_malformed_replay_index_row(pristine: Path, tmp_path: Path, case: str) -> None:
    """Every read of the replay index (our projection's views, a sink's and the timeline's whole
    facts, sync and async) names the row, diagnosed where the loop decodes it."""
    db = altered_copy(pristine, tmp_path, CASES[case].alter)

    async def reads() -> list[tuple[int | None, str | None]]:
        named = []
        async with AsyncLedger.open(db) as alg:

            async def timeline() -> list[Any]:
                return [e async for e in alg.timeline()]

            for read in (lambda: alg.replay("2022-01-12"), timeline, lambda: alg.run(Counter())):
                with pytest.raises(LedgerCorrupt) as err:
                    await read()
                named.append((err.value.seq, err.value.fact_id))
        return named

    with Ledger.open(db) as lg:
        for read in (lambda: lg.replay("2022-01-12"), lambda: list(lg.timeline()), lambda: lg.run(Counter())):
            with pytest.raises(LedgerCorrupt) as err:
                read()
            assert (err.value.seq, err.value.fact_id) == (ENTRY, ENTRY_ID), str(err.value)
    assert asyncio.run(reads()) == [(ENTRY, ENTRY_ID)] * 3


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def apply(self, fact: object, effective: date) -> None:
        self.n += 1


class Broken:
    def apply(self, fact: object, effective: date) -> None:
        raise KeyError("a bug in the sink")


def test_a_sinks_own_error_on_a_well_formed_ledger_is_not_called_corruption(pristine: Path) -> None:
    """The fast loop blames a row only when the row is malformed; a sink's bug stays a bug."""
    with Ledger.open(pristine) as lg, pytest.raises(KeyError, match="a bug in the sink"):
        lg.run(Broken(), "2022-01-12")


def test_a_schema_changed_after_opening_is_refused_under_the_write_lock(
    pristine: Path, tmp_path: Path
) -> None:
    """The schema is checked on opening, and again by the import once it holds the write lock."""
    db = altered_copy(pristine, tmp_path, lambda _: None)
    with Ledger.open(db) as lg:
        before = lg.size(), lg.root()
        with closing(sqlite3.connect(db)) as c, c:
            c.execute("CREATE TRIGGER t AFTER INSERT ON stored_events BEGIN DELETE FROM checkpoints; END")
        new = dict(RETRACT, id="late-one", type="StatementMade", speaker="x", summary="y")
        del new["target"], new["reason"]
        with pytest.raises(StoreError, match="the ledger's schema changed since it was opened"):
            lg.import_facts([("new.jsonl", json.dumps(new).encode())])
        assert (lg.size(), lg.root()) == before


def test_verify_finds_a_merkle_node_beyond_the_ledger(pristine: Path, tmp_path: Path) -> None:
    """A stray node would make the next import that completes that subtree fail: verify says so."""
    for level, idx in ((4, 1), (2, 0), (5, 0)):
        db = tmp_path / f"stray-{level}-{idx}.db"
        shutil.copyfile(pristine, db)
        with closing(sqlite3.connect(db)) as c, c:
            c.execute("INSERT INTO merkle_nodes VALUES (?, ?, zeroblob(32))", (level, idx))
        with Ledger.open(db) as lg:
            report = lg.verify()
        assert not report.ok, (level, idx)
        assert f"merkle_nodes holds a node (level {level}, index {idx}) beyond the ledger" in report.message
