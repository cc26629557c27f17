"""Logging for the `ledger` command: the only place in the project that configures it.

The library logs through the standard `logging` module (`ledger/logger.py`): its events reach the
logger `ledger` as records whose attributes are the events' fields. The command gives that logger
one handler, to stderr, whose structlog formatter renders each event with a console renderer on a
terminal and as a JSON line otherwise, at `--log-level` and above. structlog's own loggers, if a
command makes any, go the same way.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

LEVELS = ("debug", "info", "warning", "error")
LOGGER = "ledger"


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler that writes to whatever `sys.stderr` is when a record is emitted."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        pass


def configure(level: str) -> None:
    """Events at `level` and above go to stderr: a console renderer on a terminal, JSON lines
    otherwise. Calling it again replaces what an earlier call set up."""
    import structlog  # here, not at the top: `ledger --version` and `--help` never load it

    renderer: structlog.types.Processor = (
        structlog.dev.ConsoleRenderer() if sys.stderr.isatty() else structlog.processors.JSONRenderer()
    )
    stamped: list[structlog.types.Processor] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    handler = _Stderr()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            # The library's events arrive as plain records, their fields as record attributes.
            foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *stamped],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    logger = logging.getLogger(LOGGER)
    for old in [h for h in logger.handlers if isinstance(h, _Stderr)]:
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *stamped,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
