"""The markers a newcomer selects tests by (registered in pyproject.toml, `--strict-markers`):

- `pg`: runs on the PostgreSQL server (tests/pg.py). Marked at collection: a test whose `backend`
  is "postgres" or that uses the `pg_url` or `pg_database` fixture.
- `subprocess`: starts the real `ledger` script, or another Python. Marked by hand (the module's
  `pytestmark`, or the test); a test that starts one unmarked fails, saying so.
- `slow`: one of the few tests that take most of the suite's time (kills, concurrent writers, big
  hypothesis runs, bench-sized data; docs/reliability.md lists them). `make check` leaves them out.

A test that needs PostgreSQL or starts a Python without its marker fails, naming the marker: a
`-m "not pg"` or `-m "not subprocess"` run is then what it says it is.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest

# The test pytest is running (setup, call and teardown), set by tests/conftest.py.
running: pytest.Item | None = None

PG_FIXTURES = frozenset({"pg_url", "pg_database"})


def uses_postgres(item: pytest.Item) -> bool:
    """Whether the test runs on PostgreSQL, as far as its fixtures and parameters say."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("backend") == "postgres":
        return True
    return bool(PG_FIXTURES.intersection(getattr(item, "fixturenames", ())))


def require(marker: str, doing: str) -> None:
    """Fail the running test unless it carries `marker`: it is `doing` what the marker says."""
    item = running
    if item is not None and item.get_closest_marker(marker) is None:
        pytest.fail(f"{item.nodeid} {doing} without @pytest.mark.{marker} (tests/markers.py)", pytrace=False)


def audit(event: str, args: tuple[Any, ...]) -> None:
    """sys.addaudithook: a test starting the `ledger` script or a Python must be `subprocess`."""
    if event != "subprocess.Popen" or running is None:
        return
    name = os.path.basename(os.fsdecode(args[0]))  # the executable (git, say, is not checked)
    if name == "ledger" or name.startswith("python") or os.fsdecode(args[0]) == sys.executable:
        require("subprocess", f"starts {name}")
