"""GET /api/descriptions/jobs/{jobId} — an asynchronous generation's status and result (spec §5.3)."""

from fastapi import Depends, Path, Request
from starlette.responses import Response

from describe_it.generation.jobs import job_for
from describe_it.generation.views import JobView
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal

router = api_router()


@router.endpoint(
    "GET",
    "/api/descriptions/jobs/{jobId}",
    JobView,
    policy(auth="optional", rate_class="read"),
    errors=(404,),
    headers=("Cache-Control", "Retry-After"),
)
def get_job(
    request: Request,
    job_id: str = Path(alias="jobId", min_length=1, max_length=64),
    who: Principal = Depends(principal),
) -> Response:
    """An asynchronous generation's status

    Visible to its creator only (a guest's job to whoever holds its id); unknown, foreign or expired jobs
    are 404. `Retry-After: 2` while queued or running; the result when done (spec §5.3).
    """
    view = job_for(who, job_id)
    headers = {"Cache-Control": "no-store"}
    if view.status in ("queued", "running"):
        headers["Retry-After"] = "2"
    return ok(request, view, headers=headers)


app = create_app(router)
lambda_handler = make_handler(app)
