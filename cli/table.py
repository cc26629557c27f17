"""Rows for people and for programs: the columns a command prints, as a rich table, CSV or TSV.

A table never cuts a value with an ellipsis. Each column says what it holds:

- `id`: fact ids, slugs, codes: never cut, never folded, on a terminal or not;
- `value`: types, dates, times, numbers: whole when stdout is not a terminal; on a terminal too,
  unless the terminal is too narrow even for the narrow layout below, when they fold onto a
  second line rather than lose characters;
- `text`: prose (a summary): wrapped to the width left over, never narrower than `TEXT_MIN`;
- `words`: names with ids among them (a promise: its kind, its mission's name, its fact): whole
  when stdout is not a terminal; on a terminal, wrapped at spaces to the width left over, never
  narrower than its longest word, so a name wraps but an id is never cut.

When stdout is not a terminal (`| cat`, `| grep`, a file), the table is as wide as its whole values
need, wider than COLUMNS if need be, and only prose wraps. On a terminal, a table that does not fit
its width puts a column marked `stacks` and the one after it in one cell, one above the other
(`type` over `id`), before anything folds. Rows of several lines are ruled off from each other
(a row whose first cell is empty goes on the one above).

Cells are text, never rich markup (a `[bold]` in a name prints as written), and characters that
could move the cursor or turn the rest of a line around (controls, bidirectional embeddings,
overrides and isolates) are shown escaped (`\\x1b`, `\\u202e`): a value cannot break its table.
Marks that only tell the direction of a word (U+200E, U+200F, U+061C) are kept.

CSV and TSV have the same columns, named by `Column.name`, with a header row and `\\n` line ends;
their values are written as they are.
"""

from __future__ import annotations

import csv
import io
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

Kind = Literal["id", "value", "text", "words"]
TEXT_MIN = 20  # the narrowest a prose column gets on a terminal
PIPED_TEXT_MIN = 30  # and when stdout is not a terminal
# The narrowest a type or a time folds to, on a very narrow terminal: a date with its qualifier
# (`2019-02-23?`, section 3 of the contract) stays whole, its `?` never on a line of its own.
VALUE_MIN = 11
TEXT_FLOOR = 10  # and prose, there


@dataclass(frozen=True)
class Column:
    header: str  # as the table shows it
    name: str  # as CSV and TSV name it
    kind: Kind = "value"
    stacks: bool = False  # on a narrow terminal, may share its cell with the next column


# A cell is a value, or lines of values shown one above the other (each escaped on its own, so a
# value's own newline still shows as `\\n`).
Cell = str | tuple[str, ...]
Row = Sequence[Cell]

# Bidirectional embeddings, overrides and isolates: each holds until its pop or the end of the line.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unsafe(c: str) -> bool:
    return c in _BIDI or unicodedata.category(c) in ("Cc", "Zl", "Zp")


def safe(text: str) -> str:
    """`text` for a terminal: every control character (newlines and tabs too), line or paragraph
    separator and bidirectional embedding, override or isolate escaped as Python writes it
    (`\\x1b`, `\\n`, `\\u202e`); everything else, joiners and direction marks too, as it is."""
    if text.isprintable():
        return text
    return "".join(repr(c)[1:-1] if _unsafe(c) else c for c in text)


def _lines(cell: Cell) -> str:
    """A cell's text for the table: escaped (`safe`), lines of a tuple one above the other."""
    return safe(cell) if isinstance(cell, str) else "\n".join(safe(line) for line in cell)


def _width(text: str) -> int:
    return max((cell_len(line) for line in text.split("\n")), default=0)


def _longest_word(text: str) -> int:
    """The widest run of characters without a space: what a `words` cell cannot wrap."""
    return max((cell_len(word) for line in text.split("\n") for word in line.split(" ")), default=0)


def _stacked(columns: Sequence[Column], rows: list[Row]) -> tuple[list[Column], list[Row]]:
    """Each column marked `stacks` and the next one as one column, one value above the other."""
    merged: list[Column] = []
    groups: list[list[int]] = []
    i = 0
    while i < len(columns):
        c = columns[i]
        if c.stacks and i + 1 < len(columns) and columns[i + 1].kind != "text":
            d = columns[i + 1]
            kind: Kind = next((k for k in ("words", "id") if k in (c.kind, d.kind)), "value")
            merged.append(Column(f"{c.header}\n{d.header}", f"{c.name}/{d.name}", kind))
            groups.append([i, i + 1])
            i += 2
        else:
            merged.append(c)
            groups.append([i])
            i += 1
    return merged, [["\n".join(r[j] for j in g) for g in groups] for r in rows]


def _needed(
    columns: Sequence[Column],
    rows: list[Row],
    text_min: int,
    value_min: int | None = None,
    *,
    wrap_words: bool = False,
) -> int:
    """The width of the table with prose at `text_min` and every other value whole (or, with
    `value_min`, values but not ids folded to that width; with `wrap_words`, names wrapped down to
    their longest word): values, padding (one space each side) and borders."""
    width = 3 * len(columns) + 1
    for i, c in enumerate(columns):
        whole = max([_width(c.header), *(_width(r[i]) for r in rows)])
        if c.kind == "words" and wrap_words:
            width += max([_longest_word(c.header), *(_longest_word(r[i]) for r in rows)])
        elif c.kind == "text":
            width += min(whole, text_min)
        elif c.kind == "value" and value_min is not None:
            width += min(whole, value_min)
        else:
            width += whole
    return width


def _print(console: Console, table: Table, width: int) -> None:
    """Print `table` `width` columns wide at most, on a console that may be narrower: whole lines,
    never cropped (a pipe has no width, and a terminal wraps what it cannot show)."""
    saved = console.width
    console.width = max(saved, width)
    try:
        console.print(table, crop=False, soft_wrap=True)
    finally:
        console.width = saved


def _table(
    columns: Sequence[Column],
    rows: list[Row],
    *,
    fold: bool,
    text_min: int,
    title: str | None,
    words_room: int | None = None,
) -> Table:
    """The table; `words_room`: the width `words` columns share (None: they are whole, unwrapped)."""
    t = Table(title=title, title_justify="left")
    words = sum(c.kind == "words" for c in columns)
    for i, c in enumerate(columns):
        whole = max([_width(c.header), *(_width(r[i]) for r in rows)])
        if c.kind == "words" and words_room is not None:  # at spaces only: never narrower than a word
            least = max([_longest_word(c.header), *(_longest_word(r[i]) for r in rows)])
            t.add_column(c.header, overflow="fold", width=max(least, min(whole, words_room // words)))
        elif c.kind == "text":
            t.add_column(c.header, overflow="fold", min_width=min(whole, text_min))
        elif fold and c.kind == "value":
            t.add_column(c.header, overflow="fold")
        else:
            t.add_column(c.header, no_wrap=True, min_width=whole)
    # Where rows run to several lines (a promise, or columns stacked on a terminal), each is ruled
    # off from the next, so that a reader sees where one ends; a row whose first cell is empty
    # continues the one above (a conflict's further claims) and stays with it.
    tall = any("\n" in cell for r in rows for cell in r)
    for k, r in enumerate(rows):
        ends = tall and k + 1 < len(rows) and rows[k + 1][0] != ""
        t.add_row(*(Text(cell) for cell in r), end_section=ends)
    return t


def _words_room(width: int, columns: Sequence[Column], rows: list[Row], text_min: int) -> int:
    """The width `words` columns share on a terminal `width` wide: what is left once prose has
    `text_min` and every other column its whole width (they still get their longest word)."""
    least = sum(
        max([_longest_word(c.header), *(_longest_word(r[i]) for r in rows)])
        for i, c in enumerate(columns)
        if c.kind == "words"
    )
    return width - _needed(columns, rows, text_min, wrap_words=True) + least


def print_table(
    console: Console, columns: Sequence[Column], rows: Iterable[Row], *, title: str | None = None
) -> None:
    """`rows` as a table on `console`, laid out as the module says."""
    kept = [[_lines(cell) for cell in r] for r in rows]
    if not console.is_terminal:
        table = _table(columns, kept, fold=False, text_min=PIPED_TEXT_MIN, title=title)
        _print(console, table, _needed(columns, kept, PIPED_TEXT_MIN))
        return
    unstacked, stacked = (list(columns), kept), _stacked(columns, kept)
    texts = sum(c.kind == "text" for c in columns)
    for (cols, cells), least in ((unstacked, TEXT_MIN), (stacked, TEXT_MIN), (stacked, TEXT_FLOOR)):
        room = console.width - _needed(cols, cells, 0, wrap_words=True)  # left for prose, values whole
        if (room // texts >= least) if texts else room >= 0:
            text_min = min(room // max(texts, 1), TEXT_MIN)
            words = _words_room(console.width, cols, cells, text_min)
            console.print(_table(cols, cells, fold=False, text_min=text_min, title=title, words_room=words))
            return
    # A very narrow terminal: types and times fold too; ids stay whole.
    cols, cells = stacked
    words = _words_room(console.width, cols, cells, TEXT_FLOOR)
    table = _table(cols, cells, fold=True, text_min=TEXT_FLOOR, title=title, words_room=words)
    _print(console, table, _needed(cols, cells, TEXT_FLOOR, VALUE_MIN, wrap_words=True))


def write_delimited(columns: Sequence[Column], rows: Iterable[Sequence[str]], *, tsv: bool) -> int:
    """`rows` as RFC 4180 CSV (or tab-separated values) on stdout, UTF-8, a header row first and
    `\\n` line ends, each row written as it comes; how many rows were written."""
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(out, dialect="excel-tab" if tsv else "excel", lineterminator="\n")
        writer.writerow([c.name for c in columns])
        count = 0
        for r in rows:
            writer.writerow(r)
            count += 1
        out.flush()
        return count
    finally:
        out.detach()
