"""Objects in the stack's bucket (setting ``export_bucket``): responses too large for a DynamoDB item,
and export files.

boto3 is loaded on first use. Every failure (no bucket configured, S3 unreachable, a missing
object) is a ``DependencyDown``, except that ``read_chunks`` says ``NotFound`` for an object that is not
there (an export file past its lifecycle): the caller decides what that means for its request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from describe_it.errors import DependencyDown, NotFound
from describe_it.runtime._dynamo import ClientFactory

CHUNK = 64 * 1024


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

    def put_file(self, key: str, file: IO[bytes], *, media_type: str, filename: str) -> None:
        """Upload ``file`` from its current position, streamed (botocore reads it in chunks, never whole)."""
        bucket = self._bucket_name()
        try:
            self._client().put_object(
                Bucket=bucket,
                Key=key,
                Body=file,
                ContentType=media_type,
                ContentDisposition=attachment(filename),
            )
        except _s3_errors() as exc:
            raise _down("write", exc) from exc

    def read_chunks(self, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks of 64 KiB, read as they are sent on."""
        bucket = self._bucket_name()
        try:
            body = self._client().get_object(Bucket=bucket, Key=key)["Body"]
        except _s3_errors() as exc:
            if _error_code(exc) in ("NoSuchKey", "404"):
                raise NotFound("The file is no longer available") from exc
            raise _down("read", exc) from exc
        return _chunks(body)

    def presign_get(self, key: str, *, expires_s: int, filename: str, media_type: str) -> str:
        """A GET URL for the object, signed with this function's credentials (no call to S3: the role
        must hold s3:GetObject on it for the URL to work)."""
        bucket = self._bucket_name()
        try:
            url: str = self._client().generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": bucket,
                    "Key": key,
                    "ResponseContentDisposition": attachment(filename),
                    "ResponseContentType": media_type,
                },
                ExpiresIn=expires_s,
            )
        except _s3_errors() as exc:
            raise _down("sign", exc) from exc
        return url

    def _bucket_name(self) -> str:
        bucket = self._bucket or _configured_bucket()
        if not bucket:
            raise _down("configure", None)
        return bucket


def attachment(filename: str) -> str:
    """``Content-Disposition`` of a download; the service's file names are plain ASCII."""
    return f'attachment; filename="{filename}"'


def _chunks(body: Any) -> Iterator[bytes]:
    try:
        while chunk := body.read(CHUNK):
            yield chunk
    except _s3_errors() as exc:
        raise _down("read", exc) from exc
    finally:
        body.close()


def _error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code if isinstance(code, str) else None


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
