"""POST /api/settings/apikeys/validate — test a provider key with one cheap provider call (spec §14.3)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.apikeys.models import ValidateRequest, ValidateResult
from describe_it.apikeys.service import ApiKeysService, get_apikeys_service
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal

router = api_router()


@router.post(
    "/api/settings/apikeys/validate",
    response_model=Envelope[ValidateResult],
    responses=errors(400, 401, 413, 415, 429, 502, 503, 504),
    # The `keys` class fails closed, which the route policy cannot express: the service charges it.
    openapi_extra=policy(auth="optional", rate_class=None),
)
def validate_key(
    body: ValidateRequest,
    request: Request,
    who: Principal = Depends(principal),
    service: ApiKeysService = Depends(get_apikeys_service),
) -> Response:
    result, decision = service.validate(who, body)
    return ok(request, result, headers=decision.headers())


app = create_app(router)
lambda_handler = make_handler(app)
