"""Find and import the functions under functions/ (each one's app.py, as Lambda would load it), and the
events and context API Gateway and Lambda give them."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"


def names() -> list[str]:
    return sorted(p.parent.name for p in FUNCTIONS.glob("*/app.py"))


def load_function(name: str) -> ModuleType:
    """Import ``functions/<name>/app.py`` as module ``fn_<name>`` (once per process)."""
    module_name = f"fn_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, FUNCTIONS / name / "app.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"no function named {name!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def http_functions() -> dict[str, ModuleType]:
    """Functions that serve HTTP routes (they export a ``router``)."""
    loaded = {name: load_function(name) for name in names()}
    return {name: module for name, module in loaded.items() if hasattr(module, "router")}


def http_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    raw_body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    query: str = "",
    source_ip: str = "203.0.113.10",
    route_key: str = "$default",
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
        "routeKey": route_key,
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
                "userAgent": out_headers["user-agent"],
            },
            "requestId": request_id or f"gw-{uuid.uuid4()}",
            "routeKey": route_key,
            "stage": "$default",
            "time": "25/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795600000000,
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


class LambdaContext:
    """The parts of the Lambda context object that Mangum and Powertools read."""

    function_name = "local"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:local"
    aws_request_id = "local-request-id"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000
