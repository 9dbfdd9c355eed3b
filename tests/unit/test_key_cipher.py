"""The local AES-256-GCM cipher for users' provider keys, and the key models' input rules (spec §14.3)."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from describe_it.apikeys.crypto import CipherError, KeyMismatch, LocalCipher, load_or_create_key_file
from describe_it.apikeys.models import ApiKeysWrite

KEY = "sk-ant-api03-" + "x" * 40
CONTEXT = {"user_id": "7d4c0d52-4a57-4a53-9a3b-111111111111", "provider": "anthropic"}


@pytest.fixture
def cipher(tmp_path) -> LocalCipher:
    return LocalCipher.from_file(tmp_path / "keys" / "apikeys.key")


def test_round_trip(cipher):
    blob, key_id = cipher.encrypt(KEY, CONTEXT)
    assert key_id == cipher.key_id
    assert key_id.startswith("local:")
    assert len(key_id) == len("local:") + 16
    assert KEY.encode() not in blob
    assert cipher.decrypt(blob, key_id, CONTEXT) == KEY


def test_equal_keys_give_different_ciphertexts(cipher):
    first, _ = cipher.encrypt(KEY, CONTEXT)
    second, _ = cipher.encrypt(KEY, CONTEXT)
    assert first != second


def test_the_key_file_is_created_private_and_reused(tmp_path):
    path = tmp_path / "apikeys.key"
    key = load_or_create_key_file(path)
    assert len(key) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_key_file(path) == key
    assert LocalCipher.from_file(path).key_id == LocalCipher(key).key_id


def test_another_key_file_fails_loudly_naming_both_key_ids(tmp_path, cipher):
    blob, key_id = cipher.encrypt(KEY, CONTEXT)
    other = LocalCipher.from_file(tmp_path / "other.key")
    with pytest.raises(KeyMismatch) as caught:
        other.decrypt(blob, key_id, CONTEXT)
    assert key_id in str(caught.value)
    assert other.key_id in str(caught.value)


def test_same_key_id_but_other_key_material_is_refused(cipher):
    blob, key_id = cipher.encrypt(KEY, CONTEXT)
    forged = LocalCipher(b"\x01" * 32)
    with pytest.raises(CipherError):  # the id check comes first; the tag check would catch it anyway
        forged.decrypt(blob, key_id, CONTEXT)


def test_the_context_binds_the_blob_to_its_user_and_provider(cipher):
    blob, key_id = cipher.encrypt(KEY, CONTEXT)
    with pytest.raises(CipherError, match="failed authentication"):
        cipher.decrypt(blob, key_id, {**CONTEXT, "provider": "unsplash"})
    with pytest.raises(CipherError, match="failed authentication"):
        cipher.decrypt(blob, key_id, {**CONTEXT, "user_id": "someone-else"})


def test_a_tampered_blob_is_refused(cipher):
    blob, key_id = cipher.encrypt(KEY, CONTEXT)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(CipherError):
        cipher.decrypt(tampered, key_id, CONTEXT)


def test_a_broken_key_file_is_refused(tmp_path):
    short = tmp_path / "short.key"
    short.write_text(base64.b64encode(b"too short").decode())
    with pytest.raises(CipherError, match="32-byte"):
        LocalCipher.from_file(short)
    garbage = tmp_path / "garbage.key"
    garbage.write_text("not base64 at all!")
    with pytest.raises(CipherError, match="not base64"):
        LocalCipher.from_file(garbage)


def test_key_updates_unwrap_legacy_shapes_and_tell_null_from_absent():
    assert ApiKeysWrite.model_validate({"anthropic": KEY}).changes() == {"anthropic": KEY}
    assert ApiKeysWrite.model_validate({"apiKeys": {"anthropic": None}}).changes() == {"anthropic": None}
    nested = ApiKeysWrite.model_validate({"settings": {"apiKeys": {"anthropic": KEY, "unsplash": ""}}})
    assert nested.changes() == {"anthropic": KEY}  # "" is "not sent", not "delete"
    both = ApiKeysWrite.model_validate({"anthropic": None, "apiKeys": {"anthropic": KEY}})
    assert both.changes() == {"anthropic": None}  # the canonical field wins over the wrapper


def test_a_malformed_key_error_never_quotes_the_key():
    secret = "sk-ant-" + "y" * 10 + " with a space"
    with pytest.raises(ValidationError) as caught:
        ApiKeysWrite.model_validate({"anthropic": secret})
    messages = " ".join(e["msg"] for e in caught.value.errors())
    assert secret not in messages
    assert "Anthropic" in messages
