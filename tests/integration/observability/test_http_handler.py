"""An HTTP function's invocation, through the real handler: one EMF document with that request's
metrics, and the Lambda context and the request's correlation id on each of its log lines."""

from __future__ import annotations

import warnings

import pytest

from tests.support.api import call, session_for
from tests.support.logs import captured, dimension_sets, metric_names

pytestmark = pytest.mark.usefixtures("clean")


def test_an_invocation_writes_its_metrics_as_one_emf_document(settings_env):
    token = session_for("ana@example.com")["access_token"]
    # DynamoDB unreachable: the general rate limits fail open and record RateLimitDegraded.
    settings_env(AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_TIMEOUT_S="0.5")
    from describe_it.runtime.revocations import clear_local_cache

    clear_local_cache()
    with captured() as out:
        reply = call(
            "GET",
            "/api/auth/me",
            token=token,
            headers={"x-request-id": "obs-me-000001"},
            request_id="gw-obs-me-000001",
        )
    assert reply.status == 200, reply

    [document] = out.emf
    assert "RateLimitDegraded" in metric_names(document)
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "DescribeIt"
    assert dimension_sets(document) == [{"service", "function_name"}]
    assert document["service"] == "describe-it" and document["function_name"] == "local"

    assert out.lines("rate limiting unavailable; allowing (degraded)")
    for line in out.logs:  # every line of this request
        assert line["correlation_id"] == "obs-me-000001", line
        assert line["gateway_request_id"] == "gw-obs-me-000001"
        assert line["path"] == "/api/auth/me" and line["method"] == "GET"
        assert line["function_request_id"] == "local-request-id"
        assert line["function_name"] == "local"
        assert line["function_arn"].startswith("arn:aws:lambda:")
        assert isinstance(line["cold_start"], bool)


def test_metrics_do_not_outlive_their_invocation_and_none_means_no_document():
    call("GET", "/api/health")  # whatever ran before (a cold start included) is flushed by now
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Powertools warns on an empty flush: that would fail here
        with captured() as out:
            reply = call("GET", "/api/health")
    assert reply.status == 200
    assert out.emf == []


def test_log_keys_end_with_their_request():
    from describe_it.observability import logger

    call("GET", "/api/health", headers={"x-request-id": "obs-health-0001"})
    with captured() as out:
        logger.info("between invocations")
    line = out.line("between invocations")
    for key in ("correlation_id", "gateway_request_id", "path", "function_request_id", "cold_start"):
        assert key not in line
