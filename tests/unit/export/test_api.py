"""The export request model: the format/content pairs of spec §13, the legacy names of §20, filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from pydantic import ValidationError

from describe_it.export.api import ExportFilters, ExportOptions, ExportRequest
from describe_it.export.files import kind_for

CONTENT = ("vocabulary", "descriptions", "qa", "progress", "all")


def errors(body: dict[str, object]) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        ExportRequest.model_validate(body)
    return [(error["loc"], error["msg"]) for error in caught.value.errors()]


@pytest.mark.parametrize("content", CONTENT)
def test_json_and_pdf_hold_anything(content: str) -> None:
    for fmt in ("json", "pdf"):
        assert ExportRequest.model_validate({"format": fmt, "contentType": content}).content_type == content


def test_csv_holds_one_content_type() -> None:
    for content in CONTENT[:-1]:
        ExportRequest.model_validate({"format": "csv", "contentType": content})
    assert errors({"format": "csv", "contentType": "all"}) == [
        (("format",), "csv holds one content type: choose one, or json or pdf for all")
    ]


@pytest.mark.parametrize("fmt", ["anki", "quizlet"])
def test_anki_and_quizlet_hold_vocabulary_only(fmt: str) -> None:
    ExportRequest.model_validate({"format": fmt, "contentType": "vocabulary"})
    for content in CONTENT[1:]:
        assert errors({"format": fmt, "contentType": content}) == [
            (("format",), f"{fmt} exports hold vocabulary only")
        ]


def test_the_legacy_names_of_the_old_frontend() -> None:
    request = ExportRequest.model_validate(
        {
            "exportType": "anki",
            "contentType": "phrases",
            "formatting": {"includeProgress": True, "ankiFile": "text"},
        }
    )
    assert (request.format, request.content_type) == ("anki", "vocabulary")
    assert request.options.include_progress is True
    assert kind_for(request.format, request.options.anki_file) == "anki-text"
    # The canonical name wins over its alias.
    assert (
        ExportRequest.model_validate({"format": "csv", "exportType": "pdf", "contentType": "qa"}).format
        == "csv"
    )
    # The pair is reported under the name the client sent.
    assert errors({"exportType": "csv", "contentType": "all"})[0][0] == ("exportType",)


def test_difficulty_is_one_filter_for_both_scales() -> None:
    for given, levels in [
        ("beginner", ("beginner", "facil")),
        ("Fácil", ("beginner", "facil")),
        ("medio", ("intermediate", "medio")),
        (3, ("advanced", "dificil")),
        ("2", ("intermediate", "medio")),
    ]:
        assert ExportFilters.model_validate({"difficulty": given}).levels() == levels, given
    for wrong in ("hard", 4, True, 1.5):
        with pytest.raises(ValidationError):
            ExportFilters.model_validate({"difficulty": wrong})


def test_dates_are_whole_utc_days_and_times_are_inclusive() -> None:
    days = ExportFilters.model_validate({"dateFrom": "2026-03-02", "to": "2026-03-03"})
    assert days.window() == (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC))
    moment = datetime(2026, 3, 3, 12, 30, tzinfo=timezone(timedelta(hours=1)))
    times = ExportFilters.model_validate({"dateTo": moment.isoformat()})
    assert times.window() == (None, moment + timedelta(microseconds=1))
    # A day up to itself is fine (the whole day); backwards is not.
    ExportFilters.model_validate({"from": "2026-03-03T00:00:00Z", "to": "2026-03-03"})
    with pytest.raises(ValidationError):
        ExportFilters.model_validate({"dateFrom": "2026-03-03", "dateTo": "2026-03-02"})
    with pytest.raises(ValidationError):
        ExportFilters.model_validate({"dateFrom": "yesterday"})


def test_stored_filters_and_options_read_back_as_they_were_sent() -> None:
    """The worker runs an export from its history row: what was stored must mean the same."""
    filters = ExportFilters.model_validate(
        {
            "listId": str(uuid4()),
            "collectionName": "Mi lista",
            "category": "tiempo",
            "difficulty": "medio",
            "tags": ["día a día"],
            "favoriteOnly": True,
            "dateFrom": "2026-01-01",
            "dateTo": "2026-03-03T10:00:00+01:00",
        }
    )
    stored = filters.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert set(stored) == {
        "listId",
        "collectionName",
        "category",
        "difficulty",
        "tags",
        "favoriteOnly",
        "dateFrom",
        "dateTo",
    }
    again = ExportFilters.model_validate(stored)
    assert again == filters
    assert again.window() == filters.window()
    assert isinstance(again.date_from, date) and not isinstance(again.date_from, datetime)
    options = ExportOptions(include_progress=True, template="detailed")
    assert ExportOptions.model_validate(options.model_dump(mode="json", by_alias=True)) == options
    assert ExportFilters().model_dump(mode="json", by_alias=True, exclude_none=True) == {}
