"""Contract section 12: promises and outcomes, and conflicts; `ledger audit promises|conflicts`.

- The status rule (`judge`) on its own, at and around the deadline.
- Small hand-written ledgers (each on SQLite and PostgreSQL, through `build`): each kind of
  promise, outcomes, replacement, corrections, filters, sorting, conflicts.
- Properties on generated ledgers with corrections: the document equals a naive reference
  written from the contract (on top of tests/reference_fold.py's world); it does not depend on
  recording order beyond one day and rank; the status flips exactly after the deadline.
- The same plan for `AsyncLedger`; the same documents on every copy and backend; receipts that
  `ledger check` confirms, also after the ledger grows, and refuses once edited.
- The CLI: tables with names, CSV, JSON with its receipt, exit 2 for an unknown mission or a
  bad date.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_cli import invoke
from reference_fold import (
    MISSION_TYPES,
    World,
    considered,
    effective_day,
    replay_order,
    with_same_day_spells,
)
from strategies import AS_OF, Fact, fact, fact_id, jsonl, ledgers_with_corrections, mask_root
from test_properties import order_preserving_shuffles

from ledger import AsyncLedger, Ledger
from ledger.copy import copy_ledger
from ledger.errors import MissionNotFound, UsageError
from ledger.receipts import receipt, with_receipt
from projections.promises import judge

ROOT = Path(__file__).resolve().parent.parent
NIGER = ROOT / "tests" / "episodes" / "niger-2023.jsonl"
Build = Callable[..., Ledger]
M = "alpha"


def doc(value: Any) -> dict[str, Any]:
    found: dict[str, Any] = msgspec.to_builtins(value)
    return found


def promises(lg: Ledger, as_of: str, **options: Any) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = doc(lg.promises(as_of, **options))["promises"]
    return listed


# The status rule

D = date(2023, 12, 31)


@pytest.mark.parametrize(
    ("outcome", "as_of", "status", "days"),
    [
        (date(2023, 12, 22), date(2024, 1, 5), "met", -9),
        (D, D, "met", 0),
        (date(2024, 1, 2), date(2024, 1, 2), "late", 2),
        (date(2024, 1, 2), date(2025, 1, 1), "late", 2),  # days count to the outcome, not to as-of
        (None, date(2024, 1, 1), "overdue", 1),
        (None, date(2024, 3, 1), "overdue", 61),
        (None, D, "pending", 0),
        (None, date(2023, 9, 24), "pending", 98),
    ],
)
def test_the_status_rule(outcome: date | None, as_of: date, status: str, days: int) -> None:
    assert judge(D, outcome, as_of) == (status, days)


days_ = st.dates(date(1900, 1, 1), date(2100, 1, 1))


@given(days_, days_)
def test_without_an_outcome_pending_up_to_the_deadline_then_overdue(deadline: date, as_of: date) -> None:
    status, days = judge(deadline, None, as_of)
    assert status == ("pending" if as_of <= deadline else "overdue")
    assert days == abs((deadline - as_of).days) and days >= 0
    if deadline < date(2100, 1, 1):
        assert judge(deadline, None, deadline) == ("pending", 0)
        assert judge(deadline, None, deadline + timedelta(days=1)) == ("overdue", 1)


@given(days_, days_, days_)
def test_with_an_outcome_as_of_does_not_matter(deadline: date, outcome: date, as_of: date) -> None:
    status, days = judge(deadline, outcome, as_of)
    assert days == (outcome - deadline).days
    assert status == ("met" if outcome <= deadline else "late")


# Small ledgers


def authorized(day: str, id_: str, **f: Any) -> Fact:
    return fact("MissionAuthorized", day, mission=M, organization="un", host="ML", id=id_) | f


def announced(day: str, id_: str, **f: Any) -> Fact:
    return fact("WithdrawalAnnounced", day, mission=M, id=id_) | f


def deployed(day: str, contributor: str, id_: str, **f: Any) -> Fact:
    return fact("ForcesDeployed", day, mission=M, contributor=contributor, id=id_) | f


def started(day: str, id_: str, **f: Any) -> Fact:
    return fact("WithdrawalStarted", day, mission=M, id=id_) | f


def withdrawn(day: str, id_: str, **f: Any) -> Fact:
    return fact("ForcesWithdrawn", day, mission=M, id=id_) | f


def outcome(id_: str, occurred: str, day: str | None = None) -> dict[str, str]:
    return {"fact": id_, "occurred": occurred, "day": day or occurred}


def test_each_kind_its_deadline_and_outcome(build: Build) -> None:
    lg = build(
        authorized("2022-01-10", "auth", body="UN Security Council", until="2022-06"),
        deployed("2022-01-12", "FR", "fr-in"),
        deployed("2022-01-12", "DE", "de-in"),
        announced("2022-03-01", "ann", announced_by="ana", starts_within_days=10, completes_within_days=30),
        started("2022-03-15", "start"),
        withdrawn("2022-04-01", "fr-out", contributor="FR"),
        withdrawn("2022-04-20~", "de-out", contributor="DE"),
    )
    listed = promises(lg, "2022-07-01")
    assert listed == [
        {
            "mission": M,
            "host": "ML",
            "kind": "withdrawal-start",
            "fact": "ann",
            "made": "2022-03-01",
            "by": "ana",
            "deadline": "2022-03-11",
            "status": "late",
            "days": 4,
            "outcome": outcome("start", "2022-03-15"),
            "replaced_by": None,
        },
        {
            "mission": M,
            "host": "ML",
            "kind": "withdrawal-complete",
            "fact": "ann",
            "made": "2022-03-01",
            "by": "ana",
            "deadline": "2022-04-10",  # counted from start_by
            "status": "late",
            "days": 10,
            # The fact that made the mission `withdrawn`: the last contingent's, not the first's.
            "outcome": outcome("de-out", "2022-04-20~", "2022-04-20"),
            "replaced_by": None,
        },
        {
            "mission": M,
            "host": "ML",
            "kind": "mandate-end",
            "fact": "auth",
            "made": "2022-01-10",
            "by": "UN Security Council",
            "deadline": "2022-06-30",
            "status": "met",
            "days": -71,
            "outcome": outcome("de-out", "2022-04-20~", "2022-04-20"),
            "replaced_by": None,
        },
    ]
    # Before the outcomes: pending, then overdue the day after each deadline.
    assert [(p["kind"], p["status"], p["days"]) for p in promises(lg, "2022-03-11")] == [
        ("withdrawal-start", "pending", 0),
        ("withdrawal-complete", "pending", 30),
        ("mandate-end", "pending", 111),
    ]
    assert next((p["status"], p["days"]) for p in promises(lg, "2022-03-12")) == ("overdue", 1)
    assert [(p["status"], p["outcome"]) for p in promises(lg, "2022-04-15")][1] == ("overdue", None)
    assert promises(lg, "2022-01-09") == []  # nothing promised yet


def test_a_replaced_promise_is_still_listed_and_judged(build: Build) -> None:
    lg = build(
        deployed("2023-01-05", "FR", "in", host="NE"),
        announced("2023-02-01", "first", complete_by="2023-03"),
        announced("2023-03-15", "second", complete_by="2023-06", start_by="2023-04-01"),
        announced("2023-04-01", "third", starts_within_days=5),  # no completion: replaces a start only
        withdrawn("2023-05-20", "out"),
    )
    listed = promises(lg, "2023-07-01")
    assert [
        (p["kind"], p["fact"], p["deadline"], p["status"], p["days"], p["replaced_by"]) for p in listed
    ] == [
        ("withdrawal-complete", "first", "2023-03-31", "late", 50, "second"),
        ("withdrawal-start", "second", "2023-04-01", "late", 49, "third"),
        ("withdrawal-start", "third", "2023-04-06", "late", 44, None),
        ("withdrawal-complete", "second", "2023-06-30", "met", -41, None),
    ]
    # At a date before the later announcements, the first is not replaced yet.
    assert [(p["fact"], p["status"], p["replaced_by"]) for p in promises(lg, "2023-03-01")] == [
        ("first", "pending", None)
    ]


def test_the_outcome_comes_after_the_promise(build: Build) -> None:
    """An outcome is on or after the promising fact's day: a withdrawal before the announcement
    does not keep it, and a mission already `withdrawn` is not made so again."""
    lg = build(
        deployed("2023-01-05", "FR", "in", host="NE"),
        withdrawn("2023-01-20", "early"),
        announced("2023-02-01", "late-promise", starts_within_days=3, completes_within_days=3),
        withdrawn("2023-02-02", "again"),  # status stays `withdrawn`: it fulfils a start only
    )
    listed = promises(lg, "2023-03-01")
    assert [(p["kind"], p["status"], p["outcome"]) for p in listed] == [
        ("withdrawal-start", "met", outcome("again", "2023-02-02")),
        ("withdrawal-complete", "overdue", None),
    ]


def test_same_day_fulfilment_and_redeployment(build: Build) -> None:
    lg = build(
        deployed("2023-01-05", "FR", "in", host="NE"),
        announced("2023-02-01", "ann", complete_by="2023-02-01", start_by="2023-02-01"),
        withdrawn("2023-02-01", "out"),  # same day, after the announcement in replay order
        deployed("2023-03-01", "FR", "back"),
        authorized("2023-03-02", "auth", until="2023-04-01", host="NE"),
        withdrawn("2023-05-01", "out-again"),  # made `withdrawn` again, after a redeployment
    )
    listed = promises(lg, "2023-06-01")
    assert [(p["kind"], p["status"], p["days"], p["outcome"]["fact"]) for p in listed] == [
        ("withdrawal-complete", "met", 0, "out"),
        ("withdrawal-start", "met", 0, "out"),
        ("mandate-end", "late", 30, "out-again"),
    ]
    # Sorted by deadline, then mission, then kind in code-point order: complete < start.


def test_corrections_are_respected(build: Build) -> None:
    lg = build(
        deployed("2023-01-05", "FR", "in", host="NE"),
        announced("2023-02-01", "ann", complete_by="2023-03"),
        withdrawn("2023-03-10", "out"),
        fact("FactRetracted", "2023-04-01", target="out", reason="no such withdrawal"),
        announced("2023-02-02", "fixed", complete_by="2023-04", supersedes="ann"),
        withdrawn("2023-04-10", "out-2"),
    )
    listed = promises(lg, "2023-05-01")
    assert [(p["fact"], p["deadline"], p["status"], p["outcome"]["fact"]) for p in listed] == [
        ("fixed", "2023-04-30", "met", "out-2")
    ]
    # What the ledger knew after three entries: the first announcement, kept.
    known = promises(lg, "2023-05-01", size=3)
    assert [(p["fact"], p["status"], p["outcome"]["fact"]) for p in known] == [("ann", "met", "out")]


def test_filters_and_sorting(build: Build) -> None:
    lg = build(
        fact("ForcesDeployed", "2023-01-05", mission="zulu", contributor="FR", host="NE", id="z-in"),
        fact("WithdrawalAnnounced", "2023-01-10", mission="zulu", complete_by="2023-06", id="z"),
        fact("ForcesDeployed", "2023-01-05", mission="bravo", contributor="FR", host="ML", id="b-in"),
        fact("WithdrawalAnnounced", "2023-01-11", mission="bravo", complete_by="2023-06", id="b"),
        fact("WithdrawalAnnounced", "2023-01-12", mission="bravo", complete_by="2023-05", id="b2"),
        # The host is the mission's on the as-of day: zulu moves to ML on 2023-02-01.
        fact("ForcesDeployed", "2023-02-01", mission="zulu", contributor="DE", host="ML", id="z-de"),
    )
    assert [(p["deadline"], p["mission"], p["fact"]) for p in promises(lg, "2023-03-01")] == [
        ("2023-05-31", "bravo", "b2"),
        ("2023-06-30", "bravo", "b"),
        ("2023-06-30", "zulu", "z"),
    ]
    assert [p["fact"] for p in promises(lg, "2023-03-01", mission="zulu")] == ["z"]
    assert [p["fact"] for p in promises(lg, "2023-03-01", state="ML")] == ["b2", "b", "z"]
    assert [p["fact"] for p in promises(lg, "2023-01-20", state="NE")] == ["z"]
    assert promises(lg, "2023-03-01", state="FR") == []
    assert promises(lg, "2023-03-01", mission="zulu", state="NE") == []
    with pytest.raises(MissionNotFound) as caught:
        lg.promises("2023-03-01", mission="zulo")
    assert caught.value.param == "mission" and isinstance(caught.value, LookupError)
    assert "did you mean zulu?" in str(caught.value)
    with pytest.raises(MissionNotFound):
        lg.promises("2023-01-04", mission="zulu")  # not yet a mission on that day
    with pytest.raises(UsageError) as bad:
        lg.promises("2023-03-01", state="Mali")
    assert bad.value.param == "state" and "ML" in str(bad.value)
    with pytest.raises(UsageError) as bad_day:
        lg.promises("2023-02-30")
    assert bad_day.value.param == "as_of"


def test_until_is_a_date_of_section_3(build: Build) -> None:
    from ledger.errors import FactError

    with pytest.raises(FactError) as caught:
        build(authorized("2022-01-10", "auth", until="2022-02-30"))
    assert caught.value.path == "$.until"
    lg = build(
        authorized("2022-01-10", "auth", until="2022~"),
        authorized("2022-01-11", "a2", until="2023-01-05T10:00Z"),
    )
    listed = promises(lg, "2022-01-12")
    assert [(p["deadline"], p["replaced_by"]) for p in listed] == [("2022-12-31", "a2"), ("2023-01-05", None)]


def test_conflicts(build: Build) -> None:
    m = "alpha"
    lg = build(
        deployed("2023-01-05", "FR", "fr", host="NE", personnel=100),
        deployed("2023-01-05", "DE", "de", host="NE", personnel=50),
        fact("StrengthReported", "2023-01-05", mission=m, contributor="FR", personnel=120, id="fr-120"),
        fact("StrengthReported", "2023-01-05", mission=m, contributor="DE", personnel=50, id="de-50"),
        fact("StrengthReported", "2023-01", mission=m, personnel=100, personnel_high=200, id="whole-1"),
        fact(
            "StrengthReported",
            "2023-01",
            mission=m,
            personnel=150,
            id="whole-2",
            sources=[{"publisher": "A"}, {"publisher": "B"}],
        ),
        fact("StrengthReported", "2023-02-01", mission=m, contributor="FR", personnel=90, id="fr-later"),
        fact("ActorDescribed", "2023-01-01", actor="FR", names={"fr": "France"}),
    )
    found = doc(lg.conflicts("2023-01-31"))
    assert [(c["mission"], c["contributor"]) for c in found["conflicts"]] == [(m, None), (m, "FR")]
    whole, fr = (c["strength"] for c in found["conflicts"])
    assert (whole["low"], whole["high"], whole["as_of"], whole["disputed"]) == (100, 200, "2023-01-31", True)
    assert [c["publishers"] for c in whole["claims"]] == [["Test Wire"], ["A", "B"]]
    assert [(c["fact"], c["low"]) for c in fr["claims"]] == [("fr", 100), ("fr-120", 120)]
    assert found["actors"] == {"FR": {"names": {"fr": "France"}, "wikidata": None}}
    # A later single claim ends the dispute about FR; the mission's stays.
    later = doc(lg.conflicts("2023-02-01"))
    assert [(c["mission"], c["contributor"]) for c in later["conflicts"]] == [(m, None)]
    assert later["actors"] == {}
    assert doc(lg.conflicts("2023-01-04"))["conflicts"] == []


def test_the_niger_episode(build: Build) -> None:
    """France's withdrawal from Niger: announced on 2023-09-24 for "the end of the year", the last
    troops left on 2023-12-22 (tests/episodes/niger-2023.jsonl, every fact sourced)."""
    lg = build(*(json.loads(text) for text in NIGER.read_text(encoding="utf-8").splitlines()))
    before, after = promises(lg, "2023-12-21"), promises(lg, "2024")
    assert [(p["status"], p["days"], p["outcome"]) for p in before] == [("pending", 10, None)]
    assert after == [
        {
            "mission": "french-forces-niger",
            "host": "NE",
            "kind": "withdrawal-complete",
            "fact": "ne-2023-09-24-withdrawal-announced",
            "made": "2023-09-24",
            "by": "emmanuel-macron",
            "deadline": "2023-12-31",
            "status": "met",
            "days": -9,
            "outcome": outcome("ne-2023-12-22-last-troops-left", "2023-12-22"),
            "replaced_by": None,
        }
    ]
    disputed = doc(lg.conflicts("2023-11-30"))["conflicts"]
    assert [(c["contributor"], c["strength"]["low"], c["strength"]["high"]) for c in disputed] == [
        ("FR", 1400, 1500)
    ]
    assert doc(lg.conflicts("2023-12-31"))["conflicts"] == []  # one figure, 157, on 2023-12-12


# Properties against a naive reference of section 12


def _deadline(f: Fact, field: str, days_field: str, start: date | None) -> date | None:
    if f.get(field) is not None:
        return effective_day(f[field])
    if f.get(days_field) is None or start is None:
        return None
    return start + timedelta(days=f[days_field])


def reference_promises(entries: list[Fact], as_of: str, size: int | None = None) -> list[dict[str, Any]]:
    """Section 12 written out naively from the contract, on tests/reference_fold.py's world."""
    known = considered(entries, size)
    day = effective_day(as_of)
    world = World()
    made: list[dict[str, Any]] = []
    for f in with_same_day_spells(world, replay_order(known, day)):
        mission = f.get("mission") if f["type"] in MISSION_TYPES else None
        was = world.missions.get(mission, {}).get("status") if mission else None
        world.apply(f)
        eff = effective_day(f["occurred"])
        if mission is None:
            continue
        now = world.missions[mission]["status"]
        for p in made:
            if p["mission"] != mission or p["_outcome"] is not None or eff < p["_day"]:
                continue
            starts = p["kind"] == "withdrawal-start" and f["type"] in ("WithdrawalStarted", "ForcesWithdrawn")
            ends = p["kind"] != "withdrawal-start" and was != "withdrawn" and now == "withdrawn"
            if starts or ends:
                p["_outcome"] = (f["id"], f["occurred"], eff)
        new: list[tuple[str, date, str | None]] = []
        if f["type"] == "WithdrawalAnnounced":
            start = _deadline(f, "start_by", "starts_within_days", eff)
            complete = _deadline(f, "complete_by", "completes_within_days", start or eff)
            new += [
                (k, d, f.get("announced_by"))
                for k, d in (("withdrawal-start", start), ("withdrawal-complete", complete))
                if d
            ]
        elif f["type"] == "MissionAuthorized" and f.get("until") is not None:
            new.append(("mandate-end", effective_day(f["until"]), f.get("body")))
        for kind, deadline, by in new:
            for p in made:
                if (p["mission"], p["kind"]) == (mission, kind) and p["replaced_by"] is None:
                    p["replaced_by"] = f["id"]
            made.append(
                {"mission": mission, "kind": kind, "fact": f["id"], "made": f["occurred"], "by": by,
                 "_deadline": deadline, "_day": eff, "_outcome": None, "replaced_by": None,
                 "_order": len(made)}
            )  # fmt: skip
    result = []
    for p in sorted(made, key=lambda p: (p["_deadline"], p["mission"], p["kind"], p["_order"])):
        o, deadline = p["_outcome"], p["_deadline"]
        if o is not None:
            status = "met" if o[2] <= deadline else "late"
            days = (o[2] - deadline).days
        elif deadline < day:
            status, days = "overdue", (day - deadline).days
        else:
            status, days = "pending", (deadline - day).days
        result.append(
            {"mission": p["mission"], "host": world.missions[p["mission"]]["host"], "kind": p["kind"],
             "fact": p["fact"], "made": p["made"], "by": p["by"], "deadline": deadline.isoformat(),
             "status": status, "days": days,
             "outcome": None if o is None else {"fact": o[0], "occurred": o[1], "day": o[2].isoformat()},
             "replaced_by": p["replaced_by"]}
        )  # fmt: skip
    return result


@contextmanager
def ledger_of(facts: list[Fact]) -> Iterator[Ledger]:
    with (
        tempfile.TemporaryDirectory(prefix="ledger-promises-") as tmp,
        Ledger.open(Path(tmp) / "l.db", create=True) as lg,
    ):
        if facts:
            lg.import_facts([("f.jsonl", jsonl(*facts))])
        yield lg


AUDIT_DAYS = (*AS_OF, "2022-02-15", "2022-03", "2023")


@settings(max_examples=60)
@given(ledgers_with_corrections(), st.sampled_from(AUDIT_DAYS), st.data())
def test_property_promises_are_the_reference(facts: list[Fact], as_of: str, data: st.DataObject) -> None:
    entries = [f | {"id": fact_id(f)} for f in facts]
    with ledger_of(facts) as lg:
        assert promises(lg, as_of) == reference_promises(entries, as_of)
        n = data.draw(st.integers(0, len(facts)), label="size")
        assert promises(lg, as_of, size=n) == reference_promises(entries, as_of, n)


def _audits(lg: Ledger) -> list[dict[str, Any]]:
    docs = []
    for day in AUDIT_DAYS:
        for made in (lg.promises(day), lg.conflicts(day)):
            command = "audit promises" if "promises" in made.__struct_fields__ else "audit conflicts"
            docs.append(mask_root(json.loads(with_receipt(made, receipt(command, made)))))
    return docs


@settings(max_examples=30)
@given(order_preserving_shuffles())
def test_property_recording_order_matters_only_within_one_day_and_rank(
    pair: tuple[list[Fact], list[Fact]],
) -> None:
    original, shuffled = pair
    with ledger_of(original) as a, ledger_of(shuffled) as b:
        assert _audits(a) == _audits(b)


@settings(max_examples=25)
@given(st.dates(date(2000, 1, 1), date(2030, 12, 31)), st.integers(0, 400))
def test_property_the_status_flips_the_day_after_the_deadline(announced_on: date, within: int) -> None:
    facts = [
        fact("ForcesDeployed", announced_on.isoformat(), mission=M, contributor="FR", host="NE"),
        announced(announced_on.isoformat(), "ann", completes_within_days=within),
    ]
    deadline = announced_on + timedelta(days=within)
    with ledger_of(facts) as lg:
        on, after = (
            promises(lg, deadline.isoformat()),
            promises(lg, (deadline + timedelta(days=1)).isoformat()),
        )
    assert (on[0]["status"], on[0]["days"], on[0]["deadline"]) == ("pending", 0, deadline.isoformat())
    assert (after[0]["status"], after[0]["days"]) == ("overdue", 1)


# The same plan, backends and copies; receipts


def test_async_twins_run_the_same_plan(build: Build) -> None:
    lg = build(*(json.loads(text) for text in NIGER.read_text(encoding="utf-8").splitlines()))
    target = lg._store.where

    async def main() -> list[Any]:
        async with AsyncLedger.open(target if "://" in target else Path(target)) as alg:
            found = []
            for day in ("2023-11-30", "2024"):
                found += [await alg.promises(day), await alg.conflicts(day)]
            found.append(await alg.promises("2024", mission="french-forces-niger", state="NE", size=10))
            with pytest.raises(MissionNotFound):
                await alg.promises("2024", mission="nope")
            return found

    expected = []
    for day in ("2023-11-30", "2024"):
        expected += [lg.promises(day), lg.conflicts(day)]
    expected.append(lg.promises("2024", mission="french-forces-niger", state="NE", size=10))
    assert [msgspec.json.encode(d) for d in asyncio.run(main())] == [msgspec.json.encode(d) for d in expected]


def _json(db: Path | str, tmp_path: Path, *args: str) -> str:
    r = invoke("--db", db, "audit", *args, "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_documents_are_the_same_on_every_copy_and_backend(pg_url: str, tmp_path: Path) -> None:
    db, back = tmp_path / "niger.db", tmp_path / "back.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_files([NIGER])
    copy_ledger(db, pg_url)
    copy_ledger(pg_url, back)
    for args in (
        ("promises", "--as-of", "2023-12"),
        ("promises", "--as-of", "2024", "--state", "NE"),
        ("conflicts", "--as-of", "2023-11"),
    ):
        made = [_json(where, tmp_path, *args) for where in (db, pg_url, back)]
        assert made[0] == made[1] == made[2]
        (tmp_path / "doc.json").write_text(made[1])
        for where in (db, pg_url, back):
            checked = invoke("--db", where, "check", "doc.json", cwd=tmp_path)
            assert checked.returncode == 0, checked.stdout + checked.stderr


def test_receipts_check_grow_and_refuse_edits(tmp_path: Path) -> None:
    db = tmp_path / "niger.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_files([NIGER])
    made = {
        "promises": _json(
            db,
            tmp_path,
            "promises",
            "--as-of",
            "2023-12",
            "--mission",
            "french-forces-niger",
            "--state",
            "NE",
        ),
        "conflicts": _json(db, tmp_path, "conflicts", "--as-of", "2023-11-30", "--known-at", "2999-01-01"),
        "again": _json(
            db,
            tmp_path,
            "promises",
            "--as-of",
            "2023-12",
            "--mission",
            "french-forces-niger",
            "--state",
            "NE",
        ),
    }
    assert made["promises"] == made["again"]  # the same question, the same bytes, the same digest
    first = json.loads(made["promises"])
    assert list(first) == ["as_of", "ledger", "promises", "actors", "receipt"]
    assert first["receipt"]["query"] == {
        "command": "audit promises", "as_of": "2023-12-31", "size": 18,
        "mission": "french-forces-niger", "state": "NE",
    }  # fmt: skip
    conflicts = json.loads(made["conflicts"])
    assert list(conflicts) == ["as_of", "ledger", "conflicts", "actors", "receipt"]
    assert conflicts["receipt"]["query"] == {"command": "audit conflicts", "as_of": "2023-11-30", "size": 18}
    assert conflicts["actors"] == {"FR": {"names": {"fr": "France"}, "wikidata": "Q142"}}

    def check(text: str) -> tuple[int, str]:
        (tmp_path / "doc.json").write_text(text)
        r = invoke("--db", db, "check", "doc.json", cwd=tmp_path)
        return r.returncode, r.stdout + r.stderr

    for text in made.values():
        assert check(text) == (0, check(text)[1]) and check(text)[1].startswith("OK: ")
    edited = made["promises"].replace('"status":"met"', '"status":"late"')
    assert edited != made["promises"]
    code, said = check(edited)
    assert code == 1 and "the document was edited" in said
    # Another mission in the receipt: that question has another answer (an error now).
    other = json.loads(made["promises"])
    other["receipt"]["query"]["mission"] = "no-such-mission"
    code, said = check(json.dumps(other))
    assert code == 1 and "the answer is now an error" in said
    other["receipt"]["query"]["mission"] = "Not A Slug"
    assert check(json.dumps(other))[0] == 2
    # The ledger grows: the documents still check, at their size.
    more = fact(
        "WithdrawalAnnounced", "2023-10-01", mission="french-forces-niger", complete_by="2023-11", id="x"
    )
    (tmp_path / "more.jsonl").write_bytes(jsonl(more))
    assert invoke("--db", db, "import", "more.jsonl", cwd=tmp_path).returncode == 0
    for text in made.values():
        assert check(text)[0] == 0
    grown = json.loads(_json(db, tmp_path, "promises", "--as-of", "2023-12"))
    assert [(p["fact"], p["status"], p["replaced_by"]) for p in grown["promises"]] == [
        ("x", "late", None),  # a test's own fact: an earlier deadline, 2023-11-30, broken
        ("ne-2023-09-24-withdrawal-announced", "met", "x"),  # replaced, still judged: kept
    ]


# The CLI


@pytest.fixture(scope="module")
def niger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("niger") / "niger.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_files([NIGER])
    return db


def test_tables_name_actors_in_the_language_asked(niger: Path, tmp_path: Path) -> None:
    r = invoke("--db", niger, "audit", "promises", "--as-of", "2024", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Promises as of 2024-12-31" in r.stdout
    assert "french-forces-niger (Niger)" in r.stdout and "met, 9 days early" in r.stdout
    english = invoke("--db", niger, "audit", "conflicts", "--as-of", "2023-11", cwd=tmp_path).stdout
    french = invoke(
        "--db", niger, "audit", "conflicts", "--as-of", "2023-11", "--lang", "fr", cwd=tmp_path
    ).stdout
    assert "France" in french and "France" in english  # its ISO name in English, described in French
    assert "ne-2023-10-ozanne-strength" in english and "Iran Press" in english


def test_a_table_with_an_overdue_promise_says_what_overdue_cannot_tell(niger: Path, tmp_path: Path) -> None:
    # On 2024-01-05, with only the entries before the last troops' withdrawal known, the
    # withdrawal due by 2023-12-31 is overdue: the ledger does not hold its outcome yet. Tables
    # say what that means under them; documents and CSV do not.
    with Ledger.open(niger) as lg:
        known = next(e.seq for e in lg.entries() if e.fact.fact_id == "ne-2023-12-22-last-troops-left")
    args = ("--db", niger, "audit", "promises", "--as-of", "2024-01-05", "--size", str(known))
    r = invoke(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "overdue by 5 days" in r.stdout
    assert r.stdout.rstrip().endswith(
        "overdue: the deadline has passed and this ledger holds no outcome for it; "
        "an outcome that was never imported reads the same as one that never came."
    )
    assert "no outcome" not in invoke(*args, "--csv", cwd=tmp_path).stdout
    met = invoke("--db", niger, "audit", "promises", "--as-of", "2024", cwd=tmp_path)
    assert "no outcome" not in met.stdout  # nothing overdue: nothing to explain


def test_statuses_in_words() -> None:
    from cli.audit import judged

    assert [
        judged(*pair) for pair in [("met", -9), ("met", 0), ("late", 1), ("overdue", 2), ("pending", 0)]
    ] == [
        "met, 9 days early",
        "met, on the day",
        "late, 1 day late",
        "overdue by 2 days",
        "pending, 0 days left",
    ]


def test_csv_and_tsv_keep_codes(niger: Path, tmp_path: Path) -> None:
    r = invoke("--db", niger, "audit", "promises", "--as-of", "2024", "--csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "deadline,kind,mission,host,status,days,outcome_day,outcome_fact,made,by,fact,replaced_by",
        "2023-12-31,withdrawal-complete,french-forces-niger,NE,met,-9,2023-12-22,"
        "ne-2023-12-22-last-troops-left,2023-09-24,emmanuel-macron,ne-2023-09-24-withdrawal-announced,",
    ]
    t = invoke("--db", niger, "audit", "conflicts", "--as-of", "2023-11", "--tsv", cwd=tmp_path)
    assert t.stdout.splitlines()[1].split("\t")[:6] == [
        "french-forces-niger", "FR", "2023-10-31", "1400", "1500", "ne-2023-10-ministry-strength"
    ]  # fmt: skip
    both = invoke("--db", niger, "audit", "conflicts", "--csv", "--json", cwd=tmp_path)
    assert both.returncode == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["promises", "--mission", "french-forces-nigre"],
            "ledger: --mission french-forces-nigre: no mission of this name on ",
        ),
        (
            ["promises", "--as-of", "2022-06", "--mission", "french-forces-niger"],
            "no mission of this name on 2022-06-30",
        ),
        (["promises", "--as-of", "2023-02-30"], "ledger: --as-of: "),
        (["conflicts", "--as-of", "soon"], "ledger: --as-of: "),
        (
            ["promises", "--state", "Niger"],
            "ledger: --state Niger: not an ISO 3166-1 alpha-2 or former-state (ISO 3166-3) code; "
            "did you mean NE?",
        ),
        (["promises", "--size", "99"], "ledger: --size 99: the ledger has 18 entries"),
    ],
)
def test_bad_options_are_exit_2(niger: Path, tmp_path: Path, args: list[str], message: str) -> None:
    r = invoke("--db", niger, "audit", *args, "--json", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert message in r.stderr and "Traceback" not in r.stderr


def test_nothing_to_list_says_so(niger: Path, tmp_path: Path) -> None:
    r = invoke("--db", niger, "audit", "promises", "--as-of", "2023-01-01", cwd=tmp_path)
    assert r.returncode == 0 and "No promises on 2023-01-01." in r.stderr
    r = invoke("--db", niger, "audit", "conflicts", "--as-of", "2024", cwd=tmp_path)
    assert r.returncode == 0 and "No disputed figures on 2024-12-31." in r.stderr


def test_a_conflicts_table_on_a_narrow_terminal_keeps_each_figure_with_its_claim(niger: Path) -> None:
    """Found by a trial: at 80 columns the quantity's range was stacked above the first claim, so
    the second claim's figure sat between the two claims' ids, and read as the first one's."""
    import io

    from rich.console import Console

    from cli.audit import CONFLICT_COLUMNS, _conflict_table
    from cli.table import print_table
    from ledger import names

    with Ledger.open(niger) as lg:
        doc = lg.conflicts("2023-11-30")
    for width in (80, 60):
        out = io.StringIO()
        console = Console(file=out, width=width, force_terminal=True, color_system=None)
        print_table(console, CONFLICT_COLUMNS, _conflict_table(doc, names(doc.actors)))
        lines = out.getvalue().splitlines()
        for claim, figure in (
            ("ne-2023-10-ministry-strength", "1,500"),
            ("ne-2023-10-ozanne-strength", "1,400"),
        ):
            at = next(k for k, line in enumerate(lines) if claim in line)
            assert figure in lines[at] or figure in lines[at + 1], (width, lines)
            assert not any(figure in line for line in lines[at - 1 : at]), (width, lines)
