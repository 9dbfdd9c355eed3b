"""Models of /api/progress/track (spec §11.2): learning events stored in ``user_interactions``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AliasChoices,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)
from pydantic_core import PydanticCustomError

from describe_it.models import ApiModel, Timestamp, rule, server_rules
from describe_it.sessions.models import OBJECT_MAX_BYTES, JsonObject
from describe_it.vocabulary.models import Int, Text40, Text100, Text200, Url, _as_stored, _length

EventType = Literal[
    "vocabulary_learned", "vocabulary_reviewed", "vocabulary_mastered", "qa_answered", "qa_correct",
    "qa_incorrect", "phrase_learned", "phrase_reviewed", "phrase_mastered", "translation_completed",
    "description_generated", "session_started", "session_completed", "image_processed", "export_generated",
    "difficulty_adjusted", "goal_achieved",
]  # fmt: skip
EVENT_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]
Aggregation = Literal["daily", "weekly", "monthly"]
MAX_TIME_SPENT_S = 86_400  # the column holds at most a day in milliseconds


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("float_type", "Input should be a number")
    return value


Number = Annotated[float, BeforeValidator(_number)]
Unit = Annotated[Number, Field(ge=0, le=1)]
Text50 = Annotated[Text100, AfterValidator(_length(0, 50))]
ClientId = Annotated[Text200, AfterValidator(_length(1, 128))]


def _https(value: str) -> str:
    if not value.lower().startswith("https://"):
        raise PydanticCustomError("value_error", "imageUrl must be an https URL")
    return value


class EventData(ApiModel):
    """The typed members of ``eventData``; anything else belongs in ``metadata`` (unknown keys are dropped)."""

    vocabulary_id: UUID | None = None
    question_id: UUID | None = None
    phrase_id: ClientId | None = None
    image_url: Annotated[Url, AfterValidator(_https)] | None = None
    difficulty: Text50 | None = None
    category: Text100 | None = None
    score: Unit | None = None
    time_spent: Annotated[Number, Field(ge=0, le=MAX_TIME_SPENT_S)] | None = Field(
        None, description="Seconds"
    )
    attempts: Annotated[Int, Field(ge=1, le=10_000)] | None = None
    correct: StrictBool | None = None
    confidence: Unit | None = None
    mastery_level: Unit | None = None
    streak: Annotated[Int, Field(ge=0, le=100_000)] | None = None
    tags: Annotated[list[Text40], Field(max_length=20)] | None = None
    metadata: JsonObject | None = None

    def stored(self) -> dict[str, Any]:
        """What is stored and answered: the members sent, by their wire names."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def _epoch_ms(value: Any) -> Any:
    """``timestamp``: RFC 3339 with offset, or epoch milliseconds (a number or a digit string)."""
    if isinstance(value, bool):
        raise PydanticCustomError("datetime_type", "timestamp must be an RFC 3339 time or epoch milliseconds")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float):
        try:
            return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise PydanticCustomError("datetime_parsing", "timestamp is out of range") from None
    return value


class TrackRequest(ApiModel):
    # The time window is relative to the server's clock: not expressible in the schema.
    model_config = ConfigDict(
        json_schema_extra=server_rules(
            rule("timestamp", "at most 5 minutes ahead of the server's clock", code="too_large"),
            rule("timestamp", "within the last 30 days", code="too_small"),
        )
    )

    event_type: EventType = Field(validation_alias=AliasChoices("eventType", "event_type"))
    event_data: EventData | None = Field(None, validation_alias=AliasChoices("eventData", "event_data"))
    session_id: UUID | None = Field(None, validation_alias=AliasChoices("sessionId", "session_id"))
    timestamp: Annotated[dt.datetime, BeforeValidator(_epoch_ms)] | None = Field(
        None, description="RFC 3339 or epoch ms; <= now + 5 min, >= now - 30 days; default now"
    )
    client_event_id: ClientId | None = Field(
        None, validation_alias=AliasChoices("clientEventId", "client_event_id")
    )

    @model_validator(mode="after")
    def _checks(self) -> TrackRequest:
        if self.timestamp is not None and self.timestamp.tzinfo is None:
            raise PydanticCustomError("value_error", "timestamp needs a time zone offset")
        data = self.event_data.stored() if self.event_data else {}
        if len(json.dumps(_as_stored(data), ensure_ascii=False).encode()) > OBJECT_MAX_BYTES:
            raise PydanticCustomError("too_long", "eventData must be at most 8 KB")
        return self


class TrackedEvent(ApiModel):
    id: UUID
    event_type: EventType
    event_data: dict[str, Any]
    session_id: UUID | None
    occurred_at: Timestamp
    local_date: dt.date = Field(description="The day in the user's zone when the event was stored")
    stored: Literal[True] = True


class NotStored(ApiModel):
    stored: Literal[False] = False


class Bucket(ApiModel):
    period: str = Field(description='"2025-11-25", "2025-W48" (ISO week) or "2025-11"')
    start: dt.date = Field(description="The first local day of the period")
    events: int
    by_type: dict[str, int]
    average_score: float | None
    time_spent_ms: int


class BucketTotals(ApiModel):
    events: int
    by_type: dict[str, int]


class EventAggregation(ApiModel):
    aggregation: Aggregation
    time_zone: str
    buckets: list[Bucket]
    totals: BucketTotals
