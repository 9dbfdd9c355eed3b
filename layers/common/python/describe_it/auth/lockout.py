"""Sign-in lockout for e-mails without an account (``loginfail#<hmac(email)>`` in DynamoDB).

Known accounts lock through ``users.locked_until``; unknown e-mails get the same counter here, so the
number of tries before a 429 never tells an attacker whether an address is registered.
"""

from __future__ import annotations

from describe_it.aws import state_table


def _key(email_key: str) -> dict[str, str]:
    return {"pk": f"loginfail#{email_key}"}


def locked_until(email_key: str, now: float) -> float | None:
    item = state_table().get_item(Key=_key(email_key), ConsistentRead=True).get("Item")
    if not item or float(item.get("ttl", 0)) <= now:
        return None
    until = item.get("lockedUntil")
    return float(until) if until is not None and float(until) > now else None


def record_failure(email_key: str, now: float, lock_after: int, lock_seconds: int) -> None:
    """Count one failure; the window restarts after ``lock_seconds`` without failures (TTL)."""
    from botocore.exceptions import ClientError

    table = state_table()
    try:
        item = table.update_item(
            Key=_key(email_key),
            UpdateExpression="ADD failures :one SET #ttl = :ttl",
            ConditionExpression="attribute_not_exists(pk) OR #ttl > :now",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={":one": 1, ":ttl": int(now) + lock_seconds, ":now": int(now)},
            ReturnValues="ALL_NEW",
        )["Attributes"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        item = {"pk": _key(email_key)["pk"], "failures": 1, "ttl": int(now) + lock_seconds}
        table.put_item(Item=item)  # the old record expired but TTL has not removed it yet
    if int(item.get("failures", 0)) >= lock_after:
        table.update_item(
            Key=_key(email_key),
            UpdateExpression="SET lockedUntil = :until, failures = :zero",
            ExpressionAttributeValues={":until": int(now) + lock_seconds, ":zero": 0},
        )
