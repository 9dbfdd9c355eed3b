"""The rows an export writes, the content it is given and the JSON shape of a row.

Rows are plain frozen dataclasses (a repository can fill them with psycopg's ``class_row``) whose
attribute names are the snake_case of the API field names: ``api_dict`` turns one into the camelCase
object of the API with the same alias rule as ``ApiModel``. Content arrives as *batches*: an iterable
of row sequences that the writers consume once, front to back, so a writer never holds more than one
batch of the data set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeAlias, TypeVar
from uuid import UUID

from pydantic.alias_generators import to_camel

from describe_it.models import format_timestamp

SectionName = Literal["vocabulary", "descriptions", "qa", "progress"]
ContentType = Literal["vocabulary", "descriptions", "qa", "progress", "all"]

RowT = TypeVar("RowT")
Batches: TypeAlias = Iterable[Sequence[RowT]]


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemProgress:
    """The caller's progress on a vocabulary item (a subset of the API's Progress object)."""

    state: str
    learning_phase: str
    mastery: float
    due: datetime
    last_review: datetime | None
    reps: int
    lapses: int


@dataclass(frozen=True, slots=True, kw_only=True)
class VocabularyRow:
    id: UUID
    list_id: UUID
    list_name: str
    spanish_text: str
    english_translation: str
    part_of_speech: str | None = None
    difficulty: str | None = None
    gender: str | None = None
    article: str | None = None
    pronunciation_ipa: str | None = None
    context_sentence_spanish: str | None = None
    context_sentence_english: str | None = None
    tags: Sequence[str] = ()
    notes: str | None = None
    created_at: datetime
    # The Anki note's modification time: a re-export updates a note in Anki only when this moved on.
    updated_at: datetime
    progress: ItemProgress | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DescriptionRow:
    id: UUID
    image_url: str | None
    style: str
    english_description: str
    spanish_description: str
    is_favorite: bool = False
    rating: int | None = None
    notes: str | None = None
    tags: Sequence[str] = ()
    is_public: bool = False
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class QaRow:
    id: UUID
    question: str
    correct_answer: str
    user_answer: str | None
    is_correct: bool
    similarity_score: float | None = None
    difficulty: str
    category: str | None = None
    language: str = "es"
    response_time_ms: int | None = None
    hint_used: bool = False
    attempts: int = 1
    session_id: UUID | None = None
    description_id: UUID | None = None
    answered_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressRow:
    """One row of the progress section: the item's texts beside its progress, flat (one CSV line)."""

    id: UUID
    vocabulary_item_id: UUID
    list_id: UUID
    spanish_text: str
    english_translation: str
    state: str
    learning_phase: str
    mastery: float
    due: datetime
    last_review: datetime | None
    reps: int
    lapses: int
    correct_count: int
    incorrect_count: int
    streak_count: int


Row: TypeAlias = VocabularyRow | DescriptionRow | QaRow | ProgressRow
ROW_TYPES: dict[SectionName, type[Row]] = {
    "vocabulary": VocabularyRow,
    "descriptions": DescriptionRow,
    "qa": QaRow,
    "progress": ProgressRow,
}


@dataclass(frozen=True)
class ExportContent:
    """What to write: one batch source per section; ``None`` = the section is not part of this export.

    Sections are written in this order (the order of the JSON document and of the PDF).
    """

    vocabulary: Batches[VocabularyRow] | None = None
    descriptions: Batches[DescriptionRow] | None = None
    qa: Batches[QaRow] | None = None
    progress: Batches[ProgressRow] | None = None

    def sections(self) -> list[tuple[SectionName, Batches[Row]]]:
        present: list[tuple[SectionName, Batches[Row] | None]] = [
            ("vocabulary", self.vocabulary),
            ("descriptions", self.descriptions),
            ("qa", self.qa),
            ("progress", self.progress),
        ]
        return [(name, batches) for name, batches in present if batches is not None]

    def only_section(self) -> tuple[SectionName, Batches[Row]]:
        """The one section of a format that holds one content type per file (CSV)."""
        sections = self.sections()
        if len(sections) != 1:
            raise ValueError(f"this format writes exactly one content type, got {len(sections)}")
        return sections[0]


@dataclass(frozen=True)
class ExportMeta:
    """The export's own data: what the JSON document's header and the PDF's title page say."""

    content_type: ContentType
    exported_at: datetime
    filters: Mapping[str, Any] = field(default_factory=dict)
    include_progress: bool = False
    title: str = "Describe It"


def api_dict(row: Row | ItemProgress, *, include_progress: bool = True) -> dict[str, Any]:
    """The row as the API spells it: camelCase keys, RFC 3339 timestamps, UUIDs as strings."""
    out = {key: _api_value(getattr(row, name)) for name, key in _API_KEYS[type(row)]}
    if not include_progress:
        out.pop("progress", None)
    return out


def api_name(attribute: str) -> str:
    """The API field name of a row attribute (``spanish_text`` → ``spanishText``), as ``ApiModel`` has it."""
    return to_camel(attribute)


def _api_value(value: Any) -> Any:
    if value is None or type(value) in _PLAIN:  # most cells: no conversion
        return value
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, ItemProgress):
        return api_dict(value)
    if isinstance(value, list | tuple):
        return [_api_value(item) for item in value]
    return value


_PLAIN = frozenset({str, int, float, bool})
# (attribute, API name) of every row type, computed once.
_API_KEYS: dict[type, tuple[tuple[str, str], ...]] = {
    cls: tuple((f.name, api_name(f.name)) for f in dataclasses.fields(cls))
    for cls in (ItemProgress, VocabularyRow, DescriptionRow, QaRow, ProgressRow)
}
