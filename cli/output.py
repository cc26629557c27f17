"""Shared output options and JSON writing (machines get JSON, people get tables)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click
import msgspec
from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
_ENCODER = msgspec.json.Encoder()


def json_option(f: F) -> F:
    """`--json`: one JSON object (or JSON Lines for streams) on stdout."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON for programs instead of a table."
    )(f)


def knowledge_options(f: F) -> F:
    """`--size` and `--known-at`: replay what the ledger knew."""
    f = click.option(
        "--known-at",
        metavar="MOMENT",
        help="Consider only entries recorded at or before this moment (no offset: UTC), or by the "
        "end of this date's effective day, UTC (2026-12-04: 2026-12-04T23:59:59.999999Z).",
    )(f)
    return click.option(
        "--size",
        type=click.IntRange(min=0),
        metavar="N",
        help="Consider only the first N ledger entries.",
    )(f)


def to_json(value: Any) -> bytes:
    """msgspec JSON; facts come out whole, without nulls or defaults (their Structs omit them)."""
    return _ENCODER.encode(value)


def write_json(value: Any) -> None:
    out = sys.stdout.buffer
    out.write(to_json(value) + b"\n")
    out.flush()


def write_json_lines(values: Iterable[Any]) -> None:
    out = sys.stdout.buffer
    for value in values:
        out.write(to_json(value) + b"\n")
    out.flush()


def emit(as_json: bool, value: T, show: Callable[[Console, T], None]) -> None:
    """One JSON object for programs, or `show` renders it for people."""
    if as_json:
        write_json(value)
    else:
        from cli.render import console

        show(console(), value)
