"""Fixtures of the text routes: the real functions through Mangum, Claude on the fake Messages API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.fake_anthropic import FakeAnthropic, RecordedRequest

BEACH_ES = (
    "En la playa hay una familia feliz. El niño pequeño construye un castillo de arena cerca del agua. "
    "Su madre lee un libro bajo una sombrilla roja. A lo lejos, un barco blanco navega despacio."
)


@pytest.fixture
def claude(fake_anthropic: FakeAnthropic, clean: Any) -> Iterator[FakeAnthropic]:
    """The fake with empty PostgreSQL and DynamoDB (circuit, budget, limits, cache all fresh)."""
    from describe_it.runtime.cache import get_cache

    get_cache().clear_local()
    yield fake_anthropic
    get_cache().clear_local()


@pytest.fixture
def offline(clean: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No Anthropic key anywhere: the local stage's offline mode."""
    from describe_it.runtime.cache import get_cache
    from describe_it.settings import get_settings

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    get_settings.cache_clear()
    get_cache().clear_local()
    yield
    get_settings.cache_clear()


def prompt_of(request: RecordedRequest) -> str:
    return "\n".join(request.texts)


def numbered_texts(request: RecordedRequest) -> list[dict[str, Any]]:
    """The numbered texts a translate call sent (the JSON between <texts> tags)."""
    prompt = prompt_of(request)
    inner = prompt.split("<texts>\n", 1)[1].split("\n</texts>", 1)[0]
    return json.loads(inner)  # type: ignore[no-any-return]
