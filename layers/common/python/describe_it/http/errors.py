"""Every failure becomes the one error envelope here, and only here (spec §1.3)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from describe_it.errors import (
    ApiError,
    Detail,
    InvalidJson,
    MethodNotAllowed,
    NotFound,
    ValidationFailed,
)
from describe_it.http.envelope import error_response
from describe_it.observability import logger, stack_fields

_TYPE_TO_CODE = {
    "missing": "required",
    "string_too_short": "too_short",
    "too_short": "too_short",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "greater_than": "too_small",
    "greater_than_equal": "too_small",
    "less_than": "too_large",
    "less_than_equal": "too_large",
    "literal_error": "invalid_enum",
    "enum": "invalid_enum",
    "string_pattern_mismatch": "invalid_format",
    "uuid_parsing": "invalid_format",
    "url_parsing": "invalid_format",
    "datetime_parsing": "invalid_format",
    "datetime_from_date_parsing": "invalid_format",
    "date_from_datetime_parsing": "invalid_format",
    "date_parsing": "invalid_format",
    "value_error": "invalid_format",
}


def _field_path(loc: tuple[Any, ...]) -> str | None:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or None


def _detail(err: dict[str, Any]) -> Detail:
    kind = str(err.get("type", ""))
    message = str(err.get("msg", "Invalid value"))
    code = _TYPE_TO_CODE.get(
        kind, "invalid_type" if kind.endswith("_type") or "parsing" in kind else "invalid"
    )
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
        if message == "unsafe_content":
            code, message = "unsafe_content", "Text contains disallowed content"
    if kind == "missing" and message == "Field required":
        message = "Required"  # pydantic's own wording; a route's legacy message (spec §6, §8) stays
    return Detail(_field_path(tuple(err.get("loc", ()))), message, code)


def validation_error(exc: RequestValidationError) -> ValidationFailed:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return InvalidJson()
    if any(
        tuple(e.get("loc", ())) == ("body",) and e.get("type") in ("model_type", "dict_type") for e in errors
    ):
        return InvalidJson()  # the body parsed but is not an object
    details = [_detail(e) for e in errors]
    message = details[0].message if len(details) == 1 else None
    return ValidationFailed(message, details=details)


def exception_to_response(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ApiError):
        return error_response(request, exc)
    if isinstance(exc, RequestValidationError):
        return error_response(request, validation_error(exc))
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 405:
            # Starlette names only the first matching route's methods; FastAPI has one route per method.
            from describe_it.http.middleware import path_methods

            allow = ", ".join(sorted(path_methods(request.scope) | {"OPTIONS"}))
            error: ApiError = MethodNotAllowed(headers={"Allow": allow})
        elif exc.status_code == 404:
            error = NotFound("Route not found")
        else:
            error = ApiError(str(exc.detail))
            error.status = exc.status_code
        return error_response(request, error)
    logger.error("unhandled error", extra=stack_fields(exc))  # no message: it may hold hosts or values
    return error_response(request, ApiError())


def install_error_handlers(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> Response:
        return exception_to_response(request, exc)

    app.add_exception_handler(ApiError, handle)
    app.add_exception_handler(RequestValidationError, handle)
    app.add_exception_handler(StarletteHTTPException, handle)
    app.add_exception_handler(Exception, handle)
