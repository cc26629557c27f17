"""`ledger bench`: synthetic facts, then every read path measured side by side on one database.

Figures are medians over `repeats` runs in one process on one file, so that
ratios compare like with like on a noisy machine. Nothing here asserts a time.
"""

from __future__ import annotations

import functools
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import msgspec

from ledger.api import Ledger, import_into
from ledger.baseline import msgspec_replay, recorder, stock_replay
from ledger.dates import format_recorded
from ledger.errors import UsageError
from ledger.exports import write
from ledger.importing.check import CHUNK, check_chunks
from ledger.storage.constants import LOCK_TIMEOUT_S
from ledger.storage.sqlite.store import SQLiteStore

STATES = ["KZ", "RU", "BY", "AM", "TJ", "KG", "FR", "DE", "ML", "NE", "UA", "GE"]
FIRST_DAY = date(1990, 1, 1).toordinal()
LAST_DAY = date(2024, 12, 31).toordinal()


class BenchReport(msgspec.Struct):
    events: int
    import_per_s: float
    replay_per_s: float
    stock_replay_per_s: float
    speedup_vs_stock: float
    floor_per_s: float
    floor_ratio: float
    asof_ms: float
    peak_rss_mb: float
    full_replay_ms: float
    asof_ratio: float
    export_facts_ms: float
    export_ratio: float
    repeats: int
    backend: str = "sqlite"
    # The figures of issue 15's table, each a ratio of two times measured in this run.
    import_baseline_per_s: float = 0.0
    import_baseline_ratio: float = 0.0
    cheapest_scan_ratio: float = 0.0
    startup_ratio: float = 0.0
    proof_ms: float = 0.0
    verify_ms: float = 0.0
    verify_baseline_ratio: float = 0.0
    sqlite_import_per_s: float | None = None
    postgres_sqlite_import_ratio: float | None = None
    # eventsourcing's notification log read through our msgspec mapper rather than its stock one.
    msgspec_mapper_replay_per_s: float = 0.0
    speedup_vs_msgspec_mapper: float = 0.0
    # The CPU the import took (user and system, its checking process included) and the CPUs this
    # process may run on: with every one of them busy throughout, the import would still take
    # `import_cpu_s / cpus`, which is `import_cpu_bound_ratio` times the plain baseline's time.
    import_cpu_s: float = 0.0
    cpus: int = 0
    import_cpu_bound_ratio: float = 0.0
    # What the import cannot do without, each measured alone in this run: the CPU that checking
    # every line takes (as the checking process does it), and, on SQLite, the time SQLite takes to
    # store the rows the import wrote, commit included, with none of our Python around it.
    # `import_floor_ratio` is `import_floor_s` of them over the plain baseline's time: the ratio of an
    # import that did nothing else, its SQLite work never waiting and every CPU busy throughout.
    check_cpu_s: float = 0.0
    store_s: float | None = None
    import_floor_ratio: float | None = None


def synthetic_facts(n: int, seed: int = 1) -> bytes:
    """`n` contract-valid facts as a JSON Lines file: missions, troops, offices, statements and
    about one retraction in a hundred, dated across 35 years in random recording order."""
    rng = random.Random(seed)
    lines: list[str] = []
    retractable: list[str] = []
    for i in range(n):
        day = date.fromordinal(rng.randint(FIRST_DAY, LAST_DAY)).isoformat()
        fact: dict[str, object] = {"id": f"f{i}", "occurred": day, "sources": [{"publisher": "bench"}]}
        mission, state = f"mission-{i % 500}", rng.choice(STATES)
        kind = rng.random()
        if retractable and kind < 0.01:
            target = retractable.pop(rng.randrange(len(retractable)))
            fact |= {"type": "FactRetracted", "target": target, "reason": "bench"}
        elif kind < 0.35:
            fact |= {"type": "ForcesDeployed", "mission": mission, "contributor": state, "host": "KZ"}
            fact["personnel"] = rng.randint(10, 5000)
        elif kind < 0.45:
            fact |= {"type": "ForcesWithdrawn", "mission": mission, "contributor": state}
        elif kind < 0.5:
            fact |= {"type": "MissionAuthorized", "mission": mission, "organization": "csto", "host": "KZ"}
        elif kind < 0.65:
            fact |= {
                "type": "OfficeAssumed",
                "state": state,
                "office": f"minister-{i % 30}",
                "person": f"p-{i % 997}",
            }
        elif kind < 0.7:
            fact |= {"type": "PrimeMinisterAppointed", "state": state, "person": f"p-{i % 997}"}
        elif kind < 0.72:
            fact |= {"type": "GovernmentDismissed", "state": state}
        else:
            fact |= {
                "type": "StatementMade",
                "speaker": f"p-{i % 997}",
                "summary": f"statement {i}",
                "about": [state],
            }
        if fact["type"] != "FactRetracted":
            retractable.append(f"f{i}")
        lines.append(json.dumps(fact))
    return ("\n".join(lines) + "\n").encode()


def _median_s(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


FLOOR = "SELECT seq, fact_id, type, effective, payload FROM replay_index ORDER BY effective, rank, seq"


def _floor(db: Path | str) -> None:
    """The raw SQL scan of the rows a full replay reads, no decoding: in SQLite, or in PostgreSQL
    through the same kind of cursor the fast loop reads with (server-side, binary, in batches)."""
    if isinstance(db, str):
        import psycopg

        from ledger.storage.postgres.settings import Settings

        connect = psycopg.connect(**Settings(db).connect_args())
        with connect as pg, pg.transaction(), pg.cursor(name="floor", binary=True) as rows:
            rows.execute(FLOOR)
            while rows.fetchmany(4096):
                pass
        return
    with sqlite3.connect(db) as conn:
        cur = conn.execute(FLOOR)
        while cur.fetchmany(4096):
            pass
    conn.close()


def export_facts(lg: Ledger, as_of: date) -> int:
    """`ledger export facts --as-of AS_OF` as CSV into the null device: how many rows."""
    with open(os.devnull, "wb") as out:
        return write("facts", lg.export("facts", as_of=as_of), "csv", out)


# The tables that hold a row per fact (or per entry): the cheapest to scan whole is the floor of
# `cheapest_scan_ratio`.
FACT_TABLES = ("stored_events", "ledger_entries", "replay_index")


def _scan(db: Path | str, table: str) -> None:
    """Every row of `table`, every column, fetched 4,096 at a time, nothing decoded."""
    statement = f"SELECT * FROM {table}"
    if isinstance(db, str):
        import psycopg

        from ledger.storage.postgres.settings import Settings

        with (
            psycopg.connect(**Settings(db).connect_args()) as pg,
            pg.transaction(),
            pg.cursor(name="scan", binary=True) as rows,
        ):
            rows.execute(statement)
            while rows.fetchmany(4096):
                pass
        return
    with sqlite3.connect(db) as conn:
        cur = conn.execute(statement)
        while cur.fetchmany(4096):
            pass
    conn.close()


def plain_import(facts: Path, db: Path) -> None:
    """The plain baseline of an import: `json.loads` of every line, then one `executemany` of
    (id, type, line) into a fresh SQLite table, in one transaction, `synchronous = FULL`, with
    SQLite's rollback journal, as a new ledger's first import writes its file (`import_into`)."""
    lines = facts.read_bytes().splitlines()
    rows = []
    for line in lines:
        fact = json.loads(line)
        rows.append((fact["id"], fact["type"], line))
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("CREATE TABLE facts (id TEXT NOT NULL, type TEXT NOT NULL, line BLOB NOT NULL)")
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO facts VALUES (?,?,?)", rows)
        conn.execute("COMMIT")
    finally:
        conn.close()


STARTUP = "import sys\nsys.argv = ['ledger', '--version']\nfrom cli.main import main\nmain()\n"
REFERENCE = "import click, rich.table"


def startup_ratio(runs: int = 7) -> float:
    """`ledger --version` / `python -c "import click, rich.table"`: medians of `runs` starts of
    each, interleaved, each a fresh Python."""
    times: dict[str, list[float]] = {STARTUP: [], REFERENCE: []}
    for _ in range(runs):
        for code, taken in times.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
            taken.append(time.perf_counter() - start)
    return statistics.median(times[STARTUP]) / statistics.median(times[REFERENCE])


def _proof_s(lg: Ledger, events: int, seed: int, count: int = 200) -> float:
    """The median time of an inclusion proof of a random entry in the whole tree, in-process."""
    rng = random.Random(seed)
    size = lg.size()
    times = []
    for _ in range(min(count, max(1, events))):
        seq = rng.randrange(size)
        start = time.perf_counter()
        lg.inclusion_proof(seq)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _replay_peak_rss_mb(db: Path | str) -> float:
    """Peak RSS of a fresh process that only opens the ledger and replays it in full."""
    # VmHWM, not ru_maxrss: the latter is inherited across exec from this (large) process.
    code = (
        "import sys\n"
        "from ledger import Ledger\n"
        "with Ledger.open(sys.argv[1]) as lg:\n"
        "    lg.replay('9999-12-31', snapshots=False)\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
        "print(status.split()[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def run_bench(
    events: int, workdir: Path, repeats: int = 5, seed: int = 1, postgres: str | None = None
) -> BenchReport:
    """Generate, import, and measure every path on the same ledger: a file in `workdir`, or with
    `postgres` (a database URL) a new schema in that database, dropped afterwards."""
    if postgres is None:
        return _measure(events, workdir, workdir / "bench.db", repeats, seed)
    import psycopg
    from psycopg import sql as pgsql

    from ledger.storage.postgres.settings import Settings

    schema = f"ledger_bench_{os.getpid()}_{random.randrange(1 << 32):08x}"
    settings = Settings(postgres)
    if settings.schema != "public" or "?" in postgres:
        raise UsageError("name a database, not a schema; the bench makes its own", param="postgres")
    try:
        report = _measure(events, workdir, f"{postgres}?schema={schema}", repeats, seed)
        # The same facts into a SQLite file, in the same run: PostgreSQL's import against it.
        with Ledger.open(workdir / "sqlite.db", create=True) as lg:
            start = time.perf_counter()
            lg.import_files([workdir / "facts.jsonl"])
            sqlite_s = time.perf_counter() - start
        report.sqlite_import_per_s = round(events / sqlite_s)
        report.postgres_sqlite_import_ratio = round(report.import_per_s / report.sqlite_import_per_s, 2)
        return report
    finally:
        with psycopg.connect(**settings.connect_args()) as conn:
            conn.execute(pgsql.SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(pgsql.Identifier(schema)))


def _measure(events: int, workdir: Path, db: Path | str, repeats: int, seed: int) -> BenchReport:
    facts = workdir / "facts.jsonl"
    facts.write_bytes(synthetic_facts(events, seed))
    plain_s = _median_s(lambda: plain_import(facts, _fresh(workdir / "plain.db")), max(1, min(repeats, 3)))
    # The first import of a new ledger, as `ledger --db NEW import FILE` makes it.
    cpu, start = _cpu_s(), time.perf_counter()
    import_into(db, [(str(facts), facts.read_bytes())])
    import_s = time.perf_counter() - start
    import_cpu_s = _cpu_s() - cpu
    with Ledger.open(db) as lg:
        proof_s = _proof_s(lg, events, seed)
        verify_s = _median_s(lambda: lg.verify(), 1)
        last = date.fromordinal(LAST_DAY)
        full_s = _median_s(lambda: lg.replay(last, snapshots=False), repeats)
        export_s = _median_s(lambda: export_facts(lg, last), repeats)
        with recorder(db) as app:
            stock_s = _median_s(lambda: stock_replay(app, last), max(1, min(repeats, 3)))
            mapper_s = _median_s(lambda: msgspec_replay(app, last), max(1, min(repeats, 3)))
        floor_s = _median_s(lambda: _floor(db), repeats)
        cheapest_s = min(_median_s(functools.partial(_scan, db, table), repeats) for table in FACT_TABLES)
        lg.replay(last)  # a full replay leaves fresh snapshots behind
        rng = random.Random(seed)
        asof_s = _median_s(lambda: lg.replay(date.fromordinal(rng.randint(FIRST_DAY, LAST_DAY))), repeats)
    # After the reads, whose process they would leave with a larger heap to collect.
    check_s = check_cpu_s(facts.read_bytes())
    stored_s = store_s(db, _fresh(workdir / "store.db")) if isinstance(db, Path) else None
    least_s = None if stored_s is None else import_floor_s(check_s, stored_s, _cpus())
    peak = _replay_peak_rss_mb(db)
    startup = startup_ratio()
    return BenchReport(
        events=events,
        import_per_s=round(events / import_s),
        replay_per_s=round(events / full_s),
        stock_replay_per_s=round(events / stock_s),
        speedup_vs_stock=round(stock_s / full_s, 2),
        floor_per_s=round(events / floor_s),
        floor_ratio=round(full_s / floor_s, 2),
        asof_ms=round(asof_s * 1000, 1),
        peak_rss_mb=round(peak, 1),
        full_replay_ms=round(full_s * 1000, 1),
        asof_ratio=round(asof_s / full_s, 3),
        export_facts_ms=round(export_s * 1000, 1),
        export_ratio=round(export_s / full_s, 2),
        repeats=repeats,
        backend="sqlite" if isinstance(db, Path) else "postgresql",
        import_baseline_per_s=round(events / plain_s),
        import_baseline_ratio=round(import_s / plain_s, 2),
        cheapest_scan_ratio=round(full_s / cheapest_s, 2),
        startup_ratio=round(startup, 2),
        proof_ms=round(proof_s * 1000, 3),
        verify_ms=round(verify_s * 1000, 1),
        verify_baseline_ratio=round(verify_s / plain_s, 2),
        msgspec_mapper_replay_per_s=round(events / mapper_s),
        speedup_vs_msgspec_mapper=round(mapper_s / full_s, 2),
        import_cpu_s=round(import_cpu_s, 2),
        cpus=_cpus(),
        import_cpu_bound_ratio=round(import_cpu_s / _cpus() / plain_s, 2),
        check_cpu_s=round(check_s, 3),
        store_s=None if stored_s is None else round(stored_s, 3),
        import_floor_ratio=None if least_s is None else round(least_s / plain_s, 2),
    )


def import_floor_s(checking: float, storing: float, cpus: int) -> float:
    """The least time an import can take whose checking takes `checking` seconds of CPU and
    whose SQLite work takes `storing` seconds: that work is one connection's, in one transaction,
    so no other CPU can share it; the checking can at best be spread over every CPU with it."""
    return max(storing, (checking + storing) / cpus)


def check_cpu_s(data: bytes) -> float:
    """The CPU seconds that checking every line of `data` takes, in this process: each line
    decoded, checked and made ready to write, with its stored bytes and leaf hash, as the checking
    process of an import does it (`ledger.importing.check.check_chunks`)."""
    stamp = format_recorded(datetime.now(UTC))
    start = time.process_time()
    for chunk in check_chunks([("bench", data)], stamp=stamp):
        if chunk.refused is not None:
            raise UsageError(f"the bench's own facts were refused: {chunk.refused.message}")
    return time.process_time() - start


def store_s(made: Path, target: Path) -> float:
    """SQLite's share of an import, alone: the rows the import wrote into the ledger `made`,
    read back, then inserted into a new ledger at `target` as the import inserts them (a file of
    its own with the rollback journal, `SQLiteStore.create_beside`; in one write transaction,
    `SQLiteStore.writing`; stored events and entries a chunk at a time, the replay index sorted,
    at the end), the commit included. No import into this format does less."""
    src = sqlite3.connect(made)
    try:
        tables = {
            table: src.execute(f"SELECT {columns} FROM {table} ORDER BY {order}").fetchall()
            for table, columns, order in STORED
        }
    finally:
        src.close()
    events, entries = tables.pop("stored_events"), tables.pop("ledger_entries")
    store = SQLiteStore.create_beside(target, LOCK_TIMEOUT_S)
    try:
        start = time.perf_counter()
        with store.writing() as transaction:
            transaction.lock()
            for at in range(0, max(len(events), len(entries)), CHUNK):
                transaction.insert_events(events[at : at + CHUNK])
                transaction.executemany(
                    "INSERT INTO ledger_entries VALUES (?,?,?,?,?,?,?,?)", entries[at : at + CHUNK]
                )
            for table, rows in tables.items():
                if rows:  # a ledger of fewer than 16 entries has no Merkle node stored
                    marks = ",".join("?" * len(rows[0]))
                    transaction.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        return time.perf_counter() - start
    finally:
        store.discard()


# The tables an import writes (besides `ledger_meta`, made with the file), as `store_s` reads
# them back: columns, and the order in which the import inserts the rows.
STORED = (
    ("stored_events", "originator_id, originator_version, topic, state", "rowid"),
    ("ledger_entries", "*", "seq"),
    ("merkle_nodes", "*", "level, idx"),
    ("replay_index", "*", "effective, rank, seq"),
    ("checkpoints", "*", "size"),
)


def _cpu_s() -> float:
    """CPU seconds used so far by this process and by its children that ended (an import's
    checking process ends before the import returns)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _fresh(path: Path) -> Path:
    """`path`, with no file (nor WAL, nor journal) left there by an earlier run."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path
