"""Small helpers shared by the runtime modules (boto3 and botocore are imported lazily, never at import time).

The runtime uses the state table through the low-level DynamoDB client, whose attribute values are
typed (``{"S": "rl#60#…"}``, ``{"N": "3"}``, ``{"B": b"…"}``). ``to_dynamo`` and ``from_dynamo``
convert at the edge so the logic works on plain values: numbers read back as ``Decimal`` (callers
decide between ``int`` and ``float``) and binaries as boto3's ``Binary`` (``bytes(value)``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import cache
from typing import Any

Clock = Callable[[], float]
ClientFactory = Callable[[], Any]


def state_client() -> Any:
    """The shared low-level DynamoDB client: the default ``client_factory`` of the runtime classes."""
    from describe_it.aws import client

    return client("dynamodb")


def table_name() -> str:
    from describe_it.aws import state_table_name

    return state_table_name()


def item_key(pk: str) -> dict[str, dict[str, str]]:
    """The key of item ``pk`` (the table's only key attribute)."""
    return {"pk": {"S": pk}}


@cache
def _serializer() -> Any:
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


@cache
def _deserializer() -> Any:
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()


def to_dynamo(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values (str, int, Decimal, bytes, and dicts of them) as typed attribute values.

    Floats are refused (they would lose precision silently): timestamps go through ``epoch``.
    """
    serializer = _serializer()
    return {name: serializer.serialize(value) for name, value in values.items()}


def from_dynamo(attributes: Mapping[str, Any]) -> dict[str, Any]:
    deserializer = _deserializer()
    return {name: deserializer.deserialize(value) for name, value in attributes.items()}


def item_of(response: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``Item`` of a GetItem response (or of a failed condition's error response) as plain values."""
    raw = response.get("Item")
    return from_dynamo(raw) if isinstance(raw, Mapping) else None


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
    """The item returned by ``ReturnValuesOnConditionCheckFailure=ALL_OLD``, as plain values."""
    response = getattr(exc, "response", None)
    return item_of(response) if isinstance(response, Mapping) else None


def epoch(value: float) -> Decimal:
    """A timestamp DynamoDB accepts (``to_dynamo`` refuses floats), millisecond precision."""
    return Decimal(f"{value:.3f}")


def ttl_at(value: float) -> int:
    """TTL attributes are whole epoch seconds; round up so an item never expires early."""
    return math.ceil(value)


def is_live(item: Mapping[str, Any], now: float) -> bool:
    """Readers ignore items whose TTL has passed: DynamoDB deletes them only eventually."""
    ttl = item.get("ttl")
    return ttl is None or float(ttl) > now
