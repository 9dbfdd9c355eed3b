"""The server key's daily token budget (``budget#<day>``) against the real moto server: reservations,
settlement, the UTC day, failing closed, and concurrent spenders (the bound is in ai/budget.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from describe_it.ai.budget import DailyTokenBudget
from describe_it.ai.claude import ClaudeProvider
from describe_it.ai.errors import BudgetExhausted
from describe_it.errors import DependencyDown
from tests.integration.ai.conftest import beach_request, deadline
from tests.integration.runtime.conftest import FakeClock, stored_item
from tests.support.fake_anthropic import FakeAnthropic

# 2027-03-10 23:59:50 UTC: ten seconds before the budget day ends.
LATE = datetime(2027, 3, 10, 23, 59, 50, tzinfo=UTC).timestamp()


def tokens(dynamodb: Any, day: str = "2027-03-10") -> int | None:
    item = stored_item(dynamodb, f"budget#{day}")
    return None if item is None else int(item["tokens"]["N"])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(LATE)


def test_a_reservation_is_settled_to_what_the_call_used(dynamodb: Any, clock: FakeClock) -> None:
    budget = DailyTokenBudget(10_000, clock=clock)

    reservation = budget.reserve(4_000)
    assert tokens(dynamodb) == 4_000  # held while the call runs
    reservation.settle(1_234)
    reservation.settle(9_999)  # once only

    assert tokens(dynamodb) == budget.used() == 1_234
    item = stored_item(dynamodb, "budget#2027-03-10")
    assert item is not None
    assert (
        int(item["ttl"]["N"]) == datetime(2027, 3, 12, tzinfo=UTC).timestamp()
    )  # 2 days after the day began


def test_a_call_that_billed_nothing_gives_everything_back(dynamodb: Any, clock: FakeClock) -> None:
    budget = DailyTokenBudget(10_000, clock=clock)
    budget.reserve(4_000).release()
    assert tokens(dynamodb) == 0


def test_no_room_for_a_reservation_is_503_until_midnight_utc(dynamodb: Any, clock: FakeClock) -> None:
    budget = DailyTokenBudget(10_000, clock=clock)
    budget.reserve(7_000).settle(7_000)
    budget.reserve(3_000)  # exactly full

    with pytest.raises(BudgetExhausted) as raised:
        budget.reserve(1)

    assert raised.value.status == 503
    assert raised.value.headers["Retry-After"] == "10"
    assert [d.code for d in raised.value.details] == ["budget_exhausted"]
    assert tokens(dynamodb) == 10_000  # the refused one wrote nothing
    with pytest.raises(BudgetExhausted):
        budget.ensure_available()


def test_a_reservation_larger_than_the_budget_is_refused_without_a_write(
    dynamodb: Any, clock: FakeClock
) -> None:
    with pytest.raises(BudgetExhausted):
        DailyTokenBudget(1_000, clock=clock).reserve(1_001)
    assert tokens(dynamodb) is None


def test_a_new_utc_day_has_a_new_budget_and_late_settlements_go_to_their_own_day(
    dynamodb: Any, clock: FakeClock
) -> None:
    budget = DailyTokenBudget(10_000, clock=clock)
    reservation = budget.reserve(10_000)  # started at 23:59:50
    clock.advance(20)  # 00:00:10 the next day

    budget.reserve(10_000).settle(500)
    reservation.settle(2_000)

    assert tokens(dynamodb, "2027-03-10") == 2_000
    assert tokens(dynamodb, "2027-03-11") == 500
    budget.ensure_available()


def test_a_zero_budget_is_off(dynamodb: Any, clock: FakeClock) -> None:
    budget = DailyTokenBudget(0, clock=clock)
    budget.reserve(10**9).settle(10**9)
    budget.ensure_available()
    assert tokens(dynamodb) is None and budget.used() == 0


def test_without_dynamodb_it_fails_closed_and_a_lost_settlement_does_not_raise(
    dynamodb: Any, dead_client: Callable[[], Any], clock: FakeClock
) -> None:
    reservation = DailyTokenBudget(10_000, clock=clock).reserve(1_000)
    down = DailyTokenBudget(10_000, client_factory=dead_client, clock=clock)

    with pytest.raises(DependencyDown) as raised:
        down.reserve(1)
    assert raised.value.status == 503
    with pytest.raises(DependencyDown):
        down.ensure_available()
    reservation.budget = down  # its settlement cannot reach DynamoDB…
    reservation.settle(10)  # …is logged, and the reservation stays counted (an over-count)
    assert tokens(dynamodb) == 1_000


# --- concurrent spenders -----------------------------------------------------------------------------


def test_concurrent_reservations_admit_exactly_what_fits(
    per_thread_clients: Callable[[], Any], dynamodb: Any, clock: FakeClock
) -> None:
    """30 functions reserve 1,000 at once against 10,500: exactly 10 fit, whatever the interleaving."""
    start = threading.Barrier(30)

    def spend(_: int) -> bool:
        budget = DailyTokenBudget(10_500, client_factory=per_thread_clients, clock=clock)
        per_thread_clients()  # connect before the race
        start.wait()
        try:
            budget.reserve(1_000)
        except BudgetExhausted:
            return False
        return True

    with ThreadPoolExecutor(max_workers=30) as pool:
        admitted = sum(pool.map(spend, range(30)))

    assert admitted == 10
    assert tokens(dynamodb) == 10_000


def test_concurrent_spenders_that_settle_never_pass_the_budget(
    per_thread_clients: Callable[[], Any], dynamodb: Any, clock: FakeClock
) -> None:
    """Reserve 1,000, use 300–590: settled totals and open reservations stay within the budget, so
    the day ends at or under it, with exactly the admitted calls' usage counted."""
    start = threading.Barrier(30)
    used: list[int] = []
    lock = threading.Lock()

    def spend(index: int) -> bool:
        budget = DailyTokenBudget(10_000, client_factory=per_thread_clients, clock=clock)
        per_thread_clients()
        start.wait()
        try:
            reservation = budget.reserve(1_000)
        except BudgetExhausted:
            return False
        reservation.settle(300 + 10 * index)
        with lock:
            used.append(300 + 10 * index)
        return True

    with ThreadPoolExecutor(max_workers=30) as pool:
        admitted = sum(pool.map(spend, range(30)))

    assert admitted >= 10  # ten reservations always fit, settled or not
    assert tokens(dynamodb) == sum(used) <= 10_000


def test_concurrent_model_calls_on_the_server_key_stay_within_the_budget(
    fake_anthropic: FakeAnthropic, make_provider: Callable[..., ClaudeProvider], dynamodb: Any
) -> None:
    """20 descriptions at once, through the real SDK, against a budget of a few calls: the fake's
    billed tokens for the calls that went out are exactly what is counted, and never more than the
    budget; every other call was refused before it was sent."""
    from describe_it.ai.budget import day_of

    budget = 12_000
    start = threading.Barrier(20)
    provider = make_provider(budget=budget)

    def describe(_: int) -> int | None:
        start.wait()
        try:
            return provider.describe_image(beach_request(max_length=50), deadline(20)).usage.total_tokens
        except BudgetExhausted:
            return None

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(describe, range(20)))

    billed = [r for r in results if r is not None]
    assert 1 <= len(billed) < 20
    assert len(fake_anthropic.requests) == len(billed)
    assert tokens(dynamodb, day_of(time.time())) == sum(billed) <= budget
