"""Idempotency records of spec §1.8: ``idem#<scope>`` items holding the first response for 24 h.

``begin`` writes an INPROGRESS record conditionally before the handler runs, so of two concurrent
duplicates exactly one runs. Idempotency fails closed: without DynamoDB we cannot promise that a
retried POST does not create things twice, so ``begin`` raises ``DependencyDown`` (503).
"""

from __future__ import annotations

import threading
import time
import uuid
import zlib
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from describe_it.errors import DependencyDown
from describe_it.runtime._dynamo import (
    ClientFactory,
    Clock,
    dynamo_errors,
    epoch,
    is_conditional_failure,
    is_live,
    item_key,
    item_of,
    old_item,
    state_client,
    table_name,
    to_dynamo,
    ttl_at,
)

PREFIX = "idem#"
RECORD_TTL_S = 24 * 3600
# API Gateway gives up on a request after 30 s; an INPROGRESS record older than this belongs to a
# function that crashed or timed out, and must not block the key for a day.
STALE_AFTER_S = 60

_IN_PROGRESS, _COMPLETED = "INPROGRESS", "COMPLETED"


@dataclass
class StoredResponse:
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass
class Begin:
    kind: Literal["new", "replay", "in_progress", "mismatch"]
    response: StoredResponse | None = None


class IdempotencyStore:
    def __init__(self, client_factory: ClientFactory = state_client, *, clock: Clock = time.time) -> None:
        self._client = client_factory
        self._clock = clock
        # scope → owner token of records this process began: complete/abandon touch only a record
        # that is still ours (after a stale takeover it belongs to another request).
        self._owned: dict[str, str] = {}
        self._lock = threading.Lock()

    def begin(self, scope: str, fingerprint: str) -> Begin:
        now = self._clock()
        owner = uuid.uuid4().hex
        try:
            self._client().put_item(
                TableName=table_name(),
                Item=to_dynamo(
                    {
                        "pk": PREFIX + scope,
                        "state": _IN_PROGRESS,
                        "fingerprint": fingerprint,
                        "owner": owner,
                        "startedAt": epoch(now),
                        "ttl": ttl_at(now + RECORD_TTL_S),
                    }
                ),
                ConditionExpression=(
                    "attribute_not_exists(pk) OR #ttl <= :now"
                    " OR (#state = :inprogress AND startedAt <= :stale)"
                ),
                ExpressionAttributeNames={"#ttl": "ttl", "#state": "state"},
                ExpressionAttributeValues=to_dynamo(
                    {":now": epoch(now), ":inprogress": _IN_PROGRESS, ":stale": epoch(now - STALE_AFTER_S)}
                ),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except dynamo_errors() as exc:
            if not is_conditional_failure(exc):
                raise _down(exc) from exc
            existing = old_item(exc) or self._read(scope)
            if existing is None or not is_live(existing, now):  # gone since; the caller may retry
                return Begin("in_progress")
            return _classify(existing, fingerprint)
        with self._lock:
            self._owned[scope] = owner
        return Begin("new")

    def complete(self, scope: str, response: StoredResponse) -> None:
        """Store the first response for replays (24 h from now)."""
        now = self._clock()
        names = {"#state": "state", "#ttl": "ttl", "#headers": "headers"}
        values: dict[str, Any] = {
            ":completed": _COMPLETED,
            ":status": response.status,
            ":body": zlib.compress(response.body, 6),
            ":headers": dict(response.headers),
            ":ttl": ttl_at(now + RECORD_TTL_S),
            ":at": epoch(now),
        }
        condition = "attribute_exists(pk)"
        with self._lock:
            owner = self._owned.pop(scope, None)
        if owner is not None:
            condition += " AND #owner = :owner"
            names["#owner"] = "owner"
            values[":owner"] = owner
        try:
            self._client().update_item(
                TableName=table_name(),
                Key=item_key(PREFIX + scope),
                UpdateExpression=(
                    "SET #state = :completed, statusCode = :status, body = :body,"
                    " #headers = :headers, #ttl = :ttl, completedAt = :at"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_dynamo(values),
            )
        except dynamo_errors() as exc:
            if is_conditional_failure(exc):
                from describe_it.observability import logger

                logger.warning("idempotency record taken over before completion; not stored")
                return
            raise _down(exc) from exc

    def abandon(self, scope: str) -> None:
        """Delete the record so a retry runs again (5xx, 429 …).

        Never raises: a record we cannot delete turns stale after ``STALE_AFTER_S`` and is taken
        over then, which is better than replacing the caller's real answer with a 503.
        """
        from describe_it.observability import logger

        with self._lock:
            owner = self._owned.pop(scope, None)
        kwargs: dict[str, Any] = {"TableName": table_name(), "Key": item_key(PREFIX + scope)}
        if owner is not None:
            kwargs.update(
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": {"S": owner}},
            )
        try:
            self._client().delete_item(**kwargs)
        except dynamo_errors() as exc:
            if not is_conditional_failure(exc):
                logger.warning("idempotency record could not be abandoned", extra={"error": repr(exc)})

    def _read(self, scope: str) -> dict[str, Any] | None:
        try:
            response = self._client().get_item(
                TableName=table_name(), Key=item_key(PREFIX + scope), ConsistentRead=True
            )
        except dynamo_errors() as exc:
            raise _down(exc) from exc
        return item_of(response)


def _classify(record: dict[str, Any], fingerprint: str) -> Begin:
    if record.get("fingerprint") != fingerprint:
        return Begin("mismatch")
    if record.get("state") != _COMPLETED:
        return Begin("in_progress")
    body = record.get("body")
    return Begin(
        "replay",
        StoredResponse(
            status=int(record["statusCode"]),
            body=zlib.decompress(bytes(body)) if body is not None else b"",
            headers={str(k): str(v) for k, v in (record.get("headers") or {}).items()},
        ),
    )


def _down(exc: Exception) -> DependencyDown:
    from describe_it.observability import logger

    logger.warning("idempotency store unavailable", extra={"error": repr(exc)})
    return DependencyDown("Idempotency unavailable", retry_after=5)


@cache
def get_idempotency_store() -> IdempotencyStore:
    return IdempotencyStore()
