"""Request and response models of /api/export* (spec §13, aliases §20).

``models.py`` beside this holds the rows the file writers take; this module holds what the routes
read and answer. Which format may hold which content (§13: csv one type, anki/quizlet vocabulary
only) is part of validating the request: a 400 on ``format``, before any tier check or row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AliasChoices,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from describe_it.export.models import ContentType, SectionName
from describe_it.models import ApiModel, Timestamp, rule, server_rules
from describe_it.vocabulary.models import Name, Text40, Text100

Format = Literal["json", "csv", "pdf", "anki", "quizlet"]
Status = Literal["pending", "processing", "completed", "failed", "expired"]
ItemLevel = Literal["beginner", "intermediate", "advanced"]
QaLevel = Literal["facil", "medio", "dificil"]
Template = Literal["minimal", "standard", "detailed"]

SECTIONS: dict[ContentType, tuple[SectionName, ...]] = {
    "vocabulary": ("vocabulary",),
    "descriptions": ("descriptions",),
    "qa": ("qa",),
    "progress": ("progress",),
    "all": ("vocabulary", "descriptions", "qa", "progress"),
}
# One difficulty filter for both scales: vocabulary and progress use the item levels, Q&A its own.
_LEVELS: dict[str, tuple[ItemLevel, QaLevel]] = {
    "beginner": ("beginner", "facil"),
    "intermediate": ("intermediate", "medio"),
    "advanced": ("advanced", "dificil"),
    "facil": ("beginner", "facil"),
    "medio": ("intermediate", "medio"),
    "dificil": ("advanced", "dificil"),
    "1": ("beginner", "facil"),
    "2": ("intermediate", "medio"),
    "3": ("advanced", "dificil"),
}


def _level(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | str):
        key = str(value).strip().lower().replace("á", "a").replace("í", "i")
        if key in _LEVELS:
            return _LEVELS[key][0] if key.isdigit() else key  # the legacy 1–3 are item levels
    raise PydanticCustomError(
        "enum", "Must be one of beginner, intermediate, advanced (or facil, medio, dificil)"
    )


def _content_type(value: Any) -> Any:
    return "vocabulary" if value == "phrases" else value  # the legacy name of §20


def _day_or_time(value: Any) -> Any:
    """RFC 3339 with an offset, or a date ``YYYY-MM-DD`` (a whole UTC day)."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return value


Level = Annotated[
    str,
    BeforeValidator(_level),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "enum": [*_LEVELS, "fácil", "difícil"]},
                {"type": "integer", "enum": [1, 2, 3]},
            ],
            "description": "Case ignored; 1–3 are the item levels",
        }
    ),
]
DayOrTime = Annotated[date | datetime, BeforeValidator(_day_or_time)]


class ExportFilters(ApiModel):
    """Each filter applies to the sections that have it (README, "Exports"); the rest ignore it."""

    model_config = ConfigDict(
        json_schema_extra=server_rules(
            rule("filters", "dateFrom before dateTo", message="dateFrom must be before dateTo")
        )
    )

    list_id: UUID | None = Field(None, description="Vocabulary and progress: one readable list")
    collection_name: Name | None = Field(None, description="Vocabulary and progress: your list of this name")
    category: Text100 | None = Field(None, description="Vocabulary item category, or Q&A category")
    difficulty: Level | None = Field(None, description="Item level, or the matching Q&A level")
    tags: Annotated[list[Text40], Field(max_length=20)] | None = Field(
        None, description="Vocabulary items and saved descriptions that carry all of these tags"
    )
    favorite_only: StrictBool | None = Field(None, description="Saved descriptions: favourites only")
    date_from: DayOrTime | None = Field(
        None,
        validation_alias=AliasChoices("dateFrom", "from"),
        description="From this time (a date: its start, UTC): created, answered or last reviewed",
    )
    date_to: DayOrTime | None = Field(
        None,
        validation_alias=AliasChoices("dateTo", "to"),
        description="Up to this time (a date: the whole day, UTC)",
    )

    @model_validator(mode="after")
    def _ordered(self) -> ExportFilters:
        start, end = self.window()
        if start is not None and end is not None and start >= end:
            raise PydanticCustomError("value_error", "dateFrom must be before dateTo")
        return self

    def window(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) in UTC: a date is the whole day, a time is itself (end inclusive)."""
        return _instant(self.date_from, end=False), _instant(self.date_to, end=True)

    def levels(self) -> tuple[ItemLevel | None, QaLevel | None]:
        if self.difficulty is None:
            return None, None
        return _LEVELS[self.difficulty]


def _instant(value: date | datetime | None, *, end: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return stamp + timedelta(microseconds=1) if end else stamp
    start = datetime.combine(value, time(), tzinfo=UTC)
    return start + timedelta(days=1) if end else start


class ExportOptions(ApiModel):
    include_progress: StrictBool = Field(
        False, description="Vocabulary rows carry your progress (JSON, CSV columns progress.*)"
    )
    include_metadata: StrictBool = Field(True, description="Stored with the export (one file layout today)")
    include_examples: StrictBool = Field(True, description="Stored with the export (one file layout today)")
    template: Template = Field("standard", description="Stored with the export (one file layout today)")
    anki_file: Literal["apkg", "text"] = Field(
        "apkg",
        description="anki: an .apkg deck (default) or the tab-separated text of Anki's File > Import",
    )


class ExportRequest(ApiModel):
    model_config = ConfigDict(
        json_schema_extra=server_rules(
            rule(
                "format",
                "csv holds one content type; anki and quizlet vocabulary only",
                code="invalid_format",
            ),
            rule("filters", "dateFrom before dateTo", message="dateFrom must be before dateTo"),
        )
    )

    # contentType first: the pairing rule is reported on ``format``, validated after it.
    content_type: Annotated[ContentType, BeforeValidator(_content_type)] = Field(
        validation_alias=AliasChoices("contentType", "content_type"),
        description="vocabulary | descriptions | qa | progress | all (legacy phrases = vocabulary)",
    )
    format: Format = Field(validation_alias=AliasChoices("format", "exportType"))
    filters: ExportFilters = Field(default_factory=ExportFilters)
    options: ExportOptions = Field(
        default_factory=ExportOptions, validation_alias=AliasChoices("options", "formatting")
    )

    @field_validator("format")
    @classmethod
    def _pairs(cls, value: Format, info: ValidationInfo) -> Format:
        """§13: json and pdf hold anything; csv one content type; anki and quizlet vocabulary only."""
        content = info.data.get("content_type")
        if value == "csv" and content == "all":
            raise PydanticCustomError(
                "value_error", "csv holds one content type: choose one, or json or pdf for all"
            )
        if value in ("anki", "quizlet") and content not in (None, "vocabulary"):
            raise PydanticCustomError("value_error", f"{value} exports hold vocabulary only")
        return value


class ExportView(ApiModel):
    """The Export object of §13."""

    id: UUID
    format: Format
    content_type: ContentType
    status: Status
    records_count: int | None
    file_size_bytes: int | None
    filename: str | None
    download_url: str | None = Field(
        None,
        description="Completed only: presigned S3 GET (15 min, new on every read) in AWS; locally the download route",
    )
    download_url_expires_at: Timestamp | None = None
    expires_at: Timestamp | None = Field(description="When the file goes (7 days after completion)")
    error_message: str | None = None
    filters: dict[str, Any]
    options: dict[str, Any]
    created_at: Timestamp
    completed_at: Timestamp | None


class ExportCreated(ExportView):
    """POST /api/export/generate: the export, and for a text file of at most 256 KB its text."""

    content: str | None = Field(None, description="The file's text (json, csv, quizlet, anki text; ≤ 256 KB)")
    mime_type: str | None = None


class ExportJob(ApiModel):
    """The export worker's event: which export, and whose (the worker reads it under that user's RLS)."""

    export_id: UUID
    user_id: UUID
