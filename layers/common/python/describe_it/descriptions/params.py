"""Query parameters of GET /api/descriptions/saved: filters and the sort, each bounded (400 otherwise)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Query

from describe_it.descriptions.models import StyleField
from describe_it.descriptions.repository import SavedFilter
from describe_it.descriptions.service import SORTS
from describe_it.http.ranges import TimeRange, time_range
from describe_it.vocabulary.models import QueryBool, is_true
from describe_it.vocabulary.params import query_text
from describe_it.vocabulary.service import Sorting, sorting


@dataclass(frozen=True)
class SavedQuery:
    filters: SavedFilter
    sort: Sorting


def _bool(value: QueryBool | None) -> bool | None:
    return None if value is None else is_true(value)


def saved_query(
    favorite: QueryBool | None = Query(None),
    style: StyleField | None = Query(None),
    is_public: QueryBool | None = Query(None, alias="isPublic"),
    tag: list[str] | None = Query(None, max_length=20, description="Repeatable: rows with every tag"),
    period: TimeRange = Depends(time_range),
    sort: str | None = Query(None, max_length=40, description="createdAt (default) | rating"),
    sort_by: str | None = Query(None, alias="sortBy", max_length=40),
    order: str | None = Query(None, max_length=10, description="asc | desc (default)"),
    sort_order: str | None = Query(None, alias="sortOrder", max_length=10),
) -> SavedQuery:
    tags = [t for t in (query_text(t, "tag", 40) for t in tag or []) if t]
    return SavedQuery(
        SavedFilter(
            favorite=_bool(favorite),
            style=style,
            is_public=_bool(is_public),
            tags=tags or None,
            created_from=period.start,
            created_before=period.end,
        ),
        # canonical names win over their aliases (spec §1.1)
        sorting(sort or sort_by, order or sort_order, tuple(SORTS), "createdAt", "desc"),
    )
