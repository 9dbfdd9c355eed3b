"""PUT /api/auth/update-password — change the password with the current one; other sessions end."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.flow_models import PasswordUpdated, UpdatePasswordRequest
from describe_it.auth.flows import AccountFlows, get_account_flows
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import client_of, principal
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy
from describe_it.identity import Principal

router = api_router()


@router.endpoint(
    "PUT",
    "/api/auth/update-password",
    PasswordUpdated,
    policy(auth="required", body_limit=8 * KB),
    errors=(403,),
)
def update_password(
    body: UpdatePasswordRequest,
    request: Request,
    who: Principal = Depends(principal),
    flows: AccountFlows = Depends(get_account_flows),
) -> Response:
    """Change your password

    Needs the current password (a wrong one is 403 `INVALID_CREDENTIALS`); every other session ends
    and this one is replaced by the new session in the answer. At most 5 attempts per 15 minutes.
    """
    return ok(request, flows.update_password(who, body, client_of(request)))


app = create_app(router)
lambda_handler = make_handler(app)
