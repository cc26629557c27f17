"""The library as a Python caller expects it (issue items 2 and 3): it never prints, it logs
through the standard `logging` module, and it follows Python's conventions."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import EXAMPLE

from ledger import Ledger

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
