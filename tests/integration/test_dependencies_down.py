"""A dependency that is down answers 503 with Retry-After, fast, and the envelope names what is down."""

from __future__ import annotations

import pytest

from tests.support.api import call, session_for

pytestmark = pytest.mark.usefixtures("clean")
CLOSED = "host=127.0.0.1 port=9 dbname=x user=x password=x connect_timeout=1"


@pytest.fixture
def database_down(settings_env):
    from describe_it.db.pool import close_pools

    close_pools()
    settings_env(DB_APP_URL=CLOSED, DB_AUTH_URL=CLOSED, DB_CONNECT_TIMEOUT_S="1")
    yield
    close_pools()


def test_monitoring_health_reports_the_database_down(database_down):
    from describe_it.health.service import get_readiness_checker

    get_readiness_checker.cache_clear()  # its 10 s result cache belongs to the old settings
    try:
        reply = call("GET", "/api/monitoring/health")
    finally:
        get_readiness_checker.cache_clear()
    assert reply.status == 503
    assert reply.json["code"] == "SERVICE_UNAVAILABLE"
    assert int(reply.headers["retry-after"]) > 0
    assert {"field": "checks.database", "message": "database is down", "code": "down"} in reply.json[
        "details"
    ]
    assert "127.0.0.1" not in reply.text  # no hostnames or driver errors


def test_monitoring_health_is_healthy_or_degraded_when_stores_are_up():
    from describe_it.health.service import get_readiness_checker

    get_readiness_checker.cache_clear()
    reply = call("GET", "/api/monitoring/health")
    assert reply.status == 200
    checks = reply.data["checks"]
    assert checks["database"]["status"] == "up" and checks["dynamodb"]["status"] == "up"
    assert reply.data["status"] == "degraded"  # no AI key in the test stack: said, not hidden
    assert checks["ai"]["configured"] is False


def test_signin_with_database_down_is_503_not_500(database_down):
    reply = call("POST", "/api/auth/signin", {"email": "ana@example.com", "password": "whatever it is"})
    assert reply.status == 503
    assert reply.json["code"] == "SERVICE_UNAVAILABLE"
    assert reply.headers["retry-after"]


def test_dynamodb_down_auth_limits_fail_closed_general_limits_fail_open(settings_env):
    session_for("ana@example.com")
    settings_env(AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_TIMEOUT_S="0.5")
    from describe_it.runtime.revocations import clear_local_cache

    clear_local_cache()
    signin = call(
        "POST", "/api/auth/signin", {"email": "ana@example.com", "password": "correct horse battery staple"}
    )
    assert signin.status == 503  # the sign-in limiter cannot count: refuse rather than allow brute force
    health = call("GET", "/api/health")
    assert health.status == 200  # liveness touches nothing


def test_dynamodb_down_signed_in_routes_work_and_revoked_sessions_stay_refused(settings_env):
    # Correction 8: DynamoDB only caches revocations; the session rows in PostgreSQL are the truth.
    session = session_for("ana@example.com")
    ended = call(
        "POST", "/api/auth/signin", {"email": "ana@example.com", "password": "correct horse battery staple"}
    ).data["session"]
    assert call("POST", "/api/auth/signout", {}, token=ended["access_token"]).status == 200
    settings_env(AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_TIMEOUT_S="0.5")
    from describe_it.runtime.revocations import clear_local_cache

    clear_local_cache()  # a cold function: nothing known yet, DynamoDB unreachable
    me = call("GET", "/api/auth/me", token=session["access_token"])
    assert me.status == 200, me
    assert me.data["user"]["email"] == "ana@example.com"
    refused = call("GET", "/api/auth/me", token=ended["access_token"])
    assert refused.status == 401 and refused.json["code"] == "INVALID_TOKEN"
    settings = call("GET", "/api/settings", token=session["access_token"])  # a non-auth function (app role)
    assert settings.status == 200, settings
