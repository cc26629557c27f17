"""The `ledger` command group: options shared by every command, and errors turned into exit codes.

Exit codes (contract section 6): 0 success; 2 bad input or usage, nothing
written; 1 any other failure, such as an altered or unreadable ledger.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cli.logs import LEVELS, configure
from ledger import LOCK_TIMEOUT_S
from ledger.errors import LedgerCorrupt, LedgerError, UsageError

if TYPE_CHECKING:  # imported where first used: `ledger --version` loads no store, driver or logger
    from ledger.api import Ledger

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DB = "ledger.db"


# How the CLI names the library's parameters in messages (`size 99: ...` is `--size 99: ...`).
OPTIONS = {
    "size": "--size",
    "as_of": "--as-of",
    "known_at": "--known-at",
    "start": "--from",
    "end": "--to",
    "private_key": "--sign",
    "old": "OLD",
    "new": "NEW",
    "lock_timeout": "--lock-timeout",
    "postgres": "--postgres",
    "state": "--state",
    "states": "--state",
    "mission": "--mission",
    "output": "-o",
    "format": "--format",
    "lang": "--lang",
    "kind": "KIND",
    "path": "--db",
}


class LedgerFailure(click.ClickException):
    """A ledger error on its way to the user: its own text (naming the CLI's option where the
    library names its parameter), its own exit code."""

    def __init__(self, error: LedgerError) -> None:
        text = str(error)
        if isinstance(error, UsageError) and error.param is not None:
            text = error.naming(OPTIONS.get(error.param, error.param))
        super().__init__(text)
        self.exit_code = error.exit_code
        ctx = click.get_current_context(silent=True)
        self.prog = (ctx.find_root().info_name if ctx is not None else None) or "ledger"

    def show(self, file: Any = None) -> None:
        click.echo(f"{self.prog}: {self.message}", err=True)


def failure(e: Exception, where: str) -> LedgerFailure | None:
    """What the user is told of an error, naming `where` (a ledger, or what a command was doing);
    None for an error that is neither the ledger's nor a database's: a bug, left to show itself."""
    if isinstance(e, LedgerCorrupt):  # name the file, as well as the entry at fault
        return LedgerFailure(e.at(where))
    if isinstance(e, LedgerError):
        return LedgerFailure(e)
    return None  # the library raises only its own errors: anything else is a bug


class LedgerGroup(click.Group):
    """The command group. Its commands are registered by the modules that define them, each
    imported when one of its commands is first asked for (`lazy`: command name -> module), so
    that `ledger --version` or `ledger import` loads only what it runs."""

    lazy: dict[str, str] = {}  # noqa: RUF012  (set once, by cli.main)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = self.lazy.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(module)  # its decorators register its commands on this group
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # `ledger export facts | head`: the reader took what it wanted and closed the pipe.
            # Not a failure (exit 0, as for `ledger log | head`), and nothing more is written:
            # stdout goes to the null device so the interpreter's last flush cannot fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)
        except KeyboardInterrupt:
            # Ctrl-C: said in a word, exit 1 (contract section 6: a failure), not click's
            # "Aborted!"; a write interrupted is rolled back (`ledger import` says so itself).
            click.echo(f"{ctx.find_root().info_name or 'ledger'}: interrupted", err=True)
            ctx.exit(1)
        except click.ClickException:
            raise  # already told (usage errors, and `ledger copy`, which names its own ledgers)
        except Exception as e:
            from ledger.api import shown

            told = failure(e, shown(db_path(ctx)))
            if told is None:
                raise
            raise told from None


def db_option(f: F) -> F:
    """`--db`, accepted before or after the command name."""

    def remember(ctx: click.Context, _: click.Parameter, value: str | None) -> str | None:
        if value is not None:
            ctx.ensure_object(dict)["db"] = value
        return value

    return click.option(
        "--db",
        metavar="PATH_OR_URL",
        expose_value=False,
        callback=remember,
        is_eager=True,
        help=f"The ledger: a SQLite file or a postgresql://USER@HOST:PORT/DB URL "
        f"(else $LEDGER_DB, else ./{DEFAULT_DB}).",
    )(f)


def db_path(ctx: click.Context) -> str | Path:
    """The ledger `--db` names: a PostgreSQL URL as given, or a SQLite file's path."""
    from ledger.api import is_postgres, is_url

    chosen = ctx.find_object(dict) or {}
    value = chosen.get("db") or os.environ.get("LEDGER_DB") or DEFAULT_DB
    if is_url(value):
        if not is_postgres(value):
            scheme = value.split("://", 1)[0]
            raise click.BadParameter(
                f"{scheme}://: a ledger is a SQLite file path or a postgresql:// URL", param_hint="--db"
            )
        return str(value)
    return Path(value)


def open_ledger(ctx: click.Context, *, create: bool = False) -> Ledger:
    from ledger.api import Ledger

    lock_timeout = (ctx.find_object(dict) or {}).get("lock_timeout", LOCK_TIMEOUT_S)
    return Ledger.open(db_path(ctx), create=create, lock_timeout=lock_timeout)


@click.group("ledger", cls=LedgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@db_option
@click.option(
    "--log-level",
    type=click.Choice(LEVELS),
    default="warning",
    show_default=True,
    help="Log events at this level and above go to stderr.",
)
@click.option(
    "--lock-timeout",
    metavar="SECONDS",
    type=click.IntRange(min=1),
    default=LOCK_TIMEOUT_S,
    show_default=True,
    envvar="LEDGER_LOCK_TIMEOUT",
    help="How long a write waits for another writer's import to end ($LEDGER_LOCK_TIMEOUT).",
)
@click.version_option(package_name="timeline-ledger")
@click.pass_context
def cli(ctx: click.Context, log_level: str, lock_timeout: int) -> None:
    """An event-sourced ledger of cited political facts, replayable to any date."""
    ctx.ensure_object(dict)["lock_timeout"] = lock_timeout
    configure(log_level)
