"""Where a PostgreSQL ledger is: `postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME]`,
parsed once; the password comes from the URL, else `$PGPASSWORD`, else libpq's password file, and
no message ever shows it."""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from ledger.errors import UsageError
from ledger.storage.urls import shown

CONNECT_TIMEOUT_S = 10

# A schema name PostgreSQL keeps as written without quotes: eventsourcing writes it unquoted in
# its own statements, so any other name is refused rather than quoted in half the places.
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class Settings:
    """Where a PostgreSQL ledger is: parsed from its URL; `shown` leaves out the password.

    The password comes from the URL, else `$PGPASSWORD`, else libpq's password file."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        try:
            port = parts.port or 5432
        except ValueError:
            raise UsageError(f"{shown(url)}: the port is not a number from 1 to 65535") from None
        if port < 1:
            raise UsageError(f"{shown(url)}: the port is not a number from 1 to 65535")
        self.user = unquote(parts.username or os.environ.get("PGUSER") or "postgres")
        password = unquote(parts.password or "") or os.environ.get("PGPASSWORD") or None
        self.password: str | None = password
        # A host may be a directory holding the server's socket, percent-encoded: %2Fvar%2Frun...
        self.host = unquote(parts.hostname or "127.0.0.1")
        self.port = port
        self.dbname = unquote(parts.path.lstrip("/"))
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = sorted(set(query) - {"schema"})
        if not self.dbname or "/" in self.dbname:
            raise UsageError(f"{shown(url)}: name one database: postgresql://USER@HOST:PORT/DB")
        if unknown:
            raise UsageError(f"{shown(url)}: unknown setting {unknown[0]!r} (only schema=NAME)")
        if len(query.get("schema", [])) > 1:  # which one was meant is not ours to guess
            raise UsageError(f"{shown(url)}: schema is given {len(query['schema'])} times; give it once")
        self.schema = query.get("schema", ["public"])[-1] or "public"
        if not SCHEMA_NAME.fullmatch(self.schema):
            raise UsageError(
                f"{shown(url)}: schema {self.schema!r}: a schema name is lower-case letters, digits "
                "and underscores, not starting with a digit, at most 63 characters"
            )
        user = quote(self.user, safe="")
        host = f"[{self.host}]" if ":" in self.host else quote(self.host, safe="")
        self.shown = f"postgresql://{user}@{host}:{self.port}/{quote(self.dbname, safe='')}"
        if self.schema != "public":
            self.shown += f"?schema={self.schema}"

    def connect(self, dbname: str | None = None) -> Any:
        """A psycopg connection with `connect_args` (for tools and tests; the store has its own)."""
        import psycopg

        return psycopg.connect(**self.connect_args(dbname))

    def connect_args(self, dbname: str | None = None) -> dict[str, Any]:
        """psycopg's connection arguments: this ledger's database and schema (or another
        database, such as `postgres` to create this one), in autocommit mode."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": dbname or self.dbname,
            "autocommit": True,
            "connect_timeout": CONNECT_TIMEOUT_S,
            # An import plans its next chunk between statements: never cut it off as idle.
            "options": f"-c search_path={self.schema} -c idle_in_transaction_session_timeout=0"
            if dbname is None
            else None,
        }
