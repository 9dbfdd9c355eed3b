"""Fixtures of the AI tests: the Claude provider wired to the fake Messages API and the real state
table (circuit breaker, token budget), with retry waits recorded instead of slept."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr

from describe_it.ai.budget import DailyTokenBudget
from describe_it.ai.claude import ClaudeProvider
from describe_it.ai.keys import ApiKey, KeySource
from describe_it.ai.provider import Deadline, DescribeRequest, ImageFacts, ImageInput
from describe_it.images.demo import load_demo_images
from describe_it.runtime.circuit import CircuitBreaker
from infra.local.stack import Stack
from tests.integration.runtime.conftest import FakeClock, dead_client, dynamodb, per_thread_clients  # noqa: F401 - fixtures
from tests.support.fake_anthropic import FakeAnthropic

MODEL = "claude-sonnet-4-6"
BEACH = next(image for image in load_demo_images() if image.id == "demo-beach")


def beach_request(language: str = "es", style: str = "narrativo", **overrides: Any) -> DescribeRequest:
    facts = ImageFacts(alt={"en": BEACH.alt_en, "es": BEACH.alt_es}, color=BEACH.color)
    return DescribeRequest(
        image=ImageInput(BEACH.data, "image/jpeg", facts),
        language=language,  # type: ignore[arg-type]
        style=style,  # type: ignore[arg-type]
        max_length=overrides.pop("max_length", 120),
        custom_prompt=overrides.pop("custom_prompt", None),
    )


def deadline(seconds: float) -> Deadline:
    return Deadline(time.time() + seconds)


class Waits(list[float]):
    """The provider's ``sleep``: records each retry wait instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def circuit_clock() -> FakeClock:
    """The breaker's clock (the cool-down is moved, not waited for); deadlines use real time. Whole
    seconds: the breaker stores times to the millisecond, and a rounded-up ``openedAt`` would end the
    cool-down a millisecond after ``advance(30)``."""
    return FakeClock(float(int(time.time())))


@pytest.fixture
def make_provider(
    fake_anthropic: FakeAnthropic, dynamo: Stack, waits: Waits, circuit_clock: FakeClock
) -> Callable[..., ClaudeProvider]:
    """``make_provider(source="server", key=None, budget=10**9)`` → a ClaudeProvider on the fake."""

    def build(source: KeySource = "server", key: str | None = None, budget: int = 10**9) -> ClaudeProvider:
        return ClaudeProvider(
            ApiKey(SecretStr(key or fake_anthropic.api_key), source),
            model=MODEL,
            base_url=fake_anthropic.base_url,
            circuit=CircuitBreaker("anthropic", clock=circuit_clock),
            budget=DailyTokenBudget(budget),
            sleep=waits,
            jitter=lambda: 0.5,
        )

    return build
