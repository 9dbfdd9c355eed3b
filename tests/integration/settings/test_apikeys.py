"""/api/settings/apikeys and /api/settings/apikeys/validate through the Lambda handlers (spec §2.4, §14.3).

The provider is a fake HTTP server on loopback (``fake_provider``) that answers like Anthropic and
Unsplash; nothing here mocks httpx, the database or DynamoDB.
"""

from __future__ import annotations

import socket
from uuid import UUID

import psycopg
import pytest

from tests.integration.settings.fake_provider import ANTHROPIC_KEY, UNSPLASH_KEY
from tests.support.api import call, session_for

OTHER_ANTHROPIC_KEY = "sk-ant-api03-" + "q" * 40  # well formed, unknown to the provider


def rows(stack) -> list[tuple]:
    with psycopg.connect(stack.admin_dsn()) as conn:
        return conn.execute(
            """SELECT u.email::text, k.provider::text, k.ciphertext, k.key_id, k.last4, k.status
                 FROM user_api_keys k JOIN users u ON u.id = k.user_id ORDER BY u.email, k.provider"""
        ).fetchall()


def user_id_of(token: str) -> UUID:
    return UUID(call("GET", "/api/auth/me", token=token).data["user"]["id"])


def put_keys(token: str, body: dict):
    return call("PUT", "/api/settings/apikeys", body, token=token)


def validate(body: dict, token: str | None = None):
    return call("POST", "/api/settings/apikeys/validate", body, token=token)


def test_nothing_is_configured_at_first(token):
    reply = call("GET", "/api/settings/apikeys", token=token)
    assert reply.status == 200, reply
    empty = {
        "configured": False,
        "last4": None,
        "status": "unknown",
        "lastValidatedAt": None,
        "updatedAt": None,
    }
    assert reply.data == {"anthropic": empty, "unsplash": empty}
    assert reply.headers["cache-control"] == "no-store"


def test_keys_are_stored_encrypted_and_only_last4_is_shown(stack, token):
    reply = put_keys(token, {"anthropic": ANTHROPIC_KEY, "unsplash": UNSPLASH_KEY})
    assert reply.status == 200, reply
    assert reply.data["anthropic"]["configured"] is True
    assert reply.data["anthropic"]["last4"] == ANTHROPIC_KEY[-4:]
    assert reply.data["anthropic"]["status"] == "unknown"
    assert reply.data["unsplash"]["last4"] == UNSPLASH_KEY[-4:]
    assert reply.data["unsplash"]["updatedAt"].endswith("Z")

    shown = call("GET", "/api/settings/apikeys", token=token)
    assert shown.data == reply.data
    for text in (reply.text, shown.text):
        assert ANTHROPIC_KEY not in text
        assert UNSPLASH_KEY not in text
        assert ANTHROPIC_KEY[:-4] not in text

    stored = rows(stack)
    assert [(r[1], r[4]) for r in stored] == [
        ("anthropic", ANTHROPIC_KEY[-4:]),
        ("unsplash", UNSPLASH_KEY[-4:]),
    ]
    for _email, _provider, ciphertext, key_id, _last4, _status in stored:
        assert key_id.startswith("local:")
        assert ANTHROPIC_KEY.encode() not in bytes(ciphertext)
        assert UNSPLASH_KEY.encode() not in bytes(ciphertext)


def test_equal_keys_give_different_ciphertexts(stack, token):
    other = session_for("ben@example.com")["access_token"]
    assert put_keys(token, {"anthropic": ANTHROPIC_KEY}).status == 200
    assert put_keys(other, {"anthropic": ANTHROPIC_KEY}).status == 200
    first_ana, ben = (bytes(r[2]) for r in rows(stack))
    assert first_ana != ben

    assert put_keys(token, {"anthropic": ANTHROPIC_KEY}).status == 200  # the same key again
    second_ana = bytes(rows(stack)[0][2])
    assert second_ana not in (first_ana, ben)


def test_the_stored_key_round_trips_for_the_ai_routes(token):
    from describe_it.apikeys.service import resolve_user_key

    put_keys(token, {"anthropic": ANTHROPIC_KEY})
    user_id = user_id_of(token)
    assert resolve_user_key(user_id, "anthropic") == ANTHROPIC_KEY
    assert resolve_user_key(user_id, "unsplash") is None


def test_a_blob_moved_to_another_user_does_not_decrypt(stack, token):
    from describe_it.apikeys.crypto import CipherError
    from describe_it.apikeys.service import resolve_user_key

    other = session_for("ben@example.com")["access_token"]
    put_keys(token, {"anthropic": ANTHROPIC_KEY})
    put_keys(other, {"anthropic": OTHER_ANTHROPIC_KEY})
    with psycopg.connect(stack.admin_dsn()) as conn:  # an attacker with write access swaps the blobs
        conn.execute(
            """UPDATE user_api_keys SET ciphertext = (SELECT ciphertext FROM user_api_keys k JOIN users u
                      ON u.id = k.user_id WHERE u.email = 'ana@example.com')
                WHERE user_id = (SELECT id FROM users WHERE email = 'ben@example.com')"""
        )
    with pytest.raises(CipherError, match="failed authentication"):
        resolve_user_key(user_id_of(other), "anthropic")


def test_legacy_wrappers_are_accepted(token):
    wrapped = put_keys(token, {"apiKeys": {"unsplash": UNSPLASH_KEY}})
    assert wrapped.status == 200, wrapped
    assert wrapped.data["unsplash"]["configured"] is True

    nested = put_keys(token, {"settings": {"apiKeys": {"anthropic": ANTHROPIC_KEY}}})
    assert nested.status == 200, nested
    assert nested.data["anthropic"]["configured"] is True
    assert nested.data["unsplash"]["configured"] is True


def test_null_and_delete_remove_keys(token):
    put_keys(token, {"anthropic": ANTHROPIC_KEY, "unsplash": UNSPLASH_KEY})

    nulled = put_keys(token, {"anthropic": None, "unsplash": "  "})  # blank = not sent
    assert nulled.data["anthropic"]["configured"] is False
    assert nulled.data["unsplash"]["configured"] is True

    put_keys(token, {"anthropic": ANTHROPIC_KEY})
    one = call("DELETE", "/api/settings/apikeys", token=token, query="provider=unsplash")
    assert one.status == 200, one
    assert one.data["unsplash"]["configured"] is False
    assert one.data["anthropic"]["configured"] is True

    everything = call("DELETE", "/api/settings/apikeys", token=token)
    assert everything.data["anthropic"]["configured"] is False

    unknown = call("DELETE", "/api/settings/apikeys", token=token, query="provider=openai")
    assert unknown.status == 400
    assert unknown.json["details"][0]["field"] == "provider"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"anthropic": "sk-live-1234567890abcdefghijklmnop"}, "anthropic", "invalid_format"),
        ({"anthropic": "sk-ant-short"}, "anthropic", "invalid_format"),
        ({"unsplash": "has spaces in it but is long enough"}, "unsplash", "invalid_format"),
        ({"apiKeys": {"unsplash": "tooShort"}}, "unsplash", "invalid_format"),
        ({"anthropic": 12345}, "anthropic", "invalid_type"),
    ],
)
def test_malformed_keys_are_refused_without_echoing_them(stack, token, body, field, code):
    reply = put_keys(token, body)
    assert reply.status == 400, reply
    assert reply.json["code"] == "VALIDATION_ERROR"
    assert reply.json["details"][0]["field"] == field
    assert reply.json["details"][0]["code"] == code
    sent = body.get(field, body.get("apiKeys", {}).get(field))
    assert str(sent) not in reply.text
    assert rows(stack) == []


def test_keys_routes_need_a_signed_in_user(clean):
    assert call("GET", "/api/settings/apikeys").status == 401
    assert call("PUT", "/api/settings/apikeys", {"anthropic": ANTHROPIC_KEY}).status == 401
    assert call("DELETE", "/api/settings/apikeys").status == 401


# --- validate -------------------------------------------------------------------------------------


def test_validate_a_good_and_a_bad_key(clean, provider):
    good = validate({"provider": "anthropic", "apiKey": ANTHROPIC_KEY})
    assert good.status == 200, good
    assert good.data == {
        "provider": "anthropic",
        "valid": True,
        "status": "valid",
        "message": "The Anthropic key is valid",
        "rateLimit": {"limit": 50, "remaining": 49},
    }
    assert provider.requests[-1]["path"] == "/v1/models"
    assert provider.requests[-1]["headers"]["anthropic-version"]

    bad = validate({"provider": "anthropic", "apiKey": OTHER_ANTHROPIC_KEY})
    assert bad.status == 200, bad
    assert bad.data["valid"] is False
    assert bad.data["status"] == "invalid"
    assert bad.data["message"] == "Anthropic rejected this key"

    unsplash = validate({"provider": "unsplash", "apiKey": UNSPLASH_KEY})
    assert unsplash.status == 200
    assert unsplash.data["valid"] is True
    assert unsplash.data["rateLimit"] == {"limit": 50, "remaining": 48}
    assert provider.requests[-1]["query"] == {"per_page": ["1"]}
    assert provider.requests[-1]["headers"]["Authorization"] == f"Client-ID {UNSPLASH_KEY}"


def test_a_malformed_key_is_invalid_without_calling_the_provider(clean, provider):
    reply = validate({"provider": "unsplash", "apiKey": "not a key"})
    assert reply.status == 200, reply
    assert reply.data["valid"] is False
    assert reply.data["status"] == "invalid"
    assert reply.data["message"] == "Not a valid Unsplash API key format"
    assert provider.requests == []


def test_validating_the_stored_key_records_its_status(token, provider):
    put_keys(token, {"anthropic": ANTHROPIC_KEY, "unsplash": "unsplashRevokedKey_0123456789"})

    good = validate({"provider": "anthropic"}, token)
    assert good.status == 200
    assert good.data["valid"] is True
    bad = validate({"provider": "unsplash", "apiKey": ""}, token)  # "" = absent: the stored key
    assert bad.status == 200
    assert bad.data["valid"] is False

    shown = call("GET", "/api/settings/apikeys", token=token).data
    assert shown["anthropic"]["status"] == "valid"
    assert shown["anthropic"]["lastValidatedAt"] is not None
    assert shown["unsplash"]["status"] == "invalid"

    put_keys(token, {"anthropic": ANTHROPIC_KEY})  # a new key is unvalidated again
    assert call("GET", "/api/settings/apikeys", token=token).data["anthropic"]["status"] == "unknown"


def test_validating_a_sent_key_leaves_the_stored_status_alone(token, provider):
    put_keys(token, {"anthropic": ANTHROPIC_KEY})
    assert validate({"provider": "anthropic", "apiKey": OTHER_ANTHROPIC_KEY}, token).data["valid"] is False
    assert call("GET", "/api/settings/apikeys", token=token).data["anthropic"]["status"] == "unknown"


def test_the_stored_key_needs_a_user_and_a_stored_key(token, provider):
    guest = validate({"provider": "anthropic"})
    assert guest.status == 401
    assert guest.json["code"] == "AUTH_REQUIRED"

    none_stored = validate({"provider": "unsplash"}, token)
    assert none_stored.status == 400, none_stored
    assert none_stored.json["details"][0] == {
        "field": "apiKey",
        "message": "No stored Unsplash key; send apiKey to test one",
        "code": "required",
    }

    unknown = validate({"provider": "openai", "apiKey": ANTHROPIC_KEY}, token)
    assert unknown.status == 400
    assert unknown.json["details"][0]["field"] == "provider"
    assert provider.requests == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_provider_is_502(clean, monkeypatch):
    from describe_it.settings import get_settings

    monkeypatch.setattr(get_settings(), "anthropic_base_url", f"http://127.0.0.1:{free_port()}")
    reply = validate({"provider": "anthropic", "apiKey": ANTHROPIC_KEY})
    assert reply.status == 502, reply
    assert reply.json["code"] == "UPSTREAM_ERROR"
    assert reply.json["error"] == "Anthropic could not be reached"


def test_a_failing_provider_is_502_and_a_slow_one_504(clean, provider, monkeypatch):
    from describe_it.settings import get_settings

    provider.mode = "error"
    failing = validate({"provider": "unsplash", "apiKey": UNSPLASH_KEY})
    assert failing.status == 502
    assert failing.json["code"] == "UPSTREAM_ERROR"

    provider.mode, provider.delay_s = "slow", 2.0
    monkeypatch.setattr(get_settings(), "api_keys_validate_timeout_s", 0.2)
    slow = validate({"provider": "unsplash", "apiKey": UNSPLASH_KEY})
    assert slow.status == 504
    assert slow.json["code"] == "UPSTREAM_TIMEOUT"


def test_validate_is_limited_by_the_keys_class(clean, provider):
    for _ in range(5):  # guests get 5 checks an hour
        reply = validate({"provider": "anthropic", "apiKey": "sk-ant-wrong"})
        assert reply.status == 200, reply
    assert reply.headers["x-ratelimit-limit"] == "5"
    assert reply.headers["x-ratelimit-remaining"] == "0"

    refused = validate({"provider": "anthropic", "apiKey": ANTHROPIC_KEY})
    assert refused.status == 429, refused
    assert refused.json["details"][0]["code"] == "keys"
    assert int(refused.headers["retry-after"]) >= 1
    assert provider.requests == []


def test_keys_never_reach_the_logs(token, provider, captured_logs):
    put_keys(token, {"anthropic": ANTHROPIC_KEY, "unsplash": UNSPLASH_KEY})
    validate({"provider": "anthropic"}, token)
    validate({"provider": "unsplash", "apiKey": UNSPLASH_KEY}, token)
    validate({"provider": "anthropic", "apiKey": OTHER_ANTHROPIC_KEY})
    put_keys(token, {"anthropic": "sk-ant-bad key with spaces"})
    provider.mode = "error"
    validate({"provider": "anthropic", "apiKey": ANTHROPIC_KEY})

    assert len(captured_logs) > 3  # the capture works: requests were logged
    text = "\n".join(captured_logs)
    for key in (ANTHROPIC_KEY, UNSPLASH_KEY, OTHER_ANTHROPIC_KEY, "bad key with spaces"):
        assert key not in text
        assert key[-12:] not in text


def test_a_wrong_local_key_file_fails_loudly(token, provider, monkeypatch, tmp_path, captured_logs):
    from describe_it.apikeys.crypto import KeyMismatch
    from describe_it.apikeys.service import resolve_user_key
    from describe_it.settings import get_settings

    put_keys(token, {"anthropic": ANTHROPIC_KEY})
    monkeypatch.setattr(get_settings(), "api_keys_local_key_file", str(tmp_path / "another.key"))

    with pytest.raises(
        KeyMismatch, match=r"encrypted with master key local:[0-9a-f]{16}.*configured master key is"
    ):
        resolve_user_key(user_id_of(token), "anthropic")

    reply = validate({"provider": "anthropic"}, token)
    assert reply.status == 500, reply
    assert reply.json["code"] == "INTERNAL_ERROR"
    assert reply.json["error"] == "An unexpected error occurred"
    assert provider.requests == []  # nothing (let alone garbage) was sent to the provider
    assert any("configured master key is" in line for line in captured_logs)
    assert (tmp_path / "another.key").stat().st_mode & 0o777 == 0o600


def test_kms_envelope_encryption_against_the_local_kms(token, monkeypatch):
    """The AWS path: KMS data keys bound to {user_id, provider}, on moto's KMS."""
    from describe_it.apikeys.crypto import CipherError, KmsCipher
    from describe_it.apikeys.service import resolve_user_key
    from describe_it.aws import client
    from describe_it.settings import get_settings

    kms_key = client("kms").create_key(Description="describe-it test")["KeyMetadata"]["Arn"]
    monkeypatch.setattr(get_settings(), "api_keys_kms_key_id", kms_key)

    reply = put_keys(token, {"unsplash": UNSPLASH_KEY})
    assert reply.status == 200, reply
    assert resolve_user_key(user_id_of(token), "unsplash") == UNSPLASH_KEY

    cipher = KmsCipher(kms_key)
    context = {"user_id": "u1", "provider": "unsplash"}
    blob, key_id = cipher.encrypt(UNSPLASH_KEY, context)
    assert key_id == kms_key
    assert blob[0] == 1
    assert UNSPLASH_KEY.encode() not in blob
    assert cipher.decrypt(blob, key_id, context) == UNSPLASH_KEY
    assert cipher.encrypt(UNSPLASH_KEY, context)[0] != blob
    with pytest.raises(CipherError):  # KMS itself refuses the data key outside its context
        cipher.decrypt(blob, key_id, {"user_id": "u2", "provider": "unsplash"})
