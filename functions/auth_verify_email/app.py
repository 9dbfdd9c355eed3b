"""/api/auth/verify-email — confirm an address with the e-mailed token (POST), or by the link (GET → 303)."""

from fastapi import Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from describe_it.auth.flow_models import TokenRequest, VerifiedResult
from describe_it.auth.flows import AccountFlows, get_account_flows
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import client_of
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy

router = api_router()


@router.endpoint("POST", "/api/auth/verify-email", VerifiedResult, policy(auth="none", body_limit=8 * KB))
def verify_email(
    body: TokenRequest, request: Request, flows: AccountFlows = Depends(get_account_flows)
) -> Response:
    """Confirm an address with the e-mailed token

    An unknown, used or expired token is 400 (the same for each); a token already used by the same,
    now verified user answers verified.
    """
    return ok(request, flows.verify_email(body.token, client_of(request)))


@router.endpoint("GET", "/api/auth/verify-email", None, policy(auth="none"), status=303)
def verify_email_link(
    request: Request,
    token: str | None = Query(None, max_length=256),
    flows: AccountFlows = Depends(get_account_flows),
) -> Response:
    """Follow the e-mailed verification link

    Always a 303 to the app: `?auth=verified` or `?auth=verify_failed`. A `HEAD` (what link scanners
    send) redirects without using the token.
    """
    probe = request.state.is_head  # set by the middleware, which serves HEAD as GET
    target = flows.verify_email_redirect(token, client_of(request), probe=probe)
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})


app = create_app(router)
lambda_handler = make_handler(app)
