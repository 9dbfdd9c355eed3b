"""GET/HEAD /api/health — liveness: answers without touching any dependency (spec §16)."""

from fastapi import Request
from starlette.responses import Response

from describe_it.health.models import Liveness
from describe_it.health.service import liveness
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.envelope import ok
from describe_it.http.policy import policy

router = api_router()


# No DynamoDB rate limit here on purpose: a liveness probe must not depend on DynamoDB. The
# gateway's per-route throttle (template.yaml) protects this route instead.
@router.endpoint("GET", "/api/health", Liveness, policy(auth="none", burst=False), headers=("Cache-Control",))
def health(request: Request) -> Response:
    """Liveness

    Touches no dependency (database, DynamoDB); `HEAD` works too. Cacheable for 5 seconds.
    """
    return ok(request, liveness(), headers={"Cache-Control": "public, max-age=5"})


app = create_app(router)
lambda_handler = make_handler(app)
