"""AI failures: each an API error with the status of spec §5.1 and the workflow task error it becomes,
and the failed branches of a workflow back to one route error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from describe_it.ai import errors
from describe_it.errors import ApiError
from describe_it.workflow.errors import TASK_ERRORS, reason_for

# 2027-01-15 23:59:30 UTC
NEAR_MIDNIGHT = datetime(2027, 1, 15, 23, 59, 30, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("error", "status", "task_error", "reason"),
    [
        (errors.ProviderTimeout(), 504, "DescribeTimeout", "timeout"),
        (errors.ProviderRateLimited(retry_after=2), 503, "DescribeRateLimited", "rate_limited"),
        (errors.SpendLimitReached(retry_after=3600), 503, "DescribeBudgetExhausted", "budget_exhausted"),
        (errors.ProviderOverloaded(retry_after=5), 503, "DescribeOverloaded", "upstream_error"),
        (errors.ProviderFailure(), 502, "DescribeUpstreamError", "upstream_error"),
        (errors.ProviderOutputInvalid(), 502, "DescribeUpstreamError", "upstream_error"),
        (errors.ContentRefused(), 502, "DescribeContentRefused", "content_refused"),
        (errors.KeyRejected(), 400, "DescribeKeyRejected", "upstream_error"),
        (errors.CircuitOpen(retry_after=12), 503, "DescribeCircuitOpen", "circuit_open"),
        (errors.BudgetExhausted(now=NEAR_MIDNIGHT), 503, "DescribeBudgetExhausted", "budget_exhausted"),
        (errors.ProviderNotConfigured(retry_after=60), 503, "DescribeUnavailable", "upstream_error"),
    ],
)
def test_each_failure_has_its_status_and_task_error(
    error: errors.AiFailure, status: int, task_error: str, reason: str
) -> None:
    assert isinstance(error, ApiError)
    assert error.status == status
    assert error.task_error.__name__ == task_error
    assert error.task_error in TASK_ERRORS
    assert reason_for(task_error) == reason
    if status == 503:
        assert int(error.headers["Retry-After"]) >= 1


def test_a_rejected_key_is_a_400_on_user_api_key() -> None:
    body = errors.KeyRejected()
    assert body.code == "VALIDATION_ERROR"
    assert [d.to_json() for d in body.details] == [
        {"field": "userApiKey", "message": "The Anthropic API key was rejected", "code": "api_key_rejected"}
    ]


def test_a_spent_budget_says_so_and_waits_until_midnight_utc() -> None:
    error = errors.BudgetExhausted(now=NEAR_MIDNIGHT)
    assert error.headers["Retry-After"] == "30"
    assert error.code == "SERVICE_UNAVAILABLE"
    assert [d.code for d in error.details] == ["budget_exhausted"]
    assert errors.seconds_until_midnight(datetime(2027, 1, 15, tzinfo=UTC).timestamp()) == 86_400


@pytest.mark.parametrize(
    ("names", "status", "code"),
    [
        (["DescribeTimeout", "States.Timeout"], 504, "UPSTREAM_TIMEOUT"),
        (["DescribeTimeout", "DescribeUpstreamError"], 502, "UPSTREAM_ERROR"),
        (["DescribeKeyRejected", "DescribeKeyRejected"], 400, "VALIDATION_ERROR"),
        (["DescribeBudgetExhausted", "DescribeTimeout"], 503, "SERVICE_UNAVAILABLE"),
        (["DescribeCircuitOpen", "DescribeCircuitOpen"], 503, "SERVICE_UNAVAILABLE"),
        (["DescribeRateLimited", "DescribeUpstreamError"], 503, "SERVICE_UNAVAILABLE"),
        (["DescribeOverloaded", "DescribeOverloaded"], 503, "SERVICE_UNAVAILABLE"),
        (["DescribeUnavailable", "DescribeUnavailable"], 503, "SERVICE_UNAVAILABLE"),
        (["DescribeContentRefused", "DescribeUpstreamError"], 502, "UPSTREAM_ERROR"),
        (["Runtime.ExitError", "ValueError"], 502, "UPSTREAM_ERROR"),
    ],
)
def test_both_languages_failed_becomes_one_route_error(names: list[str], status: int, code: str) -> None:
    error = errors.error_for_failed_languages(names, now=NEAR_MIDNIGHT)
    assert (error.status, error.code) == (status, code)
    if status == 503:
        assert "Retry-After" in error.headers
