"""The one success envelope and the one error envelope of spec §1.2/§1.3: their shape and their builder.

The shapes are ``TypedDict``s: the builders below construct exactly these dicts (mypy checks every
key), and the OpenAPI document is generated from the same classes, so the fields are described once.
A ``TypedDict`` costs nothing per request, unlike validating a model on every answer.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, NotRequired, TypeVar, cast

from pydantic import BaseModel, Field, with_config
from starlette.requests import Request
from starlette.responses import Response
from typing_extensions import TypedDict

from describe_it.errors import ApiError
from describe_it.models import format_timestamp
from describe_it.settings import API_VERSION

JSON_TYPE = "application/json; charset=utf-8"
# X-Request-ID: the client's own value when it has this shape (spec §1.5), else API Gateway's request id
# (base64 text such as ``Vd0abcdEFGHIJ027=``), else a new UUID (``middleware.request_id_of``).
REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:-]{8,128}$"
ANSWERED_REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:=+/-]{1,128}$"
RESPONSE_TIME_PATTERN = r"^[0-9]+\.[0-9]{2}ms$"
TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"

T = TypeVar("T")
UserTier = Literal["guest", "free", "basic", "pro"]
RequestId = Annotated[
    str, Field(pattern=ANSWERED_REQUEST_ID_PATTERN, examples=["0d9c6f0e-6a53-4a8e-9d43-5f5e0f1b2c3d"])
]
Stamp = Annotated[str, Field(pattern=TIMESTAMP_PATTERN, examples=["2026-11-25T10:15:30.123Z"])]


@with_config({"title": "Metadata"})
class Metadata(TypedDict):
    requestId: RequestId
    timestamp: Stamp
    responseTime: Annotated[str, Field(pattern=RESPONSE_TIME_PATTERN, examples=["12.34ms"])]
    version: Annotated[str, Field(examples=[API_VERSION])]
    userId: NotRequired[Annotated[str, Field(json_schema_extra={"format": "uuid"})]]  # signed in only
    userTier: NotRequired[UserTier]  # where the route authenticated the caller


@with_config({"title": "Pagination"})
class Pagination(TypedDict):
    total: Annotated[int | None, Field(ge=0, description="null on keyset-paginated routes (correction 25)")]
    offset: Annotated[int, Field(ge=0)]
    limit: Annotated[int, Field(ge=1, le=100)]
    hasMore: bool
    nextCursor: NotRequired[Annotated[str, Field(description="Pass as `cursor` for the next page")]]


class Envelope(TypedDict, Generic[T]):
    """``{success: true, data, message?, metadata, pagination?}``; ``pagination`` on paginated lists."""

    success: Literal[True]
    data: T
    message: NotRequired[str]
    metadata: Metadata
    pagination: NotRequired[Pagination]


@with_config({"title": "ErrorDetail"})
class ErrorDetail(TypedDict):
    field: Annotated[str | None, Field(description="Dotted path (`a.b[2].c`), or null")]
    message: str
    code: Annotated[str, Field(examples=["required", "invalid_format", "too_long", "duplicate"])]
    requiredTier: NotRequired[str]  # FEATURE_REQUIRED
    currentTier: NotRequired[str]  # FEATURE_REQUIRED
    currentVersion: NotRequired[int]  # stale_version (412)
    existingId: NotRequired[Annotated[str, Field(json_schema_extra={"format": "uuid"})]]  # duplicate (409)


@with_config({"title": "ErrorMetadata"})
class ErrorMetadata(TypedDict):
    requestId: RequestId
    timestamp: Stamp


@with_config(
    {
        "title": "ErrorEnvelope",
        "json_schema_extra": {
            "examples": [
                {
                    "success": False,
                    "error": "Invalid email address",
                    "code": "VALIDATION_ERROR",
                    "details": [
                        {"field": "email", "message": "Invalid email address", "code": "invalid_format"}
                    ],
                    "metadata": {
                        "requestId": "0d9c6f0e-6a53-4a8e-9d43-5f5e0f1b2c3d",
                        "timestamp": "2026-11-25T10:15:30.123Z",
                    },
                }
            ]
        },
    }
)
class ErrorEnvelope(TypedDict):
    success: Literal[False]
    error: Annotated[str, Field(description="Human-readable; generic for 5xx")]
    code: Annotated[str, Field(pattern=r"^[A-Z_]+$", examples=["VALIDATION_ERROR", "NOT_FOUND"])]
    details: NotRequired[list[ErrorDetail]]
    metadata: ErrorMetadata


def response_time(request: Request) -> str:
    started = getattr(request.state, "started", None)
    elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
    return f"{elapsed:.2f}ms"


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


def _json_bytes(body: Envelope[Any] | ErrorEnvelope) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def ok(
    request: Request,
    data: Any,
    *,
    status_code: int = 200,
    message: str | None = None,
    pagination: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build the success envelope; ``responseTime`` and ``X-Response-Time`` carry the same value."""
    took = response_time(request)
    metadata: Metadata = {
        "requestId": request.state.request_id,
        "timestamp": format_timestamp(datetime.now(UTC)),
        "responseTime": took,
        "version": API_VERSION,
    }
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        if principal.user_id is not None:
            metadata["userId"] = str(principal.user_id)
        metadata["userTier"] = principal.tier
    body: Envelope[Any] = {"success": True, "data": _dump(data), "metadata": metadata}
    if message:
        body["message"] = message
    if pagination is not None:
        body["pagination"] = cast("Pagination", pagination)  # ``Page.block`` builds exactly that
    out_headers = {"X-Response-Time": took, **(headers or {})}
    return Response(_json_bytes(body), status_code=status_code, headers=out_headers, media_type=JSON_TYPE)


def error_response(request: Request, error: ApiError) -> Response:
    took = response_time(request)
    body: ErrorEnvelope = {
        "success": False,
        "error": error.message,
        "code": error.code,
        "metadata": {
            "requestId": request.state.request_id,
            "timestamp": format_timestamp(datetime.now(UTC)),
        },
    }
    if error.details:
        body["details"] = cast("list[ErrorDetail]", [d.to_json() for d in error.details])
    headers = {"X-Response-Time": took, "Cache-Control": "no-store", **error.headers}
    return Response(_json_bytes(body), status_code=error.status, headers=headers, media_type=JSON_TYPE)
