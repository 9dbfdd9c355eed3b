"""/api/vocabulary/lists (GET, POST) — the caller's lists, shared and public ones (spec §10.1)."""

from typing import Literal

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.vocabulary.models import Category, ListCreate, ListWithProgress, QueryBool, is_true
from describe_it.vocabulary.params import ORDER, query_text, sort_param, text_param
from describe_it.vocabulary.service import LIST_SORTS, VocabularyService, get_vocabulary_service, sorting

router = api_router()


@router.endpoint(
    "GET", "/api/vocabulary/lists", list[ListWithProgress], policy(auth="required", rate_class="read")
)
def read_lists(
    request: Request,
    scope: Literal["mine", "shared", "public", "all"] = Query("mine"),
    q: str | None = Query(
        None, max_length=300, description="Fuzzy name filter", json_schema_extra=text_param(100)
    ),
    category: Category | None = Query(None),
    include_progress: QueryBool | None = Query(None, alias="includeProgress"),
    sort: str | None = Query(None, max_length=40, json_schema_extra=sort_param(tuple(LIST_SORTS))),
    sort_by: str | None = Query(
        None, alias="sortBy", max_length=40, json_schema_extra=sort_param(tuple(LIST_SORTS))
    ),
    order: str | None = Query(None, max_length=10, json_schema_extra=ORDER),
    sort_order: str | None = Query(None, alias="sortOrder", max_length=10, json_schema_extra=ORDER),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    """Your lists

    Yours (`scope=mine`), shared with you, public, or all of them; `q` matches names fuzzily (accents
    and case ignored); `includeProgress=true` adds your progress on each.
    """
    lists, block = service.lists(
        who,
        scope=scope,
        q=query_text(q, "q"),
        category=category,
        include_progress=is_true(include_progress),
        sort=sorting(sort or sort_by, order or sort_order, tuple(LIST_SORTS), "createdAt", "desc"),
        page=page,
    )
    return ok(request, lists, pagination=block)


@router.endpoint(
    "POST",
    "/api/vocabulary/lists",
    ListWithProgress,
    policy(auth="required", rate_class="write", idempotent=True),
    status=201,
    errors=(409,),
    headers=("Location",),
)
def create_list(
    body: ListCreate,
    request: Request,
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    """Create a list

    Names are unique per owner, ignoring case (409 with `existingId`).
    """
    created = service.create_list(who, body)
    return ok(request, created, status_code=201, headers={"Location": f"/api/vocabulary/lists/{created.id}"})


app = create_app(router)
lambda_handler = make_handler(app)
