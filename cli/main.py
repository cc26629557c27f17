"""The `ledger` and `timeline-ledger` console scripts: the command group with every command registered.

Both names run the same group; `--help`, usage lines and error messages use the name it was
called by (Debian's `ledger`, an accounting tool, takes the short name on many systems)."""

from __future__ import annotations

import os
import sys

import click

from cli.group import cli

__all__ = ["COMMANDS", "NAMES", "cli", "main", "program_name"]

# Each command and the module that defines it (and registers it on the group when imported): a
# command's module is imported when the command is asked for, so that `ledger --version` loads
# neither the store nor its drivers (`tests/test_startup.py` checks that this map is complete).
COMMANDS = {
    "init": "cli.commands",
    "import": "cli.commands",
    "replay": "cli.commands",
    "timeline": "cli.commands",
    "log": "cli.commands",
    "show": "cli.commands",
    "demo": "cli.commands",
    "copy": "cli.commands",
    "verify": "cli.proofs",
    "checkpoint": "cli.proofs",
    "proof": "cli.proofs",
    "keygen": "cli.proofs",
    "check": "cli.receipts",
    "bench": "cli.bench",
    "audit": "cli.audit",
    "export": "cli.exports",
    "plot": "cli.plot",
}
cli.lazy = COMMANDS

NAMES = ("ledger", "timeline-ledger")


def program_name(argv0: str) -> str:
    """The script's name as called (`timeline-ledger`), or `ledger` for anything else
    (`python -m cli.main`, a wrapper script)."""
    name = os.path.basename(argv0)
    return name if name in NAMES else NAMES[0]


def main() -> None:
    prog = program_name(sys.argv[0] if sys.argv else "")
    try:
        cli.main(prog_name=prog)
    except KeyboardInterrupt:  # before a command runs (the group tells it during one): exit 1
        click.echo(f"{prog}: interrupted", err=True)
        sys.exit(1)
