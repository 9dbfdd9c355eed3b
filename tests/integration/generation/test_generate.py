"""POST /api/descriptions/generate through Mangum (spec §5.1): the real workflow file on the local runner,
the real describe_language handler, the fake Messages API (the real SDK), PostgreSQL and moto."""

from __future__ import annotations

import json
import threading
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from describe_it.runtime.cache import get_cache
from infra.local.stack import Stack
from tests.integration.generation.conftest import (
    BEACH_URL,
    CAT_URL,
    PATH,
    data_uri,
    generate,
    is_spanish,
    model_calls,
    per_language,
    request_body,
)
from tests.support.api import call, session_for
from tests.support.fake_anthropic import FakeAnthropic, Reply


def entries(reply: Any) -> list[dict[str, Any]]:
    data = reply.data
    assert isinstance(data, list) and len(data) == 2, reply
    assert [e["language"] for e in data] == ["english", "spanish"]
    return data


def forget_local_cache() -> None:
    """Another warm function has no L1: read through to DynamoDB like it would."""
    get_cache().clear_local()


# --- the happy paths ------------------------------------------------------------------------------


def test_two_languages_generated_by_claude_then_answered_from_the_cache(claude: FakeAnthropic) -> None:
    claude.choose = per_language(
        Reply.message("A quiet beach at noon."), Reply.message("Una playa tranquila.")
    )
    first = generate(request_body())

    assert first.status == 200, first
    english, spanish = entries(first)
    assert english["content"] == "A quiet beach at noon." and spanish["content"] == "Una playa tranquila."
    assert {e["provider"] for e in (english, spanish)} == {"anthropic"}
    assert english["generationId"] == spanish["generationId"] and english["id"] != spanish["id"]
    assert english["imageId"] == spanish["imageId"] and english["imageUrl"] == BEACH_URL
    assert not english["cached"] and not english["fallback"] and english["fallbackReason"] is None
    assert english["wordCount"] == 5
    assert model_calls(claude) == 2
    assert all(r.images for r in claude.requests)  # the normalised image went to the model

    forget_local_cache()
    second = generate(request_body())
    assert second.status == 200, second
    again = entries(second)
    assert model_calls(claude) == 2  # zero model calls for an identical request
    assert [e["cached"] for e in again] == [True, True]
    assert [e["content"] for e in again] == ["A quiet beach at noon.", "Una playa tranquila."]
    assert [e["createdAt"] for e in again] == [english["createdAt"], spanish["createdAt"]]  # original time
    assert again[0]["imageId"] == english["imageId"]
    assert again[0]["generationId"] != english["generationId"]


def test_another_style_length_or_prompt_is_another_cache_entry(claude: FakeAnthropic) -> None:
    assert generate(request_body()).status == 200
    for changed in ({"style": "poetico"}, {"maxLength": 81}, {"customPrompt": "Mention the colours"}):
        assert generate(request_body(**changed)).status == 200
    assert model_calls(claude) == 8


def test_fresh_or_no_cache_regenerates_and_rewrites_the_cache(claude: FakeAnthropic) -> None:
    assert generate(request_body()).status == 200
    claude.choose = per_language(Reply.message("New English."), Reply.message("Nuevo español."))
    fresh = generate(request_body(fresh=True))
    assert [e["cached"] for e in entries(fresh)] == [False, False]
    header = generate(request_body(), headers={"Cache-Control": "no-cache"})
    assert [e["cached"] for e in entries(header)] == [False, False]
    assert model_calls(claude) == 6
    forget_local_cache()
    cached = entries(generate(request_body()))
    assert [e["content"] for e in cached] == ["New English.", "Nuevo español."]


def test_a_data_uri_has_no_image_url_and_is_keyed_by_its_bytes(claude: FakeAnthropic) -> None:
    reply = generate(request_body(imageUrl=data_uri("teal")))
    assert reply.status == 200, reply
    assert [e["imageUrl"] for e in entries(reply)] == [None, None]
    assert entries(generate(request_body(imageUrl=data_uri("teal"))))[0]["cached"] is True
    assert entries(generate(request_body(imageUrl=data_uri("olive"))))[0]["cached"] is False


def test_offline_provider_without_any_key_says_so(offline: None) -> None:
    reply = generate(request_body())
    assert reply.status == 200, reply
    english, spanish = entries(reply)
    assert (english["provider"], english["model"]) == ("offline", "offline")
    assert english["content"] and spanish["content"] and english["content"] != spanish["content"]


def test_legacy_fields_are_ignored_and_empty_user_api_key_is_absent(claude: FakeAnthropic) -> None:
    body = request_body(language="es", userId="x", requestId="y", timestamp=1, userApiKey="  ")
    reply = generate(body)
    assert reply.status == 200, reply
    assert {r.api_key for r in claude.requests} == {claude.api_key}


# --- one or both languages failing ----------------------------------------------------------------


def test_one_language_failing_is_a_200_with_its_fallback_and_never_cached(claude: FakeAnthropic) -> None:
    claude.choose = per_language(Reply.message("A beach."), Reply.refusal())
    reply = generate(request_body())

    assert reply.status == 200, reply
    english, spanish = entries(reply)
    assert english["content"] == "A beach." and not english["fallback"]
    assert spanish["fallback"] is True and spanish["fallbackReason"] == "content_refused"
    assert spanish["content"] == "" and spanish["wordCount"] == 0
    assert "Spanish" in reply.json["message"] and "content_refused" in reply.json["message"]

    claude.choose = None
    forget_local_cache()
    again = entries(generate(request_body()))
    assert again[0]["cached"] is True and again[1]["cached"] is False  # the failure was not cached


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (Reply.refusal(), 502, "UPSTREAM_ERROR"),
        (Reply.server_error(), 502, "UPSTREAM_ERROR"),
        (Reply.spend_limit(), 503, "SERVICE_UNAVAILABLE"),
        (Reply.rate_limited(), 503, "SERVICE_UNAVAILABLE"),
        (Reply.overloaded(), 503, "SERVICE_UNAVAILABLE"),
    ],
)
def test_both_languages_failing_answers_the_documented_error(
    claude: FakeAnthropic, fault: Reply, status: int, code: str
) -> None:
    claude.default = fault
    reply = generate(request_body())
    assert reply.status == status, reply
    assert reply.json["code"] == code
    if status == 503:
        assert int(reply.headers["retry-after"]) >= 1
    forget_local_cache()
    claude.default = None
    assert [e["cached"] for e in entries(generate(request_body()))] == [False, False]


def test_both_languages_timing_out_is_a_504_within_the_deadline(
    claude: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    from describe_it.generation import service

    monkeypatch.setattr(service, "SYNC_DEADLINE_S", 5.0)  # the route's 25 s, shortened for the test
    claude.default = Reply.hanging()
    reply = generate(request_body())
    assert reply.status == 504, reply
    assert reply.json["code"] == "UPSTREAM_TIMEOUT"


def test_a_rejected_own_key_is_a_400_on_user_api_key(claude: FakeAnthropic) -> None:
    own = "sk-ant-api03-mine-" + "q" * 40  # the fake accepts only its own key: 401 for this one
    reply = generate(request_body(userApiKey=own))
    assert reply.status == 400, reply
    assert reply.json["details"][0]["field"] == "userApiKey"
    assert reply.json["details"][0]["code"] == "api_key_rejected"
    assert own not in reply.text
    assert all("userApiKey" not in str(r.body) for r in claude.requests)


def test_a_caller_key_is_used_sealed_and_counted_as_pro(
    claude: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    from describe_it.generation.workflow import DescribeWorkflow

    inputs: list[dict[str, Any]] = []
    real_run = DescribeWorkflow.run

    def recording_run(self: DescribeWorkflow, workflow_input: dict[str, Any], languages: Any) -> Any:
        inputs.append(workflow_input)  # what StartSyncExecution would receive
        return real_run(self, workflow_input, languages)

    monkeypatch.setattr(DescribeWorkflow, "run", recording_run)
    claude.api_keys.add(own := "sk-ant-api03-mine-" + "z" * 40)
    reply = generate(request_body(userApiKey=own))
    assert reply.status == 200, reply
    assert {r.api_key for r in claude.requests} == {own}
    assert reply.headers["x-ratelimit-limit"] == "500"  # ai-describe, pro column
    [workflow_input] = inputs
    assert own not in json.dumps(workflow_input)  # never in clear in the execution input
    assert workflow_input["encryptedKey"].startswith("v1.caller.")
    assert workflow_input["languages"] == ["en", "es"] and workflow_input["taskTimeoutSeconds"] <= 23


# --- validation and limits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"style": "narrativo"}, "imageUrl"),
        ({"imageUrl": BEACH_URL}, "style"),
        ({"imageUrl": BEACH_URL, "style": "epico"}, "style"),
        ({"imageUrl": BEACH_URL, "style": "narrativo", "maxLength": 49}, "maxLength"),
        ({"imageUrl": BEACH_URL, "style": "narrativo", "maxLength": 1001}, "maxLength"),
        ({"imageUrl": BEACH_URL, "style": "narrativo", "customPrompt": "x" * 501}, "customPrompt"),
        ({"imageUrl": BEACH_URL, "style": "narrativo", "customPrompt": "<script>"}, "customPrompt"),
        ({"imageUrl": BEACH_URL, "style": "narrativo", "userApiKey": "sk-nope"}, "userApiKey"),
    ],
)
def test_invalid_fields_are_400(claude: FakeAnthropic, body: dict[str, Any], field: str) -> None:
    reply = generate(body)
    assert reply.status == 400, reply
    assert field in {d["field"] for d in reply.json["details"]}
    assert model_calls(claude) == 0


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("http://example.com/a.jpg", 400, "Only HTTPS URLs are allowed"),
        ("https://127.0.0.1/a.jpg", 400, None),
        ("https://169.254.169.254/latest/meta-data", 400, None),
        ("https://[::1]/a.jpg", 400, None),
        ("https://[::ffff:10.0.0.1]/a.jpg", 400, None),
        ("https://example.com:8443/a.jpg", 400, None),
    ],
)
def test_ssrf_probes_are_refused_before_any_work(
    claude: FakeAnthropic, url: str, status: int, message: str | None
) -> None:
    reply = generate(request_body(imageUrl=url))
    assert reply.status in (status, 403), reply
    if message:
        assert reply.json["error"] == message
    assert model_calls(claude) == 0


def test_save_as_a_guest_is_401_before_any_work(claude: FakeAnthropic) -> None:
    reply = generate(request_body(save=True))
    assert reply.status == 401, reply
    assert model_calls(claude) == 0


def test_the_ai_describe_limit_is_charged_only_on_a_miss(claude: FakeAnthropic) -> None:
    # guests: 5 per hour. One miss, then hits that are free, then four more misses, then the sixth: 429.
    assert generate(request_body()).status == 200
    for _ in range(6):
        hit = generate(request_body())
        assert hit.status == 200 and entries(hit)[0]["cached"]
    for length in (60, 61, 62, 63):
        miss = generate(request_body(maxLength=length))
        assert miss.status == 200, miss
    refused = generate(request_body(maxLength=64))
    assert refused.status == 429, refused
    assert int(refused.headers["retry-after"]) >= 1
    for header in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
        assert header in refused.headers
    assert refused.headers["x-ratelimit-limit"] == "5"
    assert model_calls(claude) == 10


def test_an_idempotent_replay_does_not_call_the_model_again(claude: FakeAnthropic) -> None:
    headers = {"Idempotency-Key": "generate-once-0001"}
    first = generate(request_body(fresh=True), headers=headers)
    second = generate(request_body(fresh=True), headers=headers)
    assert first.status == second.status == 200
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.data == first.data
    assert model_calls(claude) == 2


# --- signed in: sessions, images row --------------------------------------------------------------


def admin_query(stack: Stack, query: str, params: list[Any]) -> list[dict[str, Any]]:
    with psycopg.connect(stack.admin_dsn(), row_factory=dict_row) as conn:
        return conn.execute(query, params).fetchall()


def test_session_counters_and_the_image_row(claude: FakeAnthropic, stack: Stack) -> None:
    token = session_for("gen@example.com")["access_token"]
    started = call("POST", "/api/sessions", {"sessionType": "description"}, token=token)
    assert started.status in (200, 201), started
    session_id = started.data["id"]
    for _ in range(2):
        reply = generate(request_body(imageUrl=CAT_URL, sessionId=session_id), token=token)
        assert reply.status == 200, reply
    image_id = entries(reply)[0]["imageId"]
    rows = admin_query(stack, "SELECT usage_count FROM images WHERE id = %s", [image_id])
    assert rows[0]["usage_count"] == 2
    counts = admin_query(
        stack, "SELECT descriptions_generated, images_processed FROM sessions WHERE id = %s", [session_id]
    )
    assert dict(counts[0]) == {"descriptions_generated": 2, "images_processed": 2}


def test_a_foreign_session_is_404_before_any_work(claude: FakeAnthropic) -> None:
    owner = session_for("owner@example.com")["access_token"]
    other = session_for("other@example.com")["access_token"]
    session_id = call("POST", "/api/sessions", {"sessionType": "description"}, token=owner).data["id"]
    reply = generate(request_body(sessionId=session_id), token=other)
    assert reply.status == 404, reply
    assert model_calls(claude) == 0


# --- capabilities ---------------------------------------------------------------------------------


def test_capabilities_are_public_and_cacheable(clean: Any) -> None:
    reply = call("GET", PATH)
    assert reply.status == 200, reply
    data = reply.data
    assert data["status"] == "healthy" and data["service"] == "Description Generation API"
    caps = data["capabilities"]
    assert len(caps["styles"]) == 7 and caps["languages"] == ["en", "es"]
    assert caps["maxLength"] == {"min": 50, "max": 1000, "default": 300, "asyncAbove": 450}
    assert caps["async"] is True and caps["syncDeadlineMs"] == 25000
    assert caps["imageInput"]["maxBytes"] == 5242880
    assert data["limits"] == {"guest": 5, "free": 10, "basic": 50, "pro": 500, "windowSeconds": 3600}
    assert reply.headers["cache-control"] == "public, max-age=60"
    again = call("GET", PATH, headers={"If-None-Match": reply.headers["etag"]})
    assert again.status == 304


# --- resilience: retries and the shared circuit ---------------------------------------------------


def test_a_529_is_retried_within_the_deadline(claude: FakeAnthropic) -> None:
    seen: dict[bool, int] = {True: 0, False: 0}
    lock = threading.Lock()

    def first_overloaded(body: dict[str, Any]) -> Reply | None:
        with lock:
            spanish = is_spanish(body)
            seen[spanish] += 1
            return Reply.overloaded() if seen[spanish] == 1 else None

    claude.choose = first_overloaded
    reply = generate(request_body())
    assert reply.status == 200, reply
    assert [e["fallback"] for e in entries(reply)] == [False, False]
    assert model_calls(claude) == 4  # one retry per language


def test_the_open_circuit_answers_503_without_calling_and_degrades_capabilities(
    claude: FakeAnthropic,
) -> None:
    claude.api_keys.add(own := "sk-ant-api03-mine-" + "c" * 40)  # pro limits: room for the failures
    claude.default = Reply.server_error()
    statuses = []
    for length in range(100, 108):
        reply = generate(request_body(maxLength=length, userApiKey=own))
        statuses.append(reply.status)
        if reply.status == 503:
            break
    assert statuses[-1] == 503 and set(statuses[:-1]) == {502}, statuses
    assert int(reply.headers["retry-after"]) >= 1
    calls = model_calls(claude)
    assert generate(request_body(maxLength=120, userApiKey=own)).status == 503
    assert model_calls(claude) == calls  # nothing went out while open
    assert call("GET", PATH).data["status"] == "degraded"


# --- save:true ------------------------------------------------------------------------------------


def test_save_keeps_one_saved_description_when_both_languages_succeed(
    claude: FakeAnthropic, stack: Stack
) -> None:
    token = session_for("saver@example.com")["access_token"]
    claude.choose = per_language(Reply.message("Saved English."), Reply.message("Español guardado."))
    reply = generate(request_body(save=True), token=token)
    assert reply.status == 200, reply
    english, spanish = entries(reply)
    assert english["savedDescriptionId"] and english["savedDescriptionId"] == spanish["savedDescriptionId"]
    rows = admin_query(
        stack,
        "SELECT english_description, spanish_description, generation_id::text AS generation_id, image_id::text"
        " AS image_id FROM saved_descriptions WHERE id = %s",
        [english["savedDescriptionId"]],
    )
    assert rows == [
        {
            "english_description": "Saved English.",
            "spanish_description": "Español guardado.",
            "generation_id": english["generationId"],
            "image_id": english["imageId"],
        }
    ]
    listed = call("GET", "/api/descriptions/saved", token=token)
    assert [d["id"] for d in listed.data] == [english["savedDescriptionId"]]


def test_save_is_skipped_with_a_message_when_a_language_failed(claude: FakeAnthropic, stack: Stack) -> None:
    token = session_for("saver@example.com")["access_token"]
    claude.choose = per_language(Reply.refusal(), Reply.message("Solo español."))
    reply = generate(request_body(save=True), token=token)
    assert reply.status == 200, reply
    assert all(e.get("savedDescriptionId") is None for e in entries(reply))
    assert "Not saved" in reply.json["message"] and "English" in reply.json["message"]
    assert admin_query(stack, "SELECT count(*) AS n FROM saved_descriptions", []) == [{"n": 0}]


def test_an_unsplash_image_is_tracked_as_downloaded(claude: FakeAnthropic, fake_unsplash: Any) -> None:
    image = {"unsplashId": "AbC123xyz", "altDescription": "A beach", "width": 4000, "height": 3000}
    reply = generate(request_body(image=image))
    assert reply.status == 200, reply
    assert [r.path for r in fake_unsplash.downloads()] == ["/photos/AbC123xyz/download"]
    assert all(fake_unsplash.api_key not in str(r.query) for r in fake_unsplash.requests)
