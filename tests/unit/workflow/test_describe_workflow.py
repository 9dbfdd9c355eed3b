"""The describe workflow (infra/statemachines/describe.asl.json) run by the local interpreter.

Given the real ASL file and small task handlers, when it runs, then each language's branch answers
for itself: described, skipped (cached), or failed with the reason its Catch gives.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from describe_it.workflow.errors import (
    REASON_BY_ERROR,
    TASK_ERRORS,
    DescribeRateLimited,
    DescribeTimeout,
    DescribeUpstreamError,
    reason_for,
)
from infra.local.stepfunctions import (
    Execution,
    LambdaError,
    LocalStepFunctions,
    describe_workflow,
)
from tests.support.workflow import described, failed, skipped, task_payload, workflow_input


class Task:
    """A describe_language stand-in: records its events, answers with ``behaviour(event, attempt)``."""

    def __init__(self, behaviour: Callable[[dict[str, Any], int], Any] | None = None) -> None:
        self.behaviour = behaviour or (lambda event, _attempt: described(event["language"]))
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        with self._lock:
            self.events.append(event)
            attempt = sum(1 for e in self.events if e["language"] == event["language"])
        return self.behaviour(event, attempt)

    def calls(self, language: str) -> int:
        return sum(1 for e in self.events if e["language"] == language)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def run(sleeps: list[float]) -> Callable[..., Any]:
    """``run(task, **input_overrides)`` → the execution's output (retry waits are recorded, not slept)."""

    def execute(task: Task, **overrides: Any) -> Any:
        machine = describe_workflow(task, sleep=sleeps.append, jitter=lambda: 0.5)
        return machine.execute(workflow_input(**overrides))

    return execute


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at teardown, so a handler the runner abandoned (timeout) can finish."""
    event = threading.Event()
    yield event
    event.set()


def test_both_languages_described_in_order(run: Callable[..., Any]) -> None:
    task = Task()

    output = run(task)

    assert output == [described("en"), described("es")]
    # The task gets the input plus its language; the workflow's own keys stay out.
    assert sorted(task.events, key=lambda e: e["language"]) == [task_payload("en"), task_payload("es")]


def test_one_language_failing_does_not_cancel_the_other(run: Callable[..., Any]) -> None:
    def behaviour(event: dict[str, Any], _attempt: int) -> Any:
        if event["language"] == "es":
            raise DescribeUpstreamError("the provider answered 500")
        return described("en")

    output = run(Task(behaviour))

    assert output == [described("en"), failed("es", "upstream_error", "DescribeUpstreamError")]


@pytest.mark.parametrize(
    "error_name",
    [
        *sorted(REASON_BY_ERROR),
        "ValueError",
        "Lambda.Unknown",
        "Runtime.ExitError",
        "Lambda.ServiceException",
    ],
)
def test_every_error_name_becomes_its_reason(run: Callable[..., Any], error_name: str) -> None:
    """The ASL's Catch clauses and describe_it.workflow.errors agree on every name."""

    def behaviour(event: dict[str, Any], _attempt: int) -> Any:
        raise LambdaError(error_name, "boom")

    output = run(Task(behaviour))

    reason = reason_for(error_name)
    assert output == [failed("en", reason, error_name), failed("es", reason, error_name)]


@pytest.mark.parametrize("error", TASK_ERRORS)
def test_the_task_errors_are_named_by_their_class(run: Callable[..., Any], error: type[Exception]) -> None:
    """Raised like the real function will raise them: the class name is the error Lambda reports."""

    def behaviour(event: dict[str, Any], _attempt: int) -> Any:
        raise error("details that never reach the result")

    output = run(Task(behaviour), languages=["es"])

    assert output[1] == failed("es", error.reason, error.__name__)  # type: ignore[attr-defined]


def test_a_timed_out_attempt_is_abandoned_and_retried_once(
    run: Callable[..., Any], sleeps: list[float], release: threading.Event
) -> None:
    """The first English attempt hangs past taskTimeoutSeconds; the retry starts after the deadline
    and fails fast, as the task contract says; Spanish is unaffected."""

    def behaviour(event: dict[str, Any], attempt: int) -> Any:
        if event["language"] == "en":
            if attempt == 1:
                release.wait(30)  # hangs until the test ends; the runner stops waiting after 1 s
                return described("en")
            raise DescribeTimeout("started after the deadline")
        return described("es")

    task = Task(behaviour)
    output = run(task, taskTimeoutSeconds=1)

    assert output == [failed("en", "timeout", "DescribeTimeout"), described("es")]
    assert task.calls("en") == 2 and task.calls("es") == 1
    assert sleeps == [0.5]  # IntervalSeconds 1 with full jitter (0.5 here)


def test_lambda_throttling_is_retried_twice_with_backoff_then_rate_limited(
    run: Callable[..., Any], sleeps: list[float]
) -> None:
    def behaviour(event: dict[str, Any], _attempt: int) -> Any:
        raise LambdaError("Lambda.TooManyRequestsException", "Rate Exceeded.")

    task = Task(behaviour)
    output = run(task, languages=["en"])

    assert output[0] == failed("en", "rate_limited", "Lambda.TooManyRequestsException")
    assert task.calls("en") == 3
    assert sleeps == [0.5, 1.0]  # 1 s, then 2 s (BackoffRate 2), each with full jitter


def test_a_lambda_service_error_is_retried_and_can_recover(
    run: Callable[..., Any], sleeps: list[float]
) -> None:
    def behaviour(event: dict[str, Any], attempt: int) -> Any:
        if attempt == 1:
            raise LambdaError("Lambda.ServiceException", "Internal error")
        return described(event["language"])

    task = Task(behaviour)

    assert run(task) == [described("en"), described("es")]
    assert task.calls("en") == task.calls("es") == 2
    assert sleeps == [0.5, 0.5]


def test_errors_the_function_raises_are_not_retried_by_the_workflow(run: Callable[..., Any]) -> None:
    def behaviour(event: dict[str, Any], _attempt: int) -> Any:
        raise DescribeRateLimited("the provider answered 429")

    task = Task(behaviour)
    output = run(task, languages=["es"])

    assert output[1] == failed("es", "rate_limited", "DescribeRateLimited")
    assert task.calls("es") == 1


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (["es"], [skipped("en"), described("es")]),
        (["en"], [described("en"), skipped("es")]),
        (["es", "en"], [described("en"), described("es")]),
        ([], [skipped("en"), skipped("es")]),
    ],
)
def test_a_cached_language_is_skipped_without_a_call(
    run: Callable[..., Any], languages: list[str], expected: list[dict[str, Any]]
) -> None:
    task = Task()

    assert run(task, languages=languages) == expected
    assert sorted(e["language"] for e in task.events) == sorted(languages)


def test_the_two_branches_run_at_the_same_time(run: Callable[..., Any]) -> None:
    """Each task waits for the other to have started: only parallel branches both get through."""
    both_started = threading.Barrier(2, timeout=10)

    def behaviour(event: dict[str, Any], _attempt: int) -> Any:
        both_started.wait()  # raises BrokenBarrierError (→ a failed branch) if run one after the other
        return described(event["language"])

    assert run(Task(behaviour)) == [described("en"), described("es")]


def test_an_input_without_a_required_key_fails_the_execution() -> None:
    machine = describe_workflow(Task())
    incomplete = workflow_input()
    del incomplete["customPrompt"]  # the route must send null, not leave it out

    execution = machine.start_sync(incomplete)

    assert execution.status == "FAILED"
    assert execution.error == "States.Runtime"
    assert "$.customPrompt" in (execution.cause or "")


def test_async_execution_answers_at_once_and_delivers_the_result(release: threading.Event) -> None:
    def behaviour(event: dict[str, Any], _attempt: int) -> Any:
        release.wait(10)
        return described(event["language"])

    delivered: list[Execution] = []
    machine = describe_workflow(Task(behaviour))

    arn = machine.start(workflow_input(), name="job-1", on_done=delivered.append)

    assert machine.describe(arn).status == "RUNNING"  # the tasks are still waiting for `release`
    release.set()
    execution = machine.wait(arn, timeout=10)
    assert execution.status == "SUCCEEDED"
    assert execution.output == [described("en"), described("es")]
    assert delivered == [execution]


def test_async_execution_with_a_task_timing_out_still_delivers(release: threading.Event) -> None:
    def behaviour(event: dict[str, Any], attempt: int) -> Any:
        if event["language"] == "es" and attempt == 1:
            release.wait(30)
        if event["language"] == "es":
            raise DescribeTimeout("past the deadline")
        return described("en")

    delivered: list[Execution] = []
    machine = describe_workflow(Task(behaviour), sleep=lambda _s: None)

    arn = machine.start(workflow_input(taskTimeoutSeconds=1), on_done=delivered.append)
    execution = machine.wait(arn, timeout=20)

    assert execution.output == [described("en"), failed("es", "timeout", "DescribeTimeout")]
    assert delivered == [execution]


def test_the_boto3_shaped_client_runs_sync_and_async_executions() -> None:
    machine = describe_workflow(Task())
    finished: list[Execution] = []
    client = LocalStepFunctions({machine.arn: machine}, on_async_done=finished.append)

    response = client.start_sync_execution(
        stateMachineArn=machine.arn, input=json.dumps(workflow_input()), name="gen-1"
    )

    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == [described("en"), described("es")]
    assert response["name"] == "gen-1" and response["executionArn"].startswith("arn:aws:states:")

    started = client.start_execution(stateMachineArn=machine.arn, input=json.dumps(workflow_input()))
    execution = machine.wait(started["executionArn"], timeout=10)
    assert execution.status == "SUCCEEDED"
    assert finished == [execution]


def test_the_boto3_shaped_client_reports_a_failed_execution() -> None:
    machine = describe_workflow(Task())
    client = LocalStepFunctions({machine.arn: machine})

    response = client.start_sync_execution(
        stateMachineArn=machine.arn, input=json.dumps({"languages": ["en"]})
    )

    assert response["status"] == "FAILED"
    assert response["error"] == "States.Runtime"
    assert "output" not in response


def test_an_unknown_state_machine_is_refused() -> None:
    client = LocalStepFunctions({})

    with pytest.raises(LookupError):
        client.start_sync_execution(stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:x")
