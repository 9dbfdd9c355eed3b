"""Starting the describe workflow (infra/statemachines/describe.asl.json) and reading its branches.

In AWS: ``StartSyncExecution`` on the Express state machine named by ``DESCRIBE_STATE_MACHINE_ARN``,
with a client whose read timeout outlasts the execution and that never retries (a retry would run
— and bill — the generation twice). Locally (``STAGE=local``: ``make run``, the tests) the same ASL
file runs in this process on the local runner (``infra/local/stepfunctions.py``), its task the real
``describe_language`` handler; the local stack is never packaged into a Lambda.

``run`` returns one result per requested language: the branch's JSON as the workflow README defines
it. An execution that fails as a whole (a States.Runtime error, an AWS-side timeout, an unreachable
Step Functions) becomes a failed result for every requested language, so the caller has one shape
to assemble from.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from describe_it.ai.provider import Language

LOCAL_STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:describe"
_CALL_MARGIN_S = 5.0  # the client waits this much longer than the execution may take


@dataclass(frozen=True)
class BranchResult:
    language: Language
    ok: bool
    content: str = ""
    word_count: int = 0
    model: str | None = None
    provider: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    reason: str | None = None  # timeout | upstream_error | rate_limited | circuit_open | …
    error: str | None = None  # the error name (describe_it/workflow/errors.py, States.*)
    finished_at: float | None = None  # set by the caller: the description's createdAt


class StepFunctionsClient(Protocol):
    def start_sync_execution(self, **kwargs: Any) -> dict[str, Any]: ...


class DescribeWorkflow:
    def __init__(self, client: StepFunctionsClient, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def run(
        self, workflow_input: dict[str, Any], languages: Sequence[Language]
    ) -> dict[Language, BranchResult]:
        try:
            response = self._client.start_sync_execution(
                stateMachineArn=self._arn,
                name=str(workflow_input["generationId"])[:80],
                input=json.dumps(workflow_input, separators=(",", ":")),
            )
        except Exception as exc:  # botocore's errors name endpoints and ARNs: the class only
            from describe_it.observability import logger

            logger.warning("describe workflow not started", extra={"error": type(exc).__name__})
            return _all_failed(languages, "States.Runtime")
        if response.get("status") != "SUCCEEDED":
            from describe_it.observability import logger

            error = str(response.get("error") or "States.Runtime")
            logger.warning(
                "describe workflow failed", extra={"error": error, "status": response.get("status")}
            )
            return _all_failed(
                languages, "States.Timeout" if response.get("status") == "TIMED_OUT" else error
            )
        branches = json.loads(response.get("output") or "[]")
        found = {b.get("language"): b for b in branches if isinstance(b, dict)}
        return {lang: _branch(lang, found.get(lang)) for lang in languages}


def _branch(language: Language, raw: dict[str, Any] | None) -> BranchResult:
    if raw is None or raw.get("skipped"):
        return BranchResult(language, ok=False, reason="upstream_error", error="States.Runtime")
    if not raw.get("ok"):
        return BranchResult(
            language, ok=False, reason=str(raw.get("reason") or "upstream_error"), error=str(raw.get("error"))
        )
    usage = raw.get("usage") or {}
    return BranchResult(
        language,
        ok=True,
        content=str(raw.get("content") or ""),
        word_count=int(raw.get("wordCount") or 0),
        model=raw.get("model"),
        provider=raw.get("provider"),
        input_tokens=int(usage.get("inputTokens") or 0),
        output_tokens=int(usage.get("outputTokens") or 0),
    )


def _all_failed(languages: Sequence[Language], error: str) -> dict[Language, BranchResult]:
    reason = "timeout" if error in ("States.Timeout", "DescribeTimeout") else "upstream_error"
    return {lang: BranchResult(lang, ok=False, reason=reason, error=error) for lang in languages}


def workflow_for(timeout_s: float) -> DescribeWorkflow:
    """The workflow for executions of up to ``timeout_s`` seconds."""
    from describe_it.settings import get_settings

    settings = get_settings()
    if settings.stage == "local":
        return DescribeWorkflow(_local_client(), LOCAL_STATE_MACHINE_ARN)
    if not settings.describe_state_machine_arn:
        from describe_it.ai.errors import ProviderNotConfigured

        raise ProviderNotConfigured("AI generation is not configured: no workflow", retry_after=60)
    from describe_it.aws import long_call_client

    client = long_call_client("stepfunctions", timeout_s + _CALL_MARGIN_S)
    return DescribeWorkflow(client, settings.describe_state_machine_arn)


_local_lock = threading.Lock()
_local: list[StepFunctionsClient] = []  # built once


def _local_client() -> StepFunctionsClient:
    """The local runner with the real ``describe_language`` handler (local stage only: the module is
    part of the repository's local stack, imported by name so the layer does not depend on it).
    Built once under a lock: concurrent first requests would otherwise import the task's module twice
    at once and one of them would see it half-initialised."""
    with _local_lock:
        if not _local:
            _local.append(_build_local_client())
        return _local[0]


def _build_local_client() -> StepFunctionsClient:
    import importlib

    runner = importlib.import_module("infra.local.stepfunctions")
    functions = importlib.import_module("infra.local.functions")
    handler = functions.load_function("describe_language").lambda_handler
    machine = runner.describe_workflow(handler)
    client: StepFunctionsClient = runner.LocalStepFunctions({LOCAL_STATE_MACHINE_ARN: machine})
    return client
