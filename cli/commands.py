"""The commands of contract section 7."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from cli import render
from cli.group import OPTIONS, cli, db_option, db_path, failure, open_ledger
from cli.interrupts import held_once_checked
from cli.output import (
    Format,
    emit,
    json_option,
    knowledge_options,
    lang_option,
    note,
    rows_option,
    write_json,
    write_json_lines,
    write_receipted,
    write_rows,
)
from ledger import names
from ledger.api import LOCK_TIMEOUT_S, MAX_ERRORS, ImportCheck, Ledger, check_facts, import_into, shown
from ledger.entries import Entry, Folded, ImportResult
from ledger.errors import LedgerMissing, UsageError

PROGRESS_BYTES = 1_000_000
EXAMPLE = Path(__file__).parent / "examples" / "kazakhstan-2022-01-11.jsonl"
DEMO_DATES = ("2022-01-04", "2022-01-08", "2022-01-12")
T = TypeVar("T")


@cli.command()
@db_option
@json_option
@click.pass_context
def init(ctx: click.Context, as_json: bool) -> None:
    """Create an empty ledger (an existing ledger is left as it is)."""
    with open_ledger(ctx, create=True) as lg:
        size = lg.size()
    where = shown(db_path(ctx))  # a URL without its password
    if as_json:
        write_json({"db": where, "size": size})
    else:
        click.echo(f"Ledger ready at {where} ({size} entries).")


def _read_inputs(files: tuple[str, ...]) -> list[tuple[str, bytes]]:
    inputs = []
    for name in files:
        try:
            data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as e:
            raise UsageError(f"{name}: cannot read: {e.strerror or e}") from None
        inputs.append((name, data))
    return inputs


def _with_progress(inputs: list[tuple[str, bytes]], work: Callable[[Callable[[int], None] | None], T]) -> T:
    """`work(progress)`, with a progress bar on a terminal for a large input."""
    total = sum(len(d) for _, d in inputs)
    if not (sys.stderr.isatty() and total >= PROGRESS_BYTES):
        return work(None)
    columns = (*Progress.get_default_columns()[:1], BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("checking facts", total=total)
        return work(lambda n: bar.advance(task, n))


def _warn(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        click.echo(f"ledger: warning: {warning}", err=True)


@cli.command("import")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check every line, against the ledger too, and write nothing (not even a new ledger): "
    "list every bad line (exit 2), or say what the import would do (exit 0).",
)
@click.option(
    "--max-errors",
    type=click.IntRange(min=1),
    metavar="N",
    help=f"With --dry-run: list at most N bad lines, then how many more (default {MAX_ERRORS}).",
)
@db_option
@json_option
@click.pass_context
def import_(
    ctx: click.Context, files: tuple[str, ...], dry_run: bool, max_errors: int | None, as_json: bool
) -> None:
    """Import fact files (JSON Lines; `-` is stdin), all or nothing.

    The first bad line stops the import, and nothing is written. --dry-run lists every bad line."""
    if max_errors is not None and not dry_run:
        raise click.BadParameter("it applies to --dry-run only", param_hint="--max-errors")
    inputs = _read_inputs(files)
    if dry_run:
        _dry_run(ctx, inputs, MAX_ERRORS if max_errors is None else max_errors, as_json)
        return
    lock_timeout = (ctx.find_object(dict) or {}).get("lock_timeout", LOCK_TIMEOUT_S)
    # Ctrl-C stops the import while its lines are checked; once all are, it is held back until
    # the import is written and committed, so that an interrupted import is never one that was
    # written (`cli.interrupts`).
    with held_once_checked(sum(len(data) for _, data in inputs)) as held:

        def run(progress: Callable[[int], None] | None) -> ImportResult:
            held.inner = progress
            # A new ledger is made by the import's commit: a refused import leaves no file.
            return import_into(db_path(ctx), inputs, progress=held.progress, lock_timeout=lock_timeout)

        try:
            result = _with_progress(inputs, run)
        except KeyboardInterrupt:
            note("ledger: interrupted; nothing was written (an import is all or nothing)")
            ctx.exit(1)
    if held.pressed and result.appended:
        note("ledger: Ctrl-C came while the checked facts were being written: they were, in whole")
    elif held.pressed:
        note("ledger: Ctrl-C came as the import ended: it had nothing new to write")
    _warn(result.warnings)
    emit(as_json, result, render.imported)


def _dry_run(ctx: click.Context, inputs: list[tuple[str, bytes]], max_errors: int, as_json: bool) -> None:
    """Check everything, write nothing; a ledger that does not exist yet is not made."""
    try:
        lg = open_ledger(ctx)
    except LedgerMissing:
        report = _with_progress(inputs, lambda p: check_facts(inputs, max_errors=max_errors, progress=p))
    else:
        with lg:
            report = _with_progress(
                inputs, lambda p: lg.check_facts(inputs, max_errors=max_errors, progress=p)
            )
    _warn(report.warnings)
    for error in report.errors:
        click.echo(f"ledger: {error}", err=True)
    if report.more:
        click.echo(f"ledger: and {report.more} more", err=True)
    if as_json:
        write_json(_check_document(report))
    bad = len(report.errors) + report.more
    if bad:
        lines = "1 bad line" if bad == 1 else f"{bad} bad lines"
        click.echo(f"ledger: {lines}; nothing was written", err=True)
        ctx.exit(2)
    if not as_json:
        click.echo(
            f"Dry run: {render.plural(report.new, 'fact')} would be appended ({report.unchanged} unchanged); "
            f"nothing was written. The ledger has {render.plural(report.size, 'entry', 'entries')}."
        )


def _check_document(report: ImportCheck) -> dict[str, Any]:
    """`ledger import --dry-run --json`: what the import would do, and every bad line kept."""
    doc: dict[str, Any] = {
        "ok": report.ok,
        "new": report.new,
        "unchanged": report.unchanged,
        "size": report.size,
        "errors": [
            {"file": e.source, "line": e.line, "path": e.path, "message": e.message} for e in report.errors
        ],
        "more": report.more,
    }
    if report.warnings:
        doc["warnings"] = list(report.warnings)
    return doc


@cli.command()
@click.option("--as-of", metavar="DATE", help="Replay to this date's effective day (default: today, UTC).")
@click.option(
    "--state",
    "states",
    metavar="CODE",
    multiple=True,
    help="Only this state and the missions it hosts or contributes to (repeatable: --state KZ --state RU).",
)
@knowledge_options
@lang_option
@db_option
@json_option
@click.pass_context
def replay(
    ctx: click.Context,
    as_of: str | None,
    states: tuple[str, ...],
    size: int | None,
    known_at: str | None,
    lang: str,
    as_json: bool,
) -> None:
    """The world on a date: governments, offices, foreign forces, missions."""
    with open_ledger(ctx) as lg:
        world = lg.replay(as_of, size=size, known_at=known_at, states=states or None)
    if as_json:
        write_receipted("replay", world, state=states or None)
    else:
        render.world(render.console(), world, names(world.actors, lang))
    if states and not world.states and not world.missions:
        note(f"Nothing is known about {' or '.join(dict.fromkeys(states))} on {world.as_of}.")


@cli.command()
@click.option(
    "--from",
    "start",
    metavar="DATE",
    help="Only facts whose effective day is on or after DATE (its first day: 2022-01 is 2022-01-01).",
)
@click.option("--to", "end", metavar="DATE", help="Only facts whose effective day is on or before DATE.")
@click.option(
    "--state",
    metavar="CODE",
    help="Only facts about this state (ISO code, e.g. KZ, or a former state's, e.g. SUHH): its own "
    "state, host or contributor, its about, or a mission it hosts or has a contingent in at that point.",
)
@click.option("--mission", metavar="SLUG", help="Only facts about this mission.")
@knowledge_options
@lang_option
@db_option
@rows_option
@click.pass_context
def timeline(
    ctx: click.Context,
    start: str | None,
    end: str | None,
    state: str | None,
    mission: str | None,
    size: int | None,
    known_at: str | None,
    lang: str,
    fmt: Format,
) -> None:
    """Folded facts in replay order (corrected facts and retractions left out)."""
    with open_ledger(ctx) as lg:
        items = lg.timeline(start=start, end=end, state=state, mission=mission, size=size, known_at=known_at)
        row = _rows(lg, fmt, lang, size, known_at)
        count = write_rows(fmt, render.TIMELINE_COLUMNS, items, row, _folded_document)
    if not count:
        note(
            _nothing(
                "No facts in the timeline",
                start=start,
                end=end,
                state=state,
                mission=mission,
                size=None if size is None else str(size),
                known_at=known_at,
            )
        )


def _rows(
    lg: Ledger, fmt: Format, lang: str, size: int | None, known_at: str | None
) -> Callable[[Entry | Folded], tuple[str, ...]] | None:
    """The rows of a table, CSV or TSV of entries, actors named in `lang` as the descriptions the
    same entries hold name them; None for JSON, which names nobody."""
    if fmt == "json":
        return None
    name = names(lg.actors(size=size, known_at=known_at), lang)
    return lambda e: render.entry_row(e, name)


def _folded_document(e: Folded) -> dict[str, object]:
    """A line of `ledger timeline --json` (contract section 7)."""
    return {"seq": e.seq, "effective": e.effective_day.isoformat(), "fact": e.fact}


def _nothing(what: str, **given: str | None) -> str:
    """`what`, with the options that narrowed it: `No facts in the timeline for --state FR.`"""
    shown = " ".join(f"{OPTIONS.get(k, '--' + k)} {v}" for k, v in given.items() if v is not None)
    return f"{what} for {shown}." if shown else f"{what}."


@cli.command()
@knowledge_options
@click.option(
    "--follow",
    is_flag=True,
    help="After the last entry, print each new one as an import commits it, until interrupted (or --idle).",
)
@click.option(
    "--idle",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="With --follow: stop after SECONDS without a new entry.",
)
@lang_option
@db_option
@rows_option
@click.pass_context
def log(
    ctx: click.Context,
    size: int | None,
    known_at: str | None,
    follow: bool,
    idle: float | None,
    lang: str,
    fmt: Format,
) -> None:
    """Every entry in recording order."""
    if idle is not None and not follow:
        raise click.BadParameter("it applies to --follow only", param_hint="--idle")
    if follow and (size is not None or known_at is not None):
        raise click.BadParameter(
            "--follow reads the whole ledger as it grows", param_hint="--size/--known-at"
        )
    if follow:
        if fmt in ("csv", "tsv"):
            raise click.BadParameter("--follow prints table lines or JSON Lines", param_hint=f"--{fmt}")
        from cli.follow import follow_log

        with open_ledger(ctx) as lg:
            follow_log(lg.follow_log(after=-1, idle=idle), fmt == "json")
        return
    with open_ledger(ctx) as lg:
        if fmt == "json":  # the contract's lines, with their Merkle leaf hashes
            count = write_rows(fmt, render.LOG_COLUMNS, lg.log(size=size, known_at=known_at), None, _same)
        else:
            entries = lg.entries(size=size, known_at=known_at)
            row = _rows(lg, fmt, lang, size, known_at)
            count = write_rows(fmt, render.LOG_COLUMNS, entries, row, _same)
    if not count:
        note(_nothing("No entries", size=None if size is None else str(size), known_at=known_at))


def _same(value: T) -> T:
    return value


@cli.command()
@click.argument("ref", metavar="FACT_ID_OR_SEQ")
@db_option
@json_option
@click.pass_context
def show(ctx: click.Context, ref: str, as_json: bool) -> None:
    """One fact, its sources, and what retracted or superseded it (digits only: a SEQ)."""
    with open_ledger(ctx) as lg:
        view = lg.show(ref)
    emit(as_json, view, render.fact_view)


@cli.command()
@lang_option
@json_option
def demo(lang: str, as_json: bool) -> None:
    """Build the example ledger in a temporary database and replay three dates (never touches --db)."""
    with (
        tempfile.TemporaryDirectory(prefix="ledger-demo-") as tmp,
        Ledger.open(Path(tmp) / "demo.db", create=True) as lg,
    ):
        result = lg.import_files([EXAMPLE])
        worlds = [lg.replay(day) for day in DEMO_DATES]
    if as_json:
        write_json_lines(worlds)
        return
    console = render.console()
    console.print(f"Example ledger: {result.appended} facts from {EXAMPLE.name}")
    for w in worlds:
        console.rule()
        render.world(console, w, names(w.actors, lang))


@cli.command("copy")
@click.option(
    "--from",
    "source",
    required=True,
    metavar="PATH_OR_URL",
    help="The ledger to copy: a SQLite file or a postgresql:// URL (only read).",
)
@click.option(
    "--to",
    "destination",
    required=True,
    metavar="PATH_OR_URL",
    help="Where to copy it: a new or empty ledger, made when missing.",
)
@json_option
@click.pass_context
def copy_(ctx: click.Context, source: str, destination: str, as_json: bool) -> None:
    """Copy a ledger into another database (SQLite or PostgreSQL), entry for entry.

    Ids, recording order and times, checkpoints and origin are kept, so the copy has the
    same Merkle root, printed as proof; a checkpoint of the source verifies against the copy.
    The source must verify first. Never uses --db."""
    from ledger.copy import copy_ledger

    lock_timeout = (ctx.find_object(dict) or {}).get("lock_timeout", LOCK_TIMEOUT_S)
    # Errors are told here, naming the copy: the group's handler would name the --db ledger.
    try:
        report = copy_ledger(source, destination, lock_timeout=lock_timeout)
    except Exception as e:
        told = failure(e, f"copying {shown(source)} to {shown(destination)}")
        if told is None:
            raise
        raise told from None
    if as_json:
        write_json(report)
        return
    entries = "entry" if report.size == 1 else "entries"
    checkpoints = "checkpoint" if report.checkpoints == 1 else "checkpoints"
    click.echo(
        f"copied {report.size} {entries} and {report.checkpoints} {checkpoints} "
        f"from {report.source} to {report.destination}; root {report.root}"
    )
