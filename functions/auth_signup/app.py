"""POST /api/auth/signup — create an account (spec §4)."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.auth.models import SignupPending, SignupRequest, SignupResult
from describe_it.auth.service import AuthService, get_auth_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import client_of
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy
from describe_it.http.replay import (
    ReplayHook,
    envelope_data,
    register_replay_hook,
    with_data_field,
    without_data_fields,
)
from describe_it.runtime.idempotency import StoredResponse

router = api_router()


def replay_with_new_session(
    request: Request, inputs: Mapping[str, Any], stored: StoredResponse
) -> StoredResponse:
    """A replayed 201 gets a new session: the first one's tokens were never stored."""
    data = envelope_data(stored)
    if stored.status != 201 or data is None:
        return stored  # 202 and errors hold no secret
    session = get_auth_service().resume_signup(inputs["body"], UUID(data["user"]["id"]), client_of(request))
    return with_data_field(stored, "session", session.model_dump(mode="json", by_alias=True))


register_replay_hook(
    "signup-session", ReplayHook(redact=without_data_fields("session"), restore=replay_with_new_session)
)


@router.endpoint(
    "POST",
    "/api/auth/signup",
    SignupResult,
    policy(auth="none", body_limit=8 * KB, idempotent=True, replay="signup-session"),
    status=201,
    also={202: SignupPending},
    errors=(403,),  # a replay for a suspended account (the replay re-checks the password)
)
def signup(
    body: SignupRequest, request: Request, service: AuthService = Depends(get_auth_service)
) -> Response:
    """Create an account

    Where e-mail verification is on (in AWS): 202 `{needsEmailConfirmation: true}` for a new and an
    existing address alike (no enumeration). Where it is off (locally): 201 with the user and a
    session; an address or username already taken is 409. At most 5 per hour per IP.
    """
    status, result = service.signup(body, client_of(request))
    return ok(request, result, status_code=status)


app = create_app(router)
lambda_handler = make_handler(app)
