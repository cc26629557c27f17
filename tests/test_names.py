"""Names in tables (contract section 10): `--lang TAG` on replay, timeline, log and demo, the
fallbacks (ISO 3166 name of a state code, else the slug), `--json` the same in every language,
retracted descriptions, and names that try to break a table."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from ledger_cli import invoke
from rich.cells import cell_len
from strategies import fact, jsonl

from ledger import AsyncLedger, Ledger, names
from ledger.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "kazakhstan-2022-01-11.jsonl"
DAY = "2022-01-12"


@pytest.fixture(scope="module")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("names") / "example.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_files(EXAMPLE)
    return db


def ok(*args: str | Path, cwd: Path) -> str:
    r = invoke(*args, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return r.stdout


NAMES = {
    "en": ("Alikhan Smailov", "Russia", "CSTO mission in Kazakhstan", "Kassym-Jomart Tokayev"),
    "ar": (
        "علي خان اسماعيلوف",
        "روسيا",
        "بعثة حفظ السلام لمنظمة معاهدة الأمن الجماعي",
        "قاسم جومارت توكاييف",
    ),
    "ru": ("Алихан Смаилов", "Россия", "Миссия ОДКБ в Казахстане", "Касым-Жомарт Токаев"),
}


@pytest.mark.parametrize("lang", ["en", "ar", "ru"])
def test_replay_tables_name_actors_in_the_language_beside_their_ids(
    example_db: Path, tmp_path: Path, lang: str
) -> None:
    out = ok("--db", example_db, "replay", "--as-of", DAY, "--lang", lang, cwd=tmp_path)
    smailov, russia, mission, _ = NAMES[lang]
    row = next(line for line in out.splitlines() if "alikhan-smailov" in line)
    assert smailov in row and "prime-minister" in row and "kz-2022-01-11-smailov-appointed" in row
    forces = [line for line in out.splitlines() if re.search(r"│ RU\s+│", line)]
    assert forces and all(russia in line for line in forces)
    assert f"Mission {mission} (csto-kazakhstan-2022)" in out
    others = {n for other, names_ in NAMES.items() if other != lang for n in names_}
    assert not any(n in out for n in others - set(NAMES[lang]))


@pytest.mark.parametrize("lang", ["en", "ar", "ru"])
@pytest.mark.parametrize("fmt", [(), ("--csv",)])
def test_timeline_summaries_name_actors_in_the_language(
    example_db: Path, tmp_path: Path, lang: str, fmt: tuple[str, ...]
) -> None:
    out = ok("--db", example_db, "timeline", "--lang", lang, *fmt, cwd=tmp_path)
    flat = " ".join(re.sub("[│┃]", " ", out).split())  # the table wraps summaries
    smailov, russia, mission, tokayev = NAMES[lang]
    for name in (smailov, russia, mission, tokayev):
        assert " ".join(name.split()) in flat, name
    assert "kassym-jomart-tokayev" not in out and "kz-2022-01-11-smailov-appointed" in out


def test_log_names_actors_and_lists_the_descriptions_as_they_are(example_db: Path, tmp_path: Path) -> None:
    rows = ok("--db", example_db, "log", "--lang", "ru", "--csv", cwd=tmp_path).splitlines()
    assert any("Алихан Смаилов appointed Казахстан prime-minister" in r for r in rows)
    described = [r for r in rows if ",ActorDescribed," in r]
    assert len(described) == 13
    assert any(
        r.endswith('"KZ described (Q232): ar: كازاخستان, en: Kazakhstan, ru: Казахстан"') for r in described
    )


@pytest.mark.parametrize(
    "args",
    [
        ("replay", "--as-of", DAY, "--json"),
        ("replay", "--as-of", DAY, "--state", "RU", "--json"),
        ("timeline", "--json"),
        ("log", "--json"),
        ("demo", "--json"),
    ],
)
def test_json_is_byte_for_byte_the_same_in_every_language(
    example_db: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    plain = ok("--db", example_db, *args, cwd=tmp_path)
    if args[0] == "demo":  # a new temporary ledger each time: other recording times and roots
        plain = re.sub(r'"root":"[0-9a-f]{64}"', "", plain)
    for lang in ("en", "ar", "ru", "zh-Hant-TW"):
        again = ok("--db", example_db, *args, "--lang", lang, cwd=tmp_path)
        if args[0] == "demo":
            again = re.sub(r'"root":"[0-9a-f]{64}"', "", again)
        assert again == plain, lang


def test_a_language_without_names_falls_back_to_iso_names_then_slugs(
    example_db: Path, tmp_path: Path
) -> None:
    out = ok("--db", example_db, "replay", "--as-of", DAY, "--lang", "fr", cwd=tmp_path)
    assert "Kazakhstan (KZ)" in out  # no French names: pycountry's ISO 3166 name
    assert "Russian Federation" in out  # ISO's name, not the description's English "Russia"
    assert "Mission csto-kazakhstan-2022  organization csto," in out  # no ISO name: the slug
    row = next(line for line in out.splitlines() if "prime-minister" in line)
    assert row.count("alikhan-smailov") == 2  # id, and the slug again as its name
    # A region subtag falls back on the language: ru-RU is ru.
    assert "Алихан Смаилов" in ok(
        "--db", example_db, "replay", "--as-of", DAY, "--lang", "ru-RU", cwd=tmp_path
    )


def test_a_former_state_is_named_by_pycountry_historic_countries(tmp_path: Path) -> None:
    facts = [
        fact(
            "MissionAuthorized", "1979-12-25", id="m", mission="soviet-afghan", host="AF", organization="un"
        ),
        fact("ForcesDeployed", "1979-12-25", id="d", mission="soviet-afghan", contributor="SUHH", host="AF"),
        fact("ActorDescribed", "2020-01-01", id="n", actor="AF", names={"ar": "أفغانستان"}),
    ]
    db = tmp_path / "f.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_facts([("f.jsonl", jsonl(*facts))])
    out = ok("--db", db, "replay", "--as-of", "1980-01-01", "--lang", "ar", cwd=tmp_path)
    rows = [line for line in out.splitlines() if "│ SUHH" in line]
    assert rows and all("USSR, Union of" in row for row in rows)  # the name wraps in its cell
    assert "أفغانستان (AF)" in out
    timeline = ok("--db", db, "timeline", "--csv", cwd=tmp_path)
    assert (
        "USSR, Union of Soviet Socialist Republics deployed forces to Afghanistan (soviet-afghan)" in timeline
    )


def test_a_retracted_description_no_longer_names(tmp_path: Path) -> None:
    facts = [
        fact("PrimeMinisterAppointed", "2022-01-11", id="a", state="KZ", person="alikhan-smailov"),
        fact(
            "ActorDescribed", "2022-01-11", id="n", actor="alikhan-smailov", names={"en": "Alikhan Smailov"}
        ),
    ]
    db = tmp_path / "r.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_facts([("r.jsonl", jsonl(*facts))])
    assert "│ Alikhan Smailov" in ok("--db", db, "replay", "--as-of", DAY, cwd=tmp_path)
    retraction = fact("FactRetracted", "2022-02-01", id="x", target="n", reason="wrong source")
    with Ledger.open(db) as lg:
        lg.import_facts([("x.jsonl", jsonl(retraction))])
    out = ok("--db", db, "replay", "--as-of", DAY, cwd=tmp_path)
    assert "Alikhan Smailov" not in out
    row = next(line for line in out.splitlines() if "prime-minister" in line)
    assert row.count("alikhan-smailov") == 2
    assert "Alikhan Smailov" not in ok("--db", db, "timeline", cwd=tmp_path)
    # What the ledger knew before the retraction still names him.
    assert "Alikhan Smailov" in ok("--db", db, "timeline", "--size", "2", cwd=tmp_path)
    with Ledger.open(db) as lg:
        assert lg.actors() == {} and list(lg.actors(size=2)) == ["alikhan-smailov"]


HOSTILE = {
    "markup": "[bold red]Smailov[/bold red] [link=http://x]x[/link]",
    "escape": "Ali\x1b[31mkhan\x1b[0m\x07\rX",
    "newline": "first\nsecond\tthird\u2028fourth",
    "rtl": "\u202eevil\u202c \u2067isolated\u2069 اسماعيلوف\u200f",
    "long": "Alikhan " * 60,
}


@pytest.mark.parametrize("width", [None, "60", "120"])
def test_hostile_names_print_literally_without_breaking_the_table(tmp_path: Path, width: str | None) -> None:
    people = list(HOSTILE)
    facts = [
        fact("OfficeAssumed", "2022-01-11", id=f"office-{p}", state="KZ", office=f"office-{p}", person=p)
        for p in people
    ]
    facts += [
        fact("ActorDescribed", "2022-01-11", id=f"n-{p}", actor=p, names={"en": name})
        for p, name in HOSTILE.items()
    ]
    db = tmp_path / "h.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_facts([("h.jsonl", jsonl(*facts))])
    env = {"COLUMNS": width} if width else None
    for args in (("replay", "--as-of", DAY), ("timeline",), ("log",)):
        r = invoke("--db", db, *args, cwd=tmp_path, env=env)
        assert r.returncode == 0, r.stderr
        out = r.stdout
        assert "\x1b" not in out and "\x07" not in out and "\r" not in out
        assert not any(c in out for c in "\u202e\u202c\u2067\u2069\u2028")
        assert "[bold red]Smailov[/bold red]" in out  # markup printed as written
        assert "\\x1b[31m" in out and "\\u202e" in out
        assert "…" not in out
        for p in people:  # ids whole, on one line
            assert any(f"office-{p}" in line for line in out.splitlines()), (args, p)
        # Every line of a table is as wide as its border: no value broke out of its cell.
        tables = re.split(r"\n(?=┏)", out)
        for table in tables[1:]:
            lines = table.split("└")[0].splitlines()
            widths = {cell_len(line) for line in lines if line.startswith(("┏", "┃", "┡", "│"))}
            assert len(widths) == 1, (args, widths)


@pytest.mark.parametrize("tag", ["12", "", "e", "en_US", "en-", "-en", "a" * 9, "en\x1b", "ar;rm"])
@pytest.mark.parametrize("command", ["replay", "timeline", "log", "demo"])
def test_a_tag_that_is_not_bcp_47_is_bad_input(tmp_path: Path, command: str, tag: str) -> None:
    r = invoke("--db", tmp_path / "none.db", command, "--lang", tag, cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("ledger: --lang ") and "not a BCP 47 language tag" in r.stderr
    assert "\x1b" not in r.stderr and len(r.stderr.splitlines()) == 1
    assert not (tmp_path / "none.db").exists()  # nothing was opened, let alone written


def test_names_is_the_library_lookup(example_db: Path) -> None:
    with Ledger.open(example_db) as lg:
        actors = lg.actors()
        assert lg.actors(size=17) == {}  # v1's facts alone: no description yet
    assert set(actors) >= {"KZ", "csto", "csto-kazakhstan-2022", "sergei-shoigu"}
    assert names(actors, "ar")("sergei-shoigu") == "سيرغي شويغو"
    assert names(actors, "RU")("KZ") == "Казахстан"  # tags compare without case
    assert names(actors, "fr")("US") == "United States"
    assert names({}, "en")("nobody") == "nobody"
    with pytest.raises(UsageError, match=r"^lang 12: not a BCP 47"):
        names(actors, "12")

    async def read() -> object:
        async with AsyncLedger.open(example_db) as alg:
            return await alg.actors()

    assert asyncio.run(read()) == actors


def test_each_description_of_the_example_quotes_the_report_for_its_arabic_name() -> None:
    lines = [json.loads(raw) for raw in EXAMPLE.read_text("utf-8").splitlines()]
    described = [f for f in lines if f["type"] == "ActorDescribed"]
    assert [f["type"] for f in lines[:17]].count("ActorDescribed") == 0 and len(described) == 13
    report = lines[0]["sources"][0]
    for f in described:
        ar = [s for s in f["sources"] if s.get("title") == report["title"]]
        assert ar and all(s["publisher"] == report["publisher"] for s in ar), f["id"]
        assert any(f["names"]["ar"] in s["quote"] for s in ar), f["id"]
        for lang in ("en", "ru"):
            if lang in f["names"]:
                quoted = " ".join(s.get("quote", "") + " " + s.get("title", "") for s in f["sources"])
                assert f["names"][lang] in quoted, (f["id"], lang)
        for s in f["sources"]:
            if s["publisher"] == "Wikidata":
                assert s["url"] == f"https://www.wikidata.org/wiki/{f['wikidata']}"
        assert ("wikidata" in f) == any(s["publisher"] == "Wikidata" for s in f["sources"])
    assert (ROOT / "cli" / "examples" / EXAMPLE.name).read_bytes() == EXAMPLE.read_bytes()


def test_replay_state_keeps_the_descriptions_of_what_it_still_names(example_db: Path, tmp_path: Path) -> None:
    """`--state` narrows the document; its `actors` are those the narrower document names, so
    its tables are named as the whole document's are."""
    doc = json.loads(
        ok("--db", example_db, "replay", "--as-of", DAY, "--state", "RU", "--json", cwd=tmp_path)
    )
    assert sorted(doc["actors"]) == ["AM", "BY", "KG", "KZ", "RU", "TJ", "csto", "csto-kazakhstan-2022"]
    kz = json.loads(ok("--db", example_db, "replay", "--as-of", DAY, "--state", "KZ", "--json", cwd=tmp_path))
    assert "alikhan-smailov" in kz["actors"] and "vyacheslav-volodin" not in kz["actors"]
    out = ok("--db", example_db, "replay", "--as-of", DAY, "--state", "KZ", "--lang", "ru", cwd=tmp_path)
    assert "Казахстан (KZ)" in out and "Алихан Смаилов" in out
