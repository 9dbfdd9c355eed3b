"""The describe_language task on the real workflow (infra/statemachines/describe.asl.json, run by the
local runner) with the fake Messages API, S3 and DynamoDB on moto: every fault of the fake ends as the
documented branch result, within the deadline, and maps to the route's error of spec §5.1."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anthropic  # noqa: F401 - imported before the timed tests: a cold import takes most of a second
import pytest
from pydantic import SecretStr

from describe_it.ai.describe_task import DescribeLanguageTask
from describe_it.ai.errors import error_for_failed_languages
from describe_it.ai.factory import provider_for
from describe_it.ai.keys import ApiKey, seal_for_workflow
from describe_it.runtime.circuit import CircuitBreaker
from describe_it.workflow.errors import DescribeTimeout
from infra.local.functions import LambdaContext, load_function
from infra.local.stack import BUCKET, Stack
from infra.local.stepfunctions import describe_workflow
from tests.integration.ai.conftest import BEACH, Waits
from tests.integration.runtime.conftest import FakeClock, stored_item
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.workflow import workflow_input

ROOT = Path(__file__).resolve().parents[3]
CALLER_KEY = "sk-ant-api03-caller-" + "k" * 40
GENERATION = "5b0f9a52-3c9e-4d7e-9a51-7f6c2f0e8d11"
FACTS = {
    "altDescription": {"en": BEACH.alt_en, "es": BEACH.alt_es},
    "description": {"en": BEACH.description_en, "es": BEACH.description_es},
    "tags": list(BEACH.tags),
    "color": BEACH.color,
    "width": BEACH.width,
    "height": BEACH.height,
}


@pytest.fixture
def image(dynamo: Stack) -> dict[str, Any]:
    """The beach drawing stored where the route puts normalised images: its ``imageRef``."""
    from describe_it.aws import client

    sha = hashlib.sha256(BEACH.data).hexdigest()
    client("s3").put_object(Bucket=BUCKET, Key=f"tmp/images/{sha}.jpg", Body=BEACH.data)
    return {
        "bucket": BUCKET,
        "key": f"tmp/images/{sha}.jpg",
        "sha256": sha,
        "mediaType": "image/jpeg",
        "facts": FACTS,
    }


@pytest.fixture
def fake(dynamo: Stack, fake_anthropic: FakeAnthropic) -> FakeAnthropic:
    """The fake, with the settings' server key and base URL pointing at it (after the stack's own)."""
    return fake_anthropic


@pytest.fixture
def circuit_clock() -> FakeClock:
    return FakeClock(float(int(time.time())))


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def task(circuit_clock: FakeClock, waits: Waits) -> DescribeLanguageTask:
    """The task with a breaker whose cool-down the test moves and retry waits recorded."""
    breaker = CircuitBreaker("anthropic", clock=circuit_clock)
    return DescribeLanguageTask(providers=lambda key: provider_for(key, circuit=breaker, sleep=waits))


@pytest.fixture
def run(image: dict[str, Any], task: DescribeLanguageTask) -> Callable[..., list[dict[str, Any]]]:
    """``run(seconds=20, **input)`` → the workflow's output: the task's handler behind the real ASL."""
    retry_waits: list[float] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return task.run(event, context.get_remaining_time_in_millis)

    def execute(seconds: float = 20, timeout_s: int | None = None, **overrides: Any) -> list[dict[str, Any]]:
        machine = describe_workflow(handler, sleep=retry_waits.append, jitter=lambda: 0.5)
        inputs = {
            "imageRef": image,
            "deadline": int((time.time() + seconds) * 1000),
            "taskTimeoutSeconds": timeout_s or max(1, int(seconds) - 2),
            "generationId": GENERATION,
            **overrides,
        }
        output: list[dict[str, Any]] = machine.execute(workflow_input(**inputs))
        return output

    return execute


def failed_names(output: list[dict[str, Any]]) -> list[str]:
    return [entry["error"] for entry in output if not entry["ok"]]


def route_status(output: list[dict[str, Any]]) -> int:
    return error_for_failed_languages(failed_names(output)).status


# --- success ----------------------------------------------------------------------------------------


def test_both_languages_are_described_by_claude_in_parallel(
    fake: FakeAnthropic, image: dict[str, Any], dynamodb: Any
) -> None:
    """Through the function's real handler, with the server's key from the settings."""
    machine = describe_workflow(load_function("describe_language").lambda_handler)
    inputs = {"imageRef": image, "deadline": int((time.time() + 20) * 1000), "generationId": GENERATION}

    english, spanish = machine.execute(workflow_input(**inputs))

    for entry, language in ((english, "en"), (spanish, "es")):
        assert entry["ok"] is True and entry["language"] == language
        assert (entry["provider"], entry["model"]) == ("anthropic", "claude-sonnet-4-6")
        assert entry["content"] == "A fake description from the test double."
        assert entry["wordCount"] == 7
        assert set(entry["usage"]) == {"inputTokens", "outputTokens"}
    systems = sorted(r.system[:20] for r in fake.requests)
    assert systems == ["Describes imágenes p", "You describe images "]  # one call per language
    assert all(r.api_key == fake.api_key and len(r.images) == 1 for r in fake.requests)
    day = time.strftime("%Y-%m-%d", time.gmtime())
    budget = stored_item(dynamodb, f"budget#{day}")
    assert budget is not None
    assert int(budget["tokens"]["N"]) == sum(
        e["usage"]["inputTokens"] + e["usage"]["outputTokens"] for e in (english, spanish)
    )


def test_a_cached_language_is_skipped_and_costs_no_call(fake: FakeAnthropic, run: Callable[..., Any]) -> None:
    english, spanish = run(languages=["es"])
    assert english == {"language": "en", "ok": True, "skipped": True}
    assert spanish["ok"] is True
    assert len(fake.requests) == 1


def test_the_callers_sealed_key_is_used_and_not_charged(
    fake: FakeAnthropic, run: Callable[..., Any], dynamodb: Any
) -> None:
    fake.api_keys.add(CALLER_KEY)
    sealed = seal_for_workflow(ApiKey(SecretStr(CALLER_KEY), "caller"), GENERATION)
    assert sealed is not None and CALLER_KEY not in sealed

    output = run(encryptedKey=sealed)

    assert [entry["ok"] for entry in output] == [True, True]
    assert {r.api_key for r in fake.requests} == {CALLER_KEY}
    assert stored_item(dynamodb, f"budget#{time.strftime('%Y-%m-%d', time.gmtime())}") is None


def test_a_sealed_key_from_another_generation_does_not_open(
    fake: FakeAnthropic, run: Callable[..., Any]
) -> None:
    sealed = seal_for_workflow(ApiKey(SecretStr(CALLER_KEY), "caller"), "another-generation")

    output = run(encryptedKey=sealed)

    assert failed_names(output) == ["DescribeUpstreamError", "DescribeUpstreamError"]
    assert fake.requests == []


def test_without_any_key_the_offline_provider_answers_locally(
    fake: FakeAnthropic, run: Callable[..., Any], settings_env: Callable[..., None]
) -> None:
    settings_env(ANTHROPIC_API_KEY=None)

    english, spanish = run(maxLength=60)

    assert (english["provider"], spanish["provider"]) == ("offline", "offline")
    assert english["content"].startswith(BEACH.alt_en)
    assert spanish["content"].startswith(BEACH.alt_es)
    assert english["wordCount"] <= 60 and spanish["wordCount"] <= 60
    assert fake.requests == []


def test_in_aws_there_is_no_offline_mode(
    fake: FakeAnthropic, run: Callable[..., Any], settings_env: Callable[..., None]
) -> None:
    # The aws stage refuses to start without its required settings (settings fail closed): give them.
    settings_env(
        ANTHROPIC_API_KEY=None,
        STAGE="aws",
        APP_BASE_URL="https://app.example.com",
        API_BASE_URL="https://api.example.com",
        JWT_ISSUER="https://app.example.com",
    )

    output = run()

    assert [(e["reason"], e["error"]) for e in output] == [("upstream_error", "DescribeUnavailable")] * 2
    assert route_status(output) == 503


# --- every fault of the fake --------------------------------------------------------------------------


def test_a_rejected_caller_key_fails_both_and_is_neutral_for_the_circuit(
    fake: FakeAnthropic, run: Callable[..., Any], dynamodb: Any
) -> None:
    sealed = seal_for_workflow(
        ApiKey(SecretStr(CALLER_KEY), "caller"), GENERATION
    )  # the fake knows no such key

    output = run(encryptedKey=sealed)

    assert failed_names(output) == ["DescribeKeyRejected", "DescribeKeyRejected"]
    assert route_status(output) == 400
    assert len(fake.requests) == 2  # never retried
    circuit = stored_item(dynamodb, "circuit#anthropic")
    assert circuit is None or int(circuit.get("calls", {"N": "0"})["N"]) == 0  # not counted


def test_a_spend_limit_is_never_retried(fake: FakeAnthropic, run: Callable[..., Any], waits: Waits) -> None:
    fake.default = Reply.spend_limit()

    output = run()

    assert [(e["reason"], e["error"]) for e in output] == [
        ("budget_exhausted", "DescribeBudgetExhausted")
    ] * 2
    assert len(fake.requests) == 2 and waits == []
    assert route_status(output) == 503


def test_a_429_with_a_short_retry_after_is_retried_within_the_deadline(
    fake: FakeAnthropic, run: Callable[..., Any], waits: Waits
) -> None:
    # One branch: the fake answers in order of arrival, and two branches' retries would race for it.
    fake.enqueue(Reply.rate_limited(retry_after=1))

    output = run(seconds=20, languages=["es"])

    assert [entry["ok"] for entry in output] == [True, True]  # English skipped, Spanish described
    assert len(fake.requests) == 2 and waits == [1.0]


def test_a_429_without_retry_after_is_rate_limited(fake: FakeAnthropic, run: Callable[..., Any]) -> None:
    fake.default = Reply.rate_limited()

    output = run()

    assert [(e["reason"], e["error"]) for e in output] == [("rate_limited", "DescribeRateLimited")] * 2
    assert len(fake.requests) == 2
    assert route_status(output) == 503


def test_an_overloaded_provider_is_retried_once_then_503(
    fake: FakeAnthropic, run: Callable[..., Any], waits: Waits
) -> None:
    fake.default = Reply.overloaded()

    output = run(seconds=20)

    assert [(e["reason"], e["error"]) for e in output] == [("upstream_error", "DescribeOverloaded")] * 2
    assert len(fake.requests) == 4
    assert len(waits) == 2 and all(0.5 <= wait <= 1.0 for wait in waits)  # jittered backoff
    assert route_status(output) == 503


def test_a_server_error_is_retried_once_then_502(fake: FakeAnthropic, run: Callable[..., Any]) -> None:
    fake.default = Reply.server_error()

    output = run(seconds=20)

    assert failed_names(output) == ["DescribeUpstreamError", "DescribeUpstreamError"]
    assert len(fake.requests) == 4
    assert route_status(output) == 502


def test_a_short_deadline_leaves_no_retry(fake: FakeAnthropic, run: Callable[..., Any], waits: Waits) -> None:
    fake.default = Reply.server_error()
    run(seconds=8, timeout_s=6)
    assert len(fake.requests) == 2 and waits == []


def test_a_refusal_is_content_refused(fake: FakeAnthropic, run: Callable[..., Any]) -> None:
    fake.default = Reply.refusal()
    output = run()
    assert [(e["reason"], e["error"]) for e in output] == [("content_refused", "DescribeContentRefused")] * 2
    assert route_status(output) == 502


def test_a_hang_becomes_a_timeout_before_the_deadline(fake: FakeAnthropic, run: Callable[..., Any]) -> None:
    fake.default = Reply.hanging()

    output = run(seconds=4, timeout_s=4)  # each call gets what is left minus 1.5 s

    # DescribeTimeout, not States.Timeout: the function gave up and answered before its hard stop.
    assert [(e["reason"], e["error"]) for e in output] == [("timeout", "DescribeTimeout")] * 2
    assert route_status(output) == 504
    assert len(fake.requests) == 2


def test_the_task_answers_before_the_workflows_hard_stop(
    fake: FakeAnthropic, run: Callable[..., Any]
) -> None:
    """With a far deadline, an attempt is bounded by the function's own remaining time (the
    workflow's taskTimeoutSeconds): the call gives up first and the branch says DescribeTimeout, so
    the workflow never has to abandon a running function (States.Timeout) and start a second one."""
    fake.default = Reply.hanging()

    output = run(seconds=20, timeout_s=4)

    assert failed_names(output) == ["DescribeTimeout", "DescribeTimeout"]  # not States.Timeout
    assert len(fake.requests) == 2  # one attempt each: less than 10 s of the attempt was left


def test_an_execution_that_starts_after_its_deadline_makes_no_call(
    fake: FakeAnthropic, run: Callable[..., Any]
) -> None:
    output = run(seconds=-1, timeout_s=5)
    assert failed_names(output) == ["DescribeTimeout", "DescribeTimeout"]
    assert fake.requests == []


# --- the circuit, shared through DynamoDB, across executions -------------------------------------------


def test_the_circuit_opens_after_the_threshold_and_closes_after_the_cool_down(
    fake: FakeAnthropic, run: Callable[..., Any], circuit_clock: FakeClock
) -> None:
    fake.default = Reply.server_error()
    for _ in range(5):  # 5 executions × 2 languages = 10 failures (8 s: no retries)
        assert failed_names(run(seconds=8, timeout_s=6)) == ["DescribeUpstreamError"] * 2
    assert len(fake.requests) == 10

    output = run()
    assert [(e["reason"], e["error"]) for e in output] == [("circuit_open", "DescribeCircuitOpen")] * 2
    assert len(fake.requests) == 10  # no call went out
    assert route_status(output) == 503

    fake.default = None
    circuit_clock.advance(30)
    assert [e["ok"] for e in run(languages=["es"])] == [True, True]  # the half-open trial succeeds
    assert [e["ok"] for e in run()] == [True, True]  # closed again
    assert len(fake.requests) == 13


# --- the task's own checks ----------------------------------------------------------------------------


def test_a_missing_image_is_a_dependency_failure(
    fake: FakeAnthropic, run: Callable[..., Any], image: Any
) -> None:
    output = run(imageRef={**image, "key": "tmp/images/missing.jpg"})
    assert failed_names(output) == ["DescribeUnavailable", "DescribeUnavailable"]


def test_an_image_that_does_not_match_its_hash_is_refused(
    fake: FakeAnthropic, run: Callable[..., Any], image: Any
) -> None:
    output = run(imageRef={**image, "sha256": "0" * 64})
    assert failed_names(output) == ["DescribeUpstreamError", "DescribeUpstreamError"]
    assert fake.requests == []


def test_an_invalid_input_is_refused_without_a_call(
    fake: FakeAnthropic, run: Callable[..., Any], image: Any
) -> None:
    output = run(imageRef={**image, "key": "exports/someone-elses.csv"}, maxLength=5000)
    assert failed_names(output) == ["DescribeUpstreamError", "DescribeUpstreamError"]
    assert fake.requests == []


# --- the sample events ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", sorted((ROOT / "events/describe_language").glob("*.json")), ids=lambda p: p.stem
)
def test_sample_event_through_the_handler(
    path: Path, image: dict[str, Any], settings_env: Callable[..., None]
) -> None:
    """Offline (no key): what `make invoke FUNCTION=describe_language` answers with the demo image stored."""
    settings_env(ANTHROPIC_API_KEY=None)
    event = json.loads(path.read_text())
    assert event["imageRef"]["key"] == image["key"]  # the events name the beach drawing
    handler = load_function("describe_language").lambda_handler

    if "deadline_passed" in path.stem:
        with pytest.raises(DescribeTimeout):
            handler(event, LambdaContext())
        return
    result = handler(event, LambdaContext())
    assert result["ok"] is True and result["provider"] == "offline"
    assert result["language"] == event["language"]
    assert 0 < result["wordCount"] <= event["maxLength"]
