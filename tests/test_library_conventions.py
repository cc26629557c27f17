"""The library as a Python caller expects it (issue items 2 and 3): it never prints, it logs
through the standard `logging` module, and it follows Python's conventions."""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE

from ledger import AsyncLedger, ImportResult, Ledger, World
from ledger.entries import Folded
from ledger.errors import FactError, LedgerClosed, LedgerError, UsageError

# Item 2: a library never prints


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.mark.subprocess
def test_a_script_importing_facts_prints_nothing(tmp_path: Path) -> None:
    proc = _python(
        f"""
        import asyncio
        from ledger import AsyncLedger, Ledger

        with Ledger.open("l.db", create=True) as lg:
            lg.import_files([{str(EXAMPLE)!r}])
            lg.import_files([{str(EXAMPLE)!r}])
            lg.replay("2022-01-12")

        async def again():
            async with AsyncLedger.open("l.db") as lg:
                await lg.import_facts([("f.jsonl", open({str(EXAMPLE)!r}, "rb").read())])

        asyncio.run(again())
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert (proc.stdout, proc.stderr) == ("", "")


@pytest.mark.subprocess
def test_logging_settings_decide_what_is_seen(tmp_path: Path) -> None:
    """An application that configures `logging` at INFO sees the events, as log lines."""
    proc = _python(
        f"""
        import logging
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s %(appended)s")
        from ledger import Ledger

        with Ledger.open("l.db", create=True) as lg:
            lg.import_files([{str(EXAMPLE)!r}])
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == "INFO ledger import.done 17\n"


def test_a_logging_handler_receives_import_done_with_its_fields(tmp_path: Path) -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("ledger")
    handler = Keep(level=logging.INFO)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with Ledger.open(tmp_path / "l.db", create=True) as lg:
            lg.import_files([EXAMPLE])
        logger.setLevel(logging.WARNING)
        with Ledger.open(tmp_path / "l.db") as lg:
            lg.import_files([EXAMPLE])  # below the level: not even made into a record
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    [done] = records
    assert done.name == "ledger"
    assert done.levelno == logging.INFO
    assert done.getMessage() == "import.done"
    assert (done.appended, done.unchanged, done.size) == (17, 0, 17)  # type: ignore[attr-defined]


def test_fields_named_like_record_attributes_do_not_break_logging(caplog: pytest.LogCaptureFixture) -> None:
    from ledger.logger import get_logger

    with caplog.at_level(logging.INFO, logger="ledger.test"):
        get_logger("ledger.test").info("odd.fields", name="n", message="m", size=1)
    [record] = caplog.records
    assert (record.name_, record.message_, record.size) == ("n", "m", 1)  # type: ignore[attr-defined]


# Item 3: Python conventions


def test_import_files_takes_one_path_as_str_or_path(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "facts.jsonl")
    with Ledger.open(tmp_path / "l.db", create=True) as lg:
        assert lg.import_files(str(tmp_path / "facts.jsonl")) == ImportResult(17, 0, 17)
        assert lg.import_files(tmp_path / "facts.jsonl") == ImportResult(0, 17, 17)
        assert lg.import_files((tmp_path / "facts.jsonl", str(tmp_path / "facts.jsonl"))) == ImportResult(
            0, 34, 17
        )
        with pytest.raises(FileNotFoundError):
            lg.import_files("f")  # not the files f, a, c, t, s...


def test_import_facts_takes_text_as_well_as_bytes(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    with (
        Ledger.open(tmp_path / "t.db", create=True) as by_text,
        Ledger.open(tmp_path / "b.db", create=True) as by_bytes,
    ):
        assert by_text.import_facts([("facts.jsonl", text)]) == ImportResult(17, 0, 17)
        assert by_bytes.import_facts([("facts.jsonl", text.encode())]) == ImportResult(17, 0, 17)
        assert list(by_text.facts()) == list(by_bytes.facts())
        with pytest.raises(FactError) as err:
            by_text.import_facts([("bad.jsonl", '\n{"type": "Nope"}')])
        assert (err.value.source, err.value.line) == ("bad.jsonl", 2)


def _closed_calls(lg: Ledger) -> dict[str, Callable[[], object]]:
    return {
        "size": lg.size,
        "replay": lambda: lg.replay("2022-01-12"),
        "entries": lambda: list(lg.entries()),
        "facts": lambda: list(lg.facts()),
        "timeline": lambda: list(lg.timeline()),
        "log": lambda: list(lg.log()),
        "show": lambda: lg.show(0),
        "root": lg.root,
        "checkpoint": lg.checkpoint,
        "verify": lg.verify,
        "import_files": lambda: lg.import_files(EXAMPLE),
        "import_facts": lambda: lg.import_facts([("f", b"")]),
        "run": lambda: lg.run(Counter()),
    }


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def apply(self, fact: object, effective: object) -> None:
        self.n += 1


def test_a_closed_ledger_says_so(tmp_path: Path) -> None:
    lg = Ledger.open(tmp_path / "l.db", create=True)
    lg.import_files(EXAMPLE)
    assert not lg.closed
    lg.close()
    lg.close()  # again: nothing happens
    assert lg.closed
    for name, call in _closed_calls(lg).items():
        with pytest.raises(LedgerClosed) as err:
            call()
        assert isinstance(err.value, LedgerError) and isinstance(err.value, ValueError), name
        assert str(err.value) == f"{tmp_path / 'l.db'}: the ledger is closed", name
    with Ledger.open(tmp_path / "l.db") as lg:
        pass
    with pytest.raises(LedgerClosed):
        lg.size()


def test_a_closed_async_ledger_says_so(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db", create=True) as lg:
        lg.import_files(EXAMPLE)

    async def use_after_close() -> list[str]:
        async with AsyncLedger.open(tmp_path / "l.db") as alg:
            assert not alg.closed and await alg.size() == 17
        assert alg.closed
        calls: dict[str, Callable[[], Awaitable[object]]] = {
            "size": alg.size,
            "root": alg.root,
            "replay": lambda: alg.replay("2022-01-12"),
            "timeline": lambda: collect(alg.timeline()),
            "entries": lambda: collect(alg.entries()),
            "facts": lambda: collect(alg.facts()),
            "log": lambda: collect(alg.log()),
            "show": lambda: alg.show(0),
            "checkpoint": alg.checkpoint,
            "run": lambda: alg.run(Counter()),
            "import_facts": lambda: alg.import_facts([("f", b"")]),
            "verify": alg.verify,
        }
        failed = []
        for name, call in calls.items():
            try:
                await call()
            except LedgerClosed:
                failed.append(name)
        return failed

    assert asyncio.run(use_after_close()) == [
        "size", "root", "replay", "timeline", "entries", "facts", "log", "show", "checkpoint", "run",
        "import_facts", "verify",
    ]  # fmt: skip


async def collect(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]


def test_dir_of_the_package_lists_the_classes() -> None:
    import ledger

    names = dir(ledger)
    assert {"Ledger", "AsyncLedger", "World", "errors"} <= set(names)
    assert set(ledger.__all__) <= set(names)


def test_repr_names_the_ledger(tmp_path: Path) -> None:
    lg = Ledger.open(tmp_path / "l.db", create=True)
    assert repr(lg) == f"<Ledger {str(tmp_path / 'l.db')!r} (sqlite)>"
    lg.close()
    assert repr(lg) == f"<Ledger {str(tmp_path / 'l.db')!r} (closed)>"

    async def shown() -> tuple[str, str]:
        async with AsyncLedger.open(tmp_path / "l.db") as alg:
            inside = repr(alg)
        return inside, repr(alg)

    assert asyncio.run(shown()) == (
        f"<AsyncLedger {str(tmp_path / 'l.db')!r} (sqlite)>",
        f"<AsyncLedger {str(tmp_path / 'l.db')!r} (closed)>",
    )


def test_repr_of_a_postgres_ledger_hides_the_password(pg_url: str) -> None:
    with_password = pg_url.replace("postgresql://postgres@", "postgresql://postgres:s3cret@", 1)
    assert "s3cret" in with_password
    with Ledger.open(with_password, create=True) as lg:
        shown = repr(lg)
    assert "s3cret" not in shown
    assert shown.startswith("<Ledger 'postgresql://postgres@") and shown.endswith(" (postgresql)>")

    async def async_repr() -> str:
        async with AsyncLedger.open(with_password) as alg:
            return repr(alg)

    assert "s3cret" not in asyncio.run(async_repr())


def test_timeline_is_an_iterator_like_entries_and_facts(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db", create=True) as lg:
        lg.import_files(EXAMPLE)
        items = lg.timeline(state="KZ")
        assert iter(items) is items and not isinstance(items, list)
        folded = list(items)
        assert len(folded) == 17 and list(items) == []
        with pytest.raises(UsageError):
            lg.timeline(size=99)  # arguments are checked when it is called

    async def async_timeline() -> list[Folded]:
        async with AsyncLedger.open(tmp_path / "l.db") as alg:
            items = alg.timeline(state="KZ")
            assert isinstance(items, AsyncIterator)
            return [e async for e in items]

    assert asyncio.run(async_timeline()) == folded


# Items 8 and 9 in the library: replay(states=...), and filters checked with a hint


def test_replay_states_both_classes(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "l.db", create=True) as lg:
        lg.import_files(EXAMPLE)
        whole = lg.replay("2022-01-12")
        assert lg.replay("2022-01-12", states=None) == whole
        assert lg.replay("2022-01-12", states=["KZ"]) == whole
        by_contributor = lg.replay("2022-01-12", states="RU")  # one code as a str, not 'R', 'U'
        assert by_contributor.states == {} and by_contributor.missions == whole.missions
        assert lg.replay("2022-01-12", states=("FR", "DE")).missions == {}
        with pytest.raises(UsageError) as err:
            lg.replay("2022-01-12", states=["KZ", "kz"])
        assert (err.value.param, err.value.value) == ("states", "kz")
        assert str(err.value) == (
            "states kz: not an ISO 3166-1 alpha-2 or former-state (ISO 3166-3) code; did you mean KZ?"
        )
        with pytest.raises(UsageError):
            lg.replay("2022-01-12", states=[])

    async def async_replays() -> list[Any]:
        async with AsyncLedger.open(tmp_path / "l.db") as alg:
            return [await alg.replay("2022-01-12", states=s) for s in (None, "RU", ["FR"])]

    assert asyncio.run(async_replays()) == [
        whole,
        by_contributor,
        World(whole.as_of, whole.ledger, {}, {}),
    ]


@pytest.mark.parametrize(
    ("kwargs", "param", "message"),
    [
        (
            {"state": "kz"},
            "state",
            "state kz: not an ISO 3166-1 alpha-2 or former-state (ISO 3166-3) code; did you mean KZ?",
        ),
        (
            {"state": "XX"},
            "state",
            "state XX: not an ISO 3166-1 alpha-2 or former-state (ISO 3166-3) code "
            "(such as KZ, or SUHH for the USSR)",
        ),
        (
            {"mission": "no-such"},
            "mission",
            "mission no-such: no mission of this name in the ledger (it has csto-kazakhstan-2022)",
        ),
    ],
)
def test_timeline_filters_are_checked(
    tmp_path: Path, kwargs: dict[str, str], param: str, message: str
) -> None:
    with Ledger.open(tmp_path / "l.db", create=True) as lg:
        lg.import_files(EXAMPLE)
        with pytest.raises(UsageError) as err:
            lg.timeline(**kwargs)  # at the call, before any iteration
        assert (err.value.param, str(err.value), err.value.exit_code) == (param, message, 2)

    async def async_timeline() -> None:
        async with AsyncLedger.open(tmp_path / "l.db") as alg:
            await collect(alg.timeline(**kwargs))

    with pytest.raises(UsageError) as err:
        asyncio.run(async_timeline())
    assert (err.value.param, str(err.value)) == (param, message)
