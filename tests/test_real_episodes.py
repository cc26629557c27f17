"""Real episodes, replayed: history the rules were not written for (tests/episodes/*.jsonl; every
fact cites real publishers, quotes verbatim; dates the sources do not give are coarser, or marked
uncertain, with a note saying why).

- Niger 2023: the coup of 26 July, a self-proclaimed interim head of government standing in for a
  prime minister abroad, the junta's own prime minister, French troop figures that disagree
  (a range, then two figures of the same month), France's withdrawal announced "by the end of the
  year" and completed on 22 December.
- Mexico, 19 February 1913, "the day of three presidents": Madero overthrown and made to resign,
  Lascuráin president for under an hour (a same-day spell), then Huerta.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
import reference_fold

from ledger import Ledger

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
