"""The one handler stack every Lambda function runs under.

HTTP functions get it from ``describe_it.http.app.make_handler``; every other function (EventBridge
schedules, async invocations, Step Functions tasks, the CloudFormation custom resource) from
``job_handler``. One invocation then:

- logs with the Lambda context on every line (``cold_start``, ``function_name``,
  ``function_request_id``, ``function_arn``, ``function_memory_size``: the keys of Powertools'
  ``inject_lambda_context``) and a ``correlation_id`` (HTTP: set per request by the middleware; jobs:
  ``correlation_id_of``), as context-local keys;
- writes its metrics as one EMF document when it ends, whatever happened, with the dimensions
  ``service`` and ``function_name`` (and ``ColdStart`` = 1 in the first invocation of an instance).

Powertools' ``inject_lambda_context`` and ``log_metrics`` are not used: the first puts its keys on the
process-wide formatter (the local Step Functions runner invokes tasks in threads, at once), the
second warns on every invocation that records no metric and writes the cold start metric as a second
document.

No X-Ray SDK: the template's ``Tracing: Active`` makes Lambda record each invocation's segment itself
and puts the trace id on every log line (``xray_trace_id``). Powertools' ``Tracer`` would add the
calls to DynamoDB and PostgreSQL as subsegments, but importing and patching ``aws_xray_sdk`` costs
about 160 ms of every cold start (bench/tracer_cost.py), more than the whole budget for our own code.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model
from aws_lambda_powertools.metrics import MetricUnit

from describe_it.observability import (
    CORRELATION_ID,
    flush_metrics,
    log_context,
    logger,
    metrics,
    stack_fields,
)

E = TypeVar("E")
R = TypeVar("R")

_cold = threading.Lock()
# Provisioned concurrency initialises instances before any request: none of them is a cold start.
_cold_start_pending = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "provisioned-concurrency"


def _take_cold_start() -> bool:
    """True for the first invocation of this process only."""
    global _cold_start_pending
    with _cold:
        first, _cold_start_pending = _cold_start_pending, False
    return first


@contextmanager
def invocation(context: Any) -> Iterator[None]:
    """One Lambda invocation: its context on every log line, its metrics flushed at the end."""
    cold_start = _take_cold_start()
    keys = build_lambda_context_model(context).__dict__
    if cold_start:
        metrics.add_metric(name="ColdStart", unit=MetricUnit.Count, value=1)
    try:
        with log_context(cold_start=cold_start, **keys):
            yield
    finally:
        flush_metrics()


def correlation_id_of(event: Any, context: Any) -> str:
    """What ties a job's log lines to what started it, in this order:

    - the payload's ``correlationId``: the starter's own id (an HTTP function that starts a workflow
      or invokes a job passes its request's ``correlation_id``, so one search finds both; a Step
      Functions task gets it from the execution input, ``"correlationId.$": "$.correlationId"``);
    - an EventBridge event's ``id`` (schedules, rules);
    - a CloudFormation custom resource request's ``RequestId``;
    - else this invocation's Lambda request id.
    """
    if isinstance(event, dict):
        given = event.get("correlationId")
        if isinstance(given, str) and CORRELATION_ID.match(given):
            return given
        if "detail-type" in event and isinstance(event.get("id"), str):
            return str(event["id"])
        if "RequestType" in event and isinstance(event.get("RequestId"), str):
            return str(event["RequestId"])
    return str(context.aws_request_id)


def job_handler(fn: Callable[[E, Any], R]) -> Callable[[E, Any], R]:
    """The Lambda entry point of a function that is not an HTTP route: ``lambda_handler = job_handler(run)``.

    Logs one line per invocation ("job finished", or "job failed" with the error's class and frames,
    never its message) and lets an exception through: Lambda, EventBridge and Step Functions retry or
    catch by its class name.
    """

    @functools.wraps(fn)
    def lambda_handler(event: E, context: Any) -> R:
        with invocation(context), log_context(correlation_id=correlation_id_of(event, context)):
            try:
                result = fn(event, context)
            except Exception as exc:
                logger.error("job failed", extra=stack_fields(exc))
                raise
            logger.info("job finished")
            return result

    return lambda_handler
