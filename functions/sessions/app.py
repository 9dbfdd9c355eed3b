"""/api/sessions (GET the caller's sessions, POST start one) — learning sessions (spec §11.6)."""

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.progress.params import Range, time_range
from describe_it.sessions.models import SessionCreate, SessionTypeField, SessionView, Status
from describe_it.sessions.service import SessionService, get_session_service

router = api_router()


def started_range(
    start: str | None = Query(None, alias="from", max_length=40, description="Date or RFC 3339 timestamp"),
    start_alias: str | None = Query(None, alias="dateFrom", max_length=40),
    end: str | None = Query(None, alias="to", max_length=40, description="Date (whole day) or timestamp"),
    end_alias: str | None = Query(None, alias="dateTo", max_length=40),
) -> Range:
    return time_range(start, start_alias, end, end_alias)


@router.get(
    "/api/sessions",
    response_model=Envelope[list[SessionView]],
    responses=errors(400, 401, 429, 503),
    openapi_extra=policy(auth="required", rate_class="read"),
)
def read_sessions(
    request: Request,
    status: Status | None = Query(None),
    session_type: SessionTypeField | None = Query(None, alias="sessionType"),
    started: Range = Depends(started_range),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    service: SessionService = Depends(get_session_service),
) -> Response:
    sessions, block = service.page(who, status=status, session_type=session_type, started=started, page=page)
    return ok(request, sessions, pagination=block)


@router.post(
    "/api/sessions",
    status_code=201,
    response_model=Envelope[SessionView],
    responses=errors(400, 401, 409, 413, 415, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write", idempotent=True),
)
def start_session(
    body: SessionCreate,
    request: Request,
    who: Principal = Depends(principal),
    service: SessionService = Depends(get_session_service),
) -> Response:
    created = service.create(who, body, request.headers.get("user-agent"))
    return ok(request, created, status_code=201, headers={"Location": f"/api/sessions/{created.id}"})


app = create_app(router)
lambda_handler = make_handler(app)
