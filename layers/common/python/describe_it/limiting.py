"""Charging rate limits and turning a refusal into the 429 of spec §2.3 (one place for both)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from describe_it.errors import Detail, RateLimited

if TYPE_CHECKING:
    from describe_it.runtime.limits import Rule
    from describe_it.runtime.rate_limit import Decision


def refusal(decision: Decision, message: str | None = None) -> RateLimited:
    return RateLimited(
        message or f"Rate limit exceeded; retry in {decision.retry_after} s",
        details=[Detail(None, "Rate limit exceeded", decision.rule.name)],
        headers={**decision.headers(), "Retry-After": str(decision.retry_after)},
    )


def charge(key: str, rules: Sequence[Rule], *, fail_open: bool) -> Decision:
    """Count one request against ``rules`` for ``key``; 429 when any of them is spent."""
    from describe_it.runtime.rate_limit import get_rate_limiter

    decision = get_rate_limiter().hit(key, rules, fail_open=fail_open)
    if not decision.allowed:
        raise refusal(decision)
    return decision
