"""The OpenAPI document completed from each route's policy (http/docs.py), and the contract check the
test suite runs on every reply (tests/support/contract.py)."""

from __future__ import annotations

import pytest

from describe_it.http.docs import standard_errors
from describe_it.http.policy import RoutePolicy
from infra.local.openapi import generate
from tests.support.contract import ContractViolation, check

DOCUMENT = generate()
OPERATIONS = [
    (path, method, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
]
HEADERS = {"x-request-id": "0d9c6f0e-6a53-4a8e-9d43-5f5e0f1b2c3d", "x-response-time": "1.00ms"}
ERROR = (
    '{"success":false,"error":"Not found","code":"NOT_FOUND",'
    '"metadata":{"requestId":"0d9c6f0e-6a53-4a8e-9d43-5f5e0f1b2c3d","timestamp":"2026-11-25T10:15:30.123Z"}}'
)


def test_standard_errors_follow_the_policy():
    assert standard_errors(RoutePolicy(auth="none", burst=False), "get", False) == [401, 500]
    assert standard_errors(RoutePolicy(auth="required", rate_class="read"), "get", False) == [
        401,
        429,
        500,
        503,
    ]
    assert standard_errors(RoutePolicy(auth="admin"), "post", True) == [
        400,
        401,
        403,
        413,
        415,
        429,
        500,
        503,
    ]
    assert 409 in standard_errors(RoutePolicy(idempotent=True), "post", True)


@pytest.mark.parametrize(
    ("path", "method", "operation"), OPERATIONS, ids=[f"{m} {p}" for p, m, _ in OPERATIONS]
)
def test_every_operation_is_documented_for_a_reader(path, method, operation):
    assert operation["tags"] and operation["tags"] != ["Other"], "add the path's area to http/docs.py TAGS"
    assert operation["summary"] and not operation["summary"].startswith("/api"), (
        "give the handler a docstring"
    )
    assert "**Auth:" in operation["description"]
    assert "security" in operation
    assert "422" not in operation["responses"]  # the API answers 400, never FastAPI's 422
    for status, response in operation["responses"].items():
        if int(status) >= 400:
            assert response["$ref"].startswith("#/components/responses/") or "content" in response


def test_the_bearer_scheme_is_declared_and_used():
    assert DOCUMENT["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    me = DOCUMENT["paths"]["/api/auth/me"]["get"]
    assert me["security"] == [{"bearer": []}]
    assert DOCUMENT["paths"]["/api/vocabulary/lists/{id}"]["get"]["security"] == [{}, {"bearer": []}]
    assert DOCUMENT["paths"]["/api/auth/signin"]["post"]["security"] == []


def test_the_check_refuses_an_undocumented_status():
    with pytest.raises(ContractViolation, match="status not documented"):
        check("GET", "/api/health", 404, {**HEADERS, "content-type": "application/json"}, ERROR)


def test_the_check_refuses_a_body_off_its_schema():
    body = '{"success":true,"data":{"status":"ok"},"metadata":{}}'
    with pytest.raises(ContractViolation, match="does not match"):
        check("GET", "/api/health", 200, {**HEADERS, "content-type": "application/json"}, body)


def test_the_check_refuses_a_missing_required_header_and_a_wrong_content_type():
    with pytest.raises(ContractViolation, match="required header X-Request-ID"):
        check(
            "GET",
            "/api/auth/me",
            401,
            {"content-type": "application/json", "x-response-time": "1.00ms"},
            ERROR,
        )
    with pytest.raises(ContractViolation, match="content type text/html"):
        check("GET", "/api/auth/me", 401, {**HEADERS, "content-type": "text/html"}, ERROR)


def test_the_check_refuses_a_body_on_a_redirect_and_accepts_the_error_envelope():
    with pytest.raises(ContractViolation, match="without a body"):
        check("GET", "/api/auth/verify-email", 303, {**HEADERS, "location": "/"}, "{}")
    check("GET", "/api/auth/me", 401, {**HEADERS, "content-type": "application/json"}, ERROR)
    check("DELETE", "/api/nowhere", 404, {**HEADERS, "content-type": "application/json"}, ERROR)
