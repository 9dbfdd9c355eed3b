"""POST /api/auth/forgot-password — send a password-reset e-mail (always 202); never reveals whether the address has an account."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.flow_models import EmailRequest, SentResult
from describe_it.auth.flows import AccountFlows, get_account_flows
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import client_of
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy

router = api_router()


@router.endpoint(
    "POST", "/api/auth/forgot-password", SentResult, policy(auth="none", body_limit=8 * KB), status=202
)
def forgot_password(
    body: EmailRequest, request: Request, flows: AccountFlows = Depends(get_account_flows)
) -> Response:
    """Send a password-reset e-mail

    Always 202 `{sent: true}`, whether or not the address has an account; the e-mail goes only to an
    active account. At most 3 per hour per address and 20 per hour per IP.
    """
    return ok(request, flows.forgot_password(body.email, client_of(request)), status_code=202)


app = create_app(router)
lambda_handler = make_handler(app)
