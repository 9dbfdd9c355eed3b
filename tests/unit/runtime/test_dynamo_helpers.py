"""Pure helpers shared by the runtime modules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from describe_it.runtime._dynamo import (
    epoch,
    from_dynamo,
    is_conditional_failure,
    is_live,
    item_of,
    old_item,
    to_dynamo,
    ttl_at,
)


def _conditional_failure(item: dict[str, object] | None) -> ClientError:
    response: dict[str, object] = {
        "Error": {"Code": "ConditionalCheckFailedException", "Message": "The conditional request failed"}
    }
    if item is not None:
        response["Item"] = item
    return ClientError(response, "UpdateItem")


def test_the_old_item_of_a_failed_condition_is_read_as_plain_values() -> None:
    exc = _conditional_failure({"pk": {"S": "rl#60#u:1#0"}, "burst": {"N": "240"}, "read": {"N": "12"}})
    assert is_conditional_failure(exc)
    assert old_item(exc) == {"pk": "rl#60#u:1#0", "burst": Decimal(240), "read": Decimal(12)}


def test_no_old_item_and_other_errors() -> None:
    assert old_item(_conditional_failure(None)) is None
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "UpdateItem")
    assert not is_conditional_failure(throttled)
    assert not is_conditional_failure(ValueError("x"))


def test_timestamps_and_ttls() -> None:
    assert epoch(1_800_000_000.12345) == Decimal("1800000000.123")
    assert ttl_at(1_800_000_000.2) == 1_800_000_001  # never expires early
    assert ttl_at(1_800_000_000.0) == 1_800_000_000
    assert is_live({"ttl": Decimal(101)}, 100.5)
    assert not is_live({"ttl": Decimal(100)}, 100.0)
    assert is_live({}, 100.0)


def test_values_are_typed_for_the_client_and_read_back_as_plain_values() -> None:
    plain = {
        "pk": "idem#u:1",
        "statusCode": 201,
        "startedAt": epoch(1_800_000_000.25),
        "body": b"\x78\x9c\x00",
        "headers": {"Location": "/x"},
    }
    typed = to_dynamo(plain)
    assert typed == {
        "pk": {"S": "idem#u:1"},
        "statusCode": {"N": "201"},
        "startedAt": {"N": "1800000000.250"},
        "body": {"B": b"\x78\x9c\x00"},
        "headers": {"M": {"Location": {"S": "/x"}}},
    }
    back = from_dynamo(typed)
    assert int(back["statusCode"]) == 201
    assert float(back["startedAt"]) == 1_800_000_000.25
    assert bytes(back["body"]) == b"\x78\x9c\x00"
    assert back["headers"] == {"Location": "/x"}


def test_floats_are_refused_rather_than_rounded() -> None:
    with pytest.raises(TypeError):
        to_dynamo({"createdAt": 1_800_000_000.25})


def test_an_absent_item_reads_as_none() -> None:
    assert item_of({}) is None
    assert item_of({"Item": {"ttl": {"N": "5"}}}) == {"ttl": Decimal(5)}
