"""`ledger audit promises` and `ledger audit conflicts` (contract section 12): tables with names for
people, receipted JSON documents for programs, CSV and TSV with slugs and codes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import click

from cli.group import cli, db_option, open_ledger
from cli.output import Format, knowledge_options, lang_option, note, rows_option, write_receipted
from cli.table import Column, Row, print_table, write_delimited
from ledger import names
from ledger.api import ConflictsDocument, PromisesDocument

Name = Callable[[str], str]


def as_of_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--as-of", metavar="DATE", help="Judge on this date's effective day (default: today, UTC)."
    )(f)


@cli.group()
def audit() -> None:
    """Audit tools: promises kept or broken, disputed figures (each --json document carries a receipt)."""


def _heading(what: str, as_of: str, size: int, root: str | None) -> None:
    from cli.render import console

    console().print(f"[bold]{what} as of {as_of}[/bold]  (ledger size {size}, root {root or '-'})")


def _write(
    fmt: Format,
    flat: tuple[Column, ...],
    flat_rows: Iterable[Row],
    table: tuple[Column, ...],
    table_rows: Iterable[Row],
) -> None:
    """CSV or TSV (one column per field, slugs and codes), or a table for people (a promise or a
    claim a row, several lines a cell, with names)."""
    if fmt in ("csv", "tsv"):
        write_delimited(flat, flat_rows, tsv=fmt == "tsv")
        return
    from cli.render import console

    print_table(console(), table, table_rows)


def _days(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def judged(status: str, days: int) -> str:
    """A promise's status and days in words: `met, 9 days early`, `overdue by 1 day`."""
    if status in ("met", "late"):
        if days == 0:
            return f"{status}, on the day"
        return f"{status}, {_days(abs(days), 'day', 'days')} {'early' if days < 0 else 'late'}"
    if status == "overdue":
        return f"overdue by {_days(days, 'day', 'days')}"
    return f"pending, {_days(days, 'day', 'days')} left"


# audit promises

PROMISE_FIELDS = (
    Column("deadline", "deadline", stacks=True),
    Column("kind", "kind"),
    Column("mission", "mission", "id"),
    Column("host", "host", "id"),
    Column("status", "status", stacks=True),
    Column("days", "days"),
    Column("outcome", "outcome_day", stacks=True),
    Column("outcome fact", "outcome_fact", "id"),
    Column("made", "made", stacks=True),
    Column("by", "by", "id"),
    Column("fact", "fact", "id"),
    Column("replaced by", "replaced_by", "id"),
)


# Four columns, two on a narrow terminal (deadline over promise, status over outcome): names
# wrap, ids stay whole, so a table fits 80 columns with ids of up to about 35 characters.
PROMISE_COLUMNS = (
    Column("deadline", "deadline", stacks=True),
    Column("promise", "promise", "words"),
    Column("status", "status", stacks=True),
    Column("outcome", "outcome", "id"),
)


def _promise_table(doc: PromisesDocument, name: Name) -> Iterator[Row]:
    """Each promise: its kind, mission (and host), when and by whom it was made, its fact and the
    fact that replaced it, if any; its status in words; its outcome's day and fact."""
    for p in doc.promises:
        host = "" if p.host is None else f" ({name(p.host)})"
        by = "" if p.by is None else ", " + (p.by if p.kind == "mandate-end" else name(p.by))
        replaced = () if p.replaced_by is None else (f"replaced by {p.replaced_by}",)
        yield (
            p.deadline,
            (p.kind, f"{name(p.mission)}{host}", f"made {p.made}{by}", p.fact, *replaced),
            judged(p.status, p.days),
            "-" if p.outcome is None else (p.outcome.day, p.outcome.fact),
        )


def _promise_fields(doc: PromisesDocument) -> Iterator[Row]:
    for p in doc.promises:
        yield (
            p.deadline,
            p.kind,
            p.mission,
            p.host or "",
            p.status,
            str(p.days),
            "" if p.outcome is None else p.outcome.day,
            "" if p.outcome is None else p.outcome.fact,
            p.made,
            p.by or "",
            p.fact,
            p.replaced_by or "",
        )


@audit.command()
@as_of_option
@click.option("--mission", metavar="SLUG", help="Only this mission's promises (it must exist on the date).")
@click.option("--state", metavar="CODE", help="Only the promises of missions this state hosts.")
@knowledge_options
@lang_option
@db_option
@rows_option(json_help="Print one JSON object (with its receipt) for programs instead of a table.")
@click.pass_context
def promises(
    ctx: click.Context,
    as_of: str | None,
    mission: str | None,
    state: str | None,
    size: int | None,
    known_at: str | None,
    lang: str,
    fmt: Format,
) -> None:
    """Promises and their outcomes: every deadline a withdrawal announcement (start, completion)
    or a mandate (MissionAuthorized.until) set, judged on the date: met, late, overdue or pending.

    DAYS: the outcome's day minus the deadline for met and late (negative: early), days past the
    deadline for overdue, days left for pending. A promise replaced by a later one of the same
    kind for the mission is still listed and judged. CSV and TSV have one column per field of the
    JSON document, with slugs and codes."""
    with open_ledger(ctx) as lg:
        doc = lg.promises(as_of, mission=mission, state=state, size=size, known_at=known_at)
    if fmt == "json":
        write_receipted("audit promises", doc, mission=mission, state=state)
        return
    if fmt == "table":
        _heading("Promises", doc.as_of, doc.ledger.size, doc.ledger.root)
    if doc.promises or fmt != "table":
        name = names(doc.actors, lang)
        _write(fmt, PROMISE_FIELDS, _promise_fields(doc), PROMISE_COLUMNS, _promise_table(doc, name))
    if fmt == "table" and any(p.status == "overdue" for p in doc.promises):
        from cli.render import console

        console().print(OVERDUE)
    if not doc.promises:
        narrowed = " ".join(f"{o} {v}" for o, v in (("--mission", mission), ("--state", state)) if v)
        note(f"No promises on {doc.as_of}" + (f" for {narrowed}." if narrowed else "."))


# Under a table with an overdue promise: what the word can and cannot say (found by a trial: a
# withdrawal the example ledger does not hold read as a promise broken for three years).
OVERDUE = (
    "overdue: the deadline has passed and this ledger holds no outcome for it; "
    "an outcome that was never imported reads the same as one that never came."
)


# audit conflicts

CONFLICT_FIELDS = (
    Column("mission", "mission", "id"),
    Column("contributor", "contributor", "id"),
    Column("as of", "as_of"),
    Column("low", "low"),
    Column("high", "high"),
    Column("claim", "fact", "id"),
    Column("claim low", "claim_low"),
    Column("claim high", "claim_high"),
    Column("publishers", "publishers", "text"),
)
CONFLICT_COLUMNS = (
    Column("quantity", "quantity", "words"),
    Column("figures", "figures"),
    # On a narrow terminal a claim's id goes above its own figure, never the quantity's range
    # above a claim (which read as that claim's figures).
    Column("claim", "claim", "id", stacks=True),
    Column("figure", "figure"),
    Column("publishers", "publishers", "text"),
)
WHOLE = "(whole mission)"


def _figure(low: int, high: int) -> str:
    return f"{low:,}" if low == high else f"{low:,}-{high:,}"


def _conflict_table(doc: ConflictsDocument, name: Name) -> Iterator[Row]:
    """One row per claim of each disputed quantity: the quantity and its range on the first."""
    for c in doc.conflicts:
        s = c.strength
        who = WHOLE if c.contributor is None else name(c.contributor)
        for i, claim in enumerate(s.claims):
            yield (
                (name(c.mission), who) if i == 0 else "",
                (_figure(s.low, s.high), f"on {s.as_of}") if i == 0 else "",
                claim.fact,
                _figure(claim.low, claim.high),
                "; ".join(claim.publishers),
            )


def _conflict_fields(doc: ConflictsDocument) -> Iterator[Row]:
    """One row per claim of each disputed quantity, every field in its own column."""
    for c in doc.conflicts:
        s = c.strength
        for claim in s.claims:
            yield (
                c.mission,
                c.contributor or "",
                s.as_of,
                str(s.low),
                str(s.high),
                claim.fact,
                str(claim.low),
                str(claim.high),
                "; ".join(claim.publishers),
            )


@audit.command()
@as_of_option
@knowledge_options
@lang_option
@db_option
@rows_option(json_help="Print one JSON object (with its receipt) for programs instead of a table.")
@click.pass_context
def conflicts(
    ctx: click.Context, as_of: str | None, size: int | None, known_at: str | None, lang: str, fmt: Format
) -> None:
    """Disputed figures: every contingent or mission whose current strength claims (those of the
    latest day with a claim) do not all state the same figures, one row per claim.

    CSV and TSV have one column per field, with slugs and codes; the contributor is empty for a
    mission as a whole."""
    with open_ledger(ctx) as lg:
        doc = lg.conflicts(as_of, size=size, known_at=known_at)
    if fmt == "json":
        write_receipted("audit conflicts", doc)
        return
    if fmt == "table":
        _heading("Conflicts", doc.as_of, doc.ledger.size, doc.ledger.root)
    if doc.conflicts or fmt != "table":
        name = names(doc.actors, lang)
        _write(fmt, CONFLICT_FIELDS, _conflict_fields(doc), CONFLICT_COLUMNS, _conflict_table(doc, name))
    if not doc.conflicts:
        note(f"No disputed figures on {doc.as_of}.")
