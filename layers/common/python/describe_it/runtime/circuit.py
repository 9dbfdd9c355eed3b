"""Circuit breaker per provider, shared by every function through ``circuit#<provider>`` (spec §1.9).

Closed: calls pass; each outcome is counted in a fixed 60 s window. When at least ``min_calls``
calls of the window were made and at least ``failure_ratio`` of them failed, the circuit opens for
``open_s``. After that it is half-open: exactly one caller claims the trial call with a conditional
update (so two functions never both try); its success closes the circuit with fresh counters, its
failure opens it again. A claimed trial that never reports (crashed function) expires after
``open_s`` and can be claimed again.

Only provider failures count (timeouts, 5xx, 529, connection errors). An outcome that says nothing
about the provider's health — a rejected user key (401), a client error (400), a rate limit on one
account, a call we decided not to make after all — is reported with ``record_neutral()``: it is not
counted, and if it ended this caller's half-open trial, the trial is released at once, so the next
caller tries instead of waiting ``open_s`` for the claim to expire.

If DynamoDB is unreachable the breaker behaves as closed: it must not turn a storage outage into
an AI outage.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from functools import cache
from typing import Any, Literal

from describe_it.errors import ServiceUnavailable
from describe_it.runtime._dynamo import (
    ClientFactory,
    Clock,
    dynamo_errors,
    epoch,
    from_dynamo,
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

PREFIX = "circuit#"
ITEM_TTL_S = 24 * 3600
_OPEN = "open"
_NAMES = {"#state": "state", "#ttl": "ttl"}
_OPEN_UPDATE = "SET #state = :open, openedAt = :now, #ttl = :ttl REMOVE trialToken, trialAt"

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(
        self,
        provider: str,
        *,
        client_factory: ClientFactory = state_client,
        clock: Clock = time.time,
        min_calls: int = 10,
        failure_ratio: float = 0.5,
        window_s: int = 60,
        open_s: int = 30,
    ) -> None:
        self.provider = provider
        self._client = client_factory
        self._clock = clock
        self._min_calls = min_calls
        self._failure_ratio = failure_ratio
        self._window_s = window_s
        self._open_s = open_s
        self._key = item_key(PREFIX + provider)
        # The trial token of a half-open claim made by this thread: only its outcome moves the
        # circuit out of half-open.
        self._local = threading.local()

    # -- public API ------------------------------------------------------------------------------

    def before_call(self) -> None:
        """Return if a call may go out; raise ``ServiceUnavailable`` while the circuit is open."""
        now = self._clock()
        item = self._read()
        if item is None or item.get("state") != _OPEN:
            return
        reopen_at = float(item["openedAt"]) + self._open_s
        if now < reopen_at:
            raise self._unavailable(reopen_at - now)
        token = uuid.uuid4().hex
        try:
            self._client().update_item(
                TableName=table_name(),
                Key=self._key,
                UpdateExpression="SET trialToken = :token, trialAt = :now, #ttl = :ttl",
                ConditionExpression=(
                    "#state = :open AND openedAt = :opened"
                    " AND (attribute_not_exists(trialAt) OR trialAt <= :expired)"
                ),
                ExpressionAttributeNames=_NAMES,
                ExpressionAttributeValues=to_dynamo(
                    {
                        ":token": token,
                        ":now": epoch(now),
                        ":ttl": ttl_at(now + ITEM_TTL_S),
                        ":open": _OPEN,
                        ":opened": item["openedAt"],
                        ":expired": epoch(now - self._open_s),
                    }
                ),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except dynamo_errors() as exc:
            if not is_conditional_failure(exc):
                self._log_unavailable(exc)
                return
            self._refuse_after_lost_claim(old_item(exc), now)
            return
        self._local.trial = token

    def record_success(self) -> None:
        self._record(failed=False)

    def record_failure(self) -> None:
        self._record(failed=True)

    def record_neutral(self) -> None:
        """The call ended in a way that does not count (see the module docstring)."""
        token = getattr(self._local, "trial", None)
        self._local.trial = None
        if token is None:
            return
        try:
            self._client().update_item(
                TableName=table_name(),
                Key=self._key,
                UpdateExpression="REMOVE trialToken, trialAt",
                ConditionExpression="trialToken = :token",
                ExpressionAttributeValues=to_dynamo({":token": token}),
            )
        except dynamo_errors() as exc:
            if not is_conditional_failure(exc):  # else: the claim expired and another caller took over
                self._log_unavailable(exc)

    def state(self) -> State:
        item = self._read()
        if item is None or item.get("state") != _OPEN:
            return "closed"
        if self._clock() < float(item["openedAt"]) + self._open_s:
            return "open"
        return "half_open"

    # -- internals -------------------------------------------------------------------------------

    def _refuse_after_lost_claim(self, current: dict[str, Any] | None, now: float) -> None:
        """Someone changed the item before our claim: closed again (call), reopened or trial taken."""
        if current is None or current.get("state") != _OPEN or not is_live(current, now):
            return
        reopen_at = float(current["openedAt"]) + self._open_s
        if now < reopen_at:
            raise self._unavailable(reopen_at - now)
        # Another caller holds the trial; it resolves within seconds, or its claim expires.
        trial_expires = float(current.get("trialAt", now)) + self._open_s
        raise self._unavailable(min(5.0, trial_expires - now))

    def _record(self, *, failed: bool) -> None:
        now = self._clock()
        token = getattr(self._local, "trial", None)
        self._local.trial = None
        try:
            if token is not None and self._finish_trial(token, failed, now):
                return
            counts = self._count(failed, now)
            if counts is not None and counts.get("state") != _OPEN and self._should_open(counts):
                self._open(now)
        except dynamo_errors() as exc:
            self._log_unavailable(exc)

    def _should_open(self, counts: dict[str, Any]) -> bool:
        calls, failures = int(counts.get("calls", 0)), int(counts.get("failures", 0))
        return calls >= self._min_calls and failures >= self._failure_ratio * calls

    def _finish_trial(self, token: str, failed: bool, now: float) -> bool:
        """Close (success) or reopen (failure) the circuit if our trial claim still stands."""
        values: dict[str, Any] = {":token": token, ":ttl": ttl_at(now + ITEM_TTL_S)}
        if failed:
            update = _OPEN_UPDATE
            values.update({":open": _OPEN, ":now": epoch(now)})
        else:
            update = (
                "SET #state = :closed, windowStart = :ws, calls = :zero, failures = :zero, #ttl = :ttl"
                " REMOVE trialToken, trialAt, openedAt"
            )
            values.update({":closed": "closed", ":ws": self._window_start(now), ":zero": 0})
        try:
            self._client().update_item(
                TableName=table_name(),
                Key=self._key,
                UpdateExpression=update,
                ConditionExpression="trialToken = :token",
                ExpressionAttributeNames=_NAMES,
                ExpressionAttributeValues=to_dynamo(values),
            )
        except dynamo_errors() as exc:
            if is_conditional_failure(exc):  # our claim expired and someone else took over
                return False
            raise
        return True

    def _count(self, failed: bool, now: float) -> dict[str, Any] | None:
        """Count one outcome in the current window (starting a new window if needed); new counts."""
        ws = self._window_start(now)
        values = to_dynamo({":one": 1, ":f": 1 if failed else 0, ":ws": ws, ":ttl": ttl_at(now + ITEM_TTL_S)})
        for _ in range(2):
            try:
                response = self._client().update_item(
                    TableName=table_name(),
                    Key=self._key,
                    UpdateExpression="ADD calls :one, failures :f SET #ttl = :ttl",
                    ConditionExpression="windowStart = :ws",
                    ExpressionAttributeNames={"#ttl": "ttl"},
                    ExpressionAttributeValues=values,
                    ReturnValues="ALL_NEW",
                )
                return from_dynamo(response["Attributes"])
            except dynamo_errors() as exc:
                if not is_conditional_failure(exc):
                    raise
            try:
                response = self._client().update_item(
                    TableName=table_name(),
                    Key=self._key,
                    UpdateExpression="SET windowStart = :ws, calls = :one, failures = :f, #ttl = :ttl",
                    ConditionExpression="attribute_not_exists(windowStart) OR windowStart < :ws",
                    ExpressionAttributeNames={"#ttl": "ttl"},
                    ExpressionAttributeValues=values,
                    ReturnValues="ALL_NEW",
                )
                return from_dynamo(response["Attributes"])
            except dynamo_errors() as exc:
                if not is_conditional_failure(exc):
                    raise
            # Another function started this window between our two writes: add to it.
        return None

    def _open(self, now: float) -> None:
        from describe_it.observability import logger

        try:
            self._client().update_item(
                TableName=table_name(),
                Key=self._key,
                UpdateExpression=_OPEN_UPDATE,
                ConditionExpression="attribute_not_exists(#state) OR #state <> :open",
                ExpressionAttributeNames=_NAMES,
                ExpressionAttributeValues=to_dynamo(
                    {":open": _OPEN, ":now": epoch(now), ":ttl": ttl_at(now + ITEM_TTL_S)}
                ),
            )
        except dynamo_errors() as exc:
            if is_conditional_failure(exc):  # opened by another function meanwhile
                return
            raise
        logger.warning("circuit opened", extra={"provider": self.provider})

    def _read(self) -> dict[str, Any] | None:
        try:
            item = item_of(self._client().get_item(TableName=table_name(), Key=self._key))
        except dynamo_errors() as exc:
            self._log_unavailable(exc)
            return None
        if item is None or not is_live(item, self._clock()):
            return None
        return item

    def _window_start(self, now: float) -> int:
        return int(now // self._window_s) * self._window_s

    def _unavailable(self, seconds: float) -> ServiceUnavailable:
        return ServiceUnavailable(
            f"{self.provider} is temporarily unavailable", retry_after=max(1, math.ceil(seconds))
        )

    def _log_unavailable(self, exc: Exception) -> None:
        from describe_it.observability import error_fields, logger

        logger.warning("circuit state unavailable; treating as closed", extra=error_fields(exc))


@cache
def get_circuit_breaker(provider: str) -> CircuitBreaker:
    return CircuitBreaker(provider)
