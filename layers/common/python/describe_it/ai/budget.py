"""The server key's daily token budget ``AI_DAILY_TOKEN_BUDGET`` (spec §1.9, §18 ``budget#<day>``).

One item per UTC day, ``budget#YYYY-MM-DD``, whose ``tokens`` attribute counts the input + output
tokens of server-key calls (callers' own keys are not counted: they pay for themselves). A call
**reserves** an upper bound of its tokens before it goes out — one conditional ``ADD``, admitted
only if ``tokens + reservation ≤ budget`` — and **settles** afterwards: ``ADD (actual − reserved)``,
or the whole reservation back if the API billed nothing (an error answer, a timeout: the API reports
usage only in its answer).

The bound: DynamoDB evaluates each condition and its ``ADD`` atomically, so at every moment the sum
of the settled calls and the open reservations is ≤ the budget, however many functions spend at
once. Settling replaces a reservation by the call's real usage, which is ≤ the reservation because
the reservation is an upper bound (``max_tokens`` caps the output; ``usage.input_token_bound`` bounds
the input). So the day's total never exceeds the budget; a call could exceed it only if it used more
than its reservation, and then by that excess, which is less than one call's tokens. The price: near
the end of a day the last reservation that does not fit is refused although the call might have fit.

A crashed function leaves its reservation counted (the budget errs on the side of the bill). When
DynamoDB is unreachable the budget fails closed (503), like the ``ai-*`` rate limits: it guards money.
``AI_DAILY_TOKEN_BUDGET=0`` turns it off.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from describe_it.ai.errors import BudgetExhausted
from describe_it.errors import DependencyDown
from describe_it.runtime._dynamo import (
    ClientFactory,
    Clock,
    dynamo_errors,
    is_conditional_failure,
    is_live,
    item_key,
    item_of,
    state_client,
    table_name,
    to_dynamo,
)

PREFIX = "budget#"
ITEM_TTL_S = 2 * 24 * 3600  # spec §18: 2 days
_DAY_S = 24 * 3600


def day_of(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")


@dataclass
class Reservation:
    """Tokens held for one call; ``settle`` with what the call really used (once)."""

    budget: DailyTokenBudget | None  # None: nothing was reserved (budget off)
    day: str
    tokens: int
    _done: bool = field(default=False, repr=False)

    def settle(self, used: int) -> None:
        if self._done or self.budget is None:
            return
        self._done = True
        if used != self.tokens:
            self.budget._add(self.day, used - self.tokens)

    def release(self) -> None:
        """The call billed nothing (or its usage is unknown): give the whole reservation back."""
        self.settle(0)


class DailyTokenBudget:
    def __init__(self, limit: int, *, client_factory: ClientFactory = state_client, clock: Clock = time.time):
        self.limit = limit
        self._client = client_factory
        self._clock = clock

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def reserve(self, tokens: int) -> Reservation:
        """Hold ``tokens`` of today's budget, or raise ``BudgetExhausted`` (503 until 00:00 UTC)."""
        now = self._clock()
        day = day_of(now)
        if not self.enabled:
            return Reservation(None, day, tokens)
        if tokens > self.limit:
            raise BudgetExhausted(now=now)
        try:
            self._client().update_item(
                TableName=table_name(),
                Key=item_key(PREFIX + day),
                UpdateExpression="ADD tokens :n SET #ttl = if_not_exists(#ttl, :ttl)",
                ConditionExpression="attribute_not_exists(tokens) OR tokens <= :room",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues=to_dynamo(
                    {":n": tokens, ":room": self.limit - tokens, ":ttl": self._ttl(now)}
                ),
            )
        except dynamo_errors() as exc:
            if is_conditional_failure(exc):
                raise BudgetExhausted(now=now) from None
            self._log("AI budget unavailable; refusing", exc)
            raise DependencyDown("AI budget unavailable", retry_after=5) from None
        return Reservation(self, day, tokens)

    def used(self) -> int:
        """Tokens counted today (settled calls and open reservations)."""
        if not self.enabled:
            return 0
        now = self._clock()
        try:
            item = item_of(
                self._client().get_item(
                    TableName=table_name(), Key=item_key(PREFIX + day_of(now)), ConsistentRead=True
                )
            )
        except dynamo_errors() as exc:
            self._log("AI budget unavailable; refusing", exc)
            raise DependencyDown("AI budget unavailable", retry_after=5) from None
        if item is None or not is_live(item, now):
            return 0
        return int(item.get("tokens", 0))

    def ensure_available(self) -> None:
        """Raise ``BudgetExhausted`` if today's budget is spent: a route's check before it starts work
        that will need server-key calls (each call still reserves its own tokens)."""
        if self.enabled and self.used() >= self.limit:
            raise BudgetExhausted(now=self._clock())

    def _add(self, day: str, delta: int) -> None:
        try:
            self._client().update_item(
                TableName=table_name(),
                Key=item_key(PREFIX + day),
                UpdateExpression="ADD tokens :d",
                ExpressionAttributeValues=to_dynamo({":d": delta}),
            )
        except dynamo_errors() as exc:  # the reservation stays counted: an over-count, never an under-count
            self._log("AI budget settlement lost", exc)

    @staticmethod
    def _ttl(now: float) -> int:
        return (int(now) // _DAY_S) * _DAY_S + ITEM_TTL_S  # two days after the day began

    @staticmethod
    def _log(message: str, exc: Exception) -> None:
        from describe_it.observability import logger

        logger.warning(message, extra={"error": type(exc).__name__})


@cache
def _budget(limit: int) -> DailyTokenBudget:
    return DailyTokenBudget(limit)


def get_budget() -> DailyTokenBudget:
    from describe_it.settings import get_settings

    return _budget(get_settings().ai_daily_token_budget)
