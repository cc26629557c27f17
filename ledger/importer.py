"""Checking and planning an import: which lines are new, which are already there, and what
each corrects.

Lines are checked a chunk at a time, in a second process when the input is
large (`prepared_chunks`), and each chunk is planned and written into one
transaction that commits only after the last line: an import is all or
nothing, and the first mistake raises `FactError` and rolls everything back.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from multiprocessing.connection import Connection

import msgspec

from ledger.codes import state_codes
from ledger.domain import Correction, aggregate_id, corrected
from ledger.errors import FactError, StoreError
from ledger.facts import FactRetracted
from ledger.mapper import entry_bytes
from ledger.replay.codec import pack
from ledger.store import Row, Store
from ledger.validation import parse_line, read_lines
from ledger.writer import Batch, NewEntry

CHUNK = 8192  # lines checked before they are planned and written
FIRST_CHUNK = 512  # a small first one, so that writing starts soon
PARALLEL_BYTES = 4 << 20  # inputs at least this large are checked in a second process
RETRACTED = FactRetracted.TYPE


class Refusal(msgspec.Struct, frozen=True, array_like=True):
    line: int
    path: str
    message: str


class Chunk(msgspec.Struct, frozen=True, array_like=True):
    """Consecutive lines of one input, checked; `refused`: the line after them is wrong."""

    input: int  # which input (its name may not even be UTF-8: it never goes through the pipe)
    lines: list[NewEntry]
    size: int  # bytes of input the chunk covers, for progress
    refused: Refusal | None = None


def prepare(raw: bytes, source: str, number: int) -> NewEntry:
    checked = parse_line(raw, source, number)
    fact = checked.fact
    fid, retracts = fact.fact_id, isinstance(fact, FactRetracted)
    return NewEntry(
        number,
        fid,
        fact.TYPE,
        fact.RANK,
        checked.occurred.effective.toordinal(),
        fact.target if isinstance(fact, FactRetracted) else fact.supersedes,
        checked.stored,
        None if retracts else pack(fact),
        aggregate_id(fid),
    )


def check_chunks(inputs: Iterable[tuple[str, bytes]]) -> Iterator[Chunk]:
    """Every line of every input checked, `CHUNK` lines at a time; the chunk holding a bad line
    ends just before it, with the refusal. The chunks of an input cover all of its bytes."""
    for index, (source, data) in enumerate(inputs):
        lines: list[NewEntry] = []
        size = covered = 0
        limit = min(FIRST_CHUNK, CHUNK)
        for number, raw in read_lines(data):
            try:
                lines.append(prepare(raw, source, number))
            except FactError as e:
                yield Chunk(index, lines, size, Refusal(e.line, e.path, e.message))
                return
            size += len(raw) + 1
            if len(lines) == limit:
                size = min(size, len(data) - covered)  # the last line may have no newline
                yield Chunk(index, lines, size)
                covered += size
                lines, size, limit = [], 0, CHUNK
        yield Chunk(index, lines, len(data) - covered)


def prepared_chunks(inputs: Sequence[tuple[str, bytes]], parallel: bool | None = None) -> Iterator[Chunk]:
    """`check_chunks`, in a second process when the inputs are large (on Linux, where it forks),
    so that checking the next chunk overlaps planning and writing this one. `parallel` forces
    the choice. Chunks come back in order, encoded with msgpack: nothing is unpickled."""
    if parallel is None:
        parallel = sum(len(d) for _, d in inputs) >= PARALLEL_BYTES and _can_fork()
    if not parallel:
        yield from check_chunks(inputs)
        return
    state_codes()  # loaded before the fork, not once per worker
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_check_in_worker, args=(inputs, sender, receiver), daemon=True)
    try:
        worker.start()
    except OSError:  # no process to be had (EAGAIN, ENOMEM): check here, as for a small input
        receiver.close()
        sender.close()
        yield from check_chunks(inputs)
        return
    sender.close()
    decoder = msgspec.msgpack.Decoder(Chunk)
    try:
        while True:
            try:
                data = receiver.recv_bytes()
            except EOFError:
                raise StoreError("the process checking the input stopped; nothing was written") from None
            if not data:
                return
            yield decoder.decode(data)
    finally:
        receiver.close()
        if worker.is_alive():
            worker.kill()
        worker.join()


def _can_fork() -> bool:
    """Fork only where it is safe and cheap: on Linux, from a process that is not itself a
    daemonic worker, and with no other thread running (a lock another thread holds at the fork
    would stay held in the child forever; `AsyncLedger` imports from a worker thread)."""
    return (
        sys.platform.startswith("linux")
        and not multiprocessing.current_process().daemon
        and threading.active_count() == 1
    )


def _check_in_worker(inputs: Sequence[tuple[str, bytes]], sender: Connection, receiver: Connection) -> None:
    # The fork copied the reading end too: closed here, the importer's end is the only one, so
    # if the importer dies the next send fails (EPIPE) and this process ends instead of blocking.
    receiver.close()
    encoder = msgspec.msgpack.Encoder()
    try:
        for chunk in check_chunks(inputs):
            sender.send_bytes(encoder.encode(chunk))
        sender.send_bytes(b"")
    except (BrokenPipeError, KeyboardInterrupt):
        pass  # the importer stopped listening, or was interrupted: it rolls back
    except BaseException:
        os._exit(1)
    finally:
        sender.close()


class Planner:
    """Plans an import chunk by chunk: which lines are new, which are already there, and what
    each corrects. It remembers what the earlier chunks of the same import add."""

    def __init__(
        self, store: Store, sources: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> None:
        self._store = store
        self._sources = sources
        self._progress = progress
        self._new: dict[str, NewEntry] = {}
        self._days: dict[str, int] = {}
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
        found = self._store.find([p.fact_id for p in items] + targets)
        days, already, new = self._days, self._already, self._new
        days.update((fid, row.effective) for fid, row in found.items())
        already.update((fid, (c.how, c.by)) for fid, c in self._store.corrections(targets).items())
        batch = Batch([], [], None)
        touched: list[int] = []
        for p in items:
            fid = p.fact_id
            if fid in found or fid in new:
                same = _stored_as(found[fid], p.fact) if fid in found else new[fid].fact == p.fact
                if not same:  # the same id: the same bytes, or other content
                    raise FactError(source, p.line, "$.id", f"fact {fid!r} exists with other content")
                self.unchanged += 1
                continue
            if p.target is not None:
                how: Correction = "retracted" if p.type == RETRACTED else "superseded"
                _check_target(source, p, p.target, how, found.get(p.target) or new.get(p.target), already)
                already[p.target] = (how, fid)
                batch.corrections.append(corrected(p.target, fid, how))
                touched.append(days[p.target])
            new[fid], days[fid] = p, p.effective
            if p.packed is not None:
                touched.append(p.effective)
            batch.entries.append(p)
        batch.earliest = min(touched, default=None)
        self.appended += len(batch.entries)
        if self._progress is not None:
            self._progress(chunk.size)
        return batch


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
