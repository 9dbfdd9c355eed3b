"""/api/vocabulary/lists/{id} (GET, PATCH, PUT, DELETE) — one list (spec §10.1)."""

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.vocabulary.models import ListDeleted, ListView, ListWrite, QueryBool, is_true
from describe_it.vocabulary.params import path_id
from describe_it.vocabulary.service import VocabularyService, get_vocabulary_service

router = api_router()


@router.get(
    "/api/vocabulary/lists/{id}",
    response_model=Envelope[ListView],
    responses=errors(400, 401, 404, 429, 503),
    openapi_extra=policy(auth="optional", rate_class="read"),
)
def read_list(
    request: Request,
    id: str,
    include_progress: QueryBool | None = Query(None, alias="includeProgress"),
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    return ok(request, service.get_list(who, path_id(id, "List not found"), is_true(include_progress)))


@router.patch(
    "/api/vocabulary/lists/{id}",
    response_model=Envelope[ListView],
    responses=errors(400, 401, 403, 404, 409, 413, 415, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write"),
)
@router.put(
    "/api/vocabulary/lists/{id}",
    response_model=Envelope[ListView],
    responses=errors(400, 401, 403, 404, 409, 413, 415, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write"),
    summary="Alias of PATCH",
)
def update_list(
    body: ListWrite,
    request: Request,
    id: str,
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    return ok(request, service.update_list(who, path_id(id, "List not found"), body))


@router.delete(
    "/api/vocabulary/lists/{id}",
    response_model=Envelope[ListDeleted],
    responses=errors(401, 403, 404, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write"),
)
def delete_list(
    request: Request,
    id: str,
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    return ok(request, service.delete_list(who, path_id(id, "List not found")))


app = create_app(router)
lambda_handler = make_handler(app)
