"""boto3 clients with short timeouts, built on first use (never at import time).

DynamoDB is used through the low-level client only: building a boto3 *resource* costs about 30 ms
more per cold start (it loads and compiles the resource model), for conveniences we do not need.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from describe_it.settings import get_settings


@cache
def _session() -> Any:
    import boto3

    return boto3.session.Session(region_name=get_settings().aws_region)


def _config(service: str) -> Any:
    from botocore.config import Config

    timeout = get_settings().aws_timeout_s
    return Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"max_attempts": 2, "mode": "standard"},
        tcp_keepalive=True,
        # Presigned S3 URLs (export downloads) with SigV4: without it botocore may presign with the
        # legacy SigV2, which regions opened since 2014 refuse.
        signature_version="s3v4" if service == "s3" else None,
    )


@cache
def client(service: str) -> Any:
    return _session().client(service, endpoint_url=get_settings().aws_endpoint_url, config=_config(service))


def state_table_name() -> str:
    """The one DynamoDB table (rate limits, cache, idempotency, circuit breaker, revocations)."""
    return get_settings().state_table


def reset_clients() -> None:
    """Tests point the settings at a new endpoint; forget the clients built for the old one."""
    client.cache_clear()
    _session.cache_clear()
