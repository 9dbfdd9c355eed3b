"""Every log line a test produces, as text: to assert what must never be logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

# The service's logger and the HTTP stacks the providers use; the root catches everything else.
WATCHED = ("", "describe-it", "anthropic", "httpx", "httpx2", "httpcore", "botocore", "urllib3")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # The message, every extra field, and the traceback: all of what a log line could carry.
        text = f"{record.getMessage()} {record.__dict__!r}"
        if record.exc_info:
            text += " " + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Lines of every watched logger, with the root and the service's logger at DEBUG (as with
    ``LOG_LEVEL=DEBUG``); libraries keep the levels the service gives them."""
    import describe_it.observability  # noqa: F401 - Powertools replaces the handlers of a logger it sets up

    handler = _Collect()
    loggers = [logging.getLogger(name) for name in WATCHED]
    saved = [(lg, lg.level) for lg in loggers[:2]]
    for lg in loggers:
        lg.addHandler(handler)
    for lg, _ in saved:
        lg.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        for lg in loggers:
            lg.removeHandler(handler)
        for lg, level in saved:
            lg.setLevel(level)
