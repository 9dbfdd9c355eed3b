"""The Claude provider against the fake Messages API (the real SDK underneath) and the real state
table: what it sends, what it returns, and every fault mode with the retries, circuit outcomes and
budget charges of spec §1.9."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import Field, SecretStr

from describe_it.ai import prompts
from describe_it.ai.budget import DailyTokenBudget
from describe_it.ai.claude import ClaudeProvider
from describe_it.ai.errors import (
    CircuitOpen,
    ContentRefused,
    KeyRejected,
    ProviderFailure,
    ProviderOutputInvalid,
    ProviderOverloaded,
    ProviderRateLimited,
    ProviderTimeout,
    SpendLimitReached,
)
from describe_it.ai.keys import ApiKey
from describe_it.ai.provider import Deadline, JsonRequest
from describe_it.ai.usage import input_token_bound
from describe_it.models import ApiModel
from describe_it.runtime.circuit import CircuitBreaker
from tests.integration.ai.conftest import BEACH, MODEL, Waits, beach_request, deadline
from tests.integration.runtime.conftest import FakeClock, stored_item
from tests.support.fake_anthropic import FakeAnthropic, Reply

MakeProvider = Callable[..., ClaudeProvider]
SENTENCES = " ".join(f"Frase número {i} de la descripción." for i in range(1, 60))  # 5 words each


class Quiz(ApiModel):
    question: str = Field(min_length=5)
    answer: str
    difficulty: int = Field(ge=1, le=3)


def quiz_request() -> JsonRequest[Quiz]:
    return JsonRequest(
        task="qa", system="Write one question.", prompt="Un gato negro.", output=Quiz, max_tokens=300
    )


def budget_tokens(dynamodb: Any) -> int | None:
    from datetime import UTC, datetime

    item = stored_item(dynamodb, f"budget#{datetime.now(UTC):%Y-%m-%d}")
    return None if item is None else int(item["tokens"]["N"])


# --- what is sent and what comes back ---------------------------------------------------------------


def test_a_description_request_as_sent(fake_anthropic: FakeAnthropic, make_provider: MakeProvider) -> None:
    custom = "Céntrate en los colores."
    make_provider().describe_image(
        beach_request("es", "poetico", max_length=200, custom_prompt=custom), deadline(20)
    )

    (sent,) = fake_anthropic.requests
    assert sent.problems == ()
    assert (sent.model, sent.max_tokens) == (MODEL, prompts.max_tokens_for(200)) == (MODEL, 700)
    assert sent.images == [
        {
            "type": "image",
            "source": {
                "type": "base64",
                "media_type": "image/jpeg",
                "data": base64.b64encode(BEACH.data).decode(),
            },
        }
    ]
    assert sent.texts == ["Describe esta imagen en español, en unas 200 palabras."]
    assert sent.schema is None  # prose, not JSON
    style = prompts.style_rules("es", "poetico")
    assert sent.system.index(style) < sent.system.index(custom)  # preferences after the style rules
    assert (
        "<preferencias_del_estudiante>\nCéntrate en los colores.\n</preferencias_del_estudiante>"
        in sent.system
    )
    assert sent.api_key == fake_anthropic.api_key
    assert sent.retry_count == 0


def test_the_answer_is_plain_prose_cut_to_max_length(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider
) -> None:
    fake_anthropic.enqueue(Reply.message("**Una playa.** " + SENTENCES, input_tokens=1700, output_tokens=300))

    described = make_provider().describe_image(beach_request(max_length=50), deadline(20))

    assert described.content.startswith("Una playa. Frase número 1 de la descripción.")
    assert described.content.endswith("Frase número 9 de la descripción.")  # 2 + 9 × 5 = 47 words
    assert (described.word_count, described.truncated) == (47, True)
    assert (described.provider, described.model, described.language) == ("anthropic", MODEL, "es")
    assert described.usage.to_json() == {"inputTokens": 1700, "outputTokens": 300}


def test_json_goes_through_a_schema_and_is_validated_with_the_model(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider
) -> None:
    fake_anthropic.enqueue(
        Reply.json({"question": "¿De qué color es el gato?", "answer": "Negro", "difficulty": 1})
    )

    answer = make_provider().generate_json(quiz_request(), deadline(20))

    assert answer.value == Quiz(question="¿De qué color es el gato?", answer="Negro", difficulty=1)
    (sent,) = fake_anthropic.requests
    assert sent.schema["type"] == "object"
    assert set(sent.schema["required"]) == {"question", "answer", "difficulty"}
    assert sent.max_tokens == 300 and sent.images == []


@pytest.mark.parametrize(
    "reply",
    [
        Reply.malformed(),
        Reply.schema_violating(),
        # Fits the schema the API enforces, breaks the model's own rule (difficulty 1–3).
        Reply.json({"question": "¿De qué color?", "answer": "Negro", "difficulty": 7}),
    ],
    ids=["malformed", "schema-violating", "constraint-violating"],
)
def test_an_unusable_json_answer_is_an_upstream_error_and_its_tokens_are_charged(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider, dynamodb: Any, reply: Reply
) -> None:
    fake_anthropic.enqueue(reply)

    with pytest.raises(ProviderOutputInvalid) as raised:
        make_provider().generate_json(quiz_request(), deadline(20))

    assert raised.value.status == 502
    assert len(fake_anthropic.requests) == 1  # not retried: the model answered
    assert budget_tokens(dynamodb) and budget_tokens(dynamodb) > 0  # the answer was billed


def test_a_refusal_is_content_refused(fake_anthropic: FakeAnthropic, make_provider: MakeProvider) -> None:
    fake_anthropic.enqueue(Reply.refusal())
    with pytest.raises(ContentRefused) as raised:
        make_provider().describe_image(beach_request(), deadline(20))
    assert raised.value.task_error.__name__ == "DescribeContentRefused"


def test_an_empty_answer_is_unusable(fake_anthropic: FakeAnthropic, make_provider: MakeProvider) -> None:
    fake_anthropic.enqueue(Reply.message("  ** ##  "))
    with pytest.raises(ProviderOutputInvalid):
        make_provider().describe_image(beach_request(), deadline(20))


# --- faults: retries within the deadline -------------------------------------------------------------


def test_a_429_with_a_short_retry_after_is_retried_once_after_waiting_it(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider, waits: Waits
) -> None:
    fake_anthropic.enqueue(Reply.rate_limited(retry_after=2), Reply.message("Una playa tranquila."))

    described = make_provider().describe_image(beach_request(), deadline(20))

    assert described.content == "Una playa tranquila."
    assert len(fake_anthropic.requests) == 2
    assert [r.retry_count for r in fake_anthropic.requests] == [0, 0]  # our retry; the SDK's is off
    assert waits == [2.0]


@pytest.mark.parametrize("retry_after", [None, 5], ids=["no-retry-after", "retry-after-5s"])
def test_a_429_without_a_short_retry_after_is_not_retried(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider, waits: Waits, retry_after: float | None
) -> None:
    fake_anthropic.enqueue(Reply.rate_limited(retry_after=retry_after), Reply.message("never asked"))

    with pytest.raises(ProviderRateLimited) as raised:
        make_provider().describe_image(beach_request(), deadline(20))

    assert len(fake_anthropic.requests) == 1 and waits == []
    assert raised.value.status == 503
    assert raised.value.headers["Retry-After"] == str(retry_after or 5)


def test_a_spend_limit_429_is_never_retried(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider, waits: Waits
) -> None:
    fake_anthropic.enqueue(Reply.spend_limit(), Reply.message("never asked"))

    with pytest.raises(SpendLimitReached) as raised:
        make_provider(source="caller").describe_image(beach_request(), deadline(20))

    assert len(fake_anthropic.requests) == 1 and waits == []
    assert raised.value.status == 503
    assert raised.value.task_error.__name__ == "DescribeBudgetExhausted"


@pytest.mark.parametrize(
    ("fault", "error"),
    [(Reply.overloaded(), ProviderOverloaded), (Reply.server_error(), ProviderFailure)],
    ids=["529", "500"],
)
def test_529_and_5xx_are_retried_once_then_fail(
    fake_anthropic: FakeAnthropic,
    make_provider: MakeProvider,
    waits: Waits,
    fault: Reply,
    error: type[Exception],
) -> None:
    fake_anthropic.default = fault

    with pytest.raises(error):
        make_provider().describe_image(beach_request(), deadline(20))

    assert len(fake_anthropic.requests) == 2
    assert waits == [0.75]  # 0.5–1 s of jitter (0.5 here)


def test_a_529_then_an_answer_succeeds(fake_anthropic: FakeAnthropic, make_provider: MakeProvider) -> None:
    fake_anthropic.enqueue(Reply.overloaded(retry_after=1), Reply.message("Bien."))
    assert make_provider().describe_image(beach_request(), deadline(20)).content == "Bien."


def test_no_retry_when_less_than_ten_seconds_remain(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider, waits: Waits
) -> None:
    fake_anthropic.enqueue(Reply.overloaded(), Reply.message("never asked"))
    with pytest.raises(ProviderOverloaded):
        make_provider().describe_image(beach_request(), deadline(9))
    assert len(fake_anthropic.requests) == 1 and waits == []


def test_a_hang_ends_as_a_timeout_measured_after_the_circuit_and_budget_round_trips(
    fake_anthropic: FakeAnthropic, dynamo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The call's timeout is what is left of the deadline *when the call goes out*, minus 1.5 s:
    here the breaker's DynamoDB round trip takes 0.5 s of the 2.5 s left, so the call gets 0.5 s."""
    import describe_it.ai.claude as claude

    clock = FakeClock(997.5)  # the service's clock: the deadline is at 1,000

    class SlowCircuit(CircuitBreaker):
        def before_call(self) -> None:
            super().before_call()
            clock.advance(0.5)

    timeouts: list[float] = []
    real_client = claude._new_client

    def spied(api_key: str, base_url: str) -> Any:
        client = real_client(api_key, base_url)
        create = client.messages.create

        def recorded(**kwargs: Any) -> Any:
            timeouts.append(kwargs["timeout"])
            return create(**kwargs)

        monkeypatch.setattr(client.messages, "create", recorded)
        return client

    monkeypatch.setattr(claude, "_new_client", spied)
    fake_anthropic.enqueue(Reply.hanging())
    provider = ClaudeProvider(
        ApiKey(SecretStr(fake_anthropic.api_key), "caller"),
        model=MODEL,
        base_url=fake_anthropic.base_url,
        circuit=SlowCircuit("anthropic"),
        budget=DailyTokenBudget(10**9),
    )

    with pytest.raises(ProviderTimeout) as raised:
        provider.describe_image(beach_request(), Deadline(1_000.0, clock))

    assert raised.value.status == 504
    assert timeouts == [pytest.approx(0.5)]
    assert len(fake_anthropic.requests) == 1


def test_no_call_is_made_once_the_deadline_leaves_no_time(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider
) -> None:
    with pytest.raises(ProviderTimeout):
        make_provider().describe_image(beach_request(), deadline(1.0))
    assert fake_anthropic.requests == []


def test_a_rejected_caller_key_is_a_400_on_user_api_key(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider
) -> None:
    with pytest.raises(KeyRejected) as raised:
        make_provider(source="caller", key="sk-ant-api03-" + "x" * 40).describe_image(
            beach_request(), deadline(20)
        )

    assert raised.value.status == 400
    assert [d.code for d in raised.value.details] == ["api_key_rejected"]
    assert [d.field for d in raised.value.details] == ["userApiKey"]
    assert len(fake_anthropic.requests) == 1


def test_a_rejected_server_key_is_our_problem_not_the_callers(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider
) -> None:
    fake_anthropic.enqueue(Reply.invalid_key())
    with pytest.raises(ProviderFailure) as raised:
        make_provider().describe_image(beach_request(), deadline(20))
    assert raised.value.status == 502


def test_a_request_the_api_refuses_is_not_retried(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider
) -> None:
    request = beach_request()
    bad = type(request)(
        image=type(request.image)(request.image.data, "image/tiff"),
        language="en",
        style="tecnico",
        max_length=100,
    )
    with pytest.raises(ProviderFailure):
        make_provider().describe_image(bad, deadline(20))
    assert len(fake_anthropic.requests) == 1
    assert any("media_type" in p for p in fake_anthropic.requests[0].problems)


# --- the shared circuit breaker ----------------------------------------------------------------------


def fail_ten_times(provider: ClaudeProvider, fake: FakeAnthropic) -> None:
    fake.default = Reply.server_error()
    for _ in range(10):
        with pytest.raises(ProviderFailure):
            provider.describe_image(beach_request(), deadline(5))  # < 10 s: one attempt each


def test_the_circuit_opens_after_ten_provider_failures_and_then_no_call_goes_out(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider
) -> None:
    provider = make_provider()
    fail_ten_times(provider, fake_anthropic)
    sent = len(fake_anthropic.requests)

    with pytest.raises(CircuitOpen) as raised:
        make_provider().describe_image(beach_request(), deadline(20))

    assert len(fake_anthropic.requests) == sent == 10
    assert raised.value.status == 503
    assert raised.value.headers["Retry-After"] == "30"
    assert raised.value.task_error.__name__ == "DescribeCircuitOpen"


def test_after_the_cool_down_one_good_trial_closes_it(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider, circuit_clock: FakeClock
) -> None:
    fail_ten_times(make_provider(), fake_anthropic)
    fake_anthropic.default = None
    circuit_clock.advance(30)

    assert make_provider().describe_image(beach_request(), deadline(20)).content
    for _ in range(3):  # closed: calls go out again
        make_provider().describe_image(beach_request(), deadline(20))


@pytest.mark.parametrize(
    "neutral",
    [Reply.invalid_key(), Reply.rate_limited(), Reply.spend_limit()],
    ids=["401-caller-key", "429", "spend-limit"],
)
def test_rejected_keys_and_rate_limits_never_open_it(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider, neutral: Reply
) -> None:
    fake_anthropic.default = neutral
    provider = make_provider(source="caller")
    for _ in range(12):
        with pytest.raises((KeyRejected, ProviderRateLimited, SpendLimitReached)):
            provider.describe_image(beach_request(), deadline(5))
    fake_anthropic.default = None
    assert provider.describe_image(beach_request(), deadline(5)).content  # still closed


def test_a_half_open_trial_with_a_rejected_key_releases_the_trial(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider, circuit_clock: FakeClock
) -> None:
    fail_ten_times(make_provider(), fake_anthropic)
    circuit_clock.advance(30)
    fake_anthropic.default = None

    with pytest.raises(KeyRejected):  # the trial: the caller's key is refused, which proves nothing
        make_provider(source="caller", key="sk-ant-api03-" + "y" * 40).describe_image(
            beach_request(), deadline(20)
        )
    # The next caller gets the trial at once (not after the 30 s claim), and its success closes it.
    assert make_provider().describe_image(beach_request(), deadline(20)).content


# --- the server key's budget -------------------------------------------------------------------------


def test_server_key_calls_are_charged_their_billed_tokens(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider, dynamodb: Any
) -> None:
    fake_anthropic.enqueue(Reply.message("Una playa.", input_tokens=1800, output_tokens=7))
    make_provider().describe_image(beach_request(), deadline(20))
    assert budget_tokens(dynamodb) == 1807


def test_callers_keys_are_not_charged(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider, dynamodb: Any
) -> None:
    make_provider(source="stored").describe_image(beach_request(), deadline(20))
    make_provider(source="caller", budget=1).describe_image(
        beach_request(), deadline(20)
    )  # budget irrelevant
    assert budget_tokens(dynamodb) is None


def test_an_error_answer_gives_the_reservation_back(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider, dynamodb: Any
) -> None:
    fake_anthropic.enqueue(Reply.server_error())
    with pytest.raises(ProviderFailure):
        make_provider().describe_image(beach_request(), deadline(5))
    assert budget_tokens(dynamodb) == 0


def test_a_spent_budget_refuses_before_any_call(
    fake_anthropic: FakeAnthropic, make_provider: MakeProvider, dynamodb: Any
) -> None:
    from describe_it.ai.errors import BudgetExhausted

    request = beach_request()
    system = prompts.system_prompt("es", "narrativo", 120, None)
    reservation = input_token_bound(
        [system, prompts.user_prompt("es", 120)], images=1
    ) + prompts.max_tokens_for(120)

    with pytest.raises(BudgetExhausted) as raised:
        make_provider(budget=reservation - 1).describe_image(request, deadline(20))

    assert fake_anthropic.requests == []
    assert [d.code for d in raised.value.details] == ["budget_exhausted"]
    make_provider(budget=reservation).describe_image(request, deadline(20))  # exactly enough room
    assert len(fake_anthropic.requests) == 1
