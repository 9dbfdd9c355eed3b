"""POST /api/qa/generate — comprehension questions about a text; GET — what the route accepts (spec §6.1–6.2)."""

from fastapi import Depends, Header, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import KB, policy
from describe_it.identity import Principal
from describe_it.textai.qa_models import QaCapabilities, QaRequest, QaResult

router = api_router()


@router.endpoint(
    "POST",
    "/api/qa/generate",
    QaResult,
    # ai-text is charged by the service just before a model call: cache hits are free (spec §2.3).
    policy(auth="optional", body_limit=128 * KB),
    errors=(502, 504),
)
def generate_questions(
    body: QaRequest,
    request: Request,
    cache_control: str | None = Header(None),
    who: Principal = Depends(principal),
) -> Response:
    """Generate comprehension questions

    Questions about a text (spec §6.1); `Cache-Control: no-cache` asks for fresh ones. The `ai-text` limit is charged only when a model is called.
    """
    from describe_it.textai.qa import get_qa_service

    result, decision = get_qa_service().generate(who, body, fresh="no-cache" in (cache_control or "").lower())
    if decision is not None:
        request.state.rate_decision = decision  # X-RateLimit-* of the ai-text class
    return ok(request, result)


@router.endpoint(
    "GET",
    "/api/qa/generate",
    QaCapabilities,
    policy(auth="none", rate_class="read"),
    headers=("Cache-Control",),
)
def capabilities(request: Request) -> Response:
    """Question generation limits

    What `POST /api/qa/generate` accepts (spec §6.2).
    """
    from describe_it.textai.capabilities import qa_capabilities

    return ok(request, qa_capabilities(), headers={"Cache-Control": "public, max-age=3600"})


app = create_app(router)
lambda_handler = make_handler(app)
