"""POST /api/auth/reset-password — set a new password with the e-mailed token (or, with only
``{email}``, the same as forgot-password)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.flow_models import ResetPasswordRequest, ResetResult, SentResult
from describe_it.auth.flows import AccountFlows, get_account_flows
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import client_of
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy

router = api_router()


@router.endpoint(
    "POST",
    "/api/auth/reset-password",
    ResetResult,
    policy(auth="none", body_limit=8 * KB),
    also={202: SentResult},
)
def reset_password(
    body: ResetPasswordRequest, request: Request, flows: AccountFlows = Depends(get_account_flows)
) -> Response:
    """Set a new password with the e-mailed token

    `{token, password}` sets the password, verifies the address and ends every session (`autoLogin`
    answers a new one). `{email}` alone is the same as forgot-password: 202 `{sent: true}`. An unknown,
    used or expired token is 400.
    """
    client = client_of(request)
    if body.token is None:
        assert body.email is not None
        return ok(request, flows.forgot_password(body.email, client), status_code=202)
    return ok(request, flows.reset_password(body, client))


app = create_app(router)
lambda_handler = make_handler(app)
