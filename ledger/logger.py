"""The library's loggers: structlog's API, the standard `logging` module's handling.

A library gets loggers; the application configures them. Every event the library logs
(`import.done`, `copy.done`, ...) goes to the standard logger `ledger` (or a child of it) as a
`logging.LogRecord` whose message is the event's name and whose attributes are its fields
(`record.appended`, `record.size`), through structlog's `render_to_log_kwargs`. Nothing here
calls `structlog.configure` or touches a handler: without any logging set-up, Python's defaults
apply (warnings and errors to stderr, nothing else), and an application chooses with `logging`
what it sees (`logging.getLogger("ledger").setLevel(logging.INFO)` and a handler). The CLI
configures both for its own process (`cli/logs.py`).
"""

from __future__ import annotations

import logging
from typing import Any

import structlog
from structlog.typing import EventDict

ROOT = "ledger"
# Attributes every LogRecord has: a field of that name would make `logging` raise (KeyError).
_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _keep_clear_of_record_attributes(_: Any, __: str, event_dict: EventDict) -> EventDict:
    """A field named like a LogRecord attribute (`name`, `args`) is passed as `name_`."""
    for key in [k for k in event_dict if k in _RESERVED]:
        event_dict[key + "_"] = event_dict.pop(key)
    return event_dict


def get_logger(name: str = ROOT) -> structlog.stdlib.BoundLogger:
    """A structlog logger writing to the standard logger `name` (`ledger` or `ledger.*`),
    whatever structlog's global configuration is: a level the standard logger does not enable
    costs one comparison."""
    logger: structlog.stdlib.BoundLogger = structlog.wrap_logger(
        logging.getLogger(name),
        processors=[
            structlog.stdlib.filter_by_level,
            _keep_clear_of_record_attributes,
            structlog.stdlib.render_to_log_kwargs,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        context_class=dict,
        cache_logger_on_first_use=True,
    )
    return logger
