"""/api/search/descriptions (GET) — full-text search over saved descriptions, both languages (spec §12)."""

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.descriptions.models import StyleField
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.models import NONBLANK_PATTERN, rule, server_rules
from describe_it.search.descriptions import (
    DescriptionHit,
    DescriptionSearchService,
    Scope,
    get_description_search_service,
)
from describe_it.vocabulary.models import QueryBool, is_true

router = api_router()


@router.endpoint(
    "GET",
    "/api/search/descriptions",
    list[DescriptionHit],
    policy(auth="optional", rate_class="read"),
)
def search_descriptions(
    request: Request,
    q: str = Query(
        max_length=2000,
        description="1–100 characters after trimming",
        json_schema_extra={"pattern": NONBLANK_PATTERN, "maxLength": 100},
    ),
    scope: Scope = Query("mine", description="Guests: public only"),
    style: StyleField | None = Query(None),
    favorite: QueryBool | None = Query(
        None,
        description="Own descriptions only (scope=mine)",
        json_schema_extra=server_rules(rule("favorite", "only with scope=mine", code="invalid")),
    ),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    service: DescriptionSearchService = Depends(get_description_search_service),
) -> Response:
    """Search descriptions

    Full-text search over saved descriptions in both languages; guests search public ones only (spec §12).
    """
    favorite_only = None if favorite is None else is_true(favorite)
    hits, block = service.search(who, q, scope, style, favorite_only, page)
    return ok(request, hits, pagination=block)


app = create_app(router)
lambda_handler = make_handler(app)
