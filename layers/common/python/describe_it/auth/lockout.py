"""Sign-in failure windows (correction 1): one mechanism for every address, registered or not.

Failures are logged in DynamoDB under the HMAC of the e-mail, whether or not it has an account, so a
real account and an unknown address answer identically at every step by construction:

- ``loginfail#<email>#<ip>``: at most 10 failures per (address, client IP) in any 15 minutes; further
  attempts from that IP get 429 while other IPs are unaffected.
- ``loginfail#<email>``: at most 50 failures per address in any 15 minutes, from all IPs together;
  then the address is locked (429 for everyone, right password or not) until the oldest of those
  failures is 15 minutes old. One guess every few minutes can never reach it.

Each log is one item with a slot attribute per allowed failure (``s0`` … ``s<limit-1>``) holding the
time of an attempt. An attempt claims a free slot (absent, or older than the window) with a
conditional write *before* the password is checked, so concurrent attempts can never pass a limit; a
correct password gives its slots back, so only failures stay counted. A failure older than the
window simply stops counting: the window slides and nothing ever needs resetting.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from describe_it.errors import DependencyDown
from describe_it.runtime._dynamo import (
    ClientFactory,
    Clock,
    dynamo_errors,
    epoch,
    from_dynamo,
    is_conditional_failure,
    item_key,
    item_of,
    old_item,
    state_client,
    table_name,
    to_dynamo,
    ttl_at,
)

PREFIX = "loginfail#"
TTL_GRACE_S = 60


@dataclass(frozen=True)
class Window:
    name: str  # the ``details[].code`` of the 429
    limit: int
    seconds: int

    def slots(self) -> list[str]:
        return [f"s{i}" for i in range(self.limit)]


PER_ADDRESS_AND_IP = Window("auth-signin", 10, 15 * 60)
PER_ADDRESS = Window("auth", 50, 15 * 60)


@dataclass(frozen=True)
class Claim:
    pk: str
    slot: str
    at: Decimal  # the value written, so a release removes exactly this claim
    live: int  # failures in the window after this claim, this one included
    oldest: float  # the oldest of them


@dataclass(frozen=True)
class Attempt:
    """An admitted sign-in attempt: counted as a failure unless ``release``\\ d."""

    pair: Claim
    address: Claim

    @property
    def fills_window(self) -> bool:
        """If this attempt fails, the address is locked from now on."""
        return self.address.live >= PER_ADDRESS.limit

    @property
    def locked_until(self) -> float:
        """When the lock this attempt's failure starts lifts (without further failures)."""
        return self.address.oldest + PER_ADDRESS.seconds


@dataclass(frozen=True)
class Refusal:
    window: Window
    retry_after: int  # seconds until the oldest counted failure leaves the window


class Lockout:
    def __init__(
        self,
        client_factory: ClientFactory = state_client,
        *,
        clock: Clock = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self._client = client_factory
        self._clock = clock
        self._random = rng or random.Random()  # noqa: S311 - spreads concurrent claims over free slots

    def begin(self, email_key: str, ip_key: str) -> Attempt | Refusal:
        """Admit one attempt (per-IP window first, then the address) or say why not.

        Raises ``DependencyDown`` when DynamoDB is unreachable: like every auth limit, this fails closed.
        """
        now = self._clock()
        try:
            pair = self._claim(f"{PREFIX}{email_key}#{ip_key}", PER_ADDRESS_AND_IP, now)
            if isinstance(pair, Refusal):
                return pair
            address = self._claim(f"{PREFIX}{email_key}", PER_ADDRESS, now)
            if isinstance(address, Refusal):
                self._release(pair)  # the attempt was refused before any password check
                return address
        except dynamo_errors() as exc:
            raise _down(exc) from exc
        return Attempt(pair, address)

    def release(self, attempt: Attempt) -> None:
        """The password was right: this attempt is not a failure. Best effort (a lost release only
        leaves one failure too many in the window)."""
        try:
            self._release(attempt.address)
            self._release(attempt.pair)
        except dynamo_errors() as exc:
            from describe_it.observability import logger

            logger.warning("sign-in slot not released", extra={"error": type(exc).__name__})

    # --- DynamoDB ----------------------------------------------------------------------------------

    def _claim(self, pk: str, window: Window, now: float) -> Claim | Refusal:
        # The claim's value is its time plus a nonce below the millisecond, so it is this attempt's
        # own: a release removes exactly it, and a write that landed although its answer was lost
        # (the SDK then retries, and the retry's condition fails) is recognised as ours.
        at = epoch(now) + Decimal(self._random.randrange(1, 10**6)).scaleb(-9)
        # Attempts at or before ``now - window`` (to the millisecond) have left the window; as claim
        # values (time + nonce) those are exactly the values below that time + 1 ms.
        expired_below = epoch(now - window.seconds) + Decimal("0.001")
        names = window.slots()
        item = item_of(self._client().get_item(TableName=table_name(), Key=item_key(pk), ConsistentRead=True))
        # Each lost race means another attempt took a slot (or a release freed one), so the loop
        # converges; its bound only stops a pathological churn, and then refuses (fail closed).
        for _ in range(window.limit + 10):
            live = _live(item or {}, names, expired_below)
            if len(live) >= window.limit:
                return Refusal(window, max(1, math.ceil(_time(min(live.values())) + window.seconds - now)))
            slot = self._random.choice([name for name in names if name not in live])
            try:
                response = self._client().update_item(
                    TableName=table_name(),
                    Key=item_key(pk),
                    UpdateExpression="SET #s = :at, #ttl = :ttl",
                    ConditionExpression="attribute_not_exists(#s) OR #s < :expired",
                    ExpressionAttributeNames={"#s": slot, "#ttl": "ttl"},
                    ExpressionAttributeValues=to_dynamo(
                        {
                            ":at": at,
                            ":expired": expired_below,
                            ":ttl": ttl_at(now + window.seconds + TTL_GRACE_S),
                        }
                    ),
                    ReturnValues="ALL_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except Exception as exc:
                if not is_conditional_failure(exc):
                    raise
                item = old_item(exc)
                if item is not None and item.get(slot) == at:
                    return _claimed(pk, slot, at, item, names, expired_below)
                continue
            return _claimed(pk, slot, at, from_dynamo(response["Attributes"]), names, expired_below)
        return Refusal(window, 1)

    def _release(self, claim: Claim) -> None:
        try:
            self._client().update_item(
                TableName=table_name(),
                Key=item_key(claim.pk),
                UpdateExpression="REMOVE #s",
                ConditionExpression="#s = :at",  # never a slot that another attempt has taken since
                ExpressionAttributeNames={"#s": claim.slot},
                ExpressionAttributeValues=to_dynamo({":at": claim.at}),
            )
        except Exception as exc:
            if not is_conditional_failure(exc):
                raise


def _live(item: dict[str, Any], names: list[str], expired_below: Decimal) -> dict[str, Decimal]:
    """Slot → claim value of the attempts still inside the window (one exactly a window old no
    longer counts), compared as the exact decimals DynamoDB compares, never as floats."""
    values = {name: Decimal(item[name]) for name in names if name in item}
    return {name: value for name, value in values.items() if value >= expired_below}


def _claimed(
    pk: str, slot: str, at: Decimal, item: dict[str, Any], names: list[str], expired_below: Decimal
) -> Claim:
    live = _live(item, names, expired_below)
    return Claim(pk, slot, at, len(live), _time(min(live.values())))


def _time(claim_value: Decimal) -> float:
    """The attempt's time, without the nonce below the millisecond."""
    return float(claim_value.quantize(Decimal("0.001"), rounding=ROUND_DOWN))


def _down(exc: Exception) -> DependencyDown:
    from describe_it.observability import logger

    logger.warning("sign-in limits unavailable; refusing", extra={"error": type(exc).__name__})
    return DependencyDown("Sign-in is temporarily unavailable", retry_after=5)
