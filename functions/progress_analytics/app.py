"""/api/progress/analytics (GET) — per-day series, breakdowns, trends and recommendations (spec §11.5)."""

from typing import Literal

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.progress.models import Analytics
from describe_it.progress.service import ProgressService, get_progress_service

router = api_router()


@router.endpoint("GET", "/api/progress/analytics", Analytics, policy(auth="required", rate_class="read"))
def read_analytics(
    request: Request,
    period: Literal["7d", "30d", "90d", "365d"] = Query("30d"),
    who: Principal = Depends(principal),
    service: ProgressService = Depends(get_progress_service),
) -> Response:
    """Learning analytics

    Per-day series, breakdowns, trends and recommendations over a period (spec §11.5).
    """
    return ok(request, service.analytics(who, period))


app = create_app(router)
lambda_handler = make_handler(app)
