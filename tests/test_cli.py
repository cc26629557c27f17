"""The `ledger` command end to end (contract sections 5-7): in this process (`invoke`), and as the
real console script (`run`, marked `subprocess`) where the test is about the process: stdin, the
environment it starts with, its exit status on failures, never a traceback."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from ledger_cli import invoke, run
from ledger_cli import json_lines as lines
from strategies import fact, fact_id, is_root, jsonl

from ledger import Ledger
from ledger.errors import UsageError

RECORDED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
M = "csto-kazakhstan-2022"


@pytest.fixture(scope="module")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example ledger, imported once through the CLI; tests below only read it."""
    tmp = tmp_path_factory.mktemp("example")
    db = tmp / "example.db"
    example = Path(__file__).resolve().parent / "fixtures" / "kazakhstan-2022-01-11.v1.jsonl"
    r = invoke("--db", db, "import", example, "--json", cwd=tmp)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"appended": 17, "unchanged": 0, "size": 17}
    return db


FACTS = [
    fact("MissionRequested", "2022-01-05", id="req", mission="m", organization="csto", host="KZ"),
    fact("ForcesDeployed", "2022-01-06", id="ru", mission="m", contributor="RU", personnel=7),
    fact("PrimeMinisterAppointed", "2022-01-07", id="pm", state="KG", person="p"),
]


# init, import, the database option


def test_init_with_db_option(tmp_path: Path) -> None:
    db = tmp_path / "sub.db"
    r = invoke("--db", db, "init", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert db.is_file()
    assert not (tmp_path / "ledger.db").exists()
    again = invoke("init", "--db", db, cwd=tmp_path)  # after the command name too; an existing ledger is kept
    assert again.returncode == 0


@pytest.mark.subprocess
def test_ledger_db_environment_variable(tmp_path: Path) -> None:
    db = tmp_path / "from-env.db"
    facts = tmp_path / "f.jsonl"
    facts.write_bytes(jsonl(*FACTS))
    r = run("import", facts, "--json", cwd=tmp_path, env_db=db)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"appended": 3, "unchanged": 0, "size": 3}
    assert db.is_file() and not (tmp_path / "ledger.db").exists()
    # --db wins over the environment.
    other = tmp_path / "other.db"
    assert run("--db", other, "init", cwd=tmp_path, env_db=db).returncode == 0
    assert len(lines(run("log", "--json", cwd=tmp_path, env_db=db).stdout)) == 3
    assert lines(run("--db", other, "log", "--json", cwd=tmp_path, env_db=db).stdout) == []


def test_default_database_is_ledger_db_in_the_working_directory(tmp_path: Path) -> None:
    r = invoke("init", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ledger.db").is_file()


def test_import_json_and_idempotence(tmp_path: Path) -> None:
    db, facts = tmp_path / "l.db", tmp_path / "facts.jsonl"
    facts.write_bytes(jsonl(*FACTS))
    first = invoke("--db", db, "import", facts, "--json", cwd=tmp_path)
    assert first.returncode == 0
    assert json.loads(first.stdout) == {"appended": 3, "unchanged": 0, "size": 3}
    again = invoke("--db", db, "import", facts, "--json", cwd=tmp_path)
    assert json.loads(again.stdout) == {"appended": 0, "unchanged": 3, "size": 3}
    human = invoke("--db", db, "import", facts, cwd=tmp_path)
    assert human.returncode == 0 and human.stdout.strip()


@pytest.mark.subprocess
def test_import_from_stdin(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    r = run("--db", db, "import", "-", "--json", cwd=tmp_path, stdin=jsonl(*FACTS[:2]))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"appended": 2, "unchanged": 0, "size": 2}


@pytest.mark.subprocess
def test_import_error_from_stdin_names_dash(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    bad = fact("ForcesDeployed", "2022-01-06", mission="m", contributor="ru")
    r = run("--db", db, "import", "-", cwd=tmp_path, stdin=jsonl(FACTS[0], bad))
    assert r.returncode == 2
    assert "-:2: $.contributor: " in r.stderr
    assert r.stdout == ""


def test_import_error_names_file_line_and_path_and_writes_nothing(tmp_path: Path) -> None:
    db, good, bad = tmp_path / "l.db", tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_bytes(jsonl(*FACTS))
    source_missing = fact("DeploymentCompleted", "2022-01-09", mission="m")
    source_missing["sources"] = [{"publisher": "p"}, {"url": "https://example.org"}]
    bad.write_bytes(b"\n" + jsonl(FACTS[0], source_missing))
    assert invoke("--db", db, "init", cwd=tmp_path).returncode == 0
    r = invoke("--db", db, "import", good, bad, cwd=tmp_path)
    assert r.returncode == 2
    assert f"{bad}:3: $.sources[1].publisher: required field is missing" in r.stderr
    assert lines(invoke("--db", db, "log", "--json", cwd=tmp_path).stdout) == []


def test_import_of_an_existing_id_with_other_content(tmp_path: Path) -> None:
    db, facts, changed = tmp_path / "l.db", tmp_path / "facts.jsonl", tmp_path / "changed.jsonl"
    facts.write_bytes(jsonl(*FACTS))
    changed.write_bytes(jsonl(FACTS[1] | {"personnel": 8}))
    assert invoke("--db", db, "import", facts, cwd=tmp_path).returncode == 0
    r = invoke("--db", db, "import", changed, cwd=tmp_path)
    assert r.returncode == 2
    assert f"{changed}:1: $.id: " in r.stderr


def test_import_of_a_missing_file(tmp_path: Path) -> None:
    r = invoke("--db", tmp_path / "l.db", "import", tmp_path / "nope.jsonl", cwd=tmp_path)
    assert r.returncode == 2
    assert "nope.jsonl" in r.stderr


def test_import_of_a_bad_retraction(tmp_path: Path) -> None:
    db, facts = tmp_path / "l.db", tmp_path / "r.jsonl"
    facts.write_bytes(jsonl(FACTS[0], fact("FactRetracted", "2022-01-12", target="ghost", reason="r")))
    r = invoke("--db", db, "import", facts, cwd=tmp_path)
    assert r.returncode == 2
    assert f"{facts}:2: $.target: " in r.stderr


# Reading: replay, timeline, log, show


def test_replay_json_document(example_db: Path, tmp_path: Path) -> None:
    r = invoke("--db", example_db, "replay", "--as-of", "2022-01-12", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert r.stdout.count("\n") == 1
    assert list(doc) == ["as_of", "ledger", "states", "missions", "actors", "receipt"]
    assert doc["actors"] == {}
    assert doc["as_of"] == "2022-01-12"
    assert list(doc["ledger"]) == ["size", "root"]
    assert doc["ledger"]["size"] == 17 and is_root(doc["ledger"]["root"])
    kz = doc["states"]["KZ"]
    assert kz["government"] == {"status": "in_office", "since": "2022-01-11"}
    assert kz["offices"]["prime-minister"] == {
        "person": "alikhan-smailov",
        "since": "2022-01-11",
        "acting": False,
        "facts": ["kz-2022-01-11-smailov-appointed"],
    }
    assert [f["contributor"] for f in kz["foreign_forces"]] == ["AM", "BY", "KG", "RU", "TJ"]
    assert kz["foreign_forces"][3] == {
        "mission": M,
        "contributor": "RU",
        "status": "deployed",
        "since": "2022-01-06",
        "fact": "kz-2022-01-11-forces-deployed-ru",
        "personnel": None,
        "strength": None,
    }
    m = doc["missions"][M]
    assert {k: m[k] for k in ("organization", "host", "status", "since")} == {
        "organization": "csto",
        "host": "KZ",
        "status": "completed",
        "since": "2022-01-11",
    }
    assert m["fact"] == "kz-2022-01-11-mission-completed" and m["strength"] is None
    assert m["contingents"]["RU"] == {
        "status": "deployed",
        "since": "2022-01-06",
        "fact": "kz-2022-01-11-forces-deployed-ru",
        "personnel": None,
        "strength": None,
    }
    assert m["withdrawal"] == {
        "announced": "2022-01-11",
        "start_by": "2022-01-13",
        "complete_by": "2022-01-23",
    }


def test_replay_with_size_and_known_at(example_db: Path, tmp_path: Path) -> None:
    r = invoke("--db", example_db, "replay", "--as-of", "2022-01-12", "--size", "1", "--json", cwd=tmp_path)
    doc = json.loads(r.stdout)
    assert doc["ledger"]["size"] == 1
    assert doc["missions"][M]["status"] == "requested"
    r = invoke(
        "--db",
        example_db,
        "replay",
        "--as-of",
        "2022-01-12",
        "--known-at",
        "2000-01-01T00:00",
        "--json",
        cwd=tmp_path,
    )
    assert json.loads(r.stdout)["ledger"]["size"] == 0


def test_replay_for_people(example_db: Path, tmp_path: Path) -> None:
    r = invoke("--db", example_db, "replay", "--as-of", "2022-01-12", cwd=tmp_path)
    assert r.returncode == 0
    assert "alikhan-smailov" in r.stdout and "csto-kazakhstan-2022" in r.stdout


def test_timeline_json_lines(example_db: Path, tmp_path: Path) -> None:
    r = invoke("--db", example_db, "timeline", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    items = lines(r.stdout)
    assert len(items) == 17
    assert all(list(item) == ["seq", "effective", "fact"] for item in items)
    assert [i["effective"] for i in items] == sorted(i["effective"] for i in items)
    assert all({"id", "type", "occurred", "sources"} <= set(i["fact"]) for i in items)
    first = items[0]
    assert first["seq"] == 0 and first["effective"] == "2022-01-06"
    assert first["fact"]["id"] == "kz-2022-01-11-mission-requested"
    assert first["fact"]["requested_by"] == "kassym-jomart-tokayev"
    assert first["fact"]["sources"][0]["language"] == "ar"


def timeline_ids(example_db: Path, cwd: Path, *options: str) -> list[str]:
    r = invoke("--db", example_db, "timeline", "--json", *options, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return [i["fact"]["id"].removeprefix("kz-2022-01-11-") for i in lines(r.stdout)]


def test_timeline_filters(example_db: Path, tmp_path: Path) -> None:
    assert timeline_ids(example_db, tmp_path, "--from", "2022-01-09", "--to", "2022-01-09") == [
        "government-dismissed",
        "smailov-left-first-deputy-pm",
        "deployment-completed",
    ]
    assert timeline_ids(example_db, tmp_path, "--to", "2022-01-06") == [
        "mission-requested",
        "mission-authorized",
        "forces-deployed-ru",
        "forces-deployed-by",
        "forces-deployed-am",
        "forces-deployed-tj",
        "forces-deployed-kg",
    ]
    # RU has a contingent in the mission: its facts concern RU (contract section 9); a statement
    # concerns the states its `about` names, not the state of its speaker's office.
    assert timeline_ids(example_db, tmp_path, "--from", "2022-01-10", "--state", "RU") == [
        "mission-completed",
        "withdrawal-announced",
    ]
    assert timeline_ids(example_db, tmp_path, "--state", "US") == ["statement-volodin"]
    assert len(timeline_ids(example_db, tmp_path, "--state", "KZ")) == 17
    assert timeline_ids(example_db, tmp_path, "--mission", M, "--from", "2022-01-07") == [
        "deployment-completed",
        "mission-completed",
        "withdrawal-announced",
        "statement-tokayev",
        "statement-shoigu",
        "statement-volodin",
    ]
    assert timeline_ids(example_db, tmp_path, "--to", "2022-01-05") == []


def test_a_timeline_that_ends_before_it_begins_is_a_usage_error(example_db: Path, tmp_path: Path) -> None:
    # Found by a trial: an empty table, exit 0, said there was nothing in those days.
    r = invoke("--db", example_db, "timeline", "--from", "2022-02", "--to", "2022-01", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == "ledger: --to 2022-01: it is before the first day asked for, 2022-02-01\n"
    with Ledger.open(example_db) as lg:
        with pytest.raises(UsageError) as e:
            lg.timeline(start="2022-01-12", end="2022-01-11")
        assert e.value.param == "end"
        # One day is not empty: a month's end is its last day, and a day's start that day.
        assert [f.fact.fact_id for f in lg.timeline(start="2022-01-11", end="2022-01")][:1] == [
            "kz-2022-01-11-smailov-nominated"
        ]


def test_log_json_lines(example_db: Path, tmp_path: Path) -> None:
    r = invoke("--db", example_db, "log", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    entries = lines(r.stdout)
    assert [e["seq"] for e in entries] == list(range(17))
    for e in entries:
        assert {"seq", "id", "type", "occurred", "recorded_at", "leaf_hash"} <= set(e)
        assert RECORDED_AT.fullmatch(e["recorded_at"])
        assert re.fullmatch(r"[0-9a-f]{64}", e["leaf_hash"]), e["leaf_hash"]
    assert [e["recorded_at"] for e in entries] == sorted(e["recorded_at"] for e in entries)
    assert len({e["leaf_hash"] for e in entries}) == 17
    assert entries[0] | {"recorded_at": None, "leaf_hash": None} == {
        "seq": 0,
        "id": "kz-2022-01-11-mission-requested",
        "type": "MissionRequested",
        "occurred": "2022-01-06?",
        "recorded_at": None,
        "leaf_hash": None,
    }
    short = lines(invoke("--db", example_db, "log", "--json", "--size", "4", cwd=tmp_path).stdout)
    assert short == entries[:4]


def test_show_by_id_and_by_seq(example_db: Path, tmp_path: Path) -> None:
    by_id = invoke("--db", example_db, "show", "kz-2022-01-11-smailov-appointed", "--json", cwd=tmp_path)
    assert by_id.returncode == 0, by_id.stderr
    view = json.loads(by_id.stdout)
    assert view["seq"] == 13
    assert view["fact"]["id"] == "kz-2022-01-11-smailov-appointed"
    assert view["fact"]["type"] == "PrimeMinisterAppointed"
    assert view["effective"] == "2022-01-11"
    by_seq = invoke("--db", example_db, "show", "13", "--json", cwd=tmp_path)
    assert json.loads(by_seq.stdout) == view
    human = invoke("--db", example_db, "show", "0", cwd=tmp_path)
    assert human.returncode == 0 and "kz-2022-01-11-mission-requested" in human.stdout


def test_show_corrected_fact(tmp_path: Path) -> None:
    db, facts = tmp_path / "l.db", tmp_path / "f.jsonl"
    retraction = fact("FactRetracted", "2022-01-12", target="ru", reason="wrong")
    facts.write_bytes(jsonl(*FACTS, retraction))
    assert invoke("--db", db, "import", facts, cwd=tmp_path).returncode == 0
    view = json.loads(invoke("--db", db, "show", "ru", "--json", cwd=tmp_path).stdout)
    assert view["corrected_by"] == {"how": "retracted", "by": fact_id(retraction)}


# verify


def test_verify_ok(example_db: Path, tmp_path: Path) -> None:
    r = invoke("--db", example_db, "verify", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert {"ok", "size", "root", "first_bad_seq", "message"} <= set(report)
    assert (report["ok"], report["size"], report["first_bad_seq"]) == (True, 17, None)
    assert is_root(report["root"])


def tamper(db: Path, seq: int, old: bytes, new: bytes) -> None:
    with sqlite3.connect(db) as con:
        (rowid,) = con.execute("SELECT notification_id FROM ledger_entries WHERE seq = ?", (seq,)).fetchone()
        (state,) = con.execute("SELECT state FROM stored_events WHERE rowid = ?", (rowid,)).fetchone()
        assert bytes(state).count(old) == 1
        con.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?", (bytes(state).replace(old, new), rowid)
        )
    con.close()


def test_verify_fails_on_a_tampered_file(tmp_path: Path) -> None:
    db, facts = tmp_path / "l.db", tmp_path / "f.jsonl"
    quoted = fact("DeploymentCompleted", "2022-01-09", mission="m")
    quoted["sources"] = [{"publisher": "p", "quote": "deployment complete"}]
    facts.write_bytes(jsonl(*FACTS, quoted))
    assert invoke("--db", db, "import", facts, cwd=tmp_path).returncode == 0
    tamper(db, 3, b"deployment complete", b"deployment complex")
    r = invoke("--db", db, "verify", "--json", cwd=tmp_path)
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert (report["ok"], report["first_bad_seq"]) == (False, 3)
    human = invoke("--db", db, "verify", cwd=tmp_path)
    assert human.returncode == 1
    assert fact_id(quoted) in human.stdout + human.stderr


def test_verify_json_on_a_missing_entry(tmp_path: Path) -> None:
    db, facts = tmp_path / "l.db", tmp_path / "f.jsonl"
    facts.write_bytes(jsonl(*FACTS))
    assert invoke("--db", db, "import", facts, cwd=tmp_path).returncode == 0
    with sqlite3.connect(db) as con:
        (rowid,) = con.execute("SELECT notification_id FROM ledger_entries WHERE seq = 1").fetchone()
        con.execute("DELETE FROM stored_events WHERE rowid = ?", (rowid,))
    con.close()
    r = invoke("--db", db, "verify", "--json", cwd=tmp_path)
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert (report["ok"], report["first_bad_seq"]) == (False, 1)


@pytest.mark.subprocess
def test_an_altered_entry_is_exit_1_without_traceback(tmp_path: Path) -> None:
    db, facts = tmp_path / "l.db", tmp_path / "f.jsonl"
    facts.write_bytes(jsonl(*FACTS))
    assert invoke("--db", db, "import", facts, cwd=tmp_path).returncode == 0
    tamper(db, 1, b'"personnel":7', b'"personnel":"seven"')
    with sqlite3.connect(db) as con:  # replay reads the replay index, its own (msgpack) copy of each fact
        con.execute("UPDATE replay_index SET payload = X'c1'")
    con.close()
    for command in (["replay", "--as-of", "2022-01-10"], ["log"], ["timeline"], ["show", "1"]):
        r = run("--db", db, *command, cwd=tmp_path)
        assert r.returncode == 1, (command, r.stderr)
        assert r.stderr.strip()


@pytest.mark.subprocess
def test_a_file_that_is_not_a_ledger_is_exit_1(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("hello\n" * 500)
    for command in (["replay"], ["verify", "--json"], ["import", "-"]):
        r = run("--db", junk, *command, cwd=tmp_path, stdin=jsonl(FACTS[0]))
        assert r.returncode == 1, (command, r.stderr)
    assert junk.read_text() == "hello\n" * 500


# demo


def test_demo_never_touches_the_database(tmp_path: Path) -> None:
    db = tmp_path / "must-not-exist.db"
    env_db = tmp_path / "env-must-not-exist.db"
    r = invoke("--db", db, "demo", "--json", cwd=tmp_path, env_db=env_db)
    assert r.returncode == 0, r.stderr
    worlds = lines(r.stdout)
    assert [w["as_of"] for w in worlds] == ["2022-01-04", "2022-01-08", "2022-01-12"]
    assert worlds[2]["states"]["KZ"]["government"] == {"status": "in_office", "since": "2022-01-11"}
    assert all(w["ledger"]["size"] == 30 for w in worlds)  # the bundled example: 17 facts, 13 descriptions
    assert worlds[2]["actors"]["alikhan-smailov"]["names"]["en"] == "Alikhan Smailov"
    assert list(tmp_path.iterdir()) == []
    human = invoke("demo", cwd=tmp_path)
    assert human.returncode == 0 and "alikhan-smailov" in human.stdout and "Alikhan Smailov" in human.stdout
    assert list(tmp_path.iterdir()) == []


# Usage errors: exit 2


@pytest.mark.subprocess
def test_reading_a_missing_ledger_is_exit_2_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "absent.db"
    r = run("--db", db, "replay", "--as-of", "2022-01-12", cwd=tmp_path)
    assert r.returncode == 2
    assert not db.exists()


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["replay", "--as-of", "2022-02-30"], "--as-of"),
        (["replay", "--as-of", "next week"], "--as-of"),
        (["replay", "--known-at", "2022-01-12~"], "--known-at"),
        (["replay", "--known-at", "2022-01-12T25:00"], "--known-at"),
        (["replay", "--size", "18"], "--size"),
        (["replay", "--size", "-1"], "--size"),
        (["replay", "--size", "many"], "--size"),
        (["log", "--size", "18"], "--size"),
        (["timeline", "--size", "99"], "--size"),
        (["timeline", "--from", "2022-13"], "--from"),
        (["timeline", "--to", "2022-02-30"], "--to"),
        (["show", "no-such-fact"], "no-such-fact"),
        (["show", "17"], "17"),
        (["show", "99999999999999999999"], "99999999999999999999"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_usage_errors_are_exit_2(example_db: Path, tmp_path: Path, args: list[str], named: str) -> None:
    r = invoke("--db", example_db, *args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert named in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize(
    ("moment", "size"),
    [
        ("0001-01-01T00:00+01:00", 0),
        ("0001-01-01T00:00Z", 0),
        ("9999-12-31T23:59-01:00", 17),
        ("9999-12-31T23:59:59.999999Z", 17),
        # A date without qualifier: the end of its effective day, UTC (contract section 9).
        ("0001-01-01", 0),
        ("2000", 0),
        ("9999-12", 17),
        ("9999-12-31", 17),
    ],
)
def test_known_at_at_the_ends_of_the_calendar(
    example_db: Path, tmp_path: Path, moment: str, size: int
) -> None:
    r = invoke(
        "--db", example_db, "replay", "--as-of", "2022-01-12", "--known-at", moment, "--json", cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ledger"]["size"] == size


# `invoke` (this process) stands for the real script in most of the tests: the same answers


ALIKE = {
    "help": ("--help",),
    "version": ("--version",),
    "unknown-command": ("frobnicate",),
    "replay-tables": ("--db", "{example}", "replay", "--as-of", "2022-01-12"),
    "replay-json": ("--db", "{example}", "replay", "--as-of", "2022-01-12", "--json"),
    "show-tables": ("--db", "{example}", "show", "13"),
    "log-json": ("--db", "{example}", "log", "--json", "--size", "3"),
    "size-too-large": ("--db", "{example}", "replay", "--size", "99"),
    "missing-ledger": ("--db", "absent.db", "log"),
    "not-a-ledger": ("--db", "junk.db", "verify"),
    "import-with-logs": ("--log-level", "info", "--db", "{new}", "import", "facts.jsonl", "--json"),
}
TIMESTAMP = re.compile(r'"timestamp": ?"[^"]*"')


@pytest.mark.subprocess
@pytest.mark.parametrize("case", ALIKE)
def test_in_this_process_as_from_the_real_script(example_db: Path, tmp_path: Path, case: str) -> None:
    (tmp_path / "junk.db").write_text("hello\n" * 500)
    (tmp_path / "facts.jsonl").write_bytes(jsonl(*FACTS))
    answers = []
    for how, ledger in (("in-process", invoke), ("script", run)):
        args = [a.format(example=example_db, new=tmp_path / f"{how}.db") for a in ALIKE[case]]
        r = ledger(*args, cwd=tmp_path, env={"COLUMNS": "80"})  # a terminal's width aside
        new = str(tmp_path / f"{how}.db")
        answers.append(
            (r.returncode, r.stdout.replace(new, "NEW"), TIMESTAMP.sub("T", r.stderr.replace(new, "NEW")))
        )
    assert answers[0] == answers[1]
    assert answers[0][1] or answers[0][2]  # something was said


def test_known_at_a_date_is_the_end_of_that_day(example_db: Path, tmp_path: Path) -> None:
    """`--known-at 2026-12-04` is `--known-at 2026-12-04T23:59:59.999999Z`, on every command."""
    recorded = lines(invoke("--db", example_db, "log", "--json", cwd=tmp_path).stdout)[0]["recorded_at"]
    day = recorded[:10]
    for command in (["replay", "--as-of", "2022-01-12"], ["timeline"], ["log"]):
        by_day = invoke("--db", example_db, *command, "--known-at", day, "--json", cwd=tmp_path)
        by_moment = invoke(
            "--db", example_db, *command, "--known-at", f"{day}T23:59:59.999999Z", "--json", cwd=tmp_path
        )
        assert by_day.returncode == 0, by_day.stderr
        assert by_day.stdout == by_moment.stdout and by_day.stdout
