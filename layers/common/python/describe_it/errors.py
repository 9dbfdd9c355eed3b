"""Domain exceptions. Services raise these; ``http.errors`` turns them into the one error envelope.

Each class carries the API error code and HTTP status of spec §1.3, so the mapping lives in one place
(here) and handlers never build error responses themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any


class LoggableError(Exception):
    """Not an API error: a failure whose message is written for operators (ids and causes, never
    values, hosts or secrets), so ``observability.error_fields`` logs its message. Every other
    exception is logged by class only."""


@dataclass(frozen=True)
class Detail:
    """One entry of the envelope's ``details`` array."""

    field: str | None
    message: str
    code: str
    extra: dict[str, Any] = dataclass_field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message, "code": self.code, **self.extra}


class ApiError(Exception):
    status: int = 500
    code: str = "INTERNAL_ERROR"
    default_message: str = "An unexpected error occurred"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: list[Detail] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details or []
        self.headers = headers or {}
        super().__init__(self.message)


class ValidationFailed(ApiError):
    status, code, default_message = 400, "VALIDATION_ERROR", "Invalid request parameters"


class InvalidJson(ValidationFailed):
    default_message = "Invalid JSON in request body"


class AuthRequired(ApiError):
    status, code, default_message = 401, "AUTH_REQUIRED", "Authentication required"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class InvalidToken(ApiError):
    status, code, default_message = 401, "INVALID_TOKEN", "Invalid or revoked token"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


class InvalidCredentials(ApiError):
    status, code, default_message = 401, "INVALID_CREDENTIALS", "Invalid email or password"


class CurrentPasswordIncorrect(InvalidCredentials):
    """A signed-in user's password check failed (update-password, account deletion): 403, not 401,
    because a browser client refreshes its token on 401 and would loop (correction 4)."""

    status = 403


class TokenExpired(ApiError):
    status, code, default_message = 401, "TOKEN_EXPIRED", "Access token expired"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


class Forbidden(ApiError):
    status, code, default_message = 403, "FORBIDDEN", "You are not allowed to do this"


class FeatureRequired(ApiError):
    status, code, default_message = 403, "FEATURE_REQUIRED", "This feature needs a higher tier"

    def __init__(self, field: str, required_tier: str, current_tier: str) -> None:
        detail = Detail(
            field,
            f"Requires the {required_tier} tier",
            "tier",
            {"requiredTier": required_tier, "currentTier": current_tier},
        )
        super().__init__(details=[detail])


class NotFound(ApiError):
    status, code, default_message = 404, "NOT_FOUND", "Not found"


class MethodNotAllowed(ApiError):
    status, code, default_message = 405, "METHOD_NOT_ALLOWED", "Method not allowed"


class Conflict(ApiError):
    status, code, default_message = 409, "CONFLICT", "Conflict"


class PreconditionFailed(ApiError):
    status, code, default_message = 412, "PRECONDITION_FAILED", "The resource has changed"


class PayloadTooLarge(ApiError):
    status, code, default_message = 413, "PAYLOAD_TOO_LARGE", "Request body too large"


class UnsupportedMediaType(ApiError):
    status, code, default_message = 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json"


class RateLimited(ApiError):
    status, code, default_message = 429, "RATE_LIMITED", "Too many requests"


class ServiceUnavailable(ApiError):
    status, code, default_message = 503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable"

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: int = 5,
        details: list[Detail] | None = None,
    ) -> None:
        super().__init__(message, details=details, headers={"Retry-After": str(max(1, retry_after))})


class UpstreamError(ApiError):
    status, code, default_message = 502, "UPSTREAM_ERROR", "The upstream provider failed"


class UpstreamTimeout(ApiError):
    status, code, default_message = 504, "UPSTREAM_TIMEOUT", "The upstream provider did not answer in time"


class DependencyDown(ServiceUnavailable):
    """A required dependency (database, DynamoDB) is unreachable: 503 with Retry-After."""


# --- what the database refused (``db/tx.py`` raises these when a psycopg error leaves a transaction) --
# They carry the constraint's name, so a service that wants a specific answer ("Username is already
# taken") catches one of these and raises its own; every other service gets a correct status for free.


class DuplicateValue(Conflict):
    """A unique (or exclusion) constraint refused the write."""

    default_message = "A resource with these values already exists"

    def __init__(self, message: str | None = None, *, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


class ReferenceNotFound(NotFound):
    """A foreign key refused the write: the row it points to does not exist (or is not visible)."""

    default_message = "A referenced resource does not exist"

    def __init__(self, message: str | None = None, *, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


class StillReferenced(Conflict):
    """A foreign key refused deleting a row that other rows still point to."""

    default_message = "The resource is still in use"

    def __init__(self, message: str | None = None, *, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


class ConstraintFailed(ValidationFailed):
    """A check or not-null constraint, or a value the database cannot take, refused the write."""

    default_message = "A value is not allowed"

    def __init__(self, message: str | None = None, *, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


class TransactionConflict(DependencyDown):
    """A deadlock or serialization failure, after the one retry: the client may simply try again."""

    default_message = "The database was busy with a conflicting change; please retry"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, retry_after=1)
