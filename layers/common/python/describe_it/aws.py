"""boto3 clients and resources with short timeouts, built on first use (never at import time)."""

from __future__ import annotations

from functools import cache
from typing import Any

from describe_it.settings import get_settings


@cache
def _session() -> Any:
    import boto3

    return boto3.session.Session(region_name=get_settings().aws_region)


def _config() -> Any:
    from botocore.config import Config

    timeout = get_settings().aws_timeout_s
    return Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"max_attempts": 2, "mode": "standard"},
        tcp_keepalive=True,
    )


@cache
def client(service: str) -> Any:
    return _session().client(service, endpoint_url=get_settings().aws_endpoint_url, config=_config())


@cache
def state_table() -> Any:
    """The one DynamoDB table (rate limits, cache, idempotency, circuit breaker, revocations)."""
    resource = _session().resource("dynamodb", endpoint_url=get_settings().aws_endpoint_url, config=_config())
    return resource.Table(get_settings().state_table)


def reset_clients() -> None:
    """Tests point the settings at a new endpoint; forget the clients built for the old one."""
    client.cache_clear()
    state_table.cache_clear()
    _session.cache_clear()
