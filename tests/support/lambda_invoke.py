"""Invoke a function's Lambda handler in-process, the way API Gateway (HTTP API, payload 2.0) would."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

from infra.local.functions import LambdaContext, load_function

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
__all__ = ["LambdaContext", "Reply", "event_file", "http_event", "invoke", "load_function"]


def http_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    raw_body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    query: str = "",
    source_ip: str = "203.0.113.10",
    request_id: str | None = None,
) -> dict[str, Any]:
    """An HTTP API payload-2.0 event. ``body`` is sent as JSON; ``raw_body`` as given. Each event has
    its own gateway request id unless ``request_id`` is given, as every API Gateway request does."""
    out_headers = {
        "host": "api.example.com",
        "user-agent": "pytest",
        **{k.lower(): v for k, v in (headers or {}).items()},
    }
    encoded = False
    text: str | None = None
    if body is not None:
        text = json.dumps(body)
        out_headers.setdefault("content-type", "application/json")
    elif raw_body is not None:
        if isinstance(raw_body, bytes):
            text = base64.b64encode(raw_body).decode()
            encoded = True
        else:
            text = raw_body
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": out_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": "pytest",
            },
            "requestId": request_id or f"gw-{uuid.uuid4()}",
            "routeKey": "$default",
            "stage": "$default",
            "time": "25/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795600000000,
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


class Reply:
    """A Lambda proxy response, decoded."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.status: int = raw["statusCode"]
        self.headers: dict[str, str] = {k.lower(): v for k, v in (raw.get("headers") or {}).items()}
        body = raw.get("body") or ""
        # Binary bodies (a PDF or .apkg download) come base64-encoded; ``content`` has the bytes.
        self.content: bytes = base64.b64decode(body) if raw.get("isBase64Encoded") else body.encode()
        self.text: str = self.content.decode(errors="replace")

    @property
    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def data(self) -> Any:
        return self.json["data"]

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.text[:300]})"


def invoke(function: str, event: dict[str, Any]) -> Reply:
    """Call the handler; every HTTP reply is checked against the documented contract
    (``tests/support/contract.py``): an undocumented status or a body off its schema fails the test."""
    handler = load_function(function).lambda_handler
    reply = Reply(handler(event, LambdaContext()))
    http = (event.get("requestContext") or {}).get("http")
    if http is not None:
        from tests.support.contract import check

        check(http["method"], event.get("rawPath") or http["path"], reply.status, reply.headers, reply.text)
    return reply


def event_file(function: str, case: str) -> dict[str, Any]:
    return json.loads((EVENTS / function / f"{case}.json").read_text())
