"""Golden documents: what the real `ledger` CLI prints for a fixed set of commands on fixed ledgers.

    python tests/golden/make_golden.py --ledger PATH_TO_LEDGER_SCRIPT --out DIR

builds, in a fresh temporary directory, three ledgers through the CLI of whichever install
`--ledger` names (one subprocess per command): the example ledger, the hand-written facts alone,
and the synthetic facts with the hand-written ones between their imports. It runs the commands
below on each and writes one JSON file per ledger into DIR (`example.json`, `hand.json`,
`synthetic.json`): for every command its arguments, exit code, stdout (parsed JSON Lines) and
stderr. Without `--ledger` the commands run in this process through click's CliRunner, against
the `cli` package this Python imports: that is how tests/test_golden.py runs them against the
current code.

Values that depend on when (or where) a ledger was recorded are masked, keeping their presence
and shape: recording times and checkpoint timestamps become "<time>", Merkle roots "<root>" (the
empty log's root, the same everywhere, is kept), leaf hashes and proof nodes "<hash>", a
checkpoint's origin "<origin>", the temporary directory "<tmp>". Everything else (ids, seqs,
sizes, every replay value, exit codes, error messages) is kept exactly.

The inputs are the example ledger (docs/examples/), tests/golden/inputs/synthetic.jsonl (made
once by `--make-synthetic`, with the code of the recording; see README.md) and the hand-written
facts tests/golden/inputs/hand-*.jsonl; each golden file records their SHA-256.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
INPUTS = HERE / "inputs"
EXAMPLE = ROOT / "docs" / "examples" / "kazakhstan-2022-01-11.jsonl"
# The example as the golden files were recorded from it: its first 17 lines, the facts of v1. For
# contract v2 the descriptions of its actors (ActorDescribed) were appended after them, which v1
# did not know; the golden cases keep running on v1's facts, byte for byte the file they recorded
# (same SHA-256), and tests/test_example.py and the docs cover the descriptions.
EXAMPLE_V1_LINES = 17


def example_v1() -> bytes:
    """The first `EXAMPLE_V1_LINES` lines of the example, as they are in the file."""
    return b"".join(EXAMPLE.read_bytes().splitlines(keepends=True)[:EXAMPLE_V1_LINES])


SYNTHETIC = INPUTS / "synthetic.jsonl"
HAND = (INPUTS / "hand-1.jsonl", INPUTS / "hand-2.jsonl", INPUTS / "hand-3.jsonl")
# `ledger.bench.synthetic_facts(SYNTHETIC_N, seed=SYNTHETIC_SEED)`: the first 1500 facts of
# synthetic_facts(3000, seed=7) (the generator's output for n is a prefix of its output for more).
# 1500 is about the fewest that still has, besides retractions (some crossing the imports below),
# dismissals of a government with a prime minister and contingents deployed again.
SYNTHETIC_N = 1500
SYNTHETIC_SEED = 7
SPLITS = (500, 1000)  # synthetic.jsonl is imported in three parts: [0, 500), [500, 1000), [1000, n)
# The derived ids (sha256:...) of the facts of hand-*.jsonl that carry no id.
DERIVED_IDS = ("sha256:379e86112548d6aeb9f93107ba4b4325", "sha256:de103646198b782a9c0751f1b311e643")
EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
LEDGERS = ("example", "hand", "synthetic")

HEX64 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
RECORDING_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
ORIGIN = re.compile(r"timeline-ledger\.local/[0-9a-f]{16}")
ROOT_KEYS = frozenset({"root", "old_root", "new_root"})
TIME_KEYS = frozenset({"recorded_at", "timestamp"})


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: bytes
    stderr: str


Runner = Callable[[Sequence[str], bytes | None], Outcome]


def _without_ledger_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}


class Script:
    """Runs the `ledger` script at `path`, one subprocess per command."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, args: Sequence[str], stdin: bytes | None = None) -> Outcome:
        proc = subprocess.run(
            [str(self.path), *args],
            input=stdin if stdin is not None else b"",
            capture_output=True,
            env=_without_ledger_env(),
            timeout=600,
            check=False,
        )
        return Outcome(proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"))

    def code_dir(self) -> Path:
        """The directory of the `cli` package the script runs."""
        python = self.path.parent / "python"
        out = subprocess.run(  # -I and cwd /: not a `cli` that happens to be in the current directory
            [str(python), "-I", "-c", "import cli, os; print(os.path.dirname(cli.__file__))"],
            capture_output=True,
            text=True,
            check=True,
            cwd="/",
            env=_without_ledger_env(),
        )
        return Path(out.stdout.strip()).parent


def cli_group() -> Any:
    """The `ledger` click group with every command registered: `cli.main` (which registers them
    all once the refactor is done), and before that the modules that register them on import."""
    main = importlib.import_module("cli.main")
    for name in ("cli.commands", "cli.proofs", "cli.bench"):
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    return main.cli


class InProcess:
    """Runs each command in this process through click's CliRunner (no interpreter start-up)."""

    def __init__(self) -> None:
        from click.testing import CliRunner

        self.group = cli_group()
        self.runner = CliRunner()

    def __call__(self, args: Sequence[str], stdin: bytes | None = None) -> Outcome:
        unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("LEDGER_")}
        result = self.runner.invoke(
            self.group,
            list(args),
            input=stdin if stdin is not None else b"",
            env=unset,
            prog_name="ledger",
            catch_exceptions=True,
        )
        stderr = result.stderr_bytes.decode("utf-8", "replace")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            assert result.exc_info is not None
            stderr += "".join(traceback.format_exception(*result.exc_info))
        return Outcome(result.exit_code, result.stdout_bytes, stderr)

    def code_dir(self) -> Path:
        return Path(sys.modules[self.group.__module__].__file__ or ".").resolve().parent.parent


# --- masking ---------------------------------------------------------------------------------


@dataclass
class Masker:
    """Masks what depends on when and where a ledger was recorded (see the module's docstring)."""

    paths: tuple[str, ...]

    def text(self, s: str) -> str:
        for p in self.paths:
            s = s.replace(p, "<tmp>")
        s = RECORDING_TIME.sub("<time>", s)
        s = ORIGIN.sub("<origin>", s)
        return HEX64.sub(lambda m: m[0] if m[0] == EMPTY_ROOT else "<root>", s)

    def value(self, v: Any, key: str | None = None) -> Any:
        if isinstance(v, dict):
            return {k: self.value(x, k) for k, x in v.items()}
        if isinstance(v, list):
            if key == "proof":
                return ["<hash>" if isinstance(x, str) and HEX64.fullmatch(x) else self.value(x) for x in v]
            return [self.value(x) for x in v]
        if not isinstance(v, str):
            return v
        if key in ROOT_KEYS and HEX64.fullmatch(v) and v != EMPTY_ROOT:
            return "<root>"
        if key == "leaf_hash" and HEX64.fullmatch(v):
            return "<hash>"
        if key in TIME_KEYS and RECORDING_TIME.fullmatch(v):
            return "<time>"
        if key == "origin" and ORIGIN.fullmatch(v):
            return "<origin>"
        return self.text(v)

    def stderr(self, s: str) -> str:
        s = self.text(s)
        head, sep, rest = s.partition("Traceback (most recent call last):")
        if sep:  # a bug: its last line is enough, and a subprocess and CliRunner then agree
            last = [line for line in rest.splitlines() if line.strip()][-1:]
            s = head + "<traceback> " + "".join(last) + "\n"
        return s


# --- recording -------------------------------------------------------------------------------


@dataclass
class Recorder:
    run: Runner
    tmp: Path
    mask: Masker
    cases: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, name: str, *args: str | Path, stdin: bytes | None = None) -> dict[str, Any]:
        """Run `ledger ARGS` and record it as case `name` (unique within a ledger)."""
        if any(c["name"] == name for c in self.cases):
            raise ValueError(f"duplicate case name {name!r}")
        argv = [str(a) for a in args]
        out = self.run(argv, stdin)
        case: dict[str, Any] = {"name": name, "args": [self.mask.text(a) for a in argv]}
        case["exit_code"] = out.exit_code
        text = out.stdout.decode("utf-8", "replace")
        try:
            case["stdout"] = [self.mask.value(json.loads(line)) for line in text.splitlines()]
        except ValueError:
            case["stdout_text"] = self.mask.text(text)
        case["stderr"] = self.mask.stderr(out.stderr)
        self.cases.append(case)
        return case


def ledger_of(rec: Recorder, db: Path) -> Callable[..., dict[str, Any]]:
    """`run(name, COMMAND...)`: `ledger --db DB COMMAND...`, named `name` or the command."""

    def run(*command: str | Path, name: str | None = None, stdin: bytes | None = None) -> dict[str, Any]:
        shown = name or " ".join(rec.mask.text(str(c)).replace("<tmp>/", "") for c in command)
        return rec(shown, "--db", db, *command, stdin=stdin)

    return run


def ids_in(*files: Path) -> list[str]:
    """The ids given in fact files, in order (facts without one have a derived id)."""
    facts = [json.loads(line) for f in files for line in f.read_text("utf-8").splitlines()]
    return [f["id"] for f in facts if "id" in f]


def lines_in(path: Path) -> int:
    return len(path.read_text("utf-8").splitlines())


def write(tmp: Path, name: str, text: str | bytes) -> Path:
    path = tmp / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def usage_errors(run: Callable[..., dict[str, Any]], size: int) -> None:
    """The usage errors every ledger is asked (nothing written, exit 2)."""
    run("replay", "--as-of", "2022-01-12", "--size", str(size + 1), "--json")
    run("replay", "--as-of", "2022-01-12", "--size", "99999", "--json")
    run("timeline", "--size", str(size + 1), "--json")
    run("log", "--size", str(size + 1), "--json")
    run("show", "no-such-id", "--json")
    run("show", "999999", "--json")
    run("show", str(size), "--json")
    run("replay", "--as-of", "2022-13", "--json")
    run("replay", "--as-of", "2022-02-30", "--json")
    run("replay", "--as-of", "2022-01-06T10:00?", "--json")
    run("replay", "--as-of", "2022-01-12", "--known-at", "yesterday", "--json")
    run("replay", "--as-of", "2022-01-12", "--known-at", "2022-01-12T25:00Z", "--json")
    run("timeline", "--from", "2022-13", "--json")
    run("timeline", "--to", "soon", "--json")
    run("timeline", "--state", "kz", "--json")
    run("proof", "consistency", "0", "--json")
    run("proof", "consistency", "5", "3", "--json")
    run("proof", "consistency", "5", str(size + 1), "--json")
    run("proof", "inclusion", str(size), "--json")
    run("proof", "inclusion", "no-such-id", "--json")
    run("proof", "inclusion", "5", "--size", "3", "--json")
    run("proof", "inclusion", "0", "--size", str(size + 1), "--json")


def record_example(run: Runner, tmp: Path, mask: Masker) -> list[dict[str, Any]]:
    rec = Recorder(run, tmp, mask)
    db = tmp / "example.db"
    lg = ledger_of(rec, db)
    example = write(tmp, EXAMPLE.name, example_v1())
    ids = ids_in(example)
    size = len(ids)

    lg("init", "--json")
    lg("import", "--json", example)
    lg("import", "--json", example, name="import again (unchanged)")
    for day in (
        "2021-12-31",  # before everything
        "2022-01-05",
        "2022-01-06",
        "2022-01-08",
        "2022-01-09",
        "2022-01-10",
        "2022-01-11",
        "2022-01-12",
        "2022-01-13",
        "2022-01-23",
        "2022-01",
        "2022-01-11?",
        "2022-01-11T23:59+06:00",
        "2022-02",
        "2023",  # after everything
        "9999-12-31",
    ):
        lg("replay", "--as-of", day, "--json")
    for n in (0, 1, 2, 7, 10, 11, 13, 16, size):
        lg("replay", "--as-of", "2022-01-12", "--size", str(n), "--json")
    lg("replay", "--as-of", "2022-01-10", "--size", "12", "--json")
    lg("replay", "--as-of", "2022-01-12", "--known-at", "2000-01-01T00:00Z", "--json")
    lg("replay", "--as-of", "2022-01-12", "--known-at", "2999-12-31T23:59:59Z", "--json")
    lg("replay", "--as-of", "2022-01-12", "--known-at", "2999-01-01T00:00+05:00", "--size", "9", "--json")

    lg("timeline", "--json")
    lg("timeline", "--state", "KZ", "--json")
    lg("timeline", "--state", "RU", "--json")
    lg("timeline", "--state", "FR", "--json")
    lg("timeline", "--mission", "csto-kazakhstan-2022", "--json")
    lg("timeline", "--mission", "no-such-mission", "--json")
    lg("timeline", "--from", "2022-01-09", "--json")
    lg("timeline", "--to", "2022-01-08", "--json")
    lg("timeline", "--from", "2022-01-09", "--to", "2022-01-10", "--json")
    lg("timeline", "--from", "2022-01", "--to", "2022-01", "--json")
    lg("timeline", "--state", "KZ", "--from", "2022-01-11", "--json")
    lg("timeline", "--size", "5", "--json")
    lg("timeline", "--known-at", "2000-01-01T00:00Z", "--json")

    lg("log", "--json")
    lg("log", "--size", "3", "--json")
    lg("log", "--size", "0", "--json")
    lg("log", "--known-at", "2000-01-01T00:00Z", "--json")

    for ref in ids:
        lg("show", ref, "--json")
    for seq in ("0", "8", str(size - 1), "016"):
        lg("show", seq, "--json")

    lg("verify", "--json")
    lg("checkpoint", "--json")
    for ref in ("0", str(size - 1), "kz-2022-01-11-smailov-appointed"):
        lg("proof", "inclusion", ref, "--json")
    lg("proof", "inclusion", "3", "--size", "4", "--json")
    lg("proof", "inclusion", "0", "--size", "1", "--json")
    for old_new in (("1",), ("5", str(size)), (str(size - 1),), (str(size),), ("1", "1"), ("6", "8")):
        lg("proof", "consistency", *old_new, "--json")

    usage_errors(lg, size)
    lg("replay", "--size", "-1", "--json")
    lg("show", "--json", name="show (no FACT_ID_OR_SEQ)")

    # Ledgers that are not there, or not ledgers.
    rec("missing ledger", "--db", tmp / "missing.db", "replay", "--as-of", "2022-01-12", "--json")
    rec("a fact file as the ledger", "--db", example, "replay", "--as-of", "2022-01-12", "--json")
    garbage = write(tmp, "garbage.db", b"\x00not sqlite\xff" * 100)
    rec("garbage as the ledger", "--db", garbage, "verify", "--json")
    empty = write(tmp, "empty.db", b"")
    rec("an empty file as the ledger", "--db", empty, "replay", "--as-of", "2022-01-12", "--json")
    other = tmp / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    rec("another SQLite database as the ledger", "--db", other, "log", "--json")
    rec("a URL that is not PostgreSQL", "--db", "mysql://u@h/db", "replay", "--json")

    # Another writer holds the write lock: the import waits --lock-timeout, then gives up.
    extra = write(tmp, "extra.jsonl", HAND[0].read_text("utf-8").splitlines()[0] + "\n")
    holder = sqlite3.connect(db, isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        rec("lock timeout", "--db", db, "--lock-timeout", "1", "import", "--json", extra)
    finally:
        holder.rollback()
        holder.close()
    lg("verify", "--json", name="verify after the errors")
    return rec.cases


BAD_FILES: tuple[tuple[str, str | bytes], ...] = (
    # shape errors: the first mistake of a file, named by file, line and JSON path
    (
        "bad-shape.jsonl",
        '{"type": "StatementMade", "occurred": "2022", "speaker": "s", "summary": "ok", '
        '"sources": [{"publisher": "p"}]}\n\n'
        '{"type": "ForcesDeployed", "occurred": "2022-01-06", "mission": "m", '
        '"sources": [{"publisher": "p"}]}\n',
    ),
    (
        "unknown-field.jsonl",
        '{"type": "ForcesDeployed", "occurred": "2022-01-06", "mission": "m", "contributor": "RU", '
        '"troops": 100, "sources": [{"publisher": "p"}]}\n',
    ),
    (
        "unknown-type.jsonl",
        '{"type": "TroopsSent", "occurred": "2022-01-06", "sources": [{"publisher": "p"}]}\n',
    ),
    (
        "float-count.jsonl",
        '{"type": "ForcesDeployed", "occurred": "2022-01-06", "mission": "m", "contributor": "RU", '
        '"personnel": 100.0, "sources": [{"publisher": "p"}]}\n',
    ),
    (
        "no-sources.jsonl",
        '{"type": "GovernmentDismissed", "occurred": "2022-01-06", "state": "KZ", "sources": []}\n',
    ),
    (
        "no-publisher.jsonl",
        '{"type": "GovernmentDismissed", "occurred": "2022-01-06", "state": "KZ", '
        '"sources": [{"url": null}]}\n',
    ),
    (
        "bad-slug.jsonl",
        '{"type": "ForcesDeployed", "occurred": "2022-02-30", "mission": "CSTO mission", '
        '"contributor": "XX", "sources": [{"publisher": "p"}]}\n',
    ),
    (
        "not-json.jsonl",
        '{"type": "DeploymentCompleted", "occurred": "2022-01-09", "mission": "m", '
        '"sources": [{"publisher": "p"}]\n',
    ),
    ("not-utf8.jsonl", b"\xff\xfe{}\n"),
    ("not-an-object.jsonl", "[1, 2, 3]\n"),
    # value errors: codes, dates, URLs, deadlines
    (
        "bad-code.jsonl",
        '{"type": "ForcesDeployed", "occurred": "2022-01-06", "mission": "m", "contributor": "XX", '
        '"sources": [{"publisher": "p"}]}\n',
    ),
    (
        "bad-date.jsonl",
        '{"type": "GovernmentDismissed", "occurred": "2022-02-30", "state": "KZ", '
        '"sources": [{"publisher": "p"}]}\n',
    ),
    (
        "bad-date-form.jsonl",
        '{"type": "GovernmentDismissed", "occurred": "06/01/2022", "state": "KZ", '
        '"sources": [{"publisher": "p"}]}\n',
    ),
    (
        "moment-with-qualifier.jsonl",
        '{"type": "GovernmentDismissed", "occurred": "2022-01-06T10:00?", "state": "KZ", '
        '"sources": [{"publisher": "p"}]}\n',
    ),
    (
        "bad-published.jsonl",
        '{"type": "GovernmentDismissed", "occurred": "2022-01-06", "state": "KZ", '
        '"sources": [{"publisher": "p", "published": "2022-00"}]}\n',
    ),
    (
        "bad-offset.jsonl",
        '{"type": "GovernmentDismissed", "occurred": "2022-01-06T10:00+24:00", "state": "KZ", '
        '"sources": [{"publisher": "p"}]}\n',
    ),
    (
        "bad-url.jsonl",
        '{"type": "GovernmentDismissed", "occurred": "2022-01-06", "state": "KZ", '
        '"sources": [{"publisher": "p", "url": "ftp://example.org"}]}\n',
    ),
    (
        "deadline-overflow.jsonl",
        '{"type": "WithdrawalAnnounced", "occurred": "9999-12-30", "mission": "m", "starts_within_days": 5, '
        '"sources": [{"publisher": "p"}]}\n',
    ),
    # errors that depend on what the ledger holds
    (
        "duplicate-id.jsonl",
        '{"id": "g-requested", "type": "MissionRequested", "occurred": "2022", "mission": "golden-mission", '
        '"organization": "example-org", "host": "UZ", "sources": [{"publisher": "Golden Wire"}]}\n',
    ),
    (
        "duplicate-synthetic-id.jsonl",
        '{"id": "f0", "type": "StatementMade", "occurred": "2022", "speaker": "s", "summary": "other", '
        '"sources": [{"publisher": "bench"}]}\n',
    ),
    (
        "duplicate-in-file.jsonl",
        '{"id": "new-1", "type": "GovernmentDismissed", "occurred": "2022", "state": "KZ", '
        '"sources": [{"publisher": "p"}]}\n'
        '{"id": "new-1", "type": "GovernmentDismissed", "occurred": "2023", "state": "KZ", '
        '"sources": [{"publisher": "p"}]}\n',
    ),
    (
        "wrong-derived-id.jsonl",
        '{"id": "sha256:00000000000000000000000000000000", "type": "GovernmentDismissed", '
        '"occurred": "2022", "state": "KZ", "sources": [{"publisher": "p"}]}\n',
    ),
    (
        "retract-unknown.jsonl",
        '{"type": "FactRetracted", "occurred": "2022-01-12", "target": "no-such-fact", "reason": "r", '
        '"sources": [{"publisher": "p"}]}\n',
    ),
    (
        "supersede-unknown.jsonl",
        '{"type": "GovernmentDismissed", "occurred": "2022", "state": "KZ", "supersedes": "no-such-fact", '
        '"sources": [{"publisher": "p"}]}\n',
    ),
    (
        "retract-superseded.jsonl",
        '{"type": "FactRetracted", "occurred": "2022-01-12", "target": "m-pm-c", '
        '"reason": "a second correction", "sources": [{"publisher": "p"}]}\n',
    ),
    (
        "supersede-retracted-synthetic.jsonl",
        '{"type": "StatementMade", "occurred": "2022", "speaker": "s", "summary": "a second correction", '
        '"supersedes": "f9", "sources": [{"publisher": "p"}]}\n',
    ),
    (
        "supersede-superseded.jsonl",
        '{"type": "ForcesDeployed", "occurred": "2021-04-21", "mission": "golden-mission", '
        '"contributor": "KZ", "supersedes": "g-deployed-kz", "sources": [{"publisher": "p"}]}\n',
    ),
    (
        "retract-twice-in-file.jsonl",
        '{"id": "r-1", "type": "FactRetracted", "occurred": "2022", "target": "f1", "reason": "r", '
        '"sources": [{"publisher": "p"}]}\n'
        '{"id": "r-2", "type": "FactRetracted", "occurred": "2022", "target": "f1", "reason": "again", '
        '"sources": [{"publisher": "p"}]}\n',
    ),
    (
        "retract-a-retraction.jsonl",
        '{"type": "FactRetracted", "occurred": "2022", "target": "m-pm-c-fixed-retracted", "reason": "r", '
        '"sources": [{"publisher": "p"}]}\n',
    ),
    (
        "supersede-a-retraction.jsonl",
        '{"type": "GovernmentDismissed", "occurred": "2022", "state": "KZ", '
        '"supersedes": "m-finance-left-by-other-retracted", "sources": [{"publisher": "p"}]}\n',
    ),
    (
        "retraction-with-supersedes.jsonl",
        '{"type": "FactRetracted", "occurred": "2022", "target": "f2", "reason": "r", "supersedes": "f3", '
        '"sources": [{"publisher": "p"}]}\n',
    ),
    (
        "target-later-in-file.jsonl",
        '{"type": "FactRetracted", "occurred": "2022", "target": "later-1", "reason": "r", '
        '"sources": [{"publisher": "p"}]}\n'
        '{"id": "later-1", "type": "GovernmentDismissed", "occurred": "2022", "state": "KZ", '
        '"sources": [{"publisher": "p"}]}\n',
    ),
)


def record_hand(run: Runner, tmp: Path, mask: Masker) -> list[dict[str, Any]]:
    """The hand-written facts alone (small documents, so many dates): hand-1, then its corrections."""
    rec = Recorder(run, tmp, mask)
    lg = ledger_of(rec, tmp / "hand.db")
    hand1 = write(tmp, HAND[0].name, HAND[0].read_bytes())
    hand2 = write(tmp, HAND[1].name, HAND[1].read_bytes())
    after1 = lines_in(HAND[0])
    size = after1 + lines_in(HAND[1])

    lg("import", "--json", hand1)
    lg("import", "--json", hand2)
    for day in (
        "2018-12-31",  # before everything
        "2019",
        "2019-11-30",
        "2020-02-01",
        "2020-06-14",
        "2020-06-15",
        "2020-07-01",
        "2020-07-02",
        "2020-08-01",
        "2020-08-02",
        "2020-08-31",
        "2020-09-01",
        "2020-09-10",
        "2020-09-11",
        "2020-12-01",
        "2020-12",
        "2021-01",
        "2021-02-01",
        "2021-03",
        "2021-03-15",
        "2021-03-16",
        "2021-04",
        "2021-04-10",
        "2021-04-20",
        "2021-05-31",
        "2021-06-01",
        "2021-06-04",
        "2021-06-05",
        "2021-06-10",
        "2021-06-12",
        "2021-06-20",
        "2021-07",
        "2022",
        "2023-01",
        "2023-02-28",
        "2030",  # after everything
    ):
        lg("replay", "--as-of", day, "--json")
    for n in range(0, size + 1):
        lg("replay", "--as-of", "2030", "--size", str(n), "--json")
    for day in ("2020-09-11", "2021-03-16", "2021-06-05"):
        lg("replay", "--as-of", day, "--size", str(after1), "--json")
    lg("replay", "--as-of", "2030", "--known-at", "2000-01-01T00:00Z", "--json")
    lg("replay", "--as-of", "2030", "--known-at", "2999-12-31T23:59Z", "--json")

    lg("timeline", "--json")
    lg("timeline", "--size", str(after1), "--json")
    for state in ("MN", "UZ", "KZ"):
        lg("timeline", "--state", state, "--json")
    for mission in ("golden-mission", "golden-second"):
        lg("timeline", "--mission", mission, "--json")
    lg("timeline", "--from", "2020-06-15", "--to", "2020-09", "--json")
    lg("timeline", "--from", "2021", "--json")
    lg("timeline", "--to", "2020", "--json")
    lg("timeline", "--from", "2021-06-04", "--to", "2021-06-04", "--json")
    lg("timeline", "--state", "MN", "--from", "2020-09", "--size", str(after1), "--json")
    lg("log", "--json")
    lg("log", "--size", str(after1), "--json")
    for ref in ids_in(*HAND[:2]) + list(DERIVED_IDS):
        lg("show", ref, "--json")
    for seq in ("0", str(after1), str(size - 1)):
        lg("show", seq, "--json")
    lg("verify", "--json")
    lg("checkpoint", "--json")
    for ref in ("0", str(size - 1), "m-pm-c", DERIVED_IDS[0]):
        lg("proof", "inclusion", ref, "--json")
    lg("proof", "inclusion", "m-pm-c", "--size", str(after1), "--json")
    for old_new in (("1",), (str(after1),), ("2", str(after1)), (str(size),)):
        lg("proof", "consistency", *old_new, "--json")
    return rec.cases


def record_synthetic(run: Runner, tmp: Path, mask: Masker) -> list[dict[str, Any]]:
    """The synthetic facts in three imports, with the hand-written facts between them (so that
    corrections cross imports), then every kind of bad input and usage error."""
    rec = Recorder(run, tmp, mask)
    lg = ledger_of(rec, tmp / "synthetic.db")
    lines = SYNTHETIC.read_text("utf-8").splitlines(keepends=True)
    a, b = SPLITS
    part1 = write(tmp, "part-1.jsonl", "".join(lines[:a]))
    part2 = write(tmp, "part-2.jsonl", "".join(lines[a:b]))
    part3 = "".join(lines[b:]).encode()
    hand1, hand2, hand3 = (write(tmp, h.name, h.read_bytes()) for h in HAND)
    after1 = a
    after_hand1 = after1 + lines_in(HAND[0])
    after2 = b + lines_in(HAND[0]) + lines_in(HAND[1])
    size = len(lines) + sum(lines_in(h) for h in HAND)

    lg("import", "--json", part1)
    lg("import", "--json", hand1)
    lg("import", "--json", part2, hand2)
    lg("import", "--json", "-", hand3, stdin=part3, name="import - hand-3.jsonl (part 3 on stdin)")
    lg("import", "--json", part1, hand1, name="import again (unchanged)")
    lg("import", "--json", write(tmp, "blank.jsonl", "\n\n"), name="import a file of blank lines")

    # The world is large here (some 500 missions): a few dates (hand.json has many).
    for day in ("1989-12-31", "1990-06-30", "1995", "2000-02-29", "2021-06-05", "2025"):
        lg("replay", "--as-of", day, "--json")
    for n in (0, 1, 54):
        lg("replay", "--as-of", "2025", "--size", str(n), "--json")
    lg("replay", "--as-of", "2000-02-29", "--size", str(after_hand1), "--json")
    lg("replay", "--as-of", "1995", "--size", str(after2), "--json")
    lg("replay", "--as-of", "2025", "--known-at", "2000-01-01T00:00Z", "--json")
    lg("replay", "--as-of", "1995", "--known-at", "2999-12-31T23:59Z", "--json")

    lg("timeline", "--json")
    for state in ("MN", "UZ", "FR"):
        lg("timeline", "--state", state, "--json")
    for mission in ("golden-mission", "mission-7", "mission-130", "mission-5"):
        lg("timeline", "--mission", mission, "--json")
    lg("timeline", "--from", "2020-06", "--to", "2021-06", "--json")
    lg("timeline", "--state", "FR", "--size", str(after2), "--json")
    lg("timeline", "--known-at", "2000-01-01T00:00Z", "--json")
    lg("log", "--json")
    lg("log", "--size", "54", "--json")

    # Every fact the corrections touch, every hundredth other one, and the hand-written ones.
    facts = [json.loads(line) for line in lines]
    touched = {f.get("target") or f.get("supersedes") for f in facts} | {"f5", "f7"}
    synthetic = [
        f["id"]
        for i, f in enumerate(facts)
        if f["id"] in touched or f["type"] == "FactRetracted" or i % 100 == 0 or i == len(facts) - 1
    ]
    for ref in synthetic + ids_in(*HAND) + list(DERIVED_IDS):
        lg("show", ref, "--json")
    for seq in ("0", str(after1), str(after_hand1), str(size - 1)):
        lg("show", seq, "--json")

    lg("verify", "--json")
    lg("checkpoint", "--json")
    for ref in ("0", str(size - 1), "f613", "g-redeployed-ru", DERIVED_IDS[0]):
        lg("proof", "inclusion", ref, "--json")
    lg("proof", "inclusion", "100", "--size", str(after1), "--json")
    for old_new in (
        ("1",),
        (str(after1),),
        (str(after1), str(after_hand1)),
        (str(after_hand1), str(after2)),
        (str(after2),),
        (str(size),),
        ("3", "7"),
    ):
        lg("proof", "consistency", *old_new, "--json")

    # Bad input: refused whole, exit 2, nothing written.
    for name, content in BAD_FILES:
        lg("import", "--json", write(tmp, name, content))
    good = write(tmp, "good.jsonl", HAND[0].read_text("utf-8").splitlines()[0] + "\n")
    bad_second = write(tmp, "bad-second.jsonl", BAD_FILES[0][1])
    lg("import", "--json", good, bad_second, name="import good bad-second")
    lg("import", "--json", tmp / "no-such-file.jsonl")
    usage_errors(lg, size)
    lg("verify", "--json", name="verify after the errors")
    lg("checkpoint", "--json", name="checkpoint after the errors")
    return rec.cases


RECORDERS: dict[str, Callable[[Runner, Path, Masker], list[dict[str, Any]]]] = {
    "example": record_example,
    "hand": record_hand,
    "synthetic": record_synthetic,
}


def sha256(path: Path) -> str:
    return hashlib.sha256(example_v1() if path == EXAMPLE else path.read_bytes()).hexdigest()


def inputs_digest(ledger: str) -> dict[str, str]:
    files = {"example": [EXAMPLE], "hand": list(HAND[:2]), "synthetic": [SYNTHETIC, *HAND]}[ledger]
    return {str(f.relative_to(ROOT)): sha256(f) for f in files}


def record(run: Runner, ledger: str) -> dict[str, Any]:
    """The golden document of `ledger` ("example" or "synthetic") as `run` prints it today."""
    with tempfile.TemporaryDirectory(prefix="ledger-golden-") as tmp:
        mask = Masker(paths=tuple(dict.fromkeys((tmp, os.path.realpath(tmp)))))
        cases = RECORDERS[ledger](run, Path(tmp), mask)
    return {"ledger": ledger, "inputs": inputs_digest(ledger), "cases": cases}


def git_describe(code: Path) -> dict[str, Any]:
    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(code), *args], capture_output=True, text=True, check=False)
        return out.stdout.strip()

    dirty = [line for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line]
    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(dirty)}


def dumps(doc: dict[str, Any]) -> str:
    """JSON, one case to a line: small, and a diff shows which case changed."""
    head = [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in doc.items() if k != "cases"]
    cases = [json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in doc["cases"]]
    return "{\n" + ",\n".join(head) + ',\n"cases": [\n' + ",\n".join(cases) + "\n]}\n"


def make_synthetic() -> None:
    from ledger.bench import synthetic_facts  # the code of the recording: see README.md

    SYNTHETIC.write_bytes(synthetic_facts(SYNTHETIC_N, seed=SYNTHETIC_SEED))
    print(f"wrote {SYNTHETIC} ({SYNTHETIC.stat().st_size} bytes)")


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ledger", type=Path, help="the `ledger` script to run (default: in process)")
    parser.add_argument("--out", type=Path, help="write <ledger>.json here")
    parser.add_argument("--only", choices=LEDGERS, action="append", help="only this ledger (repeatable)")
    parser.add_argument(
        "--make-synthetic",
        action="store_true",
        help=f"first write {SYNTHETIC.relative_to(ROOT)} with this Python's ledger.bench",
    )
    args = parser.parse_args(None if argv is None else list(argv))
    if args.make_synthetic:
        make_synthetic()
    if args.out is None:
        return
    runner: Script | InProcess = Script(args.ledger.absolute()) if args.ledger else InProcess()
    made_by = git_describe(runner.code_dir())
    made_by["runner"] = "subprocess" if args.ledger else "in-process"
    args.out.mkdir(parents=True, exist_ok=True)
    for ledger in args.only or LEDGERS:
        doc = record(runner, ledger)
        doc = {"ledger": ledger, "made_by": made_by, **{k: v for k, v in doc.items() if k != "ledger"}}
        path = args.out / f"{ledger}.json"
        path.write_text(dumps(doc), encoding="utf-8")
        print(f"wrote {path} ({len(doc['cases'])} cases, {path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
