"""Answers that carry a receipt (contract section 13), and `check`, which makes one again.

The registry. `COMMANDS` maps each command whose `--json` document carries a receipt to the
options that may shape its answer and to its answer: a plan that makes the document (without its
receipt) from a `Facts`, the facts known to the first N entries folded in replay order. The same
answer runs on the replay index for the command (`Indexed`) and on entries re-hashed from their
stored bytes for `check` (`Verified`), so the two cannot drift apart. A command registers itself
with one line in `COMMANDS`: `"audit promises": Command(("mission", "state"), _promises)`, where
`_promises(question, facts)` folds its projection with `facts.fold` and returns its document; its
`Ledger` method runs `answer("audit promises", day, n, options)`, and the CLI prints the document
with `cli.output.write_receipted("audit promises", document, mission=..., state=...)`. An option
that shapes a document (a `replay --state` that narrows the JSON, say) is added to `Query` in
`ledger.receipts` and to the command's options here, and applied in its answer.

How `check` re-reads, and why an altered ledger never confirms an answer. The receipt's root is
the one value `check` trusts: it commits to the exact stored bytes of the first N entries.

1. Entries (one pass in recording order, a page at a time): each entry's leaf hash is computed
   from its stored bytes, as `verify` does, and the root of those leaves is rebuilt leaf by leaf
   (a compact range). Nothing stored about the tree (leaf column, nodes, checkpoints) is used, so
   the only way to get the receipt's root is to hold the very bytes it was made from. The same
   bytes are decoded; from each fact come its effective day (parsed again from `occurred`), its
   rank, the corrections it makes, and the SHA-256 of the replay index row the import wrote for
   it (effective day, rank, seq, id, type, msgpack payload), kept in a byte array: 32 bytes an
   entry, plus 5 for its day and rank. Nothing else is kept: no fact stays in memory.
2. The fold (one range scan of the replay index in replay order, as replay does): every row of
   an entry below N must hash to what step 1 expects for its seq, come once, and come in strictly
   increasing (effective day, rank, seq); afterwards every entry step 1 expects within the fold
   (its day on or before the as-of day, its rank read) must have come. So the fold sees exactly
   the facts of the verified entries, in replay order, decoded from bytes equal to what the import
   derived from them. The corrections it hides come from step 1, never from the index columns.
   A row that differs is an altered ledger: `check` fails, naming the entry.
3. Projection snapshots are never read: the fold starts from nothing.

So an altered entry changes the root (step 1); an altered, missing or extra replay index row, or
one out of order, stops the fold (step 2); an altered snapshot is not read. Cost: the time of
`verify`'s entry pass plus one full replay (measured in docs/verifiable-log.md), memory 37 bytes an
entry. Collisions of SHA-256 aside, what `check` confirms is the answer its receipt describes.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, NamedTuple, Protocol

import msgspec

from ledger import merkle
from ledger.dates import parse_date
from ledger.errors import BadInput, LedgerCorrupt, UsageError
from ledger.facts import AnyFact, FactRetracted, replay_day
from ledger.log.compact import CompactRange
from ledger.reading import log
from ledger.reading.args import known_mission, mission_slug, state_code
from ledger.reading.entries import corrected, size
from ledger.reading.plans import Plan, Query
from ledger.reading.replay import select
from ledger.receipts import PARAM, CheckReport, Failure, Given, Receipt, digest
from ledger.replay.codec import FACT_DECODERS, VIEW_DECODERS, index_payload
from ledger.replay.loop import Loop
from ledger.storage import sql
from ledger.storage.checks import Row
from ledger.storage.events import decode_entry
from projections import conflicts
from projections.conflicts import ConflictsDocument
from projections.fold import Projection
from projections.promises import Promises, PromisesDocument
from projections.world import World

Apply = Callable[[Any, date], None]


class Facts(Protocol):
    """The facts known to the first `size` entries, as an answer folds them."""

    size: int

    def fold(self, apply: Apply, upto: int, *, skip: tuple[int, ...] = (), whole: bool = False) -> Plan[None]:
        """Feed `apply` every fact replay folds up to day ordinal `upto`, in replay order, less
        the corrected ones and those of the ranks in `skip`: as views (`ledger.replay.views`), or
        with `whole`, as whole facts with their sources."""
        ...

    def root(self) -> Plan[str]:
        """The Merkle root of the first `size` entries, in hex."""
        ...


class Question(NamedTuple):
    """A receipt's query, parsed: the command, the as-of day, the size, the options given (one
    value, or a list of several: `ledger.receipts.option`)."""

    command: str
    day: date
    size: int
    options: Mapping[str, str | list[str]]


Answer = Callable[[Question, Facts], Plan[Any]]


class Command(NamedTuple):
    options: tuple[str, ...]  # the options that may shape its answer (in the query when given)
    answer: Answer  # the document without its receipt, made from the facts


def _replay(q: Question, facts: Facts) -> Plan[World]:
    """`replay --json` (contract section 5), limited to `--state` when given."""
    projection = Projection()
    yield from facts.fold(projection.apply, q.day.toordinal(), skip=Projection.IGNORES)
    world = projection.world(q.day, q.size, (yield from facts.root()))
    states = q.options.get("state")
    return world if states is None else select(world, _values(states))


def _promises(q: Question, facts: Facts) -> Plan[PromisesDocument]:
    """`audit promises --json` (contract section 12), limited to `--mission` and `--state` when
    given; a mission that does not exist on the as-of day is a UsageError naming `mission`."""
    fold = Promises()
    yield from facts.fold(fold.apply, q.day.toordinal(), skip=Promises.IGNORES)
    root = yield from facts.root()
    missions = _option(q, "mission")
    for mission in sorted(missions or ()):
        known_mission(mission, fold.missions(), on=q.day)
    return fold.document(q.day, q.size, root, missions=missions, states=_option(q, "state"))


def _conflicts(q: Question, facts: Facts) -> Plan[ConflictsDocument]:
    """`audit conflicts --json` (contract section 12): every disputed `strength` on the day."""
    projection = Projection()
    yield from facts.fold(projection.apply, q.day.toordinal(), skip=Projection.IGNORES)
    world = projection.world(q.day, q.size, (yield from facts.root()))
    return conflicts.document(world, projection.actors)


COMMANDS: dict[str, Command] = {
    "replay": Command(("state",), _replay),
    "audit promises": Command(("mission", "state"), _promises),
    "audit conflicts": Command((), _conflicts),
}


def _values(value: str | list[str]) -> frozenset[str]:
    return frozenset([value] if isinstance(value, str) else value)


def _option(q: Question, name: str) -> frozenset[str] | None:
    value = q.options.get(name)
    return None if value is None else _values(value)


# How each option's values are checked when a receipt is read (a bad one is exit 2, naming it).
_OPTION_VALUES: dict[str, Callable[[str, str], object]] = {"state": state_code, "mission": mission_slug}


def _loop(apply: Apply, n: int, hidden: set[str], whole: bool) -> Loop[Any]:
    if whole:
        return Loop(FACT_DECODERS, n, hidden, apply=apply)
    return Loop(VIEW_DECODERS, n, hidden, apply=apply)


_FIRST = sql.FIRST_KEY  # before every row of the replay index, descriptions' day 0 included


def _next_key(rows: list[Any]) -> tuple[int, int, int] | None:
    if len(rows) < sql.PAGE:
        return None
    seq, _, _, effective, _, rank = rows[-1]
    return (effective, rank, seq)


class Indexed:
    """The facts as replay reads them: the replay index, the corrections the index rows name."""

    def __init__(self, size_: int) -> None:
        self.size = size_

    def fold(self, apply: Apply, upto: int, *, skip: tuple[int, ...] = (), whole: bool = False) -> Plan[None]:
        loop = _loop(apply, self.size, (yield from corrected(self.size)), whole)
        key: tuple[int, int, int] | None = _FIRST
        while key is not None:
            rows = yield Query(sql.replay(skip), (*key, upto, sql.PAGE))
            loop.feed(rows)
            key = _next_key(rows)

    def root(self) -> Plan[str]:
        return (yield from log.root(self.size)).hex()


def answer(
    command: str, day: date, n: int, options: Mapping[str, str | list[str]] | None = None
) -> Plan[Any]:
    """A registered command's document (without its receipt), answered from the replay index."""
    q = Question(command, day, n, dict(options or {}))
    return (yield from COMMANDS[command].answer(q, Indexed(n)))


# check


_ROW = msgspec.msgpack.Encoder()
_NONE = bytes(32)


def _row_hash(effective: Any, rank: Any, seq: Any, fact_id: Any, type_: Any, payload: Any) -> bytes:
    """The SHA-256 of a replay index row (msgpack of its values, each of its own type)."""
    return hashlib.sha256(_ROW.encode((effective, rank, seq, fact_id, type_, payload))).digest()


class Altered(LedgerCorrupt):
    """The replay index does not hold exactly the verified entries' facts."""


class Verified:
    """The first `size` entries, re-hashed from their stored bytes (`read`), and their facts folded
    from replay index rows each checked against those entries (`fold`); see the module's doc."""

    def __init__(self, size_: int) -> None:
        self.size = size_
        self.leaves_root: bytes | None = None  # the root of the stored bytes; None: some missing
        self.missing: str | None = None  # why there is no root
        self.unreadable: LedgerCorrupt | None = None  # the first entry whose fact cannot be read
        self.mismatch: int | None = None  # the first entry whose bytes differ from its stored leaf
        self.hidden: set[str] = set()  # the facts corrected by these entries
        self._rows = bytearray(32 * size_)  # each entry's replay index row hash (zero: none)
        self._days = array("i", bytes(4 * size_))  # each entry's effective day
        self._ranks = array("i", bytes(4 * size_))  # and its type's rank

    def read(self) -> Plan[None]:
        """Step 1: every entry, in recording order, a page at a time."""
        tree, days, seq, n = CompactRange(), dict[str, int](), 0, self.size
        while seq < n:
            rows = yield Query(sql.ENTRIES, (seq, n, sql.PAGE))
            for raw in rows:
                row = Row(*raw)
                if row.seq != seq:
                    self.missing = f"entry {seq} is missing"
                    return
                state = row.state
                if not isinstance(state, bytes):
                    self.missing = f"entry {seq} ({row.fact_id}): its stored event is missing"
                    return
                leaf = merkle.leaf_hash(state)
                tree.append(leaf)
                if self.mismatch is None and row.leaf != leaf:
                    self.mismatch = seq
                if self.unreadable is None:
                    try:
                        self._expect(seq, decode_entry(row.topic, state).fact, days)
                    except LedgerCorrupt as e:
                        self.unreadable = LedgerCorrupt(e.message, seq, row.fact_id)
                seq += 1
            if len(rows) < sql.PAGE:
                break
        if seq < n:
            self.missing = f"entry {seq} is missing"
            return
        self.leaves_root = tree.root()

    def _expect(self, seq: int, fact: AnyFact, days: dict[str, int]) -> None:
        effective = days.get(fact.occurred)
        if effective is None:
            try:
                effective = days[fact.occurred] = parse_date(fact.occurred).effective.toordinal()
            except ValueError as e:
                raise LedgerCorrupt(f"its date cannot be read: {e}") from None
        effective = replay_day(fact.TYPE, effective)  # 0 for a description: knowledge
        self._days[seq], self._ranks[seq] = effective, fact.RANK
        corrects = fact.target if isinstance(fact, FactRetracted) else fact.supersedes
        if corrects is not None:
            self.hidden.add(corrects)
        payload = index_payload(fact)  # what the import wrote for it
        if payload is not None:
            row = _row_hash(effective, fact.RANK, seq, fact.fact_id, fact.TYPE, payload)
            self._rows[32 * seq : 32 * seq + 32] = row

    def fold(self, apply: Apply, upto: int, *, skip: tuple[int, ...] = (), whole: bool = False) -> Plan[None]:
        """Step 2: the fold, from index rows checked against step 1."""
        n, expected, seen = self.size, self._rows, bytearray(self.size)
        loop = _loop(apply, n, self.hidden, whole)
        last: tuple[int, int, int] = (-1, -1, -1)
        key: tuple[int, int, int] | None = _FIRST
        while key is not None:
            rows = yield Query(sql.replay(skip), (*key, upto, sql.PAGE))
            for seq, fact_id, type_, effective, payload, rank in rows:
                if type(seq) is not int or type(effective) is not int or type(rank) is not int:
                    raise Altered("its copy in the replay index was altered", seq, fact_id)
                if (effective, rank, seq) <= last:
                    raise Altered("the replay index is not in replay order: it was altered", seq, fact_id)
                last = (effective, rank, seq)
                if seq >= n:
                    continue  # recorded after the answer's entries: the loop skips it
                if seq < 0 or seen[seq]:
                    raise Altered("the replay index holds this entry twice: it was altered", seq, fact_id)
                want = expected[32 * seq : 32 * seq + 32]
                try:
                    same = want != _NONE and _row_hash(effective, rank, seq, fact_id, type_, payload) == want
                except (TypeError, ValueError):
                    same = False
                if not same:
                    raise Altered("its copy in the replay index differs from the entry", seq, fact_id)
                seen[seq] = 1
            loop.feed(rows)
            key = _next_key(rows)
        self._all_seen(seen, upto, set(skip))

    def _all_seen(self, seen: bytearray, upto: int, skip: set[int]) -> None:
        """Every entry the fold should have met was met (those it met were all expected)."""
        expected, days, ranks = self._rows, self._days, self._ranks
        want = [
            seq
            for seq in range(self.size)
            if days[seq] <= upto and ranks[seq] not in skip and expected[32 * seq : 32 * seq + 32] != _NONE
        ]
        if len(want) == seen.count(1):
            return
        seq = next(seq for seq in want if not seen[seq])
        raise Altered("its copy in the replay index is missing", seq)

    def root(self) -> Plan[str]:
        assert self.leaves_root is not None
        return self.leaves_root.hex()
        yield  # a plan that needs no query


def _bad(path: str, reason: str) -> UsageError:
    return UsageError(f"{path}: {reason}", param=PARAM)


def question(made: Receipt) -> tuple[Command, Question]:
    """The registered command and the question of a receipt, or UsageError naming its path."""
    q = made.query
    command = COMMANDS.get(q.command)
    if command is None:
        known = ", ".join(repr(c) for c in COMMANDS)
        raise _bad("$.receipt.query.command", f"{q.command!r} is not a command with receipts ({known})")
    options = q.options()
    for name, value in options.items():
        if name not in command.options:
            raise _bad(f"$.receipt.query.{name}", f"`{q.command}` takes no {name}")
        check_value = _OPTION_VALUES.get(name)
        for i, one in enumerate([value] if isinstance(value, str) else value):
            try:
                if check_value is not None:
                    check_value(one, name)
            except UsageError as e:
                at = f"$.receipt.query.{name}" + ("" if isinstance(value, str) else f"[{i}]")
                raise _bad(at, f"{one!r}: {e.reason}") from None
    return command, Question(q.command, date.fromisoformat(q.as_of), made.size, options)


def _disagreement(body: Mapping[str, Any], made: Receipt) -> str | None:
    """Where the document's body says something else than its receipt about what it answers."""
    ledger = body.get("ledger")
    pairs: list[tuple[str, Any, Any]] = [("$.as_of", body.get("as_of", made.query.as_of), made.query.as_of)]
    if isinstance(ledger, Mapping):
        pairs += [
            ("$.ledger.size", ledger.get("size", made.size), made.size),
            ("$.ledger.root", ledger.get("root", made.root), made.root),
        ]
    for path, said, receipt_says in pairs:
        if said != receipt_says:
            return f"{path} is {said!r}, its receipt's {receipt_says!r}"
    return None


def check(given: Given) -> Plan[CheckReport]:
    """Answer a receipt's query again from the first N entries, re-hashed, and compare."""
    made = given.receipt
    command, q = question(made)
    n = made.size
    have = yield from size()
    if n > have:
        raise _bad("$.receipt.size", f"{n} entries: beyond the ledger, which has {have}")
    facts = Verified(n)
    yield from facts.read()
    root = None if facts.leaves_root is None else facts.leaves_root.hex()
    new: str | None = None
    cannot: str | None = None  # why the ledger cannot answer from the entries
    another: str | None = None  # the error the answer now is
    if facts.unreadable is not None:
        cannot = str(facts.unreadable)
    elif root is not None:
        try:
            new = digest((yield from command.answer(q, facts)))
        except LedgerCorrupt as e:
            cannot = str(e)
        except BadInput as e:
            another = str(e)

    failed: list[Failure] = []
    said: list[str] = []
    body = digest(given.body)
    disagreement = _disagreement(given.body, made)
    if disagreement is not None:
        # Its receipt describes another question or ledger than its body answers: nothing the
        # receipt says can be trusted to compare with.
        failed.append("document")
        said.append(f"the document was edited after it was made: {disagreement}")
    else:
        if root != made.root:
            failed.append("entries")
            why = facts.missing or (
                f"entry {facts.mismatch}'s stored bytes do not match its stored Merkle leaf"
                if facts.mismatch is not None
                else None
            )
            found = f"their root is {root}" if root is not None else "they cannot all be read"
            said.append(
                f"the ledger's first {n} entries are not those the answer was made from: {found}, "
                f"the receipt's is {made.root}" + (f" ({why})" if why else "")
            )
        elif cannot is not None:
            failed.append("ledger")
            said.append(
                f"the ledger's first {n} entries are those the answer was made from, but the ledger "
                f"can no longer answer from them: {cannot}"
            )
        elif another is not None or new != made.digest:
            failed.append("answer")
            now = f"the answer is now an error: {another}" if another else f"its digest is {new}"
            said.append(f"the same entries now give another answer: {now}, the receipt's {made.digest}")
        if body != made.digest:
            failed.append("document")
            said.append(
                f"the document was edited after it was made: its body's digest is {body}, "
                f"the receipt's {made.digest}"
            )
    if not failed:
        message = (
            f"the ledger's first {n} entries have the receipt's root {root} and give the same "
            f"answer again, digest {new}; the document is as it was made"
        )
        return CheckReport(True, n, root, new, message)
    return CheckReport(False, n, root, new, "; ".join(said), tuple(failed))
