"""Planning an import, chunk by chunk: which lines are new, which are already there (the same
bytes, or an error), and what each corrects, checked against the ledger and against the
earlier chunks of the same import.

An import stops at its first bad line. A dry run (`Problems`) plans every line instead, keeping
every bad one, the checking's and the planning's, in input order: a bad line is left out of
the plan, so the lines after it are planned as if it were not there."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Protocol

from ledger.errors import FactError
from ledger.facts import FactRetracted, replay_day
from ledger.importing.check import Chunk
from ledger.storage.checks import Row
from ledger.storage.events import Correction, CorrectionState, entry_bytes
from ledger.storage.writer import Batch, NewEntry

RETRACTED = FactRetracted.TYPE


class Known(Protocol):
    """What the planner asks of the ledger it plans for."""

    def find(self, fact_ids: Sequence[str]) -> dict[str, Row]:
        """The stored entries among `fact_ids`."""

    def corrections(self, fact_ids: Sequence[str]) -> dict[str, CorrectionState]:
        """Which of `fact_ids` have been retracted or superseded, and by what."""


class Problems:
    """A dry run's bad lines: the first `keep` of them, in input order, and how many in all."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.kept: list[FactError] = []
        self.found = 0

    def add(self, chunk_errors: list[tuple[int, FactError]]) -> None:
        """One chunk's errors (any order within it; chunks come in input order)."""
        self.found += len(chunk_errors)
        room = self.keep - len(self.kept)
        if room > 0:
            chunk_errors.sort(key=lambda item: (item[0], item[1].line))
            self.kept.extend(e for _, e in chunk_errors[:room])

    @property
    def more(self) -> int:
        return self.found - len(self.kept)


class Planner:
    """Plans an import chunk by chunk: which lines are new, which are already there, and what
    each corrects. It remembers what the earlier chunks of the same import add. With
    `problems`, bad lines are kept there and left out of the plan instead of stopping it."""

    def __init__(
        self,
        known: Known,
        sources: Sequence[str],
        progress: Callable[[int], None] | None = None,
        problems: Problems | None = None,
    ) -> None:
        self._known = known
        self._sources = sources
        self._progress = progress
        self._problems = problems
        self._new: dict[str, NewEntry] = {}
        self._already: dict[str, tuple[Correction, str]] = {}
        self.appended = 0
        self.unchanged = 0

    def batches(self, chunks: Iterable[Chunk]) -> Iterator[Batch]:
        for chunk in chunks:
            yield self.plan(chunk)
            if chunk.refused is not None:
                r = chunk.refused
                raise FactError(self._sources[chunk.input], r.line, r.path, r.message)

    def plan(self, chunk: Chunk) -> Batch:
        items, source = chunk.lines, self._sources[chunk.input]
        targets = [t for p in items if (t := p.target) is not None]
        found = self._known.find([p.fact_id for p in items] + targets)
        self._already.update((fid, (c.how, c.by)) for fid, c in self._known.corrections(targets).items())
        batch = Batch([], [], None)
        touched: list[int] = []
        errors = [(chunk.input, FactError(source, r.line, r.path, r.message)) for r in chunk.problems]
        new, entries = self._new, batch.entries
        for p in items:
            fid = p.fact_id
            if p.target is None and fid not in new and fid not in found:
                new[fid] = p  # by far the commonest line: a new fact that corrects nothing
                entries.append(p)
                continue
            try:
                self._plan_one(source, p, found, batch, touched)
            except FactError as e:
                if self._problems is None:
                    raise
                errors.append((chunk.input, e))
        if self._problems is not None:
            self._problems.add(errors)
        # The day each new fact sorts under in the replay index (0 for a description, which every
        # snapshot holds): from the earliest of them and of the facts they correct, snapshots go.
        days = (replay_day(e.type, e.effective) for e in entries if e.packed is not None)
        batch.earliest = min(itertools.chain(touched, days), default=None)
        self.appended += len(entries)
        if self._progress is not None:
            self._progress(chunk.size)
        return batch

    def _plan_one(
        self, source: str, p: NewEntry, found: dict[str, Row], batch: Batch, touched: list[int]
    ) -> None:
        """Plan one line: unchanged, or new (with what it corrects); a FactError, and nothing
        remembered of it, when it cannot be."""
        already, new = self._already, self._new
        fid = p.fact_id
        if fid in found or fid in new:
            same = _stored_as(found[fid], p.fact) if fid in found else new[fid].fact == p.fact
            if not same:  # the same id: the same bytes, or other content
                raise FactError(source, p.line, "$.id", f"fact {fid!r} exists with other content")
            self.unchanged += 1
            return
        if p.target is not None:
            how: Correction = "retracted" if p.type == RETRACTED else "superseded"
            target = found.get(p.target) or new.get(p.target)
            _check_target(source, p, p.target, how, target, already)
            assert target is not None  # `_check_target` refuses a target that is not there
            already[p.target] = (how, fid)
            batch.corrections.append((p.target, fid, how))
            touched.append(replay_day(target.type, target.effective))
        new[fid] = p
        batch.entries.append(p)


def _stored_as(row: Row, fact: bytes) -> bool:
    """Whether the entry holds exactly this fact: its stored bytes are the fact's own, wrapped
    with its recording time (`find` checked them against the entry's index row and leaf)."""
    return row.state == entry_bytes(fact, row.recorded_at)


def _check_target(
    source: str,
    item: NewEntry,
    name: str,
    how: Correction,
    target: Row | NewEntry | None,
    already: Mapping[str, tuple[Correction, str]],
) -> None:
    path = "$.target" if how == "retracted" else "$.supersedes"

    def fail(message: str) -> FactError:
        return FactError(source, item.line, path, message)

    if target is None:
        raise fail(f"no fact {name!r} is recorded before this one")
    if target.type == RETRACTED:
        raise fail(f"{name!r} is a FactRetracted, which cannot be retracted or superseded")
    if name in already:
        was, by = already[name]
        raise fail(f"{name!r} was already {was} by {by!r}; a fact is corrected once")
