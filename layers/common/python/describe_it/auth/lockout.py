"""Sign-in lockout for e-mails without an account (``loginfail#<hmac(email)>`` in DynamoDB).

Known accounts lock through ``users.locked_until``; unknown e-mails get the same counter here, so the
number of tries before a 429 never tells an attacker whether an address is registered. The item
holds only whole numbers (a count, epoch seconds), so its values are written out as ``{"N": "…"}``.
"""

from __future__ import annotations

from describe_it.aws import client, state_table_name


def _key(email_key: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"loginfail#{email_key}"}}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def locked_until(email_key: str, now: float) -> float | None:
    response = client("dynamodb").get_item(
        TableName=state_table_name(), Key=_key(email_key), ConsistentRead=True
    )
    item = response.get("Item")
    if not item or float(item.get("ttl", {"N": "0"})["N"]) <= now or "lockedUntil" not in item:
        return None
    until = float(item["lockedUntil"]["N"])
    return until if until > now else None


def record_failure(email_key: str, now: float, lock_after: int, lock_seconds: int) -> None:
    """Count one failure; the window restarts after ``lock_seconds`` without failures (TTL)."""
    from botocore.exceptions import ClientError

    dynamodb, table = client("dynamodb"), state_table_name()
    expires = int(now) + lock_seconds
    try:
        attributes = dynamodb.update_item(
            TableName=table,
            Key=_key(email_key),
            UpdateExpression="ADD failures :one SET #ttl = :ttl",
            ConditionExpression="attribute_not_exists(pk) OR #ttl > :now",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={":one": _n(1), ":ttl": _n(expires), ":now": _n(int(now))},
            ReturnValues="ALL_NEW",
        )["Attributes"]
        failures = int(attributes.get("failures", {"N": "0"})["N"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        # The old record expired but TTL has not removed it yet: start a new count.
        failures = 1
        dynamodb.put_item(
            TableName=table, Item={**_key(email_key), "failures": _n(failures), "ttl": _n(expires)}
        )
    if failures >= lock_after:
        dynamodb.update_item(
            TableName=table,
            Key=_key(email_key),
            UpdateExpression="SET lockedUntil = :until, failures = :zero",
            ExpressionAttributeValues={":until": _n(expires), ":zero": _n(0)},
        )
