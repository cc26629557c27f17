"""`ledger check` (contract section 13): a receipted document checked against the ledger."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.group import cli, db_option, open_ledger
from cli.output import json_option, write_json
from cli.render import console
from ledger.errors import UsageError
from ledger.receipts import PARAM, CheckReport


def _read(name: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as e:
        raise UsageError(f"{name}: cannot read: {e.strerror or e}") from None


@cli.command()
@click.argument("file", metavar="FILE")
@db_option
@json_option
@click.pass_context
def check(ctx: click.Context, file: str, as_json: bool) -> None:
    """Check a document's receipt (`replay` or `audit` --json; FILE or - for stdin) against the ledger.

    Answers the receipt's query again from the ledger's first N entries (N: the receipt's size),
    each re-hashed from its stored bytes, and compares the root, the new answer's digest and the
    document's own digest with the receipt's. Exit 0 when all three are equal; 1 when one differs,
    saying which; 2 when FILE is not such a document or N is beyond the ledger."""
    data = _read(file)
    with open_ledger(ctx) as lg:
        try:
            report = lg.check(data)
        except UsageError as e:
            if e.param != PARAM:
                raise
            raise UsageError(e.naming(file)) from None
    if as_json:
        write_json({name: getattr(report, name) for name in ("ok", "size", "root", "digest", "message")})
    else:
        checked(report)
    if not report.ok:
        ctx.exit(1)


def checked(report: CheckReport) -> None:
    console().print(("OK: " if report.ok else "FAILED: ") + report.message, highlight=False)
