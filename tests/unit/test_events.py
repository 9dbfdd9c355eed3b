"""The sample events under events/ are real Lambda payloads: `make invoke`, `sam local invoke` and the
handler tests feed them to the functions as API Gateway, CloudFormation or EventBridge would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
EVENT_FILES = sorted(EVENTS.glob("*/*.json"))
HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
HTTP_CONTEXT_KEYS = {
    "accountId",
    "apiId",
    "domainName",
    "requestId",
    "routeKey",
    "stage",
    "time",
    "timeEpoch",
}
CUSTOM_RESOURCE_KEYS = {
    "RequestType",
    "ServiceToken",
    "ResponseURL",
    "StackId",
    "RequestId",
    "LogicalResourceId",
    "ResourceType",
    "ResourceProperties",
}
EVENTBRIDGE_KEYS = {
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
}


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def load(path: Path) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return event


def kind(event: dict[str, Any]) -> str:
    if "requestContext" in event:
        return "http"
    if "RequestType" in event:
        return "custom-resource"
    if "detail-type" in event:
        return "eventbridge"
    if event == {}:
        return "direct"  # an async Invoke with an empty payload (the e-mail sender's post-commit kick)
    if {"imageRef", "language", "deadline", "generationId"} <= set(event):
        return "describe-task"  # what the describe workflow's Lambda task passes (infra/statemachines)
    if set(event) == {"exportId", "userId"}:
        return "export-job"  # the async Invoke of the export worker by POST /api/export/generate
    return "unknown"


def files_of(wanted: str) -> list[Path]:
    return [path for path in EVENT_FILES if kind(load(path)) == wanted]


def test_there_are_sample_events():
    assert len(EVENT_FILES) >= 20


@pytest.mark.parametrize("path", EVENT_FILES, ids=_id)
def test_event_is_a_known_payload(path: Path):
    event = load(path)
    assert isinstance(event, dict)
    assert kind(event) != "unknown", (
        f"{_id(path)} is not an HTTP API, CloudFormation, EventBridge, workflow task or export job event"
    )
    if kind(event) == "direct":
        assert path.parent.name == "email_sender"
    if kind(event) == "describe-task":
        assert path.parent.name == "describe_language"
    if kind(event) == "export-job":
        assert path.parent.name == "export_worker"


@pytest.mark.parametrize("path", files_of("describe-task"), ids=_id)
def test_describe_task_event_is_valid_task_input(path: Path):
    from describe_it.ai.describe_task import TaskInput

    task = TaskInput.model_validate(load(path))
    assert task.image_ref.key.startswith("tmp/images/")
    assert task.encrypted_key is None  # a sample never carries a key, even sealed


@pytest.mark.parametrize("path", files_of("export-job"), ids=_id)
def test_export_job_event_is_what_the_generate_route_sends(path: Path):
    from describe_it.export.api import ExportJob

    job = ExportJob.model_validate(load(path))
    assert job.model_dump(mode="json", by_alias=True) == load(path)


@pytest.mark.parametrize("path", files_of("http"), ids=_id)
def test_http_event_is_payload_format_2(path: Path):
    event = load(path)
    assert event["version"] == "2.0"
    assert event["rawPath"].startswith("/api/")
    assert isinstance(event["rawQueryString"], str)
    assert event["isBase64Encoded"] is False
    headers = event["headers"]
    assert headers == {k.lower(): v for k, v in headers.items()}, "HTTP API lower-cases header names"
    assert all(isinstance(v, str) for v in headers.values())
    context = event["requestContext"]
    assert set(context) >= HTTP_CONTEXT_KEYS
    assert context["stage"] == "$default"
    assert context["routeKey"] == event["routeKey"]
    http = context["http"]
    assert http["method"] in HTTP_METHODS
    assert http["path"] == event["rawPath"]
    assert http["sourceIp"]
    query = dict(parse_qsl(event["rawQueryString"], keep_blank_values=True))
    assert event.get("queryStringParameters", {}) == query

    body = event.get("body")
    if body is None:
        assert "content-type" not in headers
        return
    assert isinstance(body, str)
    assert len(body.encode()) <= 4096, "keep sample bodies small"
    if headers.get("content-length") is not None:
        assert int(headers["content-length"]) == len(body.encode())
    if headers.get("content-type") == "application/json" and "invalid_json" not in path.stem:
        assert isinstance(json.loads(body), dict)


def test_bearer_tokens_are_placeholders():
    """Tests swap in a real token; a committed sample never carries one."""
    for path in EVENT_FILES:
        event = load(path)
        authorization = (event.get("headers") or {}).get("authorization")
        if authorization is not None:
            assert authorization == "Bearer PLACEHOLDER", _id(path)


@pytest.mark.parametrize("path", files_of("custom-resource"), ids=_id)
def test_custom_resource_event_has_what_cloudformation_sends(path: Path):
    event = load(path)
    assert set(event) >= CUSTOM_RESOURCE_KEYS
    if event["RequestType"] in ("Update", "Delete"):
        assert "PhysicalResourceId" in event
    if event["RequestType"] == "Update":
        assert "OldResourceProperties" in event
    # The response goes nowhere real: tests point ResponseURL at their own local listener.
    assert event["ResponseURL"].startswith("http://127.0.0.1:")


@pytest.mark.parametrize("path", files_of("eventbridge"), ids=_id)
def test_scheduled_event_has_what_eventbridge_sends(path: Path):
    event = load(path)
    assert set(event) >= EVENTBRIDGE_KEYS
    assert event["source"] == "aws.events"
    assert event["detail-type"] == "Scheduled Event"
