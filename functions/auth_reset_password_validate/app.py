"""POST /api/auth/reset-password/validate — is this reset token still usable? (does not consume it)"""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.flow_models import TokenRequest, TokenValidity
from describe_it.auth.flows import AccountFlows, get_account_flows
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import client_of
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy

router = api_router()


@router.endpoint(
    "POST", "/api/auth/reset-password/validate", TokenValidity, policy(auth="none", body_limit=8 * KB)
)
def validate(
    body: TokenRequest, request: Request, flows: AccountFlows = Depends(get_account_flows)
) -> Response:
    """Check a password-reset token

    `{valid, expiresAt?}`; the token is not used up. At most 10 token submissions per 15 minutes per IP.
    """
    return ok(request, flows.validate_reset_token(body.token, client_of(request)))


app = create_app(router)
lambda_handler = make_handler(app)
