"""Checking an import's lines, a chunk at a time, in a second process when the input is large
(`prepared_chunks`): each line becomes a `NewEntry` ready to write, or the chunk ends with the
refusal of its first bad line; or, for a dry run (`keep_going`), every bad line is kept as a
refusal and the checking goes on. A file that is not JSON Lines in UTF-8 at all (UTF-16,
pretty-printed JSON, a JSON array) is refused once, as a whole (`ledger.hints.file_problem`).
`ledger.importing.plan` then plans each chunk against what the ledger holds, and the store
writes it (`ledger.storage.writer`), all in one transaction."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import struct
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from multiprocessing.connection import Connection

import msgspec

from ledger.codes import state_codes
from ledger.errors import FactError, StoreError
from ledger.facts import FactRetracted
from ledger.hints import file_problem
from ledger.merkle import leaf_hash
from ledger.replay.codec import index_payload
from ledger.storage.events import aggregate_id, entry_bytes
from ledger.storage.writer import NewEntry
from ledger.validation import parse_line, read_lines

CHUNK = 8192  # lines checked before they are planned and written
FIRST_CHUNK = 512  # a small first one, so that writing starts soon
PARALLEL_BYTES = 4 << 20  # inputs at least this large are checked in a second process
PIPE_BYTES = 1 << 20  # the pipe's buffer (Linux's default is 64 KiB): a chunk in a few reads


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
    problems: list[Refusal] = msgspec.field(default_factory=list)  # a dry run's bad lines, in order


def prepare(raw: bytes, source: str, number: int, stamp: str | None = None) -> NewEntry:
    """One line, checked; with `stamp` (the recording time the import expects to write), also
    its stored event's aggregate id and bytes and its Merkle leaf hash, so that the writer
    encodes and hashes nothing."""
    checked = parse_line(raw, source, number)
    fact = checked.fact
    # `fact.id`, not the `fact_id` property: a property is a call from C back into Python, measured
    # at about 1.7% of the checking's instructions.
    fid, type_, stored = fact.id, fact.TYPE, checked.stored
    assert fid is not None  # every fact that left `ledger.validation` has one
    aggregate = state = leaf = None
    if stamp is not None:
        aggregate, state = aggregate_id(fid), entry_bytes(stored, stamp)
        leaf = leaf_hash(state)
    return NewEntry(
        number,
        fid,
        type_,
        fact.RANK,
        checked.occurred.effective.toordinal(),
        fact.target if isinstance(fact, FactRetracted) else fact.supersedes,
        stored,
        index_payload(fact),
        aggregate=aggregate,
        state=state,
        leaf=leaf,
    )


def check_chunks(
    inputs: Iterable[tuple[str, bytes]], keep_going: bool = False, stamp: str | None = None
) -> Iterator[Chunk]:
    """Every line of every input checked, `CHUNK` lines at a time; the chunk holding a bad line
    ends just before it, with the refusal. With `keep_going` (a dry run), bad lines are kept in
    their chunk's `problems` instead, and every line of every input is checked. The chunks of an
    input cover all of its bytes. With `stamp`, each entry also carries its stored event and leaf
    hash for that recording time (`prepare`)."""
    for index, (source, data) in enumerate(inputs):
        whole = file_problem(data)
        if whole is not None:
            refusal = Refusal(whole[0], "$", whole[1])
            if not keep_going:
                yield Chunk(index, [], 0, refusal)
                return
            yield Chunk(index, [], len(data), problems=[refusal])
            continue
        lines: list[NewEntry] = []
        problems: list[Refusal] = []
        size = covered = count = 0  # count: lines checked in this chunk, good or bad
        limit = min(FIRST_CHUNK, CHUNK)
        for number, raw in read_lines(data):
            try:
                lines.append(prepare(raw, source, number, stamp))
            except FactError as e:
                if not keep_going:
                    yield Chunk(index, lines, size, Refusal(e.line, e.path, e.message))
                    return
                problems.append(Refusal(e.line, e.path, e.message))
            size += len(raw) + 1
            count += 1
            if count == limit:
                size = min(size, len(data) - covered)  # the last line may have no newline
                yield Chunk(index, lines, size, problems=problems)
                covered += size
                lines, problems, size, limit, count = [], [], 0, CHUNK, 0
        yield Chunk(index, lines, len(data) - covered, problems=problems)


def prepared_chunks(
    inputs: Sequence[tuple[str, bytes]],
    parallel: bool | None = None,
    *,
    keep_going: bool = False,
    stamp: str | None = None,
) -> Iterator[Chunk]:
    """`check_chunks`, in a second process when the inputs are large (on Linux, where it forks),
    so that checking the next chunk overlaps planning and writing this one. `parallel` forces
    the choice. Chunks come back in order, encoded with msgpack: nothing is unpickled."""
    if parallel is None:
        parallel = sum(len(d) for _, d in inputs) >= PARALLEL_BYTES and _can_fork()
    if not parallel:
        yield from check_chunks(inputs, keep_going, stamp)
        return
    state_codes()  # loaded before the fork, not once per worker
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    # A larger buffer where Linux grants one (`fcntl` is POSIX only, F_SETPIPE_SZ Linux only:
    # imported here, so that importing this module works everywhere).
    with contextlib.suppress(ImportError, OSError, AttributeError):
        import fcntl

        fcntl.fcntl(sender.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    worker = context.Process(
        target=_check_in_worker, args=(inputs, sender, receiver, keep_going, stamp), daemon=True
    )
    try:
        worker.start()
    except OSError:  # no process to be had (EAGAIN, ENOMEM): check here, as for a small input
        receiver.close()
        sender.close()
        yield from check_chunks(inputs, keep_going, stamp)
        return
    sender.close()
    decoder = msgspec.msgpack.Decoder(Chunk)
    buffer = bytearray()
    try:
        while True:
            size = _message_size(receiver.fileno())
            if not size:
                return
            if len(buffer) < size:
                buffer = bytearray(size)
            with memoryview(buffer)[:size] as data:
                _read_into(receiver.fileno(), data)
                yield decoder.decode(data)
    finally:
        receiver.close()
        if worker.is_alive():
            worker.kill()
        worker.join()


def _message_size(fd: int) -> int:
    """The size of the next message `Connection.send_bytes` wrote to the pipe `fd` (its header:
    a signed 32-bit size, or -1 and then a 64-bit one)."""
    header = bytearray(4)
    _read_into(fd, memoryview(header))
    (size,) = struct.unpack("!i", header)
    if size == -1:
        header = bytearray(8)
        _read_into(fd, memoryview(header))
        (size,) = struct.unpack("!Q", header)
    return int(size)


def _read_into(fd: int, view: memoryview) -> None:
    """Fill `view` from the pipe `fd`, straight into it (`Connection.recv_bytes` reads a large
    message 64 KiB at a time, each read into a new buffer of the whole remaining size, then
    copies the pieces together)."""
    while view:
        got = os.readv(fd, [view])
        if not got:
            raise StoreError("the process checking the input stopped; nothing was written")
        view = view[got:]


def _can_fork() -> bool:
    """Fork only where it is safe and cheap: on Linux, from a process that is not itself a
    daemonic worker, and with no other thread running (a lock another thread holds at the fork
    would stay held in the child forever; `AsyncLedger` imports from a worker thread)."""
    return (
        sys.platform.startswith("linux")
        and not multiprocessing.current_process().daemon
        and threading.active_count() == 1
    )


def _check_in_worker(
    inputs: Sequence[tuple[str, bytes]],
    sender: Connection,
    receiver: Connection,
    keep_going: bool,
    stamp: str | None,
) -> None:
    # The fork copied the reading end too: closed here, the importer's end is the only one, so
    # if the importer dies the next send fails (EPIPE) and this process ends instead of blocking.
    receiver.close()
    encoder = msgspec.msgpack.Encoder()
    try:
        for chunk in check_chunks(inputs, keep_going, stamp):
            sender.send_bytes(encoder.encode(chunk))
        sender.send_bytes(b"")
    except (BrokenPipeError, KeyboardInterrupt):
        pass  # the importer stopped listening, or was interrupted: it rolls back
    except BaseException:
        os._exit(1)
    finally:
        sender.close()
