"""POST /api/auth/forgot-password — Send a password-reset e-mail (always 202); never reveals whether the address has an account."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.flow_models import EmailRequest, SentResult
from describe_it.auth.flows import AccountFlows, get_account_flows
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import client_of
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy

router = api_router()


@router.post(
    "/api/auth/forgot-password",
    status_code=202,
    response_model=Envelope[SentResult],
    responses=errors(400, 413, 415, 429, 503),
    openapi_extra=policy(auth="none", body_limit=8 * KB),
)
def forgot_password(
    body: EmailRequest, request: Request, flows: AccountFlows = Depends(get_account_flows)
) -> Response:
    return ok(request, flows.forgot_password(body.email, client_of(request)), status_code=202)


app = create_app(router)
lambda_handler = make_handler(app)
