"""Replay hooks (correction 10): found by the name a route's policy gives, helpers on the envelope."""

from __future__ import annotations

import json

import pytest
from fastapi import Request
from starlette.responses import Response

from describe_it.http.app import api_router
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.http.replay import with_data_field, without_data_fields
from describe_it.runtime.idempotency import StoredResponse

SIGNED_IN = StoredResponse(
    201,
    json.dumps({"success": True, "data": {"user": {"id": "u1"}, "session": {"access_token": "t"}}}).encode(),
    {"content-type": "application/json"},
)


def test_a_route_naming_an_unknown_hook_fails_when_declared():
    router = api_router()
    with pytest.raises(LookupError, match="no-such-hook"):

        @router.post("/api/things", openapi_extra=policy(idempotent=True, replay="no-such-hook"))
        def create(request: Request) -> Response:
            return ok(request, {})


def test_redacting_removes_the_field_and_keeps_the_rest():
    redacted = without_data_fields("session")(SIGNED_IN)
    assert json.loads(redacted.body) == {"success": True, "data": {"user": {"id": "u1"}}}
    assert (redacted.status, redacted.headers) == (SIGNED_IN.status, SIGNED_IN.headers)
    restored = with_data_field(redacted, "session", {"access_token": "new"})
    assert json.loads(restored.body)["data"] == {"user": {"id": "u1"}, "session": {"access_token": "new"}}


def test_error_envelopes_are_stored_as_they_are():
    error = StoredResponse(400, b'{"success":false,"error":"x","code":"VALIDATION_ERROR"}', {})
    assert without_data_fields("session")(error) is error
