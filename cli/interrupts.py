"""Ctrl-C during an import: honoured while the lines are being checked (nothing is written yet),
held back once every line is checked and the import is being written and committed, so that
`ledger import` never says it was interrupted after its facts were written.

Signals are the program's business, not the library's: only the CLI touches them. Where threads
cannot block a signal (not POSIX), nothing is held back.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass
class Held:
    """Whether Ctrl-C was held back (`pressed`: it came while it was), and how to start holding."""

    total: int  # bytes of input: once progress reaches them, every line is checked
    seen: int = 0
    holding: bool = False
    pressed: bool = False
    inner: Callable[[int], None] | None = field(default=None, repr=False)

    def progress(self, n: int) -> None:
        """The import's progress callback: `n` more bytes checked and planned."""
        if self.inner is not None:
            self.inner(n)
        self.seen += n
        if self.seen >= self.total and not self.holding and _can_block():
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            self.holding = True


def _can_block() -> bool:
    return hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigpending")


@contextlib.contextmanager
def held_once_checked(total: int) -> Iterator[Held]:
    """Within the block, Ctrl-C is held back from the moment `Held.progress` has seen `total`
    bytes; when the block ends, a Ctrl-C held back meanwhile is dropped (`Held.pressed` says it
    came), and Ctrl-C works again."""
    held = Held(total)
    try:
        yield held
    finally:
        if held.holding:
            held.pressed = signal.SIGINT in signal.sigpending()
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the pending one lands here
            try:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            finally:
                signal.signal(signal.SIGINT, previous)
