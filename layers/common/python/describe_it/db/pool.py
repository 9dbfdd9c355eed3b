"""One lazily created connection pool per database role, sized for Lambda.

A Lambda instance serves one request at a time, so ``max_size`` is 1–2; connections are checked on
checkout (RDS Proxy may have closed them while the instance was frozen); ``prepare_threshold=None``
because RDS Proxy pins connections that use prepared statements.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

from describe_it.errors import DependencyDown
from describe_it.settings import DbRole, get_settings

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

_pools: dict[str, ConnectionPool] = {}
_lock = threading.Lock()


def _conninfo(role: DbRole) -> str:
    settings = get_settings()
    url = settings.db_url(role)
    if url is not None:
        return url.get_secret_value()
    arn = settings.db_secret_arn(role)
    if arn is None:
        raise DependencyDown("Database is not configured", retry_after=30)
    from describe_it.aws import client

    secret = json.loads(client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    from psycopg.conninfo import make_conninfo

    return make_conninfo(
        host=settings.db_host_override or secret["host"],
        port=secret.get("port", 5432),
        dbname=secret.get("dbname", "describeit"),
        user=secret["username"],
        password=secret["password"],
        sslmode="require",
    )


def get_pool(role: DbRole) -> ConnectionPool:
    pool = _pools.get(role)
    if pool is not None:
        return pool
    with _lock:
        if role not in _pools:
            from psycopg_pool import ConnectionPool

            settings = get_settings()
            kwargs: dict[str, Any] = {
                "prepare_threshold": None,
                "connect_timeout": max(1, int(settings.db_connect_timeout_s)),
                "application_name": f"describeit-{role}",
            }
            pool = ConnectionPool(
                _conninfo(role),
                min_size=1,
                max_size=settings.db_pool_max_size,
                kwargs=kwargs,
                check=ConnectionPool.check_connection,
                timeout=settings.db_connect_timeout_s,
                max_idle=300,
                reconnect_timeout=settings.db_connect_timeout_s * 2,
                open=False,
                name=f"describeit-{role}",
            )
            pool.open(wait=False)
            _pools[role] = pool
        return _pools[role]


def close_pools() -> None:
    with _lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()
