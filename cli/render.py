"""Tables for people (rich). Programs use `--json` instead."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape

from cli.table import Cell, Column, print_table, safe
from ledger import names
from ledger.entries import Entry, FactView, Folded, ImportResult
from ledger.summary import Name, summary
from ledger.verification import ConsistencyProof, InclusionProof, VerifyReport
from projections.world import Strength, World


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader closed the pipe (`ledger replay | head`): raised on, for the command group
        to end quietly with exit 0, as every command does (rich would exit 1 itself)."""
        self.quiet = True
        raise BrokenPipeError


def console() -> Console:
    """stdout; soft-wrapped when it is not a terminal, so long lines stay whole for grep."""
    return _Console(soft_wrap=not sys.stdout.isatty())


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _dash(value: object) -> str:
    return "-" if value is None else str(value)


def _text(value: object) -> str:
    """A value of a fact inside a line of rich markup: printed as written, controls escaped."""
    return escape(safe(str(value)))


def _named(actor: str | None, name: Name) -> str:
    """An actor in a line of prose: `Name (id)`, or the id alone when it has no other name."""
    if actor is None:
        return "-"
    shown = name(actor)
    return _text(actor if shown == actor else f"{shown} ({actor})")


def _figures(low: int, high: int) -> str:
    return f"{low:,}" if low == high else f"{low:,}-{high:,}"


def _acting(acting: bool, stands_in_for: str | None, name: Name) -> Cell:
    """An office's `acting`, and under it the holder an interim stands in for (contract section 9),
    by name (a name wraps at its spaces; `--json` has the slug)."""
    shown = "yes" if acting else "no"
    return shown if stands_in_for is None else (shown, f"for {name(stands_in_for)}")


def personnel(count: int | None, strength: Strength | None) -> Cell:
    """A contingent's personnel for people: the figure, and under it the current claims' range
    when they give one (a range, or figures that disagree: `disputed`, see `ledger audit
    conflicts`)."""
    if count is None:
        return "-"
    if strength is None or (strength.low == strength.high and not strength.disputed):
        return f"{count:,}"
    span = _figures(strength.low, strength.high)
    return (f"{count:,}", span, "disputed") if strength.disputed else (f"{count:,}", span)


def world(console: Console, w: World, name: Name | None = None) -> None:
    """`w` for people, actors named by `name` (default: their names in English) beside their ids."""
    name = name or names(w.actors)
    root = w.ledger.root or "-"
    console.print(f"[bold]As of {w.as_of}[/bold]  (ledger size {w.ledger.size}, root {root})")
    if not w.states and not w.missions:
        console.print("Nothing is known on this date.")
    for code, state in w.states.items():
        gov = state.government
        # No status: no fact so far says how the state is governed (not that it has no government).
        gov_text = f"{gov.status} since {gov.since}" if gov else "no status recorded yet"
        console.print(f"\n[bold]{_named(code, name)}[/bold]  government: {gov_text}")
        if state.offices:
            print_table(
                console,
                OFFICE_COLUMNS,
                (
                    (
                        slug,
                        _dash(o.person),
                        "-" if o.person is None else name(o.person),
                        o.since,
                        _acting(o.acting, o.stands_in_for, name),
                        tuple(o.facts),
                    )
                    for slug, o in state.offices.items()
                ),
                title=f"{name(code)} offices",
            )
        if state.foreign_forces:
            print_table(
                console,
                FORCE_COLUMNS,
                (
                    (
                        f.mission,
                        f.contributor,
                        name(f.contributor),
                        f.status,
                        f.since,
                        personnel(f.personnel, f.strength),
                    )
                    for f in state.foreign_forces
                ),
                title=f"Foreign forces in {name(code)}",
            )
    for slug, m in w.missions.items():
        console.print(
            f"\n[bold]Mission {_named(slug, name)}[/bold]  organization {_named(m.organization, name)}, "
            f"host {_named(m.host, name)}, status {_dash(m.status)} since {_dash(m.since)}"
        )
        if m.strength is not None:  # figures for the mission as a whole
            s = m.strength
            disputed = ", disputed" if s.disputed else ""
            console.print(f"  strength {_figures(s.low, s.high)} on {s.as_of}{disputed}")
        if m.withdrawal:
            wd = m.withdrawal
            console.print(
                f"  withdrawal announced {wd.announced}: start by {_dash(wd.start_by)}, "
                f"complete by {_dash(wd.complete_by)}"
            )
        if m.contingents:
            print_table(
                console,
                CONTINGENT_COLUMNS,
                (
                    (code, name(code), c.status, c.since, personnel(c.personnel, c.strength))
                    for code, c in m.contingents.items()
                ),
            )


# Each actor's id, then its name (`--lang`): ids stay whole, a long name wraps at its spaces (a
# name may be the id itself, for an actor without a description: never cut).
OFFICE_COLUMNS = (
    Column("office", "office", "id", stacks=True),
    Column("person", "person", "id"),
    Column("name", "name", "words"),
    Column("since", "since", stacks=True),
    Column("acting", "acting", "words"),  # and "for" the holder an interim stands in for
    Column("facts", "facts", "id"),
)
FORCE_COLUMNS = (
    Column("mission", "mission", "id", stacks=True),
    Column("contributor", "contributor", "id"),
    Column("name", "name", "words"),
    Column("status", "status", stacks=True),
    Column("since", "since"),
    Column("personnel", "personnel"),
)
CONTINGENT_COLUMNS = (
    Column("contributor", "contributor", "id"),
    Column("name", "name", "words"),
    Column("status", "status", stacks=True),
    Column("since", "since"),
    Column("personnel", "personnel"),
)
# `ledger timeline` and `ledger log`: the table's columns, and CSV's.
TIMELINE_COLUMNS = (
    Column("seq", "seq", "id"),
    Column("effective", "effective", stacks=True),
    Column("occurred", "occurred"),
    Column("type", "type", stacks=True),
    Column("id", "id", "id"),
    Column("summary", "summary", "text"),
)
LOG_COLUMNS = (
    Column("seq", "seq", "id"),
    Column("recorded at", "recorded_at", stacks=True),
    Column("occurred", "occurred"),
    Column("type", "type", stacks=True),
    Column("id", "id", "id"),
    Column("summary", "summary", "text"),
)


def entry_row(e: Entry | Folded, name: Name | None = None) -> tuple[str, ...]:
    """An entry (log) or a folded fact (timeline) as a row of `LOG_COLUMNS` / `TIMELINE_COLUMNS`;
    the summary names actors by `name` (`ledger.names`), or by their ids without it."""
    f = e.fact
    when = e.effective_day.isoformat() if isinstance(e, Folded) else e.recorded_at
    said = summary(f, e.effective_day) if name is None else summary(f, e.effective_day, name=name)
    return (str(e.seq), when, f.occurred, f.type, f.fact_id, said)


def entries_table(
    console: Console, entries: Iterable[Entry | Folded], *, timeline: bool, name: Name | None = None
) -> None:
    columns = TIMELINE_COLUMNS if timeline else LOG_COLUMNS
    print_table(console, columns, (entry_row(e, name) for e in entries))


def fact_view(console: Console, v: FactView) -> None:
    f = v.fact
    console.print(f"[bold]{f.fact_id}[/bold]  {f.type}  (entry {v.seq}, recorded {v.recorded_at})")
    console.print(f"occurred {f.occurred} (effective {v.effective})")
    for name in f.__struct_fields__:
        value = getattr(f, name)
        if name in ("id", "occurred", "sources") or value is None or (name == "interim" and not value):
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, dict):  # names, by language
            value = ", ".join(f"{tag}: {text}" for tag, text in value.items())
        console.print(f"  {name}: {', '.join(value) if isinstance(value, tuple) else value}")
    for i, s in enumerate(f.sources):
        console.print(f"[bold]source {i + 1}[/bold]: {s.publisher}")
        for name in ("title", "url", "published", "language", "quote", "translation"):
            value = getattr(s, name)
            if value is not None:
                console.print(f"  {name}: {value}")
    if v.corrected_by:
        console.print(f"[bold]{v.corrected_by.how} by {v.corrected_by.by}[/bold]")
    else:
        console.print("not retracted or superseded")


def imported(console: Console, r: ImportResult) -> None:
    console.print(
        f"Appended {plural(r.appended, 'fact')} ({r.unchanged} unchanged); "
        f"the ledger has {plural(r.size, 'entry', 'entries')}."
    )


def inclusion_proof(console: Console, p: InclusionProof) -> None:
    _proof(
        console,
        [f"entry {p.seq} in the tree of size {p.size}", f"leaf {p.leaf_hash}", f"root {p.root}"],
        p.proof,
    )


def consistency_proof(console: Console, p: ConsistencyProof) -> None:
    _proof(console, [f"size {p.old_size} root {p.old_root}", f"size {p.new_size} root {p.new_root}"], p.proof)


def _proof(console: Console, head: list[str], path: list[str]) -> None:
    """A proof for people: what it proves, then the audit path, one hash a line."""
    console.print("\n".join([*head, "proof", *(f"  {h}" for h in path)]), highlight=False)


def verified(console: Console, r: VerifyReport) -> None:
    console.print(("OK: " if r.ok else "FAILED: ") + r.message)
