"""The fake Messages API, driven by the real ``anthropic`` SDK: every fault mode gives the SDK
exception the provider will have to handle, and every request is recorded as the SDK sent it."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anthropic
import pydantic
import pytest

from tests.support.fake_anthropic import API_VERSIONS, DEFAULT_TEXT, FakeAnthropic, Reply

ROOT = Path(__file__).resolve().parents[3]
MODEL = "claude-sonnet-4-6"  # a current model: a deprecated one makes the SDK warn
# The first bytes of a JPEG: the fake checks that the data is base64, not that it is a picture.
IMAGE = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 64).decode()
SCHEMA = {
    "type": "object",
    "properties": {"description": {"type": "string"}, "wordCount": {"type": "integer"}},
    "required": ["description", "wordCount"],
    "additionalProperties": False,
}


class Description(pydantic.BaseModel):
    description: str
    wordCount: int  # the JSON field name


def client(
    fake: FakeAnthropic, *, max_retries: int = 0, timeout: float = 5.0, api_key: str | None = None
) -> Any:
    return anthropic.Anthropic(
        api_key=api_key or fake.api_key, base_url=fake.base_url, max_retries=max_retries, timeout=timeout
    )


def describe(sdk: Any, **extra: Any) -> Any:
    """One image description call, shaped like the provider's."""
    return sdk.messages.create(
        model=MODEL,
        max_tokens=950,
        system="Describe the image in Spanish, in plain prose.",
        messages=[
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/jpeg", "data": IMAGE},
                    },
                    {"type": "text", "text": "Describe this image in about 300 words."},
                ],
            }
        ],
        **extra,
    )


# --- answers and records ---


def test_a_text_answer_arrives_as_a_message_with_usage(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.message("Una bicicleta roja.", input_tokens=1700, output_tokens=9))

    message = describe(client(fake_anthropic))

    assert message.content[0].text == "Una bicicleta roja."
    assert message.model == MODEL
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (1700, 9)


def test_the_request_is_recorded_as_the_sdk_sent_it(fake_anthropic: FakeAnthropic) -> None:
    describe(client(fake_anthropic), output_config={"format": {"type": "json_schema", "schema": SCHEMA}})

    (request,) = fake_anthropic.requests
    assert (request.method, request.path, request.problems) == ("POST", "/v1/messages", ())
    # anthropic 2.14 sends the key as a bearer token and its own API version date.
    assert request.headers["authorization"] == f"Bearer {fake_anthropic.api_key}"
    assert request.api_key == fake_anthropic.api_key
    assert request.headers["anthropic-version"] == anthropic._constants.ANTHROPIC_API_VERSION
    assert request.headers["anthropic-version"] in API_VERSIONS
    assert (request.model, request.max_tokens) == (MODEL, 950)
    assert request.system == "Describe the image in Spanish, in plain prose."
    assert request.images == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": IMAGE}}
    ]
    assert request.texts == ["Describe this image in about 300 words."]
    assert request.schema == SCHEMA
    assert request.retry_count == 0


def test_an_image_by_url_is_accepted_and_recorded(fake_anthropic: FakeAnthropic) -> None:
    client(fake_anthropic).messages.create(
        model=MODEL,
        max_tokens=100,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "image", "source": {"type": "url", "url": "https://images.example.com/a.jpg"}},
                    {"type": "text", "text": "Describe."},
                ],
            }
        ],
    )

    assert fake_anthropic.requests[0].images[0]["source"] == {
        "type": "url",
        "url": "https://images.example.com/a.jpg",
    }


def test_json_answers_through_structured_outputs_and_parse(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.json({"description": "Un gato.", "wordCount": 2}))

    message = client(fake_anthropic).messages.parse(
        model=MODEL,
        max_tokens=200,
        messages=[{"role": "user", "content": "Describe."}],
        output_format=Description,
    )

    assert message.parsed_output == Description(description="Un gato.", wordCount=2)
    schema = fake_anthropic.requests[0].schema
    assert schema["type"] == "object" and set(schema["required"]) == {"description", "wordCount"}


def test_the_default_answer_fits_the_requested_schema(fake_anthropic: FakeAnthropic) -> None:
    message = client(fake_anthropic).messages.parse(
        model=MODEL,
        max_tokens=200,
        messages=[{"role": "user", "content": "Describe."}],
        output_format=Description,
    )

    assert isinstance(message.parsed_output, Description)


def test_the_default_answer_without_a_schema_is_a_fixed_text(fake_anthropic: FakeAnthropic) -> None:
    assert describe(client(fake_anthropic)).content[0].text == DEFAULT_TEXT


def test_a_default_reply_answers_every_call_when_the_queue_is_empty(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.default = Reply.server_error()
    fake_anthropic.enqueue(Reply.message("first"))
    sdk = client(fake_anthropic)

    assert describe(sdk).content[0].text == "first"
    for _ in range(2):
        with pytest.raises(anthropic.InternalServerError):
            describe(sdk)


def test_a_refusal_has_no_text_and_says_so(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.refusal())

    message = describe(client(fake_anthropic))

    assert message.stop_reason == "refusal"
    assert message.content == []


# --- output that cannot be trusted ---


def test_malformed_output_fails_parse_and_is_not_json(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.malformed(), Reply.malformed())
    sdk = client(fake_anthropic)

    with pytest.raises(pydantic.ValidationError):
        sdk.messages.parse(
            model=MODEL,
            max_tokens=200,
            messages=[{"role": "user", "content": "x"}],
            output_format=Description,
        )
    text = describe(sdk, output_config={"format": {"type": "json_schema", "schema": SCHEMA}}).content[0].text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_schema_violating_output_fails_parse(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.schema_violating())

    with pytest.raises(pydantic.ValidationError):
        client(fake_anthropic).messages.parse(
            model=MODEL,
            max_tokens=200,
            messages=[{"role": "user", "content": "x"}],
            output_format=Description,
        )


# --- faults: each one the SDK exception the provider will see ---


def test_429_with_retry_after(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.rate_limited(retry_after=2))

    with pytest.raises(anthropic.RateLimitError) as raised:
        describe(client(fake_anthropic))

    assert raised.value.status_code == 429
    assert raised.value.response.headers["retry-after"] == "2"
    assert raised.value.type == "rate_limit_error"


def test_429_without_retry_after(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.rate_limited())

    with pytest.raises(anthropic.RateLimitError) as raised:
        describe(client(fake_anthropic))

    assert "retry-after" not in raised.value.response.headers
    assert raised.value.error_code is None


def test_429_spend_limit_is_told_apart_by_its_error_code(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.spend_limit())

    with pytest.raises(anthropic.RateLimitError) as raised:
        describe(client(fake_anthropic))

    assert raised.value.error_code == "enforced_spend_limit_reached"
    assert type(raised.value).__name__ == "EnforcedSpendLimitReachedError"
    assert "retry-after" not in raised.value.response.headers


def test_the_sdk_retries_a_spend_limit_429_like_any_429(fake_anthropic: FakeAnthropic) -> None:
    """What the Claude provider must know: the SDK decides on the status alone, so a spend-limit 429
    is retried too; the provider has to stop that itself (spec §1.9: never retried)."""
    fake_anthropic.enqueue(Reply.spend_limit(), Reply.message("after the retry"))

    message = describe(client(fake_anthropic, max_retries=1))

    assert message.content[0].text == "after the retry"
    assert [r.retry_count for r in fake_anthropic.requests] == [0, 1]


def test_529_overloaded(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.overloaded())

    with pytest.raises(anthropic.APIStatusError) as raised:
        describe(client(fake_anthropic))

    assert raised.value.status_code == 529
    assert isinstance(raised.value, anthropic.InternalServerError)
    assert raised.value.type == "overloaded_error"


def test_500(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.server_error())

    with pytest.raises(anthropic.InternalServerError) as raised:
        describe(client(fake_anthropic))
    assert raised.value.status_code == 500


def test_401_when_told_to_and_for_a_key_it_does_not_know(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.invalid_key())

    with pytest.raises(anthropic.AuthenticationError):
        describe(client(fake_anthropic))
    with pytest.raises(anthropic.AuthenticationError):
        describe(client(fake_anthropic, api_key="sk-ant-api03-someone-elses-key"))
    assert fake_anthropic.requests[1].problems == ("API key: missing or not accepted",)


def test_a_hang_past_the_client_timeout(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.hanging())

    with pytest.raises(anthropic.APITimeoutError):
        describe(client(fake_anthropic, timeout=0.3))


def test_latency_is_added_before_the_answer(fake_anthropic: FakeAnthropic) -> None:
    """A delay longer than the client's timeout times out; the same reply with time to spare does not."""
    fake_anthropic.enqueue(Reply.message("slow").after(0.5), Reply.message("slow").after(0.5))

    with pytest.raises(anthropic.APITimeoutError):
        describe(client(fake_anthropic, timeout=0.1))
    assert describe(client(fake_anthropic, timeout=10)).content[0].text == "slow"


# --- retries ---


def test_max_retries_is_honoured(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.overloaded(), Reply.message("second try"))

    assert describe(client(fake_anthropic, max_retries=1)).content[0].text == "second try"
    assert [r.retry_count for r in fake_anthropic.requests] == [0, 1]


def test_no_retry_with_max_retries_zero(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.enqueue(Reply.overloaded(), Reply.message("never asked for"))

    with pytest.raises(anthropic.APIStatusError):
        describe(client(fake_anthropic, max_retries=0))
    assert len(fake_anthropic.requests) == 1


def test_retry_after_is_what_the_sdk_waits_for(fake_anthropic: FakeAnthropic) -> None:
    """The SDK's retry after a 429 with retry-after happens (the wait itself is the SDK's business)."""
    fake_anthropic.enqueue(Reply.rate_limited(retry_after=0.01), Reply.message("ok"))

    assert describe(client(fake_anthropic, max_retries=2)).content[0].text == "ok"
    assert len(fake_anthropic.requests) == 2


# --- shape checks ---


def test_a_malformed_request_gets_a_400_naming_the_problem(fake_anthropic: FakeAnthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as raised:
        client(fake_anthropic).messages.create(
            model=MODEL,
            max_tokens=100,
            messages=[
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/tiff", "data": IMAGE},
                        }
                    ],
                }
            ],
            output_config={"format": {"type": "json_object"}},  # type: ignore[typeddict-item]
        )

    (request,) = fake_anthropic.requests
    assert any("media_type" in p for p in request.problems)
    assert any("json_schema" in p for p in request.problems)
    assert "media_type" in (raised.value.api_message or "")


def test_the_classic_x_api_key_form_is_accepted_too(fake_anthropic: FakeAnthropic) -> None:
    """What curl, older SDKs and the key check of /api/settings/apikeys/validate send."""
    import httpx

    body = {"model": MODEL, "max_tokens": 10, "messages": [{"role": "user", "content": "Hola"}]}
    headers = {"x-api-key": fake_anthropic.api_key, "anthropic-version": "2023-06-01"}

    response = httpx.post(f"{fake_anthropic.base_url}/v1/messages", json=body, headers=headers, timeout=5)
    missing_version = httpx.post(
        f"{fake_anthropic.base_url}/v1/messages",
        json=body,
        headers={"x-api-key": fake_anthropic.api_key},
        timeout=5,
    )

    assert response.status_code == 200 and response.json()["content"][0]["text"] == DEFAULT_TEXT
    assert missing_version.status_code == 400
    assert missing_version.json()["error"]["type"] == "invalid_request_error"


def test_another_path_is_404(fake_anthropic: FakeAnthropic) -> None:
    with pytest.raises(anthropic.NotFoundError):
        client(fake_anthropic).models.list()


# --- serving ---


def test_concurrent_calls_are_served_at_the_same_time(fake_anthropic: FakeAnthropic) -> None:
    """Every answer waits until all calls have arrived: only a server that handles them in parallel
    can answer them (a serial one would break the barrier and answer 500s)."""
    calls = 8
    arrived = threading.Barrier(calls, timeout=10)
    fake_anthropic.default = Reply.message("together", before=arrived.wait)
    sdk = client(fake_anthropic, timeout=20)

    with ThreadPoolExecutor(calls) as pool:
        texts = list(pool.map(lambda _i: describe(sdk).content[0].text, range(calls)))

    assert texts == ["together"] * calls
    assert len(fake_anthropic.requests) == calls


def test_the_fixture_points_the_settings_at_the_fake(fake_anthropic: FakeAnthropic) -> None:
    from describe_it.settings import get_settings

    settings = get_settings()
    assert settings.anthropic_base_url == fake_anthropic.base_url
    assert settings.anthropic_api_key is not None
    assert settings.anthropic_api_key.get_secret_value() == fake_anthropic.api_key
    assert fake_anthropic.base_url.startswith("http://127.0.0.1:")  # loopback only


def test_the_fake_is_importable_without_pytest() -> None:
    """The benchmarks run it outside pytest."""
    probe = "import sys, tests.support.fake_anthropic; assert 'pytest' not in sys.modules"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
