"""Request gates (spec §1.4 step 8 on the input): found by the name a route's policy gives."""

from __future__ import annotations

import pytest
from fastapi import Request
from starlette.responses import Response

from describe_it.http.app import api_router
from describe_it.http.envelope import ok
from describe_it.http.gates import register_gate, request_gate
from describe_it.http.policy import policy


def test_a_route_naming_an_unknown_gate_fails_when_declared() -> None:
    router = api_router()
    with pytest.raises(LookupError, match="no-such-gate"):

        @router.post("/api/things", openapi_extra=policy(idempotent=True, gate="no-such-gate"))
        def create(request: Request) -> Response:
            return ok(request, {})


def test_a_registered_gate_is_found_by_its_name() -> None:
    def gate(who: object, inputs: object) -> None:
        return None

    register_gate("probe-gate", gate)
    assert request_gate("probe-gate") is gate
