"""POST /api/phrases/extract — vocabulary from a Spanish text, categorised and sorted (spec §7)."""

from fastapi import Depends, Header, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy
from describe_it.identity import Principal
from describe_it.textai.phrases_models import PhrasesRequest, PhrasesResult

router = api_router()


@router.endpoint(
    "POST",
    "/api/phrases/extract",
    PhrasesResult,
    # ai-text is charged by the service just before a model call: cache hits are free (spec §2.3).
    policy(auth="optional", body_limit=128 * KB),
    errors=(502, 504),
)
def extract_phrases(
    body: PhrasesRequest,
    request: Request,
    cache_control: str | None = Header(None),
    who: Principal = Depends(principal),
) -> Response:
    """Extract vocabulary from a text

    Phrases of a Spanish text, categorised and sorted (spec §7); `Cache-Control: no-cache` asks for a fresh extraction. The `ai-text` limit is charged only when a model is called.
    """
    from describe_it.textai.phrases import get_phrases_service

    fresh = "no-cache" in (cache_control or "").lower()
    result, decision = get_phrases_service().extract(who, body, fresh=fresh)
    if decision is not None:
        request.state.rate_decision = decision  # X-RateLimit-* of the ai-text class
    return ok(request, result)


app = create_app(router)
lambda_handler = make_handler(app)
