"""Sends queued e-mail: every minute (EventBridge) and right after a commit that queued one."""

from typing import Any

from describe_it.email.outbox import drain
from describe_it.observability import logger, metrics


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    result = drain(deadline_s=max(5.0, context.get_remaining_time_in_millis() / 1000 - 10))
    metrics.add_metric(name="EmailsSent", unit="Count", value=result.sent)
    metrics.add_metric(name="EmailsFailed", unit="Count", value=result.failed)
    return {"sent": result.sent, "retried": result.retried, "failed": result.failed}
