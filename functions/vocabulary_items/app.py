"""/api/vocabulary/items (GET) — the caller's items across their lists, or one readable list (spec §10.3)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.vocabulary.models import ItemWithProgress
from describe_it.vocabulary.params import ItemQuery, item_query
from describe_it.vocabulary.service import VocabularyService, get_vocabulary_service

router = api_router()


@router.endpoint(
    "GET",
    "/api/vocabulary/items",
    list[ItemWithProgress],
    policy(auth="required", rate_class="read"),
    errors=(404,),
)
def read_items(
    request: Request,
    query: ItemQuery = Depends(item_query),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    """Your items

    A page of your items across your lists (or of one readable list: `listId`), filtered and sorted.
    """
    items, block = service.items(who, query.filters, query.include_progress, query.sort, page)
    return ok(request, items, pagination=block)


app = create_app(router)
lambda_handler = make_handler(app)
