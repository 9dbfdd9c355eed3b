"""The query of GET /api/images/search (spec §9.1, aliases §20) as a FastAPI dependency.

Every parameter arrives as text and is validated by ``SearchParams`` in one go, so any problem is the
route's own 400 ``"Invalid parameters"`` with one detail per field, named by its canonical name. The
canonical name wins over its alias. ``api_key`` is not a parameter at all: ignored, never read.
"""

from __future__ import annotations

from typing import Any

from fastapi import Query
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from describe_it.errors import ValidationFailed
from describe_it.images.models import SearchParams

INVALID = "Invalid parameters"


def search_params(
    query: str | None = Query(None, description="1–100 characters (alias `q`)"),
    q: str | None = Query(None, description="Alias of `query`"),
    page: str | None = Query(None, description="1–100, default 1"),
    per_page: str | None = Query(None, alias="perPage", description="1–30, default 12 (alias `per_page`)"),
    per_page_alias: str | None = Query(None, alias="per_page", description="Alias of `perPage`"),
    orientation: str | None = Query(None, description="landscape | portrait | squarish"),
    color: str | None = Query(
        None,
        description="black_and_white black white yellow orange red purple magenta green teal blue",
    ),
    order_by: str | None = Query(None, alias="orderBy", description="relevant (default) | latest"),
    order_by_alias: str | None = Query(None, alias="order_by", description="Alias of `orderBy`"),
) -> SearchParams:
    raw: dict[str, Any] = {
        "query": query if query is not None else q,
        "page": page,
        "per_page": per_page if per_page is not None else per_page_alias,
        "orientation": orientation or None,
        "color": color or None,
        "order_by": order_by if order_by is not None else order_by_alias,
    }
    try:
        return SearchParams.model_validate({name: value for name, value in raw.items() if value is not None})
    except ValidationError as exc:
        from describe_it.http.errors import validation_error

        # Located like FastAPI's own query errors, by the names clients send (perPage, orderBy), and
        # through the one error mapping.
        errors = [
            {**error, "loc": ("query", *(_alias(part) for part in error["loc"]))}
            for error in exc.errors(include_url=False, include_input=False)
        ]
        mapped = validation_error(RequestValidationError(errors))
        raise ValidationFailed(INVALID, details=mapped.details) from None


def _alias(part: Any) -> Any:
    field = SearchParams.model_fields.get(part) if isinstance(part, str) else None
    return field.alias if field is not None and field.alias else part
