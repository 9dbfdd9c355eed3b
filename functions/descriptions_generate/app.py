"""POST /api/descriptions/generate — an image described in English and Spanish (spec §5.1); GET — what
the route can do (§5.2). The same function runs asynchronous generations: an internal event (never a
gateway event) names the job to run (describe_it/generation/dispatch.py)."""

from fastapi import Depends, Header, Request
from starlette.responses import Response

from describe_it.generation.dispatch import is_job_event, run_job_event
from describe_it.generation.info import CACHE_CONTROL, etag, no_cache, prefers_async, service_info
from describe_it.generation.models import GenerateRequest, ServiceInfo
from describe_it.generation.service import Accepted, GenerationService, get_generation_service
from describe_it.generation.views import DescriptionEntry, JobAccepted
from describe_it.http.app import InternalEvents, api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import MB, policy
from describe_it.identity import Principal
from describe_it.images.search import etag_matches

router = api_router()


@router.endpoint(
    "POST",
    "/api/descriptions/generate",
    list[DescriptionEntry],
    # ai-describe is charged by the service, only when a model call is needed (cache hits are free).
    policy(auth="optional", body_limit=5 * MB, idempotent=True),
    also={202: JobAccepted},  # generated asynchronously: a job (Prefer: respond-async, maxLength > 450)
    errors=(403, 404, 502, 504),
)
def generate(
    body: GenerateRequest,
    request: Request,
    prefer: str | None = Header(None),
    cache_control: str | None = Header(None),
    who: Principal = Depends(principal),
    service: GenerationService = Depends(get_generation_service),
) -> Response:
    """Describe an image in English and Spanish

    Both languages in parallel on the describe workflow, from the generation cache when it has them (no
    model call, `cached: true`). `Prefer: respond-async` (or `maxLength` over 450) answers 202 with a job to
    poll at `statusUrl`. `Cache-Control: no-cache` or `fresh: true` skips the cache read. The `ai-describe`
    limit is charged only when a model is called; a foreign `sessionId` is 404, `save` as a guest 401.
    """
    wants_async = prefers_async(prefer)
    outcome = service.generate(who, body, respond_async=wants_async, no_cache=no_cache(cache_control))
    if isinstance(outcome, Accepted):
        headers = {"Location": outcome.job.status_url, **outcome.rate_headers}
        if wants_async:
            headers["Preference-Applied"] = "respond-async"
        return ok(request, outcome.job, status_code=202, headers=headers)
    return ok(request, outcome.entries, message=outcome.message, headers=outcome.rate_headers)


@router.endpoint(
    "GET",
    "/api/descriptions/generate",
    ServiceInfo,
    policy(auth="none", rate_class="read"),
    also={304: None},  # If-None-Match names the current answer
    headers=("ETag", "Cache-Control"),
)
def capabilities(request: Request, if_none_match: str | None = Header(None)) -> Response:
    """Description generation capabilities

    Styles, lengths, image inputs, limits and whether the model path is up (spec §5.2).
    """
    info = service_info()
    headers = {"ETag": etag(info), "Cache-Control": CACHE_CONTROL}
    if etag_matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return ok(request, info, headers=headers)


app = create_app(router)
lambda_handler = make_handler(app, internal=InternalEvents(accepts=is_job_event, run=run_job_event))
