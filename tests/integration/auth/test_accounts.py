"""Sign-up, sign-in, refresh, sign-out and /me through the Lambda handlers (spec §2.1, §4)."""

from __future__ import annotations

import psycopg
import pytest
from fastapi import Request
from starlette.responses import Response

from describe_it.admin_cli import main
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from infra.local.functions import LambdaContext
from tests.support.api import STRONG_PASSWORD, call, session_for, signin, signup
from tests.support.lambda_invoke import Reply, http_event

pytestmark = pytest.mark.usefixtures("clean")


def test_signup_creates_account_and_session(stack):
    reply = signup("Ana@Example.com", fullName="Ana Pérez", username="ana_p", timeZone="Europe/Madrid")
    assert reply.status == 201, reply
    data = reply.data
    assert data["needsEmailConfirmation"] is False
    assert data["user"]["email"] == "ana@example.com"
    assert data["user"]["fullName"] == "Ana Pérez"
    assert data["user"]["tier"] == "free" and data["user"]["role"] == "user"
    session = data["session"]
    assert session["token_type"] == "Bearer" and session["expires_in"] == 3600
    assert reply.headers["cache-control"] == "no-store"
    with psycopg.connect(stack.admin_dsn()) as conn:
        stored = conn.execute("SELECT password_hash FROM users WHERE email = 'ana@example.com'").fetchone()
        assert stored[0].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        settings_row = conn.execute("SELECT count(*) FROM user_settings").fetchone()
        assert settings_row[0] == 1  # created by trigger


def test_signup_duplicate_email_is_409_when_verification_off():
    assert signup().status == 201
    again = signup("ANA@example.com")
    assert again.status == 409
    assert again.json["details"][0] == {
        "field": "email",
        "message": again.json["details"][0]["message"],
        "code": "duplicate",
    }


def test_signup_duplicate_username_is_409():
    assert signup("a@example.com", username="lola").status == 201
    reply = signup("b@example.com", username="LOLA")
    assert reply.status == 409
    assert reply.json["details"][0]["field"] == "username"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"email": "not-an-email", "password": STRONG_PASSWORD}, "email", "Invalid email address"),
        (
            {"email": "a@example.com", "password": "short"},
            "password",
            "Password must be at least 8 characters",
        ),
        ({"email": "a@example.com", "password": "password123"}, "password", "Password is too common"),
        (
            {"email": "a@example.com", "password": "a@example.com"},
            "password",
            "Password must not be your email address",
        ),
        (
            {"email": "a@example.com", "password": STRONG_PASSWORD, "confirmPassword": "other thing"},
            "confirmPassword",
            "Passwords do not match",
        ),
        (
            {"email": "a@example.com", "password": STRONG_PASSWORD, "timeZone": "Mars/Olympus"},
            "timeZone",
            "Unknown time zone",
        ),
    ],
)
def test_signup_rejects_bad_input(body, field, message):
    reply = call("POST", "/api/auth/signup", body)
    assert reply.status == 400, reply
    assert reply.json["code"] == "VALIDATION_ERROR"
    assert reply.json["error"] == message
    assert reply.json["details"][0]["field"] == field


def test_signup_invalid_json_wrong_type_and_oversize():
    bad_json = call(
        "POST", "/api/auth/signup", raw_body="{not json", headers={"content-type": "application/json"}
    )
    assert bad_json.status == 400 and bad_json.json["error"] == "Invalid JSON in request body"
    not_object = call(
        "POST", "/api/auth/signup", raw_body="[1,2]", headers={"content-type": "application/json"}
    )
    assert not_object.status == 400 and not_object.json["error"] == "Invalid JSON in request body"
    wrong_type = call(
        "POST",
        "/api/auth/signup",
        raw_body="email=a",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert wrong_type.status == 415 and wrong_type.json["code"] == "UNSUPPORTED_MEDIA_TYPE"
    big = call("POST", "/api/auth/signup", {"email": "a@example.com", "password": "x" * 9000})
    assert big.status == 413 and big.json["code"] == "PAYLOAD_TOO_LARGE"
    numeric_email = call("POST", "/api/auth/signup", {"email": 5, "password": STRONG_PASSWORD})
    assert numeric_email.status == 400 and numeric_email.json["details"][0]["field"] == "email"


def test_signin_success_and_same_answer_for_wrong_password_and_unknown_email():
    signup()
    ok = signin()
    assert ok.status == 200, ok
    assert ok.data["user"]["email"] == "ana@example.com"
    assert ok.data["user"]["lastLoginAt"] is not None
    wrong = signin(password="wrong password here")
    unknown = signin(email="nobody@example.com")
    assert wrong.status == unknown.status == 401
    assert wrong.json["error"] == unknown.json["error"] == "Invalid email or password"
    assert wrong.json["code"] == unknown.json["code"]


def test_signin_rate_limit_per_ip_and_email():
    signup()
    statuses = [signin(password=f"bad password {i}").status for i in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_me_returns_user_and_requires_token():
    session = session_for()
    me = call("GET", "/api/auth/me", token=session["access_token"])
    assert me.status == 200, me
    assert me.data["user"]["email"] == "ana@example.com"
    assert me.json["metadata"]["userTier"] == "free"
    assert me.headers["x-ratelimit-limit"]
    missing = call("GET", "/api/auth/me")
    assert missing.status == 401 and missing.json["code"] == "AUTH_REQUIRED"
    assert missing.headers["www-authenticate"] == "Bearer"
    garbage = call("GET", "/api/auth/me", token="abc.def.ghi")
    assert garbage.status == 401 and garbage.json["code"] == "INVALID_TOKEN"


def test_refresh_rotates_and_reuse_revokes_family(stack):
    session = session_for()
    first = call("POST", "/api/auth/refresh", {"refreshToken": session["refresh_token"]})
    assert first.status == 200, first
    newer = first.data["session"]
    assert newer["refresh_token"] != session["refresh_token"]
    # Presenting the rotated token right away: a parallel refresh, not an attack.
    again = call("POST", "/api/auth/refresh", {"refresh_token": session["refresh_token"]})
    assert again.status == 409 and again.json["details"][0]["code"] == "refresh_in_progress"
    # Later (past the 10 s grace) the same reuse revokes the whole family.
    with psycopg.connect(stack.admin_dsn()) as conn:
        conn.execute(
            "UPDATE auth_refresh_tokens SET rotated_at = now() - interval '11 seconds' WHERE rotated_at IS NOT NULL"
        )
    reuse = call("POST", "/api/auth/refresh", {"refreshToken": session["refresh_token"]})
    assert reuse.status == 401 and reuse.json["code"] == "INVALID_TOKEN"
    with psycopg.connect(stack.admin_dsn()) as conn:
        reasons = conn.execute("SELECT DISTINCT revoked_reason FROM auth_refresh_tokens").fetchall()
    assert reasons == [("reuse_detected",)]
    assert call("POST", "/api/auth/refresh", {"refreshToken": newer["refresh_token"]}).status == 401
    assert call("GET", "/api/auth/me", token=newer["access_token"]).status == 401  # access tokens died too


def test_refresh_unknown_token_and_missing_field():
    assert call("POST", "/api/auth/refresh", {"refreshToken": "x" * 43}).status == 401
    missing = call("POST", "/api/auth/refresh", {})
    assert missing.status == 400 and missing.json["details"][0]["field"] == "refreshToken"


def test_signout_revokes_session_and_access_token():
    session = session_for()
    out = call("POST", "/api/auth/signout", {}, token=session["access_token"])
    assert out.status == 200, out
    assert out.data == {"signedOut": True, "revokedSessions": 1}
    assert call("GET", "/api/auth/me", token=session["access_token"]).status == 401
    assert call("POST", "/api/auth/refresh", {"refreshToken": session["refresh_token"]}).status == 401


def test_signout_with_only_the_refresh_token():
    session = session_for()
    other = signin().data["session"]
    out = call("POST", "/api/auth/signout", {"refreshToken": session["refresh_token"]})  # no access token
    assert out.status == 200, out
    assert out.data == {"signedOut": True, "revokedSessions": 1}
    assert call("GET", "/api/auth/me", token=session["access_token"]).status == 401
    assert call("POST", "/api/auth/refresh", {"refreshToken": session["refresh_token"]}).status == 401
    assert call("GET", "/api/auth/me", token=other["access_token"]).status == 200  # only that session
    everywhere = call(
        "POST", "/api/auth/signout", {"refreshToken": other["refresh_token"], "allDevices": True}
    )
    assert everywhere.data["revokedSessions"] == 1
    assert call("GET", "/api/auth/me", token=other["access_token"]).status == 401


def test_signout_needs_an_access_token_or_a_known_refresh_token():
    session = session_for()
    nothing = call("POST", "/api/auth/signout", {})
    assert nothing.status == 401 and nothing.json["code"] == "AUTH_REQUIRED"
    unknown = call("POST", "/api/auth/signout", {"refreshToken": "x" * 43})
    assert unknown.status == 400 and unknown.json["details"][0]["field"] == "refreshToken"
    someone_elses = session_for("bea@example.com")["refresh_token"]
    mixed = call("POST", "/api/auth/signout", {"refreshToken": someone_elses}, token=session["access_token"])
    assert mixed.status == 400  # a refresh token of another user is not this user's to revoke


def test_signout_all_devices():
    session_for()
    second = signin().data["session"]
    third = signin().data["session"]
    out = call("POST", "/api/auth/signout", {"allDevices": True}, token=third["access_token"])
    assert out.data["revokedSessions"] == 3
    assert call("GET", "/api/auth/me", token=second["access_token"]).status == 401


def _admin_ping_handler():
    router = api_router()

    @router.get("/api/admin/ping", openapi_extra=policy(auth="admin", rate_class="admin"))
    def ping(request: Request) -> Response:
        return ok(request, {"pong": True})

    return make_handler(create_app(router))


def test_admin_routes_need_the_admin_role():
    handler = _admin_ping_handler()

    def get(token: str | None) -> Reply:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return Reply(handler(http_event("GET", "/api/admin/ping", headers=headers), LambdaContext()))

    assert get(None).status == 401
    session = session_for("boss@example.com")
    assert get(session["access_token"]).json["code"] == "FORBIDDEN"
    main(["set-role", "boss@example.com", "admin"])
    refreshed = call("POST", "/api/auth/refresh", {"refreshToken": session["refresh_token"]})
    assert refreshed.status == 200, refreshed
    granted = get(refreshed.data["session"]["access_token"])
    assert granted.status == 200, granted
    assert granted.data == {"pong": True}
