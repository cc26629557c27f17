"""Rows written as CSV, JSON Lines or Parquet (contract section 14), each row as it comes.

- CSV: RFC 4180 (Python's `csv`, the `excel` dialect) with a header row, UTF-8, `\\n` line ends;
  booleans `true`/`false`, days `YYYY-MM-DD`, absent values empty, sources as JSON text.
- JSON Lines: one object a line, the columns as keys in order, null for absent values, sources
  as a JSON array; `entries` are facts, each exactly as `ledger show --json` gives its fact.
- Parquet (pyarrow): an explicit schema, so that types do not depend on the values: days as
  `date32`, counts and seqs as `int64`, `acting` as `bool`, everything else (sources too, as
  JSON text) as `string`; written in row groups of `BATCH` rows.

`write_file` writes into a new file beside the target and renames it over the target at the end:
a failure leaves no half-written file behind, and an existing file is replaced only by a whole
export.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from operator import attrgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, TypeVar

import msgspec

from ledger.errors import UsageError
from ledger.exports.rows import COLUMNS, Column

if TYPE_CHECKING:
    import pyarrow

Format = Literal["csv", "jsonl", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl", "parquet")
BATCH = 65_536  # rows per Parquet row group (and per batch held in memory)
_JSON = msgspec.json.Encoder()
T = TypeVar("T")


def formats_of(kind: str) -> tuple[Format, ...]:
    """The formats an export of `kind` is written in: `entries` are a fact file, JSON Lines only."""
    return ("jsonl",) if kind == "entries" else FORMATS


def check_format(kind: str, fmt: str) -> Format:
    allowed = formats_of(kind)
    if fmt not in allowed:
        hint = "an export of entries is a fact file: JSON Lines only" if kind == "entries" else ""
        names = ", ".join(allowed)
        raise UsageError(hint or f"not a format of exports (one of {names})", param="format", value=fmt)
    return fmt


def _csv_true(value: bool | None) -> str:
    return "" if value is None else "true" if value else "false"


def _csv_json(value: Any) -> str:
    return _JSON.encode(value).decode()


def write_csv(columns: Sequence[Column], rows: Iterable[msgspec.Struct], out: IO[bytes]) -> int:
    # Python's csv writes None as an empty cell and a day as str(day), YYYY-MM-DD: only booleans
    # and JSON need a conversion of their own.
    special = [
        (i, _csv_true if c.type == "bool" else _csv_json)
        for i, c in enumerate(columns)
        if c.type in ("bool", "json")
    ]
    astuple = msgspec.structs.astuple
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        writer = csv.writer(text, dialect="excel", lineterminator="\n")
        writer.writerow([c.name for c in columns])

        def cells(row: msgspec.Struct) -> Any:
            values = astuple(row)
            if not special:
                return values
            listed = list(values)
            for i, convert in special:
                listed[i] = convert(listed[i])
            return listed

        # `writerows` on a thousand rows at a time: one call into the csv module per thousand.
        count, converted = 0, map(cells, rows)
        while chunk := list(islice(converted, 1024)):
            writer.writerows(chunk)
            count += len(chunk)
        text.flush()
        return count
    finally:
        text.detach()


def write_jsonl(rows: Iterable[Any], out: IO[bytes]) -> int:
    count = 0
    buffer = bytearray()
    for row in rows:
        _JSON.encode_into(row, buffer, -1)
        buffer.extend(b"\n")
        count += 1
        if len(buffer) >= 1 << 16:
            out.write(buffer)
            buffer.clear()
    out.write(buffer)
    out.flush()
    return count


def arrow_schema(columns: Sequence[Column]) -> pyarrow.Schema:
    """The Parquet schema of an export's columns: its types fixed, whatever the rows hold."""
    import pyarrow as pa

    types = {
        "text": pa.string(),
        "json": pa.string(),
        "int": pa.int64(),
        "day": pa.date32(),
        "bool": pa.bool_(),
    }
    return pa.schema([pa.field(c.name, types[c.type], nullable=True) for c in columns])


def _json_getter(name: str) -> Callable[[Any], str]:
    def get(row: Any) -> str:
        return _JSON.encode(getattr(row, name)).decode()

    return get


def write_parquet(columns: Sequence[Column], rows: Iterable[msgspec.Struct], out: str | Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(columns)
    getters = [_json_getter(c.name) if c.type == "json" else attrgetter(c.name) for c in columns]
    count = 0
    with pq.ParquetWriter(str(out), schema) as writer:
        batch: list[list[Any]] = [[] for _ in columns]
        for row in rows:
            for cells, get in zip(batch, getters, strict=True):
                cells.append(get(row))
            count += 1
            if len(batch[0]) >= BATCH:
                writer.write_batch(pa.record_batch(batch, schema=schema))
                batch = [[] for _ in columns]
        if batch[0] or count == 0:
            writer.write_batch(pa.record_batch(batch, schema=schema))
    return count


def write(kind: str, rows: Iterable[Any], fmt: str, out: IO[bytes]) -> int:
    """Write the rows of an export of `kind` (`Ledger.export`'s) to a binary stream in `fmt` (csv
    or jsonl; parquet needs a file: `write_file`); how many rows were written."""
    chosen = check_format(kind, fmt)
    if chosen == "parquet":
        raise UsageError("Parquet is written to a file, not to a stream", param="format", value=fmt)
    if chosen == "jsonl":
        return write_jsonl(rows, out)
    return write_csv(COLUMNS[kind], rows, out)


def write_file(kind: str, rows: Iterable[Any], fmt: str, path: str | os.PathLike[str]) -> int:
    """Write the rows of an export of `kind` to the file `path` in `fmt`, whole or not at all:
    into a new file in the same directory, renamed over `path` once complete (removed on any
    failure). A directory that does not exist, or a `path` that is one, is UsageError (`output`)."""
    chosen = check_format(kind, fmt)
    if chosen == "parquet":
        return written_whole(path, lambda fd, partial: _parquet(fd, partial, kind, rows))

    def fill(fd: int, _: Path) -> int:
        with os.fdopen(fd, "wb") as out:
            count = write(kind, rows, chosen, out)
            out.flush()
            os.fsync(out.fileno())
        return count

    return written_whole(path, fill)


def _parquet(fd: int, partial: Path, kind: str, rows: Iterable[Any]) -> int:
    os.close(fd)
    return write_parquet(COLUMNS[kind], rows, partial)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to the file `path`, whole or not at all, as `write_file` does (a picture)."""

    def fill(fd: int, _: Path) -> None:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())

    written_whole(path, fill)


def written_whole(path: str | os.PathLike[str], fill: Callable[[int, Path], T]) -> T:
    """`fill` a new file beside `path` (given its open descriptor, which it closes, and its path),
    then rename it over `path`; on any failure the new file is removed and `path` is untouched.
    A directory that does not exist, or a `path` that is one, is UsageError (`output`)."""
    target = Path(path)
    if target.is_dir():
        raise UsageError("is a directory: name a file", param="output", value=os.fspath(path))
    folder = target.parent
    if not folder.is_dir():
        said = "not a directory" if folder.exists() else "no such directory"
        raise UsageError(f"{said}: {os.fspath(folder)}", param="output", value=os.fspath(path))
    partial = folder / f".{target.name}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise UsageError(
            f"cannot write there: {e.strerror or e}", param="output", value=os.fspath(path)
        ) from None
    try:
        result = fill(fd, partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return result
