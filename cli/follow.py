"""`ledger log --follow`: one line per entry, printed (and flushed) as each import commits it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from cli.output import to_json
from ledger.api import LogLine


def text_line(line: LogLine) -> str:
    """seq, recording time, type, occurred, id: tab-separated, for people and for `cut`."""
    return f"{line.seq}\t{line.recorded_at}\t{line.type}\t{line.occurred}\t{line.id}"


def follow_log(lines: Iterable[LogLine], as_json: bool) -> None:
    out = sys.stdout.buffer
    try:
        for line in lines:
            out.write(to_json(line) + b"\n" if as_json else text_line(line).encode("utf-8") + b"\n")
            out.flush()
    except KeyboardInterrupt:  # Ctrl-C: how a follower is meant to stop ("until interrupted")
        return
    except BrokenPipeError:  # `ledger log --follow | head`: the reader is gone, so are we
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
