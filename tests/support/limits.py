"""The rate limiter's instant in a test: tests/conftest.py holds the shared limiter's clock at one instant
per test, so that a test's requests are always counted in one fixed window (see ``one_limit_window``)."""

from __future__ import annotations


def limiter_now() -> float:
    """The instant the shared limiter counts at (the wall clock outside a test's freeze)."""
    from describe_it.runtime.rate_limit import get_rate_limiter

    return get_rate_limiter()._clock()  # the fixture replaced it for this test


def window_start(window_s: int) -> int:
    """The start of the ``window_s`` window the shared limiter is counting in."""
    return int(limiter_now()) // window_s * window_s
