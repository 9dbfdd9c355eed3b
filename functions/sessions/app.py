"""/api/sessions (GET the caller's sessions, POST start one) — learning sessions (spec §11.6)."""

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.progress.params import Range, range_params
from describe_it.sessions.models import SessionCreate, SessionTypeField, SessionView, Status
from describe_it.sessions.service import SessionService, get_session_service

router = api_router()


@router.endpoint("GET", "/api/sessions", list[SessionView], policy(auth="required", rate_class="read"))
def read_sessions(
    request: Request,
    status: Status | None = Query(None),
    session_type: SessionTypeField | None = Query(None, alias="sessionType"),
    started: Range = Depends(range_params),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    service: SessionService = Depends(get_session_service),
) -> Response:
    """Your learning sessions

    A page of sessions, filtered by status, type and start time (spec §11.6).
    """
    sessions, block = service.page(who, status=status, session_type=session_type, started=started, page=page)
    return ok(request, sessions, pagination=block)


@router.endpoint(
    "POST",
    "/api/sessions",
    SessionView,
    policy(auth="required", rate_class="write", idempotent=True),
    status=201,
    headers=("Location",),
)
def start_session(
    body: SessionCreate,
    request: Request,
    who: Principal = Depends(principal),
    service: SessionService = Depends(get_session_service),
) -> Response:
    """Start a learning session

    201 with the session and its `Location`.
    """
    created = service.create(who, body, request.headers.get("user-agent"))
    return ok(request, created, status_code=201, headers={"Location": f"/api/sessions/{created.id}"})


app = create_app(router)
lambda_handler = make_handler(app)
