"""``ApiRoute``: runs the guards of spec §1.4 around FastAPI's own request handling.

Order: route/method (Starlette) → CORS preflight (middleware) → body size 413 → content type 415 →
bearer token 401 → burst + route-class limit 429 → admin role 403 → idempotency → JSON parse and
validation 400 (FastAPI) → handler. Admin is checked before validation on purpose: a non-admin learns
nothing about an admin route's input rules.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from describe_it.errors import (
    Detail,
    Forbidden,
    InvalidJson,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from describe_it.http import guards
from describe_it.http.policy import RoutePolicy, policy_of

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ApiRoute(APIRoute):
    @property
    def policy(self) -> RoutePolicy:
        return policy_of(self.openapi_extra)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        pol = self.policy

        async def guarded(request: Request) -> Response:
            if request.method in BODY_METHODS:
                body = await _read_body(request, pol.body_limit)
                if body:
                    _check_content_type(request, pol)
                else:
                    _treat_as_empty_object(request)
            principal = guards.authenticate(request, pol)
            request.state.principal = principal
            if pol.burst:
                guards.charge_route_limits(request, principal, pol)
            if pol.auth == "admin" and not principal.is_admin:
                raise Forbidden("Administrator role required")
            if request.method in BODY_METHODS:
                _parse_json(request)
            if pol.idempotent:
                return await guards.with_idempotency(request, principal, handle)
            response = await handle(request)
            guards.add_rate_headers(request, response)
            return response

        return guarded


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"Request body exceeds {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Request body exceeds {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # Starlette's cache: FastAPI reads the body from here
    return body


def _check_content_type(request: Request, pol: RoutePolicy) -> None:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media == "application/json":
        return
    if pol.text_plain_json and media == "text/plain":
        _set_json_content_type(request)  # so FastAPI parses it as the JSON it holds
        return
    raise UnsupportedMediaType()


def _treat_as_empty_object(request: Request) -> None:
    """An empty body is ``{}``: fine where every field is optional, "Required" details otherwise."""
    request._body = b"{}"
    _set_json_content_type(request)


def _set_json_content_type(request: Request) -> None:
    headers = [(k, v) for k, v in request.scope["headers"] if k != b"content-type"]
    headers.append((b"content-type", b"application/json"))
    request.scope["headers"] = headers
    if "_headers" in request.__dict__:
        del request.__dict__["_headers"]


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")  # Python's json accepts NaN and ±Infinity by default


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses to inf
        raise _NumberOutOfRange()
    return value


def _double_sized_int(text: str) -> int:
    value = int(text)
    if abs(value) > _DOUBLE_MAX:  # what a client's double could not hold
        raise _NumberOutOfRange()
    return value


class _NumberOutOfRange(ValueError):
    pass


_DOUBLE_MAX = sys.float_info.max


def _parse_json(request: Request) -> None:
    """Parse once, strictly (UTF-8, an object, finite numbers that fit a double); FastAPI then reuses
    ``request._json``."""
    body: bytes = request._body
    if not body:
        request._json = {}
        return
    try:
        parsed = json.loads(
            body.decode("utf-8"),
            parse_constant=_not_json,
            parse_float=_finite_float,
            parse_int=_double_sized_int,
        )
    except _NumberOutOfRange as exc:
        message = "A number in the request body is out of range"
        raise ValidationFailed(message, details=[Detail(None, message, "out_of_range")]) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidJson() from exc
    if not isinstance(parsed, dict):
        raise InvalidJson()
    request._json = parsed
