"""GET/HEAD /api/health — liveness: answers without touching any dependency (spec §16)."""

from fastapi import Request
from starlette.responses import Response

from describe_it.health.models import Liveness
from describe_it.health.service import liveness
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.docs import Envelope
from describe_it.http.envelope import ok
from describe_it.http.policy import policy

router = api_router()


# No DynamoDB rate limit here on purpose: a liveness probe must not depend on DynamoDB. The
# gateway's per-route throttle (template.yaml) protects this route instead.
@router.get("/api/health", response_model=Envelope[Liveness], openapi_extra=policy(auth="none", burst=False))
def health(request: Request) -> Response:
    return ok(request, liveness(), headers={"Cache-Control": "public, max-age=5"})


app = create_app(router)
lambda_handler = make_handler(app)
