"""Running the `ledger` command in tests, never a traceback: `invoke` in this process (click's
CliRunner: milliseconds), `run` and `start` as the real script in a subprocess (a Python start:
tenths of a second each). A test is about the process (the installed script, its exit status,
signals, crashes, several writers, the environment a process starts with) or it uses `invoke`."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pkgutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Any

import click
import structlog
from click.testing import CliRunner

LEDGER = Path(sys.executable).parent / "ledger"
_ONE_AT_A_TIME = threading.Lock()  # CliRunner swaps sys.stdin, stdout, stderr and os.environ


class _Runner(CliRunner):
    """CliRunner, but help as wide as the script makes it (the terminal's, or $COLUMNS, at most
    80 less 2): CliRunner would make it 80."""

    @contextlib.contextmanager
    def isolation(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        with super().isolation(*args, **kwargs) as streams:
            click.formatting.FORCED_WIDTH = None  # put back by CliRunner on the way out
            yield streams


@cache
def command_group() -> click.Group:
    """The `ledger` group with every command registered, as `cli.main.main()` has it: every module
    of the `cli` package imported (tests/test_docs.py checks these are the installed script's)."""
    import cli as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"cli.{module.name}")
    from cli.main import cli

    return cli


def invoke(
    *args: str | Path,
    cwd: Path,
    stdin: bytes | None = None,
    env: Mapping[str, str | None] | None = None,
    env_db: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """`ledger ARGS` in `cwd`, in this process: what `run` returns and checks, without a Python
    start (`env`: variables to set, or to unset with None). An exception out of the command (a
    traceback, from the script) fails the test."""
    environ: dict[str, str | None] = {"LEDGER_DB": None, **(env or {})}
    if env_db is not None:
        environ["LEDGER_DB"] = str(env_db)
    logging = structlog.get_config()  # each invocation configures structlog onto its own stderr
    with _ONE_AT_A_TIME, contextlib.chdir(cwd):
        try:
            result = _Runner().invoke(
                command_group(),
                [str(a) for a in args],
                input=stdin if stdin is not None else b"",
                env=environ,
                prog_name="ledger",
            )
        finally:
            structlog.configure(**logging)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        shown = "".join(traceback.format_exception(*result.exc_info))
        raise AssertionError(f"ledger {' '.join(map(str, args))} raised:\n{shown}{result.stderr}")
    assert "Traceback" not in result.stderr, result.stderr
    return subprocess.CompletedProcess(
        ["ledger", *map(str, args)], result.exit_code, result.stdout, result.stderr
    )


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
