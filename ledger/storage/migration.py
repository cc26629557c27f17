"""Bringing a ledger of an older on-disk format to this version's (`constants.FORMAT`), once, the
first time the library opens it (`storage.sqlite.store`, `storage.postgres.store`; `AsyncLedger`
opens it through them first).

Format 2 -> 3: the same tables. Format 3 numbers the replay order of types within a day (contract
section 4) in tens, with GovernmentOverthrown first and StrengthReported between ForcesWithdrawn
and StatementMade (contract sections 9 and 11), where format 2 had 0-12 without room between
them. The rank is part of the replay index's key, so the migration rewrites `replay_index.rank`
by each row's type, drops the projection snapshots (their state is format 2's, and snapshots are
an optimisation only: the next replay takes new ones) and sets `ledger_meta.format`, all in one
transaction under the ledger's write lock. Entries, their stored bytes, the Merkle tree and the
checkpoints are never touched: every root stays. `ledger verify` recomputes every index row
from the entries with the new ranks.
"""

from __future__ import annotations

from ledger.facts import BY_TAG
from ledger.storage.constants import FORMAT

FORMAT_2 = "timeline-ledger/2"

# The types a format-2 ledger can hold in its replay index (every type that version folded).
_FORMAT_2_TYPES = (
    "GovernmentDismissed",
    "OfficeLeft",
    "PrimeMinisterNominated",
    "PrimeMinisterAppointed",
    "OfficeAssumed",
    "MissionRequested",
    "MissionAuthorized",
    "ForcesDeployed",
    "DeploymentCompleted",
    "MissionCompleted",
    "WithdrawalAnnounced",
    "WithdrawalStarted",
    "ForcesWithdrawn",
    "StatementMade",
)

MIGRATABLE = frozenset({FORMAT_2})
CURRENT_FORMAT = "SELECT value FROM ledger_meta WHERE key = 'format'"


def statements(found: str) -> list[str]:
    """The statements that bring a ledger of format `found` (one of MIGRATABLE) to FORMAT, to run
    in one transaction under the write lock, once its format was read again under that lock."""
    if found != FORMAT_2:
        raise ValueError(f"no migration from {found!r}")
    cases = " ".join(f"WHEN '{name}' THEN {BY_TAG[name].RANK}" for name in _FORMAT_2_TYPES)
    return [
        # A row of another type is left as it is: `ledger verify` names its entry.
        f"UPDATE replay_index SET rank = CASE type {cases} ELSE rank END",
        "DELETE FROM projection_snapshots",
        f"UPDATE ledger_meta SET value = '{FORMAT}' WHERE key = 'format'",
    ]
