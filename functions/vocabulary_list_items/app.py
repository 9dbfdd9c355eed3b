"""/api/vocabulary/lists/{id}/items (GET) — one page of a readable list, with the caller's progress."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.vocabulary.models import ItemWithProgress
from describe_it.vocabulary.params import ItemQuery, PathId, list_item_query, path_id
from describe_it.vocabulary.service import VocabularyService, get_vocabulary_service

router = api_router()


@router.endpoint(
    "GET",
    "/api/vocabulary/lists/{id}/items",
    list[ItemWithProgress],
    policy(auth="optional", rate_class="read"),
    errors=(404,),
    headers=("Cache-Control",),
)
def read_list_items(
    request: Request,
    id: PathId,
    query: ItemQuery = Depends(list_item_query),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    """Items of one list

    A page of a readable list's items with your progress (one query). Guests' pages of public lists
    may be cached for a minute.
    """
    items, block, listed = service.list_items(
        who, path_id(id, "List not found"), query.filters, query.include_progress, query.sort, page
    )
    # Guests only ever see public lists; their pages may be cached briefly (spec §10.1).
    headers = {"Cache-Control": "public, max-age=60"} if who.is_guest and listed.is_public else None
    return ok(request, items, pagination=block, headers=headers)


app = create_app(router)
lambda_handler = make_handler(app)
