"""GET /api/monitoring/health — readiness of every dependency, with latencies (spec §16)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.health.models import Readiness
from describe_it.health.service import ReadinessChecker, get_readiness_checker
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.envelope import ok
from describe_it.http.policy import policy

router = api_router()


@router.endpoint("GET", "/api/monitoring/health", Readiness, policy(auth="none", rate_class="ops"))
def monitoring_health(
    request: Request, checker: ReadinessChecker = Depends(get_readiness_checker)
) -> Response:
    """Readiness of every dependency

    Database, DynamoDB, AI and image configuration, each with its latency. 503 (details name the
    failing checks) when the database or DynamoDB is down; cached 10 s per function.
    """
    return ok(request, checker.check())


app = create_app(router)
lambda_handler = make_handler(app)
