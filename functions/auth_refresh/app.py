"""POST /api/auth/refresh — rotate a refresh token into a new session (spec §2.1, §4)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.models import AuthResult, RefreshRequest
from describe_it.auth.service import AuthService, get_auth_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import client_of
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy

router = api_router()


@router.post(
    "/api/auth/refresh",
    response_model=Envelope[AuthResult],
    responses=errors(400, 401, 403, 409, 413, 415, 429, 503),
    openapi_extra=policy(auth="none", body_limit=8 * KB),
)
def refresh(
    body: RefreshRequest, request: Request, service: AuthService = Depends(get_auth_service)
) -> Response:
    return ok(request, service.refresh(body.refresh_token, client_of(request)))


app = create_app(router)
lambda_handler = make_handler(app)
