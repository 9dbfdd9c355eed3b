"""/api/descriptions/saved (GET, POST) — the caller's saved descriptions; save one (spec §5.4)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.descriptions.models import SavedDescription, SaveRequest
from describe_it.descriptions.params import SavedQuery, saved_query
from describe_it.descriptions.service import DescriptionsService, get_descriptions_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import policy
from describe_it.identity import Principal

router = api_router()


@router.endpoint(
    "GET",
    "/api/descriptions/saved",
    list[SavedDescription],
    policy(auth="required", rate_class="read"),
)
def read_saved(
    request: Request,
    query: SavedQuery = Depends(saved_query),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    service: DescriptionsService = Depends(get_descriptions_service),
) -> Response:
    """Your saved descriptions

    A page of the descriptions you saved, filtered and sorted (spec §5.4).
    """
    rows, block = service.list_saved(who, query.filters, query.sort, page)
    return ok(request, rows, pagination=block)


@router.endpoint(
    "POST",
    "/api/descriptions/saved",
    SavedDescription,
    policy(auth="required", rate_class="write", idempotent=True),
    status=201,
    also={200: SavedDescription},  # this generationId was saved before: the existing row
    errors=(404,),
    headers=("Location",),
)
def save(
    body: SaveRequest,
    request: Request,
    who: Principal = Depends(principal),
    service: DescriptionsService = Depends(get_descriptions_service),
) -> Response:
    """Save a description

    Stores an English/Spanish pair for an image (by `imageId` or `imageUrl`); a repeated `generationId` answers 200 with the row saved before.
    """
    saved = service.save(who, body)
    location = {"Location": f"/api/descriptions/saved/{saved.description.id}"}
    if not saved.created:
        return ok(request, saved.description, message="This generation was already saved")
    return ok(request, saved.description, status_code=201, headers=location)


app = create_app(router)
lambda_handler = make_handler(app)
