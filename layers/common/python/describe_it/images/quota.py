"""The server key's hourly Unsplash quota, tracked for every function in ``quota#unsplash`` (spec §9.1).

Each answer's ``X-Ratelimit-Remaining`` is recorded; once it reaches 0 (or Unsplash refuses on volume)
searches stop calling Unsplash until the next full hour and answer from the stale cache, or 503. Unsplash
does not say when its window ends: the first call after the pause learns the truth, so a wrong guess costs
one call an hour. A DynamoDB failure reads as "not exhausted": tracking must not turn a storage outage
into a search outage (Unsplash's own 403 still stops us).
"""

from __future__ import annotations

import math
import time
from functools import cache

from describe_it.runtime._dynamo import (
    ClientFactory,
    Clock,
    dynamo_errors,
    epoch,
    is_live,
    item_key,
    item_of,
    state_client,
    table_name,
    to_dynamo,
    ttl_at,
)

KEY = "quota#unsplash"
HOUR = 3600
ITEM_TTL_S = 2 * HOUR


class QuotaTracker:
    def __init__(self, client_factory: ClientFactory = state_client, *, clock: Clock = time.time) -> None:
        self._client = client_factory
        self._clock = clock

    def blocked_for(self) -> int:
        """Seconds until the quota may be used again; 0 when it is not known to be spent."""
        now = self._clock()
        try:
            item = item_of(self._client().get_item(TableName=table_name(), Key=item_key(KEY)))
        except dynamo_errors() as exc:
            _log_unavailable(exc)
            return 0
        if item is None or not is_live(item, now) or "blockedUntil" not in item:
            return 0
        left = float(item["blockedUntil"]) - now
        return math.ceil(left) if left > 0 else 0

    def observe(self, remaining: int | None) -> None:
        """Record what an answer said was left; 0 starts the pause."""
        if remaining is None:
            return
        if remaining == 0:
            self.exhausted()
            return
        now = self._clock()
        self._write(
            "SET remaining = :r, observedAt = :now, #ttl = :ttl REMOVE blockedUntil",
            {":r": remaining, ":now": epoch(now), ":ttl": ttl_at(now + ITEM_TTL_S)},
        )

    def exhausted(self) -> int:
        """Start the pause until the next full hour; returns its length in seconds."""
        now = self._clock()
        until = (math.floor(now / HOUR) + 1) * HOUR
        self._write(
            "SET remaining = :zero, observedAt = :now, blockedUntil = :until, #ttl = :ttl",
            {":zero": 0, ":now": epoch(now), ":until": epoch(until), ":ttl": ttl_at(now + ITEM_TTL_S)},
        )
        return max(1, math.ceil(until - now))

    def _write(self, update: str, values: dict[str, object]) -> None:
        try:
            self._client().update_item(
                TableName=table_name(),
                Key=item_key(KEY),
                UpdateExpression=update,
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues=to_dynamo(values),
            )
        except dynamo_errors() as exc:
            _log_unavailable(exc)


def _log_unavailable(exc: Exception) -> None:
    from describe_it.observability import error_fields, logger

    logger.warning("unsplash quota state unavailable", extra=error_fields(exc))


@cache
def get_quota_tracker() -> QuotaTracker:
    return QuotaTracker()
