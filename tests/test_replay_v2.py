"""Contract sections 9, 10 and 11: what v2 adds to replay, one focused test per rule, on small
hand-written ledgers (each on SQLite and on PostgreSQL, through the `build` fixture)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from strategies import fact, jsonl

from ledger import Ledger
from ledger.errors import FactError
from projections.actors import described_name
from projections.world import Description

Build = Callable[..., Ledger]
M = "alpha"


def world(lg: Ledger, as_of: str, **knowledge: Any) -> dict[str, Any]:
    doc: dict[str, Any] = msgspec.to_builtins(lg.replay(as_of, **knowledge))
    return doc


def offices(lg: Ledger, as_of: str, code: str = "NE") -> dict[str, Any]:
    return world(lg, as_of)["states"][code]["offices"]


def government(lg: Ledger, as_of: str, code: str = "NE") -> dict[str, Any] | None:
    return world(lg, as_of)["states"][code]["government"]


def office(
    person: str | None, since: str, acting: bool, *facts: str, stands_in_for: str = ""
) -> dict[str, Any]:
    entry: dict[str, Any] = {"person": person, "since": since, "acting": acting, "facts": list(facts)}
    if stands_in_for:
        entry["stands_in_for"] = stands_in_for
    return entry


def assumed(day: str, office_: str, person: str, id_: str, **f: Any) -> dict[str, Any]:
    return fact("OfficeAssumed", day, state="NE", office=office_, person=person, id=id_) | f


def pm(day: str, person: str, id_: str, **f: Any) -> dict[str, Any]:
    return fact("PrimeMinisterAppointed", day, state="NE", person=person, id=id_) | f


def left(day: str, office_: str, person: str, id_: str, **f: Any) -> dict[str, Any]:
    return fact("OfficeLeft", day, state="NE", office=office_, person=person, id=id_) | f


def deployed(day: str, contributor: str, id_: str, **f: Any) -> dict[str, Any]:
    return fact("ForcesDeployed", day, mission=M, contributor=contributor, host="NE", id=id_) | f


def reported(day: str, id_: str, personnel: int, **f: Any) -> dict[str, Any]:
    return fact("StrengthReported", day, mission=M, personnel=personnel, id=id_) | f


def described(
    actor: str, id_: str, names: dict[str, str], day: str = "2024-01-01", **f: Any
) -> dict[str, Any]:
    return fact("ActorDescribed", day, actor=actor, names=names, id=id_) | f


def import_error(lg: Ledger, *facts: dict[str, Any]) -> str:
    with pytest.raises(FactError) as err:
        lg.import_facts([("facts.jsonl", jsonl(*facts))])
    return str(err.value)


# Section 9: withdrawal deadlines as dates


@pytest.mark.parametrize(
    ("fields", "start_by", "complete_by"),
    [
        ({"complete_by": "2023"}, None, "2023-12-31"),  # "by the end of the year"
        ({"start_by": "2023-10", "complete_by": "2023-12-22"}, "2023-10-31", "2023-12-22"),
        ({"start_by": "2023-10-10~", "completes_within_days": 10}, "2023-10-10", "2023-10-20"),
        ({"starts_within_days": 2, "complete_by": "2023-12"}, "2023-09-26", "2023-12-31"),
        ({"completes_within_days": 7}, None, "2023-10-01"),  # from the announcement: section 4
    ],
)
def test_withdrawal_deadlines_given_as_dates(
    build: Build, fields: dict[str, Any], start_by: str | None, complete_by: str | None
) -> None:
    lg = build(fact("WithdrawalAnnounced", "2023-09-24", mission=M) | fields)
    assert world(lg, "2023-09-24")["missions"][M]["withdrawal"] == {
        "announced": "2023-09-24",
        "start_by": start_by,
        "complete_by": complete_by,
    }


def test_a_deadline_given_both_ways_is_refused_at_its_date(ledger: Ledger) -> None:
    announced = fact("WithdrawalAnnounced", "2023-09-24", mission=M)
    both = announced | {"complete_by": "2023", "completes_within_days": 90}
    assert import_error(ledger, both) == (
        "facts.jsonl:1: $.complete_by: a deadline is given as a date or as completes_within_days, not both"
    )
    both = announced | {"start_by": "2023-10", "starts_within_days": 9}
    assert import_error(ledger, both).startswith("facts.jsonl:1: $.start_by: ")
    assert import_error(ledger, announced | {"complete_by": "2023-02-30"}) == (
        "facts.jsonl:1: $.complete_by: '2023-02-30' does not exist"
    )
    assert import_error(ledger, announced | {"start_by": "9999-12", "completes_within_days": 1}) == (
        "facts.jsonl:1: $.completes_within_days: the deadline 9999-12-31 + 1 days is after 9999-12-31"
    )
    assert ledger.size() == 0


# Section 9: GovernmentOverthrown


def test_an_overthrow_vacates_the_offices_of_the_ousted_and_nobody_acts(build: Build) -> None:
    lg = build(
        assumed("2021-04-02", "president", "bazoum", "president"),
        pm("2021-04-03", "mahamadou", "pm"),
        assumed("2021-04-07", "minister-of-defence", "alkassoum", "defence"),
        fact("GovernmentOverthrown", "2023-07-26", state="NE", by="tchiani", ousted=["bazoum"], id="coup"),
    )
    assert government(lg, "2023-07-26") == {"status": "overthrown", "since": "2023-07-26"}
    assert offices(lg, "2023-07-26") == {
        "minister-of-defence": office("alkassoum", "2021-04-07", False, "defence"),  # nobody acting
        "president": office(None, "2023-07-26", False, "coup"),
        "prime-minister": office("mahamadou", "2021-04-03", False, "pm"),
    }


def test_an_overthrow_comes_first_of_all_on_its_day(build: Build) -> None:
    lg = build(
        pm("2023-07-26", "zeine", "pm"),
        fact("GovernmentOverthrown", "2023-07-26", state="NE", ousted=["zeine"], id="coup"),
    )
    # Folded before the appointment recorded earlier: the new prime minister holds on.
    assert government(lg, "2023-07-26") == {"status": "in_office", "since": "2023-07-26"}
    assert offices(lg, "2023-07-26")["prime-minister"] == office("zeine", "2023-07-26", False, "pm")
    assert [e.fact.fact_id for e in lg.timeline()] == ["coup", "pm"]


def test_after_an_overthrow_only_a_non_acting_pm_puts_a_government_in_office(build: Build) -> None:
    lg = build(
        fact("GovernmentOverthrown", "2023-07-26", state="NE", id="coup"),
        fact("GovernmentOverthrown", "2023-07-27", state="NE", id="again"),  # since stays
        pm("2023-07-28", "acting-one", "acting", acting=True),
        pm("2023-08-07", "zeine", "zeine"),
    )
    assert government(lg, "2023-07-28") == {"status": "overthrown", "since": "2023-07-26"}
    assert government(lg, "2023-08-07") == {"status": "in_office", "since": "2023-08-07"}


# Section 9: interim appointments


def test_an_interim_stands_in_for_the_holder_and_hands_the_office_back(build: Build) -> None:
    lg = build(
        pm("2021-04-03", "mahamadou", "pm", acting=True),
        pm("2023-07-27", "massaoudou", "interim", interim=True),
        left("2023-08-01", "prime-minister", "massaoudou", "back"),
    )
    assert offices(lg, "2023-07-27")["prime-minister"] == office(
        "massaoudou", "2023-07-27", True, "interim", stands_in_for="mahamadou"
    )
    # The holder again, acting as before the interim, since and facts from the OfficeLeft.
    assert offices(lg, "2023-08-01")["prime-minister"] == office("mahamadou", "2023-08-01", True, "back")
    # An interim person is acting, whatever the fact says; and is no government of their own.
    assert government(lg, "2023-07-27") == {"status": "in_office", "since": "2021-04-03"}


def test_the_holder_leaving_or_a_new_appointment_ends_both(build: Build) -> None:
    holder = assumed("2021-04-02", "president", "bazoum", "president")
    interim = assumed("2023-07-27", "president", "tchiani", "interim", interim=True)
    gone = left("2023-08-01", "president", "bazoum", "gone")
    lg = build(holder, interim, gone)
    assert offices(lg, "2023-08-01")["president"] == office(None, "2023-08-01", False, "gone")
    replaced = assumed("2023-08-02", "president", "zeine", "replaced")
    lg = build(holder, interim, replaced, left("2023-08-03", "president", "tchiani", "late"))
    assert offices(lg, "2023-08-03")["president"] == office("zeine", "2023-08-02", False, "replaced")


def test_an_interim_appointment_to_a_vacant_office_is_an_ordinary_acting_one(build: Build) -> None:
    lg = build(
        assumed("2021-04-02", "president", "bazoum", "president"),
        left("2023-07-26", "president", "bazoum", "gone"),
        assumed("2023-07-27", "president", "tchiani", "interim", interim=True),
        assumed("2023-07-28", "minister-of-mines", "someone", "mines", interim=True),
    )
    assert offices(lg, "2023-07-28") == {
        "minister-of-mines": office("someone", "2023-07-28", True, "mines"),
        "president": office("tchiani", "2023-07-27", True, "interim"),
    }


def test_a_second_interim_stands_in_for_the_same_holder(build: Build) -> None:
    lg = build(
        assumed("2021-04-02", "president", "bazoum", "president"),
        assumed("2023-07-27", "president", "first", "first", interim=True),
        assumed("2023-07-28", "president", "second", "second", interim=True),
        left("2023-07-29", "president", "first", "not-now"),  # no longer shown: nothing
        left("2023-07-30", "president", "second", "back"),
    )
    assert offices(lg, "2023-07-29")["president"] == office(
        "second", "2023-07-28", True, "second", stands_in_for="bazoum"
    )
    assert offices(lg, "2023-07-30")["president"] == office("bazoum", "2023-07-30", False, "back")


def test_the_holder_named_interim_to_their_own_office_stands_in_for_nobody(build: Build) -> None:
    """A caretaker prime minister named again "interim" (found by a trial on Sudan-like data):
    there is nobody else to stand in for, so their resignation leaves the office vacant."""
    holder = pm("2020-01-01", "t-pm", "pm")
    dismissed = fact("GovernmentDismissed", "2020-02-01", state="NE", id="dismissed")
    again = pm("2020-02-02", "t-pm", "again", interim=True)
    resigned = left("2020-04-01", "prime-minister", "t-pm", "resigned")
    lg = build(holder, dismissed, again, resigned)
    assert offices(lg, "2020-02-02")["prime-minister"] == office("t-pm", "2020-02-02", True, "again")
    assert offices(lg, "2020-04-01")["prime-minister"] == office(None, "2020-04-01", False, "resigned")
    # The same while an interim stands in for them: the holder named interim takes the office
    # back, acting, and stands in for nobody.
    stand_in = pm("2020-02-01", "other", "stand-in", interim=True)
    lg = build(holder, stand_in, again, resigned)
    assert offices(lg, "2020-02-02")["prime-minister"] == office("t-pm", "2020-02-02", True, "again")
    assert offices(lg, "2020-04-01")["prime-minister"] == office(None, "2020-04-01", False, "resigned")


def test_an_overthrow_ousting_a_holder_stood_in_for_vacates_the_office(build: Build) -> None:
    lg = build(
        pm("2021-04-03", "mahamadou", "pm"),
        pm("2023-07-25", "massaoudou", "interim", interim=True),
        fact("GovernmentOverthrown", "2023-07-26", state="NE", ousted=["mahamadou"], id="coup"),
    )
    assert offices(lg, "2023-07-26")["prime-minister"] == office(None, "2023-07-26", False, "coup")


def test_an_overthrow_ousting_the_interim_vacates_the_office_too(build: Build) -> None:
    """Section 9: "every office held by a person in `ousted` becomes vacant"; the office does not
    go back to the holder stood in for, as an OfficeLeft by the interim would hand it back."""
    lg = build(
        pm("2021-04-03", "mahamadou", "pm"),
        pm("2023-07-25", "massaoudou", "interim", interim=True),
        fact("GovernmentOverthrown", "2023-07-26", state="NE", ousted=["massaoudou"], id="coup"),
    )
    assert offices(lg, "2023-07-26")["prime-minister"] == office(None, "2023-07-26", False, "coup")


# Section 9: same-day spells


def test_a_one_day_spell_ends_right_after_it_began(build: Build) -> None:
    """19 February 1913: Lascuráin, president for under an hour (tests/test_real_episodes.py)."""
    came = assumed("1913-02-19", "president", "lascurain", "came")
    went = left("1913-02-19", "president", "lascurain", "went", reason="resigned")
    for facts in ((came, went), (went, came)):  # recording order does not matter: ranks decide
        lg = build(*facts)
        assert offices(lg, "1913-02-19")["president"] == office(None, "1913-02-19", False, "went")
        assert [e.fact.fact_id for e in lg.timeline()] == ["went", "came"]  # the timeline's order


def test_a_same_day_leave_waits_for_that_persons_appointment_only(build: Build) -> None:
    lg = build(
        assumed("1913-02-19", "president", "lascurain", "came"),
        left("1913-02-19", "president", "carranza", "not-yet"),  # appointed the next day: no effect
        left("1913-02-19", "president", "lascurain", "went"),
        assumed("1913-02-19", "president", "huerta", "huerta"),
        assumed("1913-02-20", "president", "carranza", "next-day"),
    )
    assert offices(lg, "1913-02-19")["president"] == office("huerta", "1913-02-19", False, "huerta")
    assert offices(lg, "1913-02-20")["president"] == office("carranza", "1913-02-20", False, "next-day")


def test_a_leave_the_day_before_an_appointment_changes_nothing(build: Build) -> None:
    lg = build(
        left("1913-02-18", "president", "lascurain", "early"),
        assumed("1913-02-19", "president", "lascurain", "came"),
    )
    assert offices(lg, "1913-02-19")["president"] == office("lascurain", "1913-02-19", False, "came")


# Section 9: former states, `fact`, `--known-at` dates, `timeline --state`


def test_former_states_are_states_everywhere(build: Build) -> None:
    lg = build(
        fact("ForcesDeployed", "1968-08-21", mission="danube", contributor="SUHH", host="CSHH", id="in"),
        fact(
            "OfficeAssumed",
            "1964-10-15",
            state="SUHH",
            office="general-secretary",
            person="brezhnev",
            id="gs",
        ),
        fact(
            "StatementMade",
            "1968-08-21",
            speaker="dubcek",
            summary="s",
            office="CSHH/first-secretary",
            about=["DDDE"],
            id="st",
        ),
    )
    doc = world(lg, "1968-08-21")
    assert list(doc["states"]) == ["CSHH", "SUHH"]
    assert doc["states"]["CSHH"]["foreign_forces"][0]["contributor"] == "SUHH"
    assert [e.fact.fact_id for e in lg.timeline(state="DDDE")] == ["st"]
    assert [e.fact.fact_id for e in lg.timeline(state="SUHH")] == ["gs", "in"]


def test_former_state_codes_are_checked(ledger: Ledger) -> None:
    assert import_error(ledger, fact("GovernmentDismissed", "1990", state="SUXX")) == (
        "facts.jsonl:1: $.state: 'SUXX' is not an ISO 3166-3 code of a former state"
    )
    assert import_error(ledger, fact("StatementMade", "1990", speaker="a", summary="s", office="SUXX/x")) == (
        "facts.jsonl:1: $.office: 'SUXX' is not an ISO 3166-3 code of a former state"
    )


def test_every_mission_and_contingent_names_the_fact_that_set_its_since(build: Build) -> None:
    lg = build(
        fact("MissionRequested", "2022-01-05", mission=M, organization="csto", host="NE", id="asked"),
        deployed("2022-01-06", "RU", "ru"),
        deployed("2022-01-07", "BY", "by"),
        deployed("2022-01-08", "RU", "ru-more"),  # still deployed: since and fact stay
        fact("WithdrawalStarted", "2022-01-10", mission=M, contributor="BY", id="by-out"),
        fact("WithdrawalAnnounced", "2022-01-09", mission="beta", id="beta"),
    )
    doc = world(lg, "2022-01-10")
    m = doc["missions"][M]
    assert (m["status"], m["since"], m["fact"]) == ("withdrawing", "2022-01-10", "by-out")
    assert {c: (x["since"], x["fact"]) for c, x in m["contingents"].items()} == {
        "BY": ("2022-01-10", "by-out"),
        "RU": ("2022-01-06", "ru"),
    }
    assert [(f["contributor"], f["fact"]) for f in doc["states"]["NE"]["foreign_forces"]] == [
        ("BY", "by-out"),
        ("RU", "ru"),
    ]
    assert (doc["missions"]["beta"]["since"], doc["missions"]["beta"]["fact"]) == (None, None)
    assert world(lg, "2022-01-05")["missions"][M]["fact"] == "asked"


def test_known_at_takes_a_date_the_end_of_its_day_utc(build: Build) -> None:
    lg = build(deployed("2022-01-06", "RU", "ru"))
    (recorded,) = [e.recorded_at for e in lg.entries()]
    day = recorded[:10]
    assert world(lg, "2022-01-06", known_at=day)["ledger"]["size"] == 1
    assert world(lg, "2022-01-06", known_at=day + "T23:59:59.999999Z")["ledger"]["size"] == 1
    assert world(lg, "2022-01-06", known_at="2000")["ledger"]["size"] == 0
    assert [e.fact.fact_id for e in lg.timeline(known_at=day[:4])] == ["ru"]


def test_timeline_state_follows_the_mission_at_each_point_of_the_replay(build: Build) -> None:
    lg = build(
        fact("MissionRequested", "2022-01-05", mission=M, organization="un", host="ML", id="asked"),
        fact("DeploymentCompleted", "2022-01-06", mission=M, id="in-mali"),
        fact("ForcesDeployed", "2022-01-07", mission=M, contributor="FR", host="NE", id="moved"),
        fact("DeploymentCompleted", "2022-01-08", mission=M, id="in-niger"),
        reported("2022-01-09", "figure", 900),  # the mission's, no contributor: FR has a contingent
        fact("StatementMade", "2022-01-09", speaker="s", summary="x", about=["ML"], id="about-mali"),
        fact("ActorDescribed", "2022-01-09", actor="ML", names={"en": "Mali"}, id="named"),
    )
    ids = {code: [e.fact.fact_id for e in lg.timeline(state=code)] for code in ("ML", "NE", "FR")}
    assert ids == {
        "ML": ["asked", "in-mali", "about-mali"],  # hosted by ML until the host moved
        "NE": ["moved", "in-niger", "figure"],
        "FR": ["moved", "in-niger", "figure"],  # FR has a contingent from the deployment on
    }


# Section 10: descriptions


def test_descriptions_name_the_actors_the_document_names(build: Build) -> None:
    lg = build(
        described("NE", "ne-en", {"en": "Niger", "fr": "Niger"}, wikidata="Q1032"),
        described("mahamadou", "pm-ar", {"ar": "أوهومودو محمدو"}),
        described("nobody", "absent", {"en": "Not in the document"}),
        described("csto", "org", {"en": "CSTO"}),
        pm("2021-04-03", "mahamadou", "pm"),
    )
    assert world(lg, "2021-04-03")["actors"] == {
        "NE": {"names": {"en": "Niger", "fr": "Niger"}, "wikidata": "Q1032"},
        "mahamadou": {"names": {"ar": "أوهومودو محمدو"}, "wikidata": None},
    }
    # Knowledge, not an event: at every as-of date, dated or not; never in the timeline.
    assert world(lg, "1900-01-01")["actors"] == {}  # nothing named yet
    assert [e.fact.fact_id for e in lg.timeline()] == ["pm"]


def test_descriptions_merge_by_language_in_recording_order(build: Build) -> None:
    lg = build(
        described("NE", "first", {"en": "Niger", "fr": "Niger"}, wikidata="Q1", day="2024-05-01"),
        described("NE", "second", {"en": "Republic of the Niger"}, day="2020-01-01"),
        described("NE", "third", {"ha": "Nijar"}, wikidata="Q1032", day="2019"),
        described("NE", "fourth", {"fr": "République du Niger"}, day="2030"),
        fact("GovernmentDismissed", "2022-01-01", state="NE", id="dismissed"),
    )
    assert world(lg, "2022-01-01")["actors"]["NE"] == {
        "names": {"en": "Republic of the Niger", "fr": "République du Niger", "ha": "Nijar"},
        "wikidata": "Q1032",  # the latest non-null
    }
    # Within a horizon: only the descriptions among the considered entries.
    assert world(lg, "2022-01-01", size=5)["actors"]["NE"]["names"]["en"] == "Republic of the Niger"
    early = world(lg, "2022-01-01", size=1)
    assert early["actors"] == {} and early["states"] == {}


def test_a_retracted_description_no_longer_contributes(build: Build) -> None:
    named = described("NE", "named", {"en": "Niger"}, wikidata="Q1032")
    renamed = described("NE", "renamed", {"en": "Nigeria"}, wikidata="Q1033")
    dismissed = fact("GovernmentDismissed", "2022-01-01", state="NE", id="dismissed")
    retracted = fact("FactRetracted", "2024-01-02", target="renamed", reason="wrong country", id="oops")
    lg = build(named, renamed, dismissed)
    assert world(lg, "2022-01-01")["actors"]["NE"] == {"names": {"en": "Nigeria"}, "wikidata": "Q1033"}
    lg.import_facts([("more", jsonl(retracted))])
    assert world(lg, "2022-01-01")["actors"]["NE"] == {"names": {"en": "Niger"}, "wikidata": "Q1032"}
    assert world(lg, "2022-01-01", size=3)["actors"]["NE"]["names"] == {"en": "Nigeria"}
    fixed = described("NE", "fixed", {"fr": "Niger"}, supersedes="named")
    lg.import_facts([("more", jsonl(fixed))])
    assert world(lg, "2022-01-01")["actors"]["NE"] == {"names": {"fr": "Niger"}, "wikidata": None}


def test_a_description_is_checked_at_import(ledger: Ledger) -> None:
    good = described("NE", "x", {"en": "Niger"})
    assert (
        import_error(ledger, good | {"names": {}})
        == "facts.jsonl:1: $.names: Expected `object` of length >= 1"
    )
    assert (
        import_error(ledger, good | {"names": {"en": " "}}) == "facts.jsonl:1: $.names.en: must not be blank"
    )
    assert import_error(ledger, good | {"names": {"en_GB": "x"}}) == (
        "facts.jsonl:1: $.names.en_GB: 'en_GB' is not a BCP 47 language tag"
    )
    assert import_error(ledger, good | {"wikidata": "Q01"}).startswith("facts.jsonl:1: $.wikidata: ")
    assert import_error(ledger, good | {"actor": "QQ"}) == (
        "facts.jsonl:1: $.actor: 'QQ' is not an ISO 3166-1 alpha-2 state code"
    )
    assert import_error(ledger, good | {"colour": "red"}).startswith(
        "facts.jsonl:1: $.colour: unknown field; "
    )


def test_the_described_name_of_an_actor_in_a_language() -> None:
    known = {
        "NE": Description({"fr": "Niger (fr)", "zh-Hant": "尼日"}),
        "bazoum": Description({"en": "Mohamed Bazoum"}),
    }
    assert described_name("NE", known, "fr") == "Niger (fr)"
    assert described_name("NE", known, "FR-be") == "Niger (fr)"  # a tag's prefix, any case
    assert described_name("NE", known, "zh-Hant-TW") == "尼日"
    assert described_name("NE", known, "en") == "Niger"  # no English name: ISO 3166's
    assert described_name("SUHH", known) == "USSR, Union of Soviet Socialist Republics"
    assert described_name("bazoum", known, "fr") == "bazoum"  # else the slug
    assert described_name("bazoum", known) == "Mohamed Bazoum"
    assert described_name("XK", {}) == "Kosovo"


# Section 11: strength figures and competing claims


def test_strength_of_a_contingent_from_its_claims(build: Build) -> None:
    lg = build(
        deployed("2023-07-01", "FR", "fr", personnel=1500),
        reported("2023-07-28", "reuters", 1000, personnel_high=1500, contributor="FR"),
        reported(
            "2023-08-03", "lbc", 1500, contributor="FR", sources=[{"publisher": "LBC"}, {"publisher": "AFP"}]
        ),
    )
    strength = {
        d: world(lg, d)["missions"][M]["contingents"]["FR"]
        for d in ("2023-07-01", "2023-07-28", "2023-08-03")
    }
    assert strength["2023-07-01"]["strength"] == {
        "low": 1500,
        "high": 1500,
        "as_of": "2023-07-01",
        "disputed": False,
        "claims": [{"fact": "fr", "low": 1500, "high": 1500, "publishers": ["Test Wire"]}],
    }
    assert strength["2023-07-28"]["strength"] == {
        "low": 1000,
        "high": 1500,
        "as_of": "2023-07-28",
        "disputed": False,  # one claim, a range: nothing disputes it
        "claims": [{"fact": "reuters", "low": 1000, "high": 1500, "publishers": ["Test Wire"]}],
    }
    assert strength["2023-07-28"]["personnel"] == 1000  # v1's personnel: the last current low
    assert strength["2023-08-03"]["strength"]["claims"] == [
        {"fact": "lbc", "low": 1500, "high": 1500, "publishers": ["LBC", "AFP"]}
    ]
    forces = world(lg, "2023-08-03")["states"]["NE"]["foreign_forces"]
    assert forces[0]["strength"] == strength["2023-08-03"]["strength"]


def test_same_day_claims_compete_side_by_side(build: Build) -> None:
    lg = build(
        deployed("2023-10-01", "FR", "fr"),
        reported("2023-10", "ministry", 1500, contributor="FR"),
        reported("2023-10-31", "general", 1400, contributor="FR"),
        reported("2023-10-31~", "same", 1400, contributor="FR"),
    )
    c = world(lg, "2023-10-31")["missions"][M]["contingents"]["FR"]
    assert c["strength"] == {
        "low": 1400,
        "high": 1500,
        "as_of": "2023-10-31",
        "disputed": True,
        "claims": [  # in replay order: by recording order within the day
            {"fact": "ministry", "low": 1500, "high": 1500, "publishers": ["Test Wire"]},
            {"fact": "general", "low": 1400, "high": 1400, "publishers": ["Test Wire"]},
            {"fact": "same", "low": 1400, "high": 1400, "publishers": ["Test Wire"]},
        ],
    }
    assert c["personnel"] == 1400  # the last current claim's low
    agreeing = build(
        deployed("2023-10-01", "FR", "fr", personnel=7), reported("2023-10-01", "b", 7, contributor="FR")
    )
    assert world(agreeing, "2023-10-01")["missions"][M]["contingents"]["FR"]["strength"]["disputed"] is False


def test_a_superseding_claim_replaces_its_target_and_a_retraction_removes_it(build: Build) -> None:
    first = reported("2023-10-05", "first", 1500, contributor="FR")
    other = reported("2023-10-05", "other", 1450, contributor="FR")
    fixed = reported("2023-10-05", "fixed", 1400, contributor="FR", supersedes="first")
    lg = build(deployed("2023-10-01", "FR", "fr"), first, other, fixed)
    claims = world(lg, "2023-10-05")["missions"][M]["contingents"]["FR"]["strength"]["claims"]
    assert [c["fact"] for c in claims] == ["other", "fixed"]
    lg.import_facts([("more", jsonl(fact("FactRetracted", "2024", target="other", reason="no", id="gone")))])
    strength = world(lg, "2023-10-05")["missions"][M]["contingents"]["FR"]["strength"]
    assert (strength["disputed"], [c["fact"] for c in strength["claims"]]) == (False, ["fixed"])
    # A later claim that is retracted leaves the earlier day's claims current.
    later = reported("2023-11-01", "later", 1, contributor="FR")
    lg.import_facts([("more", jsonl(later, fact("FactRetracted", "2024", target="later", reason="no")))])
    assert world(lg, "2023-11-30")["missions"][M]["contingents"]["FR"]["strength"]["as_of"] == "2023-10-05"


def test_a_figure_makes_nothing_exist_and_shows_once_its_object_does(build: Build) -> None:
    early = reported("2023-07-01", "early", 1000, contributor="FR")
    whole = reported("2023-07-02", "whole", 3000, personnel_high=3500)
    lg = build(early, whole)
    assert world(lg, "2023-07-02")["missions"] == {}  # no mission, no contingent, no status
    lg.import_facts(
        [
            (
                "more",
                jsonl(
                    fact("MissionAuthorized", "2023-07-03", mission=M, organization="un", host="NE", id="ok")
                ),
            )
        ]
    )
    m = world(lg, "2023-07-03")["missions"][M]
    assert (m["status"], m["contingents"]) == ("authorized", {})
    assert m["strength"] == {
        "low": 3000,
        "high": 3500,
        "as_of": "2023-07-02",
        "disputed": False,
        "claims": [{"fact": "whole", "low": 3000, "high": 3500, "publishers": ["Test Wire"]}],
    }
    lg.import_facts([("more", jsonl(deployed("2023-07-04", "FR", "fr")))])
    c = world(lg, "2023-07-04")["missions"][M]["contingents"]["FR"]
    assert (c["personnel"], c["strength"]["as_of"]) == (1000, "2023-07-01")


def test_a_range_below_its_low_is_refused(ledger: Ledger) -> None:
    assert import_error(ledger, reported("2023-07-01", "x", 1500, personnel_high=1000)) == (
        "facts.jsonl:1: $.personnel_high: 1000 is less than personnel (1500)"
    )
    assert import_error(ledger, reported("2023-07-01", "x", 1500) | {"personnel": None}) == (
        "facts.jsonl:1: $.personnel: Expected `int`, got `null`"
    )


def test_strength_reported_ranks_after_forces_withdrawn_and_before_statements(build: Build) -> None:
    lg = build(
        fact("StatementMade", "2023-12-22", speaker="s", summary="x", id="said"),
        reported("2023-12-22", "figure", 0, contributor="FR"),
        fact("ForcesWithdrawn", "2023-12-22", mission=M, contributor="FR", id="out"),
        deployed("2023-12-22", "FR", "in"),
    )
    assert [e.fact.fact_id for e in lg.timeline()] == ["in", "out", "figure", "said"]
    c = world(lg, "2023-12-22")["missions"][M]["contingents"]["FR"]
    assert (c["status"], c["personnel"]) == ("withdrawn", 0)
