"""The `ledger` console script: the command group with every command registered."""

from __future__ import annotations

import sys

import click

from cli import bench, commands, proofs, receipts  # noqa: F401  (each registers its commands on the group)
from cli.group import cli

__all__ = ["cli", "main"]


def main() -> None:
    try:
        cli.main(prog_name="ledger")
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        click.echo("ledger: interrupted", err=True)
        sys.exit(130)
