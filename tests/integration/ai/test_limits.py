"""The AI request limits: the hourly class and the per-user daily quota, charged together, failing
closed, own keys on the pro column (spec §2.3)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from describe_it.ai.limits import charge_ai_request, daily_rule
from describe_it.errors import DependencyDown, RateLimited
from describe_it.identity import guest, user
from infra.local.stack import Stack

DAILY = {"ai-describe": {"guest": 2, "free": 3, "basic": 4, "pro": 6}, "ai-text": {"free": 1}}


@pytest.fixture
def limits(dynamo: Stack, settings_env: Callable[..., None]) -> None:
    settings_env(
        AI_DAILY_LIMITS=json.dumps(DAILY),
        AI_HOURLY_LIMITS=json.dumps(
            {"ai-describe": {"guest": 5, "free": 10, "pro": 500}, "ai-text": {"free": 60}}
        ),
    )


def someone(tier: str = "free") -> Any:
    import uuid

    return user(uuid.uuid4(), tier, "user", None)  # type: ignore[arg-type]


@pytest.mark.usefixtures("limits")
def test_the_daily_quota_refuses_with_429_before_the_hourly_limit() -> None:
    learner = someone("free")
    decisions = [charge_ai_request(learner, "ai-describe", own_key=False) for _ in range(3)]

    with pytest.raises(RateLimited) as raised:
        charge_ai_request(learner, "ai-describe", own_key=False)

    assert [d.remaining for d in decisions] == [2, 1, 0]
    assert decisions[-1].rule.name == "ai-describe-daily"  # the tightest rule names the headers
    error = raised.value
    assert error.status == 429
    assert [d.code for d in error.details] == ["ai-describe-daily"]
    assert 1 <= int(error.headers["Retry-After"]) <= 86_400
    assert error.headers["X-RateLimit-Limit"] == "3"


@pytest.mark.usefixtures("limits")
def test_classes_and_callers_are_counted_apart() -> None:
    learner, other = someone("free"), someone("free")
    charge_ai_request(learner, "ai-text", own_key=False)
    with pytest.raises(RateLimited):
        charge_ai_request(learner, "ai-text", own_key=False)
    charge_ai_request(learner, "ai-describe", own_key=False)
    charge_ai_request(other, "ai-text", own_key=False)


@pytest.mark.usefixtures("limits")
def test_an_own_key_counts_on_the_pro_column() -> None:
    learner = someone("free")
    for _ in range(6):
        charge_ai_request(learner, "ai-describe", own_key=True)
    with pytest.raises(RateLimited):
        charge_ai_request(learner, "ai-describe", own_key=True)
    assert daily_rule("ai-describe", "free", own_key=True).limit == 6


@pytest.mark.usefixtures("limits")
def test_guests_are_limited_per_ip() -> None:
    ip = guest("203.0.113.7", "secret")
    charge_ai_request(ip, "ai-describe", own_key=False)
    charge_ai_request(ip, "ai-describe", own_key=False)
    with pytest.raises(RateLimited):
        charge_ai_request(ip, "ai-describe", own_key=False)
    charge_ai_request(guest("203.0.113.8", "secret"), "ai-describe", own_key=False)


@pytest.mark.usefixtures("limits")
def test_a_tier_missing_from_the_setting_gets_nothing() -> None:
    with pytest.raises(RateLimited):
        charge_ai_request(someone("basic"), "ai-text", own_key=False)


def test_it_fails_closed_without_dynamodb(stack: Stack, settings_env: Callable[..., None]) -> None:
    settings_env(AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_TIMEOUT_S="0.5")
    from describe_it.runtime.rate_limit import get_rate_limiter

    get_rate_limiter.cache_clear()
    try:
        with pytest.raises(DependencyDown):
            charge_ai_request(someone(), "ai-describe", own_key=False)
    finally:
        get_rate_limiter.cache_clear()


@pytest.mark.usefixtures("limits")
def test_concurrent_requests_get_exactly_the_daily_quota() -> None:
    learner = someone("pro")  # 6 a day, 500 an hour
    start = threading.Barrier(25)

    def attempt(_: int) -> bool:
        start.wait()
        try:
            charge_ai_request(learner, "ai-describe", own_key=False)
        except RateLimited:
            return False
        return True

    with ThreadPoolExecutor(max_workers=25) as pool:
        assert sum(pool.map(attempt, range(25))) == 6
