"""Which Anthropic key a call uses (spec §2.4), and how a caller's key crosses the workflow sealed.

Order: the request body's ``userApiKey`` (``UserApiKey`` validates it: ``""``/whitespace = absent),
else the user's stored key (decrypted through ``describe_it.apikeys``), else the server's key
(``ANTHROPIC_API_KEY``, or in AWS the secret named by ``ANTHROPIC_API_KEY_SECRET_ARN``). An ``ApiKey``
never shows its value in a repr, a log line or an error.

The generation route puts a caller's key into the Step Functions input only sealed
(``seal_for_workflow``: KMS in AWS, the local key file on a laptop, bound to the generation id), and
the ``describe_language`` task opens it (``open_from_workflow``). The server key is never sealed: the
task reads it from its own configuration.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BeforeValidator, SecretStr
from pydantic_core import PydanticCustomError

from describe_it.apikeys.models import FORMATS, well_formed
from describe_it.models import Schema, stripped
from describe_it.settings import Settings, get_settings

KeySource = Literal["caller", "stored", "server"]
_SEALED_VERSION = "v1"
_OWN_SOURCES: tuple[KeySource, ...] = ("caller", "stored")


@dataclass(frozen=True, repr=False)
class ApiKey:
    secret: SecretStr
    source: KeySource

    @property
    def value(self) -> str:
        return self.secret.get_secret_value()

    @property
    def own(self) -> bool:
        """The caller's own key: not charged to the server's budget, rate-limited as ``pro``."""
        return self.source != "server"

    def __repr__(self) -> str:
        return f"ApiKey(source={self.source!r}, secret='**********')"


def _user_api_key(value: Any) -> SecretStr | None:
    if value is None:
        return None
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Must be a string")
    key = value.strip()
    if not key:
        return None  # spec §20: userApiKey "" = absent
    if not well_formed("anthropic", key):
        raise ValueError("Not a valid Anthropic API key format")  # never quotes the input
    return SecretStr(key)


# The request field type of ``userApiKey`` for the AI routes.
UserApiKey = Annotated[
    SecretStr | None,
    BeforeValidator(_user_api_key),
    Schema(
        {
            "pattern": stripped(f"^(?:{FORMATS['anthropic'].pattern.removeprefix('^').removesuffix('$')})?$"),
            "description": "Your own Anthropic key (`sk-ant-…`) for this call; blank = not sent",
        }
    ),
]


def resolve_key(body_key: SecretStr | None, user_id: UUID | None) -> ApiKey | None:
    """The key a call should use, or None when there is none (offline locally, 503 in AWS)."""
    if body_key is not None:
        return ApiKey(body_key, "caller")
    if user_id is not None:
        from describe_it.apikeys.service import resolve_user_key

        stored = resolve_user_key(user_id, "anthropic")
        if stored is not None:
            return ApiKey(SecretStr(stored), "stored")
    return server_key()


def server_key(settings: Settings | None = None) -> ApiKey | None:
    settings = settings or get_settings()
    if settings.anthropic_api_key is not None and settings.anthropic_api_key.get_secret_value().strip():
        return ApiKey(settings.anthropic_api_key, "server")
    if settings.anthropic_api_key_secret_arn:
        return ApiKey(SecretStr(_secret_key(settings.anthropic_api_key_secret_arn)), "server")
    return None


@lru_cache(maxsize=2)
def _secret_key(arn: str) -> str:
    """The server key from Secrets Manager: once per cold start (failures are not cached)."""
    from describe_it.ai.errors import ProviderNotConfigured
    from describe_it.aws import client
    from describe_it.observability import logger

    try:
        text = client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    except Exception as exc:  # botocore's errors name hosts and ARNs: log the class only
        logger.warning("anthropic key secret unavailable", extra={"error": type(exc).__name__})
        raise ProviderNotConfigured(retry_after=30) from None
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = text
    key = parsed.get("apiKey") if isinstance(parsed, dict) else parsed
    if not isinstance(key, str) or not key.strip():
        logger.warning("anthropic key secret holds no key")
        raise ProviderNotConfigured(retry_after=300)
    return key.strip()


# --- through the workflow ------------------------------------------------------------------------


class SealedKeyError(Exception):
    """``encryptedKey`` is malformed or does not open (wrong generation, other master key, tampered)."""


def _context(generation_id: str) -> dict[str, str]:
    return {"purpose": "describe-workflow", "generation_id": generation_id}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal_for_workflow(key: ApiKey, generation_id: str) -> str | None:
    """The ``encryptedKey`` of the workflow input: None for the server key, else a sealed blob."""
    if not key.own:
        return None
    from describe_it.apikeys.crypto import get_cipher

    blob, key_id = get_cipher().encrypt(key.value, _context(generation_id))
    return ".".join((_SEALED_VERSION, key.source, _b64(key_id.encode()), _b64(blob)))


def open_from_workflow(sealed: str, generation_id: str) -> ApiKey:
    """The caller's key back from ``encryptedKey``; ``SealedKeyError`` if it cannot be opened."""
    from describe_it.apikeys.crypto import CipherError, get_cipher

    parts = sealed.split(".")
    if len(parts) != 4 or parts[0] != _SEALED_VERSION or parts[1] not in _OWN_SOURCES:
        raise SealedKeyError("encryptedKey is not a sealed key of this version")
    source: KeySource = "caller" if parts[1] == "caller" else "stored"
    try:
        key_id, blob = _unb64(parts[2]).decode(), _unb64(parts[3])
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise SealedKeyError("encryptedKey is not valid base64") from None
    try:
        return ApiKey(SecretStr(get_cipher().decrypt(blob, key_id, _context(generation_id))), source)
    except CipherError as exc:
        raise SealedKeyError(type(exc).__name__) from None
