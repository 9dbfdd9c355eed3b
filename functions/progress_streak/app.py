"""/api/progress/streak (GET) — active days in the user's time zone, streaks and history (spec §11.4)."""

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.progress.models import Streak
from describe_it.progress.service import ProgressService, get_progress_service
from describe_it.vocabulary.models import Int

router = api_router()


@router.endpoint("GET", "/api/progress/streak", Streak, policy(auth="required", rate_class="read"))
def read_streak(
    request: Request,
    days: Int = Query(30, ge=7, le=365, description="Days of history (7–365)"),
    who: Principal = Depends(principal),
    service: ProgressService = Depends(get_progress_service),
) -> Response:
    """Your streak

    Active days in your time zone, current and longest streak, and the day history (spec §11.4).
    """
    return ok(request, service.streak(who, days))


app = create_app(router)
lambda_handler = make_handler(app)
