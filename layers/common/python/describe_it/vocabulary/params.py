"""Query parameters shared by the item pages (GET items, its legacy alias GET save, GET lists/{id}/items).

Parsed into the repository's filter, the sort and the progress switch; every value is bounded, and an
unknown enum value or a malformed id is a 400 (a path id that is not a UUID is a 404: ``path_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Path, Query

from describe_it.errors import Detail, NotFound, ValidationFailed
from describe_it.models import TEXT_PATTERN, clean_text
from describe_it.vocabulary.models import Difficulty, PartOfSpeech, QueryBool, is_true
from describe_it.vocabulary.repository import ItemFilter
from describe_it.vocabulary.service import ITEM_SORTS, LIST_ITEM_SORTS, Sorting, sorting

# A path id as the document states it; any other value is answered 404 (``path_id``), not 400.
PathId = Annotated[
    str, Path(description="A UUID (anything else is 404)", json_schema_extra={"format": "uuid"})
]


def text_param(max_length: int) -> dict[str, Any]:
    """The OpenAPI schema of a ``query_text`` parameter: no control characters, at most
    ``max_length`` characters (after trimming)."""
    return {"pattern": TEXT_PATTERN, "maxLength": max_length}


def sort_param(allowed: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"enum": list(allowed)}


ORDER = {"enum": ["asc", "desc"], "description": "asc | desc (case ignored)"}


def path_id(value: str, what: str = "Not found") -> UUID:
    """Unknown or malformed ids in a path are 404 (spec §1.1)."""
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(what) from None


def query_text(value: str | None, field: str, max_length: int = 100) -> str | None:
    """A free-text query parameter: trimmed, NFC, no control characters, bounded."""
    if value is None:
        return None
    try:
        text = clean_text(value)
    except ValueError:
        raise ValidationFailed(
            "Control characters are not allowed",
            details=[Detail(field, "Control characters are not allowed", "invalid_format")],
        ) from None
    if len(text) > max_length:
        raise ValidationFailed(
            f"{field} must have at most {max_length} characters",
            details=[Detail(field, f"Must have at most {max_length} characters", "too_long")],
        )
    return text or None


@dataclass(frozen=True)
class ItemQuery:
    filters: ItemFilter
    sort: Sorting
    include_progress: bool


def _sort(
    sort: str | None, sort_by: str | None, order: str | None, sort_order: str | None, allowed: tuple[str, ...]
) -> Sorting:
    # canonical names win over their aliases (spec §1.1)
    return sorting(sort or sort_by, order or sort_order, allowed, "createdAt", "asc")


def item_query(
    list_id: UUID | None = Query(None, alias="listId"),
    collection_name: str | None = Query(
        None, alias="collectionName", max_length=300, json_schema_extra=text_param(100)
    ),
    category: str | None = Query(None, max_length=300, json_schema_extra=text_param(100)),
    difficulty: Difficulty | None = Query(None),
    part_of_speech: PartOfSpeech | None = Query(None, alias="partOfSpeech"),
    tag: list[str] | None = Query(
        None, max_length=20, json_schema_extra={"items": {"type": "string", **text_param(40)}}
    ),
    include_progress: QueryBool | None = Query(None, alias="includeProgress"),
    sort: str | None = Query(None, max_length=40, json_schema_extra=sort_param(tuple(ITEM_SORTS))),
    sort_by: str | None = Query(
        None, alias="sortBy", max_length=40, json_schema_extra=sort_param(tuple(ITEM_SORTS))
    ),
    order: str | None = Query(None, max_length=10, json_schema_extra=ORDER),
    sort_order: str | None = Query(None, alias="sortOrder", max_length=10, json_schema_extra=ORDER),
) -> ItemQuery:
    """GET /api/vocabulary/items (and GET /api/vocabulary/save)."""
    tags = [t for t in (query_text(t, "tag", 40) for t in tag or []) if t]
    return ItemQuery(
        ItemFilter(
            list_id=list_id,
            collection_name=query_text(collection_name, "collectionName"),
            category=query_text(category, "category"),
            difficulty=difficulty,
            part_of_speech=part_of_speech,
            tags=tags or None,
        ),
        _sort(sort, sort_by, order, sort_order, tuple(ITEM_SORTS)),
        is_true(include_progress),
    )


def list_item_query(
    category: str | None = Query(None, max_length=300, json_schema_extra=text_param(100)),
    difficulty: Difficulty | None = Query(None),
    part_of_speech: PartOfSpeech | None = Query(None, alias="partOfSpeech"),
    q: str | None = Query(None, max_length=300, json_schema_extra=text_param(100)),
    include_progress: QueryBool | None = Query(None, alias="includeProgress"),
    sort: str | None = Query(None, max_length=40, json_schema_extra=sort_param(LIST_ITEM_SORTS)),
    sort_by: str | None = Query(
        None, alias="sortBy", max_length=40, json_schema_extra=sort_param(LIST_ITEM_SORTS)
    ),
    order: str | None = Query(None, max_length=10, json_schema_extra=ORDER),
    sort_order: str | None = Query(None, alias="sortOrder", max_length=10, json_schema_extra=ORDER),
) -> ItemQuery:
    """GET /api/vocabulary/lists/{id}/items."""
    return ItemQuery(
        ItemFilter(
            category=query_text(category, "category"),
            difficulty=difficulty,
            part_of_speech=part_of_speech,
            q=query_text(q, "q"),
        ),
        _sort(sort, sort_by, order, sort_order, LIST_ITEM_SORTS),
        is_true(include_progress),
    )
