"""Shared fixtures: real ledgers in real SQLite files under tmp_path, hypothesis profiles, and the
markers `pg` and `subprocess` (tests/markers.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import markers
import pg
import pytest
from hypothesis import HealthCheck, settings
from strategies import jsonl

from ledger import Ledger

ROOT = Path(__file__).resolve().parent.parent
# The example ledger's first 17 lines, the facts of v1, as most tests were written for them
# (sizes, seqs, proofs); docs/examples' file has its actors' descriptions after them, which
# tests/test_names.py and tests/test_example.py cover. tests/test_example.py checks the copy.
EXAMPLE = ROOT / "tests" / "fixtures" / "kazakhstan-2022-01-11.v1.jsonl"

# "ci" keeps every property of tests/test_properties.py together well under a minute on two
# cores; "deep" is for a patient run: HYPOTHESIS_PROFILE=deep pytest tests/test_properties.py
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "deep",
    deadline=None,
    max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config: pytest.Config) -> None:
    sys.addaudithook(markers.audit)  # a test starting a Python must be marked `subprocess`


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if markers.uses_postgres(item):
            item.add_marker(pytest.mark.pg)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    markers.running = item  # what its fixtures and body do is checked against its markers
    try:
        return (yield)
    finally:
        markers.running = None


@pytest.fixture
def example_bytes() -> bytes:
    return EXAMPLE.read_bytes()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    """This run's fresh PostgreSQL database (tests/pg.py), or None when no server answers."""
    markers.require("pg", "uses PostgreSQL")
    with pg.test_database() as url:
        yield url


@pytest.fixture
def pg_url(pg_database: str | None) -> str:
    """A URL for a new, empty PostgreSQL ledger (its own schema); skips without a server."""
    return pg.new_ledger_url(pg_database)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """The store the contract tests run on: every test using `open_ledger`, `ledger` or `build`
    runs once on a SQLite file and once on the PostgreSQL server (`tests/pg.py`)."""
    return str(request.param)


@pytest.fixture
def open_ledger(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Ledger]]:
    """Open (and create) ledgers by name, in tmp_path or in schemas of this run's PostgreSQL
    database; every one is closed at teardown."""
    opened: list[Ledger] = []
    urls: dict[str, str] = {}

    def _open(name: str = "ledger.db", *, create: bool = True) -> Ledger:
        if backend == "postgres":
            if name not in urls:
                urls[name] = pg.new_ledger_url(request.getfixturevalue("pg_database"))
            lg = Ledger.open(urls[name], create=create)
        else:
            lg = Ledger.open(tmp_path / name, create=create)
        opened.append(lg)
        return lg

    yield _open
    for lg in opened:
        lg.close()


@pytest.fixture
def ledger(open_ledger: Callable[..., Ledger]) -> Ledger:
    """An empty ledger in tmp_path/ledger.db."""
    return open_ledger()


@pytest.fixture
def build(open_ledger: Callable[..., Ledger]) -> Callable[..., Ledger]:
    """A fresh ledger holding the given facts (dicts), imported as one file in that order."""
    count = 0

    def _build(*facts: dict[str, object]) -> Ledger:
        nonlocal count
        count += 1
        lg = open_ledger(f"built-{count}.db")
        lg.import_facts([("facts.jsonl", jsonl(*facts))])
        return lg

    return _build
