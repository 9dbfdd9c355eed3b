"""A small client over ``invoke``: call a function's route through Mangum like API Gateway would."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from tests.support.lambda_invoke import Reply, http_event, invoke


@cache
def _routes() -> dict[str, str]:
    """Which function serves which path: read from template.yaml, as API Gateway routes it."""
    from infra.local.cfn import load_template

    routes: dict[str, str] = {}
    for props in (
        r["Properties"]
        for r in load_template()["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    ):
        function = props["CodeUri"].rstrip("/").split("/")[-1]
        for event in (props.get("Events") or {}).values():
            if event["Type"] == "HttpApi" and "Path" in event["Properties"]:
                routes[event["Properties"]["Path"]] = function
    return routes


def function_for(path: str) -> str:
    """The function API Gateway would route ``path`` to (``{param}`` segments match one path segment)."""
    routes = _routes()
    if path in routes:
        return routes[path]
    for template, function in routes.items():
        if "{" in template and re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), path):
            return function
    return "fallback"


def call(
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    function: str | None = None,
    **kwargs: Any,
) -> Reply:
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["authorization"] = f"Bearer {token}"
    event = http_event(method, path, body=body, headers=all_headers, **kwargs)
    return invoke(function or function_for(path), event)


STRONG_PASSWORD = "correct horse battery staple"


def signup(email: str = "ana@example.com", password: str = STRONG_PASSWORD, **extra: Any) -> Reply:
    return call("POST", "/api/auth/signup", {"email": email, "password": password, **extra})


def signin(email: str = "ana@example.com", password: str = STRONG_PASSWORD, **kwargs: Any) -> Reply:
    return call("POST", "/api/auth/signin", {"email": email, "password": password}, **kwargs)


def session_for(email: str = "ana@example.com") -> dict[str, Any]:
    """Sign up (verification is off in the local stack) and return the session."""
    reply = signup(email)
    assert reply.status == 201, reply
    return reply.data["session"]  # type: ignore[no-any-return]
