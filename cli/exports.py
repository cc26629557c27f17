"""`ledger export facts|spells|entries` (contract section 14): tables for data analysis, and the
ledger as a fact file."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import PurePath
from typing import Any

import click
from click.core import ParameterSource

from cli.group import cli, db_option, open_ledger
from cli.output import knowledge_options, note
from ledger.exports import FORMATS, write, write_file

F = Callable[..., Any]


@cli.group("export")
def export() -> None:
    """Export the ledger as a table (CSV, JSON Lines, Parquet) or as a fact file.

    \b
    facts    one row per folded fact up to --as-of, in replay order
    spells   one row per period in office or deployment, up to --as-of
    entries  every entry's fact in recording order: a fact file that `ledger import` reads back"""


def _output_options(kind: str) -> Callable[[F], F]:
    formats = ("jsonl",) if kind == "entries" else FORMATS
    default = formats[0]

    def add(f: F) -> F:
        f = click.option(
            "-o",
            "--output",
            metavar="FILE",
            help="Write to FILE (whole, or not at all: a failed export leaves no file); - or none: stdout.",
        )(f)
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            # Entries are JSON Lines only: their help says so, and another format is refused
            # with the reason (not click's bare "not one of").
            metavar="[jsonl]" if kind == "entries" else None,
            default=default,
            show_default=True,
            help="csv (RFC 4180, UTF-8), jsonl (JSON Lines) or parquet (typed columns; needs -o). "
            "Without it, -o's suffix decides (.csv, .jsonl, .ndjson, .parquet), else csv."
            if kind != "entries"
            else "jsonl only: an export of entries is a fact file.",
        )(f)

    return add


def _as_of_option(kind: str) -> Callable[[F], F]:
    help_text = (
        "Does not apply to entries (they are every entry, in recording order): an error."
        if kind == "entries"
        else "Up to this date's effective day (default: today, UTC)."
    )
    return click.option("--as-of", metavar="DATE", help=help_text)


def _run(
    ctx: click.Context,
    kind: str,
    fmt: str,
    output: str | None,
    rows: Callable[[Any], Iterator[Any]],
) -> None:
    if output == "-":  # the usual name of stdout, as `ledger import -` reads stdin
        output = None
    if output is not None:
        fmt = _format_of(ctx, kind, fmt, output)
    if kind == "entries" and fmt != "jsonl":
        raise click.BadParameter(
            f"{fmt}: an export of entries is a fact file, JSON Lines only (--format jsonl)",
            param_hint="--format",
        )
    if fmt == "parquet" and output is None:
        raise click.BadParameter(
            "parquet is binary and is written to a file: name it with -o FILE", param_hint="--format"
        )
    with open_ledger(ctx) as lg:
        found = rows(lg)  # arguments checked, and the horizon fixed, before anything is written
        if output is None:
            write(kind, found, fmt, sys.stdout.buffer)
            return
        count = write_file(kind, found, fmt, output)
    what = {"facts": "fact row", "spells": "spell", "entries": "entry"}[kind]
    plural = what if count == 1 else ("entries" if kind == "entries" else what + "s")
    note(f"{count:,} {plural} written to {output}")


# What a file's suffix says it holds.
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


def _format_of(ctx: click.Context, kind: str, fmt: str, output: str) -> str:
    """The format to write `output` in: --format when given, else what the file's suffix says
    (`-o facts.parquet` is Parquet, not CSV under a Parquet name), else the default. A --format
    that the suffix contradicts is an error: a file named .csv holding JSON Lines misleads
    whoever opens it."""
    suffix = SUFFIXES.get(PurePath(output).suffix.lower())
    given = ctx.get_parameter_source("fmt") not in (None, ParameterSource.DEFAULT)
    if suffix is None or suffix == fmt:
        return fmt
    if given:
        raise click.BadParameter(
            f"{output}: the file's suffix says {suffix}; name it for {fmt}, or leave out --format",
            param_hint="--format",
        )
    if kind == "entries":
        raise click.BadParameter(
            f"{output}: an export of entries is a fact file (JSON Lines); name it .jsonl",
            param_hint="-o",
        )
    return suffix


def _lang_option(column: str) -> Callable[[F], F]:
    return click.option(
        "--lang",
        metavar="TAG",
        default="en",
        show_default=True,
        help=f"The language of the {column} (BCP 47: en, fr, zh-Hant); a state without a "
        "description is named in English by ISO 3166.",
    )


@export.command("facts", short_help="One row per folded fact up to --as-of, in replay order.")
@_as_of_option("facts")
@knowledge_options
@_lang_option("names in the summary column, as `ledger timeline` shows them")
@_output_options("facts")
@db_option
@click.pass_context
def facts(
    ctx: click.Context,
    as_of: str | None,
    size: int | None,
    known_at: str | None,
    lang: str,
    fmt: str,
    output: str | None,
) -> None:
    """One row per folded fact up to --as-of, in replay order: seq, id, type, occurred, effective,
    state, host, mission, organization, contributor, person, office, personnel, personnel_high,
    summary (the line `ledger timeline` shows, with names in --lang), sources (a JSON array)."""
    _run(
        ctx,
        "facts",
        fmt,
        output,
        lambda lg: lg.export("facts", as_of=as_of, size=size, known_at=known_at, lang=lang),
    )


@export.command("spells", short_help="One row per spell in an office or of a contingent, up to --as-of.")
@_as_of_option("spells")
@knowledge_options
@_lang_option("name column")
@_output_options("spells")
@db_option
@click.pass_context
def spells(
    ctx: click.Context,
    as_of: str | None,
    size: int | None,
    known_at: str | None,
    lang: str,
    fmt: str,
    output: str | None,
) -> None:
    """One row per period in an office (an appointment to the office's next entry) or of a
    contingent on a host's soil (deployed to withdrawn), open ones without an end: kind, state,
    office, mission, holder, acting, start, start_day, end, end_day, start_fact, end_fact,
    personnel, name."""
    _run(
        ctx,
        "spells",
        fmt,
        output,
        lambda lg: lg.export("spells", as_of=as_of, size=size, known_at=known_at, lang=lang),
    )


@export.command("entries", short_help="Every entry's fact in recording order: a file to import.")
@_as_of_option("entries")
@knowledge_options
@_output_options("entries")
@db_option
@click.pass_context
def entries(
    ctx: click.Context,
    as_of: str | None,
    size: int | None,
    known_at: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Every entry's fact in recording order, retractions and corrected facts included, each as
    `ledger show --json` gives it: `ledger import` of the file into an empty ledger gives the same
    answers (apart from roots, receipts and recording times)."""
    if as_of is not None:
        raise click.BadParameter(
            "does not apply to entries: they are every entry, in recording order", param_hint="--as-of"
        )
    _run(ctx, "entries", fmt, output, lambda lg: lg.export("entries", size=size, known_at=known_at))
