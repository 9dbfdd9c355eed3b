"""Request, answer and model-output shapes of POST/GET /api/qa/generate (spec §6.1–6.2, aliases §20)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from describe_it.ai.keys import UserApiKey
from describe_it.language.questions import QuestionCategory, QuestionDifficulty, RequestedDifficulty
from describe_it.models import ApiModel, rule, server_rules
from describe_it.textai.fields import bounded_text, integer, integer_schema, text_schema, with_null

QaLanguage = Literal["es", "en"]
DESCRIPTION_REQUIRED = "Description is required and must be a string"
LANGUAGE_MESSAGE = 'Language must be "es" or "en"'
COUNT_MESSAGE = "Count must be a number between 1 and 10"
DIFFICULTY_MESSAGE = 'Difficulty must be "facil", "medio", "dificil" or "mixed"'


def _language(value: Any) -> Any:
    if value is None:
        return "es"
    if value not in ("es", "en"):
        raise PydanticCustomError("literal_error", LANGUAGE_MESSAGE)
    return value


def _difficulty(value: Any) -> Any:
    if value is None:
        return "mixed"
    if value not in ("facil", "medio", "dificil", "mixed"):
        raise PydanticCustomError("literal_error", DIFFICULTY_MESSAGE)
    return value


class QaRequest(ApiModel):
    model_config = ConfigDict(
        json_schema_extra=server_rules(
            rule("description", "long enough for `count` questions (offline mode)", code="too_short")
        )
    )

    description: Annotated[
        str, BeforeValidator(bounded_text(1, 10_000, required=DESCRIPTION_REQUIRED)), text_schema(1, 10_000)
    ] = Field(validation_alias=AliasChoices("description", "descriptionText"))
    language: Annotated[QaLanguage, BeforeValidator(_language)] = "es"
    count: Annotated[int, BeforeValidator(integer(1, 10, COUNT_MESSAGE)), integer_schema(1, 10)] = Field(
        5, validation_alias=AliasChoices("count", "questionCount")
    )
    difficulty: Annotated[RequestedDifficulty, BeforeValidator(_difficulty)] = "mixed"
    include_options: StrictBool = False
    fresh: StrictBool = False
    user_api_key: UserApiKey = None

    @model_validator(mode="before")
    @classmethod
    def _description_present(cls, data: Any) -> Any:
        return with_null(data, "description", "descriptionText")


class Question(ApiModel):
    id: str
    question: str
    answer: str
    difficulty: QuestionDifficulty
    category: QuestionCategory
    options: list[str] | None = None
    correct_index: int | None = None


class QaMetadata(ApiModel):
    count: int
    requested: int
    language: QaLanguage
    difficulty: RequestedDifficulty
    by_difficulty: dict[str, int]
    by_category: dict[str, int]
    generated_at: str
    provider: str
    model: str
    cached: bool


class QaResult(ApiModel):
    questions: list[Question]
    metadata: QaMetadata


class QaCapabilities(ApiModel):
    endpoint: str
    method: str
    description: str
    parameters: dict[str, str]
    response: dict[str, str]
    categories: list[str]
    difficulties: list[str]


# --- what the model writes (structured output) ------------------------------------------------------


class DraftQuestion(BaseModel):
    question: str
    answer: str
    difficulty: QuestionDifficulty
    category: QuestionCategory
    distractors: list[str] = Field(description="three plausible wrong answers when asked for, else empty")


class DraftQuestions(BaseModel):
    questions: list[DraftQuestion]
