"""Step Functions task of the describe workflow (infra/statemachines/describe.asl.json): one image in
one language. Input, output and the named errors: describe_it/ai/describe_task.py."""

from typing import Any

from describe_it.ai.describe_task import get_task
from describe_it.handler import job_handler


def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return get_task().run(event, context.get_remaining_time_in_millis)


lambda_handler = job_handler(run)
