"""Idempotency records (spec §1.8) against the real moto server."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from describe_it.errors import DependencyDown
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


def test_an_abandoned_request_runs_again(dynamodb: Any, clock: FakeClock) -> None:
    store = IdempotencyStore(lambda: dynamodb, clock=clock)
    assert store.begin(SCOPE, "fp-1").kind == "new"
    store.abandon(SCOPE)
    assert store.begin(SCOPE, "fp-1").kind == "new"


@pytest.mark.parametrize("late_outcome", ["complete", "abandon"])
def test_a_stale_in_progress_record_is_taken_over(dynamodb: Any, clock: FakeClock, late_outcome: str) -> None:
    crashed = IdempotencyStore(lambda: dynamodb, clock=clock)
    assert crashed.begin(SCOPE, "fp-1").kind == "new"
    clock.advance(61)  # the first function hung or died without completing

    retry = IdempotencyStore(lambda: dynamodb, clock=clock)
    assert retry.begin(SCOPE, "fp-1").kind == "new"

    # If the first one wakes up, it can neither overwrite nor delete the retry's record
    if late_outcome == "complete":
        crashed.complete(SCOPE, StoredResponse(200, b"late", {}))
    else:
        crashed.abandon(SCOPE)
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
    with pytest.raises(DependencyDown):
        store.complete(SCOPE, CREATED)
    store.abandon(SCOPE)  # never raises: the record turns stale after 60 s anyway
