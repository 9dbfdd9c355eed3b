"""Exact fixed-window rate limiter on the state table (spec §2.3, §18).

Rules with the same window length share one item per (window length, key, window start) with one
counter attribute per rule. One conditional ``UpdateItem`` adds the cost to every counter of the
item only if none would pass its limit, so the counters of one window move together or not at all,
and concurrent requests can never overshoot a limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from describe_it.errors import DependencyDown
from describe_it.runtime._dynamo import (
    ClientFactory,
    Clock,
    dynamo_errors,
    from_dynamo,
    is_conditional_failure,
    item_key,
    old_item,
    state_client,
    table_name,
    to_dynamo,
)
from describe_it.runtime.limits import Rule

# Items outlive their window a little so a late reader of the window still finds it.
TTL_GRACE_S = 60


@dataclass
class Decision:
    allowed: bool
    rule: Rule  # the most constrained applicable rule: the refused one, else the lowest remaining
    limit: int
    remaining: int
    reset: int  # unix seconds: end of the rule's window
    retry_after: int  # seconds; >= 1 when refused, 0 when allowed
    degraded: bool = False  # DynamoDB was unreachable and the caller chose to fail open

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


@dataclass
class _Count:
    rule: Rule
    remaining: int
    reset: int


def _window(rule: Rule, now: float) -> tuple[int, int]:
    start = int(now // rule.window_s) * rule.window_s
    return start, start + rule.window_s


def _refused(rule: Rule, count: int, now: float) -> Decision:
    _, end = _window(rule, now)
    return Decision(
        allowed=False,
        rule=rule,
        limit=rule.limit,
        remaining=max(0, rule.limit - count),
        reset=end,
        retry_after=max(1, math.ceil(end - now)),
    )


class RateLimiter:
    def __init__(self, client_factory: ClientFactory = state_client, *, clock: Clock = time.time) -> None:
        self._client = client_factory
        self._clock = clock

    def hit(self, key: str, rules: Sequence[Rule], *, fail_open: bool, cost: int = 1) -> Decision:
        """Charge ``cost`` to every rule for ``key``; refused (nothing charged) if any is spent."""
        if not rules or cost < 1:
            raise ValueError("hit() needs at least one rule and a positive cost")
        now = self._clock()
        for rule in rules:
            if rule.limit < cost:  # a "–" cell (limit 0): no request can ever pass
                return _refused(rule, 0, now)

        by_window: dict[int, list[Rule]] = {}
        for rule in rules:
            by_window.setdefault(rule.window_s, []).append(rule)

        counts: list[_Count] = []
        # Shortest window first: a request refused by `burst` must not spend the scarce hourly
        # quota. (A request refused by an hourly class still counts against `burst`, which is what
        # `burst` is for: it limits requests, answered or not.)
        for window_s in sorted(by_window):
            try:
                outcome = self._charge(key, by_window[window_s], now, cost)
            except dynamo_errors() as exc:
                return self._unavailable(rules, now, fail_open, exc)
            if isinstance(outcome, Decision):
                return outcome
            counts.extend(outcome)

        tightest = min(counts, key=lambda c: (c.remaining, -c.reset))
        return Decision(
            allowed=True,
            rule=tightest.rule,
            limit=tightest.rule.limit,
            remaining=tightest.remaining,
            reset=tightest.reset,
            retry_after=0,
        )

    def _charge(self, key: str, rules: list[Rule], now: float, cost: int) -> list[_Count] | Decision:
        if len({rule.name for rule in rules}) != len(rules):
            raise ValueError("rules sharing a window need distinct names")
        start, end = _window(rules[0], now)
        names: dict[str, str] = {"#ttl": "ttl"}
        values: dict[str, Any] = {":cost": cost, ":ttl": end + TTL_GRACE_S}
        adds, conditions = [], []
        for i, rule in enumerate(rules):
            names[f"#r{i}"] = rule.name
            values[f":max{i}"] = rule.limit - cost
            adds.append(f"#r{i} :cost")
            conditions.append(f"(attribute_not_exists(#r{i}) OR #r{i} <= :max{i})")
        try:
            response = self._client().update_item(
                TableName=table_name(),
                Key=item_key(f"rl#{rules[0].window_s}#{key}#{start}"),
                UpdateExpression=f"ADD {', '.join(adds)} SET #ttl = :ttl",
                ConditionExpression=" AND ".join(conditions),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_dynamo(values),
                ReturnValues="UPDATED_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as exc:
            if not is_conditional_failure(exc):
                raise
            old = old_item(exc) or {}
            for rule in rules:
                count = int(old.get(rule.name, 0))
                if count + cost > rule.limit:
                    return _refused(rule, count, now)
            # The item changed between the check and our read of it; it was spent either way.
            return _refused(rules[0], rules[0].limit, now)
        new = from_dynamo(response.get("Attributes", {}))
        return [_Count(rule, max(0, rule.limit - int(new.get(rule.name, cost))), end) for rule in rules]

    def _unavailable(self, rules: Sequence[Rule], now: float, fail_open: bool, exc: Exception) -> Decision:
        from describe_it.observability import error_fields, logger, metrics

        if not fail_open:
            logger.warning("rate limiting unavailable; refusing", extra=error_fields(exc))
            raise DependencyDown("Rate limiting unavailable", retry_after=5) from exc
        from aws_lambda_powertools.metrics import MetricUnit

        logger.warning("rate limiting unavailable; allowing (degraded)", extra=error_fields(exc))
        metrics.add_metric(name="RateLimitDegraded", unit=MetricUnit.Count, value=1)
        rule = min(rules, key=lambda r: r.limit)
        _, end = _window(rule, now)
        return Decision(
            allowed=True,
            rule=rule,
            limit=rule.limit,
            remaining=rule.limit,
            reset=end,
            retry_after=0,
            degraded=True,
        )


@cache
def get_rate_limiter() -> RateLimiter:
    return RateLimiter()
