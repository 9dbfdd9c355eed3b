"""The request limits of the AI routes (spec §2.3), charged just before the first upstream call.

``charge_ai_request`` counts one request against the route's hourly class (``ai-describe`` or
``ai-text``, per tier) and the per-user daily quota of the same class (``AI_DAILY_LIMITS``, per tier,
UTC days), in one call to the rate limiter, failing closed (503) when DynamoDB is unreachable. A
request that brings the caller's own key counts against the ``pro`` column of both. Cache hits must
not call it: they are free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from describe_it.identity import Principal

if TYPE_CHECKING:
    from describe_it.runtime.limits import Rule
    from describe_it.runtime.rate_limit import Decision

AiClass = Literal["ai-describe", "ai-text"]
DAY_S = 24 * 3600


def daily_rule(class_name: AiClass, tier: str, *, own_key: bool = False) -> Rule:
    """The per-user daily quota of an AI class: rule ``<class>-daily`` on a UTC-day window."""
    from describe_it.runtime.limits import Rule
    from describe_it.settings import get_settings

    limits = get_settings().ai_daily_limits.get(class_name, {})
    return Rule(f"{class_name}-daily", limits.get("pro" if own_key else tier, 0), DAY_S)


def charge_ai_request(principal: Principal, class_name: AiClass, *, own_key: bool) -> Decision:
    """429 (with Retry-After and X-RateLimit-* of the tightest rule) when the hour or the day is spent."""
    from describe_it.limiting import ai_rule, charge

    rules = [
        ai_rule(class_name, principal.tier, own_key=own_key),
        daily_rule(class_name, principal.tier, own_key=own_key),
    ]
    return charge(principal.client_key, rules, fail_open=False)
