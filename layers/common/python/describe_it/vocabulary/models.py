"""Request and response models of /api/vocabulary/* (spec §10, aliases §20).

Every field is bounded here, after trimming and NFC (so a blank name is "too short", never a database
error); the database CHECKs of schema.md §5 are the backstop.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args
from uuid import UUID

from pydantic import (
    AfterValidator,
    AliasChoices,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from describe_it.models import (
    NONBLANK_PATTERN,
    TEXT_PATTERN,
    UNSAFE_NOTE,
    ApiModel,
    Schema,
    Timestamp,
    clean_text,
    reject_unsafe,
    rule,
    server_rules,
)

Category = Literal["basic", "intermediate", "advanced", "custom", "thematic"]
Difficulty = Literal["beginner", "intermediate", "advanced"]
PartOfSpeech = Literal[
    "noun", "verb", "adjective", "adverb", "preposition", "article", "pronoun", "conjunction",
    "interjection", "phrase", "other",
]  # fmt: skip
Gender = Literal["masculino", "femenino", "neutro"]
Article = Literal["el", "la", "los", "las", "un", "una", "unos", "unas", "lo"]
State = Literal["learning", "review", "relearning"]
Phase = Literal["new", "learning", "review", "mastered"]
QueryBool = Literal["true", "false", "1", "0"]
METADATA_MAX_BYTES = 4000  # the column allows 4096 bytes of jsonb text; JSON spacing differs slightly
IGNORED_METADATA = ("masteryLevel", "reviewCount")  # progress comes only from reviews (spec §10.2)


def is_true(value: QueryBool | None) -> bool:
    return value in ("true", "1")


# --- text --------------------------------------------------------------------------------------------


def _strict_str(value: Any) -> Any:
    if value is not None and not isinstance(value, str):
        raise PydanticCustomError("string_type", "Must be a string")
    return value


def _length(low: int, high: int) -> Callable[[str], str]:
    """Bounds measured after trimming, so "   " is too short rather than an empty string stored."""

    def check(value: str) -> str:
        if len(value) < low:
            raise PydanticCustomError("string_too_short", "Must have at least {min} characters", {"min": low})
        if len(value) > high:
            raise PydanticCustomError("string_too_long", "Must have at most {max} characters", {"max": high})
        return value

    return check


def _documented(low: int, high: int, *, safe: bool = True) -> Schema:
    """The same bounds in the OpenAPI document (there measured on the raw string)."""
    extra: dict[str, Any] = {"pattern": NONBLANK_PATTERN if low else TEXT_PATTERN, "maxLength": high}
    if safe:
        extra["description"] = f"{low}–{high} characters after trimming. {UNSAFE_NOTE}"
    return Schema(extra)


def _safe(value: str) -> str:
    try:
        return reject_unsafe(value)
    except ValueError:
        raise PydanticCustomError("value_error", "unsafe_content") from None


def text_rules(low: int, high: int, *, safe: bool = True) -> tuple[Any, ...]:
    """The metadata of a text field, ``Annotated[str, *text_rules(1, 100)]``: a string (never a number),
    cleaned and trimmed, ``low``–``high`` characters after trimming, free of markup and script unless
    ``safe=False`` (URLs, names, the model's own texts), and the same bounds in the OpenAPI document."""
    checks: tuple[Any, ...] = (
        BeforeValidator(_strict_str),
        AfterValidator(clean_text),
        AfterValidator(_length(low, high)),
    )
    if safe:
        checks += (AfterValidator(_safe),)
    return (*checks, _documented(low, high, safe=safe))


Name = Annotated[str, *text_rules(1, 100)]
Text500 = Annotated[str, *text_rules(1, 500)]
Text40 = Annotated[str, *text_rules(1, 40)]
Text100 = Annotated[str, *text_rules(0, 100)]
Text200 = Annotated[str, *text_rules(0, 200)]
Text300 = Annotated[str, *text_rules(0, 300)]
Text1000 = Annotated[str, *text_rules(0, 1000)]
Text2000 = Annotated[str, *text_rules(0, 2000)]
Url = Annotated[str, *text_rules(1, 2048, safe=False)]
Username = Annotated[str, *text_rules(1, 30, safe=False)]


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be an integer")
    return value


Int = Annotated[int, BeforeValidator(_no_bool)]


# --- enums with the legacy inputs of §10.2/§20 -----------------------------------------------------------

_POS = {
    "sustantivo": "noun", "nombre": "noun", "verbo": "verb", "adjetivo": "adjective", "adverbio": "adverb",
    "preposición": "preposition", "preposicion": "preposition", "artículo": "article", "articulo": "article",
    "pronombre": "pronoun", "conjunción": "conjunction", "conjuncion": "conjunction",
    "interjección": "interjection", "interjeccion": "interjection", "frase": "phrase", "expresión": "phrase",
    "expresion": "phrase", "expression": "phrase", "adj": "adjective", "adv": "adverb", "n": "noun", "v": "verb",
}  # fmt: skip
_POS_VALUES = set(get_args(PartOfSpeech))


def _part_of_speech(value: Any) -> Any:
    """Enum values, Spanish names and free text; anything unknown is ``other`` (spec §10.2)."""
    if not isinstance(value, str):
        return value
    key = clean_text(value).lower()[:50]
    if key in _POS_VALUES:
        return key
    return _POS.get(key, "other")


_DIFFICULTY = {1: "beginner", 2: "intermediate", 3: "advanced"}


def _difficulty(value: Any) -> Any:
    """``beginner|intermediate|advanced`` or the legacy 1–3 (number or digit string)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in _DIFFICULTY:
        return _DIFFICULTY[value]
    if isinstance(value, str):
        key = value.strip().lower()
        if key.isdigit() and int(key) in _DIFFICULTY:
            return _DIFFICULTY[int(key)]
        return key
    return value


_GENDER = {"m": "masculino", "masculine": "masculino", "f": "femenino", "feminine": "femenino",
           "n": "neutro", "neuter": "neutro"}  # fmt: skip


def _gender(value: Any) -> Any:
    if isinstance(value, str):
        key = value.strip().lower()
        return _GENDER.get(key, key)
    return value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _category(value: Any) -> Any:
    key = _lower(value)
    return "custom" if key == "general" else key


# What the document states for the legacy-tolerant fields is what the validators accept, so a value
# the schema forbids is one the server refuses (and the other way round).
PosField = Annotated[
    PartOfSpeech,
    BeforeValidator(_part_of_speech),
    WithJsonSchema(
        {
            "type": "string",
            "examples": sorted(_POS_VALUES),
            "description": "noun, verb, adjective, … or a Spanish name (sustantivo, verbo …); anything else is stored as `other`",
        }
    ),
]
DifficultyField = Annotated[
    Difficulty,
    BeforeValidator(_difficulty),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "enum": ["beginner", "intermediate", "advanced", "1", "2", "3"]},
                {"type": "integer", "minimum": 1, "maximum": 3},
            ],
            "description": "beginner | intermediate | advanced (case ignored), or the legacy 1–3",
        }
    ),
]
GenderField = Annotated[
    Gender,
    BeforeValidator(_gender),
    WithJsonSchema({"type": "string", "enum": [*get_args(Gender), *_GENDER], "description": "Case ignored"}),
]
ArticleField = Annotated[
    Article,
    BeforeValidator(_lower),
    WithJsonSchema({"type": "string", "enum": list(get_args(Article)), "description": "Case ignored"}),
]
CategoryField = Annotated[
    Category,
    BeforeValidator(_category),
    WithJsonSchema(
        {
            "type": "string",
            "enum": [*get_args(Category), "general"],
            "description": "Case ignored; `general` is stored as `custom`",
        }
    ),
]


def _metadata(value: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in value.items() if k not in IGNORED_METADATA}
    if not _finite(kept):
        raise PydanticCustomError("value_error", "Numbers must be finite")
    if len(json.dumps(_as_stored(kept), ensure_ascii=False).encode()) > METADATA_MAX_BYTES:
        raise PydanticCustomError("too_long", "Metadata must be at most 4 KB")
    return kept


def _as_stored(value: Any) -> Any:
    """Numbers as jsonb writes them back (1e300 becomes 301 digits), so the size check is the column's."""
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dict):
        return {k: _as_stored(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_stored(v) for v in value]
    return value


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


Metadata = Annotated[dict[str, Any], AfterValidator(_metadata)]


def _alias(*names: str) -> Any:
    """The canonical name first: when a field and its alias are both sent, the canonical one wins."""
    return AliasChoices(*names)


# --- lists -------------------------------------------------------------------------------------------


class ListWrite(ApiModel):
    """POST /api/vocabulary/lists; PATCH takes the same fields, each optional."""

    model_config = ConfigDict(
        json_schema_extra={
            **server_rules(
                rule("sharedWith[*]", "usernames of existing learners", code="not_found"),
                rule("sharedWith[*]", "not your own username", code="invalid"),
            ),
            "examples": [
                {"name": "Comida", "description": "En la cocina", "tags": ["A1"], "isPublic": False}
            ],
        }
    )

    name: Name | None = None
    description: Text1000 | None = None
    category: CategoryField | None = None
    difficulty_level: Annotated[Int, Field(ge=1, le=10)] | None = Field(
        None, validation_alias=_alias("difficultyLevel", "difficulty_level")
    )
    language_pair: Annotated[str, Field(pattern=r"^[a-z]{2}-[a-z]{2}$")] | None = Field(
        None, validation_alias=_alias("languagePair", "language_pair")
    )
    tags: Annotated[list[Text40], Field(max_length=20)] | None = None
    is_public: StrictBool | None = Field(None, validation_alias=_alias("isPublic", "is_public"))
    shared_with: Annotated[list[Username], Field(max_length=100)] | None = Field(
        None, validation_alias=_alias("sharedWith", "shared_with")
    )


class ListCreate(ListWrite):
    """POST /api/vocabulary/lists: a name is required (PATCH may leave it out)."""

    name: Name


class ShareView(ApiModel):
    user_id: UUID
    username: str | None


class ListProgress(ApiModel):
    studied: int
    mastered: int
    due: int
    average_mastery: float | None = Field(description="Mean mastery over the list's items (unstudied = 0)")


class ListView(ApiModel):
    id: UUID
    name: str
    description: str | None
    category: Category
    difficulty_level: int
    language_pair: str
    tags: list[str]
    is_public: bool
    total_words: int
    owner_id: UUID | None
    is_owner: bool
    shared_with: list[ShareView] = Field(description="Owner only; empty for everyone else")
    created_at: Timestamp
    updated_at: Timestamp


def _sent_only_on_request(*names: str) -> ConfigDict:
    """A response model some of whose fields are sent only when asked for (``includeProgress``):
    the document marks them optional."""

    def drop(schema: dict[str, Any]) -> None:
        schema["required"] = [name for name in schema.get("required", []) if name not in names]

    return ConfigDict(json_schema_extra=drop)


class ListWithProgress(ListView):
    """A list; ``progress`` only with ``includeProgress=true``."""

    model_config = _sent_only_on_request("progress")

    progress: ListProgress


class ListDeleted(ApiModel):
    id: UUID
    deleted: Literal[True] = True
    items_deleted: int


# --- items -------------------------------------------------------------------------------------------


class ItemFields(ApiModel):
    """Every optional item field, canonical names and the aliases of §20."""

    lemma: Text200 | None = None
    definition: Text1000 | None = None
    part_of_speech: PosField | None = Field(None, validation_alias=_alias("partOfSpeech", "part_of_speech"))
    difficulty: DifficultyField | None = Field(
        None, validation_alias=_alias("difficulty", "difficulty_level")
    )
    category: Text100 | None = None
    gender: GenderField | None = None
    article: ArticleField | None = None
    plural_form: Text200 | None = Field(None, validation_alias=_alias("pluralForm", "plural_form"))
    conjugation: Text300 | None = None
    context_sentence_spanish: Text1000 | None = Field(
        None, validation_alias=_alias("contextSentenceSpanish", "context", "context_sentence_spanish")
    )
    context_sentence_english: Text1000 | None = Field(
        None,
        validation_alias=_alias("contextSentenceEnglish", "contextTranslation", "context_sentence_english"),
    )
    examples: Annotated[list[Text500], Field(max_length=10)] | None = None
    notes: Text2000 | None = Field(None, validation_alias=_alias("notes", "usage_notes"))
    tags: Annotated[list[Text40], Field(max_length=20)] | None = None
    pronunciation_ipa: Text100 | None = Field(
        None, validation_alias=_alias("pronunciationIpa", "pronunciation_ipa")
    )
    frequency_score: Annotated[Int, Field(ge=1, le=10)] | None = Field(
        None, validation_alias=_alias("frequencyScore", "frequency_score")
    )
    source_image_id: UUID | None = Field(None, validation_alias=_alias("sourceImageId", "source_image_id"))
    image_url: Url | None = Field(None, validation_alias=_alias("imageUrl", "image_url"))
    source_description_id: UUID | None = Field(
        None, validation_alias=_alias("sourceDescriptionId", "source_description_id")
    )
    metadata: Metadata | None = None


class ItemInput(ItemFields):
    """One item of POST /api/vocabulary/save. Client ``id``/``userId`` are ignored (unknown fields)."""

    spanish_text: Text500 = Field(validation_alias=_alias("spanishText", "phrase", "spanish_text"))
    english_translation: Text500 = Field(
        validation_alias=_alias("englishTranslation", "translation", "english_translation")
    )


class ItemPatch(ItemFields):
    """PATCH/PUT /api/vocabulary/items/{id}: only the fields sent change; ``listId`` moves the item."""

    spanish_text: Text500 | None = Field(
        None, validation_alias=_alias("spanishText", "phrase", "spanish_text")
    )
    english_translation: Text500 | None = Field(
        None, validation_alias=_alias("englishTranslation", "translation", "english_translation")
    )
    list_id: UUID | None = Field(None, validation_alias=_alias("listId", "list_id", "vocabularyListId"))


class SaveRequest(ApiModel):
    """Single ``{vocabulary}`` or bulk ``{vocabularyItems}``; bulk entries are validated one by one."""

    model_config = ConfigDict(
        json_schema_extra={
            **server_rules(rule("vocabulary", "vocabulary or vocabularyItems", code="required")),
            "examples": [
                {"vocabulary": {"spanishText": "la manzana", "englishTranslation": "the apple"}},
                {
                    "collectionName": "Fruta",
                    "vocabularyItems": [{"phrase": "la pera", "translation": "the pear"}],
                },
            ],
        }
    )

    vocabulary: ItemInput | None = None
    vocabulary_items: Annotated[list[Any], Field(min_length=1, max_length=500)] | None = Field(
        None, validation_alias=_alias("vocabularyItems", "vocabulary_items")
    )
    list_id: UUID | None = Field(None, validation_alias=_alias("listId", "list_id"))
    collection_name: Name | None = Field(None, validation_alias=_alias("collectionName", "collection_name"))
    session_id: UUID | None = Field(None, validation_alias=_alias("sessionId", "session_id"))


class ProgressView(ApiModel):
    state: State
    learning_phase: Phase
    step: int | None
    stability: float
    difficulty: float
    due: Timestamp
    last_review: Timestamp
    reps: int
    lapses: int
    correct_count: int
    incorrect_count: int
    streak_count: int
    mastery: float = Field(description="R(30 d, S): recall probability 30 days after the last review")
    retrievability: float = Field(description="Recall probability now")
    average_response_time_ms: int | None
    first_reviewed_at: Timestamp


class ItemView(ApiModel):
    id: UUID
    list_id: UUID
    spanish_text: str
    english_translation: str
    lemma: str | None
    definition: str | None
    part_of_speech: PartOfSpeech
    difficulty: Difficulty
    category: str | None
    gender: Gender | None
    article: str | None
    plural_form: str | None
    conjugation: str | None
    context_sentence_spanish: str | None
    context_sentence_english: str | None
    examples: list[str]
    pronunciation_ipa: str | None
    notes: str | None
    tags: list[str]
    frequency_score: int | None
    source_image_id: UUID | None
    source_description_id: UUID | None
    metadata: dict[str, Any]
    created_at: Timestamp
    updated_at: Timestamp


class ItemWithProgress(ItemView):
    """An item; ``progress`` only with ``includeProgress=true`` (null: not studied yet)."""

    model_config = _sent_only_on_request("progress")

    progress: ProgressView | None


class ItemDeleted(ApiModel):
    id: UUID
    deleted: Literal[True] = True


class ItemError(ApiModel):
    field: str | None
    code: str
    message: str


class SaveResultEntry(ApiModel):
    index: int
    status: Literal["created", "duplicate", "invalid"]
    id: UUID | None = None
    error: ItemError | None = None


class SaveCounts(ApiModel):
    requested: int
    created: int
    duplicates: int
    invalid: int


class BulkSaved(ApiModel):
    list_id: UUID
    collection_name: str
    created: list[ItemView]
    results: list[SaveResultEntry]
    counts: SaveCounts
