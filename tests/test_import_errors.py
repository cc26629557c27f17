"""Mistakes people make in fact files, each refused with a message that says what to write
instead (exit 2, nothing written); and the dry run, which lists every bad line at once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pg
import psycopg
import pytest
from ledger_cli import invoke
from strategies import fact, jsonl, line

from ledger import ImportCheck, Ledger
from ledger.api import check_facts
from ledger.errors import FactError
from ledger.importing.check import check_chunks, prepared_chunks

GOOD = fact("PrimeMinisterAppointed", "2022-01-11", state="KZ", person="alikhan-smailov")


def appointed(**fields: Any) -> dict[str, Any]:
    return GOOD | fields


def refused(tmp_path: Path, data: bytes, name: str = "facts.jsonl") -> str:
    """Import `data` through the real CLI into a ledger holding one fact: exit 2, nothing written,
    one line on stderr (returned without `ledger: `)."""
    db = tmp_path / "ledger.db"
    if not db.exists():
        (tmp_path / "seed.jsonl").write_bytes(jsonl(fact("DeploymentCompleted", "2022", mission="m")))
        assert invoke("--db", db, "import", "seed.jsonl", cwd=tmp_path).returncode == 0
    before = invoke("--db", db, "log", "--json", cwd=tmp_path).stdout
    (tmp_path / name).write_bytes(data)
    r = invoke("--db", db, "import", name, cwd=tmp_path)
    assert r.returncode == 2, r
    assert r.stdout == ""
    assert invoke("--db", db, "log", "--json", cwd=tmp_path).stdout == before
    assert r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith("ledger: ")
    return r.stderr[len("ledger: ") : -1]


# Item 10: each mistake, through the CLI, with what to write instead


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"type": "PrimeMinisterAppointd"}, "$.type: unknown fact type 'PrimeMinisterAppointd'; "
         "did you mean 'PrimeMinisterAppointed'?"),
        ({"state": "Kazakhstan"}, "$.state: 'Kazakhstan' is not a state code; use 'KZ'"),
        ({"state": "KAZ"}, "$.state: 'KAZ' is not a state code; use 'KZ'"),
        ({"state": "kz"}, "$.state: 'kz' is not a state code; use 'KZ'"),
        ({"state": "UK"}, "$.state: 'UK' is not an ISO 3166-1 alpha-2 state code; use 'GB'"),
        ({"person": "Alikhan Smailov"}, "$.person: 'Alikhan Smailov' is not a slug; "
         "use a slug such as 'alikhan-smailov'"),
        ({"appointed_by": "Kassym-Jomart Tokayev"}, "$.appointed_by: 'Kassym-Jomart Tokayev' is not a slug; "
         "use a slug such as 'kassym-jomart-tokayev'"),
    ],
)  # fmt: skip
def test_each_mistake_says_what_to_write(tmp_path: Path, fields: dict[str, Any], message: str) -> None:
    assert refused(tmp_path, b"\n" + line(appointed(**fields)) + b"\n") == f"facts.jsonl:2: {message}"


def test_misspelt_field(tmp_path: Path) -> None:
    f = appointed()
    f["ocurred"] = f.pop("occurred")
    assert refused(tmp_path, line(f)) == "facts.jsonl:1: $.ocurred: unknown field; did you mean 'occurred'?"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_file_with_or_without_bom(tmp_path: Path, encoding: str) -> None:
    data = jsonl(GOOD, GOOD).decode().encode(encoding)
    assert refused(tmp_path, data) == "facts.jsonl:1: $: the file is UTF-16; save it as UTF-8"


def test_utf32_file(tmp_path: Path) -> None:
    data = jsonl(GOOD).decode().encode("utf-32")
    assert refused(tmp_path, data) == "facts.jsonl:1: $: the file is UTF-32; save it as UTF-8"


def test_pretty_printed_object(tmp_path: Path) -> None:
    data = b"\n" + json.dumps(GOOD, indent=2).encode() + b"\n"
    assert refused(tmp_path, data) == (
        "facts.jsonl:2: $: a fact written over several lines (pretty-printed JSON); "
        "write one fact per line: JSON Lines"
    )


@pytest.mark.parametrize("indent", [None, 2])
def test_json_array_file(tmp_path: Path, indent: int | None) -> None:
    data = json.dumps([GOOD, GOOD], indent=indent).encode()
    assert (
        refused(tmp_path, data)
        == "facts.jsonl:1: $: a JSON array of facts; write one fact per line: JSON Lines"
    )


def test_pretty_printed_after_a_good_line_is_a_bad_line(tmp_path: Path) -> None:
    data = line(GOOD) + b"\n" + json.dumps(GOOD, indent=2).encode()
    assert refused(tmp_path, data) == (
        "facts.jsonl:2: $: not valid JSON (Input data was truncated); "
        "write each fact whole on one line (JSON Lines)"
    )


@pytest.mark.parametrize(
    ("text", "encoding", "named"),
    [
        ("Agence Française", "latin-1", "Latin-1 (ISO 8859-1)"),
        ("“Quoted” – Almaty", "cp1252", "Windows-1252"),
    ],
)
def test_8_bit_file_is_named(tmp_path: Path, text: str, encoding: str, named: str) -> None:
    data = jsonl(appointed(note=text)).decode().encode(encoding)
    assert (
        refused(tmp_path, data)
        == f"facts.jsonl:1: $: the file is not UTF-8: it looks like {named}; save it as UTF-8"
    )


def test_a_lone_surrogate_escape_is_explained(tmp_path: Path) -> None:
    data = line(appointed(note="x")).replace(b'"x"', b'"\\ud800"')
    assert refused(tmp_path, data) == (
        "facts.jsonl:1: $: not valid JSON (Input data was truncated); a \\uD800-\\uDFFF escape without "
        "its pair is half a UTF-16 surrogate pair, not a character; "
        "write the character itself, or both halves"
    )


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"\xef\xbb\xbf\n"])
def test_empty_file_imports_nothing_with_a_warning(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "empty.jsonl").write_bytes(data)
    (tmp_path / "one.jsonl").write_bytes(jsonl(GOOD))
    r = invoke("import", "empty.jsonl", "one.jsonl", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "ledger: warning: empty.jsonl: the file is empty: no fact to import\n"
    assert json.loads(r.stdout) == {
        "appended": 1,
        "unchanged": 0,
        "size": 1,
        "warnings": ["empty.jsonl: the file is empty: no fact to import"],
    }
    r = invoke("import", "one.jsonl", "--json", cwd=tmp_path)
    assert (r.stderr, json.loads(r.stdout)) == ("", {"appended": 0, "unchanged": 1, "size": 1})


def test_library_import_result_carries_the_warning(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db", create=True) as lg:
        result = lg.import_facts([("nothing.jsonl", b"")])
    assert result.warnings == ("nothing.jsonl: the file is empty: no fact to import",)
    assert repr(result) == (
        "ImportResult(appended=0, unchanged=0, size=0, "
        "warnings=('nothing.jsonl: the file is empty: no fact to import',))"
    )


# Item 11: the dry run


BAD_LINES = [
    (2, "$.type", "unknown fact type 'PrimeMinisterAppointd'; did you mean 'PrimeMinisterAppointed'?"),
    (4, "$.person", "'Alikhan Smailov' is not a slug; use a slug such as 'alikhan-smailov'"),
    (5, "$.state", "'Kazakhstan' is not a state code; use 'KZ'"),
]


def many() -> bytes:
    return jsonl(
        GOOD,
        appointed(type="PrimeMinisterAppointd"),
        appointed(occurred="2022-01-12"),
        appointed(person="Alikhan Smailov"),
        appointed(state="Kazakhstan"),
    )


def test_dry_run_lists_every_bad_line_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "many.jsonl").write_bytes(many())
    (tmp_path / "seed.jsonl").write_bytes(jsonl(GOOD))
    assert invoke("import", "seed.jsonl", cwd=tmp_path).returncode == 0
    before = invoke("log", "--json", cwd=tmp_path).stdout
    r = invoke("import", "--dry-run", "many.jsonl", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        *(f"ledger: many.jsonl:{n}: {path}: {message}" for n, path, message in BAD_LINES),
        "ledger: 3 bad lines; nothing was written",
    ]
    assert invoke("log", "--json", cwd=tmp_path).stdout == before
    # A plain import still stops at the first.
    r = invoke("import", "many.jsonl", cwd=tmp_path)
    assert (r.returncode, r.stderr.splitlines()) == (
        2,
        [f"ledger: many.jsonl:2: {BAD_LINES[0][1]}: {BAD_LINES[0][2]}"],
    )


def test_dry_run_max_errors_then_and_n_more(tmp_path: Path) -> None:
    (tmp_path / "many.jsonl").write_bytes(many())
    r = invoke("import", "--dry-run", "--max-errors", "1", "many.jsonl", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        f"ledger: many.jsonl:2: {BAD_LINES[0][1]}: {BAD_LINES[0][2]}",
        "ledger: and 2 more",
        "ledger: 3 bad lines; nothing was written",
    ]
    assert not (tmp_path / "ledger.db").exists()


def test_dry_run_default_lists_100(tmp_path: Path) -> None:
    bad = appointed(state="kz")
    (tmp_path / "bad.jsonl").write_bytes(jsonl(*[bad] * 250))
    r = invoke("import", "--dry-run", "bad.jsonl", cwd=tmp_path)
    lines = r.stderr.splitlines()
    assert r.returncode == 2
    assert len(lines) == 102
    assert lines[0] == "ledger: bad.jsonl:1: $.state: 'kz' is not a state code; use 'KZ'"
    assert lines[99].startswith("ledger: bad.jsonl:100: ")
    assert lines[100:] == ["ledger: and 150 more", "ledger: 250 bad lines; nothing was written"]


def test_max_errors_needs_dry_run(tmp_path: Path) -> None:
    (tmp_path / "one.jsonl").write_bytes(jsonl(GOOD))
    r = invoke("import", "--max-errors", "3", "one.jsonl", cwd=tmp_path)
    assert r.returncode == 2
    assert "--max-errors: it applies to --dry-run only" in r.stderr
    assert not (tmp_path / "ledger.db").exists()
    r = invoke("import", "--dry-run", "--max-errors", "0", "one.jsonl", cwd=tmp_path)
    assert r.returncode == 2


def test_dry_run_makes_no_ledger_file(tmp_path: Path) -> None:
    (tmp_path / "one.jsonl").write_bytes(jsonl(GOOD, GOOD))
    r = invoke("--db", "new.db", "import", "--dry-run", "one.jsonl", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == (
        "Dry run: 1 fact would be appended (1 unchanged); nothing was written. The ledger has 0 entries.\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.jsonl"]
    (tmp_path / "many.jsonl").write_bytes(many())
    assert invoke("--db", "new.db", "import", "--dry-run", "many.jsonl", cwd=tmp_path).returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["many.jsonl", "one.jsonl"]


def test_dry_run_makes_no_postgres_ledger(tmp_path: Path, pg_url: str) -> None:
    (tmp_path / "one.jsonl").write_bytes(jsonl(GOOD))
    r = invoke("--db", pg_url, "import", "--dry-run", "one.jsonl", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    base, schema = pg_url.rsplit("?schema=", 1)
    with psycopg.connect(base) as conn:
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    assert found is None


def test_dry_run_json(tmp_path: Path) -> None:
    (tmp_path / "many.jsonl").write_bytes(many())
    (tmp_path / "empty.jsonl").write_bytes(b"")
    r = invoke(
        "import", "--dry-run", "--json", "--max-errors", "2", "many.jsonl", "empty.jsonl", cwd=tmp_path
    )
    assert r.returncode == 2
    assert json.loads(r.stdout) == {
        "ok": False,
        "new": 2,
        "unchanged": 0,
        "size": 0,
        "errors": [
            {"file": "many.jsonl", "line": n, "path": path, "message": message}
            for n, path, message in BAD_LINES[:2]
        ],
        "more": 1,
        "warnings": ["empty.jsonl: the file is empty: no fact to import"],
    }
    (tmp_path / "one.jsonl").write_bytes(jsonl(GOOD))
    r = invoke("import", "--dry-run", "--json", "one.jsonl", cwd=tmp_path)
    assert (r.returncode, json.loads(r.stdout)) == (
        0,
        {"ok": True, "new": 1, "unchanged": 0, "size": 0, "errors": [], "more": 0},
    )


def test_dry_run_of_several_files_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(jsonl(appointed(state="kz")))
    (tmp_path / "b.jsonl").write_bytes(json.dumps([GOOD]).encode())
    r = invoke(
        "import",
        "--dry-run",
        "a.jsonl",
        "-",
        "b.jsonl",
        cwd=tmp_path,
        stdin=jsonl(GOOD, appointed(person="X Y")),
    )
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        "ledger: a.jsonl:1: $.state: 'kz' is not a state code; use 'KZ'",
        "ledger: -:2: $.person: 'X Y' is not a slug; use a slug such as 'x-y'",
        "ledger: b.jsonl:1: $: a JSON array of facts; write one fact per line: JSON Lines",
        "ledger: 3 bad lines; nothing was written",
    ]


# The checks that need the ledger, against the existing ledger, on both backends


def test_dry_run_checks_against_the_ledger(open_ledger: Callable[..., Ledger]) -> None:
    lg = open_ledger()
    lg.import_facts([("seed.jsonl", jsonl(appointed(id="pm"), appointed(id="x", person="b")))])
    lg.import_facts(
        [("fix.jsonl", jsonl(fact("FactRetracted", "2022-01-13", id="r1", target="x", reason="r")))]
    )
    root, size = lg.root(), lg.size()
    data = jsonl(
        appointed(id="pm"),  # unchanged
        appointed(id="pm", person="c"),  # the id exists with other content
        fact("FactRetracted", "2022-01-13", target="nothing", reason="r"),  # no such target
        fact("FactRetracted", "2022-01-13", target="x", reason="again"),  # a second correction
        appointed(person="d", supersedes="r1"),  # a retraction cannot be corrected
        appointed(person="e"),  # new
        appointed(person="f", supersedes="pm"),  # new, and corrects pm
        appointed(person="g", supersedes="pm"),  # ... so pm cannot be corrected again
    )
    report = lg.check_facts([("more.jsonl", data)])
    by = report_id(appointed(person="f", supersedes="pm"))
    assert isinstance(report, ImportCheck)
    assert [(e.line, e.path, e.message) for e in report.errors] == [
        (2, "$.id", "fact 'pm' exists with other content"),
        (3, "$.target", "no fact 'nothing' is recorded before this one"),
        (4, "$.target", "'x' was already retracted by 'r1'; a fact is corrected once"),
        (5, "$.supersedes", "'r1' is a FactRetracted, which cannot be retracted or superseded"),
        (8, "$.supersedes", f"'pm' was already superseded by {by!r}; a fact is corrected once"),
    ]  # fmt: skip
    assert all(isinstance(e, FactError) and e.source == "more.jsonl" for e in report.errors)
    assert (report.ok, report.new, report.unchanged, report.size, report.more) == (False, 2, 1, size, 0)
    assert (lg.size(), lg.root()) == (size, root)
    # Fixed, the same lines check out, and importing them does what the dry run said.
    good = jsonl(appointed(id="pm"), appointed(person="e"), appointed(person="f", supersedes="pm"))
    report = lg.check_facts([("more.jsonl", good)])
    assert (report.ok, report.errors, report.new, report.unchanged) == (True, (), 2, 1)
    result = lg.import_facts([("more.jsonl", good)])
    assert (result.appended, result.unchanged) == (report.new, report.unchanged)


def report_id(f: dict[str, Any]) -> str:
    from strategies import fact_id

    return fact_id(f)


def test_library_check_facts_limits_and_counts(open_ledger: Callable[..., Ledger]) -> None:
    lg = open_ledger()
    data = jsonl(*[appointed(state="kz")] * 30, GOOD)
    report = lg.check_facts([("a.jsonl", data), ("b.jsonl", b"[]")], max_errors=5)
    assert [(e.source, e.line) for e in report.errors] == [("a.jsonl", n) for n in range(1, 6)]
    assert (report.more, report.new, report.ok) == (26, 1, False)
    with pytest.raises(ValueError, match="max_errors 0: must be a whole number, 1 or more"):
        lg.check_facts([("a.jsonl", data)], max_errors=0)
    assert lg.size() == 0


def test_check_facts_without_a_ledger() -> None:
    report = check_facts([("a.jsonl", jsonl(GOOD, appointed(id="x", supersedes="nowhere")))])
    assert [(e.line, e.path) for e in report.errors] == [(2, "$.supersedes")]
    assert (report.new, report.size) == (1, 0)


def test_async_check_facts(tmp_path: Path) -> None:
    import asyncio

    from ledger import AsyncLedger

    with Ledger.open(tmp_path / "l.db", create=True) as lg:
        lg.import_facts([("seed.jsonl", jsonl(GOOD))])

    async def main() -> ImportCheck:
        async with AsyncLedger.open(tmp_path / "l.db") as alg:
            return await alg.check_facts([("m.jsonl", many())], max_errors=2)

    report = asyncio.run(main())
    assert [(e.line, e.path) for e in report.errors] == [(2, "$.type"), (4, "$.person")]
    assert (report.more, report.unchanged, report.size) == (1, 1, 1)


def test_keep_going_is_the_same_in_the_checking_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ledger.importing.check.FIRST_CHUNK", 3)
    monkeypatch.setattr("ledger.importing.check.CHUNK", 4)
    data = jsonl(*[GOOD, appointed(state="kz"), appointed(person="p1")] * 7)
    inputs = [("a.jsonl", data), ("b.jsonl", b"{\n}"), ("c.jsonl", data)]
    here = list(check_chunks(inputs, keep_going=True))
    there = list(prepared_chunks(inputs, parallel=True, keep_going=True))
    assert here == there
    assert [len(c.lines) + len(c.problems) for c in here if c.input == 0] == [3, 4, 4, 4, 4, 2]
    assert sum(len(c.problems) for c in here) == 7 + 1 + 7
    assert [c.size for c in here if c.input == 0] and sum(c.size for c in here if c.input == 0) == len(data)


def test_dry_run_on_postgres_through_the_cli(tmp_path: Path, pg_url: str) -> None:
    (tmp_path / "seed.jsonl").write_bytes(jsonl(appointed(id="pm")))
    assert invoke("--db", pg_url, "import", "seed.jsonl", cwd=tmp_path).returncode == 0
    (tmp_path / "more.jsonl").write_bytes(jsonl(appointed(id="pm", person="z"), appointed(state="KAZ")))
    r = invoke("--db", pg_url, "import", "--dry-run", "more.jsonl", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        "ledger: more.jsonl:1: $.id: fact 'pm' exists with other content",
        "ledger: more.jsonl:2: $.state: 'KAZ' is not a state code; use 'KZ'",
        "ledger: 2 bad lines; nothing was written",
    ]
    assert invoke("--db", pg_url, "verify", cwd=tmp_path).returncode == 0
    assert pg  # the fixture module: a server is needed (skipped without one)
