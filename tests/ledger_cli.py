"""Running the real `ledger` script in tests: a subprocess, never a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

LEDGER = Path(sys.executable).parent / "ledger"


def run(
    *args: str | Path,
    cwd: Path,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    env_db: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """`ledger ARGS` in `cwd`, with LEDGER_DB unset unless `env_db` is given."""
    environ = {k: v for k, v in os.environ.items() if k != "LEDGER_DB"}
    environ.update(env or {})
    if env_db is not None:
        environ["LEDGER_DB"] = str(env_db)
    proc = subprocess.run(
        [str(LEDGER), *map(str, args)],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        cwd=cwd,
        env=environ,
        timeout=120,
        check=False,
    )
    result = subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in out.splitlines()]


def start(
    *args: str | Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    prefix: tuple[str, ...] = (),
) -> subprocess.Popen[bytes]:
    """`ledger ARGS` started in the background (stdout and stderr piped), LEDGER_DB unset.

    `prefix` replaces the script by another command line that runs it (a Python wrapper)."""
    environ = {k: v for k, v in os.environ.items() if k != "LEDGER_DB"}
    environ.update(env or {})
    return subprocess.Popen(
        [*(prefix or (str(LEDGER),)), *map(str, args)],
        cwd=cwd,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wal_size(db: Path) -> int:
    """The size of the ledger's write-ahead log; 0 when there is none."""
    try:
        return Path(f"{db}-wal").stat().st_size
    except FileNotFoundError:
        return 0


def wal_written(db: Path) -> bool:
    """Whether a writer has put anything in the write-ahead log (SQLite deletes it on a clean close)."""
    return wal_size(db) > 0


def kill_at(proc: subprocess.Popen[bytes], when: float | str, db: Path) -> None:
    """SIGKILL after `when` seconds, or `wal+s`: s seconds after the import starts writing."""
    if isinstance(when, str):
        extra = float(when.removeprefix("wal+"))
        deadline = time.monotonic() + 60
        while proc.poll() is None and not wal_written(db) and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(extra)
    else:
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=when)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
