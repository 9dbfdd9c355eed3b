"""/api/auth/me — the signed-in user's account: read, update the profile, delete it (spec §4)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.flow_models import DeleteAccountRequest, Deleted, ProfileUpdate
from describe_it.auth.flows import AccountFlows, get_account_flows
from describe_it.auth.models import MeResult
from describe_it.auth.service import AuthService, get_auth_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy
from describe_it.identity import Principal

router = api_router()


@router.endpoint("GET", "/api/auth/me", MeResult, policy(auth="required", rate_class="read"))
def me(
    request: Request, who: Principal = Depends(principal), service: AuthService = Depends(get_auth_service)
) -> Response:
    """Your profile"""
    return ok(request, MeResult(user=service.me(who)))


@router.endpoint(
    "PATCH",
    "/api/auth/me",
    MeResult,
    policy(auth="required", rate_class="write", body_limit=8 * KB),
    errors=(409,),
)
def update_me(
    body: ProfileUpdate,
    request: Request,
    who: Principal = Depends(principal),
    flows: AccountFlows = Depends(get_account_flows),
) -> Response:
    """Update your profile

    Only the fields sent change. A username another account has is 409.
    """
    return ok(request, MeResult(user=flows.update_profile(who, body)))


@router.endpoint("DELETE", "/api/auth/me", Deleted, policy(auth="required", body_limit=8 * KB), errors=(403,))
def delete_me(
    body: DeleteAccountRequest,
    request: Request,
    who: Principal = Depends(principal),
    flows: AccountFlows = Depends(get_account_flows),
) -> Response:
    """Delete your account

    Needs your password (a wrong one is 403 `INVALID_CREDENTIALS`). Removes the account and every row
    you own in one transaction; every session ends. At most 5 attempts per 15 minutes.
    """
    return ok(request, flows.delete_account(who, body.password))


app = create_app(router)
lambda_handler = make_handler(app)
