"""The library API on real ledgers (SQLite files and PostgreSQL, through the `backend` fixture):
import (all or nothing), corrections, show, verify, knowledge."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import msgspec
import pytest
from strategies import fact, fact_id, is_root, jsonl

from ledger import Ledger
from ledger.errors import FactError, FactNotFound, LedgerError, LedgerMissing, UsageError
from ledger.reading.plans import Query
from ledger.storage import sql

RECORDED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")

A = fact("MissionRequested", "2022-01-05", id="a", mission="m", organization="csto", host="KZ")
B = fact("ForcesDeployed", "2022-01-06", id="b", mission="m", contributor="RU")
C = fact("ForcesDeployed", "2022-01-06", id="c", mission="m", contributor="BY")
D = fact("DeploymentCompleted", "2022-01-09", mission="m")


def retract(target: str, **fields: Any) -> dict[str, Any]:
    return fact("FactRetracted", "2022-01-12", target=target, reason="wrong") | fields


def snapshot(lg: Ledger) -> list[tuple[int, str, str, bytes]]:
    """Everything the ledger holds, entry by entry."""
    return [(e.seq, e.recorded_at, e.fact.fact_id, msgspec.json.encode(e.fact)) for e in lg.entries()]


def import_error(lg: Ledger, *files: tuple[str, bytes]) -> FactError:
    before = snapshot(lg)
    with pytest.raises(FactError) as err:
        lg.import_facts(files)
    assert snapshot(lg) == before, "a failed import wrote something"
    return err.value


# Opening


def test_open_without_create_needs_an_existing_ledger(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    with pytest.raises(LedgerMissing) as err:
        Ledger.open(path)
    assert err.value.exit_code == 2
    assert not path.exists()


def test_a_created_ledger_is_empty_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Ledger.open(path, create=True) as lg:
        assert lg.size() == 0
        assert list(lg.entries()) == []
        lg.import_facts([("f", jsonl(A, B))])
    with Ledger.open(path) as lg:
        assert lg.size() == 2
        assert [f.fact_id for f in lg.facts()] == ["a", "b"]
    with Ledger.open(path, create=True) as lg:  # create on an existing ledger keeps it
        assert lg.size() == 2


def test_a_file_that_is_not_a_ledger_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all\n" * 100)
    with pytest.raises(LedgerError) as err:
        Ledger.open(path)
    assert err.value.exit_code == 1


# Import


def test_import_appends_in_file_order(ledger: Ledger) -> None:
    result = ledger.import_facts([("f.jsonl", jsonl(A, B, C, D))])
    assert (result.appended, result.unchanged, result.size) == (4, 0, 4)
    entries = list(ledger.entries())
    assert [e.seq for e in entries] == [0, 1, 2, 3]
    assert [e.fact.fact_id for e in entries] == ["a", "b", "c", fact_id(D)]


def test_import_of_several_files_keeps_their_order(ledger: Ledger) -> None:
    result = ledger.import_facts([("one", jsonl(C)), ("two", jsonl(A, B))])
    assert (result.appended, result.size) == (3, 3)
    assert [f.fact_id for f in ledger.facts()] == ["c", "a", "b"]


def test_reimport_is_idempotent(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A, B, D))])
    before = snapshot(ledger)
    result = ledger.import_facts([("f", jsonl(A, B, D))])
    assert (result.appended, result.unchanged, result.size) == (0, 3, 3)
    assert snapshot(ledger) == before


def test_partial_overlap_appends_only_new_facts(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A, B))])
    result = ledger.import_facts([("g", jsonl(B, C, A, D))])
    assert (result.appended, result.unchanged, result.size) == (2, 2, 4)
    assert [f.fact_id for f in ledger.facts()] == ["a", "b", "c", fact_id(D)]


def test_same_fact_twice_in_one_file_is_counted_unchanged(ledger: Ledger) -> None:
    result = ledger.import_facts([("f", jsonl(D, A, D))])
    assert (result.appended, result.unchanged, result.size) == (2, 1, 2)


def test_identical_content_written_differently_is_unchanged(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(D))])
    reordered = (
        b'{"mission":"m","sources":[{"publisher":"Test Wire"}],"occurred":"2022-01-09",'
        b'"note":null,"type":"DeploymentCompleted"}\n'
    )
    result = ledger.import_facts([("g", reordered)])
    assert (result.appended, result.unchanged) == (0, 1)


def test_same_id_other_content_is_an_error_and_writes_nothing(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A, B))])
    changed = B | {"personnel": 100}
    err = import_error(ledger, ("g.jsonl", jsonl(D, changed)))
    assert (err.source, err.line, err.path) == ("g.jsonl", 2, "$.id")
    assert str(err) == "g.jsonl:2: $.id: fact 'b' exists with other content"
    assert ledger.size() == 2


def test_same_id_other_content_within_one_import(ledger: Ledger) -> None:
    err = import_error(ledger, ("f", jsonl(B)), ("g", jsonl(A, B | {"occurred": "2022-01-07"})))
    assert (err.source, err.line, err.path) == ("g", 2, "$.id")
    assert ledger.size() == 0


def test_a_bad_line_leaves_the_ledger_unchanged(ledger: Ledger) -> None:
    ledger.import_facts([("first", jsonl(A))])
    bad = fact("ForcesDeployed", "2022-01-06", mission="m", contributor="QQ")
    data = jsonl(B, C, D, fact("MissionCompleted", "2022-01-11", mission="m")) + jsonl(bad)
    err = import_error(ledger, ("five.jsonl", data))
    assert str(err) == "five.jsonl:5: $.contributor: 'QQ' is not an ISO 3166-1 alpha-2 state code"
    assert ledger.size() == 1


def test_a_bad_line_in_the_second_file_leaves_the_ledger_unchanged(ledger: Ledger) -> None:
    err = import_error(ledger, ("one.jsonl", jsonl(A, B, C)), ("two.jsonl", jsonl(D) + b"\n{oops\n"))
    assert (err.source, err.line, err.path) == ("two.jsonl", 3, "$")
    assert ledger.size() == 0


def test_blank_lines_count_in_line_numbers(ledger: Ledger) -> None:
    err = import_error(ledger, ("f", b"\n" + jsonl(A) + b"\n  \n" + jsonl(B | {"host": "kz"})))
    assert (err.line, err.path) == (5, "$.host")


def test_empty_input_appends_nothing(ledger: Ledger) -> None:
    result = ledger.import_facts([("empty", b""), ("blank", b"\n \n")])
    assert (result.appended, result.unchanged, result.size) == (0, 0, 0)


def test_import_files_reads_paths(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_bytes(jsonl(A, B))
    result = ledger.import_files([path])
    assert (result.appended, result.size) == (2, 2)


# Corrections at import


def test_retraction_of_unknown_fact(ledger: Ledger) -> None:
    err = import_error(ledger, ("f", jsonl(A, retract("nope"))))
    assert str(err) == "f:2: $.target: no fact 'nope' is recorded before this one"


def test_retraction_of_a_later_fact_in_the_same_import(ledger: Ledger) -> None:
    err = import_error(ledger, ("f", jsonl(retract("a"), A)))
    assert str(err) == "f:1: $.target: no fact 'a' is recorded before this one"
    assert ledger.size() == 0


def test_correction_of_an_earlier_fact_in_the_same_import_is_allowed(ledger: Ledger) -> None:
    fix = C | {"id": "c2", "supersedes": "a"}
    result = ledger.import_facts([("f", jsonl(A, B)), ("g", jsonl(retract("b"), fix))])
    assert (result.appended, result.size) == (4, 4)
    assert ledger.show("a").corrected_by is not None
    assert ledger.show("b").corrected_by is not None


def test_retraction_of_an_already_retracted_fact(ledger: Ledger) -> None:
    first = retract("a")
    ledger.import_facts([("f", jsonl(A, first))])
    err = import_error(ledger, ("g", jsonl(retract("a", reason="still wrong"))))
    assert (
        str(err)
        == f"g:1: $.target: 'a' was already retracted by {fact_id(first)!r}; a fact is corrected once"
    )


def test_two_retractions_of_one_fact_in_one_import(ledger: Ledger) -> None:
    err = import_error(ledger, ("f", jsonl(A, retract("a"), retract("a", reason="other"))))
    assert (err.line, err.path) == (3, "$.target")
    assert ledger.size() == 0


def test_retraction_of_a_fact_retracted(ledger: Ledger) -> None:
    first = retract("a", id="r1")
    ledger.import_facts([("f", jsonl(A, first))])
    err = import_error(ledger, ("g", jsonl(retract("r1"))))
    assert str(err) == "g:1: $.target: 'r1' is a FactRetracted, which cannot be retracted or superseded"


def test_supersedes_unknown_fact(ledger: Ledger) -> None:
    err = import_error(ledger, ("f", jsonl(B | {"supersedes": "ghost"})))
    assert str(err) == "f:1: $.supersedes: no fact 'ghost' is recorded before this one"


def test_supersedes_a_fact_retracted(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A, retract("a", id="r1")))])
    err = import_error(ledger, ("g", jsonl(B | {"supersedes": "r1"})))
    assert str(err) == "g:1: $.supersedes: 'r1' is a FactRetracted, which cannot be retracted or superseded"


def test_supersedes_a_retracted_fact(ledger: Ledger) -> None:
    first = retract("a")
    ledger.import_facts([("f", jsonl(A, first))])
    err = import_error(ledger, ("g", jsonl(B | {"supersedes": "a"})))
    assert (
        str(err)
        == f"g:1: $.supersedes: 'a' was already retracted by {fact_id(first)!r}; a fact is corrected once"
    )


def test_second_supersession_of_one_fact(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A, B | {"supersedes": "a"}))])
    err = import_error(ledger, ("g", jsonl(C | {"supersedes": "a"})))
    assert str(err) == "g:1: $.supersedes: 'a' was already superseded by 'b'; a fact is corrected once"


def test_retraction_of_a_superseded_fact(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A, B | {"supersedes": "a"}))])
    err = import_error(ledger, ("g", jsonl(retract("a"))))
    assert err.path == "$.target"


def test_a_superseding_fact_may_be_corrected_later(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A, B | {"supersedes": "a"}))])
    result = ledger.import_facts([("g", jsonl(C | {"supersedes": "b"}, retract("c")))])
    assert (result.appended, result.size) == (2, 4)


def test_reimporting_a_file_with_corrections_is_idempotent(ledger: Ledger) -> None:
    data = jsonl(A, B, retract("a"), C | {"supersedes": "b"})
    ledger.import_facts([("f", data)])
    before = snapshot(ledger)
    result = ledger.import_facts([("f", data)])
    assert (result.appended, result.unchanged, result.size) == (0, 4, 4)
    assert snapshot(ledger) == before


# show


def test_show_by_id_and_by_seq(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A, B, D))])
    by_id = ledger.show(fact_id(D))
    assert (by_id.seq, by_id.effective, by_id.fact.type) == (2, "2022-01-09", "DeploymentCompleted")
    assert by_id.corrected_by is None
    assert RECORDED_AT.fullmatch(by_id.recorded_at)
    assert ledger.show("2") == by_id
    assert ledger.show(2) == by_id
    assert ledger.show("0").fact.fact_id == "a"


def test_show_effective_day_of_a_coarse_date(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A | {"occurred": "2024-02~"}))])
    assert ledger.show("a").effective == "2024-02-29"


def test_show_names_what_corrected_a_fact(ledger: Ledger) -> None:
    r = retract("a")
    ledger.import_facts([("f", jsonl(A, B, C | {"supersedes": "b"}, r))])
    assert msgspec.to_builtins(ledger.show("a").corrected_by) == {"how": "retracted", "by": fact_id(r)}
    assert msgspec.to_builtins(ledger.show("b").corrected_by) == {"how": "superseded", "by": "c"}
    assert ledger.show("c").corrected_by is None
    assert ledger.show("c").fact.supersedes == "b"


def test_show_unknown_id_and_seq_beyond_the_ledger(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A, B))])
    for ref in ("nope", "2", 2, "99"):
        with pytest.raises(FactNotFound) as err:
            ledger.show(ref)
        assert err.value.exit_code == 2


# --size and --known-at


def test_size_beyond_the_ledger_is_a_usage_error(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A, B))])
    for call in (
        lambda: ledger.replay("2022-01-10", size=3),
        lambda: list(ledger.entries(size=3)),
        lambda: list(ledger.timeline(size=3)),
        lambda: ledger.replay("2022-01-10", size=-1),
    ):
        with pytest.raises(UsageError) as err:
            call()
        assert err.value.exit_code == 2
    assert ledger.replay("2022-01-10", size=2).ledger.size == 2
    assert ledger.replay("2022-01-10", size=0).ledger.size == 0


def test_recorded_at_format_and_order(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A, B))])
    ledger.import_facts([("g", jsonl(C))])
    ledger.import_facts([("h", jsonl(D))])
    stamps = [e.recorded_at for e in ledger.entries()]
    assert all(RECORDED_AT.fullmatch(s) for s in stamps), stamps
    assert stamps == sorted(stamps)


def test_known_at_horizon(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A, B))])
    first = list(ledger.entries())[-1].recorded_at
    ledger.import_facts([("g", jsonl(C, retract("b")))])
    second = list(ledger.entries())[-1].recorded_at
    assert second > first, "two imports recorded at the same microsecond"

    assert [f.fact_id for f in ledger.facts(known_at=first)] == ["a", "b"]
    assert ledger.replay("2022-01-10", known_at=first) == ledger.replay("2022-01-10", size=2)
    assert ledger.replay("2022-01-10", known_at=second) == ledger.replay("2022-01-10")
    assert ledger.replay("2022-01-10", known_at="2000-01-01T00:00Z").ledger.size == 0
    # Without an offset a moment is UTC; with one it is converted.
    assert ledger.replay("2022-01-10", known_at=first.rstrip("Z")).ledger.size == 2
    # Both horizons given: both apply.
    assert ledger.replay("2022-01-10", size=1, known_at=second).ledger.size == 1
    assert ledger.replay("2022-01-10", size=4, known_at=first).ledger.size == 2


def test_known_at_with_an_offset(ledger: Ledger) -> None:
    ledger.import_facts([("f", jsonl(A, B))])
    stamp = list(ledger.entries())[-1].recorded_at  # YYYY-MM-DDThh:mm:ss.ffffffZ
    instant = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    plus_one = timezone(timedelta(hours=1))

    def written(when: datetime) -> str:
        return when.astimezone(plus_one).strftime("%Y-%m-%dT%H:%M:%S.%f+01:00")

    assert ledger.replay("2022-01-10", known_at=written(instant)).ledger.size == 2
    assert ledger.replay("2022-01-10", known_at=written(instant - timedelta(microseconds=1))).ledger.size == 0


@pytest.mark.parametrize("moment", ["9999-12-31T23:59-01:00", "9999-12-31T23:59:59.999999Z"])
def test_known_at_at_the_end_of_the_calendar_knows_everything(ledger: Ledger, moment: str) -> None:
    ledger.import_facts([("f", jsonl(A, B))])
    assert ledger.replay("2022-01-10", known_at=moment).ledger.size == 2


@pytest.mark.parametrize("moment", ["0001-01-01T00:00+01:00", "0001-01-01T00:00Z"])
def test_known_at_at_the_start_of_the_calendar_knows_nothing(ledger: Ledger, moment: str) -> None:
    ledger.import_facts([("f", jsonl(A, B))])
    assert ledger.replay("2022-01-10", known_at=moment).ledger.size == 0


@pytest.mark.parametrize("moment", ["2022-01-10?", "yesterday", "2022-01-10T25:00", "2022-01-10T10:00?"])
def test_bad_known_at(ledger: Ledger, moment: str) -> None:
    with pytest.raises(UsageError) as err:
        ledger.replay("2022-01-10", known_at=moment)
    assert err.value.param == "known_at" and str(err.value).startswith("known_at: ")


@pytest.mark.parametrize("as_of", ["2022-13", "2022-02-30", "tomorrow", "2022-01-10T25:00"])
def test_bad_as_of(ledger: Ledger, as_of: str) -> None:
    with pytest.raises(UsageError) as err:
        ledger.replay(as_of)
    assert err.value.param == "as_of" and str(err.value).startswith("as_of: ")


# verify


def stored_state(path: Path, seq: int) -> tuple[int, bytes]:
    with sqlite3.connect(path) as con:
        (rowid,) = con.execute("SELECT notification_id FROM ledger_entries WHERE seq = ?", (seq,)).fetchone()
        (state,) = con.execute("SELECT state FROM stored_events WHERE rowid = ?", (rowid,)).fetchone()
    con.close()
    return rowid, bytes(state)


def alter_state(path: Path, seq: int, old: bytes, new: bytes) -> None:
    rowid, state = stored_state(path, seq)
    assert state.count(old) == 1, state
    with sqlite3.connect(path) as con:
        con.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state.replace(old, new), rowid))
    con.close()


QUOTED = fact("ForcesDeployed", "2022-01-06", id="quoted", mission="m", contributor="AM")
QUOTED["sources"] = [{"publisher": "Wire", "quote": "units of Armenia", "language": "en"}]
QUOTED_DERIVED = fact("ForcesDeployed", "2022-01-06", mission="m", contributor="TJ")
QUOTED_DERIVED["sources"] = [{"publisher": "Wire", "quote": "units of Tajikistan", "language": "en"}]


@pytest.fixture
def verified(tmp_path: Path) -> Path:
    path = tmp_path / "v.db"
    with Ledger.open(path, create=True) as lg:
        lg.import_facts([("f", jsonl(A, QUOTED, QUOTED_DERIVED, D))])
        report = lg.verify()
    assert (report.ok, report.size, report.first_bad_seq) == (True, 4, None)
    assert is_root(report.root)
    return path


def verify(path: Path) -> Any:
    with Ledger.open(path) as lg:
        return lg.verify()


def test_an_explicit_id_shaped_like_a_derived_one_is_no_alteration(ledger: Ledger) -> None:
    # `sha256:` + 32 hex digits matches the id pattern of section 1; given explicitly with other
    # content, it is either refused at import on $.id or kept, and then the untouched ledger verifies.
    explicit = D | {"id": "sha256:" + "0" * 32}
    try:
        ledger.import_facts([("f", jsonl(explicit))])
    except FactError as err:
        assert (err.line, err.path) == (1, "$.id")
        assert ledger.size() == 0
        return
    report = ledger.verify()
    assert (report.ok, report.first_bad_seq) == (True, None), report.message


def test_verify_empty_ledger(ledger: Ledger) -> None:
    report = ledger.verify()
    assert (report.ok, report.size, report.first_bad_seq) == (True, 0, None)


def test_verify_detects_an_altered_quote_of_a_fact_with_a_derived_id(verified: Path) -> None:
    alter_state(verified, 2, b"units of Tajikistan", b"units of Tajikistam")
    report = verify(verified)
    assert report.ok is False
    assert report.first_bad_seq == 2
    assert fact_id(QUOTED_DERIVED) in report.message


def test_verify_detects_an_altered_quote_of_a_fact_with_an_explicit_id(verified: Path) -> None:
    # The bytes stay a well-formed canonical entry; only the quoted words differ from what was imported.
    alter_state(verified, 1, b"units of Armenia", b"units of Albania")
    report = verify(verified)
    assert report.ok is False
    assert report.first_bad_seq == 1


def test_verify_detects_an_altered_recording_time(verified: Path) -> None:
    with sqlite3.connect(verified) as con:
        con.execute("UPDATE ledger_entries SET recorded_at = '2000-01-01T00:00:00.000000Z' WHERE seq = 3")
    con.close()
    report = verify(verified)
    assert (report.ok, report.first_bad_seq) == (False, 3)


def test_verify_detects_non_canonical_bytes(verified: Path) -> None:
    alter_state(verified, 1, b'"contributor":"AM"', b'"contributor": "AM"')
    report = verify(verified)
    assert (report.ok, report.first_bad_seq) == (False, 1)


def test_verify_detects_an_undecodable_entry(verified: Path) -> None:
    alter_state(verified, 0, b'"organization":"csto"', b'"organization":17')
    report = verify(verified)
    assert (report.ok, report.first_bad_seq) == (False, 0)
    assert "entry 0 (a)" in report.message


def test_reading_an_altered_entry_raises_a_ledger_error(verified: Path) -> None:
    alter_state(verified, 0, b'"organization":"csto"', b'"organization":17')
    with Ledger.open(verified) as lg, pytest.raises(LedgerError) as err:
        list(lg.entries())
    assert err.value.exit_code == 1


def test_replaying_an_altered_replay_index_raises_a_ledger_error(verified: Path) -> None:
    # Replay reads the valid-time replay index, a derived copy of each fact; verify checks both.
    with sqlite3.connect(verified) as con:
        con.execute("UPDATE replay_index SET payload = X'c1' WHERE seq = 0")
    con.close()
    with Ledger.open(verified) as lg, pytest.raises(LedgerError) as err:
        lg.replay("2022-01-10")
    assert err.value.exit_code == 1
    assert verify(verified).first_bad_seq == 0


def test_verify_detects_a_missing_entry(verified: Path) -> None:
    rowid, _ = stored_state(verified, 1)
    with sqlite3.connect(verified) as con:
        con.execute("DELETE FROM stored_events WHERE rowid = ?", (rowid,))
    con.close()
    report = verify(verified)
    assert (report.ok, report.first_bad_seq) == (False, 1)


def test_entries_round_trip_through_the_store(build: Callable[..., Ledger]) -> None:
    unicode = fact("StatementMade", "2022-01-11T10:00+06:00", speaker="s", summary="«Привет» \u2028 \x00 ok")
    unicode["sources"] = [
        {"publisher": "وكالة", "quote": "“اليوم”", "translation": "today", "language": "ar"}
    ]
    lg = build(A, unicode)
    stored = [msgspec.json.decode(msgspec.json.encode(f)) for f in lg.facts()]
    assert stored[0] == A
    assert stored[1] == unicode | {"id": fact_id(unicode)}


def _deployments(prefix: str, n: int) -> bytes:
    return jsonl(
        *(
            fact("ForcesDeployed", "2022-02-01", id=f"{prefix}-{i}", mission="m", contributor="RU")
            for i in range(n)
        )
    )


def test_verify_reads_one_snapshot_while_another_writer_commits(
    ledger: Ledger, open_ledger: Callable[..., Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import committed by another writer while `verify` runs (here: between its read of the
    entries and its count of stored events) is not an alteration: verify sees the ledger as it
    was when it began, and the next verify sees the import."""
    ledger.import_facts([("seed.jsonl", _deployments("seed", 100))])
    other = open_ledger(create=False)  # a second handle on the same ledger, as another process
    store = ledger._store
    fetch = store.fetch
    committed = []

    def late_commit(query: Query) -> list[Any]:
        if query.sql == sql.FACT_EVENTS:  # verify counts the stored events after reading the entries
            committed.append(other.import_facts([("late.jsonl", _deployments("late", 5))]).size)
        return fetch(query)

    monkeypatch.setattr(store, "fetch", late_commit)
    report = ledger.verify()
    assert committed == [105], report.message
    assert report.ok and report.size == 100, report.message
    monkeypatch.undo()
    again = ledger.verify()
    assert again.ok and again.size == 105, again.message


def test_many_rows_go_in_as_multi_row_inserts_unchanged(tmp_path: Path) -> None:
    """The SQLite writer's multi-row INSERTs keep every row, its values and its order (a few
    rows left over after whole groups go in one at a time), and a row of the wrong width is
    still refused."""
    from ledger.storage.sqlite.store import ROWS_PER_INSERT, _Transaction

    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    conn.execute("CREATE TABLE t (a INTEGER, b TEXT, c BLOB)")
    db = _Transaction(conn.cursor(), "t.db")
    rows = [(i, f"r{i}", bytes([i % 256]) * (i % 7)) for i in range(3 * ROWS_PER_INSERT + 5)]
    db.executemany("INSERT INTO t VALUES (?,?,?)", rows)
    assert conn.execute("SELECT a, b, c FROM t ORDER BY rowid").fetchall() == rows
    with pytest.raises(sqlite3.ProgrammingError):
        db.executemany("INSERT INTO t VALUES (?,?,?)", [(1, "x", b"")] * (ROWS_PER_INSERT - 1) + [(1, "x")])
    conn.close()
