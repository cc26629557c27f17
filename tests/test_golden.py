"""The refactor's rule: every `--json` document and exit code is unchanged (tests/golden/README.md).

tests/golden/*.json hold what the code before the refactor (644a15d) printed for a fixed set of
commands on three ledgers; this test runs the same commands (tests/golden/make_golden.py) against
the installed code, in process, and compares. A document printed before must be contained in the
one printed now: the same keys with equal values, recursively, lists of the same length in the
same order; an object may gain keys (contract v2 adds optional fields such as `fact`, `strength`,
`actors`, `receipt`). Exit codes and stderr must be equal, but for the intended changes in
ALLOWED, each listed with its reason.

Not in ALLOWED, on purpose: library errors now name their parameter (`size 99: ...`), but the CLI
must go on printing its option (`--size 99: ...`, `--as-of: ...`, `OLD 0: ...`), exactly as before.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ledger.facts import TYPE_NAMES

GOLDEN = Path(__file__).resolve().parent / "golden"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


make_golden = _load_generator()


@dataclass(frozen=True)
class Allowed:
    """An intended difference: in the stderr of the cases whose name matches `case`, what the old
    code printed (`before`, a regular expression) is now printed as `now`; with `exit_code`, such a
    case now also exits with that code; with `ledger`, only in that ledger's cases."""

    case: str
    before: str
    now: str
    reason: str
    exit_code: int | None = None
    ledger: str | None = None

    def applies(self, case: dict[str, Any], ledger: str) -> bool:
        return self.ledger in (None, ledger) and re.fullmatch(self.case, case["name"]) is not None


# cli-ux, issue item 9: a filter that names no state or no mission of the ledger is bad input
# (exit 2, with a hint) instead of an empty answer; an empty answer says so on stderr, while
# stdout stays the same (valid, empty) JSON Lines.
_BAD_FILTER = (
    "cli-ux (item 9): a --state that is no ISO code, or a --mission the ledger lacks, is exit 2 with a hint"
)
_EMPTY = "cli-ux (item 9): an empty result says so in words on stderr; stdout (JSON Lines) is unchanged"
_HINTS = (
    "import-errors (issue 14, item 10): a refused line says what to write instead (the nearest type or "
    "field, a slug for a name, the file's real encoding, JSON Lines for an array); an empty file warns"
)
_V2 = "contract v2, section 9: `--known-at` also takes a date, and says so when it is given neither"
_TIMELINE_STATE = (
    "contract v2, section 9: `timeline --state S` also lists the facts of missions in which S has a "
    "contingent at that point of the replay, and lists a statement by S's office only when its `about` "
    "names S (the contract's list of what S's timeline holds); every other line of v1's answer is "
    "still there, in order"
)


@dataclass(frozen=True)
class Superset:
    """An intended difference in stdout: in the cases whose name matches `case`, today's JSON Lines
    hold every line recorded, in the same order, and more."""

    case: str
    reason: str


SUPERSETS = (Superset(case=r"timeline .*--state .*", reason=_TIMELINE_STATE),)


ALLOWED = (
    Allowed(
        case=r"proof consistency .*",
        before=r"a consistency proof needs 0 < OLD <= NEW",
        now="a consistency proof needs 0 < old <= new",
        reason="289dee3: the library's UsageError names its parameters (old, new) in lower case; "
        "the CLI still names the argument first (`OLD 0: ...`)",
    ),
    Allowed(
        case=r"timeline --state kz --json",
        before=r"\A\Z",
        now="ledger: --state kz: not an ISO 3166-1 alpha-2 or former-state (ISO 3166-3) code; "
        "did you mean KZ?\n",
        reason=_BAD_FILTER,
        exit_code=2,
    ),
    Allowed(
        case=r"timeline --mission no-such-mission --json",
        before=r"\A\Z",
        now="ledger: --mission no-such-mission: no mission of this name in the ledger "
        "(it has csto-kazakhstan-2022)\n",
        reason=_BAD_FILTER,
        exit_code=2,
    ),
    Allowed(
        case=r"timeline --state FR --json",
        before=r"\A\Z",
        now="No facts in the timeline for --state FR.\n",
        reason=_EMPTY,
        ledger="example",
    ),
    Allowed(
        case=r"timeline --known-at 2000-01-01T00:00Z --json",
        before=r"\A\Z",
        now="No facts in the timeline for --known-at 2000-01-01T00:00Z.\n",
        reason=_EMPTY,
    ),
    Allowed(case=r"log --size 0 --json", before=r"\A\Z", now="No entries for --size 0.\n", reason=_EMPTY),
    Allowed(
        case=r"log --known-at 2000-01-01T00:00Z --json",
        before=r"\A\Z",
        now="No entries for --known-at 2000-01-01T00:00Z.\n",
        reason=_EMPTY,
    ),
    *(
        Allowed(case=r"import .*", before=before, now=now, reason=_HINTS)
        for before, now in (
            (
                r"(unknown field)$",
                r"\1; ForcesDeployed has the fields 'mission', 'contributor', 'host', "
                r"'personnel', 'id', 'occurred', 'sources', 'supersedes', 'note'",
            ),
            (
                r"(unknown fact type 'TroopsSent')$",
                r"\1; the types are " + ", ".join(repr(name) for name in TYPE_NAMES),
            ),
            (
                r"\$\.mission: Expected `str` matching regex .*$",
                r"$.mission: 'CSTO mission' is not a slug; "
                r"use a slug such as 'csto-mission'",
            ),
            (
                r"(not valid JSON \(Input data was truncated\))$",
                r"\1; write each fact whole on one line "
                r"(JSON Lines)",
            ),
            (r"\$: invalid UTF-8 at byte 0$", r"$: the file is UTF-16; save it as UTF-8"),
            (
                r"\$: Expected `object`, got `array`$",
                r"$: a JSON array of facts; write one fact per line: "
                r"JSON Lines",
            ),
        )
    ),
    Allowed(
        case=r"import a file of blank lines",
        before=r"\A\Z",
        now="ledger: warning: <tmp>/blank.jsonl: the file is empty: no fact to import\n",
        reason=_HINTS,
    ),
    Allowed(
        case=r".*--known-at .*",
        before=r"--known-at takes a moment$",
        now="--known-at takes a moment or a date",
        reason=_V2,
    ),
    Allowed(
        case=r"lock timeout",
        before=r"database is locked$",
        now="the ledger is locked by another writer (waited 1 s)",
        reason="9f06f95: SQLite's errors are translated in one place (ledger/storage/sqlite/errors.py), "
        "by error name; a lock held past --lock-timeout says so, as on PostgreSQL, instead of "
        "passing on SQLite's 'database is locked'",
    ),
)


def expected_stderr(case: dict[str, Any], used: set[Allowed], ledger: str) -> str:
    text: str = case["stderr"]
    for allowed in ALLOWED:
        if allowed.applies(case, ledger):
            changed = re.sub(allowed.before, allowed.now, text, flags=re.MULTILINE)
            if changed != text:
                used.add(allowed)
                text = changed
    return text


def expected_exit_code(case: dict[str, Any], ledger: str) -> int:
    for allowed in ALLOWED:
        if allowed.exit_code is not None and allowed.applies(case, ledger):
            return allowed.exit_code
    return int(case["exit_code"])


def differences(old: Any, new: Any, path: str = "$") -> Iterator[str]:
    """Where `new` does not contain `old`: objects may gain keys, nothing else may change."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            yield f"{path}: an object before, now {_short(new)}"
            return
        for key, value in old.items():
            if key not in new:
                yield f"{path}.{key}: missing (before: {_short(value)})"
            else:
                yield from differences(value, new[key], f"{path}.{key}")
    elif isinstance(old, list):
        if not isinstance(new, list):
            yield f"{path}: a list before, now {_short(new)}"
        elif len(old) != len(new):
            yield f"{path}: {len(old)} items before, now {len(new)}"
        else:
            for i, (a, b) in enumerate(zip(old, new, strict=True)):
                yield from differences(a, b, f"{path}[{i}]")
    elif type(old) is not type(new) or old != new:
        yield f"{path}: before {_short(old)}, now {_short(new)}"


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "..."


def _by_office_only(line: Any, state: str) -> bool:
    """A timeline line of v1 that names `state` only as the prefix of a statement's office."""
    fact = line.get("fact", {}) if isinstance(line, dict) else {}
    return fact.get("type") == "StatementMade" and state not in (fact.get("about") or ())


def _in_order(old: list[Any], new: list[Any]) -> bool:
    """Whether every item of `old` is contained (as `differences` says) in an item of `new`, in
    order: `new` is `old` with lines added."""
    items = iter(new)
    return all(any(not list(differences(line, candidate)) for candidate in items) for line in old)


def compare(before: dict[str, Any], now: dict[str, Any], used: set[Allowed]) -> list[str]:
    """Every difference between the recorded cases and today's, one line each."""
    found: list[str] = []
    old_names = [c["name"] for c in before["cases"]]
    new_names = [c["name"] for c in now["cases"]]
    if old_names != new_names:  # the generator changed: the golden file must be recorded again
        return [f"the cases differ from the recorded ones: {sorted(set(old_names) ^ set(new_names))[:20]}"]
    for old, new in zip(before["cases"], now["cases"], strict=True):
        name = old["name"]
        here: list[str] = []
        if old["args"] != new["args"]:
            here.append(f"args: before {old['args']}, now {new['args']}")
        if expected_exit_code(old, before["ledger"]) != new["exit_code"]:
            here.append(f"exit code: before {old['exit_code']}, now {new['exit_code']}")
        want = expected_stderr(old, used, before["ledger"])
        if want != new["stderr"]:
            recorded = "" if want == old["stderr"] else f" (recorded {old['stderr']!r}, ALLOWED applied)"
            here.append(f"stderr: expected {want!r}{recorded}, now {new['stderr']!r}")
        superset = any(re.fullmatch(s.case, name) for s in SUPERSETS)
        if superset and isinstance(old.get("stdout"), list) and isinstance(new.get("stdout"), list):
            state = re.search(r"--state (\S+)", name)
            kept = [line for line in old["stdout"] if state is None or not _by_office_only(line, state[1])]
            if not _in_order(kept, new["stdout"]):
                here.append("stdout: a line recorded is missing, or out of order, in today's lines")
        elif "stdout" in old and "stdout" in new:
            here += [f"stdout{d[1:]}" for d in differences(old["stdout"], new["stdout"])]
        elif old.get("stdout_text") != new.get("stdout_text") or ("stdout" in old) != ("stdout" in new):
            here.append(
                f"stdout: before {_short(old.get('stdout', old.get('stdout_text')))}, "
                f"now {_short(new.get('stdout', new.get('stdout_text')))}"
            )
        found += [f"{name}: {d}" for d in here[:8]]
        if len(here) > 8:
            found.append(f"{name}: ... and {len(here) - 8} more")
    return found


@pytest.fixture(scope="module")
def runner() -> Any:
    try:
        return make_golden.InProcess()
    except Exception as e:  # the whole CLI is broken: say so once, plainly
        broken = f"the CLI cannot be imported: {type(e).__name__}: {e}"
    pytest.fail(broken, pytrace=False)


@pytest.mark.parametrize("ledger", make_golden.LEDGERS)
def test_documents_and_exit_codes_are_unchanged(runner: Any, ledger: str) -> None:
    before = json.loads((GOLDEN / f"{ledger}.json").read_text("utf-8"))
    assert make_golden.inputs_digest(ledger) == before["inputs"], (
        "the inputs changed since the golden files were recorded: record them again (tests/golden/README.md)"
    )
    now = make_golden.record(runner, ledger)
    found = compare(before, now, set())
    shown = "\n".join(found[:60]) + (f"\n... {len(found) - 60} more" if len(found) > 60 else "")
    assert not found, f"{len(found)} differences from the recorded {ledger}.json:\n{shown}"


def test_every_allowed_difference_is_in_the_recorded_documents() -> None:
    """An entry of ALLOWED that matches nothing recorded is stale (or mistyped): remove it."""
    used: set[Allowed] = set()
    for ledger in make_golden.LEDGERS:
        for case in json.loads((GOLDEN / f"{ledger}.json").read_text("utf-8"))["cases"]:
            expected_stderr(case, used, ledger)
    assert used == set(ALLOWED), [a.reason for a in ALLOWED if a not in used]
