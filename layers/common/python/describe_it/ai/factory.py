"""The provider for a call: Claude with a key; without one, the offline provider on a laptop and
``ProviderNotConfigured`` (503) in AWS, where there is no offline mode (spec §1.9, issue 8)."""

from __future__ import annotations

import time
from collections.abc import Callable

from describe_it.ai.budget import DailyTokenBudget, get_budget
from describe_it.ai.errors import ProviderNotConfigured
from describe_it.ai.keys import ApiKey
from describe_it.ai.provider import AiProvider
from describe_it.runtime.circuit import CircuitBreaker, get_circuit_breaker
from describe_it.settings import Settings, get_settings

PROVIDER = "anthropic"  # the circuit breaker's name: circuit#anthropic


def provider_for(
    key: ApiKey | None,
    *,
    settings: Settings | None = None,
    circuit: CircuitBreaker | None = None,
    budget: DailyTokenBudget | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> AiProvider:
    settings = settings or get_settings()
    if key is None:
        if settings.stage == "local":
            from describe_it.ai.offline import OfflineProvider

            return OfflineProvider()
        raise ProviderNotConfigured("AI generation is not configured: no Anthropic API key", retry_after=60)
    from describe_it.ai.claude import ClaudeProvider

    return ClaudeProvider(
        key,
        model=settings.anthropic_model,
        base_url=settings.anthropic_base_url,
        circuit=circuit or get_circuit_breaker(PROVIDER),
        budget=budget or get_budget(),
        sleep=sleep,
    )
