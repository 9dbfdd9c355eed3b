"""The OpenAPI document completed from each route's policy (http/docs.py), and the contract check the
test suite runs on every reply (tests/support/contract.py)."""

from __future__ import annotations

import pytest
from fastapi import Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app
from describe_it.http.docs import Envelope, errors, standard_errors
from describe_it.http.policy import RoutePolicy, policy
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


def test_a_file_answer_documents_its_media_types_and_its_redirect():
    download = DOCUMENT["paths"]["/api/export/{id}/download"]["get"]["responses"]
    assert {"text/csv", "application/pdf"} <= set(download["200"]["content"])
    assert all(media["schema"]["format"] == "binary" for media in download["200"]["content"].values())
    assert "content" not in download["302"] and "Location" in download["302"]["headers"]
    check("GET", "/api/export/0d9c6f0e-6a53-4a8e-9d43-5f5e0f1b2c3d/download", 200,
          {**HEADERS, "content-type": "text/csv"}, "a,b\n")  # fmt: skip
    with pytest.raises(ContractViolation, match="content type text/html"):
        check("GET", "/api/export/0d9c6f0e-6a53-4a8e-9d43-5f5e0f1b2c3d/download", 200,
              {**HEADERS, "content-type": "text/html"}, "<p>")  # fmt: skip


def test_the_old_route_style_is_completed_like_the_new_one():
    """``responses=errors(...)`` + ``openapi_extra=policy(...)`` (deprecated) still documents the
    route's own statuses and gets the standard ones from the policy."""
    router = api_router()

    @router.get(
        "/api/old/{id}",
        response_model=Envelope[dict[str, str]],
        responses=errors(404),
        openapi_extra=policy(auth="required", rate_class="read"),
    )
    def old(request: Request, id: str) -> Response:
        """An old-style route"""
        raise NotImplementedError

    operation = create_app(router, docs=True).openapi()["paths"]["/api/old/{id}"]["get"]
    assert set(operation["responses"]) == {"200", "400", "401", "404", "429", "500", "503"}
    assert operation["summary"] == "An old-style route"
    assert operation["security"] == [{"bearer": []}]
    assert "X-RateLimit-Limit" in operation["responses"]["200"]["headers"]
