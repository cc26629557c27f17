"""Exports (contract section 14): `ledger export facts|spells|entries`, `Ledger.export` and
`Ledger.spells`, on real ledgers: columns, order, types in CSV, JSON Lines and Parquet; spells on
real messy episodes (tests/episodes/) and on interim holders and same-day spells; the entries file
imported back into an empty ledger answering the same (a hypothesis property); CLI errors."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import shutil
import subprocess
import tempfile
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from ledger_cli import invoke
from strategies import AS_OF, Fact, jsonl, ledgers_with_corrections, mask_root

from ledger import AsyncLedger, Ledger
from ledger.bench import synthetic_facts
from ledger.errors import UsageError
from ledger.exports import COLUMNS, write, write_file

EPISODES = Path(__file__).parent / "episodes"
FACT_COLUMNS = [
    "seq",
    "id",
    "type",
    "occurred",
    "effective",
    "state",
    "host",
    "mission",
    "organization",
    "contributor",
    "person",
    "office",
    "personnel",
    "personnel_high",
    "summary",
    "sources",
]
SPELL_COLUMNS = [
    "kind",
    "state",
    "office",
    "mission",
    "holder",
    "acting",
    "start",
    "start_day",
    "end",
    "end_day",
    "start_fact",
    "end_fact",
    "personnel",
    "name",
]
SRC = [{"publisher": "test"}]


def f(id_: str, type_: str, occurred: str, **fields: Any) -> dict[str, Any]:
    return {"id": id_, "type": type_, "occurred": occurred, "sources": SRC, **fields}


def export(tmp: Path, db: Path, *args: str) -> Any:
    proc = invoke("--db", db, "export", *args, cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    return proc


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def spells_of(lg: Ledger, **kwargs: Any) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(s) for s in lg.spells(**kwargs)]


def brief(spells: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(s["holder"], s["acting"], s["start_fact"], s["end_fact"]) for s in spells]


# facts


@pytest.fixture
def episodes(tmp_path: Path) -> Path:
    db = tmp_path / "episodes.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_files([EPISODES / "mexico-1913.jsonl", EPISODES / "niger-2023.jsonl"])
    return db


def test_facts_csv_columns_order_and_cells(episodes: Path, tmp_path: Path) -> None:
    text = export(tmp_path, episodes, "facts", "--as-of", "2024").stdout
    assert "\r" not in text and text.startswith(",".join(FACT_COLUMNS) + "\n")
    rows = csv_rows(text)
    with Ledger.open(episodes) as lg:
        timeline = list(lg.timeline(end="2024"))
        assert [r["id"] for r in rows] == [e.fact.fact_id for e in timeline]  # replay order
        assert [int(r["seq"]) for r in rows] == [e.seq for e in timeline]
        assert [r["effective"] for r in rows] == [e.effective_day.isoformat() for e in timeline]
        shown = {e.fact.fact_id: e.fact for e in timeline}
    by_id = {r["id"]: r for r in rows}
    lascurain = by_id["mx-1913-lascurain-president"]
    assert lascurain["office"] == "president" and lascurain["state"] == "MX" and lascurain["host"] == ""
    assert json.loads(lascurain["sources"]) == json.loads(
        msgspec.json.encode(shown["mx-1913-lascurain-president"].sources)
    )
    prime = [r for r in rows if r["type"].startswith("PrimeMinister")]
    assert prime and all(r["office"] == "prime-minister" for r in prime)
    # host: the fact's own, else the mission's host at that point
    forces = [r for r in rows if r["mission"] == "french-forces-niger"]
    assert forces and all(r["host"] == "NE" for r in forces)
    figures = [r for r in rows if r["type"] == "StrengthReported"]
    assert any(r["personnel_high"] for r in figures) and all(r["personnel"] for r in figures)
    assert all(r["summary"] for r in rows)


def test_facts_jsonl_and_parquet_types(episodes: Path, tmp_path: Path) -> None:
    lines = export(tmp_path, episodes, "facts", "--as-of", "2024", "--format", "jsonl").stdout.splitlines()
    docs = [json.loads(line) for line in lines]
    assert all(list(d) == FACT_COLUMNS for d in docs)
    assert all(isinstance(d["sources"], list) and isinstance(d["seq"], int) for d in docs)
    assert any(d["host"] is None for d in docs) and any(d["personnel"] is not None for d in docs)
    export(tmp_path, episodes, "facts", "--as-of", "2024", "--format", "parquet", "-o", "facts.parquet")
    table = pq.read_table(tmp_path / "facts.parquet")
    types = {field.name: str(field.type) for field in table.schema}
    assert list(types) == FACT_COLUMNS
    assert types["effective"] == "date32[day]" and types["seq"] == "int64" and types["personnel"] == "int64"
    assert types["sources"] == "string" and types["summary"] == "string"
    back = table.to_pylist()
    assert [r["id"] for r in back] == [d["id"] for d in docs]
    assert [r["effective"] for r in back] == [date.fromisoformat(d["effective"]) for d in docs]
    assert [json.loads(r["sources"]) for r in back] == [d["sources"] for d in docs]


def test_as_of_and_knowledge_narrow_the_export(episodes: Path, tmp_path: Path) -> None:
    before = csv_rows(export(tmp_path, episodes, "facts", "--as-of", "1913-02-18").stdout)
    assert [r["id"] for r in before] == ["mx-1911-madero-president"]
    assert csv_rows(export(tmp_path, episodes, "facts", "--size", "0").stdout) == []
    assert export(tmp_path, episodes, "facts", "--size", "0").stdout == ",".join(FACT_COLUMNS) + "\n"


def test_an_empty_parquet_export_keeps_its_schema(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "empty.db", create=True) as lg:
        assert write_file("spells", lg.export("spells"), "parquet", tmp_path / "s.parquet") == 0
    schema = pq.read_schema(tmp_path / "s.parquet")
    assert schema.names == SPELL_COLUMNS and str(schema.field("acting").type) == "bool"
    assert str(schema.field("end_day").type) == "date32[day]"


# spells


def test_spells_of_mexico_1913_three_presidents_in_a_day(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "mx.db", create=True) as lg:
        lg.import_files([EPISODES / "mexico-1913.jsonl"])
        spells = spells_of(lg, as_of="1913-12-31")
    assert brief(spells) == [
        ("francisco-i-madero", False, "mx-1911-madero-president", "mx-1913-huerta-coup"),
        # under an hour: his resignation, folded before his appointment, ends it the same day
        ("pedro-lascurain", False, "mx-1913-lascurain-president", "mx-1913-lascurain-resigned"),
        ("victoriano-huerta", False, "mx-1913-huerta-president", None),
    ]
    lascurain = spells[1]
    assert lascurain["start_day"] == lascurain["end_day"] == "1913-02-19"
    assert all(s["kind"] == "office" and s["state"] == "MX" and s["office"] == "president" for s in spells)
    assert spells[2]["end"] is None and spells[2]["end_day"] is None and spells[2]["personnel"] is None


def test_spells_of_niger_2023_coup_interim_and_french_forces(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "ne.db", create=True) as lg:
        lg.import_files([EPISODES / "niger-2023.jsonl"])
        spells = spells_of(lg, as_of="2023-12-31")
        described = {s["holder"]: s["name"] for s in spells}
        mid = spells_of(lg, as_of="2023-09-30")
    offices = [(s["office"], *t) for s, t in zip(spells, brief(spells), strict=True) if s["kind"] == "office"]
    assert offices == [
        ("president", "mohamed-bazoum", False, "ne-2021-bazoum-president", "ne-2023-07-26-coup"),
        ("president-of-the-cnsp", "abdourahamane-tchiani", False, "ne-2023-07-28-tchiani-cnsp", None),
        (
            "prime-minister",
            "ouhoumoudou-mahamadou",
            False,
            "ne-2021-ouhoumoudou-pm",
            "ne-2023-07-27-massaoudou-interim",
        ),
        # the self-proclaimed interim, acting, until the junta's own prime minister
        (
            "prime-minister",
            "hassoumi-massaoudou",
            True,
            "ne-2023-07-27-massaoudou-interim",
            "ne-2023-08-07-zeine-pm",
        ),
        ("prime-minister", "ali-mahaman-lamine-zeine", False, "ne-2023-08-07-zeine-pm", None),
    ]
    [france] = [s for s in spells if s["kind"] == "contingent"]
    assert (france["state"], france["mission"], france["holder"], france["acting"]) == (
        "NE",
        "french-forces-niger",
        "FR",
        None,
    )
    assert (france["end_day"], france["end_fact"]) == ("2023-12-22", "ne-2023-12-22-last-troops-left")
    with Ledger.open(tmp_path / "ne.db") as lg:
        world = lg.replay("2023-12-22")
    assert france["personnel"] == world.missions["french-forces-niger"].contingents["FR"].personnel
    assert described["FR"] == "France"  # the ISO 3166 name: no description of FR
    [open_france] = [s for s in mid if s["kind"] == "contingent"]
    assert open_france["end"] is None
    with Ledger.open(tmp_path / "ne.db") as lg:
        at = lg.replay("2023-09-30").missions["french-forces-niger"].contingents["FR"].personnel
    assert open_france["personnel"] == at


def test_an_interim_hands_the_office_back_and_a_dismissal_does_not_split_a_spell(
    build: Callable[..., Ledger],
) -> None:
    lg = build(
        f("a1", "OfficeAssumed", "2020-01-01", state="KZ", office="minister-of-defence", person="ana"),
        f(
            "b1",
            "OfficeAssumed",
            "2020-02-01",
            state="KZ",
            office="minister-of-defence",
            person="ben",
            interim=True,
        ),
        f("b2", "OfficeLeft", "2020-02-10", state="KZ", office="minister-of-defence", person="ben"),
        f("d1", "GovernmentDismissed", "2020-03-01", state="KZ"),
        # the same day: an interim appointed and gone again (the OfficeLeft, of an earlier rank,
        # recorded first), handing the office back the same day
        f("c2", "OfficeLeft", "2020-05-05", state="KZ", office="minister-of-defence", person="cai"),
        f(
            "c1",
            "OfficeAssumed",
            "2020-05-05",
            state="KZ",
            office="minister-of-defence",
            person="cai",
            interim=True,
        ),
        f(
            "a2",
            "OfficeLeft",
            "2020-06-01",
            state="KZ",
            office="minister-of-defence",
            person="ana",
            reason="resigned",
        ),
        f("n1", "ActorDescribed", "2024-01-01", actor="ana", names={"en": "Ana", "fr": "Anne"}),
    )
    spells = spells_of(lg, as_of="2021")
    assert brief(spells) == [
        ("ana", False, "a1", "b1"),
        ("ben", True, "b1", "b2"),
        ("ana", False, "b2", "c1"),  # handed back; d1 then made her acting, without a new entry
        # the same day, by holder: handed back to her, acting as she was before the interim
        ("ana", True, "c2", "a2"),
        ("cai", True, "c1", "c2"),
    ]
    assert [(s["start_day"], s["end_day"]) for s in spells[2:]] == [
        ("2020-02-10", "2020-05-05"),
        ("2020-05-05", "2020-06-01"),
        ("2020-05-05", "2020-05-05"),
    ]
    assert [s["name"] for s in spells] == ["Ana", None, "Ana", "Ana", None]
    assert next(s["name"] for s in spells_of(lg, as_of="2021", lang="fr-CA")) == "Anne"
    # Up to a day before an end, the spell is open there.
    assert brief(spells_of(lg, as_of="2020-02-09"))[-1] == ("ben", True, "b1", None)


def test_contingent_spells_redeployment_and_sort_order(build: Callable[..., Ledger]) -> None:
    m = {"mission": "alpha"}
    lg = build(
        f("r1", "MissionRequested", "2020-01-01", organization="csto", host="KG", **m),
        f("x1", "ForcesDeployed", "2020-01-05", contributor="RU", personnel=100, **m),
        f("x2", "ForcesDeployed", "2020-01-06", contributor="RU", personnel=150, **m),  # no new spell
        f("x3", "ForcesDeployed", "2020-01-07", contributor="BY", **m),
        f("s1", "StrengthReported", "2020-03-01", contributor="RU", personnel=90, personnel_high=120, **m),
        f("w1", "ForcesWithdrawn", "2020-03-01", contributor="RU", **m),
        f("x4", "ForcesDeployed", "2021-01-01", contributor="RU", personnel=40, **m),  # redeployment
        f("p1", "OfficeAssumed", "2020-01-02", state="KG", office="president", person="ben"),
        f("p2", "OfficeAssumed", "2020-01-02", state="AM", office="president", person="ana"),
    )
    spells = spells_of(lg, as_of="2021-06")
    keys = [(s["kind"], s["state"], s["office"] or s["mission"], s["start_day"], s["holder"]) for s in spells]
    assert keys == sorted(keys)
    contingents = [
        (s["holder"], s["start_fact"], s["end_fact"], s["personnel"])
        for s in spells
        if s["kind"] == "contingent"
    ]
    assert contingents == [
        ("RU", "x1", "w1", 90),  # the figure of its end day, a claim folded after the withdrawal
        ("BY", "x3", None, None),
        ("RU", "x4", None, 40),
    ]
    assert [s["state"] for s in spells if s["kind"] == "contingent"] == ["KG"] * 3


def test_spells_csv_and_parquet(episodes: Path, tmp_path: Path) -> None:
    text = export(tmp_path, episodes, "spells", "--as-of", "2024").stdout
    assert text.startswith(",".join(SPELL_COLUMNS) + "\n")
    rows = csv_rows(text)
    assert {r["acting"] for r in rows} == {"true", "false", ""}  # "" for a contingent
    export(tmp_path, episodes, "spells", "--as-of", "2024", "--format", "parquet", "-o", "spells.parquet")
    table = pq.read_table(tmp_path / "spells.parquet")
    assert table.schema.names == SPELL_COLUMNS
    types = {field.name: str(field.type) for field in table.schema}
    assert (types["acting"], types["start_day"], types["end_day"], types["personnel"]) == (
        "bool",
        "date32[day]",
        "date32[day]",
        "int64",
    )
    assert [r["start_fact"] for r in table.to_pylist()] == [r["start_fact"] for r in rows]


# entries: a copy as a file


def test_entries_are_the_facts_as_show_gives_them(episodes: Path, tmp_path: Path) -> None:
    lines = export(tmp_path, episodes, "entries").stdout.encode().splitlines()
    with Ledger.open(episodes) as lg:
        assert len(lines) == lg.size()
        for seq, line in enumerate(lines):
            assert line == msgspec.json.encode(lg.show(seq).fact)


def _round_trip(facts: list[Fact], tmp: Path) -> None:
    with Ledger.open(tmp / "a.db", create=True) as a:
        a.import_facts([("f.jsonl", jsonl(*facts))])
        out = io.BytesIO()
        write("entries", a.export("entries"), "jsonl", out)
        with Ledger.open(tmp / "b.db", create=True) as b:
            b.import_facts([("entries.jsonl", out.getvalue())])
            assert b.size() == a.size()
            for day in AS_OF:
                assert mask_root(msgspec.to_builtins(a.replay(day))) == mask_root(
                    msgspec.to_builtins(b.replay(day))
                )
                # and the audits of contract section 12
                for audit in (Ledger.promises, Ledger.conflicts):
                    assert mask_root(msgspec.to_builtins(audit(a, day))) == mask_root(
                        msgspec.to_builtins(audit(b, day))
                    )
            assert list(a.timeline()) == list(b.timeline())
            assert list(a.export("facts", as_of="2030")) == list(b.export("facts", as_of="2030"))
            assert list(a.spells(as_of="2030")) == list(b.spells(as_of="2030"))


@given(ledgers_with_corrections())
def test_importing_exported_entries_gives_the_same_answers(facts: list[Fact]) -> None:
    with tempfile.TemporaryDirectory(prefix="ledger-export-") as tmp:
        _round_trip(facts, Path(tmp))


def test_exported_episodes_import_back(episodes: Path, tmp_path: Path) -> None:
    export(tmp_path, episodes, "entries", "-o", "copy.jsonl")
    copy = tmp_path / "copy.db"
    assert invoke("--db", copy, "import", "copy.jsonl", cwd=tmp_path).returncode == 0
    for day in ("1913-02-19", "2023-07-27", "2024"):
        a = invoke("--db", episodes, "replay", "--as-of", day, "--json", cwd=tmp_path).stdout
        b = invoke("--db", copy, "replay", "--as-of", day, "--json", cwd=tmp_path).stdout
        assert mask_root(json.loads(a)) == mask_root(json.loads(b))
        for audit in ("promises", "conflicts"):
            a = invoke("--db", episodes, "audit", audit, "--as-of", day, "--json", cwd=tmp_path).stdout
            b = invoke("--db", copy, "audit", audit, "--as-of", day, "--json", cwd=tmp_path).stdout
            assert mask_root(json.loads(a)) == mask_root(json.loads(b))
    a = invoke("--db", episodes, "timeline", "--json", cwd=tmp_path).stdout
    assert a == invoke("--db", copy, "timeline", "--json", cwd=tmp_path).stdout


# The library


def test_export_checks_its_arguments_before_reading(episodes: Path) -> None:
    with Ledger.open(episodes) as lg:
        with pytest.raises(UsageError, match="as_of: does not apply to entries"):
            lg.export("entries", as_of="2024")
        with pytest.raises(UsageError, match="kind plots"):
            lg.export("plots")
        with pytest.raises(UsageError, match="lang"):
            lg.spells(lang="english!")
        with pytest.raises(UsageError, match="size"):
            lg.export("facts", size=10_000)


def test_async_exports_equal_the_sync_ones(episodes: Path) -> None:
    async def read() -> tuple[list[Any], list[Any], list[Any]]:
        async with AsyncLedger.open(episodes) as lg:
            facts = [r async for r in lg.export("facts", as_of="2024")]
            spells = [s async for s in lg.export("spells", as_of="2024", lang="fr")]
            entries = [e async for e in lg.export("entries")]
            return facts, spells, entries

    facts, spells, entries = asyncio.run(read())
    with Ledger.open(episodes) as lg:
        assert facts == list(lg.export("facts", as_of="2024"))
        assert spells == list(lg.spells(as_of="2024", lang="fr"))
        assert entries == list(lg.export("entries"))


def test_columns_are_the_contracts() -> None:
    assert [c.name for c in COLUMNS["facts"]] == FACT_COLUMNS
    assert [c.name for c in COLUMNS["spells"]] == SPELL_COLUMNS


# The CLI's errors: exit 2, a message, nothing written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("facts", "--format", "parquet"), "name it with -o FILE"),
        (("facts", "--format", "xml"), "'xml' is not one of 'csv', 'jsonl', 'parquet'"),
        (("facts", "-o", "missing/facts.csv"), "-o missing/facts.csv: no such directory: missing"),
        (("spells", "-o", "."), "is a directory"),
        (
            ("spells", "-o", "episodes.db/spells.csv"),
            "-o episodes.db/spells.csv: not a directory: episodes.db",
        ),
        (("facts", "--format", "parquet", "-o", "-"), "name it with -o FILE"),
        (("entries", "--as-of", "2024"), "--as-of: does not apply to entries"),
        (("entries", "--format", "csv"), "JSON Lines only"),
        (("spells", "--lang", "fr_FR"), "--lang fr_FR: not a BCP 47 language tag"),
        (("facts", "--as-of", "2024-13"), "--as-of"),
        (("facts", "--size", "99"), "--size 99"),
    ],
)
def test_cli_errors(episodes: Path, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    proc = invoke("--db", episodes, "export", *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episodes.db"]


def test_dash_as_output_is_stdout(episodes: Path, tmp_path: Path) -> None:
    for kind, fmt in (("facts", "csv"), ("spells", "jsonl"), ("entries", "jsonl")):
        to_dash = export(tmp_path, episodes, kind, "--format", fmt, "-o", "-")
        assert to_dash.stdout and to_dash.stdout == export(tmp_path, episodes, kind, "--format", fmt).stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episodes.db"]  # no file named "-"


def test_a_failed_export_leaves_no_file_and_keeps_the_old_one(episodes: Path, tmp_path: Path) -> None:
    target = tmp_path / "facts.csv"
    target.write_text("the previous export\n")

    def failing(lg: Ledger) -> Any:
        for i, row in enumerate(lg.export("facts")):
            if i == 5:
                raise RuntimeError("the disk is full")
            yield row

    for fmt in ("csv", "jsonl", "parquet"):
        with Ledger.open(episodes) as lg, pytest.raises(RuntimeError):
            write_file("facts", failing(lg), fmt, target)
        assert target.read_text() == "the previous export\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["episodes.db", "facts.csv"]


def test_writing_a_file_says_so_on_stderr_only(episodes: Path, tmp_path: Path) -> None:
    proc = export(tmp_path, episodes, "spells", "-o", "spells.csv")
    assert proc.stdout == "" and "spells written to spells.csv" in proc.stderr
    assert (tmp_path / "spells.csv").read_text().startswith("kind,")


# docs/exports.md's R example, run after the document's commands (base R only: CRAN is not needed)


@pytest.mark.subprocess
@pytest.mark.skipif(
    shutil.which("Rscript") is None, reason="R is not installed (apt-get install r-base-core)"
)
def test_the_r_example_of_the_docs_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_docs import DOCS, blocks, normalised, run_document

    doc = DOCS / "exports.md"
    found = blocks(doc)
    [script] = [b for b in found if b.lang == "r"]
    [expected] = [b for b in found if b.comment == "R output"]
    run_document(doc, tmp_path, monkeypatch)
    (tmp_path / "example.R").write_text(script.text, encoding="utf-8")
    proc = subprocess.run(
        ["Rscript", "example.R"], cwd=tmp_path, capture_output=True, text=True, encoding="utf-8", timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert normalised(proc.stdout) == normalised(expected.text)


# Streaming: memory does not grow with the ledger


def _export_peak(lg: Ledger) -> int:
    """The peak of memory allocated (tracemalloc) while `facts` is exported as CSV."""
    tracemalloc.start()
    try:
        with open(os.devnull, "wb") as out:
            write("facts", lg.export("facts", as_of="2024-12-31"), "csv", out)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_exporting_facts_streams(tmp_path: Path) -> None:
    """Ten times the facts, about the same peak: one page of facts is held at a time (the corrected
    ids and the missions' hosts grow a little). docs/performance.md has the figures at 100,000 and
    1,000,000 facts."""
    peaks = []
    for n in (20_000, 200_000):
        with Ledger.open(tmp_path / f"{n}.db", create=True) as lg:
            lg.import_facts([("bench.jsonl", synthetic_facts(n))])
            peaks.append(_export_peak(lg))
    assert peaks[1] <= 1.5 * peaks[0], peaks


def test_the_suffix_of_o_picks_the_format_unless_format_is_given(episodes: Path, tmp_path: Path) -> None:
    """`-o facts.parquet` is Parquet, not CSV under a Parquet name; a --format the suffix
    contradicts is exit 2 and writes nothing."""
    for name, starts in [
        ("f.parquet", b"PAR1"),
        ("f.jsonl", b'{"seq":'),
        ("f.ndjson", b'{"seq":'),
        ("f.csv", b"seq,"),
    ]:
        assert invoke("--db", episodes, "export", "facts", "-o", name, cwd=tmp_path).returncode == 0
        assert (tmp_path / name).read_bytes().startswith(starts), name
    assert invoke("--db", episodes, "export", "spells", "-o", "s.PARQUET", cwd=tmp_path).returncode == 0
    assert (tmp_path / "s.PARQUET").read_bytes().startswith(b"PAR1")
    r = invoke("--db", episodes, "export", "facts", "--format", "csv", "-o", "f.txt", cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "f.txt").read_bytes().startswith(b"seq,")
    r = invoke("--db", episodes, "export", "facts", "--format", "jsonl", "-o", "x.csv", cwd=tmp_path)
    assert r.returncode == 2 and "x.csv: the file's suffix says csv; name it for jsonl" in r.stderr
    r = invoke("--db", episodes, "export", "entries", "-o", "e.csv", cwd=tmp_path)
    assert r.returncode == 2 and "e.csv: an export of entries is a fact file (JSON Lines)" in r.stderr
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "e.csv").exists()
