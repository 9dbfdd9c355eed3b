"""/api/settings/apikeys — the caller's own provider keys, stored encrypted, shown as last4 (spec §14.3)."""

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.apikeys.models import ApiKeysView, ApiKeysWrite, Provider
from describe_it.apikeys.service import ApiKeysService, get_apikeys_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal

router = api_router()


@router.endpoint("GET", "/api/settings/apikeys", ApiKeysView, policy(auth="required", rate_class="read"))
def read_keys(
    request: Request,
    who: Principal = Depends(principal),
    service: ApiKeysService = Depends(get_apikeys_service),
) -> Response:
    """Your provider keys

    Whether an Anthropic and an Unsplash key are stored, their last 4 characters and status; never
    the key itself.
    """
    return ok(request, service.view(who))


@router.endpoint("PUT", "/api/settings/apikeys", ApiKeysView, policy(auth="required", rate_class="write"))
def save_keys(
    body: ApiKeysWrite,
    request: Request,
    who: Principal = Depends(principal),
    service: ApiKeysService = Depends(get_apikeys_service),
) -> Response:
    """Store your provider keys

    `{anthropic?, unsplash?}`: a key is stored encrypted; `null` deletes it; an absent field keeps it.
    """
    return ok(request, service.save(who, body))


@router.endpoint("DELETE", "/api/settings/apikeys", ApiKeysView, policy(auth="required", rate_class="write"))
def delete_keys(
    request: Request,
    provider: Provider | None = Query(None),
    who: Principal = Depends(principal),
    service: ApiKeysService = Depends(get_apikeys_service),
) -> Response:
    """Delete your provider keys

    The `provider` named, or both.
    """
    return ok(request, service.delete(who, provider))


app = create_app(router)
lambda_handler = make_handler(app)
