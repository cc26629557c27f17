"""A hypothesis state machine: `ledger.Ledger` on a real SQLite file against an in-memory model.

The model is the list of facts the ledger should hold, in recording order, each
as the ledger should store it (nulls and `acting: false` dropped, its id set),
which facts were corrected and by what, and the sizes that have a checkpoint.
Rules, in any order:

- `append`: a batch of 1-4 valid facts (some retract or supersede a recorded
  fact or one earlier in the batch; some have the holder of an office leave
  it), as one or two files with blank lines and with or without a final
  newline; dates at every precision of contract section 3, so that late facts,
  dated before facts already recorded, are common;
- `append_late`: a fact dated on or before the earliest day recorded so far;
- `import_old_and_new`: recorded facts (corrections included), counted
  unchanged, among new ones;
- `reimport`: an earlier batch again, a no-op by id;
- `import_bad`: 0-3 valid facts and exactly one bad line (a bad state code, an
  unknown field, invalid JSON, a missing field, a bad date, slug, URL or
  integer, an unknown type, a deadline after 9999-12-31, a missing, later or
  retracted target, an existing id with other content, a second correction):
  `BadInput` naming that line's file, line and JSON path, and nothing changes;
- `correct_again`: a second retraction or supersession of a corrected fact,
  refused the same way;
- `reopen`, `open_second_handle`, `close_second_handle`: close and reopen the
  database; a second `Ledger` on the same file that reads what the first
  writes, or writes while the first reads.

After every step the invariant checks the ledger against the model:

- the size; every stored entry's bytes decode to the model's fact and its
  recording time, are the RFC 8785 JSON the model computes, and never change;
  recording times never decrease;
- the Merkle root of every prefix, computed here from the stored leaf bytes
  with the pure functions of `ledger.merkle`, equals `Ledger.root(n)`, the leaf
  hashes of `Ledger.log()`, and every root seen earlier for that size;
- `Ledger.verify()` is ok, with the model's size, root and checkpoint count;
- for up to three probes drawn with the step: a replay at a random as-of date
  and knowledge horizon (all, `size=`, `known_at=`, both; with and without
  projection snapshots; through either handle) equals `tests/reference_fold.py`,
  an independent fold of contract section 4, of the model's first n entries
  with the model's root; `timeline` lists the facts that fold folds; `show`,
  an inclusion proof and a consistency proof of one entry check out; and a
  replay at (date, n) seen before is byte for byte the same after later appends.

Projection snapshots are taken only every `SNAPSHOT_EVERY` folded facts, far
more than a machine records; each run draws a tiny interval (or the real one),
which every handle it opens is given (`snapshot_every`), so that late facts
meet stale snapshots.

Run it alone: `pytest tests/test_stateful.py`; patiently:
`HYPOTHESIS_PROFILE=deep pytest tests/test_stateful.py`. A failure prints the
shrunk steps, the draws inside each, and a `@reproduce_failure` blob; the
failing example is saved in `.hypothesis/` and replayed first on the next run.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
import reference_fold
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from strategies import SOURCE, Fact, drop_nulls, fact, fact_id, line, sources, texts, world_facts

from ledger import Ledger
from ledger.errors import BadInput, FactError
from ledger.merkle import leaf_hash, root_of, verify_consistency, verify_inclusion
from ledger.replay import SNAPSHOT_EVERY

# `ci` (150 examples): 37 machines of up to 35 steps, about 7 s of CPU (15 s wall on two loaded
# cores); `deep` (1000): 250 machines of up to 80 steps, about 2 minutes of CPU.
PROFILE = settings()  # the loaded profile (tests/conftest.py): `ci`, or `deep` by HYPOTHESIS_PROFILE
EXAMPLES = max(10, PROFILE.max_examples // 4)
STEPS = 35 if PROFILE.max_examples < 500 else 80

# Dates: a few days close together (so that facts often share a day and a rank), written at
# every precision of contract section 3; sometimes any day of 35 years.
DAYS = [date(2021, 12, 31), date(2022, 1, 29), date(2022, 1, 30), date(2022, 1, 31), date(2022, 2, 1)]
ZONES = ["", "Z", "+05:00", "-11:30", "+23:59", "-00:00"]


@st.composite
def occurred(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["day", "day", "day", "qualified", "moment", "month", "year", "wide"]))
    day = draw(st.sampled_from(DAYS))
    if kind == "qualified":
        return day.isoformat() + draw(st.sampled_from("?~%"))
    if kind == "moment":
        hh, mm, ss = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(-1, 59))
        seconds = "" if ss < 0 else f":{ss:02}" + draw(st.sampled_from(["", ".5", ".000001"]))
        return f"{day.isoformat()}T{hh:02}:{mm:02}{seconds}{draw(st.sampled_from(ZONES))}"
    if kind == "month":
        return draw(st.sampled_from(["2022-01", "2022-02", "2021-12~"]))
    if kind == "year":
        return draw(st.sampled_from(["2021", "2022?"]))
    if kind == "wide":
        return draw(st.dates(date(1990, 1, 1), date(2025, 12, 31))).isoformat()
    return day.isoformat()


# As-of dates: on, before and after the days above, at several precisions, as dates or text.
AS_OF = st.one_of(
    st.sampled_from([d + timedelta(days=k) for d in DAYS for k in (-1, 0)] + [date(2022, 2, 1)]),
    st.sampled_from(["2022-01", "2022-02", "2021", "2022", "2022-01-30?", "2022-01-31T01:00-05:00"]),
    st.dates(date(1989, 1, 1), date(2026, 12, 31)),
    st.just(date(9999, 12, 31)),
)
# What the invariant replays after a step: (as_of, horizon kind, a number to pick n with, snapshots).
PROBES = st.lists(
    st.tuples(
        AS_OF,
        st.sampled_from(["full", "size", "size", "known_at", "both"]),
        st.integers(0, 1 << 16),
        st.booleans(),
    ),
    min_size=1,
    max_size=3,
)
# Sources matter to identity and storage, not to replay: mostly one plain source (fast to draw).
SOURCES = st.one_of(st.builds(lambda: [dict(SOURCE)]), st.builds(lambda: [dict(SOURCE)]), sources())
# Strategies drawn inside rules, built once (a strategy built per draw is validated per draw).
FACTS = world_facts(source_lists=SOURCES)
OCCURRED = occurred()
ITEM_KINDS = st.sampled_from(["plain", "plain", "plain", "retract", "supersede", "leave"])
COIN = st.booleans()
ONE_IN_4 = st.integers(0, 3)
ONE_IN_6 = st.integers(0, 5)
RECORDED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def stored_fact(f: Fact, fid: str) -> Fact:
    """The fact as the ledger stores it: without nulls (also in sources), without `acting: false`
    (the default), with its id."""
    result = {k: drop_nulls(v) for k, v in f.items() if v is not None}
    for default in ("acting", "interim"):
        if result.get(default) is False:
            del result[default]
    result["id"] = fid
    return result


def jcs(value: Any) -> bytes:
    """RFC 8785 JSON for the values facts hold (ASCII keys, strings, small integers, booleans)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass
class Item:
    """One line of a batch: the fact as written, its id and its bytes."""

    fact: Fact
    fid: str
    line: bytes


Inputs = list[tuple[str, bytes]]


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory(prefix="ledger-stateful-")
        self.path = Path(self.tmp.name) / "ledger.db"
        self.every = SNAPSHOT_EVERY  # folded facts between two projection snapshots, drawn below
        self.lg = Ledger.open(self.path, create=True)
        self.other: Ledger | None = None  # a second handle on the same file, when open
        self.writes_via_other = False
        self.entries: list[Fact] = []  # the model: stored facts, in recording order
        self.lines: dict[str, bytes] = {}  # fact id -> the line it was first imported from
        self.corrected: dict[str, tuple[str, str]] = {}  # target id -> ("retracted" or "superseded", by)
        self.checkpoints: set[int] = set()  # sizes reached by imports that appended
        self.batches: list[tuple[Inputs, int]] = []  # imported inputs, and how many facts they hold
        self.leaves: list[bytes] = []  # stored leaf bytes seen so far
        self.roots: dict[int, str] = {}  # Merkle root of each prefix size seen so far
        self.seen: dict[tuple[str, int], bytes] = {}  # replay documents seen, by (as_of, size)
        self.probes: list[tuple[date | str, str, int, bool]] = []
        self.counter = 0

    def teardown(self) -> None:
        try:
            self.lg.close()
            if self.other is not None:
                self.other.close()
        finally:
            self.tmp.cleanup()

    @property
    def writer(self) -> Ledger:
        """The handle imports go through."""
        return self.other if self.other is not None and self.writes_via_other else self.lg

    # The model

    @property
    def ids(self) -> set[str]:
        return {f["id"] for f in self.entries}

    def eligible(self) -> list[str]:
        """Ids a new correction may target: recorded, not a retraction, not yet corrected."""
        return [
            f["id"] for f in self.entries if f["type"] != "FactRetracted" and f["id"] not in self.corrected
        ]

    def record(self, item: Item) -> None:
        self.entries.append(stored_fact(item.fact, item.fid))
        self.lines[item.fid] = item.line
        if item.fact["type"] == "FactRetracted":
            self.corrected[item.fact["target"]] = ("retracted", item.fid)
        elif item.fact.get("supersedes") is not None:
            self.corrected[item.fact["supersedes"]] = ("superseded", item.fid)

    def new_id(self) -> str:
        self.counter += 1
        return f"f-{self.counter}"

    def world_fact(self, data: st.DataObject, when: str | None = None) -> Fact:
        f = data.draw(FACTS, label="fact")
        f["occurred"] = when if when is not None else data.draw(OCCURRED, label="occurred")
        return f

    def new_items(self, data: st.DataObject, count: int) -> list[Item]:
        """Valid new facts, in order: plain facts, and corrections of recorded or earlier ones."""
        items: list[Item] = []
        eligible = self.eligible()
        taken = self.ids
        holders = self.holders()
        for _ in range(count):
            kind = data.draw(ITEM_KINDS, label="kind")
            if kind in ("retract", "supersede") and eligible:
                target = data.draw(st.sampled_from(eligible), label="target")
                if kind == "retract":
                    f = fact("FactRetracted", data.draw(OCCURRED), target=target, reason=data.draw(texts))
                else:
                    f = self.world_fact(data) | {"supersedes": target}
            elif kind == "leave" and holders:
                # Someone who holds an office (in the whole ledger's latest world) leaves it.
                state, office, person = data.draw(st.sampled_from(holders), label="holder")
                f = fact("OfficeLeft", data.draw(OCCURRED), state=state, office=office, person=person)
            else:
                f = self.world_fact(data)
            if data.draw(ONE_IN_4, label="explicit id") == 0:
                f["id"] = self.new_id()
            fid = fact_id(f)
            if fid in taken:
                continue  # the same content twice: not a new fact
            taken.add(fid)
            items.append(Item(f, fid, line(f)))
            corrects = f.get("target") or f.get("supersedes")
            if corrects is not None:
                eligible.remove(corrects)
                event(f"a {kind} in a batch")
            if f["type"] != "FactRetracted":
                eligible.append(fid)
        return items

    def holders(self) -> list[tuple[str, str, str]]:
        """(state, office, person) of every office held at the end of time, as the model says."""
        world = reference_fold.replay(self.entries, date.max)
        return [
            (code, office, held["person"])
            for code, state in world["states"].items()
            for office, held in state["offices"].items()
            if held["person"] is not None
        ]

    # Files

    def layout(self, data: st.DataObject, lines: list[bytes]) -> tuple[Inputs, list[tuple[str, int]]]:
        """The lines as one or two files, with blank lines here and there: the inputs and,
        for each line, its file name and line number."""
        self.counter += 1
        two = len(lines) > 1 and data.draw(COIN, label="two files")
        cut = data.draw(st.integers(1, len(lines) - 1), label="cut") if two else len(lines)
        inputs: Inputs = []
        where: list[tuple[str, int]] = []
        for part, chunk in enumerate([lines[:cut], lines[cut:]] if two else [lines]):
            name = f"batch-{self.counter}-{part}.jsonl"
            out: list[bytes] = []
            for text in chunk:
                if data.draw(ONE_IN_6, label="blank line") == 0:
                    out.append(b"")
                out.append(text)
                where.append((name, len(out)))
            trailing = b"\n" if data.draw(ONE_IN_4, label="no final newline") else b""
            inputs.append((name, b"\n".join(out) + trailing))
        return inputs, where

    def import_valid(self, inputs: Inputs, new: list[Item], unchanged: int) -> None:
        result = self.writer.import_facts(inputs)
        for item in new:
            self.record(item)
        assert (result.appended, result.unchanged, result.size) == (len(new), unchanged, len(self.entries))
        if new:
            self.batches.append((inputs, len(new) + unchanged))
            self.checkpoints.add(len(self.entries))

    def expect_refusal(
        self, inputs: Inputs, where: tuple[str, int] | None, paths: tuple[str, ...] = ()
    ) -> None:
        """The import raises BadInput, naming `where` (file, line) and one of `paths`, and
        nothing changes."""
        before = self.snapshot_of_ledger()
        try:
            self.writer.import_facts(inputs)
        except BadInput as e:
            if where is not None:
                assert isinstance(e, FactError), repr(e)
                assert (e.source, e.line) == where, (str(e), where)
                if paths:
                    assert e.path in paths, (str(e), paths)
        else:
            raise AssertionError(f"import of a bad line was accepted: {inputs!r}")
        assert self.snapshot_of_ledger() == before

    def snapshot_of_ledger(self) -> tuple[int, str, list[Any], list[bytes]]:
        days = [DAYS[0], DAYS[-1], date(9999, 12, 31)]
        docs = [msgspec.json.encode(self.lg.replay(d, snapshots=False)) for d in days]
        return self.lg.size(), self.lg.root(), list(self.lg.log()), docs

    # Rules

    @initialize(every=st.sampled_from([1, 2, 3, SNAPSHOT_EVERY]))
    def snapshot_interval(self, every: int) -> None:
        """Projection snapshots after every `every` folded facts: the ledger, still empty, is opened
        again with that interval, as every handle opened later is."""
        self.every = every
        self.lg.close()
        self.lg = Ledger.open(self.path, snapshot_every=every)

    @rule(data=st.data(), count=st.integers(1, 4), probes=PROBES)
    def append(self, data: st.DataObject, count: int, probes: list[Any]) -> None:
        self.probes = probes
        items = self.new_items(data, count)
        if not items:
            return
        inputs, _ = self.layout(data, [i.line for i in items])
        self.import_valid(inputs, items, 0)

    @precondition(lambda self: len(self.entries) > 0)
    @rule(data=st.data(), back=st.integers(0, 3), probes=PROBES)
    def append_late(self, data: st.DataObject, back: int, probes: list[Any]) -> None:
        """A fact dated on or before the earliest day recorded so far."""
        self.probes = probes
        earliest = min(reference_fold.effective_day(f["occurred"]) for f in self.entries)
        when = (earliest - timedelta(days=back)).isoformat() + data.draw(
            st.sampled_from(["", "?", "T12:00Z"])
        )
        f = self.world_fact(data, when)
        eligible = self.eligible()
        if len(eligible) > 0 and data.draw(COIN, label="supersedes"):
            f["supersedes"] = data.draw(st.sampled_from(eligible), label="target")
        fid = fact_id(f)
        if fid in self.ids:
            return
        event("a late fact")
        self.import_valid([("late.jsonl", line(f))], [Item(f, fid, line(f))], 0)

    @precondition(lambda self: len(self.entries) > 0)
    @rule(data=st.data(), probes=PROBES)
    def import_old_and_new(self, data: st.DataObject, probes: list[Any]) -> None:
        """Recorded facts (corrections included), as first written or as stored (their id
        given, nulls dropped, keys sorted), among new ones: each counted unchanged. A new fact's
        line may come twice: the second is unchanged too."""
        self.probes = probes
        stored = {f["id"]: f for f in self.entries}
        old = data.draw(st.lists(st.sampled_from(sorted(self.lines)), min_size=1, max_size=3, unique=True))
        new = self.new_items(data, data.draw(st.integers(0, 2), label="new"))
        lines = [i.line for i in new]
        unchanged = len(old)
        if new and data.draw(ONE_IN_4, label="a new line twice") == 0:
            i = data.draw(st.integers(0, len(new) - 1), label="which")
            lines.insert(data.draw(st.integers(i + 1, len(lines)), label="again at"), new[i].line)
            unchanged += 1
        for fid in old:
            text = self.lines[fid] if data.draw(COIN, label="as written") else jcs(stored[fid])
            lines.insert(data.draw(st.integers(0, len(lines)), label="position"), text)
        inputs, _ = self.layout(data, lines)
        self.import_valid(inputs, new, unchanged)

    @precondition(lambda self: len(self.batches) > 0)
    @rule(data=st.data(), probes=PROBES)
    def reimport(self, data: st.DataObject, probes: list[Any]) -> None:
        """Importing a batch again changes nothing: every fact in it is unchanged."""
        self.probes = probes
        inputs, count = data.draw(st.sampled_from(self.batches), label="batch")
        result = self.writer.import_facts(inputs)
        assert (result.appended, result.unchanged, result.size) == (0, count, len(self.entries))

    @rule(create=st.booleans(), probes=PROBES)
    def reopen(self, create: bool, probes: list[Any]) -> None:
        """Close the database and open it again (`create=True` on an existing ledger opens it)."""
        self.probes = probes
        self.lg.close()
        self.lg = Ledger.open(self.path, create=create, snapshot_every=self.every)

    @precondition(lambda self: self.other is None)
    @rule(writes=st.booleans(), probes=PROBES)
    def open_second_handle(self, writes: bool, probes: list[Any]) -> None:
        """A second `Ledger` on the same file: it reads what the first one writes, or (with
        `writes`) does the writing while the first one reads."""
        self.probes = probes
        self.other = Ledger.open(self.path, snapshot_every=self.every)
        self.writes_via_other = writes

    @precondition(lambda self: self.other is not None)
    @rule(probes=PROBES)
    def close_second_handle(self, probes: list[Any]) -> None:
        self.probes = probes
        assert self.other is not None
        self.other.close()
        self.other = None

    @precondition(lambda self: len(self.corrected) > 0)
    @rule(data=st.data(), probes=PROBES)
    def correct_again(self, data: st.DataObject, probes: list[Any]) -> None:
        """A fact can be retracted or superseded once: a second correction is refused."""
        self.probes = probes
        target = data.draw(st.sampled_from(sorted(self.corrected)), label="target")
        event("a second correction")
        f, paths = self.refused_correction(data, target)
        self.expect_refusal([("again.jsonl", line(f))], ("again.jsonl", 1), paths)

    def refused_correction(self, data: st.DataObject, target: str) -> tuple[Fact, tuple[str, ...]]:
        """A retraction or a supersession of `target` that the ledger must refuse, and the JSON
        path the refusal names. Its note is new, so that it never is a recorded fact again
        (importing that would be a no-op, not a second correction)."""
        note = f"bad line {self.new_id()}"
        if data.draw(COIN, label="retract"):
            retraction = fact("FactRetracted", data.draw(OCCURRED), target=target, reason="r", note=note)
            return retraction, ("$.target",)
        return self.world_fact(data) | {"supersedes": target, "note": note}, ("$.supersedes",)

    @rule(data=st.data(), count=st.integers(0, 3), probes=PROBES)
    def import_bad(self, data: st.DataObject, count: int, probes: list[Any]) -> None:
        """A batch of valid facts and exactly one bad line is refused whole."""
        self.probes = probes
        items = self.new_items(data, count)
        pos = data.draw(st.integers(0, len(items)), label="bad line position")
        bad, paths = self.bad_line(data, items, pos)
        lines = [i.line for i in items]
        lines.insert(pos, bad)
        inputs, where = self.layout(data, lines)
        self.expect_refusal(inputs, where[pos], paths)

    def bad_line(self, data: st.DataObject, items: list[Item], pos: int) -> tuple[bytes, tuple[str, ...]]:
        """A bad line to go at `pos` among `items`, and the JSON paths its error may name."""
        before = [i.fid for i in items[:pos]]
        after = [i.fid for i in items[pos:]]
        known = sorted(self.ids) + before
        retractions = [f["id"] for f in self.entries if f["type"] == "FactRetracted"] + [
            i.fid for i in items[:pos] if i.fact["type"] == "FactRetracted"
        ]
        corrected = sorted(self.corrected) + [
            t for i in items[:pos] if (t := i.fact.get("target") or i.fact.get("supersedes"))
        ]
        # Mistakes a line shows by itself, then mistakes only the ledger can see (three times as likely).
        kinds = [
            "state",
            "field",
            "json",
            "missing",
            "date",
            "integer",
            "type",
            "slug",
            "url",
            "deadline",
            "v2",
        ]
        kinds += ["absent"] * 3 + ["clash"] * 3 * bool(known) + ["retraction"] * 3 * bool(retractions)
        kinds += ["again"] * 3 * bool(corrected) + ["forward"] * 3 * bool(after)
        kind = data.draw(st.sampled_from(kinds), label="bad kind")
        event(f"bad line: {kind}")
        f = self.world_fact(data)
        when = data.draw(OCCURRED)

        if kind == "state":
            code = data.draw(st.sampled_from(["XX", "ZZ", "kz", "UK", "EU", "K", "KAZ"]))
            f = fact("ForcesDeployed", when, mission="alpha", contributor="RU", host="KZ")
            field = data.draw(st.sampled_from(["contributor", "host"]))
            f[field] = code
            return line(f), (f"$.{field}",)
        if kind == "field":
            if data.draw(COIN):
                return line(f | {"colour": "red"}), ("$.colour", "$")
            f["sources"] = [*f["sources"][:-1], f["sources"][-1] | {"colour": "red"}]
            n = len(f["sources"]) - 1
            return line(f), (f"$.sources[{n}].colour", f"$.sources[{n}]")
        if kind == "json":
            text = line(f)
            return data.draw(
                st.sampled_from([text[:-1], text + b",", b"{", b"not json", text.replace(b":", b"=", 1)])
            ), ()
        if kind == "missing":
            name = data.draw(st.sampled_from(["type", "occurred", "sources"]))
            del f[name]
            return line(f), ()
        if kind == "date":
            f["occurred"] = data.draw(
                st.sampled_from(["2022-02-30", "2022-13", "22-01-01", "2022-01-31T24:00", "2022-1-5"])
            )
            return line(f), ("$.occurred",)
        if kind == "integer":
            value = data.draw(st.sampled_from([1.0, -1, 2**53, "12", True]))
            f = fact("ForcesDeployed", when, mission="beta", contributor="AM", personnel=value)
            return line(f), ("$.personnel",)
        if kind == "type":
            return line(f | {"type": data.draw(st.sampled_from(["TroopsArrived", "factretracted", ""]))}), ()
        if kind == "slug":
            f = fact(
                "PrimeMinisterAppointed",
                when,
                state="KZ",
                person=data.draw(st.sampled_from(["Ana", "a--b", "-a", ""])),
            )
            return line(f), ("$.person",)
        if kind == "url":
            f["sources"] = [{"publisher": "Test Wire", "url": "ftp://example.org/a"}]
            return line(f), ("$.sources[0].url",)
        if kind == "deadline":
            f = fact(
                "WithdrawalAnnounced",
                "9999-12-20",
                mission="alpha",
                starts_within_days=5,
                completes_within_days=20,
            )
            return line(f), ("$.completes_within_days", "$.starts_within_days", "$")
        if kind == "v2":  # what sections 9-11 refuse
            which = data.draw(st.sampled_from(["both ways", "range", "former", "names", "wikidata"]))
            if which == "both ways":
                f = fact(
                    "WithdrawalAnnounced", when, mission="alpha", complete_by="2023", completes_within_days=3
                )
                return line(f), ("$.complete_by",)
            if which == "range":
                f = fact("StrengthReported", when, mission="beta", personnel=10, personnel_high=9)
                return line(f), ("$.personnel_high",)
            if which == "former":
                f = fact("ForcesDeployed", when, mission="alpha", contributor="SUXX")
                return line(f), ("$.contributor",)
            f = fact("ActorDescribed", when, actor="KZ", names={"en": "Kazakhstan"})
            if which == "names":
                return line(f | {"names": data.draw(st.sampled_from([{}, {"en": " "}, {"EN_x": "a"}]))}), (
                    "$.names",
                    "$.names.en",
                    "$.names.EN_x",
                )
            return line(f | {"wikidata": data.draw(st.sampled_from(["Q0", "42", "q42"]))}), ("$.wikidata",)
        if kind == "absent":
            bad, paths = self.refused_correction(data, f"no-such-fact-{self.new_id()}")
            return line(bad), paths
        if kind == "clash":  # an existing id with other content
            fid = data.draw(st.sampled_from(known))
            f["note"] = f"bad line {self.new_id()}"  # other content than any recorded fact
            return line(f | {"id": fid}), ("$.id",)
        if kind == "retraction":  # a FactRetracted cannot be corrected
            bad, paths = self.refused_correction(data, data.draw(st.sampled_from(retractions)))
            return line(bad), paths
        if kind == "again":  # a second correction of one fact
            bad, paths = self.refused_correction(data, data.draw(st.sampled_from(corrected)))
            return line(bad), paths
        # "forward": the target is later in the same import
        bad, paths = self.refused_correction(data, data.draw(st.sampled_from(after)))
        return line(bad), paths

    # After every step

    @invariant()
    def agrees_with_the_model(self) -> None:
        size = len(self.entries)
        assert self.lg.size() == size
        recorded, hashes = self.check_stored_entries()
        roots = [root_of(hashes[:n]).hex() for n in range(size + 1)]
        for n, root in enumerate(roots):
            assert self.roots.setdefault(n, root) == root, f"the root of the first {n} entries changed"
        assert [self.lg.root(n) for n in range(size + 1)] == roots
        assert self.lg.root() == roots[size]
        report = self.lg.verify()
        assert report.ok, report
        assert (report.size, report.root, report.first_bad_seq) == (size, roots[size], None), report
        assert report.checkpoints == len(self.checkpoints), report
        readers = [self.lg] if self.other is None else [self.lg, self.other]
        for reader in readers:
            assert reader.size() == size
        for as_of, how, k, snapshots in self.probes:
            self.check_replay(readers[k % len(readers)], as_of, how, k, snapshots, recorded, roots)
            if size:
                self.check_entry(k % size, hashes, roots)
        # A replay seen before, at a prefix of the ledger, is still the same.
        if self.seen:
            for k in {k for _, _, k, _ in self.probes}:
                (day, n), expected = sorted(self.seen.items())[k % len(self.seen)]
                assert msgspec.json.encode(self.lg.replay(day, size=n)) == expected, (day, n)
        self.probes = []

    def check_stored_entries(self) -> tuple[list[str], list[bytes]]:
        """Every stored entry is the model's fact with its recording time; returns the recording
        times and the leaf hashes, computed here from the stored bytes."""
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            rows = conn.execute(
                "SELECT e.seq, e.recorded_at, s.state FROM ledger_entries e "
                "JOIN stored_events s ON s.rowid = e.notification_id ORDER BY e.seq"
            ).fetchall()
        finally:
            conn.close()
        assert [seq for seq, _, _ in rows] == list(range(len(self.entries)))
        recorded = [str(r) for _, r, _ in rows]
        stored = [bytes(s) for _, _, s in rows]
        assert all(RECORDED.fullmatch(r) for r in recorded), recorded
        assert recorded == sorted(recorded), "recorded_at decreased"
        for f, when, leaf in zip(self.entries, recorded, stored, strict=True):
            assert leaf == jcs({"fact": f, "recorded_at": when}), (leaf, f)
        assert stored[: len(self.leaves)] == self.leaves, "a stored entry changed"
        self.leaves = stored
        hashes = [leaf_hash(s) for s in stored]
        log = list(self.lg.log())
        assert [(x.seq, x.id, x.type, x.occurred, x.recorded_at, x.leaf_hash) for x in log] == [
            (i, f["id"], f["type"], f["occurred"], when, h.hex())
            for i, (f, when, h) in enumerate(zip(self.entries, recorded, hashes, strict=True))
        ]
        return recorded, hashes

    def check_entry(self, seq: int, hashes: list[bytes], roots: list[str]) -> None:
        """`show` of one entry, its inclusion proof, and a consistency proof from its size."""
        f, size = self.entries[seq], len(self.entries)
        view = self.lg.show(f["id"] if seq % 2 else seq)
        assert (view.seq, view.effective) == (seq, reference_fold.effective_day(f["occurred"]).isoformat())
        assert msgspec.json.decode(msgspec.json.encode(view.fact)) == f
        correction = self.corrected.get(f["id"])
        assert (
            None if view.corrected_by is None else (view.corrected_by.how, view.corrected_by.by)
        ) == correction
        inclusion = self.lg.inclusion_proof(f["id"])
        assert (inclusion.seq, inclusion.size, inclusion.leaf_hash, inclusion.root) == (
            seq,
            size,
            hashes[seq].hex(),
            roots[size],
        )
        proof = [bytes.fromhex(h) for h in inclusion.proof]
        assert verify_inclusion(seq, size, hashes[seq], proof, bytes.fromhex(roots[size]))
        old = seq + 1
        consistency = self.lg.consistency_proof(old)
        assert (consistency.old_root, consistency.new_root) == (roots[old], roots[size])
        proof = [bytes.fromhex(h) for h in consistency.proof]
        assert verify_consistency(old, size, bytes.fromhex(roots[old]), bytes.fromhex(roots[size]), proof)

    def check_replay(
        self,
        lg: Ledger,
        as_of: date | str,
        how: str,
        k: int,
        snapshots: bool,
        recorded: list[str],
        roots: list[str],
    ) -> None:
        size = len(self.entries)
        if how in ("known_at", "both") and size:
            # A recording time (all entries up to the last one recorded then), or before any.
            moment = recorded[k % size] if k % 7 else "2000-01-01T00:00Z"
            n = sum(r <= moment for r in recorded)
            horizon: dict[str, Any] = {"known_at": moment}
            if how == "both":
                horizon["size"] = k % (size + 1)
                n = min(n, horizon["size"])
            world = lg.replay(as_of, **horizon, snapshots=snapshots)
            timeline = list(lg.timeline(end=as_of, **horizon))
        elif how == "size":
            n = k % (size + 1)
            world = lg.replay(as_of, size=n, snapshots=snapshots)
            timeline = list(lg.timeline(end=as_of, size=n))
        else:
            n = size
            world = lg.replay(as_of, snapshots=snapshots)
            timeline = list(lg.timeline(end=as_of))
        expected = reference_fold.replay(self.entries, as_of, size=n, root=roots[n])
        actual = msgspec.to_builtins(world)
        assert actual == expected, _diff(as_of, n, actual, expected)
        _describe(expected)
        assert [e.fact.fact_id for e in timeline] == reference_fold.folded_ids(self.entries, as_of, n)
        code = ("KZ", "KG", "RU", "SUHH")[k % 4]
        narrowed = lg.timeline(end=as_of, state=code, size=n)
        assert [e.fact.fact_id for e in narrowed] == reference_fold.timeline_ids_for_state(
            self.entries, as_of, code, n
        ), (as_of, n, code)
        encoded = msgspec.json.encode(world)
        assert self.seen.setdefault((expected["as_of"], n), encoded) == encoded, (as_of, n)


def _describe(doc: dict[str, Any]) -> None:
    """Hypothesis events (`--hypothesis-show-statistics`): what the compared worlds held."""
    if doc["actors"]:
        event("a described actor")
    for m in doc["missions"].values():
        event(f"mission {m['status']}")
        if m["strength"] is not None:
            event("a mission's strength" + (", disputed" if m["strength"]["disputed"] else ""))
        for c in m["contingents"].values():
            event(f"contingent {c['status']}")
            if c["strength"] is not None:
                event("a contingent's strength" + (", disputed" if c["strength"]["disputed"] else ""))
        if m["withdrawal"] is not None:
            event("a withdrawal with deadlines" if m["withdrawal"]["complete_by"] else "a withdrawal")
    for state in doc["states"].values():
        if state["government"] is not None:
            event(f"government {state['government']['status']}")
        for office in state["offices"].values():
            if office["person"] is None:
                event("a vacant office")
            elif len(office["facts"]) > 1:
                event("an office held on through a dismissal")
            if "stands_in_for" in office:
                event("an interim stands in")


def _diff(as_of: date | str, n: int, actual: dict[str, Any], expected: dict[str, Any]) -> str:
    lines = [f"replay as of {as_of!r} knowing {n} entries differs from the reference fold"]
    for part in ("as_of", "ledger", "states", "missions", "actors"):
        a, b = actual.get(part), expected.get(part)
        if a != b:
            if isinstance(a, dict) and isinstance(b, dict):
                for key in sorted(set(a) | set(b)):
                    if a.get(key) != b.get(key):
                        lines.append(
                            f"  {part}.{key}:\n    ledger:    {a.get(key)}\n    reference: {b.get(key)}"
                        )
            else:
                lines.append(f"  {part}:\n    ledger:    {a}\n    reference: {b}")
    return "\n".join(lines)


LedgerMachine.TestCase.settings = settings(max_examples=EXAMPLES, stateful_step_count=STEPS, print_blob=True)
TestLedgerMachine = pytest.mark.slow(LedgerMachine.TestCase)
