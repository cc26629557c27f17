"""The commands of contract section 7."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from cli import render
from cli.group import cli, db_option, db_path, failure, open_ledger
from cli.output import emit, json_option, knowledge_options, write_json, write_json_lines
from ledger.api import LOCK_TIMEOUT_S, Ledger, shown
from ledger.errors import UsageError

PROGRESS_BYTES = 1_000_000
EXAMPLE = Path(__file__).parent / "examples" / "kazakhstan-2022-01-11.jsonl"
DEMO_DATES = ("2022-01-04", "2022-01-08", "2022-01-12")


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


@cli.command("import")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@db_option
@json_option
@click.pass_context
def import_(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Import fact files (JSON Lines; `-` is stdin), all or nothing."""
    inputs = _read_inputs(files)
    total = sum(len(d) for _, d in inputs)
    with open_ledger(ctx, create=True) as lg:
        if sys.stderr.isatty() and total >= PROGRESS_BYTES:
            columns = (
                *Progress.get_default_columns()[:1],
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
            )
            with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("checking facts", total=total)
                result = lg.import_facts(inputs, progress=lambda n: bar.advance(task, n))
        else:
            result = lg.import_facts(inputs)
    emit(as_json, result, render.imported)


@cli.command()
@click.option("--as-of", metavar="DATE", help="Replay to this date's effective day (default: today, UTC).")
@knowledge_options
@db_option
@json_option
@click.pass_context
def replay(
    ctx: click.Context, as_of: str | None, size: int | None, known_at: str | None, as_json: bool
) -> None:
    """The world on a date: governments, offices, foreign forces, missions."""
    with open_ledger(ctx) as lg:
        world = lg.replay(as_of, size=size, known_at=known_at)
    emit(as_json, world, render.world)


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
@db_option
@json_option
@click.pass_context
def timeline(
    ctx: click.Context,
    start: str | None,
    end: str | None,
    state: str | None,
    mission: str | None,
    size: int | None,
    known_at: str | None,
    as_json: bool,
) -> None:
    """Folded facts in replay order (corrected facts and retractions left out)."""
    with open_ledger(ctx) as lg:
        items = lg.timeline(start=start, end=end, state=state, mission=mission, size=size, known_at=known_at)
    if as_json:
        write_json_lines(
            {"seq": e.seq, "effective": e.effective_day.isoformat(), "fact": e.fact} for e in items
        )
    else:
        render.entries_table(render.console(), items, timeline=True)


@cli.command()
@knowledge_options
@db_option
@json_option
@click.pass_context
def log(ctx: click.Context, size: int | None, known_at: str | None, as_json: bool) -> None:
    """Every entry in recording order."""
    with open_ledger(ctx) as lg:
        if as_json:
            write_json_lines(lg.log(size=size, known_at=known_at))
        else:
            render.entries_table(render.console(), lg.entries(size=size, known_at=known_at), timeline=False)


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
@json_option
def demo(as_json: bool) -> None:
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
        render.world(console, w)


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
