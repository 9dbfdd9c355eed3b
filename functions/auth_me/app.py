"""/api/auth/me — the signed-in user's account (spec §4)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.models import MeResult
from describe_it.auth.service import AuthService, get_auth_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal

router = api_router()


@router.get(
    "/api/auth/me",
    response_model=Envelope[MeResult],
    responses=errors(401, 429, 503),
    openapi_extra=policy(auth="required", rate_class="read"),
)
def me(request: Request, who: Principal = Depends(principal), service: AuthService = Depends(get_auth_service)) -> Response:
    return ok(request, MeResult(user=service.me(who)))


app = create_app(router)
lambda_handler = make_handler(app)
