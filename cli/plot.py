"""`ledger plot` (contract section 15): a timeline picture of a state or a mission, SVG, PNG or PDF
by the file's suffix."""

from __future__ import annotations

import click

from cli.group import cli, db_option, open_ledger
from cli.output import knowledge_options, note, picture_lang_option


@cli.command(short_help="Draw a state's or a mission's timeline as SVG, PNG or PDF.")
@click.option(
    "--state",
    metavar="CODE",
    help="A state (ISO code, e.g. KZ): a lane per office, and per contingent on its soil.",
)
@click.option("--mission", metavar="SLUG", help="A mission: a lane per contingent.")
@click.option(
    "--from",
    "start",
    metavar="DATE",
    help="The first day shown (its first day: 2022-01 is 2022-01-01); default: the first fact's.",
)
@click.option(
    "--to",
    "end",
    metavar="DATE",
    help="The last day shown, on which promises are judged; default: the last fact's.",
)
@knowledge_options
@picture_lang_option
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    required=True,
    help="The picture: FILE.svg (text stays text), FILE.png or FILE.pdf; written whole or not at all.",
)
@db_option
@click.pass_context
def plot(
    ctx: click.Context,
    state: str | None,
    mission: str | None,
    start: str | None,
    end: str | None,
    size: int | None,
    known_at: str | None,
    lang: str,
    output: str,
) -> None:
    """Draw a timeline: one lane per office of a state (and per contingent on its soil) or per
    contingent of a mission, a bar per spell labelled with the holder's name (acting holders
    hatched), markers for dismissals, overthrows, withdrawal announcements and completed
    missions, and each promise's deadline in the colour of its status on the last day shown."""
    if (state is None) == (mission is None):
        raise click.UsageError("give --state CODE or --mission SLUG (one of them): what to draw")
    from ledger.chart.draw import picture_format
    from ledger.errors import UsageError

    if output == "-":  # exports take `-o -`; a picture is binary and names its format by suffix
        raise UsageError(
            "a picture is not written to stdout: name a file .svg, .png or .pdf",
            param="output",
            value=output,
        )
    picture_format(output)  # a bad suffix is told before the ledger is opened
    with open_ledger(ctx) as lg:
        chart = lg.plot(
            output,
            state=state,
            mission=mission,
            start=start,
            end=end,
            size=size,
            known_at=known_at,
            lang=lang,
        )
    lanes, bars = len(chart.lanes), len(chart.bars())
    events, deadlines = len(chart.markers()), len(chart.deadlines())
    note(
        f"{output}: {_count(lanes, 'lane')}, {_count(bars, 'bar')}, {_count(events, 'event')}, "
        f"{_count(deadlines, 'deadline')}, {chart.start.isoformat()} to {chart.end.isoformat()}"
    )


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}" + ("" if n == 1 else "s")
