"""Checkpoints in the C2SP tlog-checkpoint form, signed as C2SP signed notes with Ed25519.

Text form (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note):

    <origin>
    <size>
    <base64 root>
    [<extension line> ...]

    — <key name> <base64(key ID || signature)>

The signature covers the note text: every line above the blank line, each with its newline.
A note is read as Go's golang.org/x/mod/sumdb/note reads it (`note.Open`): no control
character but the newline, the text ends at the last blank line, one or more signature
lines follow; then the text is read strictly as a checkpoint, so that the text a signature
is checked over is the text as given, byte for byte (`parse`).

Keys use the Go `note` package encodings (`name+hash+base64(0x01 || key)`),
so other transparency tools can read them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
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
    "is_private_key",
    "parse",
    "sign",
]

ED25519 = b"\x01"
_DASH = "\u2014 "
_PRIVATE = "PRIVATE+KEY+"
MAX_SIGNATURES = 100  # as note.Open: more is a malformed note (the spec asks for at least 16)
_SIZE = re.compile(r"0|[1-9][0-9]*")  # tlog-checkpoint: ASCII decimal, no leading zeros
_DIGITS = re.compile(r"[0-9]+")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_HASH = re.compile(r"[0-9a-fA-F]{8}")
# signed-note: valid UTF-8 (no lone surrogate in a str) without control characters but newline
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\ud800-\udfff]")
_UINT64_MAX = (1 << 64) - 1


class Checkpoint(msgspec.Struct, frozen=True, omit_defaults=True):
    origin: str
    size: Annotated[int, msgspec.Meta(ge=0)]  # at most 2^64 - 1 (parse checks)
    root: str  # lower-case hex
    timestamp: str | None = None
    signature: str | None = None  # the signed note's signature line(s), when signed
    extensions: tuple[str, ...] = ()  # a note's extension lines (the ledger writes none)

    def body(self) -> str:
        """The note text the signature covers; for a parsed checkpoint, the text as it was read."""
        lines = [self.origin, str(self.size), base64.b64encode(bytes.fromhex(self.root)).decode()]
        return "".join(line + "\n" for line in [*lines, *self.extensions])

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
    skey = f"{_PRIVATE}{name}+{kid}+{base64.b64encode(ED25519 + seed).decode()}"
    vkey = f"{name}+{kid}+{base64.b64encode(ED25519 + public).decode()}"
    return skey, vkey


def _valid_name(name: str) -> bool:
    """A key name, as note's isValidName: non-empty, without spaces or '+'."""
    return bool(name) and not any(c.isspace() or c == "+" for c in name)


def _check_name(name: str) -> None:
    if not _valid_name(name):
        raise CheckpointError(f"key name {name!r} must be non-empty, without spaces or '+'")


def is_private_key(text: str) -> bool:
    """Whether `text` is (or looks like) a private key, which must never be shown or sent."""
    return text.strip().startswith(_PRIVATE)


def _parse_key(text: str, private: bool) -> tuple[str, bytes]:
    text = text.strip()
    if private:
        if not text.startswith(_PRIVATE):
            raise CheckpointError("not a private key (expected PRIVATE+KEY+name+hash+key)")
        text = text[len(_PRIVATE) :]
    elif text.startswith(_PRIVATE):
        raise CheckpointError("this is a private key; a signature is checked with the public key")
    parts = text.split("+", 2)  # the base64 key may itself contain '+'
    if len(parts) != 3:
        raise CheckpointError("a key is name+hash+base64 key")
    name, kid, encoded = parts
    _check_name(name)
    if not _KEY_HASH.fullmatch(kid):
        raise CheckpointError("a key's hash is 8 hex digits")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise CheckpointError("the key is not valid base64") from None
    if len(raw) != 33 or raw[:1] != ED25519:
        raise CheckpointError("not an Ed25519 key")
    key = raw[1:]
    public = Ed25519PrivateKey.from_private_bytes(key).public_key().public_bytes_raw() if private else key
    if bytes.fromhex(kid) != key_id(name, public):
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
    """Raise CheckpointError unless the signature by `vkey` verifies over the checkpoint's note
    text, as note.Open checks it: signatures by other keys (another name or key ID) are ignored;
    the first by this key must verify."""
    name, public = _parse_key(vkey, private=False)
    kid = key_id(name, public)
    who = f"{name}+{kid.hex()}"
    for signer, sig in _signatures(checkpoint.signature or ""):
        if signer != name or sig[:4] != kid:
            continue  # another key's signature: ignored
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(sig[4:], checkpoint.body().encode())
        except InvalidSignature:
            raise CheckpointError(f"the signature by {who} does not verify") from None
        return
    raise CheckpointError(f"the checkpoint is not signed by {who}")


def _malformed(reason: str) -> CheckpointError:
    return CheckpointError(f"malformed checkpoint: {reason}")


def _signatures(lines: str) -> list[tuple[str, bytes]]:
    """The (key name, key ID || signature) of each signature line, or CheckpointError for a line
    note.Open refuses: not `— <name> <base64>`, a bad name, fewer than 5 bytes, too many lines."""
    found = []
    for n, line in enumerate(lines.split("\n") if lines else [], 1):
        if n > MAX_SIGNATURES:
            raise _malformed(f"more than {MAX_SIGNATURES} signature lines")
        name, _, encoded = line.removeprefix(_DASH).partition(" ")
        try:
            sig = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            sig = b""
        if not line.startswith(_DASH) or not _valid_name(name) or len(sig) < 5:
            shown = line if len(line) <= 40 else line[:40] + "..."
            raise _malformed(f"signature line {n} {shown!r} is not '— <key name> <base64 signature>'")
        found.append((name, sig))
    return found


def _line_problem(text: str) -> str | None:
    """What makes `text` unfit for a note (signed-note: no control character but newline)."""
    control = _CONTROL.search(text)
    if control is None:
        return None
    line = text.count("\n", 0, control.start()) + 1
    char = control.group()
    if char == "\r":
        return f"line {line} holds a carriage return (CR): lines end with a newline (LF) alone"
    if "\ud800" <= char <= "\udfff":
        return f"line {line} is not valid UTF-8 (a lone surrogate)"
    return f"line {line} holds the control character U+{ord(char):04X}"


def parse(text: str) -> Checkpoint:
    """A checkpoint in its JSON form or its C2SP text form (a signed note, or its text alone).

    The text form is read strictly: as note.Open splits a note, then as tlog-checkpoint reads its
    text (a non-empty origin; the size in decimal without leading zeros; the root in canonical
    base64, 32 bytes; non-empty extension lines), so that `body()` is the note text exactly as
    given, and a signature is checked over those bytes."""
    if text.strip().startswith("{"):
        return _parse_json(text.strip())
    problem = _line_problem(text)
    if problem is not None:
        raise _malformed(problem)
    split = text.rfind("\n\n")  # the text ends at the last blank line
    if split < 0:  # no signature: the note text alone
        body, sigs = text, ""
    else:
        body, sigs = text[: split + 1], text[split + 2 :]
        if not sigs.endswith("\n"):
            raise _malformed(
                "the last line does not end with a newline"
                if sigs
                else "a blank line without a signature line after it"
            )
        sigs = sigs[:-1]
        _signatures(sigs)
    cp = _parse_text(body, sigs or None)
    if cp.body() != body:  # what every rule above ensures: the note text is read as it is
        raise _malformed("the note text is not in its canonical form")
    return cp


def _parse_text(body: str, signature: str | None) -> Checkpoint:
    if not body.endswith("\n"):
        raise _malformed("the last line does not end with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise _malformed("a checkpoint has an origin, a size and a root line")
    origin, size_text, root_b64, *extensions = lines
    if not origin:
        raise _malformed("the origin line is empty")
    if not _SIZE.fullmatch(size_text):
        reason = "has a leading zero" if _DIGITS.fullmatch(size_text) else "is not a decimal number"
        raise _malformed(f"size {size_text!r} {reason}")
    size = int(size_text)
    if size > _UINT64_MAX:
        raise _malformed(f"size {size_text}: more than 2^64 - 1")
    try:
        root = base64.b64decode(root_b64, validate=True)
    except binascii.Error:
        raise _malformed("the root is not valid base64") from None
    if len(root) != 32:
        raise _malformed("the root is not 32 bytes")
    canonical = base64.b64encode(root).decode()
    if canonical != root_b64:  # unused bits set: another text for the same 32 bytes
        raise _malformed(f"the root {root_b64!r} is not canonical base64 (that is {canonical!r})")
    for n, line in enumerate(extensions, 4):
        if not line:
            raise _malformed(f"line {n} is empty (a note has one blank line, before its signatures)")
    return Checkpoint(origin, size, root.hex(), None, signature, tuple(extensions))


def _parse_json(text: str) -> Checkpoint:
    try:
        data: Any = json.loads(text)
        cp = msgspec.convert(data, Checkpoint)
    except (ValueError, msgspec.ValidationError) as e:
        raise CheckpointError(f"not a checkpoint: {e}") from None
    if cp.size > _UINT64_MAX:
        raise CheckpointError(f"not a checkpoint: size {cp.size}: more than 2^64 - 1")
    if not _HEX64.fullmatch(cp.root):
        raise CheckpointError("not a checkpoint: the root is not 32 bytes of lower-case hex")
    for what, line in [("the origin", cp.origin), *(("an extension line", x) for x in cp.extensions)]:
        if not line:
            raise CheckpointError(f"not a checkpoint: {what} is empty")
        if _CONTROL.search(line) or "\n" in line:
            raise CheckpointError(f"not a checkpoint: {what} is not one line of text")
    if cp.signature is not None:
        problem = "it is empty" if not cp.signature else _line_problem(cp.signature)
        if problem is not None:
            raise _malformed(f"the signature: {problem}")
        _signatures(cp.signature)
    return cp
