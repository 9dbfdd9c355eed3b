"""POST /api/translate — one text or a batch of up to 50; GET — languages and limits (spec §8)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy
from describe_it.identity import Principal
from describe_it.textai.translate_models import (
    BatchTranslation,
    SingleTranslation,
    TranslateCapabilities,
    TranslateRequest,
)

router = api_router()


@router.post(
    "/api/translate",
    response_model=Envelope[SingleTranslation | BatchTranslation],
    responses=errors(400, 401, 413, 415, 429, 502, 503, 504),
    # ai-text is charged by the service just before a model call: cache hits are free (spec §2.3).
    openapi_extra=policy(auth="optional", body_limit=128 * KB),
)
def translate(body: TranslateRequest, request: Request, who: Principal = Depends(principal)) -> Response:
    from describe_it.textai.translate import get_translate_service

    result, decision = get_translate_service().translate(who, body)
    if decision is not None:
        request.state.rate_decision = decision  # X-RateLimit-* of the ai-text class
    return ok(request, result)


@router.get(
    "/api/translate",
    response_model=Envelope[TranslateCapabilities],
    responses=errors(429),
    openapi_extra=policy(auth="none", rate_class="read"),
)
def capabilities(request: Request) -> Response:
    from describe_it.textai.capabilities import translate_capabilities

    return ok(request, translate_capabilities(), headers={"Cache-Control": "public, max-age=86400"})


app = create_app(router)
lambda_handler = make_handler(app)
