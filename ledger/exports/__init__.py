"""Exports (contract section 14): the ledger as tables for data analysis, and as a fact file.

`rows.py` says what each kind of export holds, column by column, and turns the folded facts of
the one read path (`ledger.reading`) into rows as they come; `formats.py` writes rows as CSV,
JSON Lines or Parquet, to a stream or (atomically) to a file. `Ledger.export` and
`AsyncLedger.export` give the rows; `ledger export` writes them.
"""

from __future__ import annotations

from ledger.exports.formats import FORMATS, write, write_bytes, write_file
from ledger.exports.rows import COLUMNS, KINDS, Column, FactRow, FactRows, Kind
from projections.spells import Spell

__all__ = [
    "COLUMNS",
    "FORMATS",
    "KINDS",
    "Column",
    "FactRow",
    "FactRows",
    "Kind",
    "Spell",
    "write",
    "write_bytes",
    "write_file",
]
