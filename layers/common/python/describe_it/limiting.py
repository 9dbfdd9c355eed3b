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


def ai_rule(class_name: str, tier: str, *, own_key: bool = False) -> Rule:
    """The hourly rule of an AI class (``ai-describe``/``ai-text``) with the configured per-tier limits.

    Requests that bring the caller's own Anthropic key count against the ``pro`` column (spec §2.3).
    """
    from describe_it.runtime.limits import rules_for
    from describe_it.settings import get_settings

    rule = rules_for(class_name, "pro" if own_key else tier, ai_limits=get_settings().ai_hourly_limits)
    if rule is None:
        raise ValueError(f"{class_name} is not an AI class")
    return rule
