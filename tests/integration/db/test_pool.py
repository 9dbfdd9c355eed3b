"""Database credentials from Secrets Manager (moto on loopback): read again after a rotation, and a
secret that cannot be read is a 503 with Retry-After, never a 500."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from describe_it.db.tx import transaction
from describe_it.errors import DependencyDown
from infra.local.stack import Stack
from tests.support.api import call, session_for

pytestmark = pytest.mark.usefixtures("clean")
MISSING_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:describeit-missing-AbCdEf"


def _put_secret(value: str) -> str:
    from describe_it.aws import client

    return str(
        client("secretsmanager").create_secret(Name=f"describeit-test-{uuid4().hex}", SecretString=value)[
            "ARN"
        ]
    )


def _app_secret(stack: Stack, password: str) -> str:
    params = conninfo_to_dict(stack.role_dsn("app"))
    # As RDS writes it: the instance's host name, which the function replaces by DB_HOST_OVERRIDE (the proxy).
    return json.dumps(
        {
            "username": "describeit_app",
            "password": password,
            "host": "describeit-db.invalid",
            "port": params["port"],
            "dbname": stack.database,
        }
    )


def _set_password(stack: Stack, password: str) -> None:
    with psycopg.connect(stack.admin_dsn(), autocommit=True) as conn:
        verifier = conn.pgconn.encrypt_password(password.encode(), b"describeit_app", b"scram-sha-256")
        conn.execute(sql.SQL("ALTER ROLE describeit_app PASSWORD {}").format(sql.Literal(verifier.decode())))


@pytest.fixture
def fresh_pools() -> Iterator[None]:
    """Pools built from this test's settings, and from the stack's again afterwards."""
    from describe_it.db.pool import close_pools

    close_pools()
    yield
    close_pools()


@pytest.fixture
def app_role_from_secret(stack: Stack, settings_env: Callable[..., None], fresh_pools: None) -> Iterator[str]:
    """The app role's credentials come from a secret (as in AWS); the stack's password is restored after."""
    arn = _put_secret(_app_secret(stack, stack.secrets["db_app_password"]))
    host = conninfo_to_dict(stack.role_dsn("app"))["host"]
    settings_env(DB_APP_URL=None, DB_APP_SECRET_ARN=arn, DB_HOST_OVERRIDE=str(host))
    try:
        yield arn
    finally:
        _set_password(stack, stack.secrets["db_app_password"])


def test_after_a_password_rotation_the_next_request_reads_the_secret_again(
    stack: Stack, app_role_from_secret: str
) -> None:
    from describe_it.aws import client

    token = session_for()["access_token"]
    assert call("GET", "/api/settings", token=token).status == 200  # the pool is warm

    # What Secrets Manager rotation does: a new password in the database and in the secret …
    rotated = secrets.token_urlsafe(24)
    _set_password(stack, rotated)
    client("secretsmanager").put_secret_value(
        SecretId=app_role_from_secret, SecretString=_app_secret(stack, rotated)
    )
    # … and the warm pool's connection goes away (idle timeout, a proxy restart, a frozen instance).
    with psycopg.connect(stack.admin_dsn(), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'describeit_app'"
            " AND datname = %s",
            [stack.database],
        )

    reply = call("GET", "/api/settings", token=token)
    assert reply.status == 200, reply  # the pool logged in again with the rotated password
    assert call("GET", "/api/settings", token=token).status == 200


def test_a_wrong_password_that_the_secret_does_not_fix_is_503(
    stack: Stack, app_role_from_secret: str
) -> None:
    _set_password(stack, secrets.token_urlsafe(24))  # the database changed, the secret did not
    with pytest.raises(DependencyDown) as raised, transaction("app") as conn:
        conn.execute("SELECT 1")
    assert raised.value.status == 503 and raised.value.headers["Retry-After"]


@pytest.mark.parametrize("secret", ["missing", "not json", "no password"])
def test_an_unreadable_database_secret_is_503_logged_by_class(
    stack: Stack,
    settings_env: Callable[..., None],
    fresh_pools: None,
    records: list[logging.LogRecord],
    secret: str,
) -> None:
    token = session_for()["access_token"]  # the auth role still has its DSN
    value = {"not json": "{not json", "no password": json.dumps({"username": "describeit_app"})}.get(secret)
    arn = MISSING_ARN if value is None else _put_secret(value)
    settings_env(DB_APP_URL=None, DB_APP_SECRET_ARN=arn)

    reply = call("GET", "/api/settings", token=token)

    assert reply.status == 503, reply
    assert reply.json["code"] == "SERVICE_UNAVAILABLE"
    assert int(reply.headers["retry-after"]) > 0
    logged = [r for r in records if r.getMessage() == "database secret unavailable"]
    assert len(logged) == 1
    fields: dict[str, Any] = logged[0].__dict__
    assert fields["error"] in {"ResourceNotFoundException", "JSONDecodeError", "ValueError"}
    assert "secretsmanager" not in str(fields) and "127.0.0.1" not in str(fields)


def test_an_unreachable_secrets_manager_is_503(
    stack: Stack, settings_env: Callable[..., None], fresh_pools: None
) -> None:
    settings_env(DB_APP_URL=None, DB_APP_SECRET_ARN=MISSING_ARN, AWS_ENDPOINT_URL="http://127.0.0.1:9")
    with pytest.raises(DependencyDown), transaction("app") as conn:
        conn.execute("SELECT 1")


@pytest.fixture
def fresh_verifier() -> Iterator[None]:
    from describe_it.auth.tokens import get_token_verifier

    get_token_verifier.cache_clear()
    yield
    get_token_verifier.cache_clear()


def test_an_unreadable_signing_key_secret_is_503(
    stack: Stack, settings_env: Callable[..., None], fresh_verifier: None, records: list[logging.LogRecord]
) -> None:
    token = session_for()["access_token"]
    settings_env(JWT_PUBLIC_KEYS_SECRET_ARN=MISSING_ARN)

    reply = call("GET", "/api/settings", token=token)

    assert reply.status == 503, reply
    assert reply.json["code"] == "SERVICE_UNAVAILABLE"
    assert int(reply.headers["retry-after"]) > 0
    logged = [r for r in records if r.getMessage() == "signing key secret unavailable"]
    assert [r.__dict__["error"] for r in logged] == ["ResourceNotFoundException"]
    assert logged[0].__dict__["code"] == "ResourceNotFoundException"


def test_a_function_connects_only_as_its_db_role(
    stack: Stack, settings_env: Callable[..., None], fresh_pools: None, records: list[logging.LogRecord]
) -> None:
    """In AWS every function is given the three logins (template Globals); DB_ROLE names its own, and
    another role's is refused before any attempt (its IAM role could not read that secret)."""
    settings_env(DB_ROLE="app")
    with transaction("app") as conn:
        assert conn.execute("SELECT current_user AS who").fetchone() == {"who": "describeit_app"}

    with pytest.raises(DependencyDown) as raised, transaction("auth") as conn:
        conn.execute("SELECT 1")

    assert raised.value.status == 503
    refused = [r for r in records if r.getMessage() == "database role not configured for this function"]
    assert [r.__dict__["role"] for r in refused] == ["auth"]
