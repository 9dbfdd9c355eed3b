"""POST /api/auth/signout — revoke this session, a given one, or all of the user's (spec §4); the
refresh token alone is enough when the access token has expired (correction 7)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.models import SignoutRequest, SignoutResult
from describe_it.auth.service import AuthService, get_auth_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy
from describe_it.identity import Principal

router = api_router()


@router.endpoint("POST", "/api/auth/signout", SignoutResult, policy(auth="optional", body_limit=8 * KB))
def signout(
    body: SignoutRequest,
    request: Request,
    who: Principal = Depends(principal),
    service: AuthService = Depends(get_auth_service),
) -> Response:
    """Sign out

    Revokes the sign-in of the bearer token, or of `refreshToken` (enough on its own when the access
    token has expired), or with `allDevices` every sign-in of the user. Access tokens of a revoked
    sign-in stop working at once.
    """
    return ok(request, service.signout(who, body))


app = create_app(router)
lambda_handler = make_handler(app)
