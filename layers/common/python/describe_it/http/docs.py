"""Models that document the envelopes in the OpenAPI file (responses are built by ``envelope.ok``)."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Metadata(BaseModel):
    request_id: str = Field(alias="requestId")
    timestamp: str
    response_time: str = Field(alias="responseTime")
    version: str
    user_id: str | None = Field(None, alias="userId")
    user_tier: Literal["guest", "free", "basic", "pro"] | None = Field(None, alias="userTier")


class Envelope(BaseModel, Generic[T]):
    success: Literal[True]
    data: T
    message: str | None = None
    metadata: Metadata


class ErrorDetail(BaseModel):
    field: str | None
    message: str
    code: str


class ErrorMetadata(BaseModel):
    request_id: str = Field(alias="requestId")
    timestamp: str


class ErrorEnvelope(BaseModel):
    success: Literal[False]
    error: str
    code: str
    details: list[ErrorDetail] | None = None
    metadata: ErrorMetadata


_DESCRIPTIONS = {
    400: "Invalid input (VALIDATION_ERROR)",
    401: "Missing, invalid or expired token",
    403: "Not allowed (FORBIDDEN, FEATURE_REQUIRED)",
    404: "Not found",
    409: "Conflict",
    412: "Precondition failed",
    413: "Body too large",
    415: "Body is not JSON",
    429: "Rate limited (Retry-After)",
    502: "Upstream failed",
    503: "Dependency unavailable (Retry-After)",
    504: "Upstream timeout",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the error envelope under each status it can answer."""
    return {code: {"model": ErrorEnvelope, "description": _DESCRIPTIONS[code]} for code in codes}
