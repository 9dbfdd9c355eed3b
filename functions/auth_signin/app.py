"""POST /api/auth/signin — exchange e-mail and password for a session (spec §4)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.models import AuthResult, SigninRequest
from describe_it.auth.service import AuthService, get_auth_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import client_of
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy

router = api_router()


@router.endpoint(
    "POST", "/api/auth/signin", AuthResult, policy(auth="none", body_limit=8 * KB), errors=(403,)
)
def signin(
    body: SigninRequest, request: Request, service: AuthService = Depends(get_auth_service)
) -> Response:
    """Sign in with e-mail and password

    Answers the user and a session (`data.session.access_token` is the bearer token). A wrong password
    and an unknown address are the same 401. 10 failures per address and IP, or 50 per address, in
    15 minutes → 429 with `Retry-After`; an unverified address (where required) or a suspended account
    is 403 after a correct password.
    """
    return ok(request, service.signin(body, client_of(request)))


app = create_app(router)
lambda_handler = make_handler(app)
