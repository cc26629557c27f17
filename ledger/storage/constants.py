"""Values every layer of the storage shares. Imports nothing of the ledger, so that anything may
import it without a cycle."""

from __future__ import annotations

import re
from datetime import date

# The on-disk format: 2 has leaf hashes in ledger_entries and merkle_nodes from level 4 up; 3 the
# same tables, with the type ranks of the replay index in tens (`ledger.storage.migration`).
FORMAT = "timeline-ledger/3"
NOT_A_LEDGER = "not a timeline-ledger database"
LOCK_TIMEOUT_S = 30  # how long a writer waits for another one's lock, by default
MAX_DAY = date.max.toordinal()

# A C2SP checkpoint origin: printable ASCII without spaces or '+', so it stays one line of a note.
ORIGIN = re.compile(r"[!-*,-~]{1,255}")
# A recording time as stored: YYYY-MM-DDThh:mm:ss.ffffffZ (sorts as it reads).
RECORDED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
