"""The export worker: idempotent status transitions, leases, outages, deadlines, a real large export."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from describe_it.db.tx import transaction
from describe_it.errors import DependencyDown
from describe_it.export import repository as repo
from describe_it.export.api import ExportJob
from describe_it.export.lifecycle import LEASE, START_BY
from describe_it.export.runner import ExportRunner
from tests.integration.export.conftest import WORDS, Learner, Queued, run_worker
from tests.integration.export.test_streaming import fill_list
from tests.support.lambda_invoke import event_file


def queue_one(learner: Learner, queued: Queued, body: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = learner.export(body or {"format": "csv", "contentType": "vocabulary"})
    assert reply.status == 202, reply
    return queued.events()[-1]


def status_row(admin_sql: Callable[..., Any], export_id: str) -> tuple[Any, ...]:
    (row,) = admin_sql(
        "SELECT status::text, started_at, completed_at, updated_at, error_message FROM export_history WHERE id = %s",
        [export_id],
    )
    return row


def stored_files(learner: Learner, export_id: str) -> list[str]:
    from describe_it.aws import client
    from describe_it.settings import get_settings

    listing = client("s3").list_objects_v2(
        Bucket=get_settings().export_bucket, Prefix=f"exports/{learner.id}/{export_id}/"
    )
    return [item["Key"] for item in listing.get("Contents", [])]


@pytest.fixture
def four_words(ana: Learner, low_threshold: None) -> None:
    ana.save(ana.new_list(), *WORDS[:4])  # one more than the lowered inline limit


@pytest.mark.usefixtures("four_words")
def test_the_same_event_twice_writes_one_file_and_completes_once(
    ana: Learner, queued: Queued, admin_sql: Callable[..., Any]
) -> None:
    event = queue_one(ana, queued)

    assert run_worker(event) == {"exportId": event["exportId"], "outcome": "completed"}
    first = status_row(admin_sql, event["exportId"])
    assert run_worker(event)["outcome"] == "skipped"  # Lambda may deliver an event twice

    assert status_row(admin_sql, event["exportId"]) == first  # no second transition, not even a touch
    assert first[0] == "completed"
    filename = ana.call("GET", f"/api/export/{event['exportId']}").data["filename"]
    assert stored_files(ana, event["exportId"]) == [f"exports/{ana.id}/{event['exportId']}/{filename}"]


@pytest.mark.usefixtures("four_words")
def test_concurrent_deliveries_of_one_event_run_it_once(
    ana: Learner, queued: Queued, admin_sql: Callable[..., Any]
) -> None:
    """Three deliveries at once, 25 rounds: the claim is one conditional UPDATE, so exactly one runs."""
    for _ in range(25):
        event = queue_one(ana, queued)
        start = threading.Barrier(3)

        def deliver(event: dict[str, Any] = event, start: threading.Barrier = start) -> str:
            start.wait()
            return run_worker(event)["outcome"]

        with ThreadPoolExecutor(3) as pool:
            outcomes = sorted(pool.map(lambda _: deliver(), range(3)))

        assert outcomes == ["completed", "skipped", "skipped"]
        assert status_row(admin_sql, event["exportId"])[0] == "completed"
        assert len(stored_files(ana, event["exportId"])) == 1


@pytest.mark.usefixtures("four_words")
def test_a_run_past_its_lease_is_taken_over_and_the_old_run_cannot_finish(
    ana: Learner, queued: Queued, admin_sql: Callable[..., Any]
) -> None:
    event = queue_one(ana, queued)
    job = ExportJob.model_validate(event)
    crashed_at = datetime.now(UTC) - LEASE - timedelta(seconds=1)
    with transaction("app", ana.id) as conn:  # a run that claimed it and then died (out of memory, say)
        crashed = repo.claim(conn, job.export_id, crashed_at, lease=LEASE, start_by=START_BY)
    assert crashed is not None

    with transaction("app", ana.id) as conn:  # inside the lease nobody else may take it
        assert repo.claim(conn, job.export_id, crashed_at + LEASE / 2, lease=LEASE, start_by=START_BY) is None
    assert run_worker(event)["outcome"] == "completed"  # the next delivery: the lease has run out

    with transaction("app", ana.id) as conn:  # the old run, late: its claim is gone
        assert not repo.complete(
            conn,
            job.export_id,
            crashed_at,
            records=0,
            size=0,
            storage_key="exports/stale",
            now=datetime.now(UTC),
            expires_at=datetime.now(UTC),
        )
        assert not repo.fail(conn, job.export_id, crashed_at, "late", datetime.now(UTC))
    assert status_row(admin_sql, event["exportId"])[0] == "completed"


@pytest.mark.usefixtures("four_words")
def test_an_export_that_can_no_longer_finish_reads_as_failed(
    ana: Learner, queued: Queued, admin_sql: Callable[..., Any]
) -> None:
    running = queue_one(ana, queued)
    never_started = queue_one(ana, queued)
    lapsed = datetime.now(UTC) - LEASE - timedelta(seconds=1)
    admin_sql(
        "UPDATE export_history SET status = 'processing', started_at = %s WHERE id = %s",
        [lapsed, running["exportId"]],
    )
    admin_sql(
        "UPDATE export_history SET created_at = %s WHERE id = %s",
        [datetime.now(UTC) - START_BY - timedelta(seconds=1), never_started["exportId"]],
    )

    crashed = ana.call("GET", f"/api/export/{running['exportId']}").data
    listed = {entry["id"]: entry for entry in ana.call("GET", "/api/export").data}

    assert crashed["status"] == "failed"
    assert crashed["errorMessage"] == "The export did not finish; please try again"
    assert listed[never_started["exportId"]]["status"] == "failed"
    assert (
        listed[never_started["exportId"]]["errorMessage"]
        == "The export was not started in time; please try again"
    )
    assert run_worker(never_started)["outcome"] == "skipped"  # a late event does not revive it


@pytest.mark.usefixtures("four_words")
def test_an_outage_sends_the_run_back_to_pending_for_the_next_delivery(
    ana: Learner, queued: Queued, admin_sql: Callable[..., Any], settings_env: Callable[..., None]
) -> None:
    event = queue_one(ana, queued)
    settings_env(EXPORT_BUCKET="describeit-missing-bucket")  # S3 refuses the upload

    with pytest.raises(DependencyDown):  # raised: Lambda delivers the event again
        run_worker(event)
    assert status_row(admin_sql, event["exportId"])[0] == "pending"

    from infra.local.stack import BUCKET

    settings_env(EXPORT_BUCKET=BUCKET)
    assert run_worker(event)["outcome"] == "completed"


@pytest.mark.usefixtures("four_words")
def test_a_run_out_of_time_fails_the_export(
    ana: Learner, queued: Queued, admin_sql: Callable[..., Any]
) -> None:
    job = ExportJob.model_validate(queue_one(ana, queued))

    assert ExportRunner().run(job, deadline=time.monotonic() - 1) == "failed"

    status, *_, message = status_row(admin_sql, str(job.export_id))
    assert (status, message) == ("failed", "The export took too long; narrow the filters")
    assert stored_files(ana, str(job.export_id)) == []


@pytest.mark.usefixtures("clean")
def test_an_event_that_is_not_a_job_or_names_no_export_does_nothing() -> None:
    assert run_worker({"hello": "world"}) == {"exportId": "", "outcome": "invalid"}
    unknown = {"exportId": str(uuid4()), "userId": str(uuid4())}
    assert run_worker(unknown)["outcome"] == "skipped"
    assert run_worker(event_file("export_worker", "job"))["outcome"] == "skipped"  # the sample event


@pytest.mark.usefixtures("four_words")
def test_the_local_stack_runs_the_worker_on_a_background_thread(
    ana: Learner, queued: Queued, admin_sql: Callable[..., Any]
) -> None:
    from describe_it.export.dispatch import local_thread

    job = ExportJob.model_validate(queue_one(ana, queued))
    thread = local_thread(job)
    thread.start()
    thread.join(timeout=120)

    assert not thread.is_alive()
    assert status_row(admin_sql, str(job.export_id))[0] == "completed"


def test_in_aws_the_worker_is_invoked_asynchronously(
    monkeypatch: pytest.MonkeyPatch, settings_env: Callable[..., None]
) -> None:
    """What goes to Lambda: an Event invoke of the configured function with the job as payload."""
    import boto3
    from botocore.stub import Stubber

    from describe_it import aws
    from describe_it.export.dispatch import start_worker

    settings_env(EXPORT_WORKER_FUNCTION="describeit-export-worker")
    lam = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    job = ExportJob(export_id=uuid4(), user_id=uuid4())
    payload = f'{{"exportId": "{job.export_id}", "userId": "{job.user_id}"}}'.encode()
    with Stubber(lam) as stub:
        stub.add_response(
            "invoke",
            {"StatusCode": 202},
            {"FunctionName": "describeit-export-worker", "InvocationType": "Event", "Payload": payload},
        )
        monkeypatch.setattr(aws, "client", lambda service: lam)
        start_worker(job)
        stub.assert_no_pending_responses()


def test_a_real_large_export_goes_to_the_worker(
    ana: Learner, queued: Queued, admin_sql: Callable[..., Any]
) -> None:
    """The default limits: 2,001 items do not run inline; the worker writes every one of them."""
    fill_list(admin_sql, ana.id, 2_001, "Grande")

    reply = ana.export({"format": "csv", "contentType": "vocabulary"})
    assert reply.status == 202, reply
    (event,) = queued.events()
    assert run_worker(event)["outcome"] == "completed"

    export = ana.call("GET", f"/api/export/{reply.data['id']}").data
    data = ana.call("GET", export["downloadUrl"]).content
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert export["recordsCount"] == len(rows) == 2_001
    assert {row["spanishText"] for row in rows} == {f"el pingüino {n}" for n in range(1, 2_002)}
    assert UUID(rows[0]["listId"])
