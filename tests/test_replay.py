"""Contract sections 4 and 5: replay semantics, one focused test per rule, on small hand-written ledgers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from strategies import MASKED_ROOT, RANK, fact, fact_id, mask_root

from ledger import Ledger

Build = Callable[..., Ledger]
M = "csto-kazakhstan-2022"


def world(lg: Ledger, as_of: str, **knowledge: Any) -> dict[str, Any]:
    return mask_root(msgspec.to_builtins(lg.replay(as_of, **knowledge)))


V2 = ("fact", "strength")  # what v2 adds to missions and contingents (tests/test_replay_v2.py)


def v1(obj: dict[str, Any]) -> dict[str, Any]:
    """A mission, contingent or foreign force without v2's fields: v1's rules, v1's shapes."""
    return {k: v1(v) if k == "contingents" else v for k, v in obj.items() if k not in V2} | (
        {"contingents": {c: v1(x) for c, x in obj["contingents"].items()}} if "contingents" in obj else {}
    )


def mission(lg: Ledger, as_of: str, name: str = M) -> dict[str, Any] | None:
    found = world(lg, as_of)["missions"].get(name)
    return None if found is None else v1(found)


def state(lg: Ledger, as_of: str, code: str = "KZ", **knowledge: Any) -> dict[str, Any] | None:
    found = world(lg, as_of, **knowledge)["states"].get(code)
    if found is not None:
        found["foreign_forces"] = [v1(f) for f in found["foreign_forces"]]
    return found


def status(lg: Ledger, as_of: str, name: str = M) -> tuple[str | None, str | None]:
    m = mission(lg, as_of, name)
    assert m is not None
    return m["status"], m["since"]


def requested(day: str, **f: Any) -> dict[str, Any]:
    return fact("MissionRequested", day, mission=M, organization="csto", host="KZ") | f


def authorized(day: str, **f: Any) -> dict[str, Any]:
    return fact("MissionAuthorized", day, mission=M, organization="csto", host="KZ") | f


def deployed(day: str, contributor: str, **f: Any) -> dict[str, Any]:
    return fact("ForcesDeployed", day, mission=M, contributor=contributor) | f


def mission_fact(type_: str, day: str, **f: Any) -> dict[str, Any]:
    return fact(type_, day, mission=M) | f


def appointed(day: str, person: str, **f: Any) -> dict[str, Any]:
    return fact("PrimeMinisterAppointed", day, state="KZ", person=person) | f


def assumed(day: str, office: str, person: str, **f: Any) -> dict[str, Any]:
    return fact("OfficeAssumed", day, state="KZ", office=office, person=person) | f


def left(day: str, office: str, person: str, **f: Any) -> dict[str, Any]:
    return fact("OfficeLeft", day, state="KZ", office=office, person=person) | f


def dismissed(day: str, **f: Any) -> dict[str, Any]:
    return fact("GovernmentDismissed", day, state="KZ") | f


def retracted(target: str, day: str = "2022-01-20", **f: Any) -> dict[str, Any]:
    return fact("FactRetracted", day, target=target, reason="wrong") | f


def office(person: str | None, since: str, acting: bool, *facts: dict[str, Any]) -> dict[str, Any]:
    return {"person": person, "since": since, "acting": acting, "facts": [fact_id(f) for f in facts]}


# The document


def test_document_shape(build: Build) -> None:
    w = world(
        build(
            requested("2022-01-06"),
            deployed("2022-01-06", "RU", personnel=10),
            mission_fact("WithdrawalAnnounced", "2022-01-11", starts_within_days=2),
            appointed("2022-01-11", "a"),
        ),
        "2022-01-12",
    )
    assert list(w) == ["as_of", "ledger", "states", "missions", "actors"]
    assert w["as_of"] == "2022-01-12"
    assert w["ledger"] == {"size": 4, "root": MASKED_ROOT}
    assert list(w["states"]["KZ"]) == ["government", "offices", "foreign_forces"]
    assert list(w["states"]["KZ"]["government"]) == ["status", "since"]
    assert list(w["states"]["KZ"]["offices"]["prime-minister"]) == ["person", "since", "acting", "facts"]
    assert list(w["states"]["KZ"]["foreign_forces"][0]) == [
        "mission",
        "contributor",
        "status",
        "since",
        "fact",
        "personnel",
        "strength",
    ]
    m = w["missions"][M]
    assert list(m) == [
        "organization",
        "host",
        "status",
        "since",
        "fact",
        "contingents",
        "withdrawal",
        "strength",
    ]
    assert list(m["contingents"]["RU"]) == ["status", "since", "fact", "personnel", "strength"]
    assert list(m["contingents"]["RU"]["strength"]) == ["low", "high", "as_of", "disputed", "claims"]
    assert list(m["contingents"]["RU"]["strength"]["claims"][0]) == ["fact", "low", "high", "publishers"]
    assert list(m["withdrawal"]) == ["announced", "start_by", "complete_by"]
    assert w["actors"] == {}


def test_empty_ledger(ledger: Ledger) -> None:
    assert world(ledger, "2022-01-12") == {
        "as_of": "2022-01-12",
        "ledger": {"size": 0, "root": MASKED_ROOT},
        "states": {},
        "missions": {},
        "actors": {},
    }


@pytest.mark.parametrize(
    ("as_of", "day"),
    [
        ("2022", "2022-12-31"),
        ("2022-02", "2022-02-28"),
        ("2022-01-11T23:30-05:00", "2022-01-11"),
        ("2022-01-11?", "2022-01-11"),
    ],
)
def test_as_of_is_the_effective_day_asked_for(ledger: Ledger, as_of: str, day: str) -> None:
    assert ledger.replay(as_of).as_of == day


def test_as_of_defaults_to_today_in_utc(ledger: Ledger) -> None:
    before = datetime.now(UTC).date().isoformat()
    as_of = ledger.replay().as_of
    after = datetime.now(UTC).date().isoformat()
    assert as_of in (before, after)


# Order: effective day, type rank, recording order


def test_timeline_is_in_replay_order_by_type_rank(build: Build) -> None:
    day = "2022-01-10"
    one_of_each = {
        "GovernmentOverthrown": fact("GovernmentOverthrown", day, state="KZ"),
        "GovernmentDismissed": dismissed(day),
        "OfficeLeft": left(day, "minister-of-energy", "b"),
        "PrimeMinisterNominated": fact("PrimeMinisterNominated", day, state="KZ", person="a"),
        "PrimeMinisterAppointed": appointed(day, "a"),
        "OfficeAssumed": assumed(day, "minister-of-energy", "c"),
        "MissionRequested": requested(day),
        "MissionAuthorized": authorized(day),
        "ForcesDeployed": deployed(day, "RU"),
        "DeploymentCompleted": mission_fact("DeploymentCompleted", day),
        "MissionCompleted": mission_fact("MissionCompleted", day),
        "WithdrawalAnnounced": mission_fact("WithdrawalAnnounced", day),
        "WithdrawalStarted": mission_fact("WithdrawalStarted", day),
        "ForcesWithdrawn": mission_fact("ForcesWithdrawn", day),
        "StrengthReported": mission_fact("StrengthReported", day, personnel=5),
        "StatementMade": fact("StatementMade", day, speaker="s", summary="x"),
    }
    # Recorded in reverse rank order; OfficeAssumed before PrimeMinisterAppointed (same rank).
    lg = build(*reversed(list(one_of_each.values())))
    order = [e.fact.type for e in lg.timeline()]
    expected = sorted(RANK, key=lambda t: (RANK[t], t != "OfficeAssumed"))
    assert order == expected


def test_days_come_before_ranks(build: Build) -> None:
    lg = build(
        dismissed("2022-01-10"), mission_fact("ForcesWithdrawn", "2022-01-09"), requested("2022-01-08")
    )
    assert [e.fact.type for e in lg.timeline()] == [
        "MissionRequested",
        "ForcesWithdrawn",
        "GovernmentDismissed",
    ]


def test_office_left_is_folded_before_an_appointment_the_same_day(build: Build) -> None:
    first = assumed("2022-01-01", "minister-of-energy", "p")
    again = assumed("2022-01-10", "minister-of-energy", "p")
    leave = left("2022-01-10", "minister-of-energy", "p")
    # Recorded appointment first: in recording order the holder would leave last and the office be vacant.
    lg = build(first, again, leave)
    assert state(lg, "2022-01-10")["offices"]["minister-of-energy"] == office("p", "2022-01-10", False, again)


def test_dismissal_is_folded_before_an_appointment_the_same_day(build: Build) -> None:
    pm = appointed("2022-01-10", "smailov")
    lg = build(pm, dismissed("2022-01-10"))
    kz = state(lg, "2022-01-10")
    assert kz["government"] == {"status": "in_office", "since": "2022-01-10"}
    assert kz["offices"]["prime-minister"] == office("smailov", "2022-01-10", False, pm)


def test_same_day_same_rank_the_later_recorded_wins(build: Build) -> None:
    x, y = appointed("2022-01-10", "x"), appointed("2022-01-10?", "y")
    assert state(build(x, y), "2022-01-10")["offices"]["prime-minister"]["person"] == "y"
    assert state(build(y, x), "2022-01-10")["offices"]["prime-minister"]["person"] == "x"


def test_prime_minister_appointed_and_office_assumed_share_a_rank(build: Build) -> None:
    x = appointed("2022-01-10", "x")
    y = assumed("2022-01-10T09:00Z", "prime-minister", "y")
    assert state(build(x, y), "2022-01-10")["offices"]["prime-minister"]["person"] == "y"
    assert state(build(y, x), "2022-01-10")["offices"]["prime-minister"]["person"] == "x"


def test_same_day_personnel_later_recorded_wins(build: Build) -> None:
    a, b = deployed("2022-01-06", "RU", personnel=100), deployed("2022-01-06~", "RU", personnel=200)
    assert mission(build(a, b), "2022-01-07")["contingents"]["RU"]["personnel"] == 200
    assert mission(build(b, a), "2022-01-07")["contingents"]["RU"]["personnel"] == 100


def test_recording_order_does_not_matter_across_days_or_ranks(build: Build) -> None:
    facts = [
        requested("2022-01-05"),
        deployed("2022-01-06", "RU", personnel=5),
        deployed("2022-01-07", "RU", personnel=7),
        mission_fact("DeploymentCompleted", "2022-01-06"),
        dismissed("2022-01-07"),
        appointed("2022-01-06", "a"),
        appointed("2022-01-07", "b", acting=True),
    ]
    forward, backward = build(*facts), build(*reversed(facts))
    for day in ("2022-01-05", "2022-01-06", "2022-01-07", "2022-01-08"):
        assert world(forward, day) == world(backward, day)


# Effective days


def test_a_month_date_is_folded_on_the_last_day_of_the_month(build: Build) -> None:
    lg = build(deployed("2022-01-05", "RU"), mission_fact("DeploymentCompleted", "2022-01"))
    assert status(lg, "2022-01-15") == ("deploying", "2022-01-05")
    assert status(lg, "2022-01-30") == ("deploying", "2022-01-05")
    assert status(lg, "2022-01-31") == ("deployed", "2022-01")
    assert status(lg, "2022-01") == ("deployed", "2022-01")


def test_a_year_date_is_folded_on_december_31(build: Build) -> None:
    lg = build(requested("2022~"))
    assert mission(lg, "2022-12-30") is None
    assert status(lg, "2022-12-31") == ("requested", "2022~")


def test_a_month_date_comes_after_earlier_days_of_that_month(build: Build) -> None:
    month, day20 = appointed("2022-01", "x"), appointed("2022-01-20", "y")
    lg = build(month, day20)
    assert state(lg, "2022-01-25")["offices"]["prime-minister"]["person"] == "y"
    assert state(lg, "2022-01-31")["offices"]["prime-minister"] == office("x", "2022-01", False, month)


def test_a_moment_is_folded_on_its_local_day(build: Build) -> None:
    lg = build(requested("2022-01-05T23:30-05:00"))
    assert status(lg, "2022-01-05") == ("requested", "2022-01-05T23:30-05:00")


# Missions


def test_mission_stages_and_since(build: Build) -> None:
    lg = build(
        requested("2022-01-05?"),
        authorized("2022-01-06"),
        deployed("2022-01-06T12:00Z", "RU"),
        deployed("2022-01-07", "BY"),
        mission_fact("DeploymentCompleted", "2022-01-09"),
        mission_fact("MissionCompleted", "2022-01-11"),
        mission_fact("WithdrawalStarted", "2022-01-13"),
        mission_fact("ForcesWithdrawn", "2022-01-19", contributor="RU"),
        mission_fact("ForcesWithdrawn", "2022-01-20", contributor="BY"),
    )
    assert mission(lg, "2022-01-04") is None
    assert status(lg, "2022-01-05") == ("requested", "2022-01-05?")
    # Authorized and deploying on one day: the rank puts authorization first.
    assert status(lg, "2022-01-06") == ("deploying", "2022-01-06T12:00Z")
    assert status(lg, "2022-01-08") == ("deploying", "2022-01-06T12:00Z")  # BY did not change the status
    assert status(lg, "2022-01-09") == ("deployed", "2022-01-09")
    assert status(lg, "2022-01-12") == ("completed", "2022-01-11")
    assert status(lg, "2022-01-13") == ("withdrawing", "2022-01-13")
    assert status(lg, "2022-01-19") == ("withdrawing", "2022-01-13")  # BY still withdrawing
    assert status(lg, "2022-01-20") == ("withdrawn", "2022-01-20")


def test_status_is_the_furthest_stage_reached(build: Build) -> None:
    lg = build(
        authorized("2022-01-06"),
        requested("2022-01-07", host="KG"),
        mission_fact("DeploymentCompleted", "2022-01-08"),
        deployed("2022-01-09", "RU"),
    )
    assert status(lg, "2022-01-07") == ("authorized", "2022-01-06")
    assert mission(lg, "2022-01-07")["host"] == "KG"  # the host still follows the latest fact
    assert status(lg, "2022-01-09") == ("deployed", "2022-01-08")


def test_a_mission_exists_from_its_first_mission_fact_with_null_status(build: Build) -> None:
    lg = build(mission_fact("WithdrawalAnnounced", "2022-01-11"))
    m = mission(lg, "2022-01-11")
    assert m == {
        "organization": None,
        "host": None,
        "status": None,
        "since": None,
        "contingents": {},
        "withdrawal": {"announced": "2022-01-11", "start_by": None, "complete_by": None},
    }


def test_statements_do_not_create_missions_or_states(build: Build) -> None:
    lg = build(
        fact("StatementMade", "2022-01-11", speaker="s", summary="x", about=["KZ", M], office="KZ/president"),
        fact("PrimeMinisterNominated", "2022-01-11", state="KZ", person="a"),
    )
    w = world(lg, "2022-01-12")
    assert (w["states"], w["missions"]) == ({}, {})
    assert w["ledger"]["size"] == 2


def test_redeployment_after_withdrawn(build: Build) -> None:
    lg = build(
        deployed("2022-01-06", "RU"),
        mission_fact("DeploymentCompleted", "2022-01-07"),
        mission_fact("ForcesWithdrawn", "2022-01-10"),
        deployed("2022-02-01", "RU"),
        mission_fact("DeploymentCompleted", "2022-02-03"),
    )
    assert status(lg, "2022-01-10") == ("withdrawn", "2022-01-10")
    assert status(lg, "2022-02-01") == ("deploying", "2022-02-01")
    assert mission(lg, "2022-02-01")["contingents"]["RU"] == {
        "status": "deployed",
        "since": "2022-02-01",
        "personnel": None,
    }
    assert status(lg, "2022-02-03") == ("deployed", "2022-02-03")


def test_withdrawal_started_without_contributor_covers_every_deployed_contingent(build: Build) -> None:
    lg = build(
        deployed("2022-01-06", "RU"),
        deployed("2022-01-06", "BY"),
        deployed("2022-01-06", "AM"),
        mission_fact("ForcesWithdrawn", "2022-01-10", contributor="AM"),
        mission_fact("WithdrawalStarted", "2022-01-13"),
    )
    c = mission(lg, "2022-01-13")["contingents"]
    assert c["RU"] == {"status": "withdrawing", "since": "2022-01-13", "personnel": None}
    assert c["BY"] == {"status": "withdrawing", "since": "2022-01-13", "personnel": None}
    assert c["AM"] == {"status": "withdrawn", "since": "2022-01-10", "personnel": None}
    assert status(lg, "2022-01-13") == ("withdrawing", "2022-01-10")


def test_withdrawal_started_with_contributor_covers_only_it(build: Build) -> None:
    lg = build(
        deployed("2022-01-06", "RU"),
        deployed("2022-01-06", "BY"),
        mission_fact("WithdrawalStarted", "2022-01-13", contributor="BY"),
        mission_fact("WithdrawalStarted", "2022-01-14", contributor="BY"),
    )
    c = mission(lg, "2022-01-14")["contingents"]
    assert c["RU"]["status"] == "deployed"
    assert c["BY"] == {"status": "withdrawing", "since": "2022-01-13", "personnel": None}
    assert status(lg, "2022-01-14") == ("withdrawing", "2022-01-13")


def test_forces_withdrawn_with_contributor_while_others_remain(build: Build) -> None:
    lg = build(
        deployed("2022-01-06", "RU"),
        deployed("2022-01-06", "BY"),
        mission_fact("ForcesWithdrawn", "2022-01-15", contributor="BY", personnel=0),
    )
    m = mission(lg, "2022-01-15")
    assert m["contingents"]["BY"] == {"status": "withdrawn", "since": "2022-01-15", "personnel": None}
    assert m["contingents"]["RU"]["status"] == "deployed"
    assert (m["status"], m["since"]) == ("withdrawing", "2022-01-15")


def test_forces_withdrawn_without_contributor_withdraws_every_contingent(build: Build) -> None:
    lg = build(
        deployed("2022-01-06", "RU"),
        deployed("2022-01-06", "BY"),
        mission_fact("WithdrawalStarted", "2022-01-13", contributor="RU"),
        mission_fact("ForcesWithdrawn", "2022-01-16", contributor="BY"),
        mission_fact("ForcesWithdrawn", "2022-01-20"),
    )
    m = mission(lg, "2022-01-20")
    assert m["contingents"]["RU"] == {"status": "withdrawn", "since": "2022-01-20", "personnel": None}
    assert m["contingents"]["BY"] == {"status": "withdrawn", "since": "2022-01-16", "personnel": None}
    assert (m["status"], m["since"]) == ("withdrawn", "2022-01-20")


def test_withdrawn_only_when_no_contingent_is_deployed_or_withdrawing(build: Build) -> None:
    lg = build(
        deployed("2022-01-06", "RU"),
        deployed("2022-01-06", "BY"),
        mission_fact("WithdrawalStarted", "2022-01-13"),
        mission_fact("ForcesWithdrawn", "2022-01-16", contributor="RU"),
        mission_fact("ForcesWithdrawn", "2022-01-17", contributor="BY"),
    )
    assert status(lg, "2022-01-16") == ("withdrawing", "2022-01-13")
    assert status(lg, "2022-01-17") == ("withdrawn", "2022-01-17")


def test_a_contingent_exists_from_the_first_fact_naming_it(build: Build) -> None:
    lg = build(requested("2022-01-05"), mission_fact("WithdrawalStarted", "2022-01-13", contributor="TJ"))
    assert mission(lg, "2022-01-13")["contingents"] == {
        "TJ": {"status": "withdrawing", "since": "2022-01-13", "personnel": None}
    }


def test_personnel_is_the_latest_non_null(build: Build) -> None:
    lg = build(
        deployed("2022-01-06", "RU", personnel=2000),
        deployed("2022-01-07", "RU"),
        deployed("2022-01-08", "RU", personnel=None),
        mission_fact("ForcesWithdrawn", "2022-01-09", contributor="RU", personnel=10),
        deployed("2022-01-10", "RU", personnel=0),
    )
    assert mission(lg, "2022-01-06")["contingents"]["RU"]["personnel"] == 2000
    assert mission(lg, "2022-01-08")["contingents"]["RU"] == {
        "status": "deployed",
        "since": "2022-01-06",
        "personnel": 2000,
    }
    assert mission(lg, "2022-01-09")["contingents"]["RU"]["personnel"] == 2000
    assert mission(lg, "2022-01-10")["contingents"]["RU"]["personnel"] == 0


def test_host_comes_from_the_latest_of_requested_authorized_and_deployed(build: Build) -> None:
    lg = build(
        requested("2022-01-05", host="KZ"),
        deployed("2022-01-06", "RU"),
        deployed("2022-01-07", "BY", host="KG"),
        authorized("2022-01-08", host="TJ"),
        deployed("2022-01-09", "AM"),
    )
    hosts = {
        day: mission(lg, day)["host"] for day in ("2022-01-06", "2022-01-07", "2022-01-08", "2022-01-09")
    }
    assert hosts == {"2022-01-06": "KZ", "2022-01-07": "KG", "2022-01-08": "TJ", "2022-01-09": "TJ"}
    assert [f["contributor"] for f in state(lg, "2022-01-07", "KG")["foreign_forces"]] == ["BY", "RU"]
    assert state(lg, "2022-01-07", "KZ") is None


def test_organization_comes_from_requested_or_authorized(build: Build) -> None:
    lg = build(requested("2022-01-05"), authorized("2022-01-06", organization="un"))
    assert mission(lg, "2022-01-05")["organization"] == "csto"
    assert mission(lg, "2022-01-06")["organization"] == "un"


# Withdrawal deadlines


@pytest.mark.parametrize(
    ("occurred", "fields", "expected"),
    [
        ("2022-01-11", {"starts_within_days": 2, "completes_within_days": 10}, ("2022-01-13", "2022-01-23")),
        ("2022-01-11", {"completes_within_days": 10}, (None, "2022-01-21")),
        ("2022-01-11", {"starts_within_days": 2}, ("2022-01-13", None)),
        ("2022-01-11", {}, (None, None)),
        ("2022-01-11", {"starts_within_days": 0, "completes_within_days": 0}, ("2022-01-11", "2022-01-11")),
        ("2022-01-11T22:00-05:00", {"starts_within_days": 1}, ("2022-01-12", None)),
        ("2022-01~", {"starts_within_days": 1, "completes_within_days": 28}, ("2022-02-01", "2022-03-01")),
        ("2024-02", {"completes_within_days": 1}, (None, "2024-03-01")),
    ],
)
def test_withdrawal_deadlines(
    build: Build, occurred: str, fields: dict[str, int], expected: tuple[Any, Any]
) -> None:
    lg = build(mission_fact("WithdrawalAnnounced", occurred, **fields))
    assert mission(lg, "2024-12-31")["withdrawal"] == {
        "announced": occurred,
        "start_by": expected[0],
        "complete_by": expected[1],
    }


def test_withdrawal_is_null_before_an_announcement_and_a_later_one_replaces_it(build: Build) -> None:
    lg = build(
        requested("2022-01-05"),
        mission_fact("WithdrawalAnnounced", "2022-01-11", starts_within_days=2, completes_within_days=10),
        mission_fact("WithdrawalAnnounced", "2022-01-15?", completes_within_days=3),
    )
    assert mission(lg, "2022-01-10")["withdrawal"] is None
    assert mission(lg, "2022-01-12")["withdrawal"]["complete_by"] == "2022-01-23"
    assert mission(lg, "2022-01-15")["withdrawal"] == {
        "announced": "2022-01-15?",
        "start_by": None,
        "complete_by": "2022-01-18",
    }
    # An announcement does not change the mission's status.
    assert status(lg, "2022-01-15") == ("requested", "2022-01-05")


# Offices


def test_every_appointment_starts_a_new_entry(build: Build) -> None:
    first = assumed("2022-01-05", "minister-of-energy", "p")
    again = assumed("2022-01-08", "minister-of-energy", "p", acting=True)
    lg = build(first, again)
    assert state(lg, "2022-01-05")["offices"]["minister-of-energy"] == office("p", "2022-01-05", False, first)
    assert state(lg, "2022-01-08")["offices"]["minister-of-energy"] == office("p", "2022-01-08", True, again)


def test_office_left_by_the_holder_vacates_it_and_it_stays_listed(build: Build) -> None:
    leave = left("2022-01-09?", "first-deputy-prime-minister", "p", reason="dismissed")
    lg = build(assumed("2022-01-05", "first-deputy-prime-minister", "p", acting=True), leave)
    kz = state(lg, "2022-01-09")
    assert kz["offices"] == {"first-deputy-prime-minister": office(None, "2022-01-09?", False, leave)}
    assert kz["government"] is None
    assert kz["foreign_forces"] == []


def test_office_left_by_someone_else_changes_nothing(build: Build) -> None:
    holder = assumed("2022-01-05", "minister-of-energy", "p")
    lg = build(
        holder, left("2022-01-09", "minister-of-energy", "q"), left("2022-01-09", "minister-of-water", "p")
    )
    kz = state(lg, "2022-01-09")
    assert kz["offices"] == {"minister-of-energy": office("p", "2022-01-05", False, holder)}


def test_office_left_of_an_office_never_held_lists_nothing(build: Build) -> None:
    lg = build(left("2022-01-09", "minister-of-energy", "q"))
    assert world(lg, "2022-01-09")["states"] == {}


def test_offices_are_listed_sorted(build: Build) -> None:
    lg = build(assumed("2022-01-05", "president", "a"), assumed("2022-01-05", "minister-of-energy", "b"))
    assert list(state(lg, "2022-01-05")["offices"]) == ["minister-of-energy", "president"]


# Government


def test_no_government_status_without_a_fact_setting_it(build: Build) -> None:
    kz = state(build(assumed("2022-01-05", "minister-of-energy", "p")), "2022-01-05")
    assert kz["government"] is None


def test_dismissal_makes_caretaker_and_ministers_acting(build: Build) -> None:
    pm = appointed("2022-01-01", "mamin")
    energy = assumed("2022-01-02", "minister-of-energy", "e")
    deputy = assumed("2022-01-02", "first-deputy-prime-minister", "d")
    president = assumed("2022-01-02", "president", "t")
    vacated = assumed("2022-01-02", "minister-of-water", "w")
    leave = left("2022-01-03", "minister-of-water", "w")
    dismissal = dismissed("2022-01-05?")
    lg = build(pm, energy, deputy, president, vacated, leave, dismissal)
    kz = state(lg, "2022-01-05")
    assert kz["government"] == {"status": "caretaker", "since": "2022-01-05?"}
    assert kz["offices"] == {
        "first-deputy-prime-minister": office("d", "2022-01-02", True, deputy, dismissal),
        "minister-of-energy": office("e", "2022-01-02", True, energy, dismissal),
        "minister-of-water": office(None, "2022-01-03", False, leave),
        "president": office("t", "2022-01-02", False, president),
        "prime-minister": office("mamin", "2022-01-01", True, pm, dismissal),
    }
    assert state(lg, "2022-01-04")["government"] == {"status": "in_office", "since": "2022-01-01"}


def test_dismissal_without_any_office(build: Build) -> None:
    kz = state(build(dismissed("2022-01-05")), "2022-01-05")
    assert kz == {
        "government": {"status": "caretaker", "since": "2022-01-05"},
        "offices": {},
        "foreign_forces": [],
    }


def test_a_second_dismissal_keeps_since_and_adds_its_id(build: Build) -> None:
    pm = appointed("2022-01-01", "a")
    first, second = dismissed("2022-01-05"), dismissed("2022-01-07", dismissed_by="t")
    kz = state(build(pm, first, second), "2022-01-07")
    assert kz["government"] == {"status": "caretaker", "since": "2022-01-05"}
    assert kz["offices"]["prime-minister"] == office("a", "2022-01-01", True, pm, first, second)


def test_non_acting_appointment_ends_caretaker(build: Build) -> None:
    old, dismissal, new = (
        appointed("2022-01-01", "mamin"),
        dismissed("2022-01-05"),
        appointed("2022-01-11", "smailov"),
    )
    energy = assumed("2022-01-02", "minister-of-energy", "e")
    lg = build(old, energy, dismissal, new)
    kz = state(lg, "2022-01-11")
    assert kz["government"] == {"status": "in_office", "since": "2022-01-11"}
    assert kz["offices"]["prime-minister"] == office("smailov", "2022-01-11", False, new)
    # Other ministers stay acting until each is re-appointed.
    assert kz["offices"]["minister-of-energy"] == office("e", "2022-01-02", True, energy, dismissal)


def test_first_prime_minister_appointment_without_dismissal_is_in_office_even_acting(build: Build) -> None:
    pm = appointed("2022-01-03", "a", acting=True)
    kz = state(build(pm), "2022-01-03")
    assert kz["government"] == {"status": "in_office", "since": "2022-01-03"}
    assert kz["offices"]["prime-minister"] == office("a", "2022-01-03", True, pm)


def test_prime_minister_by_office_assumed_counts(build: Build) -> None:
    pm = assumed("2022-01-03", "prime-minister", "a")
    kz = state(build(dismissed("2022-01-01"), pm), "2022-01-03")
    assert kz["government"] == {"status": "in_office", "since": "2022-01-03"}
    assert kz["offices"] == {"prime-minister": office("a", "2022-01-03", False, pm)}


def test_other_offices_do_not_set_government(build: Build) -> None:
    kz = state(build(dismissed("2022-01-01"), assumed("2022-01-03", "minister-of-energy", "a")), "2022-01-03")
    assert kz["government"] == {"status": "caretaker", "since": "2022-01-01"}


def test_acting_appointment_after_a_dismissal_stays_caretaker(build: Build) -> None:
    old, dismissal = appointed("2022-01-01", "mamin"), dismissed("2022-01-05")
    acting = appointed("2022-01-06", "smailov", acting=True)
    final = appointed("2022-01-11", "smailov")
    lg = build(old, dismissal, acting, final)
    kz = state(lg, "2022-01-06")
    assert kz["government"] == {"status": "caretaker", "since": "2022-01-05"}
    assert kz["offices"]["prime-minister"] == office("smailov", "2022-01-06", True, acting)
    assert state(lg, "2022-01-11")["government"] == {"status": "in_office", "since": "2022-01-11"}


def test_government_since_changes_only_with_status(build: Build) -> None:
    lg = build(
        appointed("2022-01-01", "a"), appointed("2022-01-03", "b"), appointed("2022-01-04", "c", acting=True)
    )
    assert state(lg, "2022-01-04")["government"] == {"status": "in_office", "since": "2022-01-01"}


def test_acting_prime_minister_after_an_in_office_one_changes_nothing(build: Build) -> None:
    lg = build(appointed("2022-01-01", "a"), dismissed("2022-01-02"), appointed("2022-01-03", "b"))
    assert state(lg, "2022-01-03")["government"] == {"status": "in_office", "since": "2022-01-03"}


# Corrections


def test_retraction_hides_the_target_at_every_date(build: Build) -> None:
    target = deployed("2022-01-06", "RU", id="ru")
    lg = build(requested("2022-01-05"), target, retracted("ru", "2021-01-01"))
    for day in ("2021-06-01", "2022-01-06", "2022-01-20", "2030"):
        m = world(lg, day)["missions"].get(M)
        assert m is None or m["contingents"] == {}
    assert status(lg, "2022-01-06") == ("requested", "2022-01-05")
    assert world(lg, "2022-01-06")["states"] == {}
    assert [e.fact.fact_id for e in lg.timeline()] == [fact_id(requested("2022-01-05"))]


def test_retraction_occurred_is_not_used(build: Build) -> None:
    target = deployed("2022-01-06", "RU", id="ru")
    early, late = build(target, retracted("ru", "2000")), build(target, retracted("ru", "2099-12-31"))
    for day in ("2022-01-06", "2099-12-31"):
        assert world(early, day) == world(late, day)
        assert world(early, day)["missions"] == {}


def test_superseding_fact_applies_at_its_own_occurred(build: Build) -> None:
    first = deployed("2022-01-06", "RU", id="ru", personnel=100)
    fix = deployed("2022-01-08", "RU", id="ru-fixed", personnel=150, supersedes="ru")
    lg = build(first, fix)
    assert mission(lg, "2022-01-07") is None
    assert mission(lg, "2022-01-08")["contingents"]["RU"] == {
        "status": "deployed",
        "since": "2022-01-08",
        "personnel": 150,
    }


def test_superseding_fact_may_have_another_type_and_be_corrected_again(build: Build) -> None:
    wrong = appointed("2022-01-11", "x", id="wrong")
    other = assumed("2022-01-11", "minister-of-energy", "x", id="other", supersedes="wrong")
    third = appointed("2022-01-12", "y", id="third", supersedes="other")
    lg = build(wrong, other)
    assert state(lg, "2022-01-11")["offices"] == {
        "minister-of-energy": office("x", "2022-01-11", False, other)
    }
    assert state(lg, "2022-01-11")["government"] is None
    lg.import_facts([("more", (msgspec.json.encode(third) + b"\n"))])
    assert state(lg, "2022-01-11") is None
    assert state(lg, "2022-01-12")["offices"] == {"prime-minister": office("y", "2022-01-12", False, third)}


def test_retracting_a_superseding_fact_leaves_its_target_ignored(build: Build) -> None:
    # The superseding fact is still among the considered entries, so its target stays ignored.
    first = appointed("2022-01-11", "x", id="first")
    second = appointed("2022-01-11", "y", id="second", supersedes="first")
    lg = build(first, second, retracted("second"))
    assert world(lg, "2022-01-12")["states"] == {}
    assert list(lg.timeline()) == []


def test_corrections_change_knowledge_not_the_world(build: Build) -> None:
    target = appointed("2022-01-11", "x", id="pm")
    lg = build(target, retracted("pm"), appointed("2022-01-11", "y", id="pm2"))
    assert state(lg, "2022-01-12", size=1)["offices"]["prime-minister"]["person"] == "x"
    assert world(lg, "2022-01-12", size=2)["states"] == {}
    assert state(lg, "2022-01-12", size=3)["offices"]["prime-minister"]["person"] == "y"
    assert world(lg, "2022-01-12", size=2)["ledger"]["size"] == 2


def test_size_and_known_at_together(build: Build) -> None:
    lg = build(appointed("2022-01-11", "x"), appointed("2022-01-12", "y"))
    stamp = list(lg.entries())[-1].recorded_at
    assert state(lg, "2022-01-12", size=1, known_at=stamp)["offices"]["prime-minister"]["person"] == "x"
    assert state(lg, "2022-01-12", known_at=stamp)["offices"]["prime-minister"]["person"] == "y"


def test_timeline_leaves_out_corrections_and_corrected_facts(build: Build) -> None:
    a = appointed("2022-01-11", "x", id="a")
    b = appointed("2022-01-12", "y", id="b", supersedes="a")
    c = dismissed("2022-01-13", id="c")
    lg = build(a, b, c, retracted("c"))
    assert [(e.seq, e.fact.fact_id) for e in lg.timeline()] == [(1, "b")]
    assert [e.fact.fact_id for e in lg.timeline(size=3)] == ["b", "c"]
    assert [e.fact.fact_id for e in lg.timeline(size=1)] == ["a"]


# Where forces are, which states are listed


def test_foreign_forces_sorted_by_mission_then_contributor_deployed_or_withdrawing(build: Build) -> None:
    lg = build(
        fact("ForcesDeployed", "2022-01-06", mission="zeta", contributor="RU", host="KZ"),
        fact("ForcesDeployed", "2022-01-06", mission="alpha", contributor="TJ", host="KZ", personnel=50),
        fact("ForcesDeployed", "2022-01-06", mission="alpha", contributor="BY", host="KZ"),
        fact("ForcesDeployed", "2022-01-06", mission="alpha", contributor="AM", host="KZ"),
        fact("WithdrawalStarted", "2022-01-07", mission="alpha", contributor="BY"),
        fact("ForcesWithdrawn", "2022-01-07", mission="alpha", contributor="AM"),
        fact("ForcesDeployed", "2022-01-06", mission="elsewhere", contributor="RU", host="KG"),
    )
    forces = state(lg, "2022-01-07")["foreign_forces"]
    assert forces == [
        {
            "mission": "alpha",
            "contributor": "BY",
            "status": "withdrawing",
            "since": "2022-01-07",
            "personnel": None,
        },
        {
            "mission": "alpha",
            "contributor": "TJ",
            "status": "deployed",
            "since": "2022-01-06",
            "personnel": 50,
        },
        {
            "mission": "zeta",
            "contributor": "RU",
            "status": "deployed",
            "since": "2022-01-06",
            "personnel": None,
        },
    ]
    assert [f["mission"] for f in state(lg, "2022-01-07", "KG")["foreign_forces"]] == ["elsewhere"]


def test_states_listing(build: Build) -> None:
    lg = build(
        # RU only contributes; KG only hosts withdrawn forces; TJ has only a nomination; AM only a statement.
        fact("ForcesDeployed", "2022-01-06", mission="m1", contributor="RU", host="KZ"),
        fact("ForcesDeployed", "2022-01-06", mission="m2", contributor="BY", host="KG"),
        fact("ForcesWithdrawn", "2022-01-08", mission="m2"),
        fact("PrimeMinisterNominated", "2022-01-06", state="TJ", person="a"),
        fact("StatementMade", "2022-01-06", speaker="s", summary="x", about=["AM"], office="AM/president"),
        fact("OfficeAssumed", "2022-01-06", state="UZ", office="president", person="b"),
        fact("GovernmentDismissed", "2022-01-06", state="BY"),
        # A mission without a host puts its forces on nobody's soil.
        fact("ForcesDeployed", "2022-01-06", mission="m3", contributor="AM"),
    )
    assert list(world(lg, "2022-01-07")["states"]) == ["BY", "KG", "KZ", "UZ"]
    assert list(world(lg, "2022-01-08")["states"]) == ["BY", "KZ", "UZ"]
    kz = state(lg, "2022-01-08")
    assert kz["government"] is None and kz["offices"] == {}
    assert world(lg, "2022-01-08")["missions"]["m3"]["host"] is None
    assert list(world(lg, "2022-01-08")["missions"]) == ["m1", "m2", "m3"]


def test_since_values_are_written_exactly_as_in_the_file(build: Build) -> None:
    lg = build(
        deployed("2022-01-06T04:05:06.7+06:00", "RU", host="KZ"),
        appointed("2022-01-06~", "a"),
        mission_fact("WithdrawalAnnounced", "2022-01-06%", starts_within_days=1),
    )
    w = world(lg, "2022-01-06")
    assert w["states"]["KZ"]["foreign_forces"][0]["since"] == "2022-01-06T04:05:06.7+06:00"
    assert w["states"]["KZ"]["government"]["since"] == "2022-01-06~"
    assert w["missions"][M]["withdrawal"] == {
        "announced": "2022-01-06%",
        "start_by": "2022-01-07",
        "complete_by": None,
    }
