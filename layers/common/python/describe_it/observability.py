"""The one Logger and the one Metrics object (AWS Lambda Powertools); import these, never build others.

Keys that belong to one request or one invocation go on log lines through ``log_context``, never
``logger.append_keys``; metrics are written by the handler stack (``describe_it.handler``) once per
invocation through ``flush_metrics``.

Log lines never carry host names, connection strings, SQL text with values, tokens or passwords
(correction 17). The messages of driver and botocore errors carry exactly those (an endpoint URL, a
libpq "connection to server at ...", a "Key (email)=(...)" detail), so errors are logged through
``error_fields`` (class and codes, never the message), and the driver's own loggers pass through
``redact_driver_logs``.
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics

from describe_it.errors import LoggableError
from describe_it.settings import get_settings

logger = Logger(service="describe-it", level=get_settings().log_level)
metrics = Metrics(namespace="DescribeIt", service="describe-it")
# Every metric has the dimensions service and function_name, and no others: each combination of
# values is a billed custom metric. Lambda sets the name at init; outside Lambda it is "local".
metrics.set_default_dimensions(function_name=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local"))

# What a correlation id taken from outside (a client's X-Request-ID, a job payload's correlationId)
# must look like before it goes on log lines and response headers.
CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


@contextmanager
def log_context(**keys: Any) -> Iterator[None]:
    """Puts ``keys`` on every log line written inside this block by this thread or asyncio task (and
    by what it starts: tasks and the thread pool of sync endpoints copy the context), and nowhere else.

    Powertools' ``append_keys`` changes the formatter's keys for the whole process, and in 3.x its
    ``append_context_keys`` is built on it: two requests served at once by the local server would
    write each other's ids. Its ``thread_safe_*`` keys live in a ContextVar. On the way out the keys
    are set back to exactly what they were, so nested blocks restore the outer values.
    """
    saved = dict(logger.thread_safe_get_current_keys())
    logger.thread_safe_append_keys(**keys)
    try:
        yield
    finally:
        logger.thread_safe_clear_keys()
        logger.thread_safe_append_keys(**saved)


def current_correlation_id() -> str | None:
    """The ``correlation_id`` of the request or job this code runs for (None outside one): what a
    caller passes on as ``correlationId`` when it starts a job or a workflow, so that one search
    finds both (``describe_it.handler.correlation_id_of``)."""
    value = logger.thread_safe_get_current_keys().get("correlation_id")
    return value if isinstance(value, str) else None


def flush_metrics() -> None:
    """Write the metrics recorded so far as one EMF document on stdout (CloudWatch turns it into
    metrics), and nothing when there are none (Powertools would warn)."""
    if metrics.metric_set:
        metrics.flush_metrics()


def error_fields(exc: BaseException) -> dict[str, str]:
    """What a log line may say about an error: its class, and the codes that explain it.

    ``sqlstate`` for database errors, ``code`` for AWS errors (``ThrottlingException``): both are
    fixed vocabularies, never values. The message only of a ``LoggableError``.
    """
    fields = {"error": type(exc).__name__}
    if isinstance(exc, LoggableError):
        fields["error_message"] = str(exc)
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str):
        fields["sqlstate"] = sqlstate
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if isinstance(code, str):
            fields["code"] = code
    return fields


def stack_fields(exc: BaseException) -> dict[str, str]:
    """``error_fields`` plus where it happened: file, line and function of each frame (no source
    lines, no message)."""
    frames = traceback.extract_tb(exc.__traceback__)
    stack = "\n".join(f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in frames)
    return {**error_fields(exc), "stack": stack}


class _ClassNamesOnly(logging.Filter):
    """Replaces the objects a library passes as log arguments (exceptions, connections, whose text
    names the host, port and user) by their class names, and drops attached tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_plain(arg) for arg in record.args)
        record.exc_info, record.exc_text = None, None
        return True


def _plain(arg: Any) -> Any:
    return arg if arg is None or isinstance(arg, str | int | float) else type(arg).__name__


_REDACTED_LOGGERS = ("psycopg", "psycopg.pool")


def redact_driver_logs() -> None:
    """Install ``_ClassNamesOnly`` on the database driver's loggers (idempotent)."""
    for name in _REDACTED_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, _ClassNamesOnly) for f in target.filters):
            target.addFilter(_ClassNamesOnly())
