"""Models of /api/vocabulary/review (spec §10.4)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AliasChoices, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from describe_it.models import ApiModel, Timestamp, rule, server_rules
from describe_it.vocabulary.models import ItemView, Phase, ProgressView, State

RatingName = Literal["again", "hard", "good", "easy"]
RATING_NAMES: tuple[RatingName, ...] = ("again", "hard", "good", "easy")


def _rating(value: Any) -> Any:
    """``again|hard|good|easy`` or 1–4 (number or digit string) → 1–4."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Rating must be again, hard, good, easy or 1–4")
    if isinstance(value, str):
        key = value.strip().lower()
        if key in RATING_NAMES:
            return RATING_NAMES.index(key) + 1
        if key.isdigit():
            return int(key)
    return value


def _timestamp(value: Any) -> Any:
    """RFC 3339 text only: pydantic would read a number as epoch seconds, which no client means."""
    if value is not None and not isinstance(value, str):
        raise PydanticCustomError("datetime_type", "reviewedAt must be an RFC 3339 timestamp")
    return value


def _int(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be an integer")
    return value


class ReviewRequest(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            **server_rules(
                rule(
                    None, "exactly one of rating and quality", message="Send exactly one of rating or quality"
                ),
                rule("reviewedAt", "within the last 7 days and not in the future", code="too_small"),
                rule("reviewedAt", "within the last 7 days and not in the future", code="too_large"),
            ),
            "examples": [{"itemId": "3f0c1a9e-5b7d-4c2e-9a8f-1d2e3f4a5b6c", "rating": "good"}],
        }
    )

    item_id: UUID = Field(validation_alias=AliasChoices("itemId", "vocabularyItemId", "item_id"))
    rating: (
        Annotated[
            int,
            BeforeValidator(_rating),
            Field(ge=1, le=4),
            WithJsonSchema(
                {
                    "anyOf": [
                        {"type": "string", "enum": [*RATING_NAMES, "1", "2", "3", "4"]},
                        {"type": "integer", "minimum": 1, "maximum": 4},
                    ],
                    "description": "again | hard | good | easy (case ignored), or 1–4",
                }
            ),
        ]
        | None
    ) = None
    quality: Annotated[int, BeforeValidator(_int), Field(ge=0, le=5)] | None = Field(
        None, description="SM-2 quality: 0–2 again, 3 hard, 4 good, 5 easy"
    )
    reviewed_at: Annotated[datetime, BeforeValidator(_timestamp)] | None = Field(
        None, validation_alias=AliasChoices("reviewedAt", "reviewed_at")
    )
    response_time_ms: Annotated[int, BeforeValidator(_int), Field(ge=0, le=600_000)] | None = Field(
        None, validation_alias=AliasChoices("responseTimeMs", "response_time_ms")
    )
    session_id: UUID | None = Field(None, validation_alias=AliasChoices("sessionId", "session_id"))

    @model_validator(mode="after")
    def _one_grade(self) -> ReviewRequest:
        if (self.rating is None) == (self.quality is None):
            raise PydanticCustomError("value_error", "Send exactly one of rating or quality")
        if self.reviewed_at is not None and self.reviewed_at.tzinfo is None:
            raise PydanticCustomError("value_error", "reviewedAt needs a time zone offset")
        return self

    @property
    def grade(self) -> int:
        """The FSRS rating 1–4."""
        if self.rating is not None:
            return self.rating
        assert self.quality is not None
        return 1 if self.quality <= 2 else self.quality - 1


class ReviewResult(ApiModel):
    item_id: UUID
    rating: int
    rating_name: RatingName
    state: State
    learning_phase: Phase
    step: int | None
    stability: float
    difficulty: float
    due: Timestamp
    last_review: Timestamp
    scheduled_days: float
    retrievability: float | None = Field(description="Before this review; null for a new card")
    mastery: float
    reps: int
    lapses: int
    points_earned: int


class QueueEntry(ApiModel):
    item: ItemView
    progress: ProgressView | None
    is_new: bool


class ReviewQueue(ApiModel):
    items: list[QueueEntry]
    due_count: int
    overdue_count: int = Field(description="Due before the start of today in the user's time zone")
    new_available: int
    next_due_at: Timestamp | None
