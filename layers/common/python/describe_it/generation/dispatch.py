"""Where an asynchronous generation runs (spec §5.1 "Async").

Express workflows cannot be described after an asynchronous start, so in AWS the job is an
**asynchronous invocation of the generation function itself** (``InvocationType=Event``) with a small
internal event, ``{"kind": JOB_EVENT, "plan": …}``, that the function's handler recognises before
Mangum sees it. The gateway cannot produce it: its events always carry ``requestContext``. Lambda
delivers such events at least once; the job's conditional transitions (``runtime/jobs.py``) make a
second delivery a no-op. Locally (``STAGE=local``) a background thread runs the same code.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from describe_it.errors import DependencyDown

if TYPE_CHECKING:
    from describe_it.generation.service import Plan

JOB_EVENT = "describe-it/generation-job"
_local_jobs: list[threading.Thread] = []
_local_lock = threading.Lock()


def is_job_event(event: Any) -> bool:
    return isinstance(event, dict) and event.get("kind") == JOB_EVENT and "requestContext" not in event


def run_job_event(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The asynchronous invocation's handler: run the job the event names."""
    from describe_it.generation.service import Plan, get_generation_service

    plan = Plan.from_json(event["plan"])
    get_generation_service().run_job(plan)
    return {"jobId": plan.generation_id}


def dispatcher() -> Callable[[Plan], None]:
    from describe_it.settings import get_settings

    return _in_thread if get_settings().stage == "local" else _invoke_self


def _invoke_self(plan: Plan) -> None:
    from describe_it.aws import client
    from describe_it.observability import current_correlation_id
    from describe_it.settings import get_settings

    function = get_settings().aws_lambda_function_name
    event = {"kind": JOB_EVENT, "plan": plan.to_json(), "correlationId": current_correlation_id()}
    payload = json.dumps(event, separators=(",", ":")).encode()
    try:
        if not function:
            raise RuntimeError("AWS_LAMBDA_FUNCTION_NAME is not set")
        client("lambda").invoke(FunctionName=function, InvocationType="Event", Payload=payload)
    except Exception as exc:  # botocore's messages name ARNs and endpoints: the class only
        from describe_it.observability import logger

        logger.warning("generation job not dispatched", extra={"error": type(exc).__name__})
        raise DependencyDown("The generation could not be started", retry_after=5) from None


def _in_thread(plan: Plan) -> None:
    from describe_it.generation.service import get_generation_service

    service = get_generation_service()
    thread = threading.Thread(
        target=service.run_job, args=(plan,), name=f"job-{plan.generation_id}", daemon=True
    )
    with _local_lock:
        _local_jobs[:] = [t for t in _local_jobs if t.is_alive()]
        _local_jobs.append(thread)
    thread.start()


def wait_for_local_jobs(timeout_s: float) -> bool:
    """Join the local job threads (tests and benchmarks: no polling); True when all have ended."""
    with _local_lock:
        threads = list(_local_jobs)
    for thread in threads:
        thread.join(timeout_s)
    return not any(t.is_alive() for t in threads)
