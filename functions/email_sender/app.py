"""Sends queued e-mail: every minute (EventBridge) and right after a commit that queued one."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from describe_it.email.outbox import drain
from describe_it.handler import job_handler
from describe_it.observability import metrics


def send_queued(event: dict[str, Any], context: Any) -> dict[str, int]:
    result = drain(deadline_s=max(5.0, context.get_remaining_time_in_millis() / 1000 - 10))
    metrics.add_metric(name="EmailsSent", unit=MetricUnit.Count, value=result.sent)
    metrics.add_metric(name="EmailsFailed", unit=MetricUnit.Count, value=result.failed)
    return {"sent": result.sent, "retried": result.retried, "failed": result.failed}


lambda_handler = job_handler(send_queued)
