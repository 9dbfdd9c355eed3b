"""What a function writes to CloudWatch, as a test can read it: the Logger's JSON lines and the EMF
documents (metrics) that go to stdout beside them."""

from __future__ import annotations

import io
import json
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
