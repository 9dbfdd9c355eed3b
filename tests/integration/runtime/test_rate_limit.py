"""The fixed-window limiter against the real moto server: exact under concurrency, atomic per window."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from describe_it.errors import DependencyDown
from describe_it.runtime.limits import Rule, rules_for
from describe_it.runtime.rate_limit import Decision, RateLimiter
from tests.integration.runtime.conftest import FakeClock, stored_items


def test_exactly_the_limit_of_50_concurrent_requests_pass(
    per_thread_clients: Callable[[], Any], clock: FakeClock
) -> None:
    # Given a limit of 17 and one limiter per thread (like 50 concurrent Lambdas)
    rule = Rule("ai-describe", 17, 3600)
    start = threading.Barrier(50)

    def request(_: int) -> Decision:
        limiter = RateLimiter(per_thread_clients, clock=clock)
        per_thread_clients()  # connect before the race, so the race is between requests
        start.wait()
        return limiter.hit("u:concurrent", [rule], fail_open=False)

    # When 50 requests arrive at once
    with ThreadPoolExecutor(max_workers=50) as pool:
        decisions = list(pool.map(request, range(50)))

    # Then exactly 17 pass, each seeing a distinct remaining count, and 33 are refused
    allowed = [d for d in decisions if d.allowed]
    refused = [d for d in decisions if not d.allowed]
    assert len(allowed) == 17
    assert sorted(d.remaining for d in allowed) == list(range(17))
    assert len(refused) == 33
    assert all(d.retry_after >= 1 and d.remaining == 0 and d.rule.name == "ai-describe" for d in refused)


def test_a_new_window_starts_fresh(dynamodb: Any, clock: FakeClock) -> None:
    limiter = RateLimiter(lambda: dynamodb, clock=clock)
    rule = Rule("read", 3, 60)
    assert [limiter.hit("ip:a", [rule], fail_open=True).remaining for _ in range(3)] == [2, 1, 0]

    refused = limiter.hit("ip:a", [rule], fail_open=True)
    assert not refused.allowed
    assert refused.retry_after == 50  # the clock is 10 s into the minute
    assert refused.reset == int(clock.now) + 50

    clock.advance(refused.retry_after)
    fresh = limiter.hit("ip:a", [rule], fail_open=True)
    assert fresh.allowed
    assert fresh.remaining == 2
    assert fresh.reset == int(clock.now) + 60


def test_keys_are_counted_separately(dynamodb: Any, clock: FakeClock) -> None:
    limiter = RateLimiter(lambda: dynamodb, clock=clock)
    rule = Rule("read", 1, 60)
    assert limiter.hit("u:one", [rule], fail_open=True).allowed
    assert not limiter.hit("u:one", [rule], fail_open=True).allowed
    assert limiter.hit("u:two", [rule], fail_open=True).allowed


def test_two_rules_in_one_window_are_both_counted_and_the_spent_one_is_named(
    dynamodb: Any, clock: FakeClock
) -> None:
    limiter = RateLimiter(lambda: dynamodb, clock=clock)
    burst, read = Rule("burst", 5, 60), Rule("read", 3, 60)

    decisions = [limiter.hit("u:x", [burst, read], fail_open=True) for _ in range(3)]
    assert all(d.allowed for d in decisions)
    # The headers describe the most constrained rule: read has fewer requests left than burst
    assert decisions[-1].rule == read
    assert decisions[-1].headers() == {
        "X-RateLimit-Limit": "3",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(clock.now) + 50),
    }

    refused = limiter.hit("u:x", [burst, read], fail_open=True)
    assert not refused.allowed
    assert refused.rule == read

    # burst was charged by the three allowed requests and not by the refused one
    assert limiter.hit("u:x", [burst], fail_open=True).remaining == 5 - 4


def test_the_first_spent_rule_refuses_even_when_the_other_has_room(dynamodb: Any, clock: FakeClock) -> None:
    limiter = RateLimiter(lambda: dynamodb, clock=clock)
    burst, read = Rule("burst", 2, 60), Rule("read", 10, 60)
    assert limiter.hit("u:y", [burst, read], fail_open=True).allowed
    assert limiter.hit("u:y", [burst, read], fail_open=True).allowed
    refused = limiter.hit("u:y", [burst, read], fail_open=True)
    assert (refused.allowed, refused.rule.name, refused.limit) == (False, "burst", 2)


def test_rules_with_different_windows(dynamodb: Any, clock: FakeClock) -> None:
    limiter = RateLimiter(lambda: dynamodb, clock=clock)
    burst, ai = Rule("burst", 100, 60), Rule("ai-describe", 2, 3600)
    assert limiter.hit("u:z", [burst, ai], fail_open=False).allowed
    second = limiter.hit("u:z", [burst, ai], fail_open=False)
    assert (second.allowed, second.rule, second.remaining) == (True, ai, 0)

    refused = limiter.hit("u:z", [burst, ai], fail_open=False)
    assert not refused.allowed
    assert refused.rule == ai
    assert refused.reset == int(clock.now) - 10 + 3600  # end of the hour, not of the minute
    assert refused.retry_after == 3590

    # A new minute does not reset the hourly class
    clock.advance(60)
    assert not limiter.hit("u:z", [burst, ai], fail_open=False).allowed


def test_cost_is_charged_as_a_whole_or_not_at_all(dynamodb: Any, clock: FakeClock) -> None:
    limiter = RateLimiter(lambda: dynamodb, clock=clock)
    rule = Rule("ai-text", 5, 3600)
    assert limiter.hit("u:c", [rule], fail_open=False, cost=3).remaining == 2
    assert not limiter.hit("u:c", [rule], fail_open=False, cost=3).allowed
    assert limiter.hit("u:c", [rule], fail_open=False, cost=2).remaining == 0


def test_a_class_the_tier_may_not_use_is_refused(dynamodb: Any, clock: FakeClock) -> None:
    limiter = RateLimiter(lambda: dynamodb, clock=clock)
    write = rules_for("write", "guest")
    assert write is not None
    refused = limiter.hit("ip:g", [write], fail_open=True)
    assert not refused.allowed
    assert refused.rule.name == "write"
    assert refused.retry_after >= 1
    assert refused.headers()["X-RateLimit-Limit"] == "0"


def test_items_expire_a_minute_after_their_window(dynamodb: Any, clock: FakeClock) -> None:
    RateLimiter(lambda: dynamodb, clock=clock).hit("u:t", [Rule("read", 5, 60)], fail_open=True)
    items = stored_items(dynamodb)
    assert [(i["pk"]["S"], int(i["ttl"]["N"]), int(i["read"]["N"])) for i in items] == [
        (f"rl#60#u:t#{int(clock.now) - 10}", int(clock.now) - 10 + 60 + 60, 1)
    ]


def test_unreachable_dynamodb_fails_open_when_asked(dead_client: Callable[[], Any], clock: FakeClock) -> None:
    decision = RateLimiter(dead_client, clock=clock).hit("u:d", [Rule("read", 5, 60)], fail_open=True)
    assert decision.allowed
    assert decision.degraded


def test_unreachable_dynamodb_fails_closed_when_asked(
    dead_client: Callable[[], Any], clock: FakeClock
) -> None:
    with pytest.raises(DependencyDown) as raised:
        RateLimiter(dead_client, clock=clock).hit("u:d", [Rule("ai-describe", 5, 3600)], fail_open=False)
    assert raised.value.status == 503
    assert raised.value.headers["Retry-After"] == "5"
