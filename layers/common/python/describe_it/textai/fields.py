"""Request field rules shared by the text routes (spec §1.1): integers as numbers or digit strings,
bounded text with the routes' legacy messages, and the stable ids and cache-key hashes of their answers."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from pydantic_core import PydanticCustomError

from describe_it.models import NONBLANK_PATTERN, TEXT_PATTERN, Schema, clean_text, reject_unsafe

# Question and phrase ids are UUIDv5 in this namespace, derived from their cache key and position, so
# the same request always names the same items (and a cached set keeps its ids).
_ID_NAMESPACE = uuid.UUID("5b0b8a8e-3c2f-5d0e-9a51-7d3f2c1e0a10")


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, "\x00".join(parts)))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def integer(low: int, high: int, message: str) -> Callable[[Any], int]:
    """An int in [low, high] sent as a JSON number or digit-only string; anything else is ``message``."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise PydanticCustomError("int_type", message)
        if isinstance(value, str):
            if not value.strip().isdigit():
                raise PydanticCustomError("int_parsing", message)
            value = int(value.strip())
        number: int = value
        if number < low:
            raise PydanticCustomError("greater_than_equal", message)
        if number > high:
            raise PydanticCustomError("less_than_equal", message)
        return number

    return check


def bounded_text(
    low: int, high: int, *, required: str | None = None, unsafe_check: bool = False
) -> Callable[[Any], str]:
    """A string of ``low``–``high`` characters after trimming and NFC. ``required`` is the legacy message
    for a missing, empty or non-string value (it replaces pydantic's own wording)."""

    def check(value: Any) -> str:
        if value is None:
            raise PydanticCustomError("missing", required or "Required")
        if not isinstance(value, str):
            raise PydanticCustomError("string_type", required or "Must be a string")
        try:
            value = clean_text(value)
            if unsafe_check:
                value = reject_unsafe(value)
        except ValueError as exc:
            raise PydanticCustomError("value_error", str(exc)) from None
        if len(value) < low:
            if required and not value:
                raise PydanticCustomError("missing", required)
            raise PydanticCustomError("string_too_short", "Must have at least {min} characters", {"min": low})
        if len(value) > high:
            raise PydanticCustomError("string_too_long", "Must have at most {max} characters", {"max": high})
        return str(value)

    return check


def text_schema(low: int, high: int) -> Schema:
    """What the document states of ``bounded_text(low, high)``: no control characters, a visible one
    when required, the bounds (measured there on the raw string; the server measures after trimming)."""
    extra: dict[str, Any] = {"pattern": NONBLANK_PATTERN if low else TEXT_PATTERN, "maxLength": high}
    if low > 1:
        extra["minLength"] = low
    return Schema(extra)


def integer_schema(low: int, high: int) -> Schema:
    """What the document states of ``integer(low, high, …)`` (a digit string is accepted too)."""
    return Schema({"type": "integer", "minimum": low, "maximum": high})


def optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``check`` for a field that may be absent or null."""
    return lambda value: None if value is None else check(value)


def with_null(data: Any, *names: str) -> Any:
    """A body in which a required field (under any of its ``names``) is present, as null when it was
    missing, so that its own validator answers with the route's legacy message under the field's name."""
    if isinstance(data, dict) and not any(name in data for name in names):
        return {**data, names[0]: None}
    return data
