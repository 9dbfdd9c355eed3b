"""A function that is not an HTTP route (here the e-mail sender), through its real handler: its log
lines carry the Lambda context and the id of what started it, and its metrics are flushed."""

from __future__ import annotations

import pytest

from tests.support.lambda_invoke import LambdaContext, event_file, load_function
from tests.support.logs import captured, dimension_sets, metric_names

pytestmark = pytest.mark.usefixtures("clean")
CLOSED = "host=127.0.0.1 port=9 dbname=x user=x password=x connect_timeout=1"


def test_a_scheduled_job_logs_its_context_and_flushes_its_metrics(mailbox):
    event = event_file("email_sender", "scheduled")
    with captured() as out:
        result = load_function("email_sender").lambda_handler(event, LambdaContext())
    assert result == {"sent": 0, "retried": 0, "failed": 0}
    finished = out.line("job finished")
    assert finished["correlation_id"] == event["id"]  # the EventBridge event
    assert finished["function_request_id"] == "local-request-id"
    assert finished["function_name"] == "local" and isinstance(finished["cold_start"], bool)
    [document] = out.emf
    assert metric_names(document) >= {"EmailsSent", "EmailsFailed"}
    assert dimension_sets(document) == [{"service", "function_name"}]
    assert document["EmailsSent"] == [0.0]


def test_a_job_started_by_a_request_logs_that_requests_id(mailbox):
    with captured() as out:
        load_function("email_sender").lambda_handler({"correlationId": "signup-req-000001"}, LambdaContext())
    assert out.line("job finished")["correlation_id"] == "signup-req-000001"


def test_a_job_with_no_usable_id_uses_its_lambda_request_id(mailbox):
    with captured() as out:
        load_function("email_sender").lambda_handler({"correlationId": "not an id!"}, LambdaContext())
    assert out.line("job finished")["correlation_id"] == "local-request-id"


def test_a_failed_job_logs_the_error_class_and_raises(settings_env):
    from describe_it.db.pool import close_pools

    close_pools()
    settings_env(DB_AUTH_URL=CLOSED, DB_CONNECT_TIMEOUT_S="1")
    try:
        with captured() as out, pytest.raises(Exception) as raised:
            load_function("email_sender").lambda_handler(
                event_file("email_sender", "scheduled"), LambdaContext()
            )
    finally:
        close_pools()
    failed = out.line("job failed")
    assert failed["level"] == "ERROR"
    assert failed["error"] == type(raised.value).__name__
    assert "outbox" in failed["stack"]  # where it failed: frames, never the message
    assert "127.0.0.1" not in out.text and "password=" not in out.text
    assert out.lines("job finished") == []
