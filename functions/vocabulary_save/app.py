"""/api/vocabulary/save (POST one item or up to 500; GET = legacy alias of GET /api/vocabulary/items)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.errors import Detail, ValidationFailed
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import MB, policy
from describe_it.identity import Principal
from describe_it.vocabulary.models import BulkSaved, ItemView, ItemWithProgress, SaveRequest
from describe_it.vocabulary.params import ItemQuery, item_query
from describe_it.vocabulary.service import VocabularyService, get_vocabulary_service

router = api_router()


@router.post(
    "/api/vocabulary/save",
    status_code=201,
    response_model=Envelope[ItemView | BulkSaved],
    responses=errors(400, 401, 403, 404, 409, 413, 415, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write", body_limit=1 * MB, idempotent=True),
    description="Single `{vocabulary}` → 201 Item; bulk `{vocabularyItems}` (1–500) → 201, or 200 if none created.",
)
def save(
    body: SaveRequest,
    request: Request,
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    if body.vocabulary_items is not None:
        saved = service.save_many(who, body)
        return ok(request, saved, status_code=201 if saved.counts.created else 200)
    if body.vocabulary is None:
        raise ValidationFailed(
            "Send vocabulary or vocabularyItems",
            details=[Detail("vocabulary", "Send vocabulary or vocabularyItems", "required")],
        )
    item = service.save_one(who, body)
    return ok(request, item, status_code=201, headers={"Location": f"/api/vocabulary/items/{item.id}"})


@router.get(
    "/api/vocabulary/save",
    response_model=Envelope[list[ItemWithProgress]],
    responses=errors(400, 401, 404, 429, 503),
    openapi_extra=policy(auth="required", rate_class="read"),
    summary="Alias of GET /api/vocabulary/items (legacy)",
)
def read_items(
    request: Request,
    query: ItemQuery = Depends(item_query),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    items, block = service.items(who, query.filters, query.include_progress, query.sort, page)
    return ok(request, items, pagination=block)


app = create_app(router)
lambda_handler = make_handler(app)
