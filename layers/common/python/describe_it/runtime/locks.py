"""Single-flight locks: ``lock#<cacheKey>`` items with a short TTL (spec §18).

Of N callers that miss the same cache entry at once, the one whose conditional ``PutItem`` wins
computes the value; the others wait for it to appear in the cache. A lock names its owner, so only
the owner releases it, and it expires by itself (``ttl``) when its owner crashed: a waiter that sees
no lock and no value takes over.

Fail-open on purpose: a lock only saves work, so when DynamoDB is unreachable ``acquire`` grants the
lock (the caller computes, as it would without single-flight) and a failed release is logged (the
lock expires by itself).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from functools import cache

from describe_it.runtime._dynamo import (
    ClientFactory,
    Clock,
    dynamo_errors,
    epoch,
    is_conditional_failure,
    is_live,
    item_key,
    item_of,
    state_client,
    table_name,
    to_dynamo,
    ttl_at,
)

PREFIX = "lock#"
LOCK_TTL_S = 30  # spec §18


@dataclass(frozen=True)
class Lock:
    key: str
    owner: str


class SingleFlightLocks:
    def __init__(self, client_factory: ClientFactory = state_client, *, clock: Clock = time.time) -> None:
        self._client = client_factory
        self._clock = clock

    def acquire(self, key: str, ttl_s: int = LOCK_TTL_S) -> Lock | None:
        """The lock on ``key``, or None when another live owner holds it."""
        now = self._clock()
        lock = Lock(key, uuid.uuid4().hex)
        try:
            self._client().put_item(
                TableName=table_name(),
                Item=to_dynamo(
                    {"pk": PREFIX + key, "owner": lock.owner, "at": epoch(now), "ttl": ttl_at(now + ttl_s)}
                ),
                # An expired lock is free: TTL deletion is lazy, so its item may still be there.
                ConditionExpression="attribute_not_exists(pk) OR #ttl <= :now",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues=to_dynamo({":now": epoch(now)}),
            )
        except dynamo_errors() as exc:
            if is_conditional_failure(exc):
                return None
            _log("single-flight lock unavailable; computing without it", exc)
        return lock

    def held(self, key: str) -> bool:
        """Whether a live lock on ``key`` exists (anyone's)."""
        try:
            item = item_of(
                self._client().get_item(
                    TableName=table_name(), Key=item_key(PREFIX + key), ConsistentRead=True
                )
            )
        except dynamo_errors() as exc:
            _log("single-flight lock unreadable; treating it as released", exc)
            return False
        return item is not None and is_live(item, self._clock())

    def release(self, lock: Lock) -> None:
        """Delete the lock if it is still ours (after it expired another caller may own it)."""
        try:
            self._client().delete_item(
                TableName=table_name(),
                Key=item_key(PREFIX + lock.key),
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues=to_dynamo({":owner": lock.owner}),
            )
        except dynamo_errors() as exc:
            if not is_conditional_failure(exc):
                _log("single-flight lock not released; it expires by itself", exc)


def _log(message: str, exc: Exception) -> None:
    from describe_it.observability import error_fields, logger

    logger.warning(message, extra=error_fields(exc))


@cache
def get_locks() -> SingleFlightLocks:
    return SingleFlightLocks()
