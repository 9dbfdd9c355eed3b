"""Local DynamoDB, S3 and Step Functions: moto's server on loopback, with the state table built from
template.yaml.

moto's own threaded server runs requests in parallel, and its DynamoDB reads an item, checks the
condition expression and writes the item without a lock: two concurrent conditional updates of one
item can both succeed. Real DynamoDB is linearizable per item, and the rate limiter, the circuit
breaker and idempotency depend on it. So the server here still accepts connections on many threads
but runs moto's WSGI app one request at a time behind a lock: every request then takes effect
atomically at some instant between its arrival and its answer, which is what DynamoDB promises (for
the whole endpoint rather than per item: stricter, and fast enough for a laptop and the tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from infra.local.cfn import state_table_definition, state_table_ttl_attribute

REGION = "us-east-1"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class OneRequestAtATime:
    """A WSGI app that runs ``app`` under a lock, response body included."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            result = self._app(environ, start_response)
            try:
                # Produce the whole body inside the lock: a lazily generated body would otherwise
                # read moto's state after the next request has changed it.
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()


class LocalAwsServer:
    """moto's backends behind ``OneRequestAtATime``, on a loopback port chosen by the OS."""

    def __init__(self, port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
        # Threaded: one slow or idle keep-alive connection must not block the others from being read.
        self._server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
        self.port = int(self._server.port)
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-aws", daemon=True)

    def start(self) -> None:
        self._thread.start()  # the socket is already listening: make_server bound it

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()


@dataclass
class LocalAws:
    endpoint: str
    server: LocalAwsServer

    def stop(self) -> None:
        self.server.stop()


def fake_credentials(env: dict[str, str]) -> None:
    """moto accepts any credentials; real-looking fakes keep boto3 from searching for others."""
    env.setdefault("AWS_ACCESS_KEY_ID", "local")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    env.setdefault("AWS_REGION", REGION)
    env.setdefault("AWS_DEFAULT_REGION", REGION)


def start(port: int = 0) -> LocalAws:
    """The server on ``port`` (0: any free port, bound at once, so no other process can take it first)."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = LocalAwsServer(port)
    server.start()
    return LocalAws(endpoint=f"http://127.0.0.1:{server.port}", server=server)


def create_state_table(endpoint: str, table_name: str) -> None:
    import boto3

    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    existing = dynamodb.list_tables().get("TableNames", [])
    if table_name in existing:
        return
    dynamodb.create_table(TableName=table_name, **state_table_definition())
    dynamodb.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": state_table_ttl_attribute()},
    )


def create_bucket(endpoint: str, bucket: str) -> None:
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    names = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in names:
        s3.create_bucket(Bucket=bucket)
