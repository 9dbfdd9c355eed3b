"""POST /api/translate — one text or a batch of up to 50; GET — languages and limits (spec §8)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
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


@router.endpoint(
    "POST",
    "/api/translate",
    SingleTranslation | BatchTranslation,
    # ai-text is charged by the service just before a model call: cache hits are free (spec §2.3).
    policy(auth="optional", body_limit=128 * KB),
    errors=(502, 504),
)
def translate(body: TranslateRequest, request: Request, who: Principal = Depends(principal)) -> Response:
    """Translate text

    One text or a batch of up to 50, between Spanish and English; offline translations come from the language toolkit. The `ai-text` limit is charged only when a model is called (cache hits are free).
    """
    from describe_it.textai.translate import get_translate_service

    result, decision = get_translate_service().translate(who, body)
    if decision is not None:
        request.state.rate_decision = decision  # X-RateLimit-* of the ai-text class
    return ok(request, result)


@router.endpoint(
    "GET",
    "/api/translate",
    TranslateCapabilities,
    policy(auth="none", rate_class="read"),
    headers=("Cache-Control",),
)
def capabilities(request: Request) -> Response:
    """Translation languages and limits

    What `POST /api/translate` accepts.
    """
    from describe_it.textai.capabilities import translate_capabilities

    return ok(request, translate_capabilities(), headers={"Cache-Control": "public, max-age=86400"})


app = create_app(router)
lambda_handler = make_handler(app)
