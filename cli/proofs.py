"""Commands of the verifiable log (contract section 8): checkpoint, proof, verify, keygen."""

from __future__ import annotations

import os
from pathlib import Path

import click
import msgspec

from cli import render
from cli.group import cli, db_option, open_ledger
from cli.output import emit, json_option, write_json
from ledger.checkpoint import CheckpointError, check_public_key, generate_key, is_private_key, parse
from ledger.errors import UsageError
from ledger.verification import SIGNATURE_NOT_CHECKED


def _read_text(path: str, option: str) -> str:
    """The file's text exactly as written: no newline translation (a signed note's CR is its own)."""
    try:
        return Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{option} {path}: cannot read: {e}") from None


@cli.command()
@click.option(
    "--sign", "key_file", metavar="KEYFILE", help="Sign with this private key (from `ledger keygen`)."
)
@db_option
@json_option
@click.pass_context
def checkpoint(ctx: click.Context, key_file: str | None, as_json: bool) -> None:
    """The current checkpoint: C2SP tlog-checkpoint text, or JSON."""
    private = None if key_file is None else _read_text(key_file, "--sign")
    with open_ledger(ctx) as lg:
        cp = lg.checkpoint(private_key=private)
    if as_json:
        write_json(cp)
    else:
        click.echo(cp.text(), nl=False)


@cli.group()
def proof() -> None:
    """RFC 6962 proofs: that an entry is in the log, that the log only grew."""


@proof.command()
@click.argument("ref", metavar="SEQ_OR_FACT_ID")
@click.option(
    "--size", type=click.IntRange(min=1), metavar="N", help="Prove against the tree of the first N entries."
)
@db_option
@json_option
@click.pass_context
def inclusion(ctx: click.Context, ref: str, size: int | None, as_json: bool) -> None:
    """Prove that an entry is in the log (digits only: a SEQ)."""
    with open_ledger(ctx) as lg:
        p = lg.inclusion_proof(ref, size=size)
    emit(as_json, p, render.inclusion_proof)


@proof.command()
@click.argument("old", type=click.IntRange(min=0))
@click.argument("new", type=click.IntRange(min=0), required=False)
@db_option
@json_option
@click.pass_context
def consistency(ctx: click.Context, old: int, new: int | None, as_json: bool) -> None:
    """Prove that the log of size NEW (default: now) extends the log of size OLD unchanged."""
    with open_ledger(ctx) as lg:
        p = lg.consistency_proof(old, new)
    emit(as_json, p, render.consistency_proof)


@cli.command()
@click.option(
    "--against", metavar="CHECKPOINT_FILE", help="Also prove consistency with this earlier checkpoint."
)
@click.option(
    "--key",
    "--public-key",  # as the library names it (`verify(public_key=...)`)
    "key_file",
    metavar="PUBKEY",
    help="Check the --against checkpoint's signature with this public key (FILE.pub of `ledger keygen`).",
)
@db_option
@json_option
@click.pass_context
def verify(ctx: click.Context, against: str | None, key_file: str | None, as_json: bool) -> None:
    """Re-read every entry, leaf, tree node and checkpoint; exit 1 naming the first bad entry."""
    if key_file is not None and against is None:
        raise click.UsageError("--key checks the signature of --against CHECKPOINT_FILE; give both")
    cp = None
    if against is not None:
        try:
            cp = parse(_read_text(against, "--against"))
        except CheckpointError as e:
            raise UsageError(f"--against {against}: {e}") from None
    public = None if key_file is None else _read_text(key_file, "--key")
    if public is not None:
        if is_private_key(public):
            raise UsageError(
                f"--key {key_file}: this is a private key; give the public key "
                f"({key_file}.pub from ledger keygen)"
            )
        try:
            check_public_key(public)
        except CheckpointError as e:
            raise UsageError(f"--key {key_file}: {e}") from None
    with open_ledger(ctx) as lg:
        report = lg.verify(cp, public_key=public)
    if report.ok and public is None and report.message.endswith(SIGNATURE_NOT_CHECKED):
        report = msgspec.structs.replace(report, message=f"{report.message}: give --key PUBKEY")
    emit(as_json, report, render.verified)
    if not report.ok:
        ctx.exit(1)


@cli.command()
@click.option(
    "--out",
    "out",
    required=True,
    metavar="FILE",
    help="Write the private key here, the public key to FILE.pub.",
)
@click.option(
    "--name", default="timeline-ledger", show_default=True, help="The key's name (no spaces or '+')."
)
def keygen(out: str, name: str) -> None:
    """Make an Ed25519 key pair for signing checkpoints (C2SP signed-note keys)."""
    try:
        private, public = generate_key(name)
    except CheckpointError as e:
        raise UsageError(f"--name: {e}") from None
    files = ((Path(out), private, 0o600), (Path(out + ".pub"), public, 0o644))
    for path, _, _ in files:
        if path.exists():
            raise UsageError(f"{path}: exists; keygen never overwrites a key")
    for path, text, mode in files:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            raise UsageError(f"{path}: exists; keygen never overwrites a key") from None
        except OSError as e:
            raise UsageError(f"{path}: cannot write: {e.strerror}") from None
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    click.echo(public)
