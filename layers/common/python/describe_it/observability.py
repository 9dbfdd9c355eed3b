"""The one Logger and the one Metrics object (AWS Lambda Powertools); import these, never build others.

Log lines never carry host names, connection strings, SQL text with values, tokens or passwords
(correction 17). The messages of driver and botocore errors carry exactly those (an endpoint URL, a
libpq "connection to server at ...", a "Key (email)=(...)" detail), so errors are logged through
``error_fields`` (class and codes, never the message), and the driver's own loggers pass through
``redact_driver_logs``.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from aws_lambda_powertools import Logger, Metrics

from describe_it.errors import LoggableError
from describe_it.settings import get_settings

logger = Logger(service="describe-it", level=get_settings().log_level)
metrics = Metrics(namespace="DescribeIt", service="describe-it")


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
