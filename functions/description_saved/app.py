"""/api/descriptions/saved/{id} (GET, PATCH, DELETE) — one saved description (spec §5.4)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.descriptions.models import SavedDeleted, SavedDescription, SavedPatch
from describe_it.descriptions.service import DescriptionsService, get_descriptions_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.vocabulary.params import PathId, path_id

router = api_router()
NOT_FOUND = "Saved description not found"


@router.endpoint(
    "GET",
    "/api/descriptions/saved/{id}",
    SavedDescription,
    policy(auth="optional", rate_class="read"),
    errors=(404,),
)
def read_saved(
    request: Request,
    id: PathId,
    who: Principal = Depends(principal),
    service: DescriptionsService = Depends(get_descriptions_service),
) -> Response:
    """One saved description

    Yours, or a public one (guests too).
    """
    return ok(request, service.get(who, path_id(id, NOT_FOUND)))


@router.endpoint(
    "PATCH",
    "/api/descriptions/saved/{id}",
    SavedDescription,
    policy(auth="required", rate_class="write"),
    errors=(403, 404),
)
def update_saved(
    body: SavedPatch,
    request: Request,
    id: PathId,
    who: Principal = Depends(principal),
    service: DescriptionsService = Depends(get_descriptions_service),
) -> Response:
    """Edit a saved description

    Rating, favourite, notes, tags, visibility; owner only.
    """
    return ok(request, service.update(who, path_id(id, NOT_FOUND), body))


@router.endpoint(
    "DELETE",
    "/api/descriptions/saved/{id}",
    SavedDeleted,
    policy(auth="required", rate_class="write"),
    errors=(403, 404),
)
def delete_saved(
    request: Request,
    id: PathId,
    who: Principal = Depends(principal),
    service: DescriptionsService = Depends(get_descriptions_service),
) -> Response:
    """Delete a saved description

    Owner only.
    """
    return ok(request, service.delete(who, path_id(id, NOT_FOUND)))


app = create_app(router)
lambda_handler = make_handler(app)
