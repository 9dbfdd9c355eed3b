"""/api/sessions/{id} (GET, PATCH) — one learning session; PATCH ends it (spec §11.6)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.sessions.models import SessionPatch, SessionView
from describe_it.sessions.service import SessionService, get_session_service
from describe_it.vocabulary.params import path_id

router = api_router()


@router.get(
    "/api/sessions/{id}",
    response_model=Envelope[SessionView],
    responses=errors(401, 404, 429, 503),
    openapi_extra=policy(auth="required", rate_class="read"),
)
def read_session(
    request: Request,
    id: str,
    who: Principal = Depends(principal),
    service: SessionService = Depends(get_session_service),
) -> Response:
    return ok(request, service.get(who, path_id(id, "Session not found")))


@router.patch(
    "/api/sessions/{id}",
    response_model=Envelope[SessionView],
    responses=errors(400, 401, 404, 409, 413, 415, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write"),
)
def update_session(
    body: SessionPatch,
    request: Request,
    id: str,
    who: Principal = Depends(principal),
    service: SessionService = Depends(get_session_service),
) -> Response:
    return ok(request, service.update(who, path_id(id, "Session not found"), body))


app = create_app(router)
lambda_handler = make_handler(app)
