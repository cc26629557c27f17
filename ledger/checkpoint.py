"""Checkpoints in the C2SP tlog-checkpoint form, signed as C2SP signed notes with Ed25519.

Text form:

    <origin>
    <size>
    <base64 root>

    — <key name> <base64(key ID || signature)>

Keys use the Go `note` package encodings (`name+hash+base64(0x01 || key)`),
so other transparency tools can read them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Annotated, Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import CheckpointError

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "check_public_key",
    "check_signature",
    "generate_key",
    "parse",
    "sign",
]

ED25519 = b"\x01"
_DASH = "\u2014 "


class Checkpoint(msgspec.Struct, frozen=True, omit_defaults=True):
    origin: str
    size: Annotated[int, msgspec.Meta(ge=0)]
    root: str  # lower-case hex
    timestamp: str | None = None
    signature: str | None = None  # the signed note's signature line(s), when signed

    def body(self) -> str:
        """The note text the signature covers."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(bytes.fromhex(self.root)).decode()}\n"

    def text(self) -> str:
        return self.body() + (f"\n{self.signature}\n" if self.signature else "")


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def generate_key(name: str) -> tuple[str, str]:
    """A new Ed25519 key: (private key text, public verifier key text)."""
    _check_name(name)
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes_raw()
    public = private.public_key().public_bytes_raw()
    kid = key_id(name, public).hex()
    skey = f"PRIVATE+KEY+{name}+{kid}+{base64.b64encode(ED25519 + seed).decode()}"
    vkey = f"{name}+{kid}+{base64.b64encode(ED25519 + public).decode()}"
    return skey, vkey


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise CheckpointError(f"key name {name!r} must be non-empty, without spaces or '+'")


def _parse_key(text: str, private: bool) -> tuple[str, bytes]:
    text = text.strip()
    if private:
        if not text.startswith("PRIVATE+KEY+"):
            raise CheckpointError("not a private key (expected PRIVATE+KEY+name+hash+key)")
        text = text[len("PRIVATE+KEY+") :]
    parts = text.split("+", 2)  # the base64 key may itself contain '+'
    if len(parts) != 3:
        raise CheckpointError("a key is name+hash+base64 key")
    name, kid, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise CheckpointError("the key is not valid base64") from None
    if len(raw) != 33 or raw[:1] != ED25519:
        raise CheckpointError("not an Ed25519 key")
    key = raw[1:]
    if not private and kid != key_id(name, key).hex():
        raise CheckpointError("the key's hash does not match its name and key")
    return name, key


def sign(checkpoint: Checkpoint, skey: str) -> Checkpoint:
    name, seed = _parse_key(skey, private=True)
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key().public_bytes_raw()
    sig = key_id(name, public) + private.sign(checkpoint.body().encode())
    line = f"{_DASH}{name} {base64.b64encode(sig).decode()}"
    return msgspec.structs.replace(checkpoint, signature=line)


def check_public_key(vkey: str) -> None:
    """Raise CheckpointError unless `vkey` is a verifier key (name+hash+base64 Ed25519 key)."""
    _parse_key(vkey, private=False)


def check_signature(checkpoint: Checkpoint, vkey: str) -> None:
    """Raise CheckpointError unless a signature line by `vkey` verifies over the checkpoint."""
    name, public = _parse_key(vkey, private=False)
    kid = key_id(name, public)
    verifier = Ed25519PublicKey.from_public_bytes(public)
    for line in (checkpoint.signature or "").splitlines():
        if not line.startswith(_DASH):
            continue
        signer, _, encoded = line[len(_DASH) :].partition(" ")
        try:
            sig = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            continue
        if signer != name or sig[:4] != kid:
            continue  # another key's signature: ignored
        try:
            verifier.verify(sig[4:], checkpoint.body().encode())
        except InvalidSignature:
            raise CheckpointError(f"the signature by {name} does not verify") from None
        return
    raise CheckpointError(f"the checkpoint is not signed by {name}")


def parse(text: str) -> Checkpoint:
    """A checkpoint in its JSON form or its C2SP text form."""
    stripped = text.strip()
    if stripped.startswith("{"):
        return _parse_json(stripped)
    body, sep, sigs = text.partition("\n\n")
    lines = body.split("\n")
    if len(lines) < 3:
        raise CheckpointError("a checkpoint has an origin, a size and a root line")
    origin, size_text, root_b64 = lines[0], lines[1], lines[2]
    if not (size_text.isascii() and size_text.isdigit()):
        raise CheckpointError(f"size {size_text!r} is not a number")
    try:
        root = base64.b64decode(root_b64, validate=True)
    except binascii.Error:
        raise CheckpointError("the root is not valid base64") from None
    if len(root) != 32:
        raise CheckpointError("the root is not 32 bytes")
    signature = sigs.strip("\n") or None if sep else None
    return Checkpoint(origin, int(size_text), root.hex(), None, signature)


def _parse_json(text: str) -> Checkpoint:
    try:
        data: Any = json.loads(text)
        cp = msgspec.convert(data, Checkpoint)
        bytes.fromhex(cp.root)
    except (ValueError, msgspec.ValidationError) as e:
        raise CheckpointError(f"not a checkpoint: {e}") from None
    if len(cp.root) != 64:
        raise CheckpointError("the root is not 32 bytes of hex")
    return cp
