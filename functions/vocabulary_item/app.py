"""/api/vocabulary/items/{id} (GET, PATCH, PUT, DELETE) — one item; PATCH with listId moves it (spec §10.3)."""

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.vocabulary.models import ItemDeleted, ItemPatch, ItemWithProgress, QueryBool, is_true
from describe_it.vocabulary.params import path_id
from describe_it.vocabulary.service import VocabularyService, get_vocabulary_service

router = api_router()


@router.get(
    "/api/vocabulary/items/{id}",
    response_model=Envelope[ItemWithProgress],
    responses=errors(400, 401, 404, 429, 503),
    openapi_extra=policy(auth="optional", rate_class="read"),
)
def read_item(
    request: Request,
    id: str,
    include_progress: QueryBool | None = Query(None, alias="includeProgress"),
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    return ok(request, service.get_item(who, path_id(id, "Item not found"), is_true(include_progress)))


@router.patch(
    "/api/vocabulary/items/{id}",
    response_model=Envelope[ItemWithProgress],
    responses=errors(400, 401, 403, 404, 409, 413, 415, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write"),
)
@router.put(
    "/api/vocabulary/items/{id}",
    response_model=Envelope[ItemWithProgress],
    responses=errors(400, 401, 403, 404, 409, 413, 415, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write"),
    summary="Alias of PATCH",
)
def update_item(
    body: ItemPatch,
    request: Request,
    id: str,
    include_progress: QueryBool | None = Query(None, alias="includeProgress"),
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    item_id = path_id(id, "Item not found")
    return ok(request, service.update_item(who, item_id, body, is_true(include_progress)))


@router.delete(
    "/api/vocabulary/items/{id}",
    response_model=Envelope[ItemDeleted],
    responses=errors(401, 403, 404, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write"),
)
def delete_item(
    request: Request,
    id: str,
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    return ok(request, service.delete_item(who, path_id(id, "Item not found")))


app = create_app(router)
lambda_handler = make_handler(app)
