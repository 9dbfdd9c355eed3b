"""Request and response models of /api/settings/apikeys and /validate (spec §14.3).

Error messages here never quote the input: a rejected key must not come back in a 400 body.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from describe_it.models import ApiModel, Schema, Timestamp, rule, server_rules, stripped

Provider = Literal["anthropic", "unsplash"]
PROVIDERS: tuple[Provider, ...] = ("anthropic", "unsplash")
KeyStatus = Literal["unknown", "valid", "invalid"]

FORMATS: dict[str, re.Pattern[str]] = {
    "anthropic": re.compile(r"^sk-ant-[A-Za-z0-9_-]{20,200}$"),
    "unsplash": re.compile(r"^[A-Za-z0-9_-]{20,128}$"),
}
NAMES = {"anthropic": "Anthropic", "unsplash": "Unsplash"}


def well_formed(provider: str, key: str) -> bool:
    return FORMATS[provider].match(key) is not None


def _key_schema(provider: str) -> Schema:
    """The key format in the document: trimmed first, and a blank value means "not sent"."""
    inner = FORMATS[provider].pattern.removeprefix("^").removesuffix("$")
    return Schema({"pattern": stripped(f"^(?:{inner})?$"), "format": "password"})


def _blank_is_absent(value: Any) -> Any:
    # `""` / whitespace means "not sent" (spec §20: userApiKey: "" = absent); only null deletes.
    if isinstance(value, str) and not value.strip():
        return _ABSENT
    return value


_ABSENT = object()


def _check_key(provider: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Must be a string or null")
    key = value.strip()
    if not well_formed(provider, key):
        raise ValueError(f"Not a valid {NAMES[provider]} API key format")
    return key


class ApiKeysWrite(ApiModel):
    """``{anthropic?, unsplash?}``; ``null`` deletes that key. Legacy ``{apiKeys: {...}}`` and
    ``{settings: {apiKeys: {...}}}`` are unwrapped (canonical top-level fields win)."""

    anthropic: Annotated[str, _key_schema("anthropic")] | None = Field(
        None, description="sk-ant-… key; null deletes the stored key; blank = not sent"
    )
    unsplash: Annotated[str, _key_schema("unsplash")] | None = Field(
        None, description="Unsplash access key; null deletes the stored key; blank = not sent"
    )

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        legacy: Any = data.get("apiKeys")
        nested = data.get("settings")
        if not isinstance(legacy, dict) and isinstance(nested, dict):
            legacy = nested.get("apiKeys")
        merged = {**legacy, **data} if isinstance(legacy, dict) else dict(data)
        out: dict[str, Any] = {}
        for provider in PROVIDERS:
            if provider in merged:
                value = _blank_is_absent(merged[provider])
                if value is not _ABSENT:
                    out[provider] = value
        return out

    @field_validator("anthropic", mode="before")
    @classmethod
    def _anthropic(cls, value: Any) -> str | None:
        return _check_key("anthropic", value)

    @field_validator("unsplash", mode="before")
    @classmethod
    def _unsplash(cls, value: Any) -> str | None:
        return _check_key("unsplash", value)

    def changes(self) -> dict[str, str | None]:
        """Provider → new key (None = delete), for the fields the request actually sent."""
        return {
            provider: getattr(self, provider) for provider in PROVIDERS if provider in self.model_fields_set
        }


class ProviderKeyState(ApiModel):
    configured: bool
    last4: str | None = None
    status: KeyStatus = "unknown"
    last_validated_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class ApiKeysView(ApiModel):
    anthropic: ProviderKeyState
    unsplash: ProviderKeyState


class ValidateRequest(ApiModel):
    model_config = ConfigDict(
        json_schema_extra=server_rules(
            rule("apiKey", "without apiKey: a stored key of yours to test", code="required")
        )
    )

    provider: Provider
    api_key: str | None = Field(
        None, max_length=1024, description="Omitted: the caller's stored key is tested"
    )

    @field_validator("api_key", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip() or None
        return value


class RateLimitInfo(ApiModel):
    limit: int
    remaining: int


class ValidateResult(ApiModel):
    provider: Provider
    valid: bool
    status: KeyStatus
    message: str
    rate_limit: RateLimitInfo | None = None
