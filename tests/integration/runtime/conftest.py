"""Helpers for the runtime tests: a clock the test moves, and DynamoDB clients for the real moto server.

The runtime classes take a ``client_factory``; the helpers ``stored_item``/``delete_item``/
``stored_items`` look at the state table directly, in DynamoDB's typed form (``{"N": "3"}``).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest

from infra.local.stack import Stack

# A round number of hours (so windows line up), plus a little, in 2027: later than any real TTL.
EPOCH = 1_800_000_000.0 + 10


class FakeClock:
    def __init__(self, now: float = EPOCH) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# Clients of the live local endpoint wait as long as it takes and never retry: on a loaded machine the
# emulator can take seconds per request, and a timed-out write that is retried is applied twice (the
# counts under test would be off by the retries, a flake that says nothing about the code).
LIVE_TIMEOUT_S = 60.0


def _client(endpoint: str, *, timeout: float = LIVE_TIMEOUT_S, attempts: int = 1, session: Any = None) -> Any:
    import boto3
    from botocore.config import Config

    from describe_it.settings import get_settings

    config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": attempts})
    session = session or boto3.session.Session(region_name=get_settings().aws_region)
    return session.client("dynamodb", endpoint_url=endpoint, config=config)


def stored_item(dynamodb: Any, pk: str) -> dict[str, Any] | None:
    """Item ``pk`` as DynamoDB holds it (typed values), whether or not its TTL has passed."""
    from describe_it.aws import state_table_name

    response = dynamodb.get_item(TableName=state_table_name(), Key={"pk": {"S": pk}}, ConsistentRead=True)
    return response.get("Item")


def delete_item(dynamodb: Any, pk: str) -> None:
    """Remove an item behind the code's back (another function's purge, a TTL deletion)."""
    from describe_it.aws import state_table_name

    dynamodb.delete_item(TableName=state_table_name(), Key={"pk": {"S": pk}})


def stored_items(dynamodb: Any) -> list[dict[str, Any]]:
    """Every item of the (small, test-only) table, typed values."""
    from describe_it.aws import state_table_name

    return dynamodb.scan(TableName=state_table_name(), ConsistentRead=True)["Items"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def dynamodb(dynamo: Stack) -> Any:
    """The service's DynamoDB client, on the moto server (state table emptied by ``dynamo``)."""
    from describe_it.aws import client

    return client("dynamodb")


@pytest.fixture
def per_thread_clients(dynamo: Stack) -> Callable[[], Any]:
    """A client factory giving each thread its own client and HTTP connections, like separate Lambda
    functions. They are built from one session, under a lock (creating clients from one session is
    not thread-safe), because building a session per thread costs more than the test itself."""
    import boto3

    from describe_it.settings import get_settings

    endpoint = get_settings().aws_endpoint_url
    assert endpoint
    session = boto3.session.Session(region_name=get_settings().aws_region)
    local, lock = threading.local(), threading.Lock()

    def factory() -> Any:
        if not hasattr(local, "client"):
            with lock:
                local.client = _client(endpoint, session=session)
        return local.client

    return factory


@pytest.fixture
def dead_client(stack: Stack) -> Callable[[], Any]:
    """A client factory pointing at a loopback port nobody listens on (DynamoDB unreachable)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = _client(f"http://127.0.0.1:{port}", timeout=0.5, attempts=1)
    return lambda: client


class Switch:
    """A client factory that can be cut off mid-test (DynamoDB goes away, then comes back)."""

    def __init__(self, live: Callable[[], Any], dead: Callable[[], Any]) -> None:
        self.live, self.dead, self.down = live, dead, False

    def __call__(self) -> Any:
        return self.dead() if self.down else self.live()


@pytest.fixture
def switch(dynamodb: Any, dead_client: Callable[[], Any]) -> Switch:
    return Switch(lambda: dynamodb, dead_client)
