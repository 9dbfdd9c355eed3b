"""E-mail verification, password reset, password change, profile update, account deletion (spec §4)."""

from __future__ import annotations

import psycopg
import pytest

from tests.support.api import STRONG_PASSWORD, call, session_for, signin, signup

pytestmark = pytest.mark.usefixtures("clean")
NEW_PASSWORD = "a brand new passphrase 2026"


def test_signup_with_verification_sends_link_and_verify_enables_signin(mailbox, verification_required):
    reply = signup("maria@example.com")
    assert reply.status == 202 and reply.data == {"needsEmailConfirmation": True}
    blocked = signin("maria@example.com")
    assert blocked.status == 403 and blocked.json["details"][0]["code"] == "email_not_verified"
    token = mailbox.last_token("maria@example.com")
    verified = call("POST", "/api/auth/verify-email", {"token": token})
    assert verified.status == 200, verified
    assert verified.data["user"]["emailVerified"] is True
    assert signin("maria@example.com").status == 200
    reused = call("POST", "/api/auth/verify-email", {"token": token})  # correction 5: not an error
    assert reused.status == 200 and reused.data["verified"] is True
    assert reused.data["user"]["email"] == "maria@example.com"
    again = call("GET", "/api/auth/verify-email", query=f"token={token}")
    assert again.status == 303 and again.headers["location"].endswith("/?auth=verified")


def test_existing_email_gets_same_answer_and_an_account_exists_mail(mailbox, verification_required):
    signup("maria@example.com")
    again = signup("maria@example.com", password="another good passphrase")
    assert again.status == 202 and again.data == {"needsEmailConfirmation": True}
    subjects = [m.subject for m in mailbox.to("maria@example.com")]
    assert subjects[-1] == "You already have a Describe It account"


def test_verify_link_redirects(mailbox, verification_required):
    signup("maria@example.com")
    token = mailbox.last_token("maria@example.com")
    good = call("GET", "/api/auth/verify-email", query=f"token={token}")
    assert good.status == 303 and good.headers["location"].endswith("/?auth=verified")
    bad = call("GET", "/api/auth/verify-email", query="token=nonsense-token-value")
    assert bad.status == 303 and bad.headers["location"].endswith("/?auth=verify_failed")


def test_verification_token_expired_tampered_and_superseded(stack, mailbox, verification_required):
    signup("maria@example.com")
    first = mailbox.last_token("maria@example.com")
    assert call("POST", "/api/auth/resend-verification", {"email": "maria@example.com"}).status == 202
    second = mailbox.last_token("maria@example.com")
    assert first != second
    assert call("POST", "/api/auth/verify-email", {"token": first}).status == 400  # superseded
    tampered = second[:-2] + ("AA" if not second.endswith("AA") else "BB")
    assert call("POST", "/api/auth/verify-email", {"token": tampered}).status == 400
    with psycopg.connect(stack.admin_dsn()) as conn:
        conn.execute(
            "UPDATE auth_action_tokens SET expires_at = now() - interval '1 second', created_at = now() - interval '1 day'"
        )
    assert call("POST", "/api/auth/verify-email", {"token": second}).status == 400  # expired


def test_resend_and_forgot_always_answer_sent(mailbox):
    for path in ("/api/auth/resend-verification", "/api/auth/forgot-password"):
        reply = call("POST", path, {"email": "nobody@example.com"})
        assert reply.status == 202 and reply.data == {"sent": True}
    assert mailbox.messages == []


def test_password_reset_flow_revokes_sessions(mailbox):
    session = session_for("ana@example.com")
    assert call("POST", "/api/auth/forgot-password", {"email": "ana@example.com"}).status == 202
    token = mailbox.last_token("ana@example.com")
    valid = call("POST", "/api/auth/reset-password/validate", {"token": token})
    assert valid.data["valid"] is True and valid.data["expiresAt"].endswith("Z")
    weak = call("POST", "/api/auth/reset-password", {"token": token, "password": "password"})
    assert weak.status == 400
    done = call(
        "POST", "/api/auth/reset-password", {"token": token, "password": NEW_PASSWORD, "autoLogin": True}
    )
    assert done.status == 200, done
    assert done.data["reset"] is True and done.data["session"]["access_token"]
    assert call("GET", "/api/auth/me", token=session["access_token"]).status == 401  # old session ended
    assert call("POST", "/api/auth/refresh", {"refreshToken": session["refresh_token"]}).status == 401
    assert signin("ana@example.com", NEW_PASSWORD).status == 200
    assert signin("ana@example.com", STRONG_PASSWORD).status == 401
    again = call("POST", "/api/auth/reset-password", {"token": token, "password": "yet another passphrase"})
    assert again.status == 400  # single use
    assert call("POST", "/api/auth/reset-password/validate", {"token": token}).data == {
        "valid": False,
        "expiresAt": None,
    }
    assert mailbox.to("ana@example.com")[-1].subject == "Your Describe It password was changed"


def test_reset_password_email_form_is_forgot_password(mailbox):
    session_for("ana@example.com")
    reply = call("POST", "/api/auth/reset-password", {"email": "ana@example.com"})
    assert reply.status == 202 and reply.data == {"sent": True}
    assert mailbox.last_token("ana@example.com")


def test_reset_token_of_another_purpose_is_refused(mailbox, verification_required):
    signup("maria@example.com")
    verify_token = mailbox.last_token("maria@example.com")
    reply = call("POST", "/api/auth/reset-password", {"token": verify_token, "password": NEW_PASSWORD})
    assert reply.status == 400


def test_update_password(mailbox):
    session = session_for("ana@example.com")
    other = signin("ana@example.com").data["session"]
    wrong = call(
        "PUT",
        "/api/auth/update-password",
        {"currentPassword": "nope nope", "newPassword": NEW_PASSWORD},
        token=session["access_token"],
    )
    # 403, not 401: a client would take 401 for an expired token, refresh and retry (correction 4)
    assert wrong.status == 403 and wrong.json["error"] == "Current password is incorrect"
    assert wrong.json["code"] == "INVALID_CREDENTIALS"
    same = call(
        "PUT",
        "/api/auth/update-password",
        {"currentPassword": STRONG_PASSWORD, "newPassword": STRONG_PASSWORD},
        token=session["access_token"],
    )
    assert same.status == 400
    done = call(
        "PUT",
        "/api/auth/update-password",
        {"currentPassword": STRONG_PASSWORD, "newPassword": NEW_PASSWORD},
        token=session["access_token"],
    )
    assert done.status == 200, done
    fresh = done.data["session"]
    assert call("GET", "/api/auth/me", token=other["access_token"]).status == 401
    assert call("GET", "/api/auth/me", token=fresh["access_token"]).status == 200
    assert signin("ana@example.com", NEW_PASSWORD).status == 200


def test_profile_update_and_username_conflict():
    session_for("taken@example.com")
    call(
        "PATCH",
        "/api/auth/me",
        {"username": "lola"},
        token=signin("taken@example.com").data["session"]["access_token"],
    )
    session = session_for("ana@example.com")
    reply = call(
        "PATCH",
        "/api/auth/me",
        {
            "fullName": "Ana B",
            "timeZone": "America/Mexico_City",
            "uiLanguage": "es",
            "spanishLevel": "intermediate",
        },
        token=session["access_token"],
    )
    assert reply.status == 200, reply
    user = reply.data["user"]
    assert (user["fullName"], user["timeZone"], user["uiLanguage"], user["spanishLevel"]) == (
        "Ana B",
        "America/Mexico_City",
        "es",
        "intermediate",
    )
    clash = call("PATCH", "/api/auth/me", {"username": "LOLA"}, token=session["access_token"])
    assert clash.status == 409
    http_avatar = call(
        "PATCH", "/api/auth/me", {"avatarUrl": "http://x.example/a.png"}, token=session["access_token"]
    )
    assert http_avatar.status == 400


def test_delete_account_erases_everything(stack):
    session = session_for("ana@example.com")
    wrong = call("DELETE", "/api/auth/me", {"password": "not my password"}, token=session["access_token"])
    assert wrong.status == 403 and wrong.json["code"] == "INVALID_CREDENTIALS"
    done = call("DELETE", "/api/auth/me", {"password": STRONG_PASSWORD}, token=session["access_token"])
    assert done.status == 200 and done.data == {"deleted": True}
    assert call("GET", "/api/auth/me", token=session["access_token"]).status == 401
    with psycopg.connect(stack.admin_dsn()) as conn:
        for table in ("users", "auth_refresh_tokens", "user_settings", "email_outbox"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    assert signin("ana@example.com").status == 401


def test_outbox_retries_failed_sends(stack, mailbox):
    mailbox.fail_next = 1
    session_for("ana@example.com")
    call("POST", "/api/auth/forgot-password", {"email": "ana@example.com"})
    with psycopg.connect(stack.admin_dsn()) as conn:
        row = conn.execute("SELECT status, attempts, last_error FROM email_outbox").fetchone()
        assert row == ("pending", 1, "ConnectionError")
        conn.execute("UPDATE email_outbox SET next_attempt_at = now()")
    from infra.local.functions import LambdaContext, load_function

    result = load_function("email_sender").lambda_handler({"source": "aws.events"}, LambdaContext())
    assert result == {"sent": 1, "retried": 0, "failed": 0}
    with psycopg.connect(stack.admin_dsn()) as conn:
        row = conn.execute("SELECT status, attempts, payload FROM email_outbox").fetchone()
    assert row == ("sent", 2, {})  # the one-time link is not kept after sending
    assert mailbox.last_token("ana@example.com")


def test_expired_reset_token_is_refused(stack, mailbox):
    session_for("ana@example.com")
    call("POST", "/api/auth/forgot-password", {"email": "ana@example.com"})
    token = mailbox.last_token("ana@example.com")
    with psycopg.connect(stack.admin_dsn()) as conn:
        conn.execute(
            "UPDATE auth_action_tokens SET created_at = now() - interval '1 hour', expires_at = now() - interval '1 second'"
        )
    assert call("POST", "/api/auth/reset-password/validate", {"token": token}).data["valid"] is False
    reply = call("POST", "/api/auth/reset-password", {"token": token, "password": NEW_PASSWORD})
    assert reply.status == 400 and reply.json["error"] == "Invalid or expired reset token"


def test_sign_up_to_an_existing_address_mails_the_owner_at_most_3_times_a_day(mailbox, verification_required):
    signup("maria@example.com")
    body = {"email": "maria@example.com", "password": "another good passphrase"}
    answers = [call("POST", "/api/auth/signup", body, source_ip=f"198.51.100.{i}") for i in range(5)]
    assert [(a.status, a.data) for a in answers] == [(202, {"needsEmailConfirmation": True})] * 5
    subjects = [m.subject for m in mailbox.to("maria@example.com")]
    assert subjects.count("You already have a Describe It account") == 3


def test_head_on_the_verification_link_does_not_use_the_token(stack, mailbox, verification_required):
    signup("maria@example.com")
    token = mailbox.last_token("maria@example.com")
    scanned = call("HEAD", "/api/auth/verify-email", query=f"token={token}")  # a mail scanner
    assert scanned.status == 303 and scanned.text == ""
    from describe_it.settings import get_settings

    assert scanned.headers["location"] == get_settings().app_base_url.rstrip("/") + "/"
    with psycopg.connect(stack.admin_dsn()) as conn:
        used = conn.execute("SELECT used_at FROM auth_action_tokens").fetchone()
        verified = conn.execute("SELECT email_verified_at FROM users").fetchone()
    assert used == (None,) and verified == (None,)
    clicked = call("GET", "/api/auth/verify-email", query=f"token={token}")  # then the user clicks
    assert clicked.headers["location"].endswith("/?auth=verified")
    assert signin("maria@example.com").status == 200


def test_an_older_link_of_a_verified_address_says_verified(mailbox, verification_required):
    signup("maria@example.com")
    first = mailbox.last_token("maria@example.com")
    call("POST", "/api/auth/resend-verification", {"email": "maria@example.com"})
    second = mailbox.last_token("maria@example.com")
    assert call("POST", "/api/auth/verify-email", {"token": first}).status == 400  # superseded, unverified
    assert call("POST", "/api/auth/verify-email", {"token": second}).status == 200
    late = call("GET", "/api/auth/verify-email", query=f"token={first}")
    assert late.headers["location"].endswith("/?auth=verified")


def test_completing_a_password_reset_verifies_the_address(mailbox, verification_required):
    signup("maria@example.com")
    assert signin("maria@example.com").json["details"][0]["code"] == "email_not_verified"
    call("POST", "/api/auth/forgot-password", {"email": "maria@example.com"})
    token = mailbox.last_token("maria@example.com")
    done = call("POST", "/api/auth/reset-password", {"token": token, "password": NEW_PASSWORD})
    assert done.status == 200, done
    assert signin("maria@example.com", NEW_PASSWORD).status == 200
