"""Encryption of users' provider keys (spec §14.3) behind one small interface, ``KeyCipher``.

AWS: envelope encryption. KMS ``GenerateDataKey`` (AES-256) returns a fresh data key per secret,
bound to the encryption context ``{user_id, provider}``; the secret is sealed with AES-GCM under that
data key, with the same context as associated data. Blob layout::

    0x01 | len(encrypted data key): 2 bytes big-endian | encrypted data key | nonce: 12 bytes | AES-GCM

Local stack: AES-256-GCM under a key read from a file under ``.local/`` (created 0600 on first use,
never committed). Blob layout: ``0x02 | nonce: 12 bytes | AES-GCM``; the key id is
``local:<first 16 hex of sha256(key)>``, so a blob sealed under another key file is refused with an
error naming both ids instead of decrypting to garbage.

Nonces are random for every call: the same key stored twice gives two different blobs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from describe_it.errors import DependencyDown, LoggableError, ServiceUnavailable
from describe_it.settings import get_settings

KMS_FORMAT = 0x01
LOCAL_FORMAT = 0x02
NONCE_BYTES = 12
KEY_BYTES = 32


class CipherError(LoggableError):
    """A stored key cannot be decrypted (wrong master key, tampered blob, wrong context).

    Deliberately not an ``ApiError``: the caller gets a generic 500 while the log names the cause.
    Messages carry key ids only, never key material.
    """


class KeyMismatch(CipherError):
    pass


class KeyCipher(Protocol):
    def encrypt(self, plaintext: str, context: dict[str, str]) -> tuple[bytes, str]:
        """Seal ``plaintext`` bound to ``context``; returns ``(ciphertext, key_id)``."""
        ...

    def decrypt(self, ciphertext: bytes, key_id: str, context: dict[str, str]) -> str:
        """Open a blob sealed by ``encrypt`` with the same ``context``; raises ``CipherError`` otherwise."""
        ...


def _aad(context: dict[str, str]) -> bytes:
    return json.dumps(context, sort_keys=True, separators=(",", ":")).encode()


def _seal(key: bytes, plaintext: str, context: dict[str, str]) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), _aad(context))


def _open(key: bytes, sealed: bytes, context: dict[str, str], key_id: str) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        return AESGCM(key).decrypt(nonce, body, _aad(context)).decode()
    except InvalidTag as exc:
        raise CipherError(
            f"stored key failed authentication under master key {key_id} (tampered blob or wrong context)"
        ) from exc


class LocalCipher:
    """AES-256-GCM with a key file: the local stack's stand-in for KMS."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise CipherError("local API-key master key must be 32 bytes")
        self._key = key
        self.key_id = "local:" + hashlib.sha256(key).hexdigest()[:16]

    @classmethod
    def from_file(cls, path: Path) -> LocalCipher:
        return cls(load_or_create_key_file(path))

    def encrypt(self, plaintext: str, context: dict[str, str]) -> tuple[bytes, str]:
        return bytes([LOCAL_FORMAT]) + _seal(self._key, plaintext, context), self.key_id

    def decrypt(self, ciphertext: bytes, key_id: str, context: dict[str, str]) -> str:
        if key_id != self.key_id:
            raise KeyMismatch(
                f"stored key was encrypted with master key {key_id}, but the configured master key is "
                f"{self.key_id} (API_KEYS_LOCAL_KEY_FILE points at another key file)"
            )
        if not ciphertext or ciphertext[0] != LOCAL_FORMAT:
            raise CipherError(f"stored key blob is not in the local format (key id {key_id})")
        return _open(self._key, ciphertext[1:], context, key_id)


def load_or_create_key_file(path: Path) -> bytes:
    """The 32-byte key in ``path`` (base64 text); created with mode 0600 if the file does not exist."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(KEY_BYTES)
        try:
            # O_EXCL: two processes starting at once must not each write their own key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load_or_create_key_file(path)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(base64.b64encode(key).decode() + "\n")
        return key
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise CipherError(f"API-key master key file {path} is not base64") from exc
    if len(key) != KEY_BYTES:
        raise CipherError(f"API-key master key file {path} does not hold a 32-byte key")
    return key


class KmsCipher:
    """Envelope encryption with a KMS data key per secret (the KMS key never leaves KMS)."""

    def __init__(self, kms_key_id: str, kms: Any = None) -> None:
        self._kms_key_id = kms_key_id
        self._kms = kms

    def _client(self) -> Any:
        if self._kms is None:
            from describe_it.aws import client

            self._kms = client("kms")
        return self._kms

    def encrypt(self, plaintext: str, context: dict[str, str]) -> tuple[bytes, str]:
        answer = self._call(
            "GenerateDataKey", KeyId=self._kms_key_id, KeySpec="AES_256", EncryptionContext=context
        )
        data_key: bytes = answer["Plaintext"]
        encrypted_key: bytes = answer["CiphertextBlob"]
        sealed = _seal(data_key, plaintext, context)
        blob = bytes([KMS_FORMAT]) + len(encrypted_key).to_bytes(2, "big") + encrypted_key + sealed
        return blob, str(answer.get("KeyId") or self._kms_key_id)

    def decrypt(self, ciphertext: bytes, key_id: str, context: dict[str, str]) -> str:
        if key_id.startswith("local:"):
            raise KeyMismatch(f"stored key was encrypted with the local master key {key_id}, not with KMS")
        if len(ciphertext) < 3 or ciphertext[0] != KMS_FORMAT:
            raise CipherError(f"stored key blob is not in the KMS envelope format (key id {key_id})")
        size = int.from_bytes(ciphertext[1:3], "big")
        encrypted_key, sealed = ciphertext[3 : 3 + size], ciphertext[3 + size :]
        if len(encrypted_key) != size or len(sealed) <= NONCE_BYTES:
            raise CipherError(f"stored key blob is truncated (key id {key_id})")
        answer = self._call("Decrypt", CiphertextBlob=encrypted_key, KeyId=key_id, EncryptionContext=context)
        return _open(answer["Plaintext"], sealed, context, key_id)

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        method = {"GenerateDataKey": "generate_data_key", "Decrypt": "decrypt"}[operation]
        try:
            return getattr(self._client(), method)(**params)  # type: ignore[no-any-return]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "Unknown")
            if code in ("ThrottlingException", "KMSInternalException", "DependencyTimeoutException"):
                raise DependencyDown("Key service unavailable", retry_after=2) from exc
            raise CipherError(f"KMS {operation} refused: {code} (key id {params.get('KeyId')})") from exc
        except BotoCoreError as exc:  # connection errors and timeouts
            raise DependencyDown("Key service unavailable", retry_after=5) from exc


@lru_cache(maxsize=4)
def _cipher(kms_key_id: str | None, key_file: str | None, stage: str) -> KeyCipher:
    if kms_key_id:
        return KmsCipher(kms_key_id)
    if key_file and stage == "local":
        return LocalCipher.from_file(Path(key_file))
    # In AWS a missing KMS key is a deployment error: refuse rather than store keys weakly.
    raise ServiceUnavailable("Key storage is not configured", retry_after=300)


def get_cipher() -> KeyCipher:
    """The configured cipher: KMS when a key id is set, else the local key file (local stage only)."""
    settings = get_settings()
    return _cipher(settings.api_keys_kms_key_id, settings.api_keys_local_key_file, settings.stage)
