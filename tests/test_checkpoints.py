"""Checkpoint notes read as written: C2SP signed-note and tlog-checkpoint, through the library.

A signature is checked over the note text exactly as given (as Go's golang.org/x/mod/sumdb/note
`Open` does), and the text is read strictly as a checkpoint, so that an edited note cannot pass
under the signature of the note it was edited from, and a malformed note is reported as malformed,
not as a bad signature. Notes are signed here with `cryptography` directly, in the signed-note
format (key ID, then Ed25519 over the text's bytes), never with the ledger's own `sign`; the
tests through the `ledger` script are in tests/test_verifiable_log.py.
"""

from __future__ import annotations

import base64
import hashlib
import json

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import Checkpoint, check_public_key, check_signature, parse
from ledger.errors import CheckpointError

DASH = "\u2014 "
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
ED25519 = b"\x01"  # the signed-note signature type of Ed25519 keys


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# A tree head of Go's checksum database, signed by sum.golang.org with Go's note package, and the
# database's public key (the one built into the go command).
GO_SUMDB_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
GO_SUMDB_NOTE = (
    "go.sum database tree\n"
    "31700353\n"
    "qINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n"
    "\n"
    "\u2014 sum.golang.org "
    "Az3grnmrIUEDFqHzAElIQCPNoRFRAAdFo47fooyWKMHb89k11GJh5zHIfNCOBmwn/C3YI8oW9/C8DJ87F61QqspBYwM=\n"
)


class Key:
    """An Ed25519 note key: its name, its verifier key text and a signer of note texts."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.private = Ed25519PrivateKey.generate()
        public = self.private.public_key().public_bytes_raw()
        self.id = hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]
        self.vkey = f"{name}+{self.id.hex()}+{_b64(ED25519 + public)}"

    def line(self, text: str) -> str:
        """The signature line of `text`: the key ID, then Ed25519 over the text's exact bytes."""
        sig = self.id + self.private.sign(text.encode("utf-8"))
        return f"{DASH}{self.name} {base64.b64encode(sig).decode()}"

    def note(self, text: str) -> str:
        return f"{text}\n{self.line(text)}\n"


KEY = Key("example.org/log")
ROOT = hashlib.sha256(b"root").digest()
TEXT = f"example.org/log\n17\n{base64.b64encode(ROOT).decode()}\n"
NOTE = KEY.note(TEXT)


def _last_data_char_flipped(b64: str) -> str:
    """The same 32 bytes in non-canonical base64: one of the unused low bits of the last digit set."""
    i = b64.rindex("=") - 1
    return b64[:i] + B64[B64.index(b64[i]) ^ 1] + b64[i + 1 :]


def test_a_note_signed_by_go_verifies_as_written() -> None:
    cp = parse(GO_SUMDB_NOTE)
    assert (cp.origin, cp.size, cp.extensions) == ("go.sum database tree", 31700353, ())
    assert cp.text() == GO_SUMDB_NOTE
    check_signature(cp, GO_SUMDB_KEY)
    # The same tree head written otherwise is not the note Go signed: malformed, not re-read.
    for edited in (
        GO_SUMDB_NOTE.replace("\n31700353\n", "\n031700353\n"),
        GO_SUMDB_NOTE[:-1],
        GO_SUMDB_NOTE.replace("\n", "\r\n"),
    ):
        with pytest.raises(CheckpointError, match="malformed"):
            parse(edited)


ROOT_B64 = base64.b64encode(ROOT).decode()
EDITS = {
    # name: (the signed note, edited; what the error must say)
    "size-leading-zero": (NOTE.replace("\n17\n", "\n017\n"), "leading zero"),
    "size-plus-sign": (NOTE.replace("\n17\n", "\n+17\n"), "not a decimal number"),
    "size-space": (NOTE.replace("\n17\n", "\n17 \n"), "not a decimal number"),
    "size-beyond-uint64": (NOTE.replace("\n17\n", f"\n{1 << 64}\n"), "2^64"),
    "root-not-canonical": (NOTE.replace(ROOT_B64, _last_data_char_flipped(ROOT_B64)), "canonical"),
    "root-unpadded": (NOTE.replace(ROOT_B64, ROOT_B64.rstrip("=")), "base64"),
    "crlf": (NOTE.replace("\n", "\r\n"), "carriage return"),
    "cr-after-the-signature": (NOTE[:-1] + "\r\n", "carriage return"),
    "tab-in-the-origin": (NOTE.replace("example.org/log\n", "example.org/log\t\n", 1), "U+0009"),
    "no-final-newline": (NOTE[:-1], "newline"),
    "blank-line-before-the-signatures": (NOTE.replace("\n\n", "\n\n\n"), "line 4 is empty"),
    "blank-line-at-the-end": (NOTE + "\n", "blank line"),
    "blank-line-between-signatures": (NOTE + "\n" + KEY.line(TEXT) + "\n", "line 4 is empty"),
    "blank-line-and-no-signature": (TEXT + "\n", "blank line"),
    "empty-origin": (KEY.note(TEXT.replace("example.org/log", "")), "origin"),
    "no-root-line": (KEY.note("example.org/log\n17\n"), "root"),
    "signature-not-base64": (NOTE + f"{DASH}other x!\n", "signature line 2"),
    "signature-without-name": (NOTE + f"{DASH} {KEY.line(TEXT).split()[-1]}\n", "signature line 2"),
    "signature-name-with-plus": (NOTE + f"{DASH}a+b {KEY.line(TEXT).split()[-1]}\n", "signature line 2"),
    "signature-too-short": (NOTE + f"{DASH}other {base64.b64encode(b'1234').decode()}\n", "signature line 2"),
    "signature-hyphen-not-em-dash": (NOTE + f"- other {KEY.line(TEXT).split()[-1]}\n", "signature line 2"),
    "too-many-signatures": (NOTE + f"{KEY.line(TEXT)}\n" * 100, "more than 100"),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edited_note_is_malformed_not_badly_signed(name: str) -> None:
    edited, reason = EDITS[name]
    with pytest.raises(CheckpointError, match="malformed") as e:
        parse(edited)
    assert reason in str(e.value)


def test_a_note_with_an_extension_line_verifies_over_its_text() -> None:
    cp = parse(NOTE)  # without one, first
    assert (cp.origin, cp.size, cp.root, cp.extensions) == ("example.org/log", 17, ROOT.hex(), ())
    assert cp.body() == TEXT and cp.text() == NOTE
    check_signature(cp, KEY.vkey)
    text = TEXT + "example.org/extension 1700000000\n"
    note = KEY.note(text)
    cp = parse(note)
    assert cp.extensions == ("example.org/extension 1700000000",)
    assert cp.body() == text and cp.text() == note
    check_signature(cp, KEY.vkey)
    # Its JSON form carries the extension line, and the signature is checked over the same text.
    again = parse(msgspec.json.encode(cp).decode())
    assert again == cp
    check_signature(again, KEY.vkey)
    # The signature covers the extension line: without it, or with another, it does not verify.
    for other in (TEXT, TEXT + "example.org/extension 1700000001\n"):
        with pytest.raises(CheckpointError, match="does not verify"):
            check_signature(parse(f"{other}\n{KEY.line(text)}\n"), KEY.vkey)


def test_a_note_signed_by_another_key_is_not_signed_by_this_one() -> None:
    other_name, same_name = Key("someone-else"), Key(KEY.name)
    for other in (other_name, same_name):
        cp = parse(other.note(TEXT))
        check_signature(cp, other.vkey)
        with pytest.raises(CheckpointError) as e:
            check_signature(cp, KEY.vkey)
        # Named as Go names a key: name+ID, which tells two keys of one name apart.
        assert str(e.value) == f"the checkpoint is not signed by {KEY.name}+{KEY.id.hex()}"
    # Signed by both: each key finds its own signature and ignores the other's.
    both = parse(f"{TEXT}\n{other_name.line(TEXT)}\n{KEY.line(TEXT)}\n")
    check_signature(both, KEY.vkey)
    check_signature(both, other_name.vkey)


def test_a_tampered_signature_does_not_verify() -> None:
    name, encoded = KEY.line(TEXT)[len(DASH) :].split(" ")
    sig = bytearray(base64.b64decode(encoded))
    sig[-1] ^= 1  # a bit of the Ed25519 signature, not of the key ID
    tampered = f"{TEXT}\n{DASH}{name} {base64.b64encode(bytes(sig)).decode()}\n"
    with pytest.raises(CheckpointError) as e:
        check_signature(parse(tampered), KEY.vkey)
    assert str(e.value) == f"the signature by {KEY.name}+{KEY.id.hex()} does not verify"


def test_the_json_form_is_checked_over_the_text_it_signs() -> None:
    empty = Checkpoint("example.org/log", 0, hashlib.sha256(b"").hexdigest())
    assert parse(empty.text()) == empty == parse(msgspec.json.encode(empty).decode())
    cp = parse(NOTE)
    doc = json.loads(msgspec.json.encode(cp))
    assert doc == {"origin": cp.origin, "size": 17, "root": ROOT.hex(), "signature": KEY.line(TEXT)}
    check_signature(parse(json.dumps(doc)), KEY.vkey)
    with pytest.raises(CheckpointError, match="does not verify"):
        check_signature(parse(json.dumps(doc | {"size": 18})), KEY.vkey)
    for bad in (
        {"signature": ""},
        {"signature": "not a signature line"},
        {"signature": KEY.line(TEXT) + "\r"},
    ):
        with pytest.raises(CheckpointError, match="malformed"):
            parse(json.dumps(doc | bad))
    for bad in ({"origin": ""}, {"origin": "a\nb"}, {"root": ROOT.hex().upper()}, {"extensions": [""]}):
        with pytest.raises(CheckpointError, match="not a checkpoint"):
            parse(json.dumps(doc | bad))


def test_a_private_key_is_not_taken_for_a_public_key() -> None:
    seed = KEY.private.private_bytes_raw()
    private = f"PRIVATE+KEY+{KEY.name}+{KEY.id.hex()}+{_b64(ED25519 + seed)}"
    with pytest.raises(CheckpointError, match="this is a private key"):
        check_public_key(private)
    with pytest.raises(CheckpointError, match="this is a private key"):
        check_signature(parse(NOTE), private)
