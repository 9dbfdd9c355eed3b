"""POST/GET /api/translate through Mangum, Claude on the fake Messages API (spec §8)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.textai.conftest import numbered_texts, prompt_of
from tests.support.api import call, session_for
from tests.support.fake_anthropic import FakeAnthropic, Reply


def translate(body: dict[str, Any], **kwargs: Any) -> Any:
    return call("POST", "/api/translate", body, **kwargs)


def answer(*items: tuple[int, str, float], detected: str = "es") -> Reply:
    return Reply.json(
        {
            "detectedLanguage": detected,
            "translations": [{"index": i, "translation": t, "confidence": c} for i, t, c in items],
        }
    )


def test_one_text_is_translated_by_the_model_with_its_confidence_clamped(claude: FakeAnthropic) -> None:
    claude.enqueue(answer((0, "The cat sleeps on the sofa.", 1.7)))
    reply = translate({"text": "El gato duerme en el sofá.", "targetLanguage": "en", "context": "a pet"})

    assert reply.status == 200, reply
    assert reply.data == {
        "translation": "The cat sleeps on the sofa.",
        "translatedText": "The cat sleeps on the sofa.",
        "confidence": 1.0,
        "detectedLanguage": "es",
        "sourceLanguage": "auto",
        "targetLanguage": "en",
        "provider": "anthropic",
        "fallback": False,
        "cached": False,
    }
    assert reply.headers["x-ratelimit-limit"] == "20"  # the guest ai-text class
    (sent,) = claude.requests
    assert sent.schema is not None  # structured output
    assert numbered_texts(sent) == [{"index": 0, "text": "El gato duerme en el sofá."}]
    assert "into English (en)" in prompt_of(sent)
    assert "<context>a pet</context>" in prompt_of(sent)


def test_a_negative_confidence_is_clamped_to_zero(claude: FakeAnthropic) -> None:
    claude.enqueue(answer((0, "house", -0.4)))
    reply = translate({"text": "casa", "sourceLanguage": "es", "targetLanguage": "en"})
    assert reply.status == 200, reply
    assert (reply.data["confidence"], reply.data["detectedLanguage"]) == (0.0, "es")


def test_a_batch_of_fifty_is_one_model_call_and_keeps_the_input_order(claude: FakeAnthropic) -> None:
    texts = [f"frase número {n}" for n in range(50)]
    claude.enqueue(answer(*[(n, f"sentence number {n}", 0.9) for n in reversed(range(50))]))

    reply = translate({"texts": texts, "fromLanguage": "es", "toLanguage": "en"})

    assert reply.status == 200, reply
    assert len(claude.requests) == 1
    assert [t["text"] for t in numbered_texts(claude.requests[0])] == texts
    assert reply.data["translations"] == [
        {"text": f"frase número {n}", "translation": f"sentence number {n}"} for n in range(50)
    ]
    assert (reply.data["sourceLanguage"], reply.data["targetLanguage"]) == ("es", "en")


def test_the_cache_is_per_text_and_a_hit_costs_no_call_and_no_ai_text_unit(claude: FakeAnthropic) -> None:
    claude.enqueue(answer((0, "dog", 0.9), (1, "cat", 0.9)))
    first = translate({"texts": ["perro", "gato"], "targetLanguage": "en"})
    assert first.status == 200, first
    # One new text among two cached ones: only it goes to the model.
    claude.enqueue(answer((0, "bird", 0.8)))
    second = translate({"texts": ["gato", "pájaro", "perro"], "targetLanguage": "en"})
    assert second.status == 200, second
    assert [t["text"] for t in numbered_texts(claude.requests[1])] == ["pájaro"]
    assert [t["translation"] for t in second.data["translations"]] == ["cat", "bird", "dog"]
    # Every text cached: no call, and the ai-text class is not charged (only burst's headers).
    third = translate({"text": "perro", "targetLanguage": "en"})
    assert third.status == 200, third
    assert (third.data["translation"], third.data["cached"]) == ("dog", True)
    assert len(claude.requests) == 2
    assert third.headers["x-ratelimit-limit"] == "120"  # burst, not ai-text


def test_a_different_context_is_a_different_cache_entry(claude: FakeAnthropic) -> None:
    claude.enqueue(answer((0, "bank", 0.9)), answer((0, "bench", 0.9)))
    assert (
        translate({"text": "banco", "targetLanguage": "en", "context": "money"}).data["translation"] == "bank"
    )
    assert (
        translate({"text": "banco", "targetLanguage": "en", "context": "park"}).data["translation"] == "bench"
    )
    assert len(claude.requests) == 2


@pytest.mark.parametrize(
    ("body", "message", "field"),
    [
        ({"targetLanguage": "en"}, "Text is required for translation", None),
        ({"text": "", "targetLanguage": "en"}, "Text is required for translation", "text"),
        ({"text": "hola"}, "Both source and target languages are required", "targetLanguage"),
        ({"text": "hola", "targetLanguage": "xx"}, "Unsupported language code", "targetLanguage"),
        (
            {"text": "hola", "sourceLanguage": "klingon", "targetLanguage": "en"},
            "Unsupported language code",
            "sourceLanguage",
        ),
        (
            {"text": "hola", "sourceLanguage": "es", "targetLanguage": "es"},
            "Source and target languages must differ",
            None,
        ),
        ({"texts": [], "targetLanguage": "en"}, "Text is required for translation", "texts"),
        ({"texts": ["a"] * 51, "targetLanguage": "en"}, "At most 50 texts", "texts"),
        ({"texts": ["a" * 501], "targetLanguage": "en"}, "Must have at most 500 characters", "texts[0]"),
        (
            {"texts": ["a" * 500] * 21, "targetLanguage": "en"},
            "The texts may hold at most 10000 characters together",
            None,
        ),
        ({"text": "a" * 5001, "targetLanguage": "en"}, "Must have at most 5000 characters", "text"),
    ],
)
def test_invalid_requests_get_400_with_the_legacy_messages(
    claude: FakeAnthropic, body: dict[str, Any], message: str, field: str | None
) -> None:
    reply = translate(body)
    assert reply.status == 400, reply
    assert reply.json["error"] == message
    assert reply.json["details"][0]["field"] == field
    assert claude.requests == []


def test_the_canonical_name_wins_over_its_alias(claude: FakeAnthropic) -> None:
    claude.enqueue(answer((0, "Bonjour", 0.9), detected="en"))
    reply = translate({"text": "Hello", "targetLanguage": "fr", "toLanguage": "de"})
    assert reply.status == 200, reply
    assert reply.data["targetLanguage"] == "fr"


# --- the model unavailable: the glossary, only when it covers every text -----------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Reply.server_error(),
        Reply.overloaded(retry_after=30),
        Reply.spend_limit(),
        Reply.malformed(),
        Reply.schema_violating(),
        Reply.refusal(),
    ],
    ids=["500", "529", "spend-limit", "malformed", "schema", "refusal"],
)
def test_when_the_model_fails_the_glossary_answers_if_it_covers_every_text(
    claude: FakeAnthropic, fault: Reply
) -> None:
    claude.default = fault
    reply = translate(
        {"texts": ["casa", "perro", "sin embargo"], "sourceLanguage": "es", "targetLanguage": "en"}
    )
    assert reply.status == 200, reply
    assert (reply.data["provider"], reply.data["fallback"]) == ("glossary", True)
    assert [t["translation"] for t in reply.data["translations"]] == ["house", "dog", "however"]

    single = translate({"text": "perro", "targetLanguage": "en"})
    assert single.status == 200, single
    assert (single.data["translation"], single.data["confidence"], single.data["provider"]) == (
        "dog",
        0.6,
        "glossary",
    )


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        (Reply.server_error(), 502),
        (Reply.malformed(), 502),
        (Reply.schema_violating(), 502),
        (Reply.refusal(), 502),
        (Reply.overloaded(retry_after=30), 503),
        (Reply.rate_limited(retry_after=30), 503),
        (Reply.spend_limit(), 503),
    ],
    ids=["500", "malformed", "schema", "refusal", "529", "429", "spend-limit"],
)
def test_when_one_text_is_not_in_the_glossary_the_error_stands(
    claude: FakeAnthropic, fault: Reply, status: int
) -> None:
    claude.default = fault
    reply = translate({"texts": ["casa", "El gato duerme en el sofá."], "targetLanguage": "en"})
    assert reply.status == status, reply
    assert "translation" not in str(reply.json.get("data", ""))
    assert "Retry-After".lower() in reply.headers or status == 502


def test_a_timeout_is_504_without_glossary_cover(
    claude: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    from describe_it.textai import engine

    monkeypatch.setattr(engine, "ROUTE_DEADLINE_S", 2.0)
    claude.default = Reply.hanging()
    reply = translate({"text": "El gato duerme en el sofá.", "targetLanguage": "en"})
    assert reply.status == 504, reply


def test_an_answer_missing_a_text_is_502_never_a_placeholder(claude: FakeAnthropic) -> None:
    claude.enqueue(answer((0, "first", 0.9)))
    reply = translate({"texts": ["primera frase larga", "segunda frase larga"], "targetLanguage": "en"})
    assert reply.status == 502, reply
    assert reply.json["code"] == "UPSTREAM_ERROR"


def test_a_rejected_own_key_is_400_and_never_falls_back(claude: FakeAnthropic) -> None:
    claude.default = Reply.invalid_key()
    key = "sk-ant-api03-" + "x" * 40
    reply = translate({"text": "casa", "targetLanguage": "en", "userApiKey": key})
    assert reply.status == 400, reply
    assert reply.json["details"][0]["code"] == "api_key_rejected"


def test_an_open_circuit_falls_back_to_the_glossary(
    claude: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from describe_it.runtime.circuit import get_circuit_breaker

    breaker = get_circuit_breaker("anthropic")  # the instance the route uses
    # The breaker counts in fixed 60 s windows: on the wall clock, ten failures that straddle a minute
    # boundary are two windows of fewer than ten calls, and the circuit stays closed (1 run in ~100).
    # One frozen instant for the whole test: all of them in one window, the route's check inside the
    # open period.
    now = time.time()
    monkeypatch.setattr(breaker, "_clock", lambda: now)
    for _ in range(10):
        breaker.before_call()
        breaker.record_failure()
    reply = translate({"text": "perro", "targetLanguage": "en"})
    assert reply.status == 200, reply
    assert (reply.data["provider"], reply.data["fallback"]) == ("glossary", True)
    assert claude.requests == []
    closed = translate({"text": "El gato duerme en el sofá.", "targetLanguage": "en"})
    assert closed.status == 503, closed
    assert "retry-after" in closed.headers


def test_a_signed_in_learner_is_charged_on_their_tier(claude: FakeAnthropic) -> None:
    session = session_for("tr@example.com")
    claude.enqueue(answer((0, "house", 0.9)))
    reply = translate({"text": "casa", "targetLanguage": "en"}, token=session["access_token"])
    assert reply.status == 200, reply
    assert reply.headers["x-ratelimit-limit"] == "60"  # free ai-text


# --- offline mode and capabilities ---------------------------------------------------------------------


def test_offline_mode_translates_glossary_words_and_refuses_sentences(offline: None) -> None:
    reply = translate({"texts": ["casa", "rojo"], "targetLanguage": "en"})
    assert reply.status == 200, reply
    assert (reply.data["provider"], reply.data["fallback"]) == ("offline", False)
    assert [t["translation"] for t in reply.data["translations"]] == ["house", "red"]
    assert reply.headers["x-ratelimit-limit"] == "120"  # burst only: offline answers cost no ai-text unit
    refused = translate({"text": "El gato duerme en el sofá.", "targetLanguage": "en"})
    assert refused.status == 503, refused
    assert "Anthropic API key" in refused.json["error"]


def test_capabilities_list_six_languages_and_the_limits(stack: Any) -> None:
    reply = call("GET", "/api/translate")
    assert reply.status == 200, reply
    assert [lang["code"] for lang in reply.data["supportedLanguages"]] == ["en", "es", "fr", "de", "it", "pt"]
    assert (reply.data["maxTextLength"], reply.data["maxBatch"]) == (5000, 50)
    assert "batch_translation" in reply.data["features"]
    assert reply.headers["cache-control"] == "public, max-age=86400"
