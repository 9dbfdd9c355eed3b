"""functions/migrate: the CloudFormation custom resource, with secrets in (local) Secrets Manager.

The handler runs as in AWS: the master DSN and the login-role passwords come from secrets, and the
answer is PUT to the event's ResponseURL (here a recorder on loopback instead of S3).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from describe_it.db.migrate import discover
from infra.local.stack import Stack
from tests.support.lambda_invoke import LambdaContext, load_function


class Recorder:
    """A tiny HTTP server standing in for CloudFormation's pre-signed response URL."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                recorder.requests.append(
                    {
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type"),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cfn-response?signature=x"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.close()


def _put_secret(value: dict[str, Any]) -> str:
    from describe_it.aws import client

    return str(
        client("secretsmanager").create_secret(
            Name=f"describeit-test-{uuid4().hex}", SecretString=json.dumps(value)
        )["ARN"]
    )


@pytest.fixture
def deployed_settings(stack: Stack, empty_database: str, settings_env: Callable[..., None]) -> str:
    """Settings as template.yaml gives the function: secret ARNs, the instance address as DB_HOST_OVERRIDE.

    The RDS-managed master secret holds only username and password (the function then uses database
    "describeit"); this one also names the throwaway database.
    """
    params = conninfo_to_dict(empty_database)
    master = _put_secret(
        {
            "username": params["user"],
            "password": params["password"],
            "port": params["port"],
            "dbname": params["dbname"],
        }
    )
    roles = {
        short: _put_secret(
            {"username": f"describeit_{short}", "password": stack.secrets[f"db_{short}_password"]}
        )
        for short in ("app", "auth", "admin")
    }
    from describe_it.aws import client

    # Declared without a value, as template.yaml declares them: the first deploy fills them.
    signing, public = (
        client("secretsmanager").create_secret(Name=f"describeit-jwt-{kind}-{uuid4().hex}")["ARN"]
        for kind in ("signing", "public")
    )
    settings_env(
        JWT_SECRET_ARN=signing,
        JWT_PUBLIC_KEYS_SECRET_ARN=public,
        DB_MIGRATE_URL=None,
        DB_MASTER_SECRET_ARN=master,
        DB_HOST_OVERRIDE=str(params["host"]),
        DB_APP_SECRET_ARN=roles["app"],
        DB_AUTH_SECRET_ARN=roles["auth"],
        DB_ADMIN_SECRET_ARN=roles["admin"],
    )
    return empty_database


def _event(request_type: str, response_url: str) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResponseURL": response_url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/describeit/abc",
        "RequestId": f"req-{uuid4()}",
        "LogicalResourceId": "Migrations",
        "ResourceType": "Custom::Migrations",
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:migrate"},
    }


def _tables(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        }


@pytest.fixture
def handler(deployed_settings: str) -> Callable[..., Any]:
    return load_function("migrate").lambda_handler  # type: ignore[no-any-return]


def test_create_migrates_and_answers_success(
    handler: Callable[..., Any], deployed_settings: str, recorder: Recorder
) -> None:
    handler(_event("Create", recorder.url), LambdaContext())

    [answer] = recorder.requests
    assert answer["path"] == "/cfn-response?signature=x"
    assert answer["content_type"] == ""  # the pre-signed URL was signed without one
    body = answer["body"]
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == "describeit-migrations"
    assert body["LogicalResourceId"] == "Migrations"
    kid = body["Data"]["SigningKeyCreated"]
    applied = ",".join(m.name for m in discover())
    assert body["Data"] == {"Applied": applied, "SigningKeyCreated": kid} and kid.startswith("k-")
    assert {"users", "vocabulary_items", "schema_migrations"} <= _tables(deployed_settings)
    _assert_tokens_verify_with_the_public_secret(kid)

    handler(_event("Update", recorder.url), LambdaContext())
    assert recorder.requests[1]["body"]["Status"] == "SUCCESS"
    assert recorder.requests[1]["body"]["Data"] == {"Applied": "", "SigningKeyCreated": ""}  # keys kept


def _assert_tokens_verify_with_the_public_secret(kid: str) -> None:
    """An auth function signs with the signing secret; any other function verifies with the public one."""
    from describe_it.auth.keys import load_key_set
    from describe_it.auth.tokens import TokenIssuer, TokenVerifier
    from describe_it.settings import get_settings

    settings = get_settings()
    keys = load_key_set()
    assert keys.kid == kid and keys.private_pem is not None
    token = TokenIssuer(keys.private_pem, kid, settings.jwt_issuer, settings.jwt_audience).issue(
        uuid4(), uuid4(), "free", "user"
    )
    public_only = {k: v for k, v in keys.public_keys.items() if k == kid}
    verifier = TokenVerifier(public_only, settings.jwt_issuer, settings.jwt_audience, check_revoked=False)
    assert verifier.verify(token.token).tier == "free"


def test_delete_answers_success_and_leaves_the_database_alone(
    handler: Callable[..., Any],
    deployed_settings: str,
    recorder: Recorder,
    settings_env: Callable[..., None],
) -> None:
    handler(_event("Create", recorder.url), LambdaContext())
    settings_env(
        DB_MASTER_SECRET_ARN="arn:aws:secretsmanager:us-east-1:123456789012:secret:gone"
    )  # unreachable

    handler(_event("Delete", recorder.url), LambdaContext())

    body = recorder.requests[-1]["body"]
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", "describeit-migrations")
    assert "users" in _tables(deployed_settings)


def test_failures_are_reported_to_cloudformation(
    handler: Callable[..., Any],
    deployed_settings: str,
    recorder: Recorder,
    settings_env: Callable[..., None],
) -> None:
    params = conninfo_to_dict(deployed_settings)
    wrong = _put_secret(
        {"username": params["user"], "password": "not-the-password", "dbname": params["dbname"]}
    )
    settings_env(DB_MASTER_SECRET_ARN=wrong)

    handler(_event("Create", recorder.url), LambdaContext())

    body = recorder.requests[-1]["body"]
    assert body["Status"] == "FAILED"
    assert "cannot connect to the database" in body["Reason"]
    assert "not-the-password" not in body["Reason"]
    assert "users" not in _tables(deployed_settings)
