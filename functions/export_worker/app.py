"""Writes one large export (spec §13): invoked asynchronously by POST /api/export/generate."""

from typing import Any

from describe_it.errors import DependencyDown
from describe_it.export.worker import handle
from describe_it.handler import job_handler
from describe_it.observability import metrics


def run(event: dict[str, Any], context: Any) -> dict[str, str]:
    try:
        result = handle(event, context.get_remaining_time_in_millis)
    except DependencyDown:  # the run went back to pending: Lambda delivers the event again
        metrics.add_metric(name="Exports_retried", unit="Count", value=1)
        raise
    metrics.add_metric(name=f"Exports_{result['outcome']}", unit="Count", value=1)
    return result


lambda_handler = job_handler(run)
