"""/api/progress/stats (GET) — the progress dashboard: points, streaks, totals, today, this week,
achievements, trend and milestones, all computed from the stored activity (spec §11.3)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.progress.models import ProgressStats
from describe_it.progress.service import ProgressService, get_progress_service

router = api_router()


@router.endpoint("GET", "/api/progress/stats", ProgressStats, policy(auth="required", rate_class="read"))
def read_stats(
    request: Request,
    who: Principal = Depends(principal),
    service: ProgressService = Depends(get_progress_service),
) -> Response:
    """Progress dashboard

    Points, streaks, totals and today's activity (spec §11.3).
    """
    return ok(request, service.stats(who))


app = create_app(router)
lambda_handler = make_handler(app)
