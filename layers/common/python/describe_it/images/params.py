"""The query of GET /api/images/search (spec §9.1, aliases §20) as a FastAPI dependency.

Every parameter arrives as text and is validated by ``SearchParams`` in one go, so any problem is the
route's own 400 ``"Invalid parameters"`` with one detail per field, named by its canonical name. The
canonical name wins over its alias. ``api_key`` is not a parameter at all: ignored, never read.
"""

from __future__ import annotations

from typing import Any, get_args

from fastapi import Query
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from describe_it.errors import ValidationFailed
from describe_it.images.models import (
    PAGE_MAX,
    PER_PAGE_MAX,
    QUERY_MAX,
    Color,
    OrderBy,
    Orientation,
    SearchParams,
)
from describe_it.models import NONBLANK_PATTERN, rule, server_rules

INVALID = "Invalid parameters"


# The parameters arrive as text (validated together by ``SearchParams``); the document states what
# that model accepts.
def _int(maximum: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": maximum}


def _enum(literal: Any) -> dict[str, Any]:
    return {"enum": list(get_args(literal))}


def search_params(
    query: str | None = Query(
        None,
        description=f"1–{QUERY_MAX} characters (alias `q`; one of them is required)",
        # The query is validated after trimming and collapsing inner whitespace (``SearchParams``).
        json_schema_extra={
            "pattern": NONBLANK_PATTERN,
            "maxLength": QUERY_MAX,
            **server_rules(rule("query", "`query` or its alias `q`", code="required")),
        },
    ),
    q: str | None = Query(
        None,
        description="Alias of `query`",
        json_schema_extra={"pattern": NONBLANK_PATTERN, "maxLength": QUERY_MAX},
    ),
    page: str | None = Query(None, description=f"1–{PAGE_MAX}, default 1", json_schema_extra=_int(PAGE_MAX)),
    per_page: str | None = Query(
        None,
        alias="perPage",
        description=f"1–{PER_PAGE_MAX}, default 12",
        json_schema_extra=_int(PER_PAGE_MAX),
    ),
    per_page_alias: str | None = Query(
        None, alias="per_page", description="Alias of `perPage`", json_schema_extra=_int(PER_PAGE_MAX)
    ),
    orientation: str | None = Query(None, json_schema_extra=_enum(Orientation)),
    color: str | None = Query(None, json_schema_extra=_enum(Color)),
    order_by: str | None = Query(
        None, alias="orderBy", description="Default: relevant", json_schema_extra=_enum(OrderBy)
    ),
    order_by_alias: str | None = Query(
        None, alias="order_by", description="Alias of `orderBy`", json_schema_extra=_enum(OrderBy)
    ),
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
