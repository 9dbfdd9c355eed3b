"""Shared pydantic building blocks: the API base model, timestamps and the text rules of spec §1.1."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetJsonSchemaHandler,
    PlainSerializer,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_UNSAFE = re.compile(
    r"<\s*script|javascript:|vbscript:|data:text/html|<\s*iframe|<\s*object|<\s*embed|\bon[a-z]+\s*=",
    re.IGNORECASE,
)


# The text rules as JSON Schema patterns, for the OpenAPI document (the validators below enforce them):
# surrounding whitespace (what ``str.strip`` removes) is allowed, control characters other than newline
# and tab are not, and "non-blank" text has a visible character.
_WS = r"[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_VISIBLE = r"[^\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_INNER = r"[^\x00-\x08\x0b-\x1f\x7f]"
WHITESPACE = _WS  # a character class: what ``str.strip`` removes
TEXT_PATTERN = rf"^{_WS}*(?:{_VISIBLE}(?:{_INNER}*{_VISIBLE})?)?{_WS}*$"
NONBLANK_PATTERN = rf"^{_WS}*{_VISIBLE}(?:{_INNER}*{_VISIBLE})?{_WS}*$"
UNSAFE_NOTE = (
    "Plain text: `<script`, `javascript:`, `vbscript:`, `data:text/html`, `<iframe`, `<object`, `<embed` "
    "and `on…=` handlers are refused (400 `unsafe_content`)."
)


def stripped(pattern: str) -> str:
    """``^…$`` pattern of a value the server trims first: surrounding whitespace allowed."""
    return rf"^{_WS}*{pattern.removeprefix('^').removesuffix('$')}{_WS}*$"


@dataclass(frozen=True, eq=False)  # hashed by identity: ``Annotated`` metadata must be hashable
class Schema:
    """``Annotated`` metadata that states in the JSON Schema (the OpenAPI document) a rule a validator
    enforces, e.g. a length measured after trimming; it changes no validation."""

    extra: Mapping[str, Any]

    def __get_pydantic_json_schema__(
        self, core: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core)
        schema.update(self.extra)
        return schema


# Rules a request must also meet that JSON Schema cannot state: across fields, against stored state,
# or against a list the server holds. Each is ``{field, message | code, rule}`` as its 400/412 detail
# names it; ``http/docs.py`` lists them in the operation's description, and the contract test accepts
# a schema-valid request refused by exactly these (and by nothing else).
RULES_KEY = "x-server-rules"


def rule(
    field: str | None, why: str, *, message: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """One such rule; ``field`` may use ``*`` for an index (``sharedWith[*]``)."""
    out: dict[str, Any] = {"field": field, "rule": why}
    if message is not None:
        out["message"] = message
    if code is not None:
        out["code"] = code
    return out


def server_rules(*rules: dict[str, Any]) -> dict[str, Any]:
    """``json_schema_extra`` of a model (or parameter) that carries such rules."""
    return {RULES_KEY: list(rules)}


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


Text = Annotated[
    str, BeforeValidator(_strict_str), AfterValidator(clean_text), Schema({"pattern": TEXT_PATTERN})
]
SafeText = Annotated[
    str,
    BeforeValidator(_strict_str),
    AfterValidator(clean_text),
    AfterValidator(reject_unsafe),
    Schema({"pattern": TEXT_PATTERN, "description": UNSAFE_NOTE}),
]
