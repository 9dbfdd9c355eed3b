"""Idempotency records (spec §1.8, corrections 9–13) against the real moto server (DynamoDB and S3)."""

from __future__ import annotations

import json
import os
import socket
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from describe_it.errors import DependencyDown
from describe_it.runtime.blobs import BlobStore
from describe_it.runtime.idempotency import Begin, IdempotencyStore, StoredResponse
from tests.integration.runtime.conftest import FakeClock, stored_item

SCOPE = "u:1#POST#/api/vocabulary/save#key-0001"
CREATED = StoredResponse(
    status=201,
    body=b'{"success":true,"data":{"id":"abc","word":"\xc3\xb1u"}}',
    headers={"Location": "/api/vocabulary/items/abc", "content-type": "application/json"},
)


def test_first_request_runs_and_a_duplicate_gets_the_first_response(dynamodb: Any, clock: FakeClock) -> None:
    store = IdempotencyStore(lambda: dynamodb, clock=clock)
    assert store.begin(SCOPE, "fp-1") == Begin("new")
    store.complete(SCOPE, CREATED)

    # The retry may land on another function
    clock.advance(3600)
    replay = IdempotencyStore(lambda: dynamodb, clock=clock).begin(SCOPE, "fp-1")
    assert replay == Begin("replay", CREATED)


def test_a_duplicate_while_the_first_runs_is_in_progress(dynamodb: Any, clock: FakeClock) -> None:
    first = IdempotencyStore(lambda: dynamodb, clock=clock)
    second = IdempotencyStore(lambda: dynamodb, clock=clock)
    assert first.begin(SCOPE, "fp-1").kind == "new"
    clock.advance(59)
    assert second.begin(SCOPE, "fp-1") == Begin("in_progress")


def test_the_same_key_with_another_body_is_a_mismatch(dynamodb: Any, clock: FakeClock) -> None:
    store = IdempotencyStore(lambda: dynamodb, clock=clock)
    assert store.begin(SCOPE, "fp-1").kind == "new"
    assert store.begin(SCOPE, "fp-2") == Begin("mismatch")
    store.complete(SCOPE, CREATED)
    assert store.begin(SCOPE, "fp-2") == Begin("mismatch")


def test_a_released_request_runs_again(dynamodb: Any, clock: FakeClock) -> None:
    store = IdempotencyStore(lambda: dynamodb, clock=clock)
    assert store.begin(SCOPE, "fp-1").kind == "new"
    store.release(SCOPE)
    assert store.begin(SCOPE, "fp-1").kind == "new"


@pytest.mark.parametrize("late_outcome", ["complete", "release"])
def test_a_stale_in_progress_record_is_taken_over(dynamodb: Any, clock: FakeClock, late_outcome: str) -> None:
    crashed = IdempotencyStore(lambda: dynamodb, clock=clock)
    assert crashed.begin(SCOPE, "fp-1").kind == "new"
    clock.advance(61)  # the first function hung or died without completing

    retry = IdempotencyStore(lambda: dynamodb, clock=clock)
    assert retry.begin(SCOPE, "fp-1").kind == "new"

    # If the first one wakes up, it can neither overwrite nor delete the retry's record
    if late_outcome == "complete":
        assert crashed.complete(SCOPE, StoredResponse(200, b"late", {})) is False
    else:
        crashed.release(SCOPE)
    assert IdempotencyStore(lambda: dynamodb, clock=clock).begin(SCOPE, "fp-1").kind == "in_progress"

    retry.complete(SCOPE, CREATED)
    assert IdempotencyStore(lambda: dynamodb, clock=clock).begin(SCOPE, "fp-1") == Begin("replay", CREATED)


def test_records_last_24_hours(dynamodb: Any, clock: FakeClock) -> None:
    store = IdempotencyStore(lambda: dynamodb, clock=clock)
    store.begin(SCOPE, "fp-1")
    store.complete(SCOPE, CREATED)
    item = stored_item(dynamodb, f"idem#{SCOPE}")
    assert item is not None
    assert int(item["ttl"]["N"]) == int(clock.now) + 86400

    clock.advance(86400)  # expired, though DynamoDB has not removed it yet
    assert store.begin(SCOPE, "fp-2").kind == "new"


def test_of_concurrent_duplicates_exactly_one_runs(
    per_thread_clients: Callable[[], Any], clock: FakeClock
) -> None:
    start = threading.Barrier(20)

    def attempt(_: int) -> str:
        store = IdempotencyStore(per_thread_clients, clock=clock)
        per_thread_clients()  # connect before the race, so the race is between requests
        start.wait()
        return store.begin(SCOPE, "fp-1").kind

    with ThreadPoolExecutor(max_workers=20) as pool:
        kinds = list(pool.map(attempt, range(20)))
    assert sorted(kinds) == ["in_progress"] * 19 + ["new"]


def test_idempotency_fails_closed_without_dynamodb(dead_client: Callable[[], Any], clock: FakeClock) -> None:
    store = IdempotencyStore(dead_client, clock=clock)
    with pytest.raises(DependencyDown):
        store.begin(SCOPE, "fp-1")
    # The work is done by then: its answer must reach the caller, so neither raises
    assert store.complete(SCOPE, CREATED) is False
    store.release(SCOPE)


# --- responses too large for one item (correction 11) ------------------------------------------


def incompressible(size: int) -> bytes:
    """A JSON body zlib barely shrinks: base64 of random bytes (about 25 % smaller compressed)."""
    import base64

    return json.dumps(
        {"success": True, "data": {"blob": base64.b64encode(os.urandom(size)).decode()}}
    ).encode()


@pytest.fixture
def s3(dynamo: Any) -> Any:
    from describe_it.aws import client

    return client("s3")


@pytest.fixture
def bucket() -> str:
    from describe_it.settings import get_settings

    name = get_settings().export_bucket
    assert name
    return name


@pytest.fixture
def dead_s3() -> Any:
    """An S3 client for a loopback port nobody listens on (S3 unreachable)."""
    import boto3
    from botocore.config import Config

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = Config(connect_timeout=0.5, read_timeout=0.5, retries={"max_attempts": 1})
    return boto3.session.Session(region_name="us-east-1").client(
        "s3", endpoint_url=f"http://127.0.0.1:{port}", config=config
    )


BIG = StoredResponse(
    status=200, body=incompressible(600 * 1024), headers={"content-type": "application/json"}
)


def test_a_response_too_large_for_an_item_is_kept_in_s3(
    dynamodb: Any, s3: Any, bucket: str, clock: FakeClock
) -> None:
    store = IdempotencyStore(lambda: dynamodb, blobs=BlobStore(lambda: s3, bucket=bucket), clock=clock)
    assert store.begin(SCOPE, "fp-1").kind == "new"
    assert store.complete(SCOPE, BIG) is True

    item = stored_item(dynamodb, f"idem#{SCOPE}")
    assert item is not None
    assert "body" not in item and item["state"]["S"] == "COMPLETED"
    ref = item["bodyRef"]["S"]
    assert ref.startswith("idempotency/") and "u:1" not in ref  # the scope is not readable from the key
    stored = s3.get_object(Bucket=bucket, Key=ref)["Body"].read()
    assert zlib.decompress(stored) == BIG.body

    replay = IdempotencyStore(lambda: dynamodb, blobs=BlobStore(lambda: s3, bucket=bucket), clock=clock)
    assert replay.begin(SCOPE, "fp-1") == Begin("replay", BIG)


def test_a_large_but_compressible_response_stays_in_the_item(
    dynamodb: Any, dead_s3: Any, bucket: str, clock: FakeClock
) -> None:
    # The limit applies to the stored (compressed) size: 1 MB of repetitive JSON needs no S3
    body = json.dumps({"data": [{"word": "perro", "translation": "dog"}] * 30_000}).encode()
    assert len(body) > 1024 * 1024
    big_json = StoredResponse(200, body, {})
    store = IdempotencyStore(lambda: dynamodb, blobs=BlobStore(lambda: dead_s3, bucket=bucket), clock=clock)
    store.begin(SCOPE, "fp-1")
    assert store.complete(SCOPE, big_json) is True
    item = stored_item(dynamodb, f"idem#{SCOPE}")
    assert item is not None and "body" in item and "bodyRef" not in item
    assert store.begin(SCOPE, "fp-1") == Begin("replay", big_json)


def test_a_record_that_cannot_be_completed_is_released(
    dynamodb: Any, dead_s3: Any, bucket: str, clock: FakeClock
) -> None:
    store = IdempotencyStore(lambda: dynamodb, blobs=BlobStore(lambda: dead_s3, bucket=bucket), clock=clock)
    assert store.begin(SCOPE, "fp-1").kind == "new"
    assert store.complete(SCOPE, BIG) is False

    # Released, not left INPROGRESS: a retry runs at once instead of 409 for a minute, then twice
    assert stored_item(dynamodb, f"idem#{SCOPE}") is None
    assert store.begin(SCOPE, "fp-1").kind == "new"


def test_a_record_without_a_bucket_is_released(dynamodb: Any, clock: FakeClock, settings_env: Any) -> None:
    settings_env(EXPORT_BUCKET=None)
    store = IdempotencyStore(lambda: dynamodb, clock=clock)
    assert store.begin(SCOPE, "fp-1").kind == "new"
    assert store.complete(SCOPE, BIG) is False
    assert stored_item(dynamodb, f"idem#{SCOPE}") is None


def test_a_replay_whose_object_cannot_be_read_is_503(
    dynamodb: Any, s3: Any, dead_s3: Any, bucket: str, clock: FakeClock
) -> None:
    store = IdempotencyStore(lambda: dynamodb, blobs=BlobStore(lambda: s3, bucket=bucket), clock=clock)
    store.begin(SCOPE, "fp-1")
    assert store.complete(SCOPE, BIG) is True

    cut_off = IdempotencyStore(lambda: dynamodb, blobs=BlobStore(lambda: dead_s3, bucket=bucket), clock=clock)
    with pytest.raises(DependencyDown):
        cut_off.begin(SCOPE, "fp-1")
    # The record is kept: once S3 answers again, the retry gets the first response
    assert store.begin(SCOPE, "fp-1") == Begin("replay", BIG)
