"""Running the real `ledger` script in tests: a subprocess, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
