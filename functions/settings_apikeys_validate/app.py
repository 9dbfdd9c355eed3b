"""POST /api/settings/apikeys/validate — test a provider key with one cheap provider call (spec §14.3)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.apikeys.models import ValidateRequest, ValidateResult
from describe_it.apikeys.service import ApiKeysService, get_apikeys_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal

router = api_router()


@router.endpoint(
    "POST",
    "/api/settings/apikeys/validate",
    ValidateResult,
    # The `keys` class fails closed, which the route policy cannot express: the service charges it.
    policy(auth="optional", rate_class=None),
    errors=(502, 504),
)
def validate_key(
    body: ValidateRequest,
    request: Request,
    who: Principal = Depends(principal),
    service: ApiKeysService = Depends(get_apikeys_service),
) -> Response:
    """Check a provider key

    With `apiKey`: that key's format, then one cheap provider call. Without: your stored key (needs
    a token). 200 even when the key is invalid (`valid: false`); 502/504 when the provider cannot be
    reached. 5 per hour for guests, 10 for users (class `keys`, fails closed).
    """
    result, decision = service.validate(who, body)
    return ok(request, result, headers=decision.headers())


app = create_app(router)
lambda_handler = make_handler(app)
