"""Every progress and session route: signed-in only, the rate class of spec §2.3, idempotency on the POSTs
that create something (§3, routes 30–36)."""

from __future__ import annotations

import pytest

from describe_it.http.policy import policy_of
from describe_it.http.route import ApiRoute
from infra.local.functions import load_function

EXPECTED = {
    ("progress", "GET", "/api/progress"): ("read", False),
    ("progress_track", "GET", "/api/progress/track"): ("read", False),
    ("progress_track", "POST", "/api/progress/track"): ("write", True),
    ("progress_stats", "GET", "/api/progress/stats"): ("read", False),
    ("progress_streak", "GET", "/api/progress/streak"): ("read", False),
    ("progress_analytics", "GET", "/api/progress/analytics"): ("read", False),
    ("sessions", "GET", "/api/sessions"): ("read", False),
    ("sessions", "POST", "/api/sessions"): ("write", True),
    ("session", "GET", "/api/sessions/{id}"): ("read", False),
    ("session", "PATCH", "/api/sessions/{id}"): ("write", False),
}
FUNCTIONS = sorted({function for function, _, _ in EXPECTED})


@pytest.mark.parametrize("function", FUNCTIONS)
def test_route_policies(function: str) -> None:
    routes = [r for r in load_function(function).app.state.route_table if isinstance(r, ApiRoute)]
    found = {}
    for route in routes:
        pol = policy_of(route.openapi_extra)
        for method in route.methods:
            found[(function, method, route.path)] = (pol.rate_class, pol.idempotent)
            assert pol.auth == "required" and pol.burst, route.path
    assert found == {key: value for key, value in EXPECTED.items() if key[0] == function}
