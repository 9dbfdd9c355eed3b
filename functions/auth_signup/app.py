"""POST /api/auth/signup — create an account (spec §4)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.models import SignupPending, SignupRequest, SignupResult
from describe_it.auth.service import AuthService, get_auth_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import client_of
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy

router = api_router()


@router.post(
    "/api/auth/signup",
    status_code=201,
    response_model=Envelope[SignupResult],
    responses={
        202: {
            "model": Envelope[SignupPending],
            "description": "Verification e-mail sent (new or existing address)",
        },
        **errors(400, 409, 413, 415, 429, 503),
    },
    openapi_extra=policy(auth="none", body_limit=8 * KB, idempotent=True),
)
def signup(
    body: SignupRequest, request: Request, service: AuthService = Depends(get_auth_service)
) -> Response:
    status, result = service.signup(body, client_of(request))
    return ok(request, result, status_code=status)


app = create_app(router)
lambda_handler = make_handler(app)
