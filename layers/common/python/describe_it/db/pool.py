"""One lazily created connection pool per database role, sized for Lambda.

A Lambda instance serves one request at a time, so ``max_size`` is 1–2; connections are checked on
checkout (RDS Proxy may have closed them while the instance was frozen); ``prepare_threshold=None``
because RDS Proxy pins connections that use prepared statements.

Credentials rotate (Secrets Manager rotation changes the password in the database and in the secret):
a warm pool keeps the password it was built with, so when its connection attempts start failing
authentication, ``connection`` reads the secret again and rebuilds that role's pool, once per request.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from describe_it.errors import DependencyDown
from describe_it.settings import DbRole, get_settings

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

_pools: dict[str, _RolePool] = {}
_lock = threading.Lock()

# libpq reports a failed login without an SQLSTATE; the server's message is all there is.
_AUTH_SQLSTATES = frozenset({"28P01", "28000"})
_AUTH_MESSAGES = ("password authentication failed", "authentication failed for user")


def is_auth_failure(exc: BaseException) -> bool:
    """Did the server refuse these credentials (as opposed to being unreachable)?"""
    if getattr(exc, "sqlstate", None) in _AUTH_SQLSTATES:
        return True
    text = str(exc)
    return any(marker in text for marker in _AUTH_MESSAGES)


def _read_secret(arn: str) -> dict[str, Any]:
    """The role's secret; any failure to read it is a 503 (logged by class, never the message)."""
    from describe_it.aws import client
    from describe_it.observability import error_fields, logger

    try:
        secret = json.loads(client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
        if not isinstance(secret, dict) or not {"username", "password"} <= secret.keys():
            raise ValueError("the database secret needs username and password")
        return secret
    except Exception as exc:  # botocore, JSON or shape: the caller can only retry later
        logger.warning("database secret unavailable", extra=error_fields(exc))
        raise DependencyDown("Database credentials unavailable", retry_after=5) from exc


def _conninfo(role: DbRole) -> str:
    settings = get_settings()
    if not settings.may_use_db_role(role):  # not this function's DB_ROLE: its IAM role cannot read that login
        from describe_it.observability import logger

        logger.error("database role not configured for this function", extra={"role": role})
        raise DependencyDown("Database is not configured", retry_after=30)
    url = settings.db_url(role)
    if url is not None:
        return url.get_secret_value()
    arn = settings.db_secret_arn(role)
    if arn is None:
        raise DependencyDown("Database is not configured", retry_after=30)
    secret = _read_secret(arn)
    from psycopg.conninfo import make_conninfo

    return make_conninfo(
        host=settings.db_host_override or secret.get("host"),
        port=secret.get("port", 5432),
        dbname=secret.get("dbname", "describeit"),
        user=secret["username"],
        password=secret["password"],
        # RDS Proxy requires TLS; the local stack's loopback server has none.
        sslmode="require" if settings.stage == "aws" else "prefer",
    )


def _connection_class(auth_failed: threading.Event) -> type[Connection[Any]]:
    """psycopg's Connection, noting authentication failures of the pool's (background) connects."""
    import psycopg

    class _PoolConnection(psycopg.Connection[Any]):
        @classmethod
        def connect(cls, conninfo: str = "", **kwargs: Any) -> Any:
            try:
                return super().connect(conninfo, **kwargs)
            except psycopg.OperationalError as exc:
                if is_auth_failure(exc):
                    auth_failed.set()
                raise

    return _PoolConnection


@dataclass(frozen=True)
class _RolePool:
    pool: ConnectionPool
    auth_failed: threading.Event  # set by the pool's connection class on a refused login


def _role_pool(role: DbRole) -> _RolePool:
    entry = _pools.get(role)
    if entry is not None:
        return entry
    with _lock:
        if role not in _pools:
            from psycopg_pool import ConnectionPool

            from describe_it.observability import redact_driver_logs

            redact_driver_logs()
            settings = get_settings()
            kwargs: dict[str, Any] = {
                "prepare_threshold": None,
                "connect_timeout": max(1, int(settings.db_connect_timeout_s)),
                "application_name": f"describeit-{role}",
            }
            auth_failed = threading.Event()
            pool = ConnectionPool(
                _conninfo(role),
                connection_class=_connection_class(auth_failed),
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
            _pools[role] = _RolePool(pool, auth_failed)
        return _pools[role]


def get_pool(role: DbRole) -> ConnectionPool:
    return _role_pool(role).pool


def _rebuild(role: DbRole, stale: _RolePool) -> _RolePool:
    """Replace ``stale`` by a pool built from a fresh read of the credentials."""
    from describe_it.observability import logger

    with _lock:
        if _pools.get(role) is stale:
            del _pools[role]
            logger.warning("database login refused; reading the credentials again", extra={"role": role})
            stale.pool.close(timeout=0)
    return _role_pool(role)


@contextmanager
def connection(role: DbRole) -> Iterator[Connection[Any]]:
    """A pooled connection as ``role`` (psycopg errors propagate; ``db.tx`` translates them).

    A checkout that times out while the pool's logins are being refused (rotated credentials) is
    retried once on a pool rebuilt from the secret, read again.
    """
    from psycopg_pool import PoolTimeout

    entry = _role_pool(role)
    try:
        conn = entry.pool.getconn()
    except PoolTimeout:
        if not entry.auth_failed.is_set():
            raise
        entry = _rebuild(role, entry)
        conn = entry.pool.getconn()
    try:
        yield conn
    finally:
        entry.pool.putconn(conn)


def close_pools() -> None:
    with _lock:
        for entry in _pools.values():
            entry.pool.close()
        _pools.clear()
