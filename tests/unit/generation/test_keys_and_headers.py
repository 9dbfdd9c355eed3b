"""The generation cache key (spec §5.1) and the request headers the route reads."""

from __future__ import annotations

import hashlib

import pytest

from describe_it.ai.prompts import PROMPT_VERSION
from describe_it.generation.cache import CachedDescription, cache_key
from describe_it.generation.info import no_cache, prefers_async

SOURCE = hashlib.sha256(b"https://images.example.com/cat.jpg").digest()


def key(**overrides: object) -> str:
    values: dict[str, object] = {
        "model": "claude-sonnet-4-6",
        "source_hash": SOURCE,
        "style": "narrativo",
        "max_length": 300,
        "custom_prompt": None,
        "language": "en",
        **overrides,
    }
    return cache_key(**values)  # type: ignore[arg-type]


def test_the_key_has_the_documented_shape() -> None:
    empty = hashlib.sha256(b"").hexdigest()
    assert key() == f"desc:v{PROMPT_VERSION}:claude-sonnet-4-6:{SOURCE.hex()}:narrativo:300:{empty}:en"
    assert key(custom_prompt="") == key()  # "" and no prompt are the same request


@pytest.mark.parametrize(
    "change",
    [
        {"model": "offline"},
        {"source_hash": hashlib.sha256(b"other").digest()},
        {"style": "poetico"},
        {"max_length": 301},
        {"custom_prompt": "colours"},
        {"language": "es"},
    ],
)
def test_every_part_of_the_request_changes_the_key(change: dict[str, object]) -> None:
    assert key(**change) != key()


def test_the_key_never_holds_the_prompt_in_clear() -> None:
    assert "secret wish" not in key(custom_prompt="secret wish")


def test_an_unreadable_cache_value_is_a_miss() -> None:
    assert CachedDescription.from_json({"content": "x"}) is None
    assert CachedDescription.from_json("not a dict") is None
    value = CachedDescription("Hola.", 1, "m", "anthropic", 1.5)
    assert CachedDescription.from_json(value.to_json()) == value


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("respond-async", True),
        ("Respond-Async", True),
        ("wait=10, respond-async", True),
        ("respond-async; foo=bar", True),
        ("return=minimal", False),
        ("respond-asynchronously", False),
    ],
)
def test_prefer_respond_async(header: str | None, expected: bool) -> None:
    assert prefers_async(header) is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, False), ("no-cache", True), ("max-age=0, No-Cache", True), ("no-store", False)],
)
def test_cache_control_no_cache(header: str | None, expected: bool) -> None:
    assert no_cache(header) is expected
