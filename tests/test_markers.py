"""The markers say what a test does (tests/markers.py): `-m "not subprocess"` and `-m "not pg"`
select what they name, because a test that starts a Python or uses PostgreSQL unmarked fails."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pg
import pytest


def test_starting_a_python_unmarked_fails() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"starts python\S* without @pytest\.mark\.subprocess"):
        subprocess.run([sys.executable, "-c", "pass"], check=True)


@pytest.mark.subprocess
def test_starting_a_python_marked_runs() -> None:
    assert subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True).stdout == b"42\n"


@pytest.mark.skipif(shutil.which("git") is None, reason="no git here")
def test_other_programs_need_no_marker() -> None:
    assert subprocess.run(["git", "--version"], capture_output=True).returncode == 0


def test_a_postgres_ledger_unmarked_fails() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"uses PostgreSQL without @pytest\.mark\.pg"):
        pg.new_ledger_url("postgresql://postgres@127.0.0.1:1/none")


def test_the_postgres_backend_is_marked_pg(backend: str, request: pytest.FixtureRequest) -> None:
    assert (request.node.get_closest_marker("pg") is not None) == (backend == "postgres")


def test_a_test_asking_for_pg_url_is_marked_pg(pg_url: str, request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("pg") is not None
