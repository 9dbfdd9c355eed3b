"""Idempotency records of spec §1.8: ``idem#<scope>`` items holding the first response for 24 h.

``begin`` writes an INPROGRESS record conditionally before the handler runs, so of two concurrent
duplicates exactly one runs. Idempotency fails closed: without DynamoDB we cannot promise that a
retried POST does not create things twice, so ``begin`` raises ``DependencyDown`` (503).

``complete`` stores the response or releases the record (correction 11): a record left INPROGRESS
would answer 409 to every retry for a minute and then let the request run a second time anyway. A
body too large for an item is kept in S3 (``idempotency/`` in the stack's bucket, expired by a
lifecycle rule after a day); the item then holds status, headers and the object's key.
"""

from __future__ import annotations

import hashlib
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
from describe_it.runtime.blobs import BlobStore

PREFIX = "idem#"
RECORD_TTL_S = 24 * 3600
# API Gateway gives up on a request after 30 s; an INPROGRESS record older than this belongs to a
# function that crashed or timed out, and must not block the key for a day.
STALE_AFTER_S = 60
# DynamoDB items hold at most 400 KB. The body is compared compressed, as it is stored: most JSON
# shrinks 5-10x and stays inline; 50 KB are left for headers, fingerprint and key.
MAX_INLINE_BODY = 350 * 1024
BLOB_PREFIX = "idempotency/"

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
    def __init__(
        self,
        client_factory: ClientFactory = state_client,
        *,
        blobs: BlobStore | None = None,
        clock: Clock = time.time,
    ) -> None:
        self._client = client_factory
        self._blobs = blobs or BlobStore()
        self._clock = clock
        # scope → owner token of records this process began: complete/release touch only a record
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
            return self._classify(existing, fingerprint)
        with self._lock:
            self._owned[scope] = owner
        return Begin("new")

    def complete(self, scope: str, response: StoredResponse) -> bool:
        """Store the first response for replays (24 h from now); ``False`` when it was not stored.

        Never raises: the work is done and its answer must reach the caller. A record that cannot be
        completed is released, so a retry runs again at once rather than after the record turns stale.
        """
        now = self._clock()
        with self._lock:
            owner = self._owned.pop(scope, None)
        body = zlib.compress(response.body, 6)
        body_attribute = "body"
        names = {"#state": "state", "#ttl": "ttl", "#headers": "headers"}
        values: dict[str, Any] = {
            ":completed": _COMPLETED,
            ":status": response.status,
            ":body": body,
            ":headers": dict(response.headers),
            ":ttl": ttl_at(now + RECORD_TTL_S),
            ":at": epoch(now),
        }
        condition = "attribute_exists(pk)"
        if owner is not None:
            condition += " AND #owner = :owner"
            names["#owner"] = "owner"
            values[":owner"] = owner
        failures: tuple[type[Exception], ...] = (DependencyDown, *dynamo_errors())
        try:
            if len(body) > MAX_INLINE_BODY:
                ref = _blob_key(scope, owner)
                self._blobs.put(ref, body)  # DependencyDown when S3 is unreachable: released below
                body_attribute, values[":body"] = "bodyRef", ref
            self._client().update_item(
                TableName=table_name(),
                Key=item_key(PREFIX + scope),
                UpdateExpression=(
                    "SET #state = :completed, statusCode = :status, #headers = :headers,"
                    f" {body_attribute} = :body, #ttl = :ttl, completedAt = :at"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_dynamo(values),
            )
        except failures as exc:
            from describe_it.observability import logger

            if is_conditional_failure(exc):
                logger.warning("idempotency record taken over before completion; not stored")
                return False
            logger.warning(
                "idempotency record could not be completed; released", extra={"error": type(exc).__name__}
            )
            self._delete(scope, owner)
            return False
        return True

    def release(self, scope: str) -> None:
        """Delete the record so a retry runs again (5xx, 429 …).

        Never raises: a record we cannot delete turns stale after ``STALE_AFTER_S`` and is taken
        over then, which is better than replacing the caller's real answer with a 503.
        """
        with self._lock:
            owner = self._owned.pop(scope, None)
        self._delete(scope, owner)

    def _delete(self, scope: str, owner: str | None) -> None:
        kwargs: dict[str, Any] = {"TableName": table_name(), "Key": item_key(PREFIX + scope)}
        if owner is not None:  # only our own record: after a takeover it belongs to another request
            kwargs.update(
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": {"S": owner}},
            )
        try:
            self._client().delete_item(**kwargs)
        except dynamo_errors() as exc:
            if not is_conditional_failure(exc):
                from describe_it.observability import logger

                logger.warning(
                    "idempotency record could not be released", extra={"error": type(exc).__name__}
                )

    def _read(self, scope: str) -> dict[str, Any] | None:
        try:
            response = self._client().get_item(
                TableName=table_name(), Key=item_key(PREFIX + scope), ConsistentRead=True
            )
        except dynamo_errors() as exc:
            raise _down(exc) from exc
        return item_of(response)

    def _classify(self, record: dict[str, Any], fingerprint: str) -> Begin:
        if record.get("fingerprint") != fingerprint:
            return Begin("mismatch")
        if record.get("state") != _COMPLETED:
            return Begin("in_progress")
        if "bodyRef" in record:
            body: bytes | None = self._blobs.get(str(record["bodyRef"]))  # 503 if S3 is unreachable
        else:
            body = bytes(record["body"]) if record.get("body") is not None else None
        return Begin(
            "replay",
            StoredResponse(
                status=int(record["statusCode"]),
                body=zlib.decompress(body) if body is not None else b"",
                headers={str(k): str(v) for k, v in (record.get("headers") or {}).items()},
            ),
        )


def _blob_key(scope: str, owner: str | None) -> str:
    """The scope is hashed (it holds the user id or IP hash and the client's key); the owner token keeps
    a late writer from overwriting the object of the request that took its record over."""
    digest = hashlib.sha256(scope.encode()).hexdigest()
    return f"{BLOB_PREFIX}{digest}/{owner or uuid.uuid4().hex}"


def _down(exc: Exception) -> DependencyDown:
    from describe_it.observability import logger

    logger.warning("idempotency store unavailable", extra={"error": type(exc).__name__})
    return DependencyDown("Idempotency unavailable", retry_after=5)


@cache
def get_idempotency_store() -> IdempotencyStore:
    return IdempotencyStore()
