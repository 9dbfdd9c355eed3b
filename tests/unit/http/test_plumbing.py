"""The HTTP plumbing every function shares: envelopes, errors, headers, CORS, guards order (spec §1)."""

from __future__ import annotations

import json

import pytest
from fastapi import Request
from pydantic import Field
from starlette.responses import Response

from describe_it.errors import Conflict, Detail
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.models import ApiModel, SafeText, Text
from tests.support.lambda_invoke import LambdaContext, Reply, http_event


class Item(ApiModel):
    name: SafeText = Field(min_length=1, max_length=40)
    count: int = Field(1, ge=1, le=5)
    note: Text | None = None


router = api_router()


@router.get("/api/things", openapi_extra=policy(auth="none", burst=False))
def list_things(request: Request) -> Response:
    return ok(request, [{"id": 1}])


@router.post("/api/things", status_code=201, openapi_extra=policy(auth="none", burst=False, body_limit=200))
def create_thing(body: Item, request: Request) -> Response:
    return ok(request, body, status_code=201)


@router.post("/api/anything", status_code=201, openapi_extra=policy(auth="none", burst=False))
def create_anything(body: Item, request: Request) -> Response:
    return ok(request, body, status_code=201)


@router.delete("/api/things", openapi_extra=policy(auth="none", burst=False))
def clash(request: Request) -> Response:
    raise Conflict("Already there", details=[Detail("name", "Duplicate", "duplicate")])


@router.put("/api/things", openapi_extra=policy(auth="none", burst=False))
def boom(request: Request) -> Response:
    raise RuntimeError("secret connection string host=db.internal password=hunter2")


handler = make_handler(create_app(router))


def send(method: str, path: str = "/api/things", **kwargs) -> Reply:
    return Reply(handler(http_event(method, path, **kwargs), LambdaContext()))


def test_success_envelope_and_headers():
    reply = send("GET", headers={"x-request-id": "client-req-0001"})
    assert reply.status == 200
    body = reply.json
    assert body["success"] is True and body["data"] == [{"id": 1}]
    meta = body["metadata"]
    assert meta["requestId"] == "client-req-0001" == reply.headers["x-request-id"]
    assert meta["responseTime"] == reply.headers["x-response-time"]
    assert meta["version"] == "3.0.0" and meta["userTier"] == "guest"
    assert meta["timestamp"].endswith("Z") and len(meta["timestamp"]) == 24
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["content-security-policy"].startswith("default-src 'none'")
    assert reply.headers["cache-control"] == "no-store"
    assert "server" not in reply.headers


def test_bad_request_id_is_replaced_by_the_gateways():
    reply = send("GET", headers={"x-request-id": "bad id with spaces"}, request_id="gw-request-0001")
    assert reply.headers["x-request-id"] == "gw-request-0001" == reply.json["metadata"]["requestId"]
    assert send("GET", request_id="gw-request-0002").headers["x-request-id"] == "gw-request-0002"


def test_unknown_route_and_method():
    missing = send("GET", "/api/nothing")
    assert missing.status == 404 and missing.json["code"] == "NOT_FOUND" and missing.json["success"] is False
    wrong = send("PATCH")
    assert wrong.status == 405 and wrong.json["code"] == "METHOD_NOT_ALLOWED"
    assert set(wrong.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST", "DELETE", "PUT"}


def test_head_has_no_body():
    reply = send("HEAD")
    assert reply.status == 200 and reply.text == ""


def test_cors_preflight_allowed_and_refused():
    allowed = send(
        "OPTIONS", headers={"origin": "http://localhost:3000", "access-control-request-method": "POST"}
    )
    assert allowed.status == 204
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert allowed.headers["access-control-max-age"] == "600"
    refused = send(
        "OPTIONS", headers={"origin": "https://evil.example", "access-control-request-method": "POST"}
    )
    assert refused.status == 403 and refused.json["code"] == "FORBIDDEN"
    unknown = send(
        "OPTIONS",
        "/api/nope",
        headers={"origin": "http://localhost:3000", "access-control-request-method": "GET"},
    )
    assert unknown.status == 404


def test_simple_request_from_other_origin_has_no_cors_headers():
    reply = send("GET", headers={"origin": "https://evil.example"})
    assert reply.status == 200 and "access-control-allow-origin" not in reply.headers
    good = send("GET", headers={"origin": "http://localhost:3000"})
    assert good.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "Origin" in good.headers["vary"]


def test_validation_errors():
    created = send("POST", body={"name": "  café  ", "count": "3", "unknown": "ignored"})
    assert created.status == 201, created
    assert created.data == {"name": "café", "count": 3, "note": None}
    bad = send("POST", body={"name": "", "count": 9})
    assert bad.status == 400 and bad.json["error"] == "Invalid request parameters"
    codes = {(d["field"], d["code"]) for d in bad.json["details"]}
    assert codes == {("name", "too_short"), ("count", "too_large")}
    one = send("POST", body={"name": "ok", "count": 5.5})
    assert one.status == 400 and one.json["details"][0]["field"] == "count"
    missing = send("POST", body={})
    assert missing.json["details"] == [{"field": "name", "message": "Required", "code": "required"}]
    empty = send("POST", raw_body="", headers={"content-type": "application/json"})
    assert empty.status == 400 and empty.json["details"][0]["code"] == "required"


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "javascript:x", "a onclick=b"])
def test_unsafe_text_is_refused(text):
    reply = send("POST", body={"name": text})
    assert reply.status == 400
    assert reply.json["details"][0]["code"] == "unsafe_content"


def test_control_characters_refused():
    reply = send("POST", body={"name": "ok", "note": "bell\x07"})
    assert reply.status == 400 and reply.json["details"][0]["field"] == "note"


def test_body_guards_order_and_messages():
    assert send("POST", raw_body="{", headers={"content-type": "application/json"}).json["error"] == (
        "Invalid JSON in request body"
    )
    assert send("POST", raw_body=b"\xff\xfe{}", headers={"content-type": "application/json"}).status == 400
    assert send("POST", raw_body='"text"', headers={"content-type": "application/json"}).status == 400
    # 413 wins over 415 wins over 400
    big = send("POST", raw_body="x" * 500, headers={"content-type": "text/csv"})
    assert big.status == 413
    wrong_type = send("POST", raw_body="{", headers={"content-type": "text/csv"})
    assert wrong_type.status == 415
    with_charset = send(
        "POST",
        raw_body=json.dumps({"name": "x"}),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert with_charset.status == 201


@pytest.mark.parametrize(
    "number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "[1e309]", "-1" + "0" * 310]
)
def test_numbers_that_are_not_finite_doubles_are_refused(number):
    """Python's json takes NaN, ±Infinity and 1e400 (= inf) by default; JSON has no such numbers."""
    raw = '{"name": "ok", "unknown": ' + number + "}"  # even in a field the model ignores
    reply = send("POST", "/api/anything", raw_body=raw, headers={"content-type": "application/json"})
    assert reply.status == 400, reply
    assert reply.json["code"] == "VALIDATION_ERROR"


def test_large_but_finite_numbers_still_parse():
    raw = '{"name": "ok", "unknown": [1e308, -2.5e-300, 12345678901234567890]}'
    reply = send("POST", "/api/anything", raw_body=raw, headers={"content-type": "application/json"})
    assert reply.status == 201, reply


def test_domain_error_maps_to_envelope():
    reply = send("DELETE")
    assert reply.status == 409
    assert reply.json["details"] == [{"field": "name", "message": "Duplicate", "code": "duplicate"}]


def test_unexpected_error_is_generic_500():
    reply = send("PUT", body={})
    assert reply.status == 500
    assert reply.json["code"] == "INTERNAL_ERROR"
    assert "hunter2" not in reply.text and "db.internal" not in reply.text
    assert reply.json["metadata"]["requestId"] == reply.headers["x-request-id"]


def test_log_lines_carry_both_request_ids():
    import io
    import logging

    from describe_it.observability import logger

    stream = io.StringIO()
    handler_ = logging.StreamHandler(stream)
    handler_.setFormatter(logger.registered_formatter)
    logger.addHandler(handler_)
    try:
        # logs the unexpected error
        send("PUT", body={}, headers={"x-request-id": "client-req-0002"}, request_id="gw-request-id")
    finally:
        logger.removeHandler(handler_)
    record = json.loads(next(line for line in stream.getvalue().splitlines() if "unhandled error" in line))
    assert record["correlation_id"] == "client-req-0002"
    assert record["gateway_request_id"] == "gw-request-id"
    # The log says what failed and where, never the message: it may carry hosts or credentials.
    assert record["error"] == "RuntimeError"
    assert "test_plumbing.py" in record["stack"] and "in boom" in record["stack"]
    assert "hunter2" not in stream.getvalue() and "db.internal" not in stream.getvalue()
