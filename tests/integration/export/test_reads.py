"""GET /api/export, /api/export/{id} and /api/export/{id}/download: ownership, history, states, links."""

from __future__ import annotations

import urllib.request
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest

from describe_it.export.history import ExportHistory, get_export_history
from tests.integration.export.conftest import WORDS, Learner, Queued, run_worker
from tests.support.lambda_invoke import load_function

READ_FUNCTIONS = ("export_list", "export_item", "export_download")


def done(learner: Learner, body: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = learner.export(body or {"format": "csv", "contentType": "vocabulary"})
    assert reply.status == 201, reply
    return reply.data  # type: ignore[no-any-return]


@pytest.fixture
def presigned() -> Iterator[None]:
    """The read routes as in AWS: presigned S3 links (against the local stack's S3)."""
    for name in READ_FUNCTIONS:
        load_function(name).app.dependency_overrides[get_export_history] = lambda: ExportHistory(presign=True)
    yield
    for name in READ_FUNCTIONS:
        load_function(name).app.dependency_overrides.pop(get_export_history, None)


def test_another_learners_export_is_404_on_every_route(ana: Learner, ben: Learner) -> None:
    ana.save(ana.new_list(), *WORDS)
    mine = done(ana)
    theirs = done(ben)

    for path in (f"/api/export/{theirs['id']}", f"/api/export/{theirs['id']}/download"):
        reply = ana.call("GET", path)
        assert reply.status == 404, (path, reply)
        assert reply.json["code"] == "NOT_FOUND"
    assert [entry["id"] for entry in ana.call("GET", "/api/export").data] == [mine["id"]]
    for path in (f"/api/export/{uuid4()}", "/api/export/not-a-uuid", "/api/export/not-a-uuid/download"):
        assert ana.call("GET", path).status == 404, path
    assert ben.call("GET", f"/api/export/{theirs['id']}").status == 200


@pytest.mark.usefixtures("clean")
def test_the_routes_need_a_token() -> None:
    from tests.support.api import call

    for method, path in (
        ("POST", "/api/export/generate"),
        ("GET", "/api/export"),
        ("GET", f"/api/export/{uuid4()}"),
        ("GET", f"/api/export/{uuid4()}/download"),
    ):
        reply = call(method, path, {"format": "json", "contentType": "qa"} if method == "POST" else None)
        assert reply.status == 401, (path, reply)


def test_history_is_newest_first_with_filters_and_keyset_pages(ana: Learner) -> None:
    made = [done(ana, {"format": fmt, "contentType": "qa"}) for fmt in ("json", "csv", "json", "pdf", "json")]

    first = ana.call("GET", "/api/export", query="limit=2")
    assert [entry["id"] for entry in first.data] == [made[4]["id"], made[3]["id"]]
    assert first.json["pagination"]["total"] == 5
    assert first.json["pagination"]["hasMore"] is True
    cursor = first.json["pagination"]["nextCursor"]
    second = ana.call("GET", "/api/export", query=f"limit=2&cursor={cursor}")
    assert [entry["id"] for entry in second.data] == [made[2]["id"], made[1]["id"]]
    last = ana.call("GET", "/api/export", query="limit=2&offset=4")
    assert [entry["id"] for entry in last.data] == [made[0]["id"]]
    assert last.json["pagination"]["hasMore"] is False

    json_only = ana.call("GET", "/api/export", query="format=json&status=completed")
    assert [entry["id"] for entry in json_only.data] == [made[4]["id"], made[2]["id"], made[0]["id"]]
    assert json_only.json["pagination"]["total"] == 3
    assert ana.call("GET", "/api/export", query="status=failed").data == []
    for query in ("status=done", "format=xlsx", f"cursor={cursor}&offset=1", "cursor=forged"):
        assert ana.call("GET", "/api/export", query=query).status == 400, query


def test_download_is_409_until_the_export_is_completed(
    ana: Learner, queued: Queued, low_threshold: None, admin_sql: Callable[..., Any]
) -> None:
    ana.save(ana.new_list(), *WORDS)
    export_id = ana.export({"format": "csv", "contentType": "vocabulary"}).data["id"]
    download = f"/api/export/{export_id}/download"

    pending = ana.call("GET", download)
    assert pending.status == 409, pending
    assert pending.json["error"] == "The export is pending, not completed"
    admin_sql(
        "UPDATE export_history SET status = 'processing', started_at = now() WHERE id = %s", [export_id]
    )
    assert ana.call("GET", download).status == 409
    admin_sql("UPDATE export_history SET status = 'pending', started_at = NULL WHERE id = %s", [export_id])

    (event,) = queued.events()
    assert run_worker(event)["outcome"] == "completed"
    assert ana.call("GET", download).status == 200


def test_a_file_past_its_seven_days_is_expired_and_404(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    export = done(ana)
    completed_at = datetime.fromisoformat(export["completedAt"])
    assert datetime.fromisoformat(export["expiresAt"]) == completed_at + timedelta(days=7)
    admin_sql(
        "UPDATE export_history SET expires_at = now() - interval '1 second' WHERE id = %s", [export["id"]]
    )

    read = ana.call("GET", f"/api/export/{export['id']}").data
    download = ana.call("GET", f"/api/export/{export['id']}/download")

    assert read["status"] == "expired"
    assert read["downloadUrl"] is None
    assert download.status == 404
    assert download.json["error"] == "This export has expired"
    assert [entry["id"] for entry in ana.call("GET", "/api/export", query="status=expired").data] == [
        export["id"]
    ]


@pytest.mark.usefixtures("presigned")
def test_in_aws_every_read_gives_a_fresh_presigned_link_of_15_minutes(ana: Learner) -> None:
    ana.save(ana.new_list(), *WORDS)
    export = done(ana)
    before = datetime.now(UTC)

    read = ana.call("GET", f"/api/export/{export['id']}").data
    listed = ana.call("GET", "/api/export").data[0]
    redirect = ana.call("GET", f"/api/export/{export['id']}/download")

    url = urlsplit(read["downloadUrl"])
    query = parse_qs(url.query)
    assert url.path.endswith(f"/exports/{ana.id}/{export['id']}/{export['filename']}")
    assert query["X-Amz-Expires"] == ["900"]
    assert "X-Amz-Signature" in query
    expires = datetime.fromisoformat(read["downloadUrlExpiresAt"])
    assert before + timedelta(minutes=15) <= expires <= datetime.now(UTC) + timedelta(minutes=15)
    assert urlsplit(listed["downloadUrl"]).path == url.path
    assert redirect.status == 302
    assert urlsplit(redirect.headers["location"]).path == url.path
    with urllib.request.urlopen(read["downloadUrl"], timeout=30) as answer:  # the stack's S3 serves it
        assert answer.headers["Content-Disposition"] == f'attachment; filename="{export["filename"]}"'
        assert answer.read() == export["content"].encode()


@pytest.mark.usefixtures("presigned")
def test_a_link_never_outlives_the_file(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    export = done(ana)
    admin_sql(
        "UPDATE export_history SET expires_at = now() + interval '5 minutes' WHERE id = %s", [export["id"]]
    )

    read = ana.call("GET", f"/api/export/{export['id']}").data

    assert 295 <= int(parse_qs(urlsplit(read["downloadUrl"]).query)["X-Amz-Expires"][0]) <= 300


def test_a_presigned_link_is_never_stored_with_the_idempotent_answer(
    ana: Learner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from describe_it.aws import client, state_table_name
    from describe_it.export.service import ExportService, get_export_service

    generate = load_function("export_generate")
    monkeypatch.setattr(generate, "get_export_history", lambda: ExportHistory(presign=True))
    monkeypatch.setitem(
        generate.app.dependency_overrides,
        get_export_service,
        lambda: ExportService(history=ExportHistory(presign=True)),
    )
    headers = {"Idempotency-Key": "export-link-0001"}
    first = ana.export({"format": "json", "contentType": "qa"}, headers=headers)
    replay = ana.export({"format": "json", "contentType": "qa"}, headers=headers)

    assert "X-Amz-Signature" in first.data["downloadUrl"]
    assert replay.headers["idempotent-replayed"] == "true"
    assert "X-Amz-Signature" in replay.data["downloadUrl"]
    assert replay.data["downloadUrlExpiresAt"] is not None
    (record,) = [
        item
        for item in client("dynamodb").scan(TableName=state_table_name())["Items"]
        if item["pk"]["S"].startswith("idem#")
    ]
    stored = zlib.decompress(record["body"]["B"]).decode()
    assert first.data["id"] in stored
    assert "downloadUrl" not in stored and "X-Amz" not in stored
