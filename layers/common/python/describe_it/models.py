"""Shared pydantic building blocks: the API base model, timestamps and the text rules of spec §1.1."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_UNSAFE = re.compile(
    r"<\s*script|javascript:|vbscript:|data:text/html|<\s*iframe|<\s*object|<\s*embed|\bon[a-z]+\s*=",
    re.IGNORECASE,
)


class ApiModel(BaseModel):
    """Request and response models: camelCase on the wire, snake_case in Python, unknown fields ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        str_strip_whitespace=False,
    )


def format_timestamp(value: datetime) -> str:
    """RFC 3339 UTC with milliseconds: ``2025-11-25T10:15:30.123Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


Timestamp = Annotated[datetime, PlainSerializer(format_timestamp, return_type=str)]


def clean_text(value: str) -> str:
    """Trim, NFC-normalise and reject control characters other than newline and tab."""
    value = unicodedata.normalize("NFC", value.strip())
    if _CONTROL.search(value):
        raise ValueError("Control characters are not allowed")
    return value


def reject_unsafe(value: str) -> str:
    """Short user-authored text must not carry markup or script (spec §1.1, detail code unsafe_content)."""
    if _UNSAFE.search(value):
        raise ValueError("unsafe_content")
    return value


def _strict_str(value: Any) -> Any:
    # JSON numbers and booleans are not silently turned into strings.
    if value is not None and not isinstance(value, str):
        raise ValueError("Must be a string")
    return value


Text = Annotated[str, BeforeValidator(_strict_str), AfterValidator(clean_text)]
SafeText = Annotated[
    str, BeforeValidator(_strict_str), AfterValidator(clean_text), AfterValidator(reject_unsafe)
]
