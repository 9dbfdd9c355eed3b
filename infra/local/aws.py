"""Local DynamoDB and S3: moto's server mode on loopback, with the state table built from template.yaml."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

from infra.local.cfn import state_table_definition, state_table_ttl_attribute

REGION = "us-east-1"


@dataclass
class LocalAws:
    endpoint: str
    server: Any

    def stop(self) -> None:
        self.server.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fake_credentials(env: dict[str, str]) -> None:
    """moto accepts any credentials; real-looking fakes keep boto3 from searching for others."""
    env.setdefault("AWS_ACCESS_KEY_ID", "local")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    env.setdefault("AWS_REGION", REGION)
    env.setdefault("AWS_DEFAULT_REGION", REGION)


def start(port: int | None = None) -> LocalAws:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    port = port or _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return LocalAws(endpoint=f"http://127.0.0.1:{port}", server=server)


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
