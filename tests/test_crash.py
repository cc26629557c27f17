"""Crash safety: `ledger import` and `ledger replay` killed with SIGKILL at chosen moments.

Each kill leaves all of the import or none of it, `ledger verify` exits 0, and
running the same import again gives what a ledger that was never killed holds.
On a ledger that already holds an earlier import, "none of it" means the
earlier state exactly: size, root, checkpoints, snapshots, log and replay
output. (tests/test_verifiable_log.py kills an import at timed moments and
checks the checkpoints; this file chooses the moments by what the process is
doing, and compares whole ledgers.)

The moments: while the import holds SQLite's write lock but has written nothing
yet; while it writes its transaction into the write-ahead log (watched from
here); frozen just before its COMMIT (a reader and a writer are tried while it
is frozen); right after its COMMIT; during the checkpoint that follows. The
SQL-level moments use `HOOK`, a wrapper that runs the real `ledger` command
and signals itself when its connections reach a given statement; a SIGKILL is
a SIGKILL whoever sends it.

`pytest tests/test_crash.py -s` prints the outcome of every kill (the figures of
docs/reliability.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from ledger_cli import run, start, wal_size, wal_written
from strategies import fact, jsonl, mask_root

from ledger import Ledger
from ledger.importing.check import PARALLEL_BYTES

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

N_A = 22_000  # the earlier import: over ledger.replay.SNAPSHOT_EVERY folded facts, so replays take snapshots
N_B = 10_000  # the import killed, into a new ledger and into one that holds the earlier import
AS_OF = "2030-01-01"

# The `ledger` command, run by a Python wrapper that sends itself KILL_SIGNAL (default KILL) when
# its SQLite connections have run, in order, statements starting with each `>>`-separated part of
# KILL_AT (`*`: any statement; `close`, last: as a connection is about to close). The trace callback
# runs as a statement starts, before it executes.
HOOK = r"""
import os, signal, sqlite3, sys
steps = os.environ["KILL_AT"].split(" >> ")
sig = getattr(signal, "SIG" + os.environ.get("KILL_SIGNAL", "KILL"))
_connect = sqlite3.connect
def _trace(sql):
    if steps and (steps[0] == "*" or sql.startswith(steps[0])):
        steps.pop(0)
        if not steps:
            os.kill(os.getpid(), sig)
class _Connection(sqlite3.Connection):
    def close(self):
        if steps == ["close"]:
            steps.pop(0)
            os.kill(os.getpid(), sig)
        super().close()
def connect(*args, **kwargs):
    kwargs.setdefault("factory", _Connection)
    conn = _connect(*args, **kwargs)
    conn.set_trace_callback(_trace)
    return conn
sqlite3.connect = connect
sys.argv[0] = "ledger"
from cli.main import main
main()
"""

WRITE_LOCK = "UPDATE ledger_meta SET value = value"  # the recorder's first statement: takes the write lock
COMMIT = "COMMIT"
SNAPSHOTS = "BEGIN IMMEDIATE"  # SQLiteStore.save_snapshots

_KINDS = (
    '"type":"ForcesDeployed","mission":"m{m}","contributor":"{c}","personnel":{i}',
    '"type":"OfficeAssumed","state":"{c}","office":"minister-{m}","person":"p{k}"',
    '"type":"MissionRequested","mission":"m{m}","organization":"org","host":"{c}"',
    '"type":"StatementMade","speaker":"p{k}","summary":"said {i}"',
)
_STATES = ("RU", "BY", "AM", "KZ", "KG", "TJ")


def write_facts(path: Path, prefix: str, n: int, note: int = 0) -> Path:
    """n valid facts over 420 days in thirty years (19 in 20 folded by replay), written fast;
    `note`: the length of a note on each, to make a file large with few facts."""
    lines = []
    extra = f',"note":"{"n" * note}"' if note else ""
    for i in range(n):
        kind = _KINDS[3 if i % 20 == 19 else i % 3]
        body = kind.format(m=i % 40, c=_STATES[i % 6], i=i, k=i % 50)
        day = f"{1990 + i % 30}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        lines.append(
            f'{{"id":"{prefix}-{i}","occurred":"{day}",{body}{extra},"sources":[{{"publisher":"Wire"}}]}}\n'
        )
    path.write_text("".join(lines), encoding="utf-8")
    return path


def connect(db: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(db, isolation_level=None))


class State(NamedTuple):
    """A ledger as its users can see it, down to the bytes."""

    size: int
    root: str
    entries: list[tuple[int, str, str, str]]  # seq, id, type, recorded_at
    checkpoints: list[tuple[int, str, str]]  # size, root, timestamp
    snapshots: list[tuple[int, int, str]]  # effective, size, digest of the state
    replay: str  # `ledger replay --as-of AS_OF --json`, as printed

    def masked(self) -> tuple[Any, ...]:
        """What a ledger holding the same facts recorded at other times shares with this one."""
        return (
            self.size,
            [e[:3] for e in self.entries],
            [c[0] for c in self.checkpoints],
            mask_root(json.loads(self.replay)),
        )


def verified(db: Path, cwd: Path) -> dict[str, Any]:
    """`ledger verify --json`, which must exit 0."""
    v = run("--db", db, "verify", "--json", cwd=cwd)
    assert v.returncode == 0, v.stdout + v.stderr
    report: dict[str, Any] = json.loads(v.stdout)
    assert report["ok"], report
    return report


def observe(db: Path, cwd: Path) -> State:
    """Verify the ledger (exit 0), replay it (which may leave a snapshot), then read everything a
    user could compare."""
    report = verified(db, cwd)
    replay = run("--db", db, "replay", "--as-of", AS_OF, "--json", cwd=cwd)
    assert replay.returncode == 0, replay.stderr
    assert json.loads(replay.stdout)["ledger"] == {"size": report["size"], "root": report["root"]}
    with connect(db) as c:
        entries = c.execute("SELECT seq, fact_id, type, recorded_at FROM ledger_entries ORDER BY seq")
        entries = entries.fetchall()
        rows = c.execute("SELECT size, root, timestamp FROM checkpoints ORDER BY size")
        checkpoints = [(n, bytes(r).hex(), t) for n, r, t in rows]
        rows = c.execute("SELECT effective, size, state FROM projection_snapshots ORDER BY effective")
        snapshots = [(d, n, hashlib.sha256(s).hexdigest()) for d, n, s in rows]
    assert [e[0] for e in entries] == list(range(report["size"]))
    return State(report["size"], report["root"], entries, checkpoints, snapshots, replay.stdout)


Moment = Callable[[Path, Path, Path, State], str]  # (db, file, cwd, state before) -> what was done


def stopped(proc: subprocess.Popen[bytes]) -> None:
    """Wait until the child stopped itself with SIGSTOP (the child is not reaped)."""
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), f"the hook never fired: status {status}"


def killed(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.returncode


def hooked(*args: str | Path, cwd: Path, at: str, sig: str = "KILL") -> subprocess.Popen[bytes]:
    """`ledger ARGS` under HOOK: it signals itself with `sig` at the statement `at` names."""
    return start(*args, cwd=cwd, env={"KILL_AT": at, "KILL_SIGNAL": sig}, prefix=(sys.executable, "-c", HOOK))


def frozen_before_commit(db: Path, path: Path, cwd: Path, before: State) -> str:
    """Freeze the import just before its COMMIT, look at the ledger from outside, then kill it."""
    proc = hooked("--db", db, "import", path, cwd=cwd, at=f"{WRITE_LOCK} >> {COMMIT}", sig="STOP")
    stopped(proc)
    with connect(db) as c:  # a reader sees the earlier ledger; a writer cannot get the lock
        assert c.execute("SELECT count(*) FROM ledger_entries").fetchone()[0] == before.size
        assert c.execute("SELECT count(*) FROM checkpoints").fetchone()[0] == len(before.checkpoints)
        c.execute("PRAGMA busy_timeout = 0")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            c.execute("BEGIN IMMEDIATE")
    killed(proc)
    return "while frozen just before COMMIT"


def at_statement(at: str) -> Moment:
    def kill(db: Path, path: Path, cwd: Path, before: State) -> str:
        proc = hooked("--db", db, "import", path, cwd=cwd, at=at)
        proc.wait(timeout=120)
        assert proc.returncode == -signal.SIGKILL, (at, proc.returncode, proc.stderr)
        return f"at `{at}`"

    return kill


def while_writing_the_wal(db: Path, path: Path, cwd: Path, before: State) -> str:
    """The real `ledger` script, killed once it has put 256 KiB of its transaction in the WAL."""
    assert not wal_written(db)  # the last clean close removed it, so growth is this import's
    proc = start("--db", db, "import", path, "--json", cwd=cwd)
    while proc.poll() is None and wal_size(db) < 256 * 1024:
        time.sleep(0.0005)
    size = wal_size(db)
    if proc.poll() is not None:  # a loaded machine can sleep through the whole commit
        return f"while writing the WAL: missed it (exit {proc.returncode})"
    killed(proc)
    return f"while writing the WAL ({size} bytes in it)"


def after_the_wal_settles(db: Path, path: Path, cwd: Path, before: State) -> str:
    """The real `ledger` script, killed once its WAL stopped growing: the checkpoint after COMMIT."""
    assert not wal_written(db)
    proc = start("--db", db, "import", path, "--json", cwd=cwd)
    last, still = -1, 0
    while proc.poll() is None and still < 5:
        size = wal_size(db)
        still = still + 1 if size == last and size > 256 * 1024 else 0
        last = size
        time.sleep(0.002)
    if proc.poll() is None:
        killed(proc)
    return f"after the WAL settled at {last} bytes (exit {proc.returncode})"


def crash_series(
    db: Path, path: Path, n: int, moments: list[Moment], cwd: Path, reference: State
) -> tuple[State, State]:
    """Kill the import of `path` (n facts) at each moment in turn; check all or nothing each time;
    then complete it. Returns the state before and after."""
    before = observe(db, cwd)
    ids = {f"{path.stem}-{i}" for i in range(n)}
    for moment in moments:
        how = moment(db, path, cwd, before)
        after = observe(db, cwd)
        if after.size == before.size:
            assert after == before, how  # none of it: the earlier ledger exactly
            print(f"{path.name} killed {how}: none of it")
            continue
        assert after.size == before.size + n, how  # all of it
        assert after.entries[: before.size] == before.entries, how
        assert {e[1] for e in after.entries[before.size :]} == ids, how
        assert len({e[3] for e in after.entries[before.size :]}) == 1, how  # one transaction, one time
        assert after.checkpoints[:-1] == before.checkpoints, how
        assert after.checkpoints[-1][:2] == (after.size, after.root), how
        print(f"{path.name} killed {how}: all of it")
        break
    done = run("--db", db, "import", path, "--json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    final = observe(db, cwd)
    assert result["appended"] == final.size - after.size and result["appended"] in (0, n)
    assert result["appended"] + result["unchanged"] == n and result["size"] == final.size
    if after.size > before.size:
        assert final == after  # the killed import was complete: the same import again is a no-op
    assert final.masked() == reference.masked()
    assert final.entries[: before.size] == before.entries
    assert final.checkpoints[: len(before.checkpoints)] == before.checkpoints
    return before, final


# Never killed: the ledgers the killed ones must end up equal to.


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("crash")
    a = write_facts(tmp / "a.jsonl", "a", N_A)
    b = write_facts(tmp / "b.jsonl", "b", N_B)
    ref_a, ref_ab, ref_b = tmp / "ref-a.db", tmp / "ref-ab.db", tmp / "ref-b.db"
    assert run("--db", ref_a, "import", a, cwd=tmp).returncode == 0
    shutil.copy(ref_a, ref_ab)
    state_a = observe(ref_a, tmp)  # its replay took a snapshot
    assert state_a.snapshots
    assert run("--db", ref_ab, "import", b, cwd=tmp).returncode == 0
    assert run("--db", ref_b, "import", b, cwd=tmp).returncode == 0
    return {
        "a": a,
        "b": b,
        "ref_a": ref_a,
        "a_state": state_a,
        "ab_state": observe(ref_ab, tmp),
        "b_state": observe(ref_b, tmp),
    }


@pytest.mark.slow
@pytest.mark.subprocess
def test_killed_import_into_a_new_ledger_leaves_all_or_nothing(work: dict[str, Any], tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    assert run("--db", db, "init", cwd=tmp_path).returncode == 0
    moments: list[Moment] = [after_the_wal_settles]  # the other moments: on the ledger with history
    before, final = crash_series(db, work["b"], N_B, moments, tmp_path, work["b_state"])
    assert before.size == 0 and final.size == N_B


@pytest.mark.slow
@pytest.mark.subprocess
def test_killed_import_on_a_ledger_with_history_leaves_it_exactly_as_it_was_or_complete(
    work: dict[str, Any], tmp_path: Path
) -> None:
    db = tmp_path / "ledger.db"
    shutil.copy(work["ref_a"], db)  # holds the first import and a projection snapshot
    moments = [
        at_statement(WRITE_LOCK),
        while_writing_the_wal,
        frozen_before_commit,
        at_statement(f"{WRITE_LOCK} >> {COMMIT} >> close"),  # right after COMMIT, before closing
    ]
    before, final = crash_series(db, work["b"], N_B, moments, tmp_path, work["ab_state"])
    assert before.snapshots and before.size == N_A
    assert final.size == N_A + N_B
    assert final.checkpoints[0] == before.checkpoints[0]  # the earlier root still checkpointed


@pytest.mark.slow
@pytest.mark.subprocess
def test_killed_replay_leaves_a_ledger_that_verifies(work: dict[str, Any], tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    shutil.copy(work["ref_a"], db)
    with connect(db) as c:
        c.execute("DELETE FROM projection_snapshots")
    expected = work["a_state"]

    moments = [
        (f"{SNAPSHOTS} >> {COMMIT}", "STOP"),  # every row written, frozen before COMMIT
        (f"{SNAPSHOTS} >> {COMMIT} >> *", "KILL"),  # right after COMMIT
    ]
    for at, sig in moments:
        proc = hooked("--db", db, "replay", "--as-of", AS_OF, "--json", cwd=tmp_path, at=at, sig=sig)
        if sig == "STOP":
            stopped(proc)
            with connect(db) as c:
                assert c.execute("SELECT count(*) FROM projection_snapshots").fetchone()[0] == 0
            killed(proc)
        else:
            proc.wait(timeout=120)
            assert proc.returncode == -signal.SIGKILL, (at, proc.stderr)
        with connect(db) as c:
            snapshots = c.execute("SELECT count(*) FROM projection_snapshots").fetchone()[0]
        verified(db, tmp_path)
        assert bool(snapshots) == at.endswith("*"), at  # only a committed snapshot survives
        print(f"replay killed at `{at}` ({sig}): {snapshots} snapshot(s) kept; verifies")
    state = observe(db, tmp_path)  # a replay from the surviving snapshot gives the same document
    assert state.replay == expected.replay and state.snapshots == expected.snapshots
    assert state == expected


# Inputs of importer.PARALLEL_BYTES (4 MB) or more are checked in a forked worker process.

N_W = 9_000  # more than importer.CHUNK lines, so the worker hands over two chunks


def children(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                state, ppid = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()[:2]
            except (OSError, ValueError):
                continue
            if int(ppid) == pid and state != "Z":
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def worker_of(proc: subprocess.Popen[bytes]) -> int:
    """The pid of the process `ledger import` forks to check its input, once it exists."""
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if kids := children(proc.pid):
            return kids[0]
        time.sleep(0.002)
    raise AssertionError(f"no checking process appeared (exit {proc.returncode})")


def gone(pid: int, within: float) -> bool:
    """Whether `pid` ends within `within` seconds; if not, it is killed here (it is ours)."""
    deadline = time.monotonic() + within
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        return False
    return True


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = write_facts(tmp_path_factory.mktemp("large") / "w.jsonl", "w", N_W, note=330)
    assert path.stat().st_size >= PARALLEL_BYTES
    return path


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


@pytest.mark.slow
@needs_proc
@pytest.mark.subprocess
def test_killed_checker_or_importer_while_checking_leaves_nothing(large: Path, tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    assert run("--db", db, "init", cwd=tmp_path).returncode == 0
    before = observe(db, tmp_path)
    # The checking process killed: the import stops with exit 1 and rolls back.
    proc = start("--db", db, "import", large, "--json", cwd=tmp_path)
    os.kill(worker_of(proc), signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert err.decode() == "ledger: the process checking the input stopped; nothing was written\n"
    assert observe(db, tmp_path) == before
    print("w.jsonl: its checking process killed: exit 1, none of it")
    # The importer killed while its worker checks: none of it.
    proc = start("--db", db, "import", large, "--json", cwd=tmp_path)
    worker = worker_of(proc)
    time.sleep(0.05)
    killed(proc)
    left = not gone(worker, 0.5)
    assert observe(db, tmp_path) == before
    print(f"w.jsonl killed while its worker checks: none of it (worker left behind: {left})")
    done = run("--db", db, "import", large, "--json", cwd=tmp_path)
    assert json.loads(done.stdout) == {"appended": N_W, "unchanged": 0, "size": N_W}, done.stderr
    final = observe(db, tmp_path)
    assert [e[1] for e in final.entries] == [f"w-{i}" for i in range(N_W)]


@pytest.mark.slow
@needs_proc
@pytest.mark.subprocess
def test_a_killed_importer_leaves_no_checking_process_behind(large: Path, tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    assert run("--db", db, "init", cwd=tmp_path).returncode == 0
    proc = start("--db", db, "import", large, cwd=tmp_path)
    worker = worker_of(proc)
    time.sleep(0.05)
    killed(proc)
    assert gone(worker, 1.0)


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_bad_last_line_of_a_large_import_writes_nothing(work: dict[str, Any], tmp_path: Path) -> None:
    """Never a partial write: 10,000 good facts and then a bad one are refused whole (exit 2)."""
    db = tmp_path / "ledger.db"
    shutil.copy(work["ref_a"], db)
    bad = tmp_path / "bad.jsonl"
    line = (
        '{"type":"DeploymentCompleted","occurred":"2022-13-01","mission":"m",'
        + '"sources":[{"publisher":"W"}]}'
    )
    bad.write_bytes(work["b"].read_bytes() + line.encode() + b"\n")
    r = run("--db", db, "import", bad, "--json", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == "", r.stderr
    assert r.stderr.startswith(f"ledger: {bad}:{N_B + 1}: $.occurred: "), r.stderr
    assert observe(db, tmp_path) == work["a_state"]


def test_every_commit_is_in_wal_mode_with_synchronous_full(tmp_path: Path) -> None:
    """What a commit promises after a power loss (docs/reliability.md): journal_mode WAL with
    synchronous FULL syncs the WAL at every commit. The ledger sets FULL itself on its connection
    when it opens it, before an import writes and before snapshots are saved, whatever this
    SQLite build's default (SQLITE_DEFAULT_WAL_SYNCHRONOUS) is."""
    with Ledger.open(tmp_path / "l.db", create=True) as lg:
        db = lg._store._db()  # the one connection that reads, imports and saves snapshots
        opened = db.execute("PRAGMA synchronous").fetchone()[0]
        db.execute("PRAGMA synchronous = OFF")  # as a weaker build would have it
        lg.import_facts([("f.jsonl", jsonl(fact("DeploymentCompleted", "2022", id="x", mission="m")))])
        journal = db.execute("PRAGMA journal_mode").fetchone()[0]
        imported = db.execute("PRAGMA synchronous").fetchone()[0]
        db.execute("PRAGMA synchronous = OFF")
        assert lg._store.save_snapshots(1, [(1, b"state")])
        snapshots = db.execute("PRAGMA synchronous").fetchone()[0]
    assert (journal, opened, imported, snapshots) == ("wal", 2, 2, 2)


# Ctrl-C (SIGINT): it stops an import while its lines are checked, and is held back once they all
# are, until the import is written: `ledger import` never says it was interrupted when it was not.


@pytest.mark.slow
@pytest.mark.subprocess
def test_ctrl_c_at_the_commit_is_held_back_and_the_import_says_it_was_written(
    work: dict[str, Any], tmp_path: Path
) -> None:
    """Found by a trial: Ctrl-C as the import committed printed click's "Aborted!" and exit 1,
    though every fact had been written."""
    for db in (tmp_path / "new.db", tmp_path / "history.db"):
        if db.name == "history.db":
            shutil.copy(work["ref_a"], db)
        proc = hooked(
            "--db", db, "import", work["b"], cwd=tmp_path, at=f"{WRITE_LOCK} >> {COMMIT}", sig="INT"
        )
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.decode().startswith(f"Appended {N_B} facts")
        assert b"Ctrl-C came while the checked facts were being written: they were, in whole" in err
        assert b"Aborted" not in err and b"Traceback" not in err
        want = work["b_state"] if db.name == "new.db" else work["ab_state"]
        assert observe(db, tmp_path).size == want.size


@pytest.mark.slow
@pytest.mark.subprocess
def test_ctrl_c_while_lines_are_checked_stops_the_import_and_writes_nothing(
    work: dict[str, Any], tmp_path: Path
) -> None:
    # Ctrl-C as the first chunk of 10,000 lines is planned (its write lock taken or about to be),
    # long before the last line is checked: the import stops, and everything is rolled back.
    db = tmp_path / "history.db"
    shutil.copy(work["ref_a"], db)
    for target in (db, tmp_path / "new.db"):
        prefix = (sys.executable, "-c", INTERRUPT_AT_FIRST_PROGRESS)
        proc = start("--db", target, "import", work["b"], cwd=tmp_path, prefix=prefix)
        out, err = proc.communicate(timeout=120)
        assert (proc.returncode, out) == (1, b""), err
        assert err == b"ledger: interrupted; nothing was written (an import is all or nothing)\n"
    assert observe(db, tmp_path) == work["a_state"]
    assert not [p.name for p in tmp_path.iterdir() if "new" in p.name]  # no new ledger, nothing left


# `ledger` run by a Python that sends itself SIGINT as the import reports its first chunk checked
# and planned (`cli.interrupts.Held.progress`), from the main thread, where Python raises it.
INTERRUPT_AT_FIRST_PROGRESS = r"""
import os, signal, sys
import cli.interrupts
progress = cli.interrupts.Held.progress
def first_interrupted(self, n):
    if not self.seen:
        os.kill(os.getpid(), signal.SIGINT)
    progress(self, n)
cli.interrupts.Held.progress = first_interrupted
sys.argv[0] = "ledger"
from cli.main import main
main()
"""
