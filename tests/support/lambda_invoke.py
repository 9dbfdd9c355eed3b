"""Invoke a function's Lambda handler in-process, the way API Gateway (HTTP API, payload 2.0) would."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from infra.local.functions import LambdaContext, http_event, load_function

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
__all__ = ["LambdaContext", "Reply", "event_file", "http_event", "invoke", "load_function"]


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
