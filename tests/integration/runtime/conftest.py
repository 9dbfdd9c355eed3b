"""Helpers for the runtime tests: a clock the test moves, and tables on the real moto server."""

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


def _table(endpoint: str, *, timeout: float = 2.0, attempts: int = 2, session: Any = None) -> Any:
    import boto3
    from botocore.config import Config

    from describe_it.settings import get_settings

    settings = get_settings()
    config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": attempts})
    session = session or boto3.session.Session(region_name=settings.aws_region)
    return session.resource("dynamodb", endpoint_url=endpoint, config=config).Table(settings.state_table)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def table(dynamo: Stack) -> Any:
    """The state table on the moto server (emptied by the ``dynamo`` fixture)."""
    from describe_it.aws import state_table

    return state_table()


@pytest.fixture
def per_thread_tables(dynamo: Stack) -> Callable[[], Any]:
    """A table factory giving each thread its own Table resource and HTTP connection, like separate
    Lambda functions (boto3 resources are not thread-safe). They are built from one session, under a
    lock, because building a session per thread costs more than the test itself."""
    import boto3

    from describe_it.settings import get_settings

    endpoint = get_settings().aws_endpoint_url
    assert endpoint
    session = boto3.session.Session(region_name=get_settings().aws_region)
    local, lock = threading.local(), threading.Lock()

    def factory() -> Any:
        if not hasattr(local, "table"):
            with lock:
                local.table = _table(endpoint, session=session)
        return local.table

    return factory


@pytest.fixture
def dead_table(stack: Stack) -> Callable[[], Any]:
    """A table factory pointing at a loopback port nobody listens on (DynamoDB unreachable)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    table = _table(f"http://127.0.0.1:{port}", timeout=0.5, attempts=1)
    return lambda: table


class Switch:
    """A table factory that can be cut off mid-test (DynamoDB goes away, then comes back)."""

    def __init__(self, live: Callable[[], Any], dead: Callable[[], Any]) -> None:
        self.live, self.dead, self.down = live, dead, False

    def __call__(self) -> Any:
        return self.dead() if self.down else self.live()


@pytest.fixture
def switch(table: Any, dead_table: Callable[[], Any]) -> Switch:
    return Switch(lambda: table, dead_table)
