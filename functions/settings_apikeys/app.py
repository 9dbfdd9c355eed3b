"""/api/settings/apikeys — the caller's own provider keys, stored encrypted, shown as last4 (spec §14.3)."""

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.apikeys.models import ApiKeysView, ApiKeysWrite, Provider
from describe_it.apikeys.service import ApiKeysService, get_apikeys_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal

router = api_router()


@router.get(
    "/api/settings/apikeys",
    response_model=Envelope[ApiKeysView],
    responses=errors(401, 429, 503),
    openapi_extra=policy(auth="required", rate_class="read"),
)
def read_keys(
    request: Request,
    who: Principal = Depends(principal),
    service: ApiKeysService = Depends(get_apikeys_service),
) -> Response:
    return ok(request, service.view(who))


@router.put(
    "/api/settings/apikeys",
    response_model=Envelope[ApiKeysView],
    responses=errors(400, 401, 413, 415, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write"),
)
def save_keys(
    body: ApiKeysWrite,
    request: Request,
    who: Principal = Depends(principal),
    service: ApiKeysService = Depends(get_apikeys_service),
) -> Response:
    return ok(request, service.save(who, body))


@router.delete(
    "/api/settings/apikeys",
    response_model=Envelope[ApiKeysView],
    responses=errors(400, 401, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write"),
)
def delete_keys(
    request: Request,
    provider: Provider | None = Query(None),
    who: Principal = Depends(principal),
    service: ApiKeysService = Depends(get_apikeys_service),
) -> Response:
    return ok(request, service.delete(who, provider))


app = create_app(router)
lambda_handler = make_handler(app)
