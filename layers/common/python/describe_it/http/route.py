"""``ApiRoute``: runs the guards of spec §1.4 around FastAPI's own request handling.

Order: route/method (Starlette) → CORS preflight (middleware) → body size 413 → content type 415 →
bearer token 401 → burst + route-class limit 429 (a GET of class ``read`` is charged while it
reads: ``guards.charge_beside``) → admin role 403 → JSON parse 400 → validation 400
(FastAPI) → the route's request gate 403 (``http/gates.py``) → idempotency → handler. Admin is checked before validation on purpose: a non-admin learns
nothing about an admin route's input rules. With an ``Idempotency-Key`` the request is validated
before the idempotency record is written (correction 12), with FastAPI's own validation functions, so
the 400 is the one FastAPI would give.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, TypeVar

from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args, request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from describe_it.errors import (
    Detail,
    Forbidden,
    InvalidJson,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from describe_it.http import guards
from describe_it.http.gates import request_gate
from describe_it.http.policy import RoutePolicy, policy_of
from describe_it.http.replay import replay_hook

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


class ApiRouter(APIRouter):
    """The router every function declares its routes on (``http.app.api_router()``)."""

    def __init__(self) -> None:
        super().__init__(route_class=ApiRoute)

    def endpoint(
        self,
        method: str,
        path: str,
        data: Any,
        pol: dict[str, Any],
        *,
        status: int = 200,
        errors: Iterable[int] = (),
        also: Mapping[int, Any] | None = None,
        headers: Iterable[str] = (),
        files: Iterable[str] = (),
        summary: str | None = None,
        description: str | None = None,
    ) -> Callable[[Endpoint], Endpoint]:
        """Declare a route: its method and path, the envelope's ``data`` model (None: no JSON body),
        its ``policy(...)``, and only what the policy does not imply — its own error statuses
        (``errors``: 404, 409, 412 …), other success statuses (``also={202: Model, 304: None}``) and
        the headers its success answer sets (``headers=("ETag",)``). A route that answers a file
        instead of the envelope passes ``data=None`` and the file's media types (``files=``). Summary
        and description come from the handler's docstring; the standard errors from the policy
        (``http/docs.py``)."""
        from describe_it.http.docs import errors as error_responses
        from describe_it.http.docs import success_responses
        from describe_it.http.envelope import Envelope

        responses = {**error_responses(*errors), **success_responses(status, (also or {}).items(), headers)}
        media = list(files)
        if media:
            binary = {"schema": {"type": "string", "format": "binary"}}
            responses.setdefault(status, {})["content"] = dict.fromkeys(media, binary)
        return self.api_route(
            path,
            methods=[method],
            status_code=status,
            response_class=Response if media else JSONResponse,
            response_model=None if data is None else Envelope[data],
            responses=responses or None,
            openapi_extra=pol,
            summary=summary,
            description=description,
        )


class ApiRoute(APIRoute):
    @property
    def policy(self) -> RoutePolicy:
        return policy_of(self.openapi_extra)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        pol = self.policy
        hook = replay_hook(pol.replay) if pol.replay else None  # an unknown name fails at import
        gate = request_gate(pol.gate) if pol.gate else None

        async def guarded(request: Request) -> Response:
            if request.method in BODY_METHODS:
                body = await _read_body(request, pol.body_limit)
                if body:
                    _check_content_type(request, pol)
                else:
                    _treat_as_empty_object(request)
            principal = guards.authenticate(request, pol)
            request.state.principal = principal
            if guards.overlaps_charge(request, pol):  # a read: charged while it reads
                return await guards.charge_beside(request, principal, pol, handle)
            if pol.burst:
                guards.charge_route_limits(request, principal, pol)
            if pol.auth == "admin" and not principal.is_admin:
                raise Forbidden("Administrator role required")
            if request.method in BODY_METHODS:
                _parse_json(request)
            if pol.idempotent:
                return await guards.with_idempotency(
                    request, principal, handle, validate=self.validated_inputs, hook=hook, gate=gate
                )
            response = await handle(request)
            guards.add_rate_headers(request, response)
            return response

        return guarded

    async def validated_inputs(self, request: Request) -> dict[str, Any]:
        """The route's parameters validated as FastAPI's handler will validate them (raises its 400)."""
        body = getattr(request, "_json", None)  # parsed by _parse_json on body methods
        values, errors = await _validate(self.dependant, request, body, self._embed_body_fields)
        if errors:
            raise RequestValidationError(errors, body=body)
        return values


async def _validate(
    dependant: Dependant, request: Request, body: Any, embed_body_fields: bool
) -> tuple[dict[str, Any], list[Any]]:
    """FastAPI's ``solve_dependencies`` without calling anything: sub-dependencies first, then path,
    query, header and cookie parameters, then the body, so the errors come in FastAPI's order."""
    values: dict[str, Any] = {}
    errors: list[Any] = []
    for sub in dependant.dependencies:
        errors += (await _validate(sub, request, body, embed_body_fields))[1]
    for fields, received in (
        (dependant.path_params, request.path_params),
        (dependant.query_params, request.query_params),
        (dependant.header_params, request.headers),
        (dependant.cookie_params, request.cookies),
    ):
        found, failed = request_params_to_args(fields, received)
        values.update(found)
        errors += failed
    if dependant.body_params:
        found, failed = await request_body_to_args(dependant.body_params, body, embed_body_fields)
        values.update(found)
        errors += failed
    return values, errors


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
