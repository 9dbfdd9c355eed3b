"""Models of /api/sessions and /api/sessions/{id} (spec §11.6, aliases §20)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, AliasChoices, BeforeValidator, Field, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from describe_it.models import ApiModel, Timestamp
from describe_it.vocabulary.models import Int, _as_stored

SessionType = Literal["description", "qa", "vocabulary", "review", "mixed"]
Status = Literal["active", "completed", "abandoned"]
DeviceType = Literal["desktop", "mobile", "tablet", "unknown"]
SESSION_TYPES: tuple[str, ...] = SessionType.__args__  # type: ignore[attr-defined]
LEGACY_TYPES = {
    "practice": "mixed",
    "flashcards": "review",
    "quiz": "qa",
    "matching": "vocabulary",
    "writing": "description",
}
OBJECT_MAX_BYTES = 8000  # the columns allow 8192 bytes of jsonb text; a margin for its spacing


def session_type(value: Any) -> Any:
    """The five types, case-insensitive, and the old frontend's names (practice → mixed, …)."""
    if not isinstance(value, str):
        return value
    key = value.strip().lower()
    return LEGACY_TYPES.get(key, key)


def _object_size(value: dict[str, Any]) -> dict[str, Any]:
    # measured as jsonb writes it back (numbers in full, ", " and ": " separators)
    if len(json.dumps(_as_stored(value), ensure_ascii=False).encode()) > OBJECT_MAX_BYTES:
        raise PydanticCustomError("too_long", "Must be at most 8 KB")
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(_object_size)]
SessionTypeField = Annotated[SessionType, BeforeValidator(session_type)]


def _aware(value: datetime | None, field: str) -> None:
    if value is not None and value.tzinfo is None:
        raise PydanticCustomError("value_error", f"{field} needs a time zone offset")


class SessionCreate(ApiModel):
    session_type: SessionTypeField = Field(validation_alias=AliasChoices("sessionType", "session_type"))
    device_type: DeviceType | None = Field(None, validation_alias=AliasChoices("deviceType", "device_type"))
    started_at: datetime | None = Field(
        None, validation_alias=AliasChoices("startedAt", "started_at"), description="<= now, >= now - 24 h"
    )
    metadata: JsonObject | None = Field(None, validation_alias=AliasChoices("metadata", "session_metadata"))

    @model_validator(mode="after")
    def _offset(self) -> SessionCreate:
        _aware(self.started_at, "startedAt")
        return self


class SessionPatch(ApiModel):
    status: Literal["completed", "abandoned"] | None = None
    ended: StrictBool | None = Field(None, description="true = status completed (legacy)")
    ended_at: datetime | None = Field(
        None, validation_alias=AliasChoices("endedAt", "ended_at"), description=">= startedAt, <= now"
    )
    phrases_saved: Annotated[Int, Field(ge=0, le=1_000_000)] | None = Field(
        None, validation_alias=AliasChoices("phrasesSaved", "phrases_saved"), description="The client's count"
    )
    metadata: JsonObject | None = Field(
        None,
        validation_alias=AliasChoices("metadata", "session_metadata"),
        description="Merged into the stored metadata (top-level keys replace)",
    )

    @model_validator(mode="after")
    def _offset(self) -> SessionPatch:
        _aware(self.ended_at, "endedAt")
        return self

    @property
    def ending(self) -> str | None:
        """The status this patch ends the session with (``status`` wins over ``ended``)."""
        if self.status is not None:
            return self.status
        return "completed" if self.ended else None


class SessionView(ApiModel):
    id: UUID
    session_type: SessionType
    status: Status
    started_at: Timestamp
    ended_at: Timestamp | None
    duration_seconds: int | None
    last_activity_at: Timestamp
    images_processed: int
    descriptions_generated: int
    qa_attempts: int
    qa_correct: int
    reviews_count: int
    reviews_correct: int
    vocabulary_learned: int
    phrases_saved: int
    accuracy: float | None = Field(
        description="(reviewsCorrect + qaCorrect) / (reviewsCount + qaAttempts), %"
    )
    device_type: DeviceType | None
    metadata: dict[str, Any]
    created_at: Timestamp
    updated_at: Timestamp
