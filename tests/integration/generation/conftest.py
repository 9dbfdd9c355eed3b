"""Fixtures of the generation route tests: the route through Mangum, the real workflow file on the local
runner with the real describe_language handler, the fake Messages API, PostgreSQL and moto."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.images.conftest import fake_unsplash  # noqa: F401 - a shared fixture
from tests.support.api import call
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.images import solid
from tests.support.lambda_invoke import Reply as HttpReply

PATH = "/api/descriptions/generate"
BEACH_URL = "https://demo-images.describe-it.invalid/beach.jpg"
CAT_URL = "https://demo-images.describe-it.invalid/black-cat.jpg"


def generate(body: dict[str, Any], **kwargs: Any) -> HttpReply:
    return call("POST", PATH, body, **kwargs)


def request_body(**overrides: Any) -> dict[str, Any]:
    return {"imageUrl": BEACH_URL, "style": "narrativo", "maxLength": 80, **overrides}


def data_uri(color: str = "teal") -> str:
    return "data:image/png;base64," + base64.b64encode(solid("image/png", (96, 64), color)).decode()


def is_spanish(body: dict[str, Any]) -> bool:
    """The prompt is written in its output language (ai/prompts.py)."""
    system = body.get("system")
    text = system if isinstance(system, str) else " ".join(b.get("text", "") for b in system or [])
    return "Escribe solo en español" in text


def per_language(en: Reply | None, es: Reply | None) -> Callable[[dict[str, Any]], Reply | None]:
    """``fake.choose``: one answer for the English branch, one for the Spanish one (None: default)."""
    return lambda body: es if is_spanish(body) else en


@pytest.fixture(autouse=True)
def no_warm_cache() -> None:
    """The state table is emptied per test; the process's L1 in front of it must forget too."""
    from describe_it.runtime.cache import get_cache

    get_cache().clear_local()


@pytest.fixture
def claude(fake_anthropic: FakeAnthropic, clean: Any) -> FakeAnthropic:
    """The server key pointing at the fake; empty stores."""
    return fake_anthropic


@pytest.fixture
def offline(clean: Any, settings_env: Callable[..., None]) -> None:
    """No key anywhere: the local stage's offline provider answers."""
    settings_env(ANTHROPIC_API_KEY=None, ANTHROPIC_API_KEY_SECRET_ARN=None)


def model_calls(fake: FakeAnthropic) -> int:
    return sum(1 for r in fake.requests if r.path == "/v1/messages")
