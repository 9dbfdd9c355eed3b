"""/api/auth/me — the signed-in user's account: read, update the profile, delete it (spec §4)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.flow_models import DeleteAccountRequest, Deleted, ProfileUpdate
from describe_it.auth.flows import AccountFlows, get_account_flows
from describe_it.auth.models import MeResult
from describe_it.auth.service import AuthService, get_auth_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy
from describe_it.identity import Principal

router = api_router()


@router.get(
    "/api/auth/me",
    response_model=Envelope[MeResult],
    responses=errors(401, 429, 503),
    openapi_extra=policy(auth="required", rate_class="read"),
)
def me(
    request: Request, who: Principal = Depends(principal), service: AuthService = Depends(get_auth_service)
) -> Response:
    return ok(request, MeResult(user=service.me(who)))


@router.patch(
    "/api/auth/me",
    response_model=Envelope[MeResult],
    responses=errors(400, 401, 409, 413, 415, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write", body_limit=8 * KB),
)
def update_me(
    body: ProfileUpdate,
    request: Request,
    who: Principal = Depends(principal),
    flows: AccountFlows = Depends(get_account_flows),
) -> Response:
    return ok(request, MeResult(user=flows.update_profile(who, body)))


@router.delete(
    "/api/auth/me",
    response_model=Envelope[Deleted],
    responses=errors(400, 401, 403, 413, 415, 429, 503),
    openapi_extra=policy(auth="required", body_limit=8 * KB),
)
def delete_me(
    body: DeleteAccountRequest,
    request: Request,
    who: Principal = Depends(principal),
    flows: AccountFlows = Depends(get_account_flows),
) -> Response:
    return ok(request, flows.delete_account(who, body.password))


app = create_app(router)
lambda_handler = make_handler(app)
