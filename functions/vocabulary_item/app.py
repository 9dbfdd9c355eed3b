"""/api/vocabulary/items/{id} (GET, PATCH, PUT, DELETE) — one item; PATCH with listId moves it (spec §10.3)."""

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.vocabulary.models import ItemDeleted, ItemPatch, ItemWithProgress, QueryBool, is_true
from describe_it.vocabulary.params import PathId, path_id
from describe_it.vocabulary.service import VocabularyService, get_vocabulary_service

router = api_router()


@router.endpoint(
    "GET",
    "/api/vocabulary/items/{id}",
    ItemWithProgress,
    policy(auth="optional", rate_class="read"),
    errors=(404,),
)
def read_item(
    request: Request,
    id: PathId,
    include_progress: QueryBool | None = Query(None, alias="includeProgress"),
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    """One item

    Yours, or of a list shared with you or public (guests: public only); anything else is 404.
    `includeProgress=true` adds your review progress.
    """
    return ok(request, service.get_item(who, path_id(id, "Item not found"), is_true(include_progress)))


@router.endpoint(
    "PATCH",
    "/api/vocabulary/items/{id}",
    ItemWithProgress,
    policy(auth="required", rate_class="write"),
    errors=(403, 404, 409),
)
@router.endpoint(
    "PUT",
    "/api/vocabulary/items/{id}",
    ItemWithProgress,
    policy(auth="required", rate_class="write"),
    errors=(403, 404, 409),
    summary="Edit or move an item (alias of PATCH)",
)
def update_item(
    body: ItemPatch,
    request: Request,
    id: PathId,
    include_progress: QueryBool | None = Query(None, alias="includeProgress"),
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    """Edit or move an item

    Only the fields sent change; `listId` moves it to another of your lists (learners with progress on
    it keep a copy). The same Spanish text twice in one list is 409. Only the owner may edit (403).
    """
    item_id = path_id(id, "Item not found")
    return ok(request, service.update_item(who, item_id, body, is_true(include_progress)))


@router.endpoint(
    "DELETE",
    "/api/vocabulary/items/{id}",
    ItemDeleted,
    policy(auth="required", rate_class="write"),
    errors=(403, 404),
)
def delete_item(
    request: Request,
    id: PathId,
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    """Delete an item

    Only the owner may (403); other learners with progress on it keep an archived copy.
    """
    return ok(request, service.delete_item(who, path_id(id, "Item not found")))


app = create_app(router)
lambda_handler = make_handler(app)
