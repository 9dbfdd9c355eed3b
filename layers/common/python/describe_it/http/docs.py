"""The OpenAPI document: what FastAPI generates, completed from each route's policy.

A route states its path, models, policy and only its own extra statuses (``ApiRouter.endpoint``); the
standard answers follow from the policy here, in one place: a body method can answer 400/413/415, a
route that reads input 400, every route 401 (a token that is sent is always verified), admin 403, a
rate-limited route 429 with ``Retry-After`` and ``X-RateLimit-*``, an idempotent one 409 and the
``Idempotency-Key`` header, anything that touches a store 503. Tags, summaries, the auth sentence and
the bearer security of every operation come from here too, so the document a person reads at
``/docs`` and the one schemathesis checks are the same.

Built lazily on the first request for ``/openapi.json`` (never in a Lambda, which serves no docs).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from describe_it.http.envelope import (
    ANSWERED_REQUEST_ID_PATTERN,
    RESPONSE_TIME_PATTERN,
    Envelope,
    ErrorEnvelope,
    Metadata,
)
from describe_it.http.policy import POLICY_KEY, RoutePolicy, policy_of
from describe_it.models import RULES_KEY

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.routing import APIRoute

__all__ = ["Envelope", "ErrorEnvelope", "Metadata", "errors", "openapi"]

ERROR_DESCRIPTIONS = {
    400: "Invalid input (`VALIDATION_ERROR`; `details[].field` names each path)",
    401: "Missing, invalid or expired token (`AUTH_REQUIRED`, `INVALID_TOKEN`, `TOKEN_EXPIRED`)",
    403: "Not allowed (`FORBIDDEN`, `FEATURE_REQUIRED`)",
    404: "Not found, or not visible to the caller (`NOT_FOUND`)",
    409: "Conflict (`CONFLICT`)",
    412: "`If-Match` names a stale version (`PRECONDITION_FAILED`, detail `stale_version`)",
    413: "Body above the route's limit (`PAYLOAD_TOO_LARGE`)",
    415: "Body is not `application/json` (`UNSUPPORTED_MEDIA_TYPE`)",
    429: "Rate limited (`RATE_LIMITED`); `Retry-After` says when to come back",
    500: "Unexpected failure (`INTERNAL_ERROR`); the body carries only the request id",
    502: "The upstream provider failed (`UPSTREAM_ERROR`)",
    503: "A dependency is unavailable (`SERVICE_UNAVAILABLE`); `Retry-After` says when to retry",
    504: "The upstream provider did not answer in time (`UPSTREAM_TIMEOUT`)",
}
SUCCESS_DESCRIPTIONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No content",
    303: "See other (redirect; no body)",
    304: "Not modified (no body)",
}
BODY_METHODS = frozenset({"post", "put", "patch", "delete"})
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9._:-]{8,128}$"

# Area of each path, for the tags of /docs; the first matching prefix wins.
TAGS: tuple[tuple[str, str, str], ...] = (
    ("/api/auth/", "Auth", "Accounts, sessions, e-mail verification and passwords"),
    ("/api/settings", "Settings", "The settings document and your own provider keys"),
    ("/api/vocabulary/", "Vocabulary", "Lists, items, bulk save and spaced-repetition review"),
    ("/api/descriptions", "Descriptions", "Image descriptions in English and Spanish"),
    ("/api/images", "Images", "Image search and the image proxy"),
    ("/api/qa", "Q&A", "Comprehension questions and answers"),
    ("/api/phrases", "Language", "Phrase extraction and translation"),
    ("/api/translate", "Language", "Phrase extraction and translation"),
    ("/api/progress", "Progress", "Learning progress, streaks and study sessions"),
    ("/api/sessions", "Progress", "Learning progress, streaks and study sessions"),
    ("/api/search/", "Search", "Search over vocabulary and descriptions"),
    ("/api/export", "Export", "Exports of your data (JSON, CSV, PDF, Anki)"),
    ("/api/analytics", "Analytics", "Usage events, web vitals and dashboards"),
    ("/api/error-report", "Analytics", "Usage events, web vitals and dashboards"),
    ("/api/admin/", "Admin", "Operator routes (admin role)"),
    ("/api/cache/", "Admin", "Operator routes (admin role)"),
    ("/api/storage/", "Admin", "Operator routes (admin role)"),
    ("/api/health", "Operations", "Liveness, readiness and metrics"),
    ("/api/monitoring/", "Operations", "Liveness, readiness and metrics"),
)
OTHER_TAG = "Other"

AUTH_SENTENCES = {
    "none": "**Auth: none.** A token, if sent, is still verified (a bad one is 401).",
    "optional": "**Auth: optional.** Guests may call it; a token that is sent must be valid (else 401).",
    "required": "**Auth: required** (bearer access token).",
    "admin": "**Auth: admin** (bearer access token of a user with the admin role; others get 403).",
}
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "none": [],
    "optional": [{}, {"bearer": []}],
    "required": [{"bearer": []}],
    "admin": [{"bearer": []}],
}

API_DESCRIPTION = """\
The HTTP API of Describe It. Every answer is JSON in one of two envelopes: success
`{success: true, data, message?, metadata, pagination?}` or error
`{success: false, error, code, details?, metadata}`.

**Signing in here:** call `POST /api/auth/signin` (demo account of `make run`:
`demo@describe-it.local` / `demo-password-2026`), copy `data.session.access_token`, press
**Authorize** and paste it. Each operation says whether it needs a token.

Every response carries `X-Request-ID` (your own value when it matches `^[A-Za-z0-9._:-]{8,128}$`,
else API Gateway's request id, else a new UUID), `X-Response-Time`, `Cache-Control` (`no-store` unless stated) and the security
headers. Unknown body fields and query parameters are ignored. Strings are trimmed and
NFC-normalised; control characters other than newline and tab are rejected. A body of a
POST/PUT/PATCH/DELETE must be `application/json`. `OPTIONS` answers CORS preflights (204); any
other method a path does not serve is 405 with `Allow`.
"""

_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "required": True,  # the middleware sets it on every response
        "description": "The request id (also `metadata.requestId` and in every log line)",
        "schema": {"type": "string", "pattern": ANSWERED_REQUEST_ID_PATTERN},
    },
    "X-Response-Time": {
        "required": True,
        "description": "Handler time (also `metadata.responseTime`)",
        "schema": {"type": "string", "pattern": RESPONSE_TIME_PATTERN},
    },
    "X-RateLimit-Limit": {
        "description": "Requests allowed in the window of the tightest limit charged",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests left in that window",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Reset": {
        "description": "When that window ends (epoch seconds)",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "schema": {"type": "integer", "minimum": 1},
    },
    "WWW-Authenticate": {"description": "`Bearer` challenge", "schema": {"type": "string"}},
    "ETag": {
        "description": "Version of the resource (send it back in `If-Match` / `If-None-Match`)",
        "schema": {"type": "string", "pattern": '^(?:W/)?"[!#-~]*"$'},  # RFC 9110 entity-tag
    },
    "Location": {"description": "Where the resource is (or the redirect goes)", "schema": {"type": "string"}},
    "Cache-Control": {"description": "Caching of this answer", "schema": {"type": "string"}},
    "Content-Disposition": {
        "description": "`attachment; filename=…` of a file",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer of an earlier request with the same key",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
_ALWAYS = ("X-Request-ID", "X-Response-Time")  # sent on every response, by the middleware
_RATE = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route's own extra error statuses.

    Deprecated: declare routes with ``router.endpoint(..., errors=(404,))``, which lists only the
    statuses the policy does not imply. Still accepted so that routes written in the older style keep
    their documentation; the error envelope and the standard statuses are added by ``openapi``.
    """
    return {code: {"description": ERROR_DESCRIPTIONS[code]} for code in codes}


def header(name: str) -> dict[str, Any]:
    """A reference to one of the documented response headers (``components.headers``)."""
    if name not in _HEADERS:
        raise KeyError(f"undocumented header {name!r}: add it to http/docs.py")
    return {"$ref": f"#/components/headers/{name}"}


def tag_for(path: str) -> str:
    return next((tag for prefix, tag, _ in TAGS if path.startswith(prefix)), OTHER_TAG)


def standard_errors(pol: RoutePolicy, method: str, reads_input: bool) -> list[int]:
    """The error statuses every route with this policy can answer (spec §1.3/§1.4)."""
    codes = {401, 500}  # 401: a token that is sent is always verified; 500: a bug, never by design
    if method in BODY_METHODS:
        codes |= {400, 413, 415}
    if reads_input:
        codes.add(400)
    if pol.auth == "admin":
        codes.add(403)
    if pol.burst or pol.rate_class:
        codes.add(429)
    if pol.idempotent:
        codes |= {400, 409}
    if pol.burst or pol.auth != "none":
        codes.add(503)  # the limiter, the revocation check, the database
    return sorted(codes)


def openapi(app: FastAPI) -> dict[str, Any]:
    """The document of ``app`` (``app.openapi``); cached on the app like FastAPI's own."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi
    from fastapi.routing import APIRoute

    document = get_openapi(
        title=app.title, version=app.version, description=API_DESCRIPTION, routes=app.routes
    )
    routes = {
        (route.path_format, method.lower()): route
        for route in app.state.route_table  # flat (FastAPI nests included routers)
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    used_tags: set[str] = set()
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            route = routes.get((path, method))
            if route is not None:
                _complete(operation, route, path, method, document)
                used_tags.update(operation.get("tags", []))
    _add_components(document)
    _json_schema_keywords(document)
    document["tags"] = [
        {"name": name, "description": text}
        for name, text in dict.fromkeys((tag, text) for _, tag, text in TAGS)
        if name in used_tags
    ] + ([{"name": OTHER_TAG}] if OTHER_TAG in used_tags else [])
    app.openapi_schema = document
    return document


def resolve(node: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """``node`` with its local ``$ref`` followed."""
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def rules_of(operation: dict[str, Any], document: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``x-server-rules`` of an operation's body model and parameters (``describe_it.models.rule``)."""
    found: list[dict[str, Any]] = []
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body is not None:
        found += resolve(body, document).get(RULES_KEY, [])
    for parameter in operation.get("parameters", []):
        found += parameter.get("schema", {}).get(RULES_KEY, [])
    return found


def _body_optional_when_nothing_required(operation: dict[str, Any], document: dict[str, Any]) -> None:
    """An empty body is ``{}`` (``ApiRoute``): where no field is required, the body itself is optional."""
    body = operation.get("requestBody")
    schema = (body or {}).get("content", {}).get("application/json", {}).get("schema")
    if body is not None and schema is not None and not resolve(schema, document).get("required"):
        body["required"] = False


def _complete(
    operation: dict[str, Any], route: APIRoute, path: str, method: str, document: dict[str, Any]
) -> None:
    pol = policy_of(route.openapi_extra)
    operation.setdefault("tags", [tag_for(path)])
    summary, body = _docstring(route)
    operation["summary"] = route.summary or summary
    text = [
        route.description if route.description != inspect.cleandoc(route.endpoint.__doc__ or "") else body
    ]
    text += [_policy_sentence(pol)]
    operation["description"] = "\n\n".join(part for part in text if part)
    operation["security"] = SECURITY[pol.auth]
    if pol.idempotent:
        operation.setdefault("parameters", []).append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Makes a retry safe: the first answer is stored 24 h and replayed (spec §1.8)",
                "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
            }
        )
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)  # FastAPI's default; this API answers 400 (spec §1.3)
    reads_input = bool(operation.get("parameters") or operation.get("requestBody"))
    _body_optional_when_nothing_required(operation, document)
    rules = rules_of(operation, document)
    if rules:
        operation["description"] += (
            "\n\nAlso checked by the server (not expressible in the schema): "
            + "; ".join(f"`{r.get('field') or 'body'}`: {r['rule']}" for r in rules)
            + "."
        )
    for code in standard_errors(pol, method, reads_input):
        responses.setdefault(str(code), {"description": ERROR_DESCRIPTIONS[code]})
    for status, response in list(responses.items()):
        responses[status] = _complete_response(int(status), response, pol)
    operation["responses"] = dict(sorted(responses.items()))


def _complete_response(status: int, response: dict[str, Any], pol: RoutePolicy) -> dict[str, Any]:
    if status >= 400:
        if response.get("description") in (None, ERROR_DESCRIPTIONS.get(status)):
            return {"$ref": f"#/components/responses/{_error_name(status)}"}
        return {**_error_response(status), "description": response["description"]}
    if status == 200 and response.get("description") == "Successful Response":
        response["description"] = SUCCESS_DESCRIPTIONS[200]
    headers: dict[str, Any] = response.setdefault("headers", {})
    names: list[str] = list(_ALWAYS)
    if status in (204, 304) or 300 <= status < 400:
        response.pop("content", None)  # no body, so no content type (a redirect has Location)
        if status != 304 and status >= 300:
            names.append("Location")
    if pol.burst or pol.rate_class:
        names += _RATE
    if pol.idempotent:
        names.append("Idempotent-Replayed")
    for name in names:
        headers.setdefault(name, header(name))
    return response


def _error_name(status: int) -> str:
    return HTTPStatus(status).phrase.replace(" ", "").replace("-", "")


def _error_response(status: int) -> dict[str, Any]:
    """The error envelope under ``status``, with the headers that status carries."""
    names = list(_ALWAYS)
    if status == 401:
        names.append("WWW-Authenticate")
    if status == 429:
        names += [*_RATE, "Retry-After"]
    if status in (409, 503):
        names.append("Retry-After")  # 409: an idempotent request still in progress
    return {
        "description": ERROR_DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
        "headers": {name: header(name) for name in names},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
    }


def _docstring(route: APIRoute) -> tuple[str, str]:
    """Summary and body: the handler's docstring, else the first line of its module's."""
    doc = inspect.cleandoc(route.endpoint.__doc__ or "")
    if doc:
        first, _, rest = doc.partition("\n\n")
        return " ".join(first.split()), rest.strip()
    module = inspect.getmodule(route.endpoint)
    module_doc = inspect.cleandoc((module.__doc__ if module else None) or "")
    first = module_doc.partition("\n\n")[0]
    return " ".join(first.split()) or route.name.replace("_", " ").capitalize(), ""


def _policy_sentence(pol: RoutePolicy) -> str:
    parts = [AUTH_SENTENCES[pol.auth]]
    if pol.rate_class:
        parts.append(f"Rate-limit class `{pol.rate_class}` (spec §2.3), on top of `burst`.")
    elif pol.burst:
        parts.append("Rate limit: `burst` (spec §2.3).")
    else:
        parts.append("No rate limit of its own (throttled at the gateway).")
    if pol.idempotent:
        parts.append("Honours `Idempotency-Key`.")
    return " ".join(parts)


_KEYWORDS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
    "min_length": "minLength",
    "max_length": "maxLength",
    "multiple_of": "multipleOf",
}


def _json_schema_keywords(node: Any) -> None:
    """Pydantic writes a constraint on an ``Annotated`` alias that has its own validator, inside a
    union, under its Python name (``{"type": "integer", "ge": 1}``); JSON Schema knows it as
    ``minimum``. Without the rename the bound is silently missing from the document."""
    if isinstance(node, dict):
        if "type" in node:
            for old, new in _KEYWORDS.items():
                if isinstance(node.get(old), int | float) and not isinstance(node.get(old), bool):
                    node[new] = node.pop(old)
        for value in node.values():
            _json_schema_keywords(value)
    elif isinstance(node, list):
        for value in node:
            _json_schema_keywords(value)


def _add_components(document: dict[str, Any]) -> None:
    from pydantic import TypeAdapter

    components: dict[str, Any] = document.setdefault("components", {})
    schemas: dict[str, Any] = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    error_schema = TypeAdapter(ErrorEnvelope).json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in error_schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas["ErrorEnvelope"] = error_schema
    components["headers"] = {name: _HEADERS[name] for name in sorted(_HEADERS)}
    components["responses"] = {
        _error_name(code): _error_response(code) for code in sorted(ERROR_DESCRIPTIONS)
    }
    components["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The `access_token` of a session (`POST /api/auth/signin`), valid for one hour",
        }
    }


def success_responses(
    status: int, also: Iterable[tuple[int, Any]], headers: Iterable[str]
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for a route's other success statuses, and the headers its success
    answers set (not marked required: each status may set only some of them)."""
    out: dict[int | str, dict[str, Any]] = {}
    also_list = list(also)
    for code, model in also_list:
        entry: dict[str, Any] = {"description": SUCCESS_DESCRIPTIONS.get(code, "Success")}
        if model is not None:
            entry["model"] = Envelope[model]  # type: ignore[valid-type]
        out[code] = entry
    names = list(headers)
    for code in (status, *(code for code, _ in also_list)) if names else ():
        out.setdefault(code, {})["headers"] = {name: header(name) for name in names}
    return out


__all__ += ["ERROR_DESCRIPTIONS", "POLICY_KEY", "header", "standard_errors", "success_responses", "tag_for"]
