"""The example ledger, docs/examples/kazakhstan-2022-01-11.jsonl, replayed at five dates (section 5)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from strategies import MASKED_ROOT, mask_root

from ledger import Ledger

ROOT = Path(__file__).resolve().parent.parent

M = "csto-kazakhstan-2022"
CONTRIBUTORS = ["AM", "BY", "KG", "RU", "TJ"]


@pytest.fixture
def example(open_ledger: Callable[..., Ledger], example_bytes: bytes) -> Ledger:
    lg = open_ledger("example.db")
    result = lg.import_facts([("kazakhstan-2022-01-11.jsonl", example_bytes)])
    assert (result.appended, result.unchanged, result.size) == (17, 0, 17)
    return lg


def world(lg: Ledger, as_of: str) -> dict[str, Any]:
    return mask_root(msgspec.to_builtins(lg.replay(as_of)))


def deployed(contributor: str) -> str:
    return f"kz-2022-01-11-forces-deployed-{contributor.lower()}"


def contingents(since: str) -> dict[str, Any]:
    return {
        c: {"status": "deployed", "since": since, "fact": deployed(c), "personnel": None, "strength": None}
        for c in CONTRIBUTORS
    }


def forces(since: str) -> list[dict[str, Any]]:
    return [
        {
            "mission": M,
            "contributor": c,
            "status": "deployed",
            "since": since,
            "fact": deployed(c),
            "personnel": None,
            "strength": None,
        }
        for c in CONTRIBUTORS
    ]


def test_the_file_is_seventeen_facts_with_unique_ids(example_bytes: bytes) -> None:
    lines = [json.loads(raw) for raw in example_bytes.decode("utf-8").splitlines() if raw.strip()]
    assert len(lines) == 17
    assert len({f["id"] for f in lines}) == 17


def test_the_v1_fixture_is_the_example_before_its_descriptions(example_bytes: bytes) -> None:
    """The tests' copy of v1's 17 facts is, byte for byte, the first 17 lines of the example,
    whose other 13 lines are descriptions (contract section 10) with ids of their own."""
    full = (ROOT / "docs" / "examples" / "kazakhstan-2022-01-11.jsonl").read_bytes().splitlines(keepends=True)
    assert b"".join(full[:17]) == example_bytes
    rest = [json.loads(raw) for raw in full[17:]]
    assert len(rest) == 13 and {f["type"] for f in rest} == {"ActorDescribed"}
    assert len({f["id"] for f in rest} | {json.loads(raw)["id"] for raw in full[:17]}) == 30


def test_before_anything_happened(example: Ledger) -> None:
    assert world(example, "2022-01-04") == {
        "as_of": "2022-01-04",
        "ledger": {"size": 17, "root": MASKED_ROOT},
        "states": {},
        "missions": {},
        "actors": {},
    }


def test_2022_01_08_forces_deploying(example: Ledger) -> None:
    assert world(example, "2022-01-08") == {
        "as_of": "2022-01-08",
        "ledger": {"size": 17, "root": MASKED_ROOT},
        "states": {"KZ": {"government": None, "offices": {}, "foreign_forces": forces("2022-01-06")}},
        "missions": {
            M: {
                "organization": "csto",
                "host": "KZ",
                "status": "deploying",
                "since": "2022-01-06",
                "fact": deployed("RU"),  # the first deployment made it deploying
                "contingents": contingents("2022-01-06"),
                "withdrawal": None,
                "strength": None,
            }
        },
        "actors": {},
    }


def test_2022_01_10_government_caretaker_and_deployment_completed(example: Ledger) -> None:
    w = world(example, "2022-01-10")
    kz = w["states"]["KZ"]
    # The dismissal is dated 2022-01-09? (last week, counted from Tuesday 2022-01-11).
    assert kz["government"] == {"status": "caretaker", "since": "2022-01-09?"}
    # Smailov left an office the ledger never saw him take: nothing to vacate.
    assert kz["offices"] == {}
    assert kz["foreign_forces"] == forces("2022-01-06")
    m = w["missions"][M]
    assert (m["status"], m["since"], m["withdrawal"]) == ("deployed", "2022-01-09", None)
    assert m["contingents"] == contingents("2022-01-06")


def test_2022_01_12_is_the_contract_example(example: Ledger) -> None:
    assert world(example, "2022-01-12") == {
        "as_of": "2022-01-12",
        "ledger": {"size": 17, "root": MASKED_ROOT},
        "states": {
            "KZ": {
                "government": {"status": "in_office", "since": "2022-01-11"},
                "offices": {
                    "prime-minister": {
                        "person": "alikhan-smailov",
                        "since": "2022-01-11",
                        "acting": False,
                        "facts": ["kz-2022-01-11-smailov-appointed"],
                    }
                },
                "foreign_forces": forces("2022-01-06"),
            }
        },
        "missions": {
            M: {
                "organization": "csto",
                "host": "KZ",
                "status": "completed",
                "since": "2022-01-11",
                "fact": "kz-2022-01-11-mission-completed",
                "contingents": contingents("2022-01-06"),
                "withdrawal": {
                    "announced": "2022-01-11",
                    "start_by": "2022-01-13",
                    "complete_by": "2022-01-23",
                },
                "strength": None,
            }
        },
        "actors": {},
    }


def test_2022_02_01_nothing_later_is_recorded(example: Ledger) -> None:
    later, then = world(example, "2022-02-01"), world(example, "2022-01-12")
    assert later["as_of"] == "2022-02-01"
    # The deadlines have passed, but no withdrawal is recorded: the world stays as on 2022-01-12.
    assert later | {"as_of": then["as_of"]} == then


def test_the_example_after_its_first_entry(example: Ledger) -> None:
    # Entry 0 is the mission request alone.
    early = msgspec.to_builtins(example.replay("2022-01-12", size=1))
    assert early["ledger"]["size"] == 1
    assert early["states"] == {}
    assert early["missions"] == {
        M: {
            "organization": "csto",
            "host": "KZ",
            "status": "requested",
            "since": "2022-01-06?",
            "fact": "kz-2022-01-11-mission-requested",
            "contingents": {},
            "withdrawal": None,
            "strength": None,
        }
    }
    assert mask_root(msgspec.to_builtins(example.replay("2022-01-12", size=17))) == world(
        example, "2022-01-12"
    )


def test_the_root_depends_on_the_size_not_on_the_date(example: Ledger) -> None:
    roots = {example.replay(day).ledger.root for day in ("2022-01-04", "2022-01-12", "2022-02-01")}
    assert len(roots) == 1


def test_the_example_timeline(example: Ledger) -> None:
    items = list(example.timeline())
    assert len(items) == 17
    assert [e.effective_day.isoformat() for e in items] == sorted(e.effective_day.isoformat() for e in items)
    on_the_9th = [e.fact.type for e in items if e.effective_day.isoformat() == "2022-01-09"]
    assert on_the_9th == ["GovernmentDismissed", "OfficeLeft", "DeploymentCompleted"]
    assert [e.fact.fact_id for e in example.timeline(start="2022-01-11", mission=M)] == [
        "kz-2022-01-11-mission-completed",
        "kz-2022-01-11-withdrawal-announced",
        "kz-2022-01-11-statement-tokayev",
        "kz-2022-01-11-statement-shoigu",
        "kz-2022-01-11-statement-volodin",
    ]
