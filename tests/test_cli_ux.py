"""The CLI as people and pipes meet it: the script's names, tables that never cut ids, types or
times, CSV and TSV output, readable summaries, and filters that are checked (issue items 4-9)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ledger_cli import run

BIN = Path(sys.executable).parent


# Item 4: a second console script, `timeline-ledger`


@pytest.mark.parametrize("name", ["ledger", "timeline-ledger"])
def test_both_scripts_run_and_help_shows_the_name_called_by(name: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(BIN / name), "--help"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"Usage: {name} [OPTIONS] COMMAND [ARGS]...")
    sub = subprocess.run(
        [str(BIN / name), "timeline", "--help"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert sub.stdout.startswith(f"Usage: {name} timeline [OPTIONS]")
    failed = subprocess.run(
        [str(BIN / name), "--db", "missing.db", "log"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert failed.returncode == 2
    assert failed.stderr.startswith(f"{name}: missing.db: no ledger here")


def test_other_names_are_shown_as_ledger() -> None:
    from cli.main import program_name

    assert program_name("/usr/bin/timeline-ledger") == "timeline-ledger"
    assert program_name("/x/ledger") == "ledger"
    assert program_name("main.py") == "ledger"
    assert program_name("") == "ledger"


def test_ledger_cli_helper_runs_the_ledger_script(tmp_path: Path) -> None:
    assert run("--version", cwd=tmp_path).stdout.startswith("ledger, version")


# Item 2, the command's side: it configures logging for itself


def test_log_level_info_shows_the_library_events_as_json_lines_on_stderr(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parent.parent / "docs" / "examples" / "kazakhstan-2022-01-11.jsonl"
    quiet = run("--db", tmp_path / "l.db", "import", example, cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == ""
    r = run("--log-level", "info", "--db", tmp_path / "l.db", "import", example, "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"appended": 0, "unchanged": 17, "size": 17}
    [line] = r.stderr.splitlines()
    event = json.loads(line)
    assert {k: event[k] for k in ("event", "level", "appended", "unchanged", "size")} == {
        "event": "import.done",
        "level": "info",
        "appended": 0,
        "unchanged": 17,
        "size": 17,
    }
    assert event["timestamp"].endswith("Z")
