"""Pure helpers shared by the runtime modules."""

from __future__ import annotations

from decimal import Decimal

from botocore.exceptions import ClientError

from describe_it.runtime._dynamo import epoch, is_conditional_failure, is_live, old_item, ttl_at


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
