"""POST /api/auth/resend-verification — send a new verification e-mail (always 202); never reveals whether the address has an account."""

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
    "POST", "/api/auth/resend-verification", SentResult, policy(auth="none", body_limit=8 * KB), status=202
)
def resend_verification(
    body: EmailRequest, request: Request, flows: AccountFlows = Depends(get_account_flows)
) -> Response:
    """Send a new verification e-mail

    Always 202 `{sent: true}`, whether or not the address has an account that still needs
    verifying. At most 3 per hour per address and 20 per hour per IP.
    """
    return ok(request, flows.resend_verification(body.email, client_of(request)), status_code=202)


app = create_app(router)
lambda_handler = make_handler(app)
