"""/api/sessions/{id} (GET, PATCH) — one learning session; PATCH ends it (spec §11.6)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.sessions.models import SessionPatch, SessionView
from describe_it.sessions.service import SessionService, get_session_service
from describe_it.vocabulary.params import PathId, path_id

router = api_router()


@router.endpoint(
    "GET",
    "/api/sessions/{id}",
    SessionView,
    policy(auth="required", rate_class="read"),
    errors=(404,),
)
def read_session(
    request: Request,
    id: PathId,
    who: Principal = Depends(principal),
    service: SessionService = Depends(get_session_service),
) -> Response:
    """One learning session

    Yours only (404 otherwise).
    """
    return ok(request, service.get(who, path_id(id, "Session not found")))


@router.endpoint(
    "PATCH",
    "/api/sessions/{id}",
    SessionView,
    policy(auth="required", rate_class="write"),
    errors=(404, 409),
)
def update_session(
    body: SessionPatch,
    request: Request,
    id: PathId,
    who: Principal = Depends(principal),
    service: SessionService = Depends(get_session_service),
) -> Response:
    """Update or end a session

    Counters and status; ending it fixes its duration.
    """
    return ok(request, service.update(who, path_id(id, "Session not found"), body))


app = create_app(router)
lambda_handler = make_handler(app)
