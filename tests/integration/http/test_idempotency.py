"""``Idempotency-Key`` through the Lambda handler of a small route (spec §1.8, corrections 11–13).

The route, the guards, DynamoDB and S3 (moto's server) are real; only the handler is a test double
that counts how often it ran and can be told what to answer.
"""

from __future__ import annotations

import asyncio
import base64
import os
import threading
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, Literal

import pytest
from fastapi import Request
from pydantic import Field
from starlette.responses import Response

from describe_it.errors import ApiError
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.models import ApiModel
from tests.support.lambda_invoke import LambdaContext, Reply, http_event

pytestmark = pytest.mark.usefixtures("dynamo")

PATH = "/api/test/things"
runs: Counter[str] = Counter()
gates: dict[str, threading.Event] = {}


class Thing(ApiModel):
    name: str = Field(min_length=1, max_length=40)
    size: int = Field(1, ge=1, le=5)
    answer: int = 201  # the status the handler answers with
    payload_kb: int = 0  # an incompressible payload of this size
    wait: bool = False  # block until the test opens gates[name]


router = api_router()


@router.post(PATH, status_code=201, openapi_extra=policy(auth="none", idempotent=True))
def create_thing(body: Thing, request: Request, mode: Literal["fast", "slow"] = "fast") -> Response:
    runs[body.name] += 1
    if body.wait:
        assert gates[body.name].wait(timeout=30), "the test never opened the gate"
    if body.answer >= 300:
        error = ApiError(f"answer {body.answer}")
        error.status = body.answer
        raise error
    data: dict[str, Any] = {"name": body.name, "run": runs[body.name], "mode": mode}
    if body.payload_kb:
        data["payload"] = base64.b64encode(os.urandom(body.payload_kb * 1024)).decode()
    headers = {
        "Location": f"{PATH}/{body.name}",
        "ETag": f'"v{runs[body.name]}"',
        "Preference-Applied": "return=representation",
        "Retry-After": "7",
    }
    return ok(request, data, status_code=body.answer, headers=headers)


handler = make_handler(create_app(router))


@pytest.fixture(autouse=True)
def _fresh_counts():
    runs.clear()
    gates.clear()


def post(body: Any, key: str | None = "key-0001-aaaa", query: str = "", **kwargs: Any) -> Reply:
    headers = {"idempotency-key": key} if key else {}
    return Reply(
        handler(http_event("POST", PATH, body=body, headers=headers, query=query, **kwargs), LambdaContext())
    )


def idem_items() -> list[dict[str, Any]]:
    from describe_it.aws import client, state_table_name

    items = client("dynamodb").scan(TableName=state_table_name(), ConsistentRead=True)["Items"]
    return [item for item in items if item["pk"]["S"].startswith("idem#")]


def test_a_replay_is_the_first_response_with_its_headers_and_its_own_rate_headers():
    first = post({"name": "headers"})
    again = post({"name": "headers"})

    assert first.status == again.status == 201
    assert runs["headers"] == 1
    assert again.text == first.text
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    for name in ("location", "etag", "preference-applied", "retry-after", "content-type"):
        assert again.headers[name] == first.headers[name], name
    # The replay was charged like any request: it reports the counts after its own charge
    assert int(again.headers["x-ratelimit-remaining"]) == int(first.headers["x-ratelimit-remaining"]) - 1
    assert again.headers["x-ratelimit-limit"] == first.headers["x-ratelimit-limit"]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]


@pytest.mark.parametrize(
    ("body", "query"),
    [({"name": "", "size": 9}, ""), ({"name": "bad-query"}, "mode=sideways"), ({"size": "x"}, "mode=no")],
)
def test_an_invalid_request_with_a_key_is_refused_before_any_write(body, query):
    without_key = post(body, key=None, query=query)
    refused = post(body, query=query)

    assert refused.status == without_key.status == 400
    assert refused.json["details"] == without_key.json["details"]
    assert refused.json["error"] == without_key.json["error"]
    assert idem_items() == []

    # The key was not claimed: the corrected request runs
    fixed = post({"name": "fixed"})
    assert fixed.status == 201, fixed
    assert runs["fixed"] == 1


def test_the_same_key_with_another_body_is_409_key_reused():
    assert post({"name": "first-body"}).status == 201
    other = post({"name": "other-body"})
    assert other.status == 409
    assert other.json["details"][0]["code"] == "idempotency_key_reused"
    assert runs["other-body"] == 0


def test_the_same_key_from_another_caller_is_another_request():
    assert post({"name": "two-callers"}).status == 201
    assert post({"name": "two-callers"}, source_ip="198.51.100.77").status == 201
    assert runs["two-callers"] == 2


@pytest.mark.parametrize("status", [200, 201, 400, 403, 404, 412, 422])
def test_success_and_client_errors_are_stored(status):
    name = f"stored-{status}"
    first = post({"name": name, "answer": status})
    again = post({"name": name, "answer": status})
    assert first.status == again.status == status
    assert again.headers["idempotent-replayed"] == "true"
    assert again.text == first.text
    assert runs[name] == 1


@pytest.mark.parametrize("status", [401, 409, 429, 500, 502, 503])
def test_server_errors_and_retryable_refusals_release_the_key(status):
    name = f"released-{status}"
    assert post({"name": name, "answer": status}).status == status
    assert idem_items() == []
    retry = post({"name": name, "answer": status})
    assert "idempotent-replayed" not in retry.headers
    assert runs[name] == 2


def test_a_response_too_large_for_an_item_is_replayed_from_s3():
    first = post({"name": "big", "payload_kb": 700})
    assert first.status == 201, first
    assert len(first.text) > 900 * 1024

    [item] = idem_items()
    assert item["state"]["S"] == "COMPLETED" and "body" not in item
    again = post({"name": "big", "payload_kb": 700})
    assert again.status == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.text == first.text
    assert again.headers["location"] == first.headers["location"]
    assert runs["big"] == 1

    from describe_it.aws import client
    from describe_it.settings import get_settings

    obj = client("s3").get_object(Bucket=get_settings().export_bucket, Key=item["bodyRef"]["S"])
    assert zlib.decompress(obj["Body"].read()) == first.text.encode()


def test_a_large_response_that_cannot_be_stored_releases_the_key(settings_env):
    settings_env(EXPORT_BUCKET="no-such-bucket")  # S3 refuses every write
    first = post({"name": "big-lost", "payload_kb": 700})
    assert first.status == 201, first  # the caller still gets its answer
    assert idem_items() == []
    retry = post({"name": "big-lost", "payload_kb": 700})
    assert retry.status == 201 and "idempotent-replayed" not in retry.headers
    assert runs["big-lost"] == 2


def test_of_concurrent_identical_requests_exactly_one_runs():
    n = 10
    gates["race"] = threading.Event()
    start = threading.Barrier(n)

    def attempt(_: int) -> Reply:
        loop = asyncio.new_event_loop()  # Mangum drives the app on the thread's event loop
        asyncio.set_event_loop(loop)
        try:
            start.wait()
            return post({"name": "race", "wait": True})
        finally:
            loop.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(attempt, i) for i in range(n)]
        # Every duplicate is answered while the one that runs is still held in its handler
        early = []
        for future in as_completed(futures, timeout=60):
            early.append(future.result())
            if len(early) == n - 1:
                break
        gates["race"].set()
        replies = [future.result(timeout=60) for future in futures]

    assert runs["race"] == 1
    assert all(r.status == 409 for r in early), early
    assert sorted(r.status for r in replies) == [201] + [409] * (n - 1)
    for busy in early:
        assert busy.json["details"][0]["code"] == "request_in_progress"
        assert busy.headers["retry-after"] == "1"
    assert post({"name": "race"}).status == 409  # another body now: the key is taken
    assert post({"name": "race", "wait": True}).headers["idempotent-replayed"] == "true"
