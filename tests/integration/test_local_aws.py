"""The local AWS endpoint is as strict as DynamoDB: conditional writes to one item are linearizable.

Real DynamoDB evaluates a condition and applies the write atomically per item. moto's threaded server
does not on its own (two concurrent conditional updates can both pass their check), which made the
rate-limit and circuit-breaker concurrency tests fail now and then. These tests race many clients,
each with its own connections like separate Lambda instances, on one item through the local endpoint,
over many rounds, and check that the outcome is always one that some serial order would give.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from infra.local.stack import Stack

THREADS = 16
ROUNDS = 20


@pytest.fixture(autouse=True)
def eager_thread_switches() -> Iterator[None]:
    """Switch threads far more often than every 5 ms (the server runs in this process too), so a
    check-then-write window in the server is hit within a few rounds if it exists."""
    default = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(default)


@pytest.fixture(scope="module")
def clients(stack: Stack) -> list[Any]:
    """One DynamoDB client (own connection pool) per racing thread, connected before any race."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(region_name="us-east-1")
    config = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 1})
    built = [
        session.client("dynamodb", endpoint_url=stack.local_aws.endpoint, config=config)
        for _ in range(THREADS)
    ]
    for client in built:
        client.list_tables()  # open the connection now, so the race is between the writes
    return built


def race(clients: list[Any], attempt: Callable[[Any, int], bool]) -> list[int]:
    """Run ``attempt(client, i)`` on every client at once; the indexes whose write succeeded."""
    start = threading.Barrier(len(clients))

    def run(i: int) -> bool:
        start.wait()
        return attempt(clients[i], i)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        outcomes = list(pool.map(run, range(len(clients))))
    return [i for i, won in enumerate(outcomes) if won]


def conditional(call: Callable[[], object]) -> bool:
    """True when the write happened, False when its condition failed; any other error propagates."""
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return False
    return True


def test_of_concurrent_create_if_absent_writes_exactly_one_wins(dynamo: Stack, clients: list[Any]) -> None:
    table = dynamo.env["STATE_TABLE"]
    for round_ in range(ROUNDS):
        pk = {"S": f"test#linearizable#create#{round_}"}

        def create(client: Any, i: int, pk: dict[str, str] = pk) -> bool:
            return conditional(
                lambda: client.update_item(
                    TableName=table,
                    Key={"pk": pk},
                    UpdateExpression="SET #owner = :i",
                    ConditionExpression="attribute_not_exists(pk)",
                    ExpressionAttributeNames={"#owner": "owner"},
                    ExpressionAttributeValues={":i": {"N": str(i)}},
                )
            )

        winners = race(clients, create)

        assert len(winners) == 1, f"round {round_}: {len(winners)} writers all created the same item"
        stored = clients[0].get_item(TableName=table, Key={"pk": pk}, ConsistentRead=True)["Item"]
        assert stored["owner"] == {"N": str(winners[0])}


def test_a_conditional_counter_never_passes_its_limit_and_loses_no_increment(
    dynamo: Stack, clients: list[Any]
) -> None:
    table, limit = dynamo.env["STATE_TABLE"], THREADS // 2
    for round_ in range(ROUNDS):
        pk = {"S": f"test#linearizable#counter#{round_}"}

        def increment(client: Any, _: int, pk: dict[str, str] = pk) -> bool:
            return conditional(
                lambda: client.update_item(
                    TableName=table,
                    Key={"pk": pk},
                    UpdateExpression="ADD hits :one",
                    ConditionExpression="attribute_not_exists(hits) OR hits < :limit",
                    ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": str(limit)}},
                )
            )

        winners = race(clients, increment)

        stored = clients[0].get_item(TableName=table, Key={"pk": pk}, ConsistentRead=True)["Item"]
        assert (len(winners), stored["hits"]) == (limit, {"N": str(limit)}), f"round {round_}"
