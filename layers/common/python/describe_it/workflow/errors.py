"""Errors the ``describe_language`` task raises, and the fallback reason each one becomes.

Step Functions names a failed Lambda task by the exception's class name (Lambda's Python runtime
reports ``type(exc).__name__`` as ``errorType``), so these class names are the contract between the
task function and the Catch clauses of ``infra/statemachines/describe.asl.json``:

- ``DescribeTimeout``, ``States.Timeout`` (the task's hard stop), ``Sandbox.Timedout`` → timeout
- ``DescribeRateLimited``, ``Lambda.TooManyRequestsException`` (after the ASL's retries) → rate_limited
- ``DescribeCircuitOpen`` → circuit_open
- ``DescribeContentRefused`` → content_refused
- ``DescribeBudgetExhausted`` → budget_exhausted
- anything else (``DescribeUpstreamError``, ``DescribeKeyRejected``, ``DescribeOverloaded``,
  ``DescribeUnavailable``, a crash, a Lambda error) → upstream_error

A failed branch answers ``{language, ok: false, reason, error}``; ``error`` keeps the name, so the
route can tell a rejected key (``DescribeKeyRejected``: 400 ``api_key_rejected`` when both languages
fail), an overloaded provider and a missing dependency (``DescribeOverloaded``, ``DescribeUnavailable``:
503) from other upstream errors (502); ``describe_it.ai.errors.error_for_failed_languages`` does that. The workflow retries only Lambda's own throttling and service
errors and, once, a timed-out attempt; the function retries the model call itself within the
deadline, and raises ``DescribeTimeout`` at once when it starts at or after ``deadline`` (as a
retried attempt after ``States.Timeout`` usually does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Literal

FallbackReason = Literal[
    "timeout", "upstream_error", "rate_limited", "circuit_open", "content_refused", "budget_exhausted"
]


class DescribeTaskError(Exception):
    """Base of the task's errors; raise a subclass, whose name says the reason."""

    reason: ClassVar[FallbackReason] = "upstream_error"


class DescribeTimeout(DescribeTaskError):
    """The deadline passed (or would pass) before the model answered."""

    reason = "timeout"


class DescribeRateLimited(DescribeTaskError):
    """The provider answered 429 (rate limit), after the retries the deadline allowed."""

    reason = "rate_limited"


class DescribeCircuitOpen(DescribeTaskError):
    """The provider's circuit breaker is open: no call was made."""

    reason = "circuit_open"


class DescribeContentRefused(DescribeTaskError):
    """The model refused to describe the image."""

    reason = "content_refused"


class DescribeBudgetExhausted(DescribeTaskError):
    """The server key's daily token budget (or the provider's spend limit) is spent."""

    reason = "budget_exhausted"


class DescribeUpstreamError(DescribeTaskError):
    """The provider failed (5xx, 529, malformed or schema-violating output)."""


class DescribeKeyRejected(DescribeTaskError):
    """The caller's own API key was rejected (401/403): upstream_error, told apart by its name."""


class DescribeOverloaded(DescribeUpstreamError):
    """The provider answered 529 (overloaded), after the retries the deadline allowed: spec §5.1 makes
    that a 503 for the route, so it is told apart from other upstream errors by its name."""


class DescribeUnavailable(DescribeUpstreamError):
    """No call could be made: no provider key is configured (AWS has no offline mode), or a dependency
    of the task (S3, KMS, DynamoDB, Secrets Manager) is unreachable. A 503 for the route."""


# Names Step Functions or Lambda give to failures the function never raises itself.
_PLATFORM_ERRORS: Mapping[str, FallbackReason] = {
    "States.Timeout": "timeout",
    "Sandbox.Timedout": "timeout",
    "Lambda.TooManyRequestsException": "rate_limited",
}

TASK_ERRORS: tuple[type[DescribeTaskError], ...] = (
    DescribeTimeout,
    DescribeRateLimited,
    DescribeCircuitOpen,
    DescribeContentRefused,
    DescribeBudgetExhausted,
    DescribeUpstreamError,
    DescribeKeyRejected,
    DescribeOverloaded,
    DescribeUnavailable,
)

REASON_BY_ERROR: Mapping[str, FallbackReason] = {
    **{error.__name__: error.reason for error in TASK_ERRORS},
    **_PLATFORM_ERRORS,
}


def reason_for(error_name: str) -> FallbackReason:
    """The reason the workflow reports for a task that failed with ``error_name``."""
    return REASON_BY_ERROR.get(error_name, "upstream_error")
