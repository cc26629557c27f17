"""Shared fixtures: real ledgers in real SQLite files under tmp_path, and hypothesis profiles."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from strategies import jsonl

from ledger import Ledger

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "kazakhstan-2022-01-11.jsonl"

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


@pytest.fixture
def example_bytes() -> bytes:
    return EXAMPLE.read_bytes()


@pytest.fixture
def open_ledger(tmp_path: Path) -> Iterator[Callable[..., Ledger]]:
    """Open (and create) ledgers in tmp_path by name; every one is closed at teardown."""
    opened: list[Ledger] = []

    def _open(name: str = "ledger.db", *, create: bool = True) -> Ledger:
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
