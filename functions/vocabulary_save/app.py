"""/api/vocabulary/save (POST one item or up to 500; GET = legacy alias of GET /api/vocabulary/items)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.errors import Detail, ValidationFailed
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import MB, policy
from describe_it.identity import Principal
from describe_it.vocabulary.models import BulkSaved, ItemView, ItemWithProgress, SaveRequest
from describe_it.vocabulary.params import ItemQuery, item_query
from describe_it.vocabulary.service import VocabularyService, get_vocabulary_service

router = api_router()


@router.endpoint(
    "POST",
    "/api/vocabulary/save",
    ItemView | BulkSaved,
    policy(auth="required", rate_class="write", body_limit=1 * MB, idempotent=True),
    status=201,
    also={200: BulkSaved},
    errors=(403, 404, 409),
    headers=("Location",),
)
def save(
    body: SaveRequest,
    request: Request,
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    """Save vocabulary

    `{vocabulary}`: one item → 201 with `Location` (the same Spanish text in the list is 409 with
    `existingId`). `{vocabularyItems}` (1–500): one statement; each entry reported as `created`,
    `duplicate` or `invalid` → 201, or 200 when none was created. `collectionName` picks (or creates)
    your list of that name.
    """
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


@router.endpoint(
    "GET",
    "/api/vocabulary/save",
    list[ItemWithProgress],
    policy(auth="required", rate_class="read"),
    errors=(404,),
    summary="Your items (legacy alias of GET /api/vocabulary/items)",
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
