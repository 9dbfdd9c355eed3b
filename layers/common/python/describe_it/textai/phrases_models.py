"""Request, answer and model-output shapes of POST /api/phrases/extract (spec §7)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from describe_it.ai.keys import UserApiKey
from describe_it.language.frequency import Level
from describe_it.language.morphology import Article, Gender
from describe_it.language.phrases import CATEGORIES, Category
from describe_it.models import ApiModel, rule, server_rules
from describe_it.textai.fields import bounded_text, integer, integer_schema, optional, text_schema, with_null

PartOfSpeech = Literal[
    "noun", "verb", "adjective", "adverb", "phrase", "preposition", "pronoun", "conjunction", "interjection",
    "other",
]  # fmt: skip
Style = Literal["narrativo", "poetico", "academico", "conversacional", "infantil", "creativo", "tecnico"]


def _categories(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise PydanticCustomError("too_short", "Must be a non-empty list of categories")
    unknown = [c for c in value if c not in CATEGORIES]
    if unknown:
        raise PydanticCustomError(
            "literal_error", "Categories must be among {allowed}", {"allowed": ", ".join(CATEGORIES)}
        )
    return list(dict.fromkeys(value))


class PhrasesRequest(ApiModel):
    model_config = ConfigDict(
        json_schema_extra=server_rules(
            rule("descriptionText", "at least 10 characters after trimming", code="too_short")
        )
    )

    description_text: Annotated[str, BeforeValidator(bounded_text(10, 10_000)), text_schema(10, 10_000)]
    image_url: Annotated[
        str | None, BeforeValidator(optional(bounded_text(1, 2048))), text_schema(1, 2048)
    ] = None
    style: Style = "conversacional"
    target_level: Level = "intermediate"
    max_phrases: Annotated[
        int, BeforeValidator(integer(1, 25, "Must be a number between 1 and 25")), integer_schema(1, 25)
    ] = 15
    categories: Annotated[list[Category] | None, BeforeValidator(_categories)] = None
    fresh: StrictBool = False
    user_api_key: UserApiKey = None

    @model_validator(mode="before")
    @classmethod
    def _text_present(cls, data: Any) -> Any:
        return with_null(data, "descriptionText")

    @property
    def wanted(self) -> list[Category]:
        """The requested categories in the spec's order."""
        chosen = set(self.categories or CATEGORIES)
        return [c for c in CATEGORIES if c in chosen]


class Phrase(ApiModel):
    id: str
    phrase: str
    lemma: str
    translation: str | None  # None only offline, when the glossary has no entry
    definition: str | None  # None only offline (the toolkit writes no definitions)
    part_of_speech: str
    difficulty: Level
    context: str
    category: Category
    gender: Gender | None = None
    article: Article | None = None
    conjugation: str | None = None


class CategorizedPhrase(Phrase):
    sort_key: str
    saved: bool


class PhrasesMetadata(ApiModel):
    total_phrases: int
    category_counts: dict[str, int]
    target_level: Level
    style: str
    provider: str
    model: str
    cached: bool


class PhrasesResult(ApiModel):
    phrases: list[Phrase]
    categorized_phrases: dict[str, list[CategorizedPhrase]]
    metadata: PhrasesMetadata


# --- what the model writes (structured output) ------------------------------------------------------


class DraftPhrase(BaseModel):
    phrase: str
    lemma: str
    translation: str
    definition: str
    partOfSpeech: PartOfSpeech  # the wire name the model writes
    difficulty: Level
    context: str
    category: Category
    gender: Gender | None
    article: Article | None
    conjugation: str | None


class DraftPhrases(BaseModel):
    phrases: list[DraftPhrase]
