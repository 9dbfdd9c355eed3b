"""Pure ASGI middleware for what every response needs, whatever route (or none) handled it.

Request id (also the correlation id of the request's log lines), start time, security headers, CORS
(allow-list, preflight answered here), OPTIONS, HEAD without a body. Written as raw ASGI rather than BaseHTTPMiddleware: cheaper per request.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from describe_it.errors import Forbidden, NotFound
from describe_it.http.envelope import error_response
from describe_it.observability import CORRELATION_ID, log_context
from describe_it.settings import get_settings

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "Cross-Origin-Resource-Policy": "same-site",
    "Permissions-Policy": "()",
}
EXPOSE_HEADERS = (
    "X-Request-ID, X-Response-Time, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, "
    "Retry-After, ETag, Location, Idempotent-Replayed"
)
ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, If-Match, If-None-Match, Prefer, X-Request-ID, Cache-Control"
# The API docs page of the local stack loads its script and styles from the page itself.
DOCS_PATHS = frozenset({"/docs", "/openapi.json"})


def request_id_of(scope: Scope, headers: Headers) -> str:
    """The request's id: ``X-Request-ID`` of the response, ``metadata.requestId`` of the body and
    ``correlation_id`` of its log lines.

    The client's ``X-Request-ID`` when it is a valid one (so a client can find its own request), else
    API Gateway's request id (the key of the gateway's access log; Mangum puts the event in the
    scope), else a new one (the local server has no gateway).
    """
    incoming = headers.get("x-request-id", "")
    if CORRELATION_ID.match(incoming):
        return incoming
    gateway_id = _gateway_request_id(scope)
    return gateway_id or str(uuid.uuid4())


def _gateway_request_id(scope: Scope) -> str | None:
    gateway_id = (scope.get("aws.event") or {}).get("requestContext", {}).get("requestId")
    return gateway_id if isinstance(gateway_id, str) and gateway_id else None


def origin_allowed(origin: str) -> bool:
    settings = get_settings()
    if origin in settings.cors_allowed_origins:
        return True
    return any(re.fullmatch(pattern, origin) for pattern in settings.cors_allowed_origin_patterns)


def path_methods(scope: Scope) -> set[str]:
    """Methods the app serves on this path (empty: no route matches); HEAD wherever GET is."""
    app = scope.get("app")
    methods: set[str] = set()
    probe = {**scope, "type": "http", "method": "GET"}
    for route in getattr(getattr(app, "state", None), "route_table", []):
        match, _ = route.matches(probe)
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or [])
    if "GET" in methods:
        methods.add("HEAD")
    return methods


class ApiMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = request_id_of(scope, headers)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["started"] = time.perf_counter()
        # Context-local keys: concurrent requests in one process (the local server's thread pool)
        # each log their own id. gateway_request_id joins the gateway's access log whatever the client sent.
        with log_context(
            correlation_id=request_id,
            gateway_request_id=_gateway_request_id(scope),
            method=scope["method"],
            path=scope.get("path"),
        ):
            await self._serve(scope, receive, send, headers, request_id, state)

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: Headers,
        request_id: str,
        state: dict[str, Any],
    ) -> None:
        origin = headers.get("origin")
        cors = origin is not None and origin_allowed(origin)
        is_head = scope["method"] == "HEAD"
        path = scope.get("path", "")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                if path not in DOCS_PATHS:
                    for name, value in SECURITY_HEADERS.items():
                        out.setdefault(name, value)
                out.setdefault("Cache-Control", "no-store")
                out["X-Request-ID"] = request_id
                if "x-response-time" not in out:
                    out["X-Response-Time"] = f"{(time.perf_counter() - state['started']) * 1000:.2f}ms"
                if cors and origin is not None:
                    _add_cors(out, origin)
                for name in ("server", "x-powered-by"):
                    if name in out:
                        del out[name]
            elif message["type"] == "http.response.body" and is_head:
                message = {**message, "body": b""}
            await send(message)

        if scope["method"] == "OPTIONS":
            await self._options(scope, receive, send_wrapper, headers, origin, cors)
            return
        # Routes may need to know (``request.state.is_head``): a HEAD must never change anything, e.g.
        # a link scanner's HEAD on the e-mailed verification link must not use the token.
        state["is_head"] = is_head
        if is_head:
            scope = {**scope, "method": "GET"}  # same route, same headers; the body is dropped above
        started_response = False

        async def tracking_send(message: Message) -> None:
            nonlocal started_response
            started_response = started_response or message["type"] == "http.response.start"
            await send_wrapper(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            # Starlette hands unexpected errors to its outermost middleware, outside this one;
            # answering here keeps the request id and security headers on the generic 500.
            if started_response:
                raise
            from describe_it.http.errors import exception_to_response

            await exception_to_response(Request(scope, receive), exc)(scope, receive, send_wrapper)

    async def _options(
        self, scope: Scope, receive: Receive, send: Send, headers: Headers, origin: str | None, cors: bool
    ) -> None:
        request = Request(scope, receive)
        methods = path_methods(scope)
        if not methods:
            await error_response(request, NotFound("Route not found"))(scope, receive, send)
            return
        allow = ", ".join(sorted(methods | {"OPTIONS"}))
        preflight = "access-control-request-method" in headers
        if preflight and not cors:
            await error_response(request, Forbidden("Origin not allowed"))(scope, receive, send)
            return
        extra: list[tuple[str, str]] = [("Allow", allow)]
        if preflight:
            extra += [
                ("Access-Control-Allow-Methods", allow),
                ("Access-Control-Allow-Headers", ALLOW_HEADERS),
                ("Access-Control-Max-Age", "600"),
            ]
        await _empty(send, 204, extra)


def _add_cors(out: MutableHeaders, origin: str) -> None:
    out["Access-Control-Allow-Origin"] = origin
    out["Access-Control-Allow-Credentials"] = "true"
    out["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    vary = out.get("Vary")
    out["Vary"] = f"{vary}, Origin" if vary and "Origin" not in vary else (vary or "Origin")


async def _empty(send: Send, status: int, headers: Iterable[tuple[str, str]]) -> None:
    raw: list[Any] = [(k.lower().encode(), v.encode()) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b""})
