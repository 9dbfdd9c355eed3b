"""The one success envelope and the one error envelope of spec §1.2/§1.3."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from describe_it.errors import ApiError
from describe_it.models import format_timestamp
from describe_it.settings import API_VERSION

JSON_TYPE = "application/json; charset=utf-8"


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


def _json_bytes(body: dict[str, Any]) -> bytes:
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
    metadata: dict[str, Any] = {
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
    body: dict[str, Any] = {"success": True, "data": _dump(data)}
    if message:
        body["message"] = message
    body["metadata"] = metadata
    if pagination is not None:
        body["pagination"] = pagination
    out_headers = {"X-Response-Time": took, **(headers or {})}
    return Response(_json_bytes(body), status_code=status_code, headers=out_headers, media_type=JSON_TYPE)


def error_response(request: Request, error: ApiError) -> Response:
    took = response_time(request)
    body: dict[str, Any] = {"success": False, "error": error.message, "code": error.code}
    if error.details:
        body["details"] = [d.to_json() for d in error.details]
    body["metadata"] = {
        "requestId": getattr(request.state, "request_id", None),
        "timestamp": format_timestamp(datetime.now(UTC)),
    }
    headers = {"X-Response-Time": took, "Cache-Control": "no-store", **error.headers}
    return Response(_json_bytes(body), status_code=error.status, headers=headers, media_type=JSON_TYPE)
