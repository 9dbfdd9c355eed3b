"""/api/vocabulary/lists/{id} (GET, PATCH, PUT, DELETE) — one list (spec §10.1)."""

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.vocabulary.models import ListDeleted, ListWithProgress, ListWrite, QueryBool, is_true
from describe_it.vocabulary.params import PathId, path_id
from describe_it.vocabulary.service import VocabularyService, get_vocabulary_service

router = api_router()


@router.endpoint(
    "GET",
    "/api/vocabulary/lists/{id}",
    ListWithProgress,
    policy(auth="optional", rate_class="read"),
    errors=(404,),
)
def read_list(
    request: Request,
    id: PathId,
    include_progress: QueryBool | None = Query(None, alias="includeProgress"),
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    """One list

    Yours, shared with you or public (guests: public only); anything else is 404.
    `includeProgress=true` adds your progress on it.
    """
    return ok(request, service.get_list(who, path_id(id, "List not found"), is_true(include_progress)))


@router.endpoint(
    "PATCH",
    "/api/vocabulary/lists/{id}",
    ListWithProgress,
    policy(auth="required", rate_class="write"),
    errors=(403, 404, 409),
)
@router.endpoint(
    "PUT",
    "/api/vocabulary/lists/{id}",
    ListWithProgress,
    policy(auth="required", rate_class="write"),
    errors=(403, 404, 409),
    summary="Edit a list (alias of PATCH)",
)
def update_list(
    body: ListWrite,
    request: Request,
    id: PathId,
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    """Edit a list

    Only the fields sent change; `sharedWith` (usernames) replaces the whole set. A name you already
    use is 409. Only the owner may edit (403).
    """
    return ok(request, service.update_list(who, path_id(id, "List not found"), body))


@router.endpoint(
    "DELETE",
    "/api/vocabulary/lists/{id}",
    ListDeleted,
    policy(auth="required", rate_class="write"),
    errors=(403, 404),
)
def delete_list(
    request: Request,
    id: PathId,
    who: Principal = Depends(principal),
    service: VocabularyService = Depends(get_vocabulary_service),
) -> Response:
    """Delete a list

    With its items; other learners with progress on them keep an archived copy. Only the owner may
    (403).
    """
    return ok(request, service.delete_list(who, path_id(id, "List not found")))


app = create_app(router)
lambda_handler = make_handler(app)
