"""Small helpers shared by the runtime modules (botocore is imported lazily, never at import time)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

Clock = Callable[[], float]
TableFactory = Callable[[], Any]


def dynamo_errors() -> tuple[type[Exception], ...]:
    """Everything botocore raises for a failed call: service errors and transport errors/timeouts."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (ClientError, BotoCoreError)


def is_conditional_failure(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError

    return (
        isinstance(exc, ClientError)
        and exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
    )


def old_item(exc: BaseException) -> dict[str, Any] | None:
    """The item returned by ``ReturnValuesOnConditionCheckFailure=ALL_OLD``, as plain Python values.

    The Table resource does not translate error payloads, so the item arrives in the low-level
    ``{"N": "3"}`` form and is deserialised here.
    """
    response = getattr(exc, "response", None)
    raw = response.get("Item") if isinstance(response, Mapping) else None
    if not isinstance(raw, Mapping):
        return None
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in raw.items()}


def epoch(value: float) -> Decimal:
    """A timestamp DynamoDB accepts (the resource layer refuses floats), millisecond precision."""
    return Decimal(f"{value:.3f}")


def ttl_at(value: float) -> int:
    """TTL attributes are whole epoch seconds; round up so an item never expires early."""
    return math.ceil(value)


def is_live(item: Mapping[str, Any], now: float) -> bool:
    """Readers ignore items whose TTL has passed: DynamoDB deletes them only eventually."""
    ttl = item.get("ttl")
    return ttl is None or float(ttl) > now
