"""Asynchronous job records: ``job#<jobId>`` items in the state table, kept 24 h (spec §5.3, §18).

A job moves ``queued → running → succeeded | partial | failed``, each step one conditional write, so
a job whose work is delivered twice (asynchronous invocations are at-least-once) runs once and is
finished once: ``start`` admits one runner (or a new one when the last runner went silent for longer
than any run can take), ``finish`` writes only a job that is not finished yet. Reads ignore expired
items (TTL deletion is lazy).

Fails closed: a job the service cannot record cannot be reported on, so errors are ``DependencyDown``.
"""

from __future__ import annotations

import json
import time
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
    state_client,
    table_name,
    to_dynamo,
    ttl_at,
)

PREFIX = "job#"
JOB_TTL_S = 24 * 3600
# A runner that has not finished after this long is gone (the function's own timeout is shorter).
STALE_RUN_S = 300

Status = Literal["queued", "running", "succeeded", "partial", "failed"]
FINISHED: tuple[Status, ...] = ("succeeded", "partial", "failed")


@dataclass(frozen=True)
class Job:
    job_id: str
    owner: str  # the creator's principal key: "u:<uuid>" or "ip:<hmac>"
    status: Status
    created_at: float
    updated_at: float
    expires_at: float
    result: Any | None = None  # JSON
    message: str | None = None
    error: dict[str, str] | None = None  # {code, message}


class JobStore:
    def __init__(self, client_factory: ClientFactory = state_client, *, clock: Clock = time.time) -> None:
        self._client = client_factory
        self._clock = clock

    def create(self, job_id: str, owner: str) -> Job:
        now = self._clock()
        expires = ttl_at(now + JOB_TTL_S)
        values = {
            "pk": PREFIX + job_id,
            "owner": owner,
            "status": "queued",
            "createdAt": epoch(now),
            "updatedAt": epoch(now),
            "ttl": expires,
        }
        try:
            self._client().put_item(
                TableName=table_name(), Item=to_dynamo(values), ConditionExpression="attribute_not_exists(pk)"
            )
        except dynamo_errors() as exc:
            raise _down("job not created", exc) from None
        return Job(job_id, owner, "queued", now, now, expires)

    def get(self, job_id: str) -> Job | None:
        try:
            item = item_of(
                self._client().get_item(
                    TableName=table_name(), Key=item_key(PREFIX + job_id), ConsistentRead=True
                )
            )
        except dynamo_errors() as exc:
            raise _down("job unreadable", exc) from None
        if item is None or not is_live(item, self._clock()):
            return None
        return _job(job_id, item)

    def start(self, job_id: str) -> bool:
        """``queued → running`` (or a silent runner's ``running`` taken over); False: not to be run."""
        now = self._clock()
        return self._update(
            job_id,
            "SET #status = :running, updatedAt = :now",
            "#status = :queued OR (#status = :running AND updatedAt <= :stale)",
            {
                ":running": "running",
                ":queued": "queued",
                ":now": epoch(now),
                ":stale": epoch(now - STALE_RUN_S),
            },
        )

    def finish(
        self,
        job_id: str,
        status: Status,
        *,
        result: Any | None = None,
        message: str | None = None,
        error: dict[str, str] | None = None,
    ) -> bool:
        """Write the outcome once: False when the job is already finished (a duplicate delivery)."""
        if status not in FINISHED:
            raise ValueError(f"{status} is not a final status")
        sets = ["#status = :status", "updatedAt = :now"]
        values: dict[str, Any] = {":status": status, ":now": epoch(self._clock())}
        values.update({f":done{i}": done for i, done in enumerate(FINISHED)})
        if result is not None:
            sets.append("#result = :result")
            values[":result"] = zlib.compress(json.dumps(result, separators=(",", ":")).encode(), 6)
        if message is not None:
            sets.append("message = :message")
            values[":message"] = message
        if error is not None:
            sets.append("#error = :error")
            values[":error"] = error
        return self._update(
            job_id,
            "SET " + ", ".join(sets),
            "attribute_exists(pk) AND NOT #status IN (:done0, :done1, :done2)",
            values,
        )

    def _update(self, job_id: str, update: str, condition: str, values: dict[str, Any]) -> bool:
        names = {"#status": "status"}
        if "#result" in update:
            names["#result"] = "result"
        if "#error" in update:
            names["#error"] = "error"
        try:
            self._client().update_item(
                TableName=table_name(),
                Key=item_key(PREFIX + job_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_dynamo(values),
            )
        except dynamo_errors() as exc:
            if is_conditional_failure(exc):
                return False
            raise _down("job not updated", exc) from None
        return True


def _job(job_id: str, item: dict[str, Any]) -> Job:
    raw = item.get("result")
    result = json.loads(zlib.decompress(bytes(raw)).decode()) if raw is not None else None
    error = item.get("error")
    return Job(
        job_id=job_id,
        owner=str(item["owner"]),
        status=item["status"],
        created_at=float(item["createdAt"]),
        updated_at=float(item["updatedAt"]),
        expires_at=float(item["ttl"]),
        result=result,
        message=item.get("message"),
        error={str(k): str(v) for k, v in error.items()} if isinstance(error, dict) else None,
    )


def _down(message: str, exc: Exception) -> DependencyDown:
    from describe_it.observability import error_fields, logger

    logger.warning(message, extra=error_fields(exc))
    return DependencyDown("Job storage is unavailable", retry_after=5)


@cache
def get_job_store() -> JobStore:
    return JobStore()
