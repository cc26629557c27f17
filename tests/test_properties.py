"""Hypothesis properties of replay and storage, on real SQLite files (contract sections 1 and 4).

Hypothesis runs many examples per test and does not allow function-scoped
fixtures per example, so each example makes its databases in its own
temporary directory and removes it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
import pytest
import reference_fold
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    AS_OF,
    Fact,
    drop_nulls,
    fact,
    fact_id,
    fact_lists,
    jsonl,
    ledgers_with_corrections,
    line,
    mask_root,
    order_key,
    world_facts,
)

from ledger import Ledger
from ledger.identity import stored_form
from ledger.storage.events import decode_entry, entry_bytes
from ledger.validation import parse_line


@contextmanager
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="ledger-prop-") as tmp:
        yield Path(tmp)


@contextmanager
def ledger_of(directory: Path, name: str, facts: Sequence[Fact] | bytes) -> Iterator[Ledger]:
    data = facts if isinstance(facts, bytes) else jsonl(*facts)
    with Ledger.open(directory / name, create=True) as lg:
        lg.import_facts([(name, data)])
        yield lg


def replays(lg: Ledger, **knowledge: Any) -> list[dict[str, Any]]:
    """The replay document at every as-of date of interest, the root masked (ledgers differ in it)."""
    return [mask_root(msgspec.to_builtins(lg.replay(day, **knowledge))) for day in AS_OF]


def without_size(lg: Ledger, **knowledge: Any) -> list[dict[str, Any]]:
    result = replays(lg, **knowledge)
    for doc in result:
        del doc["ledger"]["size"]
    return result


def timeline_ids(lg: Ledger, **knowledge: Any) -> list[str]:
    return [e.fact.fact_id for e in lg.timeline(**knowledge)]


@st.composite
def order_preserving_shuffles(draw: st.DrawFn) -> tuple[list[Fact], list[Fact]]:
    """Facts, and a permutation of them that keeps the relative order of facts sharing (day, rank)."""
    facts = draw(fact_lists(min_size=1))
    positions = draw(st.permutations(range(len(facts))))
    groups: dict[Any, list[Fact]] = {}
    for f in facts:
        groups.setdefault(order_key(f), []).append(f)
    # Walk the permuted positions; each slot takes the next fact (in original order) of the group there.
    cursors = {key: iter(members) for key, members in groups.items()}
    shuffled = [next(cursors[order_key(facts[i])]) for i in positions]
    return facts, shuffled


@pytest.mark.slow
@given(order_preserving_shuffles())
def test_recording_order_matters_only_within_one_day_and_rank(pair: tuple[list[Fact], list[Fact]]) -> None:
    original, shuffled = pair
    with scratch() as tmp, ledger_of(tmp, "a.db", original) as a, ledger_of(tmp, "b.db", shuffled) as b:
        assert a.size() == b.size()
        assert replays(a) == replays(b)


@pytest.mark.slow
@given(ledgers_with_corrections(), st.data())
def test_size_n_is_the_ledger_of_the_first_n_entries(facts: list[Fact], data: st.DataObject) -> None:
    with scratch() as tmp, ledger_of(tmp, "full.db", facts) as full:
        stored = [msgspec.json.encode(f) + b"\n" for f in full.facts()]
        assert len(stored) == full.size() == len(facts)
        n = data.draw(st.integers(0, len(stored)), label="size")
        with ledger_of(tmp, "prefix.db", b"".join(stored[:n])) as prefix:
            assert prefix.size() == n
            assert replays(full, size=n) == replays(prefix)
            assert timeline_ids(full, size=n) == timeline_ids(prefix)
            assert replays(full, size=n)[0]["ledger"]["size"] == n


@pytest.mark.slow
@given(ledgers_with_corrections())
def test_importing_the_same_file_twice_changes_nothing(facts: list[Fact]) -> None:
    data = jsonl(*facts)
    with scratch() as tmp, Ledger.open(tmp / "twice.db", create=True) as lg:
        first = lg.import_facts([("f.jsonl", data)])
        assert (first.appended, first.unchanged, first.size) == (len(facts), 0, len(facts))
        entries = list(lg.entries())
        worlds = [msgspec.json.encode(lg.replay(day)) for day in AS_OF]
        second = lg.import_facts([("f.jsonl", data)])
        assert (second.appended, second.unchanged, second.size) == (0, len(facts), len(facts))
        assert list(lg.entries()) == entries
        assert [msgspec.json.encode(lg.replay(day)) for day in AS_OF] == worlds


@given(world_facts(), st.booleans(), st.sampled_from([None, "fact-1", "x.y:z_9"]))
def test_every_valid_fact_survives_encoding_and_decoding(
    f: Fact, supersedes: bool, explicit: str | None
) -> None:
    if supersedes:
        f["supersedes"] = "earlier-fact"
    if explicit is not None:
        f["id"] = explicit
    checked = parse_line(line(f), "f.jsonl", 1)
    decoded = checked.fact
    # The stored entry bytes (the Merkle leaf bytes) decode to the same fact.
    stored = entry_bytes(stored_form(decoded), "2026-01-01T00:00:00.000000Z")
    assert decode_entry(f"fact:{decoded.type}", stored).fact == decoded
    # The fact written back as a fact file line parses to the same fact, with the same id.
    assert parse_line(msgspec.json.encode(decoded), "g.jsonl", 1) == checked
    # Nothing was lost or added: the fact is the input without nulls and without `acting: false`.
    expected = drop_nulls(f) | {"id": fact_id(f)}
    for default in ("acting", "interim"):
        if expected.get(default) is False:
            del expected[default]
    assert msgspec.json.decode(msgspec.json.encode(decoded)) == expected


@given(world_facts())
def test_a_fact_retracted_survives_encoding_and_decoding(f: Fact) -> None:
    retraction = fact("FactRetracted", f["occurred"], target=fact_id(f), reason=f.get("note") or "r")
    checked = parse_line(line(retraction), "f.jsonl", 1)
    stored = entry_bytes(stored_form(checked.fact), "2026-01-01T00:00:00.000000Z")
    assert decode_entry("fact:FactRetracted", stored).fact == checked.fact
    assert parse_line(msgspec.json.encode(checked.fact), "g.jsonl", 1) == checked


@pytest.mark.slow
@given(fact_lists(min_size=1), st.data())
def test_a_retraction_is_as_if_the_fact_was_never_recorded(facts: list[Fact], data: st.DataObject) -> None:
    target = fact_id(data.draw(st.sampled_from(facts), label="target"))
    retraction = fact("FactRetracted", "2022-01-29", target=target, reason="wrong")
    never = [f for f in facts if fact_id(f) != target]
    with (
        scratch() as tmp,
        ledger_of(tmp, "r.db", [*facts, retraction]) as retracted,
        ledger_of(tmp, "n.db", never) as clean,
    ):
        assert without_size(retracted) == without_size(clean)
        assert timeline_ids(retracted) == timeline_ids(clean)


@pytest.mark.slow
@given(fact_lists(min_size=1), world_facts(), st.data())
def test_a_supersession_is_as_if_only_the_new_fact_was_recorded(
    facts: list[Fact], replacement: Fact, data: st.DataObject
) -> None:
    target = fact_id(data.draw(st.sampled_from(facts), label="target"))
    replacement["id"] = "replacement"
    never = [f for f in facts if fact_id(f) != target]
    with (
        scratch() as tmp,
        ledger_of(tmp, "s.db", [*facts, replacement | {"supersedes": target}]) as superseded,
        ledger_of(tmp, "n.db", [*never, replacement]) as clean,
    ):
        assert without_size(superseded) == without_size(clean)
        assert timeline_ids(superseded) == timeline_ids(clean)


def strengths(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every `strength` of a replay document that is not null (contract section 11)."""
    found = []
    for m in doc["missions"].values():
        found += [x["strength"] for x in (m, *m["contingents"].values()) if x["strength"] is not None]
    for state in doc["states"].values():
        found += [f["strength"] for f in state["foreign_forces"] if f["strength"] is not None]
    return found


@given(ledgers_with_corrections(), st.data())
def test_the_fast_loop_agrees_with_the_reference_fold(facts: list[Fact], data: st.DataObject) -> None:
    """Every v2 type and field, with corrections, at every as-of date of interest and a drawn
    horizon: the replay document, the timeline and `timeline --state` equal those of the
    reference fold (tests/reference_fold.py), which shares no code with the ledger's."""
    with scratch() as tmp, ledger_of(tmp, "ref.db", facts) as lg:
        entries = [msgspec.to_builtins(f) for f in lg.facts()]
        n = data.draw(st.integers(0, len(entries)), label="size")
        code = data.draw(st.sampled_from(["KZ", "KG", "RU", "SUHH"]), label="state")
        for day in AS_OF:
            doc = msgspec.to_builtins(lg.replay(day, size=n))
            assert doc == reference_fold.replay(entries, day, size=n, root=lg.root(n)), day
            for strength in strengths(doc):
                assert strength["low"] <= strength["high"]
                assert [c["low"] <= c["high"] for c in strength["claims"]] == [True] * len(strength["claims"])
                assert strength["disputed"] == (len({(c["low"], c["high"]) for c in strength["claims"]}) > 1)
            assert timeline_ids(lg, end=day, size=n) == reference_fold.folded_ids(entries, day, n)
            assert timeline_ids(lg, end=day, size=n, state=code) == reference_fold.timeline_ids_for_state(
                entries, day, code, n
            )
