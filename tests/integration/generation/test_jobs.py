"""Asynchronous generations (spec §5.1 "Async", §5.3): 202 with a job, the job's route, who may see it, and
at-least-once delivery. Locally the job runs in a background thread; tests join it (no polling)."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest

from describe_it.generation.dispatch import wait_for_local_jobs
from describe_it.runtime.jobs import JobStore
from tests.integration.generation.conftest import generate, model_calls, per_language, request_body
from tests.support.api import call, session_for
from tests.support.fake_anthropic import FakeAnthropic, Reply

ASYNC = {"Prefer": "respond-async"}


def job(job_id: str, **kwargs: Any) -> Any:
    return call("GET", f"/api/descriptions/jobs/{job_id}", **kwargs)


def finished(job_id: str, **kwargs: Any) -> Any:
    assert wait_for_local_jobs(60)
    reply = job(job_id, **kwargs)
    assert reply.status == 200, reply
    return reply


def test_respond_async_answers_202_and_the_job_holds_the_result(claude: FakeAnthropic) -> None:
    accepted = generate(request_body(), headers=ASYNC)

    assert accepted.status == 202, accepted
    job_id = accepted.data["jobId"]
    assert accepted.data["status"] == "queued"
    assert accepted.data["statusUrl"] == accepted.headers["location"] == f"/api/descriptions/jobs/{job_id}"
    assert accepted.headers["preference-applied"] == "respond-async"

    done = finished(job_id)
    data = done.data
    assert data["status"] == "succeeded" and data["jobId"] == job_id
    assert [e["language"] for e in data["result"]] == ["english", "spanish"]
    assert {e["generationId"] for e in data["result"]} == {job_id}
    assert done.headers["cache-control"] == "no-store" and "retry-after" not in done.headers
    assert model_calls(claude) == 2
    # and it filled the cache for everyone
    assert [e["cached"] for e in generate(request_body()).data] == [True, True]


def test_long_descriptions_are_always_async_without_preference_applied(claude: FakeAnthropic) -> None:
    accepted = generate(request_body(maxLength=451))
    assert accepted.status == 202, accepted
    assert "preference-applied" not in accepted.headers
    assert finished(accepted.data["jobId"]).data["status"] == "succeeded"


def test_a_running_job_says_so_with_retry_after(claude: FakeAnthropic) -> None:
    release = threading.Event()
    claude.default = dataclasses.replace(Reply.message("Slow."), before=lambda: release.wait(20))
    accepted = generate(request_body(), headers=ASYNC)
    try:
        running = job(accepted.data["jobId"])
        assert running.status == 200, running
        assert running.data["status"] in ("queued", "running")
        assert running.headers["retry-after"] == "2"
        assert "result" not in running.data or running.data["result"] is None
    finally:
        release.set()
    assert finished(accepted.data["jobId"]).data["status"] == "succeeded"


def test_one_language_failing_makes_a_partial_job(claude: FakeAnthropic) -> None:
    claude.choose = per_language(Reply.message("Fine."), Reply.refusal())
    data = finished(generate(request_body(), headers=ASYNC).data["jobId"]).data
    assert data["status"] == "partial"
    assert data["result"][1]["fallbackReason"] == "content_refused" and "Spanish" in data["message"]


def test_both_failing_makes_a_failed_job_with_the_error(claude: FakeAnthropic) -> None:
    claude.default = Reply.overloaded()
    data = finished(generate(request_body(), headers=ASYNC).data["jobId"]).data
    assert data["status"] == "failed"
    assert data["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert data.get("result") is None


def test_a_users_job_is_404_for_anyone_else(claude: FakeAnthropic) -> None:
    owner = session_for("owner@example.com")["access_token"]
    other = session_for("other@example.com")["access_token"]
    job_id = generate(request_body(), headers=ASYNC, token=owner).data["jobId"]
    assert finished(job_id, token=owner).data["status"] == "succeeded"

    assert job(job_id, token=other).status == 404
    assert job(job_id).status == 404  # a guest holding the id


def test_a_guests_job_is_visible_to_whoever_holds_its_id(claude: FakeAnthropic) -> None:
    job_id = generate(request_body(), headers=ASYNC).data["jobId"]
    assert finished(job_id).data["status"] == "succeeded"
    assert job(job_id, source_ip="198.51.100.7").status == 200


@pytest.mark.parametrize("job_id", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_unknown_jobs_are_404(clean: Any, job_id: str) -> None:
    reply = job(job_id)
    assert reply.status == 404, reply
    assert reply.json["code"] == "NOT_FOUND"


def test_a_duplicate_delivery_runs_and_finishes_a_job_once(clean: Any) -> None:
    store = JobStore()
    store.create("11111111-1111-4111-8111-111111111111", "ip:abc")
    assert store.start("11111111-1111-4111-8111-111111111111") is True
    assert store.start("11111111-1111-4111-8111-111111111111") is False  # the second delivery
    assert store.finish("11111111-1111-4111-8111-111111111111", "succeeded", result=[]) is True
    assert (
        store.finish("11111111-1111-4111-8111-111111111111", "failed", error={"code": "X", "message": "y"})
        is False
    )
    assert store.start("11111111-1111-4111-8111-111111111111") is False
    kept = store.get("11111111-1111-4111-8111-111111111111")
    assert kept is not None and kept.status == "succeeded" and kept.error is None
