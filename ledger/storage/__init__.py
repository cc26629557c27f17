"""Where a ledger is kept: one description of its tables, the shared SQL, the one write of an
import, and a backend each for SQLite (`storage.sqlite`) and PostgreSQL (`storage.postgres`).

Nothing here folds facts or answers queries: the plans of `ledger.reading` do, on any backend's
cursor. Modules of this package import nothing above them (`docs/architecture.md`)."""
