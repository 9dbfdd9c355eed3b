"""The describe workflow's ASL on moto's Step Functions, and the local runner agreeing with it.

moto 5.2 parses and executes ASL when its ``stepfunctions.execute_state_machine`` option is on (set
through ``/moto-api/config`` on the local stack's server). What it cannot do, and so what these tests
leave to the local runner's tests (tests/unit/workflow):

- it has no StartSyncExecution: executions are started and their status polled;
- it never runs our task handlers. Its Lambda without Docker echoes the payload, or answers with
  results queued through ``/moto-api/static/lambda-simple/response``, always as a success: no
  function error, so no ``Describe*`` error, no throttling or service error to retry, and no
  ``TimeoutSeconds`` that ever fires (Step Functions Local's mocked test cases are disabled in moto);
- the one failure it can produce is a Lambda client error: ``Lambda.ResourceNotFoundException``
  when its regular Lambda backend does not know the function. That is the caught failure here;
- its Catch on ``States.ALL`` also catches ``States.Runtime`` (an input missing a key), which AWS never
  does: in AWS, and in the local runner, that execution fails. So that case is not compared here.
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from infra.local.stack import Stack
from infra.local.stepfunctions import (
    DESCRIBE_ASL,
    LambdaError,
    StateMachine,
    UnsupportedDefinition,
    describe_workflow,
)
from tests.support.workflow import described, failed, skipped, task_payload, workflow_input

FUNCTION_ARN = "arn:aws:lambda:{region}:123456789012:function:describe-language"
ROLE_ARN = "arn:aws:iam::123456789012:role/describe-workflow"
# moto keeps queued Lambda results per region: the test that queues them has a region of its own, so
# a result it leaves behind can never reach a test that expects the echo.
REGION = "eu-west-1"
QUEUE_REGION = "eu-central-1"
NOT_FOUND = "Lambda.ResourceNotFoundException"


def _moto_api(endpoint: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        endpoint + path,
        data=data,
        method="GET" if body is None else "POST",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        text = response.read()
    return json.loads(text) if text else None


def definition_for(region: str, text: str | None = None) -> str:
    """The ASL file with the SAM substitution filled in, as CloudFormation would."""
    text = text if text is not None else DESCRIBE_ASL.read_text(encoding="utf-8")
    return text.replace("${DescribeLanguageFunctionArn}", FUNCTION_ARN.format(region=region))


class MotoWorkflow:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def client(self, region: str) -> Any:
        import boto3

        return boto3.client(
            "stepfunctions",
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def lambda_without_docker(self, echo_or_queue: bool) -> None:
        """True: moto's Docker-less Lambda (echo / queued results); False: the regular one (no such function)."""
        _moto_api(self.endpoint, "/moto-api/config", {"lambda": {"use_docker": not echo_or_queue}})

    def queue_results(self, region: str, results: list[Any]) -> None:
        _moto_api(
            self.endpoint,
            "/moto-api/static/lambda-simple/response",
            {"results": [json.dumps(r) for r in results], "region": region},
        )

    def create(self, region: str, definition: str | None = None) -> str:
        response = self.client(region).create_state_machine(
            name=f"describe-{uuid.uuid4().hex[:8]}",
            definition=definition or definition_for(region),
            roleArn=ROLE_ARN,
            type="EXPRESS",
        )
        return str(response["stateMachineArn"])

    def run(self, region: str, execution_input: dict[str, Any]) -> dict[str, Any]:
        """Start an execution and wait for its end (moto has no StartSyncExecution)."""
        sfn = self.client(region)
        arn = self.create(region)
        started = sfn.start_execution(
            stateMachineArn=arn, name=uuid.uuid4().hex, input=json.dumps(execution_input)
        )
        give_up = time.monotonic() + 30
        while True:
            described_execution = sfn.describe_execution(executionArn=started["executionArn"])
            if described_execution["status"] != "RUNNING":
                return described_execution  # type: ignore[no-any-return]
            assert time.monotonic() < give_up, "the moto execution never finished"
            time.sleep(0.02)  # polling an execution that runs in moto's own thread


@pytest.fixture
def moto(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoWorkflow]:
    endpoint = stack.local_aws.endpoint
    # moto's ASL executor calls Lambda at localhost:$MOTO_PORT (its server runs in this process).
    monkeypatch.setenv("MOTO_PORT", str(urlsplit(endpoint).port))
    saved_lambda = _moto_api(endpoint, "/moto-api/config")["lambda"]
    _moto_api(endpoint, "/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
    try:
        yield MotoWorkflow(endpoint)
    finally:
        _moto_api(
            endpoint,
            "/moto-api/config",
            {"stepfunctions": {"execute_state_machine": False}, "lambda": saved_lambda},
        )


def local(handler: Callable[[Any, Any], Any], execution_input: dict[str, Any]) -> Any:
    """The same file on the local runner."""
    return describe_workflow(handler, sleep=lambda _s: None).execute(execution_input)


def output_of(execution: dict[str, Any]) -> Any:
    assert execution["status"] == "SUCCEEDED", execution.get("error")
    return json.loads(execution["output"])


def test_moto_accepts_the_definition_as_an_express_state_machine(moto: MotoWorkflow) -> None:
    arn = moto.create(REGION)

    described_machine = moto.client(REGION).describe_state_machine(stateMachineArn=arn)
    assert described_machine["type"] == "EXPRESS"
    assert json.loads(described_machine["definition"])["StartAt"] == "DescribeLanguages"


def test_moto_and_the_runner_refuse_a_definition_with_an_unknown_field(moto: MotoWorkflow) -> None:
    """The validation is real: moto parses the definition with the ASL grammar, and refuses fields
    it does not know (it does not check transitions; the runner does)."""
    broken = DESCRIBE_ASL.read_text(encoding="utf-8").replace(
        '"OutputPath": "$.Payload"', '"OutputPaht": "$.Payload"', 1
    )
    from botocore.exceptions import ClientError

    # moto answers with an empty error code, not InvalidDefinition; the message is its parser's.
    with pytest.raises(ClientError, match=r"ASLParserException.*OutputPaht"):
        moto.create(REGION, definition_for(REGION, broken))
    with pytest.raises(UnsupportedDefinition, match="OutputPaht"):
        StateMachine(json.loads(definition_for(REGION, broken)))


def test_both_branches_pass_their_payload_and_return_the_function_json_in_order(moto: MotoWorkflow) -> None:
    """moto's Lambda echoes the payload it was given: the output shows what each task received."""
    moto.lambda_without_docker(True)
    expected = [task_payload("en"), task_payload("es")]

    assert output_of(moto.run(REGION, workflow_input())) == expected
    assert local(lambda event, _context: event, workflow_input()) == expected


def test_a_cached_language_is_skipped_and_the_other_returns_the_function_result(moto: MotoWorkflow) -> None:
    moto.lambda_without_docker(True)
    moto.queue_results(QUEUE_REGION, [described("es")])
    expected = [skipped("en"), described("es")]

    assert output_of(moto.run(QUEUE_REGION, workflow_input(languages=["es"]))) == expected
    assert (
        local(lambda event, _context: described(event["language"]), workflow_input(languages=["es"]))
        == expected
    )


def test_nothing_to_describe_skips_both(moto: MotoWorkflow) -> None:
    moto.lambda_without_docker(False)  # a call would fail: none is made
    expected = [skipped("en"), skipped("es")]

    assert output_of(moto.run(REGION, workflow_input(languages=[]))) == expected
    assert (
        local(lambda event, _context: pytest.fail("no call expected"), workflow_input(languages=[]))
        == expected
    )


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (
            ["en", "es"],
            [failed("en", "upstream_error", NOT_FOUND), failed("es", "upstream_error", NOT_FOUND)],
        ),
        (["en"], [failed("en", "upstream_error", NOT_FOUND), skipped("es")]),
    ],
)
def test_a_failing_task_is_caught_by_its_own_branch(
    moto: MotoWorkflow, languages: list[str], expected: list[dict[str, Any]]
) -> None:
    """The function does not exist: each branch's Catch turns the error into its failed result, and
    the execution still succeeds."""
    moto.lambda_without_docker(False)

    def not_found(event: Any, _context: Any) -> Any:
        raise LambdaError(NOT_FOUND, "Function not found")

    assert output_of(moto.run(REGION, workflow_input(languages=languages))) == expected
    assert local(not_found, workflow_input(languages=languages)) == expected
