"""Request and response models of /api/descriptions/saved[/{id}] (spec §5.4, aliases §20).

Every field is bounded here, after trimming and NFC; the CHECKs of schema.md §4 are the backstop.
``SaveInput`` is the service's own input: the route builds it from the request body, and the
generation route (``save: true``) builds it from what it generated.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, AliasChoices, BeforeValidator, ConfigDict, Field, StrictBool

from describe_it.models import ApiModel, Timestamp, rule, server_rules
from describe_it.vocabulary.models import Int, Text40, Url, text_rules

Style = Literal["narrativo", "poetico", "academico", "conversacional", "infantil", "creativo", "tecnico"]
STYLES: tuple[str, ...] = Style.__args__  # type: ignore[attr-defined]
MAX_TAGS = 20


def fold_enum(value: Any) -> Any:
    """Enum input without accents or case: "Poético" is ``poetico``."""
    if not isinstance(value, str):
        return value
    decomposed = unicodedata.normalize("NFKD", value.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


StyleField = Annotated[Style, BeforeValidator(fold_enum)]
Description = Annotated[str, *text_rules(1, 20000, safe=False)]
Notes = Annotated[str, *text_rules(0, 5000)]
Short = Annotated[str, *text_rules(1, 100, safe=False)]
Rating = Annotated[Int, Field(ge=1, le=5)]


def _unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))  # the first of equal tags, in the order sent


Tags = Annotated[list[Text40], Field(max_length=MAX_TAGS), AfterValidator(_unique)]


def _alias(*names: str) -> Any:
    """The canonical name first: when a field and its alias are both sent, the canonical one wins."""
    return AliasChoices(*names)


# --- input -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SaveInput:
    """One description to save for a user; ``image_id`` or ``image_url`` names the image."""

    style: str
    english_description: str
    spanish_description: str
    image_id: UUID | None = None
    image_url: str | None = None  # https; upserted into images (its id follows images_ids)
    generation_id: UUID | None = None
    session_id: UUID | None = None
    rating: int | None = None
    is_favorite: bool = False
    notes: str | None = None
    tags: list[str] = field(default_factory=list)
    is_public: bool = False
    provider: str | None = None
    model: str | None = None
    generation_params: dict[str, Any] = field(
        default_factory=dict
    )  # {maxLength, customPrompt, promptVersion}
    generation_time_ms: int | None = None


class SaveRequest(ApiModel):
    """POST /api/descriptions/saved."""

    model_config = ConfigDict(
        json_schema_extra=server_rules(
            rule("imageId", "imageId or imageUrl", code="required"),
            rule("imageUrl", "a public https host", code="invalid_format"),
        )
    )

    image_id: UUID | None = Field(None, validation_alias=_alias("imageId", "image_id"))
    image_url: Url | None = Field(None, validation_alias=_alias("imageUrl", "image_url"))
    style: StyleField
    english_description: Description = Field(
        validation_alias=_alias("englishDescription", "description_english", "english_description")
    )
    spanish_description: Description = Field(
        validation_alias=_alias("spanishDescription", "description_spanish", "spanish_description")
    )
    generation_id: UUID | None = Field(None, validation_alias=_alias("generationId", "generation_id"))
    rating: Rating | None = Field(None, validation_alias=_alias("rating", "user_rating"))
    is_favorite: StrictBool | None = Field(None, validation_alias=_alias("isFavorite", "is_favorite"))
    notes: Notes | None = None
    tags: Tags | None = None
    is_public: StrictBool | None = Field(None, validation_alias=_alias("isPublic", "is_public"))
    session_id: UUID | None = Field(None, validation_alias=_alias("sessionId", "session_id"))
    provider: Short | None = Field(
        None, description="Who generated the texts (a generation entry's provider)"
    )
    model: Short | None = Field(None, description="The model that generated them")

    def to_input(self) -> SaveInput:
        return SaveInput(
            style=self.style,
            english_description=self.english_description,
            spanish_description=self.spanish_description,
            image_id=self.image_id,
            image_url=None if self.image_id is not None else self.image_url,  # imageId wins
            generation_id=self.generation_id,
            session_id=self.session_id,
            rating=self.rating,
            is_favorite=bool(self.is_favorite),
            notes=self.notes or None,
            tags=self.tags or [],
            is_public=bool(self.is_public),
            provider=self.provider,
            model=self.model,
        )


class SavedPatch(ApiModel):
    """PATCH /api/descriptions/saved/{id}: only the fields sent change; ``null`` clears rating and notes."""

    is_favorite: StrictBool | None = Field(None, validation_alias=_alias("isFavorite", "is_favorite"))
    rating: Rating | None = Field(None, validation_alias=_alias("rating", "user_rating"))
    notes: Notes | None = None
    tags: Tags | None = None
    is_public: StrictBool | None = Field(None, validation_alias=_alias("isPublic", "is_public"))


# --- output ------------------------------------------------------------------------------------------


class ImageInfo(ApiModel):
    alt_description: str | None
    photographer_name: str | None
    photographer_username: str | None
    width: int | None
    height: int | None
    color: str | None


class SavedDescription(ApiModel):
    id: UUID
    image_id: UUID
    image_url: str | None = Field(description="null for an uploaded image")
    image: ImageInfo | None
    style: Style
    english_description: str
    spanish_description: str
    word_count_english: int
    word_count_spanish: int
    provider: str | None
    model: str | None
    generation_id: UUID | None
    is_favorite: bool = Field(description="The owner's; false for everyone else")
    rating: int | None = Field(description="The owner's; null for everyone else")
    notes: str | None = Field(description="The owner's; null for everyone else")
    tags: list[str]
    is_public: bool
    session_id: UUID | None = Field(description="The owner's; null for everyone else")
    is_owner: bool
    created_at: Timestamp
    updated_at: Timestamp


class SavedDeleted(ApiModel):
    id: UUID
    deleted: Literal[True] = True
