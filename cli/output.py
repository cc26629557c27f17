"""Shared output options and JSON writing (machines get JSON, people get tables)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal, TypeVar

import click
import msgspec
from rich.console import Console

from cli.table import Column, Row, print_table, write_delimited
from ledger import names
from ledger.receipts import receipt, with_receipt

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
_ENCODER = msgspec.json.Encoder()


def json_option(f: F) -> F:
    """`--json`: one JSON object (or JSON Lines for streams) on stdout."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON for programs instead of a table."
    )(f)


Format = Literal["table", "json", "csv", "tsv"]
_FORMAT_FLAGS: tuple[tuple[str, Format, str], ...] = (
    ("--json", "json", "Print JSON Lines for programs instead of a table (one object a line)."),
    ("--csv", "csv", "Print CSV (RFC 4180, a header row) with the table's columns."),
    ("--tsv", "tsv", "Print tab-separated values with the table's columns."),
)


def rows_option(f: Callable[..., Any] | None = None, /, *, json_help: str | None = None) -> Any:
    """`--json`, `--csv` and `--tsv` for a command that prints rows: at most one of them (two are a
    usage error, exit 2). The command gets `fmt`: "table" when none is given, else "json", "csv"
    or "tsv"; `write_rows` prints its rows in that format. `@rows_option`, or
    `@rows_option(json_help="Print one JSON object ...")` for a command whose JSON is a document
    rather than JSON Lines (it then writes that document itself when `fmt` is "json")."""
    if f is None:
        return functools.partial(rows_option, json_help=json_help)

    @functools.wraps(f)
    def command(*args: Any, **kwargs: Any) -> Any:
        given = [(flag, fmt) for flag, fmt, _ in _FORMAT_FLAGS if kwargs.pop(f"as_{fmt}")]
        if len(given) > 1:
            raise click.UsageError(
                f"{' and '.join(flag for flag, _ in given)} cannot be given together: choose one output"
            )
        return f(*args, fmt=given[0][1] if given else "table", **kwargs)

    for flag, fmt, help_text in reversed(_FORMAT_FLAGS):
        shown = json_help if fmt == "json" and json_help is not None else help_text
        command = click.option(flag, f"as_{fmt}", is_flag=True, help=shown)(command)
    return command


def write_rows(
    fmt: Format,
    columns: Sequence[Column],
    items: Iterable[T],
    row: Callable[[T], Row] | None,
    document: Callable[[T], Any],
) -> int:
    """Print `items` in `fmt`: a table for people (`row` of each, under `columns`), JSON Lines
    (`document` of each) or CSV/TSV (`row` of each, streamed); `row` may be None when `fmt` is
    "json". How many items there were."""
    count = 0

    def counted() -> Iterator[T]:
        nonlocal count
        for item in items:
            count += 1
            yield item

    if fmt == "json":
        write_json_lines(document(item) for item in counted())
        return count
    assert row is not None
    if fmt in ("csv", "tsv"):
        write_delimited(columns, (row(item) for item in counted()), tsv=fmt == "tsv")
    else:
        from cli.render import console

        print_table(console(), columns, (row(item) for item in counted()))
    return count


def _lang_option(json_note: str) -> Callable[[F], F]:
    """`--lang TAG`: the language of the names that tables, CSV, TSV and pictures show (contract
    section 10; `--json` is the same in every language). The command gets `lang`, a BCP 47 tag
    checked before anything is read; `ledger.names(actors, lang)` gives the names to show."""

    def checked(_: click.Context, __: click.Parameter, value: str) -> str:
        names({}, value)  # a UsageError (exit 2) naming --lang for a tag that is none
        return value

    return click.option(
        "--lang",
        metavar="TAG",
        default="en",
        show_default=True,
        callback=checked,
        help="Show people, states, organizations and missions by their names in this language "
        f"(BCP 47: en, ar, ru, ...), else a state's ISO 3166 name, else the slug.{json_note}",
    )


lang_option = _lang_option(" --json is unchanged.")
picture_lang_option = _lang_option("")  # `ledger plot`, which has no --json


def note(text: str) -> None:
    """A word for people on stderr (stdout stays what programs read)."""
    click.echo(text, err=True)


def knowledge_options(f: F) -> F:
    """`--size` and `--known-at`: replay what the ledger knew."""
    f = click.option(
        "--known-at",
        metavar="MOMENT",
        help="Consider only entries recorded at or before this moment (no offset: UTC), or by the "
        "end of this date's effective day, UTC (2026-12-04: 2026-12-04T23:59:59.999999Z).",
    )(f)
    return click.option(
        "--size",
        type=click.IntRange(min=0),
        metavar="N",
        help="Consider only the first N ledger entries.",
    )(f)


def to_json(value: Any) -> bytes:
    """msgspec JSON; facts come out whole, without nulls or defaults (their Structs omit them)."""
    return _ENCODER.encode(value)


def write_json(value: Any) -> None:
    out = sys.stdout.buffer
    out.write(to_json(value) + b"\n")
    out.flush()


def write_receipted(command: str, document: Any, **options: str | Iterable[str] | None) -> None:
    """A document with its receipt (contract section 13): `options` are those that shaped the
    answer (None when not given); the JSON is the document's own, with `"receipt"` last."""
    out = sys.stdout.buffer
    out.write(with_receipt(document, receipt(command, document, **options)) + b"\n")
    out.flush()


def write_json_lines(values: Iterable[Any]) -> None:
    out = sys.stdout.buffer
    for value in values:
        out.write(to_json(value) + b"\n")
    out.flush()


def emit(as_json: bool, value: T, show: Callable[[Console, T], None]) -> None:
    """One JSON object for programs, or `show` renders it for people."""
    if as_json:
        write_json(value)
    else:
        from cli.render import console

        show(console(), value)
