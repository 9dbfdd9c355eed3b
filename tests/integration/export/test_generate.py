"""POST /api/export/generate: pairs, tier gates, idempotency, inline or worker, the history row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from describe_it.export.api import ExportJob
from tests.integration.export.conftest import WORDS, Learner, Queued, run_worker
from tests.support.lambda_invoke import load_function

CONTENT_TYPES = ("vocabulary", "descriptions", "qa", "progress", "all")
ALLOWED = {
    "json": set(CONTENT_TYPES),
    "pdf": set(CONTENT_TYPES),
    "csv": set(CONTENT_TYPES) - {"all"},
    "anki": {"vocabulary"},
    "quizlet": {"vocabulary"},
}


def history_rows(admin_sql: Callable[..., Any], learner: Learner) -> list[tuple[Any, ...]]:
    return admin_sql(
        "SELECT format::text, content_type::text, status::text FROM export_history WHERE user_id = %s",
        [learner.id],
    )


@pytest.mark.parametrize("fmt", sorted(ALLOWED))
def test_formats_hold_the_content_types_of_the_spec_and_refuse_the_rest(
    ana: Learner, admin_sql: Callable[..., Any], fmt: str
) -> None:
    for content in CONTENT_TYPES:
        reply = ana.export({"format": fmt, "contentType": content})
        if content in ALLOWED[fmt]:
            assert reply.status == 201, (fmt, content, reply)
            assert reply.data["status"] == "completed"
        else:
            assert reply.status == 400, (fmt, content, reply)
            assert reply.json["code"] == "VALIDATION_ERROR"
            assert reply.json["details"][0]["field"] == "format"
    # Only the accepted requests are exports: each wrote its history row, the refused ones none.
    assert sorted(row[1] for row in history_rows(admin_sql, ana)) == sorted(ALLOWED[fmt])


def test_legacy_names_are_accepted(ana: Learner) -> None:
    reply = ana.export(
        {"exportType": "json", "contentType": "phrases", "formatting": {"includeProgress": True}}
    )

    assert reply.status == 201, reply
    assert reply.data["format"] == "json"
    assert reply.data["contentType"] == "vocabulary"
    assert reply.data["options"]["includeProgress"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contentType": "vocabulary"}, "format"),
        ({"format": "xlsx", "contentType": "vocabulary"}, "format"),
        ({"format": "json"}, "contentType"),
        ({"format": "json", "contentType": "vocabulary", "filters": {"listId": "nope"}}, "filters.listId"),
        (
            {"format": "json", "contentType": "vocabulary", "filters": {"difficulty": "hard-ish"}},
            "filters.difficulty",
        ),
        (
            {
                "format": "json",
                "contentType": "qa",
                "filters": {"dateFrom": "2026-03-05", "dateTo": "2026-03-01"},
            },
            "filters",
        ),
        ({"format": "json", "contentType": "qa", "filters": {"tags": ["<script>x"]}}, "filters.tags[0]"),
        ({"format": "json", "contentType": "qa", "options": {"template": "fancy"}}, "options.template"),
        (
            {"format": "json", "contentType": "qa", "options": {"includeProgress": "yes"}},
            "options.includeProgress",
        ),
    ],
)
def test_invalid_requests_are_400_on_the_field_and_write_nothing(
    ana: Learner, admin_sql: Callable[..., Any], body: dict[str, Any], field: str
) -> None:
    reply = ana.export(body)

    assert reply.status == 400, reply
    assert reply.json["details"][0]["field"] == field
    assert history_rows(admin_sql, ana) == []


@pytest.mark.parametrize("fmt", ["pdf", "anki", "quizlet"])
def test_pdf_anki_and_quizlet_need_the_basic_tier_before_any_row_is_read(
    make_learner: Callable[..., Learner], admin_sql: Callable[..., Any], fmt: str
) -> None:
    free = make_learner("fran")
    free.save(free.new_list(), *WORDS)

    reply = free.export({"format": fmt, "contentType": "vocabulary"})

    assert reply.status == 403, reply
    assert reply.json["code"] == "FEATURE_REQUIRED"
    assert reply.json["details"] == [
        {
            "field": "format",
            "message": "Requires the basic tier",
            "code": "tier",
            "requiredTier": "basic",
            "currentTier": "free",
        }
    ]
    assert history_rows(admin_sql, free) == []
    # Validation comes first (spec §1.4): an invalid request is a 400 even for a format the tier lacks.
    assert free.export({"format": fmt, "contentType": "songs"}).status == 400
    assert free.export({"format": "csv", "contentType": "vocabulary"}).status == 201
    assert free.export({"format": "json", "contentType": "all"}).status == 201


def test_a_refused_tier_claims_no_idempotency_key(
    make_learner: Callable[..., Learner], admin_sql: Callable[..., Any]
) -> None:
    """The tier gate runs before the idempotency record (step 8 before 9): after an upgrade the same
    key runs the export instead of replaying the 403."""
    from tests.support.api import signin

    free = make_learner("fran")
    body = {"format": "pdf", "contentType": "vocabulary"}
    headers = {"Idempotency-Key": "export-key-0001"}
    assert free.export(body, headers=headers).status == 403

    admin_sql("UPDATE users SET tier = 'basic' WHERE id = %s", [free.id])
    free.token = signin(free.email, source_ip="198.51.100.200").data["session"]["access_token"]
    first = free.export(body, headers=headers)
    replay = free.export(body, headers=headers)

    assert first.status == 201, first
    assert "idempotent-replayed" not in first.headers
    assert replay.status == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.data["id"] == first.data["id"]
    assert replay.data["downloadUrl"] == first.data["downloadUrl"]  # given again, never stored
    assert len(history_rows(admin_sql, free)) == 1


def test_small_exports_run_inline_and_larger_ones_in_the_worker(
    ana: Learner, queued: Queued, low_threshold: None, admin_sql: Callable[..., Any]
) -> None:
    list_id = ana.new_list()
    ana.save(list_id, *WORDS[:3])

    inline = ana.export({"format": "csv", "contentType": "vocabulary"})
    assert inline.status == 201, inline
    assert inline.headers["location"] == f"/api/export/{inline.data['id']}"
    assert inline.data["status"] == "completed"
    assert inline.data["recordsCount"] == 3
    assert queued.jobs == []

    pdf = ana.export({"format": "pdf", "contentType": "vocabulary"})  # PDF: inline up to 2 rows here
    assert pdf.status == 202, pdf
    ana.save(list_id, WORDS[3])
    csv = ana.export({"format": "csv", "contentType": "vocabulary"})
    assert csv.status == 202, csv
    for reply in (pdf, csv):
        assert reply.headers["location"] == f"/api/export/{reply.data['id']}"
        assert reply.data["status"] == "pending"
        assert reply.data["downloadUrl"] is None and reply.data["content"] is None
    assert queued.jobs == [
        ExportJob(export_id=pdf.data["id"], user_id=ana.id),
        ExportJob(export_id=csv.data["id"], user_id=ana.id),
    ]

    for event in queued.events():
        assert run_worker(event)["outcome"] == "completed"
    done = ana.call("GET", f"/api/export/{csv.data['id']}")
    assert done.data["status"] == "completed"
    assert done.data["recordsCount"] == 4
    assert ana.call("GET", done.data["downloadUrl"]).status == 200
    assert sorted(row[2] for row in history_rows(admin_sql, ana)) == ["completed"] * 3


def test_the_count_spans_every_section_of_all(
    ana: Learner, queued: Queued, low_threshold: None, admin_sql: Callable[..., Any]
) -> None:
    from tests.integration.export.conftest import seed_answers, seed_descriptions

    ana.save(ana.new_list(), *WORDS[:2])
    seed_descriptions(admin_sql, ana.id, 1)
    assert ana.export({"format": "json", "contentType": "all"}).status == 201  # 3 rows
    seed_answers(admin_sql, ana.id, 1)
    assert ana.export({"format": "json", "contentType": "all"}).status == 202  # 4 rows


def test_a_worker_that_cannot_be_started_fails_the_export_and_answers_503(
    ana: Learner, low_threshold: None, admin_sql: Callable[..., Any]
) -> None:
    from describe_it.export.service import ExportService, get_export_service

    def unreachable(job: ExportJob) -> None:
        raise ConnectionError("lambda endpoint unreachable")

    ana.save(ana.new_list(), *WORDS)
    app = load_function("export_generate").app
    app.dependency_overrides[get_export_service] = lambda: ExportService(dispatch=unreachable)
    try:
        reply = ana.export({"format": "json", "contentType": "vocabulary"})
    finally:
        app.dependency_overrides.pop(get_export_service, None)

    assert reply.status == 503, reply
    assert reply.headers["retry-after"] == "5"
    assert history_rows(admin_sql, ana) == [("json", "vocabulary", "failed")]
    (listed,) = ana.call("GET", "/api/export").data
    assert listed["errorMessage"] == "The export could not be started; please try again"


def test_a_list_the_learner_cannot_read_is_404(
    ana: Learner, ben: Learner, admin_sql: Callable[..., Any]
) -> None:
    private = ben.new_list("Secreta")
    ben.save(private, WORDS[0])
    public = ben.new_list("Pública", isPublic=True)
    ben.save(public, WORDS[1])

    refused = ana.export({"format": "json", "contentType": "vocabulary", "filters": {"listId": private}})
    shared = ana.export({"format": "json", "contentType": "vocabulary", "filters": {"listId": public}})
    mine = ana.export({"format": "json", "contentType": "vocabulary"})

    assert refused.status == 404, refused
    assert shared.status == 201 and shared.data["recordsCount"] == 1  # a public list can be exported
    assert mine.data["recordsCount"] == 0  # without a list: only my own lists
    assert len(history_rows(admin_sql, ana)) == 2


def test_exports_are_limited_per_hour_by_the_export_class(ana: Learner) -> None:
    body = {"format": "json", "contentType": "qa"}
    answers = [ana.export(body) for _ in range(31)]  # basic: 30 per hour

    assert [reply.status for reply in answers[:30]] == [201] * 30
    assert answers[30].status == 429
    assert answers[30].json["details"][0]["code"] == "export"
