"""Step Functions on a laptop: an in-process interpreter of the ASL files under infra/statemachines/.

moto validates our definitions and runs their control flow, but it has no StartSyncExecution and
never calls our handlers (it returns queued Lambda results). So `make run` and the integration tests
run **the same ASL file** here, with each Lambda task resolved to a Python handler in this process,
branches in parallel threads and the definition's timeouts, retries and catches.

It supports exactly what our definitions use, and refuses anything else when the file is loaded:

- states: Pass (``Result``, ``Parameters``), Task (``arn:aws:states:::lambda:invoke`` with
  ``FunctionName`` and ``Payload``; ``TimeoutSeconds``/``TimeoutSecondsPath``; ``Retry``; ``Catch``),
  Parallel (``Branches``, ``Retry``, ``Catch``), Choice (``And``, ``Or``, ``IsPresent``,
  ``StringEquals``), Succeed, Fail;
- ``InputPath``, ``Parameters`` (keys ending in ``.$`` take a path), ``ResultSelector``,
  ``ResultPath``, ``OutputPath``; paths are ``$``, ``.name`` and ``[index]`` (no filters, wildcards,
  context object or intrinsic functions);
- error names: ``States.ALL``, ``States.TaskFailed``, ``States.Timeout``, ``States.Runtime`` (a bad
  path: never retried or caught, the execution fails), and whatever a handler raises.

A task handler is ``handler(event, context)``, like a Lambda handler. It gets the ``Payload`` as
JSON (a copy, never the caller's objects) and its return value is JSON too. An exception it raises
becomes the error ``type(exc).__name__``, as Lambda's Python runtime reports it; raise
``LambdaError(name)`` to report an exact name (e.g. ``Lambda.TooManyRequestsException``, which in
AWS comes from the Lambda service, not the function). ``TimeoutSeconds`` runs the handler in its own
thread and abandons it when the time is up (``States.Timeout``): like Step Functions, the runner
cannot stop a running function, it stops waiting for it.

Two ways to run: ``StateMachine.start_sync(input)`` (StartSyncExecution) and ``StateMachine.start``
(StartExecution: returns an execution id at once; ``describe``/``wait`` poll, ``on_done`` is called
with the finished execution). ``LocalStepFunctions`` answers the boto3 ``stepfunctions`` calls
``start_sync_execution`` and ``start_execution`` with these, so service code written against the
boto3 client runs unchanged on a laptop.
"""

from __future__ import annotations

import copy
import json
import logging
import queue
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STATEMACHINES = ROOT / "infra" / "statemachines"
DESCRIBE_ASL = STATEMACHINES / "describe.asl.json"
REGION = "us-east-1"
ACCOUNT = "123456789012"
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
KEEP_EXECUTIONS = 1_000

Handler = Callable[[Any, Any], Any]
log = logging.getLogger(__name__)


class UnsupportedDefinition(ValueError):
    """The definition uses something this runner does not implement (or is not valid ASL)."""


class AslError(Exception):
    """A Step Functions error: ``error`` is the name Retry/Catch match, ``cause`` the detail."""

    def __init__(self, error: str, cause: str = "") -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause


class LambdaError(Exception):
    """Raise from a handler to fail the task with exactly this error name."""

    def __init__(self, error_type: str, message: str = "") -> None:
        super().__init__(message or error_type)
        self.error_type = error_type


class _Runtime(AslError):
    """States.Runtime: a path that does not resolve. Never retried, never caught."""

    def __init__(self, cause: str) -> None:
        super().__init__("States.Runtime", cause)


# --- paths -------------------------------------------------------------------------------------

_PATH = re.compile(r"\$((?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])*)")
_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]")


def _parse_path(path: object, where: str) -> tuple[str | int, ...]:
    if not isinstance(path, str) or not _PATH.fullmatch(path):
        raise UnsupportedDefinition(f"{where}: unsupported path {path!r} (only $, .name and [index])")
    return tuple(name if name else int(index) for name, index in _SEGMENT.findall(path[1:]))


def _get(data: Any, path: str) -> Any:
    value = data
    for segment in _parse_path(path, "path"):
        if isinstance(segment, int):
            if not isinstance(value, list) or segment >= len(value):
                raise _Runtime(f"The JSONPath {path} could not be found in the input")
            value = value[segment]
        else:
            if not isinstance(value, dict) or segment not in value:
                raise _Runtime(f"The JSONPath {path} could not be found in the input")
            value = value[segment]
    return value


def _is_present(data: Any, path: str) -> bool:
    try:
        _get(data, path)
    except _Runtime:
        return False
    return True


def _put(data: Any, path: str | None, result: Any) -> Any:
    """ResultPath: ``result`` placed into (a copy of) ``data``; ``$`` replaces it, null discards it."""
    if path is None:
        return data
    segments = _parse_path(path, "ResultPath")
    if not segments:
        return result
    out = copy.deepcopy(data)
    if not isinstance(out, dict):
        raise _Runtime(f"Unable to apply ResultPath {path} to a non-object input")
    target = out
    for segment in segments[:-1]:
        assert isinstance(segment, str)  # indices are refused when the file is loaded
        child = target.get(segment)
        if not isinstance(child, dict):
            child = target[segment] = {}
        target = child
    target[str(segments[-1])] = result
    return out


def _template(template: Any, data: Any) -> Any:
    """Parameters / ResultSelector: keys ending in ``.$`` take the value at a path of ``data``."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = copy.deepcopy(_get(data, value))
            else:
                out[key] = _template(value, data)
        return out
    if isinstance(template, list):
        return [_template(item, data) for item in template]
    return template


def _json_copy(value: Any) -> Any:
    """What crosses a Lambda boundary is JSON text: no shared objects, no non-JSON values."""
    return json.loads(json.dumps(value, allow_nan=False))


# --- the definition, checked once --------------------------------------------------------------

_COMMON = {"Type", "Comment", "Next", "End"}
_FIELDS = {
    "Pass": {"InputPath", "Parameters", "Result", "ResultPath", "OutputPath"},
    "Task": {
        "Resource",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "InputPath",
        "OutputPath",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "Retry",
        "Catch",
    },
    "Parallel": {
        "Branches",
        "InputPath",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "OutputPath",
        "Retry",
        "Catch",
    },
    "Choice": {"Choices", "Default", "InputPath", "OutputPath"},
    "Succeed": {"InputPath", "OutputPath"},
    "Fail": {"Error", "Cause"},
}
_RETRY_FIELDS = {
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
}
_CATCH_FIELDS = {"ErrorEquals", "Next", "ResultPath"}
_CHOICE_OPERATORS = {"IsPresent": bool, "StringEquals": str}


def _check_paths(template: Any, where: str) -> None:
    if isinstance(template, dict):
        for key, value in template.items():
            if key.endswith(".$"):
                _parse_path(value, f"{where}.{key}")
            else:
                _check_paths(value, f"{where}.{key}")
    elif isinstance(template, list):
        for index, item in enumerate(template):
            _check_paths(item, f"{where}[{index}]")


def _check_error_equals(rules: object, allowed: set[str], where: str) -> None:
    if not isinstance(rules, list):
        raise UnsupportedDefinition(f"{where} must be a list")
    for index, rule in enumerate(rules):
        label = f"{where}[{index}]"
        if not isinstance(rule, dict) or set(rule) - allowed:
            raise UnsupportedDefinition(f"{label}: unsupported fields {sorted(set(rule) - allowed)}")
        names = rule.get("ErrorEquals")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise UnsupportedDefinition(f"{label}.ErrorEquals must be a non-empty list of names")
        if "States.ALL" in names and (len(names) != 1 or index != len(rules) - 1):
            raise UnsupportedDefinition(f"{label}: States.ALL must be alone and in the last rule")
        if rule.get("JitterStrategy", "NONE") not in ("FULL", "NONE"):
            raise UnsupportedDefinition(f"{label}.JitterStrategy must be FULL or NONE")
        if "ResultPath" in rule and rule["ResultPath"] is not None:
            _check_result_path(rule["ResultPath"], f"{label}.ResultPath")


def _check_result_path(path: object, where: str) -> None:
    if any(isinstance(segment, int) for segment in _parse_path(path, where)):
        raise UnsupportedDefinition(f"{where}: indices are not supported in a ResultPath")


def _check_choice_rule(rule: object, where: str, top: bool) -> None:
    if not isinstance(rule, dict):
        raise UnsupportedDefinition(f"{where} must be an object")
    keys = set(rule) - {"Comment"} - ({"Next"} if top else set())
    if top and "Next" not in rule:
        raise UnsupportedDefinition(f"{where} needs Next")
    if keys in ({"And"}, {"Or"}):
        (combinator,) = keys
        rules = rule[combinator]
        if not isinstance(rules, list) or not rules:
            raise UnsupportedDefinition(f"{where}.{combinator} must be a non-empty list")
        for index, inner in enumerate(rules):
            _check_choice_rule(inner, f"{where}.{combinator}[{index}]", top=False)
        return
    operators = keys - {"Variable"}
    if "Variable" not in keys or len(operators) != 1 or not operators <= set(_CHOICE_OPERATORS):
        raise UnsupportedDefinition(
            f"{where}: a rule is Variable + one of {sorted(_CHOICE_OPERATORS)}, or And/Or (got {sorted(keys)})"
        )
    (operator,) = operators
    if not isinstance(rule[operator], _CHOICE_OPERATORS[operator]):
        raise UnsupportedDefinition(f"{where}.{operator} has the wrong type")
    _parse_path(rule["Variable"], f"{where}.Variable")


def _check_states(machine: Mapping[str, Any], where: str) -> None:
    states = machine.get("States")
    if not isinstance(states, dict) or not states or machine.get("StartAt") not in states:
        raise UnsupportedDefinition(f"{where}: needs States and a StartAt that names one of them")
    for name, state in states.items():
        label = f"{where}.{name}"
        kind = state.get("Type") if isinstance(state, dict) else None
        if kind not in _FIELDS:
            raise UnsupportedDefinition(f"{label}: unsupported state type {kind!r}")
        allowed = _FIELDS[kind] | (
            _COMMON - ({"Next", "End"} if kind in ("Choice", "Succeed", "Fail") else set())
        )
        if set(state) - allowed:
            raise UnsupportedDefinition(f"{label}: unsupported fields {sorted(set(state) - allowed)}")
        targets: list[object] = []
        if kind in ("Pass", "Task", "Parallel"):
            if ("Next" in state) == bool(state.get("End")):
                raise UnsupportedDefinition(f"{label}: needs exactly one of Next and End: true")
            if "Next" in state:
                targets.append(state["Next"])
        for key in ("InputPath", "OutputPath"):
            if state.get(key) is not None:
                _parse_path(state[key], f"{label}.{key}")
        if state.get("ResultPath") is not None:
            _check_result_path(state["ResultPath"], f"{label}.ResultPath")
        for key in ("Parameters", "ResultSelector"):
            _check_paths(state.get(key), f"{label}.{key}")
        if kind == "Task":
            _check_task(state, label)
        if kind == "Parallel":
            branches = state.get("Branches")
            if not isinstance(branches, list) or not branches:
                raise UnsupportedDefinition(f"{label}.Branches must be a non-empty list")
            for index, branch in enumerate(branches):
                _check_states(branch, f"{label}.Branches[{index}]")
        if kind in ("Task", "Parallel"):
            _check_error_equals(state.get("Retry", []), _RETRY_FIELDS, f"{label}.Retry")
            _check_error_equals(state.get("Catch", []), _CATCH_FIELDS, f"{label}.Catch")
            targets += [catcher["Next"] for catcher in state.get("Catch", [])]
        if kind == "Choice":
            choices = state.get("Choices")
            if not isinstance(choices, list) or not choices:
                raise UnsupportedDefinition(f"{label}.Choices must be a non-empty list")
            for index, rule in enumerate(choices):
                _check_choice_rule(rule, f"{label}.Choices[{index}]", top=True)
                targets.append(rule["Next"])
            if "Default" in state:
                targets.append(state["Default"])
        for target in targets:
            if target not in states:
                raise UnsupportedDefinition(f"{label}: transition to unknown state {target!r}")


def _check_task(state: Mapping[str, Any], label: str) -> None:
    if state.get("Resource") != LAMBDA_INVOKE:
        raise UnsupportedDefinition(f"{label}: only {LAMBDA_INVOKE} tasks are supported")
    parameters = state.get("Parameters")
    if not isinstance(parameters, dict) or set(parameters) - {"FunctionName", "Payload", "Payload.$"}:
        raise UnsupportedDefinition(f"{label}.Parameters: only FunctionName and Payload are supported")
    if not isinstance(parameters.get("FunctionName"), str):
        raise UnsupportedDefinition(f"{label}.Parameters.FunctionName must be a fixed name")
    if "TimeoutSeconds" in state and "TimeoutSecondsPath" in state:
        raise UnsupportedDefinition(f"{label}: TimeoutSeconds and TimeoutSecondsPath are exclusive")
    timeout = state.get("TimeoutSeconds", 1)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 1:
        raise UnsupportedDefinition(f"{label}.TimeoutSeconds must be a positive integer")
    if "TimeoutSecondsPath" in state:
        _parse_path(state["TimeoutSecondsPath"], f"{label}.TimeoutSecondsPath")


# --- execution records -------------------------------------------------------------------------


@dataclass
class Execution:
    """One run, shaped like DescribeExecution: status RUNNING, SUCCEEDED or FAILED."""

    execution_arn: str
    name: str
    input: Any
    status: str = "RUNNING"
    output: Any = None
    error: str | None = None
    cause: str | None = None
    start_date: datetime = field(default_factory=lambda: datetime.now(UTC))
    stop_date: datetime | None = None
    done: threading.Event = field(default_factory=threading.Event, repr=False)


class ExecutionFailed(Exception):
    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


class _Context:
    """The Lambda context attributes handlers and Powertools read."""

    memory_limit_in_mb = 1024
    function_version = "$LATEST"

    def __init__(self, function_arn: str, timeout_s: float | None) -> None:
        self.invoked_function_arn = function_arn
        self.function_name = function_arn.rsplit(":", 1)[-1]
        self.aws_request_id = str(uuid.uuid4())
        self._ends = None if timeout_s is None else time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        if self._ends is None:
            return 900_000  # Lambda's longest function timeout
        return max(0, int((self._ends - time.monotonic()) * 1000))


# --- the interpreter ---------------------------------------------------------------------------


class StateMachine:
    """A parsed, checked definition with its task handlers, ready to execute."""

    def __init__(
        self,
        definition: Mapping[str, Any],
        *,
        name: str = "local",
        functions: Mapping[str, Handler] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        _check_states(definition, name)
        self.definition = definition
        self.name = name
        self.arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
        self._functions = dict(functions or {})
        self._sleep = sleep  # tests pass a recorder, so retry waits cost nothing
        self._jitter = jitter
        self._executions: dict[str, Execution] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_file(
        cls,
        path: Path,
        tasks: Mapping[str, Handler],
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> StateMachine:
        """Load ``path`` with each ``${Name}`` substitution resolved to the handler ``tasks[Name]``.

        A substitution stands for a Lambda function ARN (SAM's ``DefinitionSubstitutions``); it is
        replaced by a local ARN that names it, and a task calling that ARN runs the handler.
        """
        text = path.read_text(encoding="utf-8")
        names = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", text))
        if missing := names - set(tasks):
            raise UnsupportedDefinition(f"{path.name}: no handler for substitutions {sorted(missing)}")
        if unused := set(tasks) - names:
            raise UnsupportedDefinition(f"{path.name}: handlers for unknown substitutions {sorted(unused)}")
        functions: dict[str, Handler] = {}
        for key in names:
            arn = local_function_arn(key)
            text = text.replace("${" + key + "}", arn)
            functions[arn] = tasks[key]
        name = path.name.removesuffix(".asl.json")
        return cls(json.loads(text), name=name, functions=functions, sleep=sleep, jitter=jitter)

    # -- running --

    def execute(self, input: Any) -> Any:
        """Run to the end and return the output, or raise ``ExecutionFailed``."""
        try:
            return self._run(self.definition, _json_copy(input))
        except AslError as error:
            raise ExecutionFailed(error.error, error.cause) from None

    def start_sync(self, input: Any, name: str | None = None) -> Execution:
        """StartSyncExecution: run in this thread; the record says SUCCEEDED or FAILED."""
        execution = self._new_execution(input, name)
        self._finish(execution)
        return execution

    def _remember(self, execution: Execution) -> None:
        with self._lock:
            self._executions[execution.execution_arn] = execution
            while len(self._executions) > KEEP_EXECUTIONS:  # a long `make run` must not grow forever
                self._executions.pop(next(iter(self._executions)))

    def start(
        self, input: Any, name: str | None = None, on_done: Callable[[Execution], None] | None = None
    ) -> str:
        """StartExecution: run in a background thread and return the execution ARN at once.

        ``on_done(execution)`` is called in that thread when it ends; ``describe``/``wait`` poll.
        """
        execution = self._new_execution(input, name)
        self._remember(execution)

        def run() -> None:
            self._finish(execution)
            if on_done is not None:
                try:
                    on_done(execution)
                except Exception as exc:  # a broken callback must not hide the result
                    log.error("execution callback failed: %s", type(exc).__name__)

        threading.Thread(target=run, name=f"sfn-{execution.name}", daemon=True).start()
        return execution.execution_arn

    def describe(self, execution_arn: str) -> Execution:
        """An asynchronous execution (the latest ``KEEP_EXECUTIONS`` are kept)."""
        with self._lock:
            return self._executions[execution_arn]

    def wait(self, execution_arn: str, timeout: float) -> Execution:
        execution = self.describe(execution_arn)
        if not execution.done.wait(timeout):
            raise TimeoutError(f"execution {execution.name} still running after {timeout} s")
        return execution

    def _new_execution(self, input: Any, name: str | None) -> Execution:
        name = name or str(uuid.uuid4())
        arn = f"arn:aws:states:{REGION}:{ACCOUNT}:express:{self.name}:{name}:{uuid.uuid4()}"
        return Execution(execution_arn=arn, name=name, input=_json_copy(input))

    def _finish(self, execution: Execution) -> None:
        try:
            execution.output = self.execute(execution.input)
            execution.status = "SUCCEEDED"
        except ExecutionFailed as failed:
            execution.status, execution.error, execution.cause = "FAILED", failed.error, failed.cause
        except Exception as exc:  # a bug in the runner: the execution fails, and says so in the log
            log.error("local execution %s crashed: %s", execution.name, type(exc).__name__)
            execution.status, execution.error = "FAILED", "States.Runtime"
            execution.cause = type(exc).__name__
        finally:
            execution.stop_date = datetime.now(UTC)
            execution.done.set()

    # -- states --

    def _run(self, machine: Mapping[str, Any], data: Any) -> Any:
        states = machine["States"]
        name = machine["StartAt"]
        while True:
            state = states[name]
            kind = state["Type"]
            if kind == "Choice":
                data = self._input(state, data)
                name = self._choose(state, data)
                data = self._output(state, data)
                continue
            if kind == "Fail":
                raise AslError(state.get("Error", "States.Fail"), state.get("Cause", ""))
            if kind == "Succeed":
                return self._output(state, self._input(state, data))
            try:
                data = self._step(state, data)
            except _Runtime:
                raise
            except AslError as error:
                catcher = _first_match(state.get("Catch", []), error.error)
                if catcher is None:
                    raise
                data = _put(
                    data, catcher.get("ResultPath", "$"), {"Error": error.error, "Cause": error.cause}
                )
                name = catcher["Next"]
                continue
            if state.get("End"):
                return data
            name = state["Next"]

    def _step(self, state: Mapping[str, Any], raw: Any) -> Any:
        """Pass, Task or Parallel: input → work → ResultSelector → ResultPath → OutputPath."""
        effective = self._input(state, raw)
        if "Parameters" in state:
            effective = _template(state["Parameters"], effective)
        kind = state["Type"]
        if kind == "Pass":
            result = copy.deepcopy(state["Result"]) if "Result" in state else effective
        elif kind == "Task":
            result = self._with_retries(state, lambda: self._invoke(state, effective, raw))
        else:
            result = self._with_retries(state, lambda: self._parallel(state, effective))
        if "ResultSelector" in state:
            result = _template(state["ResultSelector"], result)
        return self._output(state, _put(raw, state.get("ResultPath", "$"), result))

    @staticmethod
    def _input(state: Mapping[str, Any], data: Any) -> Any:
        path = state.get("InputPath", "$")
        return {} if path is None else _get(data, path)

    @staticmethod
    def _output(state: Mapping[str, Any], data: Any) -> Any:
        path = state.get("OutputPath", "$")
        return {} if path is None else _get(data, path)

    @staticmethod
    def _choose(state: Mapping[str, Any], data: Any) -> str:
        for rule in state["Choices"]:
            if _holds(rule, data):
                return str(rule["Next"])
        if "Default" not in state:
            raise AslError("States.NoChoiceMatched", "No Choices matched and no Default was given")
        return str(state["Default"])

    def _with_retries(self, state: Mapping[str, Any], attempt: Callable[[], Any]) -> Any:
        retriers = state.get("Retry", [])
        attempts = [0] * len(retriers)
        while True:
            try:
                return attempt()
            except _Runtime:
                raise
            except AslError as error:
                index = next(
                    (i for i, r in enumerate(retriers) if _matches(r["ErrorEquals"], error.error)), None
                )
                if index is None:
                    raise
                retrier = retriers[index]
                if attempts[index] >= retrier.get("MaxAttempts", 3):
                    raise
                delay = retrier.get("IntervalSeconds", 1) * retrier.get("BackoffRate", 2.0) ** attempts[index]
                if "MaxDelaySeconds" in retrier:
                    delay = min(delay, retrier["MaxDelaySeconds"])
                if retrier.get("JitterStrategy") == "FULL":
                    delay *= self._jitter()
                attempts[index] += 1
                self._sleep(delay)

    def _invoke(self, state: Mapping[str, Any], parameters: Any, raw: Any) -> Any:
        """One lambda:invoke attempt: the invoke response, or AslError with the error's name."""
        function_arn = parameters["FunctionName"]
        handler = self._functions.get(function_arn)
        if handler is None:
            raise AslError("Lambda.ResourceNotFoundException", f"Function not found: {function_arn}")
        timeout = self._timeout(state, raw)
        payload = _json_copy(parameters.get("Payload", {}))
        context = _Context(function_arn, timeout)
        outcome: dict[str, Any] = {}
        finished = threading.Event()

        def run() -> None:
            try:
                result = handler(payload, context)
            except Exception as exc:
                outcome["error"] = exc
            else:
                try:
                    outcome["value"] = json.dumps(result, allow_nan=False)
                except (TypeError, ValueError):
                    outcome["error"] = AslError("Runtime.MarshalError", "The result is not JSON")
            finally:
                finished.set()

        threading.Thread(target=run, name=f"lambda-{context.function_name}", daemon=True).start()
        if not finished.wait(timeout):
            raise AslError("States.Timeout", f"Task timed out after {timeout} seconds")
        if "error" in outcome:
            raise _as_asl_error(outcome["error"])
        if "value" not in outcome:
            raise AslError("Runtime.ExitError", "The function exited without a result")
        return {"ExecutedVersion": "$LATEST", "Payload": json.loads(outcome["value"]), "StatusCode": 200}

    @staticmethod
    def _timeout(state: Mapping[str, Any], raw: Any) -> float | None:
        if "TimeoutSecondsPath" in state:
            seconds = _get(raw, state["TimeoutSecondsPath"])
            if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 1:
                raise _Runtime(f"TimeoutSecondsPath {state['TimeoutSecondsPath']} is not a positive integer")
            return float(seconds)
        if "TimeoutSeconds" in state:
            return float(state["TimeoutSeconds"])
        return None  # Step Functions' default (99999999 s): wait as long as the function runs

    def _parallel(self, state: Mapping[str, Any], data: Any) -> list[Any]:
        """Every branch in its own thread on a copy of the input; results in branch order.

        The first branch that fails uncaught fails the Parallel state; the others are abandoned
        (Step Functions stops them; here their threads run out on their own).
        """
        branches = state["Branches"]
        results: queue.Queue[tuple[int, bool, Any]] = queue.Queue()

        def run(index: int, branch: Mapping[str, Any]) -> None:
            try:
                results.put((index, True, self._run(branch, copy.deepcopy(data))))
            except BaseException as exc:
                results.put((index, False, exc))

        for index, branch in enumerate(branches):
            threading.Thread(target=run, args=(index, branch), name=f"branch-{index}", daemon=True).start()
        outputs: dict[int, Any] = {}
        while len(outputs) < len(branches):
            index, ok, value = results.get()
            if not ok:
                raise value
            outputs[index] = value
        return [outputs[i] for i in range(len(branches))]


def _as_asl_error(exc: BaseException) -> AslError:
    if isinstance(exc, AslError):
        return exc
    if isinstance(exc, LambdaError):
        return AslError(exc.error_type, json.dumps({"errorType": exc.error_type, "errorMessage": str(exc)}))
    name = type(exc).__name__
    return AslError(name, json.dumps({"errorType": name, "errorMessage": str(exc)}))


def _matches(patterns: list[str], error: str) -> bool:
    if error == "States.Runtime":
        return False
    for pattern in patterns:
        if pattern == error or pattern == "States.ALL":
            return True
        if pattern == "States.TaskFailed" and error != "States.Timeout":
            return True
    return False


def _first_match(rules: list[dict[str, Any]], error: str) -> dict[str, Any] | None:
    return next((rule for rule in rules if _matches(rule["ErrorEquals"], error)), None)


def _holds(rule: Mapping[str, Any], data: Any) -> bool:
    if "And" in rule:
        return all(_holds(inner, data) for inner in rule["And"])
    if "Or" in rule:
        return any(_holds(inner, data) for inner in rule["Or"])
    path = rule["Variable"]
    if "IsPresent" in rule:
        return _is_present(data, path) is rule["IsPresent"]
    value = _get(data, path)
    return isinstance(value, str) and value == rule["StringEquals"]


def local_function_arn(substitution: str) -> str:
    """The ARN a ``${Name}`` substitution becomes locally (the function is named after it)."""
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{substitution}"


def describe_workflow(
    describe_language: Handler,
    *,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> StateMachine:
    """The bilingual description workflow with its one task (``describe_language``'s handler)."""
    return StateMachine.from_file(
        DESCRIBE_ASL, {"DescribeLanguageFunctionArn": describe_language}, sleep=sleep, jitter=jitter
    )


# --- the boto3-shaped facade -------------------------------------------------------------------


class LocalStepFunctions:
    """The boto3 ``stepfunctions`` calls the service makes, answered by local state machines.

    Only what Express workflows offer: StartSyncExecution and StartExecution (AWS has no
    DescribeExecution for Express executions, so neither has this). Asynchronous results go to
    ``on_async_done``, the local stand-in for whatever the workflow does with them in AWS.
    """

    def __init__(
        self,
        machines: Mapping[str, StateMachine],
        on_async_done: Callable[[Execution], None] | None = None,
    ) -> None:
        self._machines = dict(machines)
        self._on_async_done = on_async_done

    def _machine(self, arn: str) -> StateMachine:
        try:
            return self._machines[arn]
        except KeyError:
            raise LookupError(f"StateMachineDoesNotExist: {arn}") from None

    def start_sync_execution(
        self, *, stateMachineArn: str, input: str = "{}", name: str | None = None, **_: Any
    ) -> dict[str, Any]:
        execution = self._machine(stateMachineArn).start_sync(json.loads(input), name)
        response: dict[str, Any] = {
            "executionArn": execution.execution_arn,
            "stateMachineArn": stateMachineArn,
            "name": execution.name,
            "startDate": execution.start_date,
            "stopDate": execution.stop_date,
            "status": execution.status,
            "input": input,
        }
        if execution.status == "SUCCEEDED":
            response["output"] = json.dumps(execution.output)
        else:
            response.update(error=execution.error, cause=execution.cause)
        return response

    def start_execution(
        self, *, stateMachineArn: str, input: str = "{}", name: str | None = None, **_: Any
    ) -> dict[str, Any]:
        machine = self._machine(stateMachineArn)
        arn = machine.start(json.loads(input), name, on_done=self._on_async_done)
        return {"executionArn": arn, "startDate": machine.describe(arn).start_date}
