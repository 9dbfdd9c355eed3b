"""POST /api/auth/refresh — rotate a refresh token into a new session (spec §2.1, §4)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.models import AuthResult, RefreshRequest
from describe_it.auth.service import AuthService, get_auth_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import client_of
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy

router = api_router()


@router.endpoint(
    "POST",
    "/api/auth/refresh",
    AuthResult,
    policy(auth="none", body_limit=8 * KB),
    errors=(403, 409),
)
def refresh(
    body: RefreshRequest, request: Request, service: AuthService = Depends(get_auth_service)
) -> Response:
    """Rotate a refresh token

    Answers a new access and refresh token of the same sign-in. A token rotated in the last 10 s is
    409 `refresh_in_progress` (use the newest pair); an older rotated one revokes the whole sign-in
    (reuse detection) and is 401. A suspended account is 403.
    """
    return ok(request, service.refresh(body.refresh_token, client_of(request)))


app = create_app(router)
lambda_handler = make_handler(app)
