"""`ledger bench`: measure the read and write paths on synthetic facts."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from cli.group import cli
from cli.output import emit, json_option
from ledger.bench import BenchReport, run_bench


def _table(console: Console, r: BenchReport) -> None:
    title = f"ledger bench on {r.backend}: {r.events:,} facts, medians of {r.repeats}"
    t = Table("measure", "value", title=title)
    t.add_row("import (end to end, validation included)", f"{r.import_per_s:,.0f} facts/s")
    t.add_row("full replay, fast loop", f"{r.replay_per_s:,.0f} facts/s ({r.full_replay_ms:,.0f} ms)")
    t.add_row("full replay, eventsourcing stock path", f"{r.stock_replay_per_s:,.0f} facts/s")
    t.add_row("speed-up over the stock path", f"{r.speedup_vs_stock:.1f}x")
    t.add_row("floor: raw SQL scan, no decoding", f"{r.floor_per_s:,.0f} rows/s")
    t.add_row("full replay time / floor time", f"{r.floor_ratio:.2f}")
    t.add_row(
        "replay to a random date via snapshots", f"{r.asof_ms:,.1f} ms ({r.asof_ratio:.3f} of a full replay)"
    )
    t.add_row(
        "export facts as CSV (every folded fact)",
        f"{r.export_facts_ms:,.0f} ms ({r.export_ratio:.2f}x a full replay)",
    )
    t.add_row("peak RSS of a full replay (own process)", f"{r.peak_rss_mb:,.1f} MB")
    t.add_row("plain import (json.loads, one executemany)", f"{r.import_baseline_per_s:,.0f} facts/s")
    t.add_row("import time / plain import time", f"{r.import_baseline_ratio:.2f}")
    t.add_row(
        "import CPU, its checking process included",
        f"{r.import_cpu_s:,.2f} s: on {r.cpus} CPUs, "
        f"at best {r.import_cpu_bound_ratio:.2f} x the plain import",
    )
    if r.store_s is not None and r.import_floor_ratio is not None:
        t.add_row(
            "floor of an import: checking CPU + SQLite alone",
            f"{r.check_cpu_s:,.2f} s + {r.store_s:,.2f} s: on {r.cpus} CPUs, "
            f"at best {r.import_floor_ratio:.2f} x the plain import",
        )
    t.add_row("full replay / scan of the cheapest table", f"{r.cheapest_scan_ratio:.2f}")
    t.add_row("inclusion proof, in-process", f"{r.proof_ms:,.3f} ms")
    t.add_row("verify", f"{r.verify_ms:,.0f} ms ({r.verify_baseline_ratio:.2f} x the plain import)")
    if r.postgres_sqlite_import_ratio is not None:
        t.add_row("the same import into SQLite", f"{r.sqlite_import_per_s:,.0f} facts/s")
        t.add_row("PostgreSQL import rate / SQLite import rate", f"{r.postgres_sqlite_import_ratio:.2f}")
    t.add_row("start: ledger --version / import click, rich", f"{r.startup_ratio:.2f}")
    console.print(t)


@cli.command()
@click.option(
    "--events", type=click.IntRange(min=1), default=100_000, show_default=True, help="How many facts."
)
@click.option("--repeats", type=click.IntRange(min=1), default=5, show_default=True, help="Runs per median.")
@click.option(
    "--postgres",
    metavar="URL",
    help="Measure on PostgreSQL: a new schema in the database postgresql://USER@HOST:PORT/DB names, "
    "dropped afterwards (default: a SQLite file in a temporary directory).",
)
@json_option
def bench(events: int, repeats: int, postgres: str | None, as_json: bool) -> None:
    """Generate synthetic facts and measure import and replay paths, on a SQLite file in a temporary
    directory or on PostgreSQL (--postgres)."""
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
        report = run_bench(events, Path(tmp), repeats, postgres=postgres)
    emit(as_json, report, _table)
