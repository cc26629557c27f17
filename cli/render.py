"""Tables for people (rich). Programs use `--json` instead."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from ledger.entries import Entry, FactView, Folded, ImportResult
from ledger.verification import ConsistencyProof, InclusionProof, VerifyReport
from projections.world import World


def console() -> Console:
    """stdout; soft-wrapped when it is not a terminal, so long lines stay whole for grep."""
    return Console(soft_wrap=not sys.stdout.isatty())


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _dash(value: object) -> str:
    return "-" if value is None else str(value)


def world(console: Console, w: World) -> None:
    root = w.ledger.root or "-"
    console.print(f"[bold]As of {w.as_of}[/bold]  (ledger size {w.ledger.size}, root {root})")
    if not w.states and not w.missions:
        console.print("Nothing is known on this date.")
    for code, state in w.states.items():
        gov = state.government
        gov_text = f"{gov.status} since {gov.since}" if gov else "-"
        console.print(f"\n[bold]{code}[/bold]  government: {gov_text}")
        if state.offices:
            t = Table(
                "office", "person", "since", "acting", "facts", title=f"{code} offices", title_justify="left"
            )
            for slug, o in state.offices.items():
                t.add_row(slug, _dash(o.person), o.since, "yes" if o.acting else "no", ", ".join(o.facts))
            console.print(t)
        if state.foreign_forces:
            t = Table(
                "mission",
                "contributor",
                "status",
                "since",
                "personnel",
                title=f"Foreign forces in {code}",
                title_justify="left",
            )
            for f in state.foreign_forces:
                t.add_row(f.mission, f.contributor, f.status, f.since, _dash(f.personnel))
            console.print(t)
    for name, m in w.missions.items():
        console.print(
            f"\n[bold]Mission {name}[/bold]  organization {_dash(m.organization)}, host {_dash(m.host)}, "
            f"status {_dash(m.status)} since {_dash(m.since)}"
        )
        if m.withdrawal:
            wd = m.withdrawal
            console.print(
                f"  withdrawal announced {wd.announced}: start by {_dash(wd.start_by)}, "
                f"complete by {_dash(wd.complete_by)}"
            )
        if m.contingents:
            t = Table("contributor", "status", "since", "personnel")
            for code, c in m.contingents.items():
                t.add_row(code, c.status, c.since, _dash(c.personnel))
            console.print(t)


def entries_table(console: Console, entries: Iterable[Entry | Folded], *, timeline: bool) -> None:
    t = Table("seq", "effective" if timeline else "recorded at", "occurred", "type", "id", "summary")
    for e in entries:
        f = e.fact
        t.add_row(
            str(e.seq),
            e.effective_day.isoformat() if isinstance(e, Folded) else e.recorded_at,
            f.occurred,
            f.type,
            f.fact_id,
            _summary(e),
        )
    console.print(t)


def _summary(e: Entry | Folded) -> str:
    f = e.fact
    for name in ("summary", "reason"):
        if isinstance(getattr(f, name, None), str):
            return str(getattr(f, name))
    parts = []
    for name in ("state", "office", "person", "mission", "contributor", "host", "target", "actor"):
        value = getattr(f, name, None)
        if value is not None:
            parts.append(f"{name}={value}")
    return " ".join(parts)


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
