"""Objects in the stack's bucket (setting ``export_bucket``) for what does not fit in a DynamoDB item.

boto3 is loaded on first use. Every failure (no bucket configured, S3 unreachable, a missing
object) is a ``DependencyDown``: the caller decides what that means for its request.
"""

from __future__ import annotations

from typing import Any

from describe_it.errors import DependencyDown
from describe_it.runtime._dynamo import ClientFactory


def s3_client() -> Any:
    from describe_it.aws import client

    return client("s3")


def _configured_bucket() -> str | None:
    from describe_it.settings import get_settings

    return get_settings().export_bucket


class BlobStore:
    def __init__(self, client_factory: ClientFactory = s3_client, *, bucket: str | None = None) -> None:
        self._client = client_factory
        self._bucket = bucket

    def put(self, key: str, data: bytes) -> None:
        bucket = self._bucket_name()
        try:
            self._client().put_object(Bucket=bucket, Key=key, Body=data)
        except _s3_errors() as exc:
            raise _down("write", exc) from exc

    def get(self, key: str) -> bytes:
        bucket = self._bucket_name()
        try:
            response = self._client().get_object(Bucket=bucket, Key=key)
            data: bytes = response["Body"].read()
        except _s3_errors() as exc:
            raise _down("read", exc) from exc
        return data

    def exists(self, key: str) -> bool:
        """Whether ``key`` is stored. A one-byte ranged GET rather than HeadObject: the same permission
        (``s3:GetObject``), and an operation the IAM coverage test can map to its action."""
        from botocore.exceptions import ClientError

        bucket = self._bucket_name()
        try:
            self._client().get_object(Bucket=bucket, Key=key, Range="bytes=0-0")["Body"].close()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return False
            raise _down("read", exc) from exc
        except _s3_errors() as exc:
            raise _down("read", exc) from exc
        return True

    def _bucket_name(self) -> str:
        bucket = self._bucket or _configured_bucket()
        if not bucket:
            raise _down("configure", None)
        return bucket


def _s3_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (ClientError, BotoCoreError)


def _down(action: str, exc: Exception | None) -> DependencyDown:
    from describe_it.observability import logger

    # The class only: botocore's messages name the endpoint host.
    logger.warning(
        "object store unavailable", extra={"action": action, "error": type(exc).__name__ if exc else None}
    )
    return DependencyDown("Object storage unavailable", retry_after=5)
