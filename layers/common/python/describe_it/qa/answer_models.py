"""Request and response models of /api/qa/responses (spec §6.3).

Bounds are the spec's, checked after trimming and NFC; ``userAnswer`` is user-authored text and is
refused with markup in it (``unsafe_content``). Enum inputs ignore accents and case ("Fácil",
"gramatica"), and answer with the canonical value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AliasChoices,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from describe_it.descriptions.models import fold_enum
from describe_it.models import ApiModel, Timestamp, rule, server_rules
from describe_it.vocabulary.models import Int, text_rules

QaDifficulty = Literal["facil", "medio", "dificil"]
Category = Literal["Vocabulario", "Gramática", "Cultura", "Comprensión", "Expresión"]
Language = Literal["es", "en"]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]
_CATEGORY_BY_FOLDED = {fold_enum(c): c for c in CATEGORIES}


def _category(value: Any) -> Any:
    folded = fold_enum(value)
    return _CATEGORY_BY_FOLDED.get(folded, value) if isinstance(folded, str) else value


Question = Annotated[str, *text_rules(1, 2000, safe=False)]
CorrectAnswer = Annotated[str, *text_rules(1, 5000, safe=False)]
UserAnswer = Annotated[str, *text_rules(0, 5000)]
Option = Annotated[str, *text_rules(1, 1000, safe=False)]
Index = Annotated[Int, Field(ge=0, le=5)]
DifficultyField = Annotated[QaDifficulty, BeforeValidator(fold_enum)]
CategoryField = Annotated[Category, BeforeValidator(_category)]
LanguageField = Annotated[Language, BeforeValidator(fold_enum)]


def _alias(*names: str) -> Any:
    return AliasChoices(*names)


class AnswerRequest(ApiModel):
    """POST /api/qa/responses: one answer. One of ``userAnswer`` and ``selectedIndex`` is required."""

    model_config = ConfigDict(
        json_schema_extra=server_rules(
            rule(None, "userAnswer or selectedIndex", message="Send userAnswer or selectedIndex"),
            rule("selectedIndex", "an index into options", message="Must point into options"),
            rule("correctIndex", "an index into options", message="Must point into options"),
        )
    )

    question: Question
    correct_answer: CorrectAnswer = Field(
        validation_alias=_alias("correctAnswer", "answer", "correct_answer")
    )
    user_answer: UserAnswer | None = Field(None, validation_alias=_alias("userAnswer", "user_answer"))
    question_id: UUID | None = Field(None, validation_alias=_alias("questionId", "question_id"))
    options: Annotated[list[Option], Field(min_length=2, max_length=6)] | None = None
    selected_index: Index | None = Field(None, validation_alias=_alias("selectedIndex", "selected_index"))
    correct_index: Index | None = Field(None, validation_alias=_alias("correctIndex", "correct_index"))
    is_correct: StrictBool | None = Field(None, validation_alias=_alias("isCorrect", "is_correct"))
    difficulty: DifficultyField = "medio"
    category: CategoryField | None = None
    language: LanguageField = "es"
    response_time_ms: Annotated[Int, Field(ge=0, le=3_600_000)] | None = Field(
        None, validation_alias=_alias("responseTimeMs", "response_time_ms")
    )
    hint_used: StrictBool = Field(False, validation_alias=_alias("hintUsed", "hint_used"))
    attempts: Annotated[Int, Field(ge=1, le=1000)] = 1
    session_id: UUID | None = Field(None, validation_alias=_alias("sessionId", "session_id"))
    image_id: UUID | None = Field(None, validation_alias=_alias("imageId", "image_id"))
    description_id: UUID | None = Field(
        None, validation_alias=_alias("descriptionId", "description_id"), description="A saved description"
    )
    answered_at: datetime | None = Field(
        None,
        validation_alias=_alias("answeredAt", "answered_at"),
        description="RFC 3339 with offset; within the last 7 days, at most 60 s ahead (default now)",
    )

    @field_validator("selected_index", "correct_index")
    @classmethod
    def _into_options(cls, index: int | None, info: ValidationInfo) -> int | None:
        options = info.data.get("options")  # validated before the indexes (declared first)
        if index is not None and options is not None and index >= len(options):
            raise PydanticCustomError("less_than_equal", "Must point into options")
        return index

    @field_validator("answered_at")
    @classmethod
    def _with_offset(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise PydanticCustomError("value_error", "A timestamp needs a time zone offset")
        return value

    @model_validator(mode="after")
    def _answered(self) -> AnswerRequest:
        if self.user_answer is None and self.selected_index is None:
            raise PydanticCustomError("value_error", "Send userAnswer or selectedIndex")
        return self


class QaResponse(ApiModel):
    id: UUID
    question_id: UUID | None
    question: str
    correct_answer: str
    user_answer: str | None
    options: list[str] | None
    selected_index: int | None
    correct_index: int | None
    is_correct: bool
    similarity_score: float | None = Field(description="Token-set overlap (0–1) when the text decided")
    difficulty: QaDifficulty
    category: Category | None
    language: Language
    response_time_ms: int | None
    hint_used: bool
    attempts: int
    session_id: UUID | None
    image_id: UUID | None
    description_id: UUID | None
    answered_at: Timestamp
