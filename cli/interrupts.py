"""Ctrl-C during an import: honoured while the lines are being checked (nothing is written yet),
held back once every line is checked and the import is being written and committed, so that
`ledger import` never says it was interrupted after its facts were written.

Held back by a handler of Python's own for SIGINT, installed once the import's progress has seen
every byte of its input and removed when the import returns: Python runs a signal's handler in
the main thread whichever thread the signal reached (rich's progress bar has a thread of its
own), and on every platform. Signals are the program's business, not the library's: only the CLI
touches them, and only from the main thread (an import run from another thread holds nothing
back). An import planned a second time (another writer came first) is held back throughout its
second checking, since its progress has seen every byte once already.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any


@dataclass
class Held:
    """Whether Ctrl-C was held back (`pressed`: it came while it was), and the progress callback
    that starts holding it (`inner`: the progress bar's, if any, called first)."""

    total: int  # bytes of input: once progress has seen them, every line is checked
    seen: int = 0
    holding: bool = False
    previous: Any = None  # the SIGINT handler to put back (None: one not set from Python)
    pressed: bool = False
    inner: Callable[[int], None] | None = field(default=None, repr=False)

    def progress(self, n: int) -> None:
        """The import's progress callback: `n` more bytes checked and planned."""
        if self.inner is not None:
            self.inner(n)
        self.seen += n
        if self.seen >= self.total and not self.holding and _in_main_thread():
            self.previous = signal.signal(signal.SIGINT, self._pressed)
            self.holding = True

    def _pressed(self, signum: int, frame: FrameType | None) -> None:
        self.pressed = True

    def release(self) -> None:
        """Ctrl-C works again (a press held back meanwhile stays in `pressed`)."""
        if self.holding:
            previous = self.previous if self.previous is not None else signal.default_int_handler
            signal.signal(signal.SIGINT, previous)
            self.holding = False


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def held_once_checked(total: int) -> Iterator[Held]:
    """Within the block, Ctrl-C is held back from the moment `Held.progress` has seen `total`
    bytes; when the block ends, it works again, and `Held.pressed` says whether it came."""
    held = Held(total)
    try:
        yield held
    finally:
        held.release()
