"""The one error hierarchy: every library error is also the built-in a Python caller expects, and
messages name the library's parameters while the CLI names its options."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger import Ledger, errors


def test_every_error_is_the_builtin_a_caller_expects(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        Ledger.open(tmp_path / "missing.db")
    assert isinstance(missing.value, errors.LedgerMissing)
    assert (
        str(missing.value)
        == f"{tmp_path / 'missing.db'}: no ledger here (run `ledger init` or `ledger import`)"
    )
    with Ledger.open(tmp_path / "l.db", create=True) as lg:
        with pytest.raises(LookupError):
            lg.show("no-such-fact")
        with pytest.raises(ValueError) as bad:
            lg.replay("2022-01-12", size=3)
    assert isinstance(bad.value, errors.UsageError)
    assert (bad.value.param, bad.value.value) == ("size", 3)
    assert str(bad.value) == "size 3: the ledger has 0 entries"
    assert bad.value.naming("--size") == "--size 3: the ledger has 0 entries"
    assert issubclass(errors.CheckpointError, errors.BadInput)


def test_the_cli_names_its_option_where_the_library_names_its_parameter(tmp_path: Path) -> None:
    from click.testing import CliRunner

    import cli.commands
    from cli.main import cli, main  # noqa: F401  (main registers the commands)

    runner = CliRunner()
    db = str(tmp_path / "l.db")
    assert runner.invoke(cli, ["--db", db, "init"]).exit_code == 0
    result = runner.invoke(cli, ["--db", db, "replay", "--size", "5"])
    assert result.exit_code == 2
    assert result.stderr == "ledger: --size 5: the ledger has 0 entries\n"
    result = runner.invoke(cli, ["--db", db, "replay", "--as-of", "2022-13"])
    assert result.exit_code == 2
    assert result.stderr.startswith("ledger: --as-of: '2022-13' does not exist")


def test_a_postgres_failure_while_writing_says_an_import_is_all_or_nothing() -> None:
    """Found by a trial: a server that dropped the connection mid-import said only "the database
    failed", leaving a user to wonder what was written."""
    import psycopg

    from ledger.storage.postgres.errors import translate

    lost = psycopg.OperationalError("terminating connection due to administrator command")
    assert isinstance(translate(lost, "postgresql://u@h:5432/db", "read"), errors.ConnectionLost)
    assert str(translate(lost, "postgresql://u@h:5432/db", "write")) == (
        "postgresql://u@h:5432/db: the database failed while writing: terminating connection due to "
        "administrator command; an import is all or nothing (`ledger log` shows whether it was committed)"
    )
    assert str(translate(lost, "postgresql://u@h:5432/db", "read")) == (
        "postgresql://u@h:5432/db: the database failed: terminating connection due to administrator command"
    )
