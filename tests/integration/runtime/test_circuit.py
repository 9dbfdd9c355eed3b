"""The shared circuit breaker (spec §1.9) against the real moto server."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from describe_it.errors import ServiceUnavailable
from describe_it.runtime.circuit import CircuitBreaker
from tests.integration.runtime.conftest import FakeClock, Switch


def breaker(factory: Callable[[], Any], clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker("anthropic", client_factory=factory, clock=clock)


def calls(b: CircuitBreaker, outcomes: str) -> None:
    """Make one call per letter: s = success, f = failure."""
    for outcome in outcomes:
        b.before_call()
        if outcome == "s":
            b.record_success()
        else:
            b.record_failure()


def open_circuit(b: CircuitBreaker) -> None:
    calls(b, "sssssfffff")
    assert b.state() == "open"


def test_it_opens_when_half_of_ten_calls_fail(dynamodb: Any, clock: FakeClock) -> None:
    b = breaker(lambda: dynamodb, clock)
    calls(b, "sssssffff")  # 4 of 9 failed; too few calls to judge anyway
    assert b.state() == "closed"
    calls(b, "f")
    assert b.state() == "open"

    with pytest.raises(ServiceUnavailable) as raised:
        b.before_call()
    assert raised.value.status == 503
    assert raised.value.headers["Retry-After"] == "30"


def test_it_stays_closed_below_the_failure_ratio(dynamodb: Any, clock: FakeClock) -> None:
    b = breaker(lambda: dynamodb, clock)
    calls(b, "ssf" * 7)  # a third of the calls failed, all along
    assert b.state() == "closed"


def test_nine_failures_are_not_enough(dynamodb: Any, clock: FakeClock) -> None:
    b = breaker(lambda: dynamodb, clock)
    calls(b, "f" * 9)
    assert b.state() == "closed"


def test_failures_of_an_earlier_window_do_not_count(dynamodb: Any, clock: FakeClock) -> None:
    b = breaker(lambda: dynamodb, clock)
    calls(b, "f" * 9)
    clock.advance(60)
    calls(b, "f")
    assert b.state() == "closed"


def test_the_count_is_shared_by_every_function(dynamodb: Any, clock: FakeClock) -> None:
    one, two = breaker(lambda: dynamodb, clock), breaker(lambda: dynamodb, clock)
    calls(one, "fffff")
    calls(two, "fffff")
    assert one.state() == two.state() == "open"
    with pytest.raises(ServiceUnavailable):
        two.before_call()


def test_it_goes_half_open_after_30_s_and_allows_one_trial(dynamodb: Any, clock: FakeClock) -> None:
    first, second = breaker(lambda: dynamodb, clock), breaker(lambda: dynamodb, clock)
    open_circuit(first)

    clock.advance(29)
    with pytest.raises(ServiceUnavailable) as still_open:
        second.before_call()
    assert still_open.value.headers["Retry-After"] == "1"

    clock.advance(1)
    assert first.state() == "half_open"
    first.before_call()  # the trial
    with pytest.raises(ServiceUnavailable):
        second.before_call()  # only one trial at a time, across functions

    first.record_success()
    assert second.state() == "closed"
    second.before_call()
    # Counters start over: one more failure does not reopen it
    second.record_failure()
    assert second.state() == "closed"


def test_a_failed_trial_opens_it_again(dynamodb: Any, clock: FakeClock) -> None:
    first, second = breaker(lambda: dynamodb, clock), breaker(lambda: dynamodb, clock)
    open_circuit(first)
    clock.advance(30)
    second.before_call()
    second.record_failure()
    assert first.state() == "open"
    with pytest.raises(ServiceUnavailable) as raised:
        first.before_call()
    assert raised.value.headers["Retry-After"] == "30"


def test_a_trial_that_never_reports_can_be_claimed_again(dynamodb: Any, clock: FakeClock) -> None:
    crashed, other = breaker(lambda: dynamodb, clock), breaker(lambda: dynamodb, clock)
    open_circuit(crashed)
    clock.advance(30)
    crashed.before_call()  # claims the trial, then its function dies
    clock.advance(29)
    with pytest.raises(ServiceUnavailable):
        other.before_call()
    clock.advance(1)
    other.before_call()
    other.record_success()
    assert other.state() == "closed"


def test_a_late_success_of_a_call_that_was_not_the_trial_does_not_close_it(
    dynamodb: Any, clock: FakeClock
) -> None:
    b, slow = breaker(lambda: dynamodb, clock), breaker(lambda: dynamodb, clock)
    slow.before_call()  # a long call starts while the circuit is closed
    open_circuit(b)
    slow.record_success()
    assert b.state() == "open"


def test_of_many_concurrent_callers_exactly_one_gets_the_trial(
    per_thread_clients: Callable[[], Any], clock: FakeClock
) -> None:
    open_circuit(breaker(per_thread_clients, clock))
    clock.advance(30)
    start = threading.Barrier(10)

    def attempt(_: int) -> bool:
        b = breaker(per_thread_clients, clock)
        per_thread_clients()  # connect before the race, so the race is between requests
        start.wait()
        try:
            b.before_call()
        except ServiceUnavailable:
            return False
        return True

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert sorted(pool.map(attempt, range(10))) == [False] * 9 + [True]


def test_without_dynamodb_the_breaker_lets_calls_through(switch: Switch, clock: FakeClock) -> None:
    b = breaker(switch, clock)
    open_circuit(b)
    switch.down = True
    assert b.state() == "closed"
    b.before_call()
    b.record_failure()  # logged, not raised
    b.record_success()


# --- neutral outcomes (a rejected user key, a client error): not counted, and a trial is released ---


def test_neutral_outcomes_are_not_counted(dynamodb: Any, clock: FakeClock) -> None:
    """Counted as failures they would open it early; counted as calls, ten failures of 30 would not."""
    b = breaker(lambda: dynamodb, clock)
    for _ in range(20):
        b.before_call()
        b.record_neutral()
    calls(b, "f" * 9)
    assert b.state() == "closed"  # nine counted calls: too few to judge
    calls(b, "f")
    assert b.state() == "open"


def test_five_failures_among_many_neutral_calls_open_it(dynamodb: Any, clock: FakeClock) -> None:
    b = breaker(lambda: dynamodb, clock)
    calls(b, "sssss")
    for _ in range(20):
        b.before_call()
        b.record_neutral()
    calls(b, "fffff")
    assert b.state() == "open"


def test_a_trial_that_ends_neutral_is_released_for_the_next_caller(dynamodb: Any, clock: FakeClock) -> None:
    first, second = breaker(lambda: dynamodb, clock), breaker(lambda: dynamodb, clock)
    open_circuit(first)
    clock.advance(30)
    first.before_call()  # claims the trial...
    with pytest.raises(ServiceUnavailable):
        second.before_call()
    first.record_neutral()  # ...which says nothing about the provider (the user's key was rejected)

    assert first.state() == "half_open"  # not closed: nothing proved the provider well
    second.before_call()  # the next caller gets the trial at once, not after the claim expires
    second.record_success()
    assert first.state() == "closed"


def test_a_neutral_outcome_after_the_claim_was_taken_over_changes_nothing(
    dynamodb: Any, clock: FakeClock
) -> None:
    slow, other, third = (breaker(lambda: dynamodb, clock) for _ in range(3))
    open_circuit(slow)
    clock.advance(30)
    slow.before_call()  # claims the trial, then takes longer than the claim lasts
    clock.advance(30)
    other.before_call()  # the expired claim is taken over
    slow.record_neutral()  # must not release the other caller's trial

    with pytest.raises(ServiceUnavailable):
        third.before_call()
    other.record_success()
    assert third.state() == "closed"
