"""The documentation, executed, so that it cannot drift from the code.

Conventions in docs/*.md (each document runs in order, in a fresh temporary
directory holding a copy of docs/examples/*.jsonl, with LEDGER_DB unset, so
`./ledger.db` is used unless `--db` is given):

- A fenced block preceded by `<!-- file: NAME -->` is written to NAME there
  when the run reaches it (a fact file that later commands import);
  `<!-- file: NAME encoding=utf-16 -->` writes it in that encoding (Python's
  name for it) instead of UTF-8.
- ```console blocks hold commands `$ ledger ...` (an optional `NAME=value`
  prefix sets a variable, a trailing `< FILE` feeds stdin, a trailing
  `> FILE` writes stdout to FILE instead of comparing it), each followed by
  its expected output. `ledger` runs in this process (tests/ledger_cli.py
  `invoke`, as the script would) with COLUMNS=100. A line `...` matches any number of lines. Placeholders
  match what changes from run to run: `<recorded_at>` a recording time,
  `<today>` a day, `<root>` and `<hash>` a SHA-256 hash in lower-case hex,
  `<hex>` any lower-case hex, `<base64>` base64, `<origin>` a ledger's
  checkpoint origin. A last line `[exit N]` states the exit code (default 0).
  Successful commands are compared on stdout; failing ones on stdout followed
  by stderr.
- ```python blocks run in order in one namespace; a ```text block preceded by
  `<!-- output -->` is what the Python block before it prints.

docs/cli.md is generated from `--help`: `python -m tests.test_docs` rewrites it.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import os
import pkgutil
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import click
import msgspec
import pytest
import structlog
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
LEDGER = Path(sys.executable).parent / "ledger"
WIDTH = 100

# Fenced blocks and the HTML comment that may precede them.
_FENCE = re.compile(r"^```(\w*)\s*$")
_COMMENT = re.compile(r"^<!--\s*(.*?)\s*-->$")
_EXIT = re.compile(r"^\[exit (\d+)\]$")
PLACEHOLDERS = {
    "<recorded_at>": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z",
    "<today>": r"\d{4}-\d{2}-\d{2}",
    "<root>": r"[0-9a-f]{64}",
    "<hash>": r"[0-9a-f]{64}",
    "<hex>": r"[0-9a-f]+",
    "<base64>": r"[A-Za-z0-9+/]+={0,2}",
    "<origin>": r"timeline-ledger\.local/[0-9a-f]{16}",
}
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))


class Block(NamedTuple):
    lang: str
    text: str
    line: int  # line of the opening fence, 1-based
    comment: str | None  # the HTML comment just before the fence, if any


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, in order."""
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    comment: str | None = None
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None:
            c = _COMMENT.match(lines[i].strip())
            if c is not None:
                comment = c.group(1)
            elif lines[i].strip():
                comment = None
            i += 1
            continue
        start = i
        i += 1
        body = []
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        found.append(Block(m.group(1), "\n".join(body) + "\n", start + 1, comment))
        comment = None
        i += 1
    return found


# Console sessions


class Command(NamedTuple):
    line: str
    expected: list[str]
    exit_code: int


def commands(block: Block) -> list[Command]:
    result: list[Command] = []
    for raw in block.text.splitlines():
        if raw.startswith("$ "):
            result.append(Command(raw[2:], [], 0))
        elif not result:
            raise AssertionError(f"line {block.line}: console block must start with `$ ledger ...`")
        else:
            result[-1].expected.append(raw)
    for n, cmd in enumerate(result):
        lines = list(cmd.expected)
        while lines and not lines[-1].strip():
            lines.pop()
        code = 0
        if lines and (m := _EXIT.match(lines[-1].strip())):
            code = int(m.group(1))
            lines.pop()
        result[n] = Command(cmd.line, lines, code)
    return result


def pattern(expected: list[str]) -> re.Pattern[str]:
    """A regex for the expected lines: `...` is any lines, placeholders are their values."""
    parts = []
    for line in expected:
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
            continue
        pieces = _PLACEHOLDER.split(line.rstrip())
        holders = _PLACEHOLDER.findall(line.rstrip())
        regex = re.escape(pieces[0])
        for holder, piece in zip(holders, pieces[1:], strict=True):
            regex += PLACEHOLDERS[holder] + re.escape(piece)
        parts.append(regex + r"\n")
    return re.compile("".join(parts))


def normalised(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "".join(line + "\n" for line in lines)


def cli_env() -> dict[str, str | None]:
    """What changes in the environment for a command of the docs (None: unset)."""
    env: dict[str, str | None] = dict.fromkeys(
        ("LEDGER_DB", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CLICOLOR_FORCE")
    )
    env.update(COLUMNS=str(WIDTH), NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return env


def run_ledger(
    args: list[str], cwd: Path, *, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """`ledger ARGS` in this process (tests/ledger_cli.py), as a reader would type it."""
    from ledger_cli import invoke  # here: `python -m tests.test_docs` has no tests/ on sys.path

    return invoke(*args, cwd=cwd, env={**cli_env(), **(env or {})}, stdin=stdin)


def run_real_ledger(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`ledger ARGS` as the installed script, in a subprocess."""
    environ = {k: v for k, v in os.environ.items() if k not in cli_env()}
    environ.update({k: v for k, v in cli_env().items() if v is not None})
    return subprocess.run(
        [str(LEDGER), *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def run_command(cmd: Command, cwd: Path, where: str, urls: dict[str, str] | None = None) -> None:
    words = shlex.split(swap(cmd.line, urls))
    env = {}
    while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    stdin = stdout_file = None
    if "<" in words:
        at = words.index("<")
        stdin = (cwd / words[at + 1]).read_bytes()
        del words[at : at + 2]
    if ">" in words:
        at = words.index(">")
        stdout_file = cwd / words[at + 1]
        del words[at : at + 2]
    assert words and words[0] == "ledger", f"{where}: only `ledger` commands run in docs: {cmd.line}"
    proc = run_ledger(words[1:], cwd, env=env, stdin=stdin)
    if stdout_file is not None:
        stdout_file.write_text(proc.stdout, encoding="utf-8")
        proc.stdout = ""
    actual = proc.stdout if proc.returncode == 0 else proc.stdout + proc.stderr
    shown = f"{where}: $ {cmd.line}\n--- exit {proc.returncode}, output:\n{proc.stdout}{proc.stderr}"
    assert proc.returncode == cmd.exit_code, shown
    matched = pattern([swap(line, urls) for line in cmd.expected]).fullmatch(normalised(actual)) is not None
    assert matched, shown + "--- expected:\n" + "\n".join(cmd.expected)


# Running a whole document


@contextlib.contextmanager
def structlog_restored() -> Iterator[None]:
    """Python examples may configure structlog, and the library's `logging` logger; put both
    back afterwards."""
    saved = structlog.get_config()
    logger = logging.getLogger("ledger")
    handlers, level = list(logger.handlers), logger.level
    try:
        yield
    finally:
        structlog.configure(**saved)
        logger.handlers[:] = handlers
        logger.setLevel(level)


# The PostgreSQL ledger docs/postgres.md shows; each run of the document gets a fresh one instead.
DOCS_PG = "postgresql://postgres@127.0.0.1:5432/newsroom"


def swap(text: str, urls: dict[str, str] | None) -> str:
    """`text` with every URL a document shows replaced by the one this run uses."""
    for shown, actual in (urls or {}).items():
        text = re.sub(re.escape(shown) + r"(?![\w])", actual, text)
    return text


def run_document(
    path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch, urls: dict[str, str] | None = None
) -> int:
    """Run every console, file and Python block of `path` in `workdir`; return how many ran."""
    for example in EXAMPLES.glob("*.jsonl"):
        shutil.copy(example, workdir / example.name)
    monkeypatch.chdir(workdir)
    monkeypatch.delenv("LEDGER_DB", raising=False)
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    printed: str | None = None
    ran = 0
    with structlog_restored():
        for block in blocks(path):
            where = f"{path.relative_to(ROOT)}:{block.line}"
            if block.comment and block.comment.startswith("file:"):
                name, _, encoding = block.comment[5:].strip().partition(" encoding=")
                (workdir / name).write_text(block.text, encoding=encoding or "utf-8")
            if block.lang == "console":
                for cmd in commands(block):
                    run_command(cmd, workdir, where, urls)
                    ran += 1
            elif block.lang == "python":
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    exec(compile(swap(block.text, urls), where, "exec"), namespace)
                printed = out.getvalue()
                ran += 1
            elif block.comment == "output":
                assert printed is not None, f"{where}: an output block must follow a python block"
                assert normalised(printed) == normalised(block.text), f"{where}: printed\n{printed}"
                printed = None
    return ran


def runnable_docs() -> list[Path]:
    return sorted(p for p in DOCS.glob("*.md") if any(b.lang in ("console", "python") for b in blocks(p)))


def on_postgres(doc: Path) -> bool:
    return DOCS_PG in doc.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "doc",
    [pytest.param(p, id=p.name, marks=[pytest.mark.pg] if on_postgres(p) else []) for p in runnable_docs()],
)
def test_document_runs(
    doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    import pg  # here: `python -m tests.test_docs` regenerates cli.md without tests/ on sys.path

    urls = None
    if on_postgres(doc):
        urls = {DOCS_PG: pg.new_ledger_url(request.getfixturevalue("pg_database"))}
    assert run_document(doc, tmp_path, monkeypatch, urls) > 0


def test_the_docs_that_must_run_do() -> None:
    names = {p.name for p in runnable_docs()}
    assert {"quickstart.md", "concepts.md", "file-format.md", "library.md", "verifiable-log.md"} <= names


def test_pattern_matching() -> None:
    p = pattern(["a", "...", "at <recorded_at>", "z"])
    assert p.fullmatch("a\nat 2026-01-02T03:04:05.123456Z\nz\n")
    assert p.fullmatch("a\nb\nc\nat 2026-01-02T03:04:05.123456Z\nz\n")
    assert not p.fullmatch("a\nat 2026-01-02T03:04:05Z\nz\n")
    assert not pattern(["a"]).fullmatch("a\nb\n")
    root = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert pattern(['{"root":"<root>"}']).fullmatch(f'{{"root":"{root}"}}\n')
    assert not pattern(['{"root":"<root>"}']).fullmatch(f'{{"root":"{root[1:]}"}}\n')
    assert not pattern(["<hash>"]).fullmatch(root.upper() + "\n")
    assert pattern(["<origin>", "0", "<base64>"]).fullmatch(
        "timeline-ledger.local/0123456789abcdef\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    )
    assert pattern(["k+<hex>+<base64>"]).fullmatch("k+7010c382+AanWnmHmENF+Swd6eQ==\n")


# The CLI reference


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name in sorted(group.commands):
        command = group.commands[name]
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def cli_group() -> click.Group:
    """The `ledger` group with every command registered.

    Each module of the `cli` package that defines commands registers them on import
    (`cli.main` imports them all); importing every module of the package
    means a new command module cannot be left out of the reference.
    `test_cli_reference_is_the_installed_command` checks the result against the real script.
    """
    import cli as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"cli.{module.name}")
    from cli.group import cli

    return cli


def render_cli_reference() -> str:
    """docs/cli.md: the `--help` of `ledger` and of every command, at a fixed width."""
    group = cli_group()
    runner = CliRunner()
    out = [
        "# CLI reference",
        "",
        "This file is generated from `--help` by `python -m tests.test_docs`. Do not edit it by hand:",
        "`tests/test_docs.py` fails when it differs from what the commands print.",
        "",
        "The command is installed under two names, `ledger` and `timeline-ledger`: the same program,",
        "whose help and messages use the name it was called by. Debian's `ledger` accounting tool",
        "takes the short name; where it comes first on your `PATH`, call `timeline-ledger`.",
        "",
        "Exit codes, for every command: 0 success; 2 bad input or usage (nothing was written);",
        "1 any other failure, such as a ledger found altered or unreadable. A reader that stops",
        "early (`ledger export facts | head`) is no failure: the command ends quietly, exit 0.",
        "",
    ]
    everything = [((), group), *_commands(group)]
    out += [f"- [`{' '.join(('ledger', *p))}`](#{'-'.join(('ledger', *p))})" for p, _ in everything]
    for path, _ in everything:
        result = runner.invoke(group, [*path, "--help"], prog_name="ledger", terminal_width=WIDTH)
        assert result.exit_code == 0, result.output
        out += ["", f"## {' '.join(('ledger', *path))}", "", "```text", result.stdout.rstrip(), "```"]
    return "\n".join(out) + "\n"


def test_cli_reference_is_current() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == render_cli_reference(), (
        "docs/cli.md is out of date: run `python -m tests.test_docs`"
    )


@pytest.mark.subprocess
def test_cli_reference_is_the_installed_command(tmp_path: Path) -> None:
    """The commands the reference lists are those the real `ledger` script registers."""
    proc = run_real_ledger(["--help"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    listed = proc.stdout.partition("\nCommands:\n")[2]
    installed = {m.group(1) for line in listed.splitlines() if (m := re.match(r"^  (\S+)", line))}
    assert installed == set(cli_group().commands)


def test_every_command_and_option_has_help() -> None:
    group = cli_group()
    assert group.help
    for path, command in _commands(group):
        assert command.help, f"ledger {' '.join(path)} has no help text"
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                assert param.help, f"ledger {' '.join(path)} {param.opts[0]} has no help text"


# The event catalogue


def event_examples() -> list[str]:
    lines = []
    for block in blocks(DOCS / "events.md"):
        if block.lang == "jsonl":
            lines += [line for line in block.text.splitlines() if line.strip()]
    return lines


def test_every_event_example_is_accepted(tmp_path: Path) -> None:
    from ledger.facts import TYPE_NAMES

    lines = event_examples()
    assert {json.loads(line)["type"] for line in lines} == set(TYPE_NAMES)
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_ledger(["import", "--json", "events.jsonl"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"appended": len(lines), "unchanged": 0, "size": len(lines)}


def _field_tables(text: str) -> dict[str, list[tuple[str, str]]]:
    """For each `### `Type`` section of events.md: (field, required) from its table."""
    tables: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in text.splitlines():
        if m := re.match(r"^### `(\w+)`", line):
            current = tables.setdefault(m.group(1), [])
        elif line.startswith("## "):
            current = None
        elif current is not None and (m := re.match(r"^\| `(\w+)` \| (\w+) \|", line)):
            current.append((m.group(1), m.group(2)))
    return tables


def test_event_catalogue_lists_every_field() -> None:
    from ledger.facts import BY_TAG, Fact

    envelope = {f.name for f in msgspec.structs.fields(Fact)}
    tables = _field_tables((DOCS / "events.md").read_text(encoding="utf-8"))
    assert set(tables) == set(BY_TAG)
    for name, cls in BY_TAG.items():
        want = [(f.name, "yes" if f.required else "no") for f in msgspec.structs.fields(cls)]
        assert tables[name] == [w for w in want if w[0] not in envelope], name


# JSON schemas

SCHEMA_KEYWORDS = {
    "$schema", "$id", "$defs", "$ref", "$comment", "title", "description",
    "type", "enum", "const", "properties", "required", "additionalProperties", "propertyNames",
    "items", "minItems", "minLength", "pattern", "minimum", "maximum", "oneOf", "anyOf", "allOf",
}  # fmt: skip
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class Validator:
    """The subset of JSON Schema 2020-12 that docs/json-schemas.md uses (SCHEMA_KEYWORDS).

    `strict`: an object may hold only the properties its schema names, even where the
    published schema allows more (later versions may add fields), so that a field added
    to an output without being documented fails the docs test.
    """

    def __init__(self, schemas: list[dict[str, Any]], *, strict: bool) -> None:
        self.by_id = {s["$id"]: s for s in schemas}
        self.strict = strict

    def resolve(self, ref: str, base: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        uri, _, pointer = ref.partition("#")
        doc = self.by_id[uri] if uri else base
        node: Any = doc
        for part in filter(None, pointer.split("/")):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, doc

    def errors(self, value: Any, schema: Any, base: dict[str, Any], at: str = "$") -> Iterator[str]:
        if schema is True:
            return
        if schema is False:
            yield f"{at}: not allowed"
            return
        if "$ref" in schema:
            target, doc = self.resolve(schema["$ref"], base)
            yield from self.errors(value, target, doc, at)
        if "type" in schema:
            kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_TYPES[k](value) for k in kinds):
                yield f"{at}: {value!r} is not of type {kinds}"
                return
        if "const" in schema and value != schema["const"]:
            yield f"{at}: {value!r} is not {schema['const']!r}"
        if "enum" in schema and value not in schema["enum"]:
            yield f"{at}: {value!r} is not one of {schema['enum']}"
        if isinstance(value, str):
            if "pattern" in schema and not re.search(schema["pattern"], value):
                yield f"{at}: {value!r} does not match {schema['pattern']}"
            if len(value) < schema.get("minLength", 0):
                yield f"{at}: {value!r} is too short"
        if _TYPES["number"](value):
            if "minimum" in schema and value < schema["minimum"]:
                yield f"{at}: {value} < {schema['minimum']}"
            if "maximum" in schema and value > schema["maximum"]:
                yield f"{at}: {value} > {schema['maximum']}"
        if isinstance(value, list):
            if len(value) < schema.get("minItems", 0):
                yield f"{at}: too few items"
            for i, item in enumerate(value):
                if "items" in schema:
                    yield from self.errors(item, schema["items"], base, f"{at}[{i}]")
        if isinstance(value, dict):
            yield from self._object_errors(value, schema, base, at)
        for sub in schema.get("allOf", []):
            yield from self.errors(value, sub, base, at)
        if "anyOf" in schema and not any(not list(self.errors(value, s, base, at)) for s in schema["anyOf"]):
            yield f"{at}: matches none of anyOf"
        if "oneOf" in schema:
            passing = [s for s in schema["oneOf"] if not list(self.errors(value, s, base, at))]
            if len(passing) != 1:
                yield f"{at}: matches {len(passing)} of oneOf"

    def _object_errors(
        self, value: dict[str, Any], schema: dict[str, Any], base: dict[str, Any], at: str
    ) -> Iterator[str]:
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                yield f"{at}: missing {name!r}"
        extra = schema.get("additionalProperties")
        if extra is None and self.strict and properties:
            extra = False
        for name, item in value.items():
            if "propertyNames" in schema:
                yield from self.errors(name, schema["propertyNames"], base, f"{at} key {name!r}")
            if name in properties:
                yield from self.errors(item, properties[name], base, f"{at}.{name}")
            elif extra is not None:
                yield from self.errors(item, extra, base, f"{at}.{name}")

    def check(self, value: Any, schema: dict[str, Any]) -> list[str]:
        return list(self.errors(value, schema, schema))


def schemas_by_heading() -> dict[str, dict[str, Any]]:
    """The schemas of docs/json-schemas.md, keyed by the command their heading names

    (`"proof inclusion"` for `## `ledger proof inclusion --json``; `"fact"` for the fact).
    """
    text = (DOCS / "json-schemas.md").read_text(encoding="utf-8").splitlines()
    found = {}
    for block in blocks(DOCS / "json-schemas.md"):
        if block.lang != "json":
            continue
        heading = next(line for line in reversed(text[: block.line - 1]) if line.startswith("#"))
        m = re.search(r"`ledger ([a-z -]+?) --json`", heading)
        found[m.group(1) if m else "fact"] = json.loads(block.text)
    return found


def _keywords(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            yield key
            if key in ("properties", "$defs"):
                for sub in value.values():
                    yield from _keywords(sub)
            elif key not in ("enum", "const", "required"):
                yield from _keywords(value)
    elif isinstance(schema, list):
        for sub in schema:
            yield from _keywords(sub)


def test_schemas_are_draft_2020_12_in_the_supported_subset() -> None:
    schemas = schemas_by_heading()
    assert set(schemas) == {
        "fact", "replay", "import", "import --dry-run", "log", "timeline", "show", "verify", "init", "demo",
        "checkpoint", "proof inclusion", "proof consistency", "bench", "check", "audit promises",
        "audit conflicts",
    }  # fmt: skip
    for name, schema in schemas.items():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", name
        assert set(_keywords(schema)) <= SCHEMA_KEYWORDS, name


def test_fact_schema_names_every_field() -> None:
    from ledger.facts import BY_TAG

    fact = schemas_by_heading()["fact"]
    variants = [fact["$defs"][ref["$ref"].split("/")[-1]] for ref in fact["oneOf"]]
    by_type = {v["properties"]["type"]["const"]: v for v in variants}
    assert set(by_type) == set(BY_TAG)
    for name, cls in BY_TAG.items():
        fields = msgspec.structs.fields(cls)
        assert set(by_type[name]["properties"]) == {"type"} | {f.name for f in fields}, name
        assert set(by_type[name]["required"]) == {"type"} | {f.name for f in fields if f.required}, name


def test_schema_validator_rejects_what_it_should() -> None:
    schemas = schemas_by_heading()
    v = Validator(list(schemas.values()), strict=True)
    good = {"appended": 1, "unchanged": 0, "size": 1}
    assert v.check(good, schemas["import"]) == []
    assert v.check({**good, "size": -1}, schemas["import"])
    assert v.check({**good, "extra": 1}, schemas["import"])
    line = {
        "type": "DeploymentCompleted",
        "occurred": "2022-01-09",
        "mission": "m",
        "sources": [{"publisher": "p"}],
    }
    assert v.check(line, schemas["fact"]) == []
    assert v.check({**line, "mission": "M"}, schemas["fact"])
    assert v.check({**line, "occurred": "9 Jan"}, schemas["fact"])
    assert v.check({**line, "type": "MissionCompleted", "colour": "red"}, schemas["fact"])


def _tamper(db: Path) -> None:
    """Alter the stored bytes of the first entry, as an attacker with the file could."""
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        (rowid,) = conn.execute("SELECT notification_id FROM ledger_entries WHERE seq = 0").fetchone()
        conn.execute("UPDATE stored_events SET state = CAST(' ' || state AS BLOB) WHERE rowid = ?", (rowid,))


@pytest.mark.subprocess  # `ledger bench` measures a replay's memory in a Python of its own
def test_json_outputs_match_their_schemas(tmp_path: Path) -> None:
    schemas = schemas_by_heading()
    v = Validator(list(schemas.values()), strict=True)
    outputs: dict[str, list[Any]] = {name: [] for name in schemas if name != "fact"}

    def run(name: str, *args: str, code: int = 0) -> Any:
        proc = run_ledger([*name.split(), *args, "--json"], tmp_path)
        assert proc.returncode == code, proc.stderr
        values = [json.loads(line) for line in proc.stdout.splitlines()]
        outputs[name] += values
        return values[-1]

    shutil.copy(EXAMPLES / "kazakhstan-2022-01-11.jsonl", tmp_path)
    shutil.copy(EXAMPLES / "niger-2023.jsonl", tmp_path)
    (tmp_path / "events.jsonl").write_text("\n".join(event_examples()) + "\n", encoding="utf-8")
    run("init")
    empty = run("checkpoint")  # size 0: the root of the empty tree
    (tmp_path / "cp.json").write_text(json.dumps(empty), encoding="utf-8")
    run("import --dry-run", "kazakhstan-2022-01-11.jsonl")
    run("import", "kazakhstan-2022-01-11.jsonl")
    (tmp_path / "bad.jsonl").write_text('{"type": "X"}\n\n[1]\n', encoding="utf-8")
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    run("import --dry-run", "bad.jsonl", "empty.jsonl", "kazakhstan-2022-01-11.jsonl", code=2)
    run("import", "empty.jsonl")
    assert run_ledger(["keygen", "--out", "key"], tmp_path).returncode == 0
    (tmp_path / "cp.txt").write_text(run_ledger(["checkpoint", "--sign", "key"], tmp_path).stdout)
    middle = run("checkpoint", "--sign", "key")
    run("import", "events.jsonl")
    for day in ("2022-01-04", "2022-01-06", "2022-01-10", "2022-01-12", "2022-01-14", "2022-01-30"):
        run("replay", "--as-of", day)
    run("replay", "--as-of", "2022-01-12", "--size", "5")
    (tmp_path / "answer.json").write_text(json.dumps(outputs["replay"][-1]), encoding="utf-8")
    edited = json.loads(json.dumps(outputs["replay"][-1]))
    edited["as_of"] = "2022-01-13"
    (tmp_path / "edited.json").write_text(json.dumps(edited), encoding="utf-8")
    run("check", "answer.json")
    run("check", "edited.json", code=1)
    run("import", "niger-2023.jsonl")
    for day in ("2022-01-12", "2022-01-30", "2023-10-01", "2024"):
        run("audit promises", "--as-of", day)
        run("audit conflicts", "--as-of", day)
    run("audit conflicts", "--as-of", "2023-11")
    run("audit promises", "--as-of", "2024", "--mission", "french-forces-niger", "--state", "NE")
    (tmp_path / "audit.json").write_text(json.dumps(outputs["audit promises"][-1]), encoding="utf-8")
    run("check", "audit.json")
    run("log")
    run("timeline")
    size = len(outputs["log"])
    for ref in ("0", str(size - 1), *(f["id"] for f in map(json.loads, event_examples()[-2:]))):
        run("show", ref)
    run("checkpoint")
    for ref in ("0", "5", str(size - 1), outputs["log"][3]["id"]):
        run("proof inclusion", ref)
    run("proof inclusion", "0", "--size", "1")
    run("proof inclusion", "4", "--size", str(middle["size"]))
    for old, new in ((1, None), (5, 16), (middle["size"], None), (size, size)):
        run("proof consistency", str(old), *([] if new is None else [str(new)]))
    run("verify")
    run("verify", "--against", "cp.json")
    run("verify", "--against", "cp.txt", "--key", "key.pub")
    run("demo")
    run("bench", "--events", "300", "--repeats", "1")
    _tamper(tmp_path / "ledger.db")
    run("verify", code=1)

    assert outputs["verify"][-1]["ok"] is False
    assert [o["ok"] for o in outputs["check"]] == [True, False, True]
    assert {p["status"] for o in outputs["audit promises"] for p in o["promises"]} >= {"met", "pending"}
    assert any(o["conflicts"] for o in outputs["audit conflicts"])
    assert any(o["corrected_by"] for o in outputs["show"])
    assert "signature" in middle and middle["root"] == outputs["proof consistency"][2]["old_root"]
    assert outputs["proof consistency"][-1]["proof"] == []
    assert (outputs["bench"][0]["events"], outputs["bench"][0]["repeats"]) == (300, 1)
    for name, values in outputs.items():
        assert values, name
        for value in values:
            assert v.check(value, schemas[name]) == [], (name, value)


if __name__ == "__main__":
    target = DOCS / "cli.md"
    target.write_text(render_cli_reference(), encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")
