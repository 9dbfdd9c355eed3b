"""GET /api/descriptions/jobs/{jobId} — an asynchronous generation's status and result (spec §5.3)."""

from fastapi import Depends, Path, Request
from starlette.responses import Response

from describe_it.generation.jobs import job_for
from describe_it.generation.views import JobView
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal

router = api_router()


@router.get(
    "/api/descriptions/jobs/{jobId}",
    response_model=Envelope[JobView],
    responses=errors(401, 404, 429, 503),
    openapi_extra=policy(auth="optional", rate_class="read"),
)
def get_job(
    request: Request, job_id: str = Path(alias="jobId"), who: Principal = Depends(principal)
) -> Response:
    view = job_for(who, job_id)
    headers = {"Cache-Control": "no-store"}
    if view.status in ("queued", "running"):
        headers["Retry-After"] = "2"
    return ok(request, view, headers=headers)


app = create_app(router)
lambda_handler = make_handler(app)
