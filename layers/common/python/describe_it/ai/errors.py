"""What can go wrong with a model call, as API errors that also name their workflow task error.

Each class is an ``ApiError`` with the status of spec §5.1 (so a route that calls the provider
directly — Q&A, phrases, translation — just lets it propagate to the one error mapping), and carries
``task_error``: the ``describe_it.workflow.errors`` class the ``describe_language`` task raises for it
(the name Step Functions' Catch clauses match). The reverse direction — the failed branches of a
workflow back to one route error — is ``error_for_failed_languages``.

| error | HTTP | task error | circuit |
| --- | --- | --- | --- |
| ``ProviderTimeout`` (no answer within the deadline) | 504 | DescribeTimeout | failure |
| ``ProviderRateLimited`` (429) | 503 + Retry-After | DescribeRateLimited | neutral |
| ``SpendLimitReached`` (429 ``enforced_spend_limit_reached``) | 503 | DescribeBudgetExhausted | neutral |
| ``ProviderOverloaded`` (529) | 503 | DescribeOverloaded | failure |
| ``ProviderFailure`` (5xx, connection error, any other API error) | 502 | DescribeUpstreamError | failure (5xx, connection) / neutral (4xx) |
| ``ProviderOutputInvalid`` (no text, not JSON, schema violated) | 502 | DescribeUpstreamError | success |
| ``ContentRefused`` (``stop_reason: refusal``) | 502 | DescribeContentRefused | success |
| ``KeyRejected`` (401/403 for the caller's own key) | 400 ``api_key_rejected`` | DescribeKeyRejected | neutral |
| ``CircuitOpen`` | 503 + Retry-After | DescribeCircuitOpen | — |
| ``BudgetExhausted`` (server key's daily tokens) | 503 until 00:00 UTC, ``budget_exhausted`` | DescribeBudgetExhausted | — |
| ``ProviderNotConfigured`` (no key in AWS; offline JSON) | 503 | DescribeUnavailable | — |

Messages are generic and safe to show: never the provider's own message, a key or a prompt.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from describe_it.errors import (
    ApiError,
    Detail,
    ServiceUnavailable,
    UpstreamError,
    UpstreamTimeout,
    ValidationFailed,
)
from describe_it.workflow import errors as task

USER_API_KEY_FIELD = "userApiKey"


class AiFailure(ApiError):
    """Base of the errors below (never raised itself)."""

    task_error: ClassVar[type[task.DescribeTaskError]] = task.DescribeUpstreamError


class ProviderFailure(AiFailure, UpstreamError):
    default_message = "The AI provider failed"


class ProviderOutputInvalid(ProviderFailure):
    default_message = "The AI provider returned an unusable answer"


class ContentRefused(AiFailure, UpstreamError):
    task_error = task.DescribeContentRefused
    default_message = "The AI model declined to describe this image"


class ProviderTimeout(AiFailure, UpstreamTimeout):
    task_error = task.DescribeTimeout


class ProviderRateLimited(AiFailure, ServiceUnavailable):
    task_error = task.DescribeRateLimited
    default_message = "The AI provider is rate limiting requests; try again shortly"


class SpendLimitReached(AiFailure, ServiceUnavailable):
    task_error = task.DescribeBudgetExhausted
    default_message = "The AI provider account's spend limit is reached"


class ProviderOverloaded(AiFailure, ServiceUnavailable):
    task_error = task.DescribeOverloaded
    default_message = "The AI provider is overloaded; try again shortly"


class CircuitOpen(AiFailure, ServiceUnavailable):
    task_error = task.DescribeCircuitOpen
    default_message = "The AI provider is temporarily unavailable"


class ProviderNotConfigured(AiFailure, ServiceUnavailable):
    task_error = task.DescribeUnavailable
    default_message = "AI generation is not configured"


class BudgetExhausted(AiFailure, ServiceUnavailable):
    """The server key's daily token budget is spent: 503 until 00:00 UTC (callers' own keys go on)."""

    task_error = task.DescribeBudgetExhausted
    default_message = "Today's AI budget is spent; try again after 00:00 UTC or use your own API key"

    def __init__(self, *, now: float | None = None) -> None:
        super().__init__(
            retry_after=seconds_until_midnight(time.time() if now is None else now),
            details=[Detail(None, "The daily AI token budget is spent", "budget_exhausted")],
        )


class KeyRejected(AiFailure, ValidationFailed):
    """The provider refused the caller's own key (spec §2.4: 400 on ``userApiKey``)."""

    task_error = task.DescribeKeyRejected
    default_message = "The Anthropic API key was rejected"

    def __init__(self) -> None:
        super().__init__(details=[Detail(USER_API_KEY_FIELD, self.default_message, "api_key_rejected")])


def seconds_until_midnight(now: float) -> int:
    """Whole seconds until the next 00:00 UTC (at least 1): a budget day's Retry-After."""
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, math.ceil((today + timedelta(days=1)).timestamp() - now))


# --- the workflow's failed branches back to one route error (spec §5.1, both languages failed) ----

_TIMEOUTS = {"DescribeTimeout", "States.Timeout", "Sandbox.Timedout"}
_UNAVAILABLE: dict[str, type[ServiceUnavailable]] = {
    "DescribeRateLimited": ProviderRateLimited,
    "Lambda.TooManyRequestsException": ProviderRateLimited,
    "DescribeOverloaded": ProviderOverloaded,
    "DescribeCircuitOpen": CircuitOpen,
    "DescribeUnavailable": ProviderNotConfigured,
}


def error_for_failed_languages(error_names: Sequence[str], *, now: float | None = None) -> ApiError:
    """The route's error when no language succeeded, from the branches' ``error`` names.

    All timeouts → 504; a rejected own key → 400 ``api_key_rejected``; a spent budget or spend limit,
    an open circuit, a rate limit, an overloaded or unconfigured provider → 503 with Retry-After;
    anything else → 502.
    """
    names = list(error_names)
    if names and all(name in _TIMEOUTS for name in names):
        return ProviderTimeout()
    if "DescribeKeyRejected" in names:
        return KeyRejected()
    if "DescribeBudgetExhausted" in names:
        return BudgetExhausted(now=now)
    for name in names:
        if name in _UNAVAILABLE:
            return _UNAVAILABLE[name](retry_after=5)
    if "DescribeContentRefused" in names:
        return ContentRefused()
    return ProviderFailure()
