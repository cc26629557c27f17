"""Real episodes, replayed: history the rules were not written for (tests/episodes/*.jsonl; every
fact cites real publishers, quotes verbatim; dates the sources do not give are coarser, or marked
uncertain, with a note saying why).

- Niger 2023: the coup of 26 July, a self-proclaimed interim head of government standing in for a
  prime minister abroad, the junta's own prime minister, French troop figures that disagree
  (a range, then two figures of the same month), France's withdrawal announced "by the end of the
  year" and completed on 22 December.
- Mexico, 19 February 1913, "the day of three presidents": Madero overthrown and made to resign,
  Lascuráin president for under an hour (a same-day spell), then Huerta.
- Afghanistan 1988-1990, the Soviet withdrawal, as a user meets it through the `ledger` command: a
  former state (SUHH, the USSR, named by ISO 3166-3), Gorbachev's announcement of 8 February 1988
  replaced by the Geneva Accords' deadlines (both met, the first 28 days early), Moscow's 100,300
  against the West's "roughly 115,000" for the same day, the last soldier out on a day whose hour
  the sources dispute, and prime ministers of uncertain days (one acting: he took the duties, not
  the title).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
import reference_fold
from ledger_cli import invoke, json_lines
from rich.console import Console
from strategies import mask_root

from cli.audit import CONFLICT_COLUMNS, PROMISE_COLUMNS, _conflict_table, _promise_table
from cli.table import print_table
from ledger import AsyncLedger, Ledger, names

EPISODES = Path(__file__).parent / "episodes"
FR = "french-forces-niger"


@pytest.fixture
def niger(ledger: Ledger) -> Ledger:
    ledger.import_files([EPISODES / "niger-2023.jsonl"])
    return ledger


@pytest.fixture
def mexico(ledger: Ledger) -> Ledger:
    ledger.import_files([EPISODES / "mexico-1913.jsonl"])
    return ledger


def world(lg: Ledger, as_of: str, **knowledge: Any) -> dict[str, Any]:
    doc: dict[str, Any] = msgspec.to_builtins(lg.replay(as_of, **knowledge))
    return doc


def office(person: str | None, since: str, acting: bool, *facts: str, **extra: str) -> dict[str, Any]:
    return {"person": person, "since": since, "acting": acting, "facts": list(facts), **extra}


def test_niger_before_and_after_the_coup(niger: Ledger) -> None:
    before = world(niger, "2023-07-25")["states"]["NE"]
    assert before["government"] == {"status": "in_office", "since": "2021-04-03"}
    assert before["offices"] == {
        "president": office("mohamed-bazoum", "2021-04-02", False, "ne-2021-bazoum-president"),
        "prime-minister": office("ouhoumoudou-mahamadou", "2021-04-03", False, "ne-2021-ouhoumoudou-pm"),
    }
    coup = world(niger, "2023-07-26")["states"]["NE"]
    assert coup["government"] == {"status": "overthrown", "since": "2023-07-26"}
    assert coup["offices"]["president"] == office(None, "2023-07-26", False, "ne-2023-07-26-coup")
    assert coup["offices"]["prime-minister"] == before["offices"]["prime-minister"]


def test_niger_an_interim_head_of_government_then_the_juntas_prime_minister(niger: Ledger) -> None:
    interim = world(niger, "2023-07-27")["states"]["NE"]["offices"]["prime-minister"]
    assert interim == office(
        "hassoumi-massaoudou",
        "2023-07-27",
        True,
        "ne-2023-07-27-massaoudou-interim",
        stands_in_for="ouhoumoudou-mahamadou",
    )
    later = world(niger, "2023-08-07")["states"]["NE"]
    # A non-interim appointment ends both; a non-acting prime minister: in office (section 9).
    assert later["offices"]["prime-minister"] == office(
        "ali-mahaman-lamine-zeine", "2023-08-07", False, "ne-2023-08-07-zeine-pm"
    )
    assert later["offices"]["president-of-the-cnsp"]["person"] == "abdourahamane-tchiani"
    assert later["government"] == {"status": "in_office", "since": "2023-08-07"}


def test_niger_french_troop_figures(niger: Ledger) -> None:
    def strength(day: str) -> dict[str, Any]:
        found: dict[str, Any] = world(niger, day)["missions"][FR]["contingents"]["FR"]
        return found

    assert strength("2023-07-27")["strength"] is None
    july = strength("2023-07-28")
    assert (july["strength"]["low"], july["strength"]["high"], july["strength"]["disputed"]) == (
        1000,
        1500,
        False,
    )
    assert july["personnel"] == 1000
    assert strength("2023-08-03")["strength"]["claims"] == [
        {"fact": "ne-2023-08-03-lbc-strength", "low": 1500, "high": 1500, "publishers": ["LBCI"]}
    ]
    october = strength("2023-10-31")
    assert october["strength"] == {
        "low": 1400,
        "high": 1500,
        "as_of": "2023-10-31",
        "disputed": True,  # the ministry's 1,500 and General Ozanne's 1,400, the same month
        "claims": [
            {
                "fact": "ne-2023-10-ministry-strength",
                "low": 1500,
                "high": 1500,
                "publishers": ["RFI (via inkl)"],
            },
            {"fact": "ne-2023-10-ozanne-strength", "low": 1400, "high": 1400, "publishers": ["Iran Press"]},
        ],
    }
    assert (october["status"], october["since"], october["personnel"]) == ("withdrawing", "2023-10-10", 1400)
    december = strength("2023-12-12")
    assert (december["personnel"], december["strength"]["as_of"], december["strength"]["disputed"]) == (
        157,
        "2023-12-12",
        False,
    )


def test_niger_the_withdrawal_promised_by_the_end_of_the_year(niger: Ledger) -> None:
    m = world(niger, "2023-09-24")["missions"][FR]
    assert m["withdrawal"] == {"announced": "2023-09-24", "start_by": None, "complete_by": "2023-12-31"}
    done = world(niger, "2023-12-22")
    m = done["missions"][FR]
    assert (m["status"], m["since"], m["fact"]) == (
        "withdrawn",
        "2023-12-22",
        "ne-2023-12-22-last-troops-left",
    )
    assert done["states"]["NE"]["foreign_forces"] == []
    # The last figure stays the contingent's, withdrawn or not.
    assert m["contingents"]["FR"]["personnel"] == 157


def test_niger_descriptions_and_timelines(niger: Ledger) -> None:
    assert world(niger, "2023-07-25")["actors"] == {
        "FR": {"names": {"fr": "France"}, "wikidata": "Q142"},
        "mohamed-bazoum": {"names": {"en": "Mohamed Bazoum", "fr": "Mohamed Bazoum"}, "wikidata": None},
    }
    timeline = list(niger.timeline())
    assert "ActorDescribed" not in {e.fact.type for e in timeline}
    french = [e.fact.fact_id for e in niger.timeline(state="FR")]
    assert french == [
        "ne-2022-french-forces",
        "ne-2023-07-28-reuters-strength",
        "ne-2023-08-03-lbc-strength",
        "ne-2023-09-24-withdrawal-announced",  # a mission FR has a contingent in
        "ne-2023-10-10-first-convoy",
        "ne-2023-10-ministry-strength",
        "ne-2023-10-ozanne-strength",
        "ne-2023-12-12-157-left",
        "ne-2023-12-22-last-troops-left",
    ]
    assert [e.fact.fact_id for e in niger.timeline(state="NE")] == [e.fact.fact_id for e in timeline]


def test_niger_agrees_with_the_reference_fold(niger: Ledger) -> None:
    entries = [msgspec.to_builtins(f) for f in niger.facts()]
    for day in ("2021-04-03", "2023-07-26", "2023-07-27", "2023-07-28", "2023-08-07", "2023-10-31", "2024"):
        expected = reference_fold.replay(entries, day, root=niger.root())
        assert world(niger, day) == expected, day
        for doc in (expected,):
            for m in doc["missions"].values():
                for c in [m, *m["contingents"].values()]:
                    if c["strength"] is not None:
                        assert c["strength"]["low"] <= c["strength"]["high"]
    assert niger.verify().ok


def test_mexico_the_day_of_three_presidents(mexico: Ledger) -> None:
    assert world(mexico, "1913-02-18")["states"]["MX"]["offices"]["president"] == office(
        "francisco-i-madero", "1911-11-06", False, "mx-1911-madero-president"
    )
    day = world(mexico, "1913-02-19")["states"]["MX"]
    assert day["government"] == {"status": "overthrown", "since": "1913-02-19"}
    assert day["offices"]["president"] == office(
        "victoriano-huerta", "1913-02-19", False, "mx-1913-huerta-president"
    )
    # Knowing the first five entries (Huerta's appointment not yet recorded), Lascuráin's spell
    # has ended the same day it began: the office is vacant, from his resignation.
    assert world(mexico, "1913-02-19", size=5)["states"]["MX"]["offices"]["president"] == office(
        None, "1913-02-19", False, "mx-1913-lascurain-resigned"
    )
    assert [e.fact.fact_id for e in mexico.timeline(start="1913")] == [
        "mx-1913-huerta-coup",
        "mx-1913-madero-resigned",
        "mx-1913-lascurain-resigned",
        "mx-1913-lascurain-president",
        "mx-1913-huerta-president",
    ]
    entries = [msgspec.to_builtins(f) for f in mexico.facts()]
    for n in range(len(entries) + 1):
        assert world(mexico, "1913-02-19", size=n) == reference_fold.replay(
            entries, "1913-02-19", size=n, root=mexico.root(n)
        )


# Afghanistan, 1988-1990: through the `ledger` command, as a user would

AFGHANISTAN = EPISODES / "afghanistan-1988.jsonl"
SU = "soviet-forces-afghanistan"
GENEVA = "geneva-1988-04-14-accords"
GORBACHEV = "su-1988-02-08-withdrawal-announced"
LAST_OUT = "af-1989-02-15-last-troops-left"
USSR = "USSR, Union of Soviet Socialist Republics"  # ISO 3166-3's name for SUHH


@pytest.fixture
def afghanistan(tmp_path: Path) -> Path:
    db = tmp_path / "afghanistan.db"
    r = invoke("--db", db, "import", AFGHANISTAN, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "Appended 25 facts (0 unchanged); the ledger has 25 entries.\n"
    return db


def ledger_json(db: Path, *args: str) -> dict[str, Any]:
    r = invoke("--db", db, *args, "--json", cwd=db.parent)
    assert r.returncode == 0, r.stderr
    doc: dict[str, Any] = json.loads(r.stdout)
    return doc


def replayed(db: Path, as_of: str) -> dict[str, Any]:
    return ledger_json(db, "replay", "--as-of", as_of)


def test_afghanistan_who_governed(afghanistan: Path) -> None:
    geneva = replayed(afghanistan, "1988-04-14")
    af, su = geneva["states"]["AF"], geneva["states"]["SUHH"]
    assert af["government"] == {"status": "in_office", "since": "1981"}  # a year: its last day
    assert af["offices"] == {
        "president": office("mohammad-najibullah", "1987-11-30", False, "af-1987-najibullah-president"),
        "prime-minister": office("sultan-ali-keshtmand", "1981", False, "af-1981-keshtmand-pm"),
    }
    assert su["offices"] == {
        "general-secretary": office(
            "mikhail-gorbachev", "1985-03-11", False, "su-1985-gorbachev-general-secretary"
        )
    }
    assert su["government"] is None  # the episode says nothing of the Soviet government
    sharq = replayed(afghanistan, "1988-05-26")["states"]["AF"]["offices"]["prime-minister"]
    assert sharq == office("mohammad-hasan-sharq", "1988-05-26", False, "af-1988-05-26-sharq-pm")
    # Sharq dismissed, Keshtmand given the duties without the title, both on an uncertain day.
    assert replayed(afghanistan, "1989-02-20")["states"]["AF"]["offices"]["prime-minister"] == sharq
    duties = replayed(afghanistan, "1989-02-21")["states"]["AF"]
    assert duties["offices"]["prime-minister"] == office(
        "sultan-ali-keshtmand", "1989-02-21?", True, "af-1989-02-keshtmand-acting"
    )
    assert duties["government"] == {"status": "in_office", "since": "1981"}  # acting: no change
    later = replayed(afghanistan, "1990-12-31")["states"]["AF"]["offices"]
    assert later["prime-minister"] == office(
        "fazal-haq-khaliqyar", "1990-05-08?", False, "af-1990-05-khaliqyar-pm"
    )
    assert later["president"]["person"] == "mohammad-najibullah"


def test_afghanistan_soviet_troops_on_afghan_soil(afghanistan: Path) -> None:
    before = replayed(afghanistan, "1979-12-30")
    assert before["missions"] == {} and "AF" not in before["states"]
    deployed = replayed(afghanistan, "1979-12-31")  # "1979-12": the month's last day
    [force] = deployed["states"]["AF"]["foreign_forces"]
    assert (force["mission"], force["contributor"], force["status"], force["since"]) == (
        SU,
        "SUHH",
        "deployed",
        "1979-12",
    )
    assert (force["personnel"], force["strength"]) == (None, None)  # no figure until 1988
    spring = replayed(afghanistan, "1988-04-14")["missions"][SU]
    assert spring["contingents"]["SUHH"]["strength"] == {
        "low": 115000,
        "high": 115000,
        "as_of": "1988-04-07",
        "disputed": False,
        "claims": [
            {
                "fact": "af-1988-04-07-tribune-strength",
                "low": 115000,
                "high": 115000,
                "publishers": ["Chicago Tribune"],
            }
        ],
    }
    start = replayed(afghanistan, "1988-05-15")
    m = start["missions"][SU]
    assert (m["status"], m["since"], m["fact"]) == (
        "withdrawing",
        "1988-05-15",
        "af-1988-05-15-withdrawal-started",
    )
    c = m["contingents"]["SUHH"]
    assert (c["status"], c["strength"]["low"], c["strength"]["high"], c["strength"]["disputed"]) == (
        "withdrawing",
        100300,
        115000,
        True,
    )
    assert c["personnel"] == 115000  # the last current claim's low, in replay order (section 11)
    assert start["states"]["AF"]["foreign_forces"][0]["status"] == "withdrawing"
    assert replayed(afghanistan, "1989-02-14")["states"]["AF"]["foreign_forces"] != []
    out = replayed(afghanistan, "1989-02-15")
    m = out["missions"][SU]
    assert (m["status"], m["since"], m["fact"]) == ("withdrawn", "1989-02-15", LAST_OUT)
    assert m["contingents"]["SUHH"]["status"] == "withdrawn"
    assert out["states"]["AF"]["foreign_forces"] == []
    assert (
        out["actors"]["soviet-forces-afghanistan"]["names"]["en"]
        == "Soviet forces in Afghanistan (40th Army)"
    )
    assert "SUHH" not in out["actors"]  # no description: tables name it by ISO 3166-3


def test_afghanistan_the_withdrawal_deadlines(afghanistan: Path) -> None:
    announced = replayed(afghanistan, "1988-02-08")["missions"][SU]["withdrawal"]
    assert announced == {"announced": "1988-02-08", "start_by": "1988-05-15", "complete_by": "1989-03-15"}
    geneva = replayed(afghanistan, "1988-04-14")["missions"][SU]["withdrawal"]
    assert geneva == {"announced": "1988-04-14", "start_by": "1988-05-15", "complete_by": "1989-02-15"}


def _promises(db: Path, as_of: str) -> list[tuple[Any, ...]]:
    doc = ledger_json(db, "audit", "promises", "--as-of", as_of)
    return [
        (
            p["deadline"],
            p["kind"],
            p["fact"],
            p["status"],
            p["days"],
            p["outcome"] and p["outcome"]["fact"],
            p["replaced_by"],
        )
        for p in doc["promises"]
    ]


def test_afghanistan_audit_promises_judges_the_geneva_deadlines(afghanistan: Path) -> None:
    start, complete = "withdrawal-start", "withdrawal-complete"
    started = "af-1988-05-15-withdrawal-started"
    # Gorbachev's deadlines, replaced by the accords', are still judged: both kept.
    assert _promises(afghanistan, "1990") == [
        ("1988-05-15", start, GORBACHEV, "met", 0, started, GENEVA),
        ("1988-05-15", start, GENEVA, "met", 0, started, None),
        ("1989-02-15", complete, GENEVA, "met", 0, LAST_OUT, None),
        ("1989-03-15", complete, GORBACHEV, "met", -28, LAST_OUT, GENEVA),
    ]
    # The day before the last soldier crossed: the accords' deadline is pending, one day left.
    assert _promises(afghanistan, "1989-02-14") == [
        ("1988-05-15", start, GORBACHEV, "met", 0, started, GENEVA),
        ("1988-05-15", start, GENEVA, "met", 0, started, None),
        ("1989-02-15", complete, GENEVA, "pending", 1, None, None),
        ("1989-03-15", complete, GORBACHEV, "pending", 29, None, GENEVA),
    ]
    # Before the accords, Gorbachev's promise stands alone.
    assert _promises(afghanistan, "1988-03-01") == [
        ("1988-05-15", start, GORBACHEV, "pending", 75, None, None),
        ("1989-03-15", complete, GORBACHEV, "pending", 379, None, None),
    ]
    only = ledger_json(afghanistan, "audit", "promises", "--as-of", "1990", "--state", "AF")
    assert len(only["promises"]) == 4 and only["receipt"]["query"]["state"] == "AF"
    r = invoke(
        "--db", afghanistan, "audit", "promises", "--as-of", "1990", "--state", "SUHH", cwd=afghanistan.parent
    )
    assert (r.returncode, r.stderr) == (
        0,
        "No promises on 1990-12-31 for --state SUHH.\n",
    )  # a contributor, not a host


def test_afghanistan_audit_conflicts(afghanistan: Path) -> None:
    assert ledger_json(afghanistan, "audit", "conflicts", "--as-of", "1988-05-14")["conflicts"] == []
    doc = ledger_json(afghanistan, "audit", "conflicts", "--as-of", "1988-06-30")
    [conflict] = doc["conflicts"]
    assert (conflict["mission"], conflict["contributor"]) == (SU, "SUHH")
    assert [(c["fact"], c["low"], c["publishers"]) for c in conflict["strength"]["claims"]] == [
        ("su-1988-05-15-akhromeyev-strength", 100300, ["Chicago Tribune"]),
        ("af-1988-05-15-western-estimate", 115000, ["Los Angeles Times", "Chicago Tribune"]),
    ]
    # No later figure settles it: the last claims about the contingent stay disputed once it left.
    assert ledger_json(afghanistan, "audit", "conflicts", "--as-of", "1990")["conflicts"] == doc["conflicts"]
    # replay's table shows the dispute under the figure it reports
    r = invoke("--db", afghanistan, "replay", "--as-of", "1988-06", "--state", "AF", cwd=afghanistan.parent)
    assert re.search(r"│ 115,000 +│\n.*│ 100,300-115,000 │\n.*│ disputed +│", r.stdout), r.stdout
    r = invoke("--db", afghanistan, "audit", "conflicts", "--as-of", "1988-06-30", cwd=afghanistan.parent)
    assert "USSR, Union of Soviet Socialist Republics" in r.stdout  # ISO 3166-3's name
    assert "100,300-115,000" in r.stdout and "on 1988-05-15" in r.stdout


def _spells(db: Path, *args: str) -> list[dict[str, str]]:
    r = invoke("--db", db, "export", "spells", *args, cwd=db.parent)
    assert r.returncode == 0, r.stderr
    return list(csv.DictReader(io.StringIO(r.stdout)))


def test_afghanistan_spells(afghanistan: Path) -> None:
    spells = _spells(afghanistan, "--as-of", "1990-12-31")
    rows = [
        (s["state"], s["office"] or s["mission"], s["holder"], s["acting"], s["start"], s["end"])
        for s in spells
    ]
    assert rows == [
        ("AF", SU, "SUHH", "", "1979-12", "1989-02-15"),
        ("AF", "president", "mohammad-najibullah", "false", "1987-11-30", ""),
        ("AF", "prime-minister", "sultan-ali-keshtmand", "false", "1981", "1988-05-26"),
        ("AF", "prime-minister", "mohammad-hasan-sharq", "false", "1988-05-26", "1989-02-21?"),
        ("AF", "prime-minister", "sultan-ali-keshtmand", "true", "1989-02-21?", "1990-05-08?"),
        ("AF", "prime-minister", "fazal-haq-khaliqyar", "false", "1990-05-08?", ""),
        ("SUHH", "general-secretary", "mikhail-gorbachev", "false", "1985-03-11", ""),
    ]
    assert [s["kind"] for s in spells] == ["contingent"] + ["office"] * 6
    assert [s["personnel"] for s in spells] == ["115000"] + [""] * 6  # the contingent's last figure
    assert [s["name"] for s in spells][:2] == [USSR, "Mohammad Najibullah"]
    # In Russian, the described names; the rest fall back as in English.
    russian = {s["holder"]: s["name"] for s in _spells(afghanistan, "--as-of", "1990-12-31", "--lang", "ru")}
    assert russian["mikhail-gorbachev"] == "Михаил Горбачёв"
    assert russian["SUHH"] == USSR
    assert russian["mohammad-najibullah"] == ""  # described in English only: no name in Russian


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_afghanistan_export_facts_summaries_are_the_timelines_lines(afghanistan: Path, lang: str) -> None:
    cwd = afghanistan.parent
    timeline = invoke("--db", afghanistan, "timeline", "--to", "1989-12-31", "--csv", "--lang", lang, cwd=cwd)
    exported = invoke(
        "--db", afghanistan, "export", "facts", "--as-of", "1989-12-31", "--lang", lang, cwd=cwd
    )
    assert timeline.returncode == exported.returncode == 0, timeline.stderr + exported.stderr
    lines = [(r["id"], r["summary"]) for r in csv.DictReader(io.StringIO(timeline.stdout))]
    rows = [(r["id"], r["summary"]) for r in csv.DictReader(io.StringIO(exported.stdout))]
    assert rows == lines and len(rows) == 17
    said = dict(rows)
    if lang == "en":
        assert said[LAST_OUT] == f"{USSR} withdrawn from Soviet forces in Afghanistan (40th Army)"
        assert (
            said["af-1989-02-keshtmand-acting"]
            == "Sultan Ali Keshtmand appointed acting Afghanistan prime-minister by Mohammad Najibullah"
        )
    else:
        assert said["su-1985-gorbachev-general-secretary"].startswith("Михаил Горбачёв appointed")
    jsonl = invoke(
        "--db",
        afghanistan,
        "export",
        "facts",
        "--as-of",
        "1989-12-31",
        "--lang",
        lang,
        "--format",
        "jsonl",
        cwd=cwd,
    )
    assert [(r["id"], r["summary"]) for r in json_lines(jsonl.stdout)] == lines


def test_afghanistan_timeline_of_a_former_state(afghanistan: Path) -> None:
    r = invoke("--db", afghanistan, "timeline", "--state", "SUHH", "--json", cwd=afghanistan.parent)
    assert r.returncode == 0, r.stderr
    ids = [line["fact"]["id"] for line in json_lines(r.stdout)]
    assert ids[:2] == ["af-1979-soviet-forces", "su-1985-gorbachev-general-secretary"]
    assert LAST_OUT in ids and GENEVA in ids  # a mission the USSR has a contingent in
    assert "af-1988-05-26-sharq-pm" not in ids
    for wrong, meant in (("SU", "SUHH"), ("SUN", "SUHH"), ("USSR", "SUHH")):
        r = invoke("--db", afghanistan, "timeline", "--state", wrong, cwd=afghanistan.parent)
        assert r.returncode == 2 and r.stderr.endswith(f"did you mean {meant}?\n"), r.stderr
        assert "former-state (ISO 3166-3)" in r.stderr


def test_afghanistan_agrees_with_the_reference_fold(afghanistan: Path) -> None:
    with Ledger.open(afghanistan) as lg:
        entries = [msgspec.to_builtins(f) for f in lg.facts()]
        for day in (
            "1979-12-31",
            "1988-02-08",
            "1988-04-14",
            "1988-05-15",
            "1989-02-15",
            "1989-02-21",
            "1990",
        ):
            assert world(lg, day) == reference_fold.replay(entries, day, root=lg.root()), day
        assert lg.verify().ok


@pytest.mark.parametrize("width", [80, 100, 120, 200])
def test_afghanistan_audit_tables_fit_the_terminal(afghanistan: Path, width: int) -> None:
    """On a terminal, names wrap and ids stay whole: 80 columns hold every promise and claim."""
    with Ledger.open(afghanistan) as lg:
        promises, conflicts = lg.promises("1990"), lg.conflicts("1988-06-30")
    for columns, rows, ids in (
        (PROMISE_COLUMNS, _promise_table(promises, names(promises.actors)), [GENEVA, GORBACHEV, LAST_OUT]),
        (
            CONFLICT_COLUMNS,
            _conflict_table(conflicts, names(conflicts.actors)),
            ["su-1988-05-15-akhromeyev-strength"],
        ),
    ):
        out = io.StringIO()
        console = Console(file=out, width=width, force_terminal=True, color_system=None, legacy_windows=False)
        print_table(console, columns, rows)
        lines = out.getvalue().splitlines()
        assert max(len(line) for line in lines) <= width, out.getvalue()
        for fact_id in ids:
            assert any(fact_id in line for line in lines), (fact_id, out.getvalue())
        assert "…" not in out.getvalue()


def test_afghanistan_exported_entries_import_back(afghanistan: Path, tmp_path: Path) -> None:
    cwd = afghanistan.parent
    assert invoke("--db", afghanistan, "export", "entries", "-o", "copy.jsonl", cwd=cwd).returncode == 0
    copy = tmp_path / "copy.db"
    assert invoke("--db", copy, "import", "copy.jsonl", cwd=cwd).returncode == 0
    for day in ("1988-03-01", "1988-05-15", "1989-02-14", "1990"):
        for command in (("replay",), ("audit", "promises"), ("audit", "conflicts")):
            a, b = (
                ledger_json(afghanistan, *command, "--as-of", day),
                ledger_json(copy, *command, "--as-of", day),
            )
            assert mask_root(a) == mask_root(b), (command, day)
    for args in (
        ("export", "spells", "--as-of", "1990", "--lang", "ru"),
        ("export", "facts", "--as-of", "1990", "--lang", "ru"),
        ("timeline", "--csv"),
    ):
        original = invoke("--db", afghanistan, *args, cwd=cwd)
        assert original.stdout == invoke("--db", copy, *args, cwd=cwd).stdout, args


def test_afghanistan_async_export_names_as_the_sync_one(afghanistan: Path) -> None:
    async def read() -> list[Any]:
        async with AsyncLedger.open(afghanistan) as lg:
            return [r async for r in lg.export("facts", as_of="1990", lang="ru")]

    rows = asyncio.run(read())
    with Ledger.open(afghanistan) as lg:
        assert rows == list(lg.export("facts", as_of="1990", lang="ru"))
    assert rows[2].summary.startswith("Михаил Горбачёв appointed")
