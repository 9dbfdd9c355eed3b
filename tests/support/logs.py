"""What a function writes, as a test can read it: the Logger's JSON lines and the EMF documents (metrics)
that go to stdout beside them (``captured``), and every log line as text, to assert what must never be
logged (``captured_logs``)."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Output:
    text: str = ""
    logs: list[dict[str, Any]] = field(default_factory=list)  # the Logger's lines, parsed
    emf: list[dict[str, Any]] = field(default_factory=list)  # the EMF documents, parsed

    def lines(self, message: str) -> list[dict[str, Any]]:
        return [line for line in self.logs if line.get("message") == message]

    def line(self, message: str) -> dict[str, Any]:
        [found] = self.lines(message)
        return found


def parse(text: str) -> Output:
    out = Output(text=text)
    for raw in text.splitlines():
        if not raw.startswith("{"):
            continue
        record = json.loads(raw)
        (out.emf if "_aws" in record else out.logs).append(record)
    return out


@contextmanager
def captured() -> Iterator[Output]:
    """Everything the Logger and ``print`` write in the block, in order, as Lambda's stdout would have
    it (the Logger's own handler writes into the same buffer). The text is written on to the real
    stdout afterwards, so the log scan of the run still reads it."""
    from describe_it.observability import logger

    buffer = io.StringIO()
    handler = logger.registered_handler
    stream = handler.setStream(buffer)
    out = Output()
    try:
        with redirect_stdout(buffer):
            yield out
    finally:
        handler.setStream(stream)
        done = parse(buffer.getvalue())
        out.text, out.logs, out.emf = done.text, done.logs, done.emf
        sys.stdout.write(out.text)


def metric_names(document: dict[str, Any]) -> set[str]:
    [directive] = document["_aws"]["CloudWatchMetrics"]
    return {metric["Name"] for metric in directive["Metrics"]}


def dimension_sets(document: dict[str, Any]) -> list[set[str]]:
    [directive] = document["_aws"]["CloudWatchMetrics"]
    return [set(names) for names in directive["Dimensions"]]


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
