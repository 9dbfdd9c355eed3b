"""``POST /api/auth/signup`` with ``Idempotency-Key`` (spec §1.8, corrections 9, 10 and 12).

A sign-up body holds the password and its 201 answer holds a session: neither may sit readable in
the state table, and a replay must not hand out the first session's tokens.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any

import psycopg
import pytest

from tests.support.api import STRONG_PASSWORD, call

pytestmark = pytest.mark.usefixtures("clean")

KEY = {"Idempotency-Key": "signup-0001-aaaa"}
BODY = {"email": "ana@example.com", "password": STRONG_PASSWORD, "fullName": "Ana Pérez"}
NEW_PASSWORD = "another horse battery staple"


def signup(body: dict[str, Any] = BODY, headers: dict[str, str] | None = KEY) -> Any:
    return call("POST", "/api/auth/signup", body, headers=headers)


def idem_items() -> list[dict[str, Any]]:
    from describe_it.aws import client, state_table_name

    items = client("dynamodb").scan(TableName=state_table_name(), ConsistentRead=True)["Items"]
    return [item for item in items if item["pk"]["S"].startswith("idem#")]


def test_a_replayed_signup_answers_the_account_with_a_new_session(stack):
    first = signup()
    assert first.status == 201, first
    session = first.data["session"]

    # What the table holds: the account, never the session's tokens
    [item] = idem_items()
    stored = zlib.decompress(item["body"]["B"]).decode()
    assert session["access_token"] not in stored and session["refresh_token"] not in stored
    assert "session" not in json.loads(stored)["data"]
    assert json.loads(stored)["data"]["user"]["id"] == first.data["user"]["id"]

    again = signup()
    assert again.status == 201, again
    assert again.headers["idempotent-replayed"] == "true"
    assert again.data["user"] == first.data["user"]
    fresh = again.data["session"]
    assert fresh["access_token"] != session["access_token"]
    assert fresh["refresh_token"] != session["refresh_token"]
    assert fresh["token_type"] == "Bearer" and fresh["expires_in"] == 3600
    # Both sessions work; the account was created once
    me = call("GET", "/api/auth/me", token=fresh["access_token"])
    assert me.status == 200 and me.data["user"]["id"] == first.data["user"]["id"]
    assert call("POST", "/api/auth/refresh", {"refreshToken": fresh["refresh_token"]}).status == 200
    assert call("GET", "/api/auth/me", token=session["access_token"]).status == 200
    with psycopg.connect(stack.admin_dsn()) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1


def test_the_stored_fingerprint_cannot_be_checked_against_a_guessed_body():
    assert signup().status == 201
    [item] = idem_items()
    fingerprint = item["fingerprint"]["S"]
    # An offline guess: the plain SHA-256 the fingerprint used to be, for the right password even
    canonical = json.dumps(BODY, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert fingerprint != hashlib.sha256(f"{canonical}\n".encode()).hexdigest()
    assert STRONG_PASSWORD.encode() not in zlib.decompress(item["body"]["B"])


def test_a_replay_after_a_password_change_gets_no_session():
    first = signup()
    assert first.status == 201
    changed = call(
        "PUT",
        "/api/auth/update-password",
        {"currentPassword": STRONG_PASSWORD, "newPassword": NEW_PASSWORD},
        token=first.data["session"]["access_token"],
    )
    assert changed.status == 200, changed
    # The replayed body carries the old password: a replay is no way around the change
    again = signup()
    assert again.status == 401 and again.json["code"] == "INVALID_CREDENTIALS"
    assert "session" not in again.text


def test_a_replay_after_suspension_gets_no_session():
    from describe_it.admin_cli import main

    assert signup().status == 201
    main(["suspend", BODY["email"]])
    again = signup()
    assert again.status == 403, again


def test_an_invalid_signup_with_a_key_writes_nothing_and_keeps_the_key_usable():
    weak = {**BODY, "password": "short"}
    without_key = signup(weak, headers=None)
    refused = signup(weak)
    assert refused.status == without_key.status == 400
    assert refused.json["details"] == without_key.json["details"]
    assert idem_items() == []

    created = signup()
    assert created.status == 201, created


def test_a_pending_signup_is_replayed_as_it_was(mailbox, verification_required):
    first = signup()
    assert first.status == 202, first
    again = signup()
    assert again.status == 202 and again.headers["idempotent-replayed"] == "true"
    assert again.text == first.text
    assert len(mailbox.to(BODY["email"])) == 1
