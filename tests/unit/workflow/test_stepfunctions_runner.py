"""The local ASL interpreter on small definitions: the semantics it implements, and what it refuses."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.local.stepfunctions import (
    ExecutionFailed,
    LambdaError,
    StateMachine,
    UnsupportedDefinition,
    local_function_arn,
)

FN = local_function_arn("Fn")


def task(**fields: Any) -> dict[str, Any]:
    """A lambda:invoke Task calling FN with the whole input as its payload."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": FN, "Payload.$": "$"},
        "OutputPath": "$.Payload",
        "End": True,
        **fields,
    }


def machine(states: dict[str, Any], handler: Any = None, **options: Any) -> StateMachine:
    start = next(iter(states))
    return StateMachine({"StartAt": start, "States": states}, functions={FN: handler}, **options)


def raising(error: BaseException) -> Any:
    def handler(event: Any, context: Any) -> Any:
        raise error

    return handler


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


# --- paths and data flow ---


def test_pass_parameters_result_path_and_output_path() -> None:
    m = machine(
        {
            "Shape": {
                "Type": "Pass",
                "Parameters": {"who.$": "$.user.name", "fixed": 1, "nested": {"first.$": "$.items[0]"}},
                "ResultPath": "$.shaped",
                "OutputPath": "$.shaped",
                "End": True,
            }
        }
    )

    assert m.execute({"user": {"name": "ana"}, "items": ["a", "b"]}) == {
        "who": "ana",
        "fixed": 1,
        "nested": {"first": "a"},
    }


def test_task_input_path_result_selector_and_result_path() -> None:
    seen: list[Any] = []

    def handler(event: Any, context: Any) -> Any:
        seen.append(event)
        return {"value": event["n"] * 2, "noise": True}

    m = machine(
        {
            "Double": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "InputPath": "$.job",
                "Parameters": {"FunctionName": FN, "Payload": {"n.$": "$.n"}},
                "ResultSelector": {"doubled.$": "$.Payload.value", "status.$": "$.StatusCode"},
                "ResultPath": "$.job.result",
                "End": True,
            }
        },
        handler,
    )

    assert m.execute({"job": {"n": 21}, "other": 1}) == {
        "job": {"n": 21, "result": {"doubled": 42, "status": 200}},
        "other": 1,
    }
    assert seen == [{"n": 21}]


def test_a_handler_gets_a_copy_and_cannot_change_the_execution_data() -> None:
    def handler(event: Any, context: Any) -> Any:
        event["list"].append("changed")
        return {"ok": True}

    m = machine({"Call": task(ResultPath="$.result", OutputPath="$")}, handler)
    data = {"list": ["original"]}

    assert m.execute(data)["list"] == ["original"]
    assert data == {"list": ["original"]}


def test_a_missing_path_is_states_runtime_which_no_catch_takes() -> None:
    m = machine(
        {
            "Call": task(
                Parameters={"FunctionName": FN, "Payload": {"x.$": "$.missing"}},
                Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            ),
            "Caught": {"Type": "Pass", "Result": "caught", "End": True},
        },
        lambda e, c: {},
    )

    with pytest.raises(ExecutionFailed) as failure:
        m.execute({})
    assert failure.value.error == "States.Runtime"


# --- errors, retries, catches ---


def test_catch_puts_error_and_cause_at_its_result_path_and_keeps_the_input() -> None:
    m = machine(
        {
            "Call": task(Catch=[{"ErrorEquals": ["KeyError"], "ResultPath": "$.failure", "Next": "Done"}]),
            "Done": {"Type": "Succeed"},
        },
        raising(KeyError("k")),
    )

    output = m.execute({"keep": "me"})

    assert output["keep"] == "me"
    assert output["failure"]["Error"] == "KeyError"
    assert json.loads(output["failure"]["Cause"])["errorType"] == "KeyError"


def test_catch_without_result_path_replaces_the_input_with_the_error() -> None:
    m = machine(
        {
            "Call": task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Done"}]),
            "Done": {"Type": "Succeed"},
        },
        raising(LambdaError("Custom.Error", "details")),
    )

    assert m.execute({"keep": "me"}) == {
        "Error": "Custom.Error",
        "Cause": json.dumps({"errorType": "Custom.Error", "errorMessage": "details"}),
    }


def test_task_failed_matches_handler_errors_but_not_a_timeout(release: threading.Event) -> None:
    catch = [
        {"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.e", "Next": "TaskFailed"},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "Other"},
    ]
    states = {
        "Call": task(TimeoutSeconds=1, Catch=catch),
        "TaskFailed": {"Type": "Pass", "Result": "task failed", "End": True},
        "Other": {"Type": "Pass", "Result": "other", "End": True},
    }

    assert machine(states, raising(ValueError("bad"))).execute({}) == "task failed"
    assert machine(states, lambda e, c: release.wait(30)).execute({}) == "other"


def test_retry_backoff_is_capped_by_max_delay_and_attempts_are_bounded() -> None:
    sleeps: list[float] = []
    calls: list[int] = []

    def handler(event: Any, context: Any) -> Any:
        calls.append(1)
        raise LambdaError("Flaky")

    retry = [
        {
            "ErrorEquals": ["Flaky"],
            "IntervalSeconds": 2,
            "BackoffRate": 3.0,
            "MaxDelaySeconds": 10,
            "MaxAttempts": 4,
        }
    ]
    m = machine({"Call": task(Retry=retry)}, handler, sleep=sleeps.append)

    with pytest.raises(ExecutionFailed) as failure:
        m.execute({})

    assert failure.value.error == "Flaky"
    assert len(calls) == 5
    assert sleeps == [2, 6, 10, 10]  # 2 × 3ⁿ, capped at 10; no jitter unless asked


def test_full_jitter_scales_each_wait() -> None:
    sleeps: list[float] = []
    retry = [
        {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 4, "MaxAttempts": 2, "JitterStrategy": "FULL"}
    ]
    m = machine(
        {"Call": task(Retry=retry)}, raising(LambdaError("X")), sleep=sleeps.append, jitter=lambda: 0.25
    )

    with pytest.raises(ExecutionFailed):
        m.execute({})

    assert sleeps == [1.0, 2.0]


def test_an_exhausted_retrier_does_not_fall_through_to_a_later_one() -> None:
    calls: list[int] = []

    def handler(event: Any, context: Any) -> Any:
        calls.append(1)
        raise LambdaError("Flaky")

    retry = [
        {"ErrorEquals": ["Flaky"], "MaxAttempts": 1},
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5},
    ]
    m = machine({"Call": task(Retry=retry)}, handler, sleep=lambda s: None)

    with pytest.raises(ExecutionFailed):
        m.execute({})
    assert len(calls) == 2


def test_max_attempts_zero_never_retries() -> None:
    calls: list[int] = []

    def handler(event: Any, context: Any) -> Any:
        calls.append(1)
        raise LambdaError("Flaky")

    m = machine({"Call": task(Retry=[{"ErrorEquals": ["Flaky"], "MaxAttempts": 0}])}, handler)

    with pytest.raises(ExecutionFailed):
        m.execute({})
    assert len(calls) == 1


@pytest.mark.parametrize("result", [{"when": object()}, {"score": float("nan")}])
def test_a_result_that_is_not_json_is_a_marshal_error(result: Any) -> None:
    m = machine({"Call": task()}, lambda e, c: result)

    with pytest.raises(ExecutionFailed) as failure:
        m.execute({})
    assert failure.value.error == "Runtime.MarshalError"


def test_an_unknown_function_is_resource_not_found() -> None:
    m = StateMachine({"StartAt": "Call", "States": {"Call": task()}}, functions={})

    with pytest.raises(ExecutionFailed) as failure:
        m.execute({})
    assert failure.value.error == "Lambda.ResourceNotFoundException"


def test_the_handler_sees_the_time_it_has_left() -> None:
    m = machine({"Call": task(TimeoutSeconds=7)}, lambda e, c: c.get_remaining_time_in_millis())

    assert 0 < m.execute({}) <= 7000


def test_fail_state_fails_the_execution_with_its_error() -> None:
    m = machine({"Stop": {"Type": "Fail", "Error": "Custom.Stop", "Cause": "because"}})

    with pytest.raises(ExecutionFailed) as failure:
        m.execute({})
    assert (failure.value.error, failure.value.cause) == ("Custom.Stop", "because")


def test_an_uncaught_branch_error_fails_the_parallel_state_whose_catch_takes_it() -> None:
    branch_ok = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "a", "End": True}}}
    branch_bad = {"StartAt": "B", "States": {"B": {"Type": "Fail", "Error": "Branch.Broke"}}}
    m = machine(
        {
            "Both": {
                "Type": "Parallel",
                "Branches": [branch_ok, branch_bad],
                "Catch": [{"ErrorEquals": ["Branch.Broke"], "ResultPath": "$.error", "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "Parameters": {"caught.$": "$.error.Error"}, "End": True},
        }
    )

    assert m.execute({}) == {"caught": "Branch.Broke"}


def test_choice_uses_default_when_nothing_matches_and_fails_without_one() -> None:
    rule = {"Variable": "$.kind", "StringEquals": "a", "Next": "A"}
    a = {"Type": "Pass", "Result": "A", "End": True}
    with_default = machine(
        {
            "Pick": {"Type": "Choice", "Choices": [rule], "Default": "A2"},
            "A": a,
            "A2": {**a, "Result": "default"},
        }
    )
    without = machine({"Pick": {"Type": "Choice", "Choices": [rule]}, "A": a})

    assert with_default.execute({"kind": "a"}) == "A"
    assert with_default.execute({"kind": "b"}) == "default"
    assert with_default.execute({"kind": 1}) == "default"  # a non-string never equals a string
    with pytest.raises(ExecutionFailed) as failure:
        without.execute({"kind": "b"})
    assert failure.value.error == "States.NoChoiceMatched"


# --- what it refuses to load ---


@pytest.mark.parametrize(
    ("states", "complaint"),
    [
        ({"W": {"Type": "Wait", "Seconds": 1, "End": True}}, "unsupported state type"),
        ({"M": {"Type": "Map", "End": True}}, "unsupported state type"),
        ({"P": {"Type": "Pass", "InputPath": "$.items[?(@.x)]", "End": True}}, "unsupported path"),
        (
            {"P": {"Type": "Pass", "Parameters": {"x.$": "States.Format('{}', $.a)"}, "End": True}},
            "unsupported path",
        ),
        ({"P": {"Type": "Pass", "Parameters": {"x.$": "$$.Execution.Id"}, "End": True}}, "unsupported path"),
        ({"P": {"Type": "Pass", "ResultPath": "$.a[0]", "End": True}}, "indices"),
        ({"P": {"Type": "Pass", "Result": 1, "Assign": {"x": 1}, "End": True}}, "unsupported fields"),
        ({"P": {"Type": "Pass", "Next": "Nowhere"}}, "unknown state"),
        ({"P": {"Type": "Pass"}}, "exactly one of Next and End"),
        (
            {"C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "C"}]}},
            "a rule is Variable",
        ),
        (
            {
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Not": {"Variable": "$.n", "IsPresent": True}, "Next": "C"}],
                }
            },
            "a rule is Variable",
        ),
        (
            {"T": {**task(), "Resource": "arn:aws:lambda:us-east-1:123456789012:function:x"}},
            "only arn:aws:states:::lambda:invoke",
        ),
        ({"T": task(Parameters={"FunctionName": FN, "Qualifier": "1"})}, "only FunctionName and Payload"),
        ({"T": task(TimeoutSeconds=0)}, "positive integer"),
        (
            {"T": task(Retry=[{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}])},
            "States.ALL must be alone",
        ),
        ({"T": task(Retry=[{"ErrorEquals": ["X"], "JitterStrategy": "DECORRELATED"}])}, "JitterStrategy"),
        ({"T": task(Catch=[{"ErrorEquals": ["X"], "Next": "T", "Comment": "no"}])}, "unsupported fields"),
    ],
)
def test_anything_outside_the_supported_subset_is_refused_at_load(
    states: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(UnsupportedDefinition, match=complaint):
        machine(states, lambda e, c: {})


def test_a_substitution_without_a_handler_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.asl.json"
    path.write_text(
        json.dumps({"StartAt": "T", "States": {"T": {**task(), "Parameters": {"FunctionName": "${FnArn}"}}}})
    )

    with pytest.raises(UnsupportedDefinition, match="no handler for substitutions"):
        StateMachine.from_file(path, {})
    with pytest.raises(UnsupportedDefinition, match="unknown substitutions"):
        StateMachine.from_file(path, {"FnArn": lambda e, c: {}, "Other": lambda e, c: {}})

    loaded = StateMachine.from_file(path, {"FnArn": lambda e, c: {"called": True}})
    assert loaded.execute({}) == {"called": True}


def test_only_the_latest_async_executions_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    import infra.local.stepfunctions as runner

    monkeypatch.setattr(runner, "KEEP_EXECUTIONS", 2)
    m = machine({"P": {"Type": "Pass", "End": True}})
    arns = [m.start({"n": n}) for n in range(3)]

    assert [m.wait(arn, timeout=10).output for arn in arns[1:]] == [{"n": 1}, {"n": 2}]
    with pytest.raises(KeyError):
        m.describe(arns[0])
