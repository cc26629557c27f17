"""Start-up: `ledger --version` loads no store, driver, logger or table code.

Each command's module is imported when the command is asked for (`cli.main.COMMANDS`); these
tests check that the map names every command the modules define, and that the script's start
leaves the heavy modules unloaded.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from ledger_cli import invoke

from cli.main import COMMANDS, cli

# Modules `ledger --version` must not load: they cost most of a command's start-up.
HEAVY = (
    "psycopg",
    "psycopg_pool",
    "eventsourcing",
    "structlog",
    "rich",
    "aiosqlite",
    "sqlite3",
    "ledger.api",
    "matplotlib",
    "pyarrow",
)


def loaded_by(*args: str) -> list[str]:
    """The HEAVY modules a fresh Python has loaded after running the `ledger` entry point."""
    code = (
        "import sys\n"
        f"sys.argv = ['ledger', *{list(args)!r}]\n"
        "from cli.main import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return eval(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.subprocess
def test_version_starts_without_the_heavy_modules() -> None:
    assert loaded_by("--version") == []


@pytest.mark.subprocess
def test_a_command_still_loads_what_it_needs() -> None:
    assert "ledger.api" in loaded_by("--db", "/nonexistent/dir/x.db", "replay")


def test_every_command_is_in_the_lazy_map() -> None:
    for module in sorted(set(COMMANDS.values())):
        importlib.import_module(module)
    defined = {name: command.callback.__module__ for name, command in cli.commands.items()}
    assert defined == COMMANDS


def test_help_lists_every_command(tmp_path: Path) -> None:
    out = invoke("--help", cwd=tmp_path).stdout
    for name in COMMANDS:
        assert f"  {name} " in out
