"""/api/progress/track (POST a learning event, GET events or per-period buckets) — spec §11.2."""

from uuid import UUID

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.errors import Detail, ValidationFailed
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.progress.params import Range, time_range
from describe_it.progress.track_models import (
    EVENT_TYPES,
    Aggregation,
    EventAggregation,
    NotStored,
    TrackedEvent,
    TrackRequest,
)
from describe_it.progress.track_repository import EventFilter
from describe_it.progress.track_service import TrackService, get_track_service
from describe_it.vocabulary.params import query_text

router = api_router()


def event_filter(
    session_id: UUID | None = Query(None, alias="sessionId"),
    event_type: list[str] | None = Query(None, alias="eventType", description="Repeatable, or a comma list"),
    category: str | None = Query(None, max_length=300),
    difficulty: str | None = Query(None, max_length=300),
) -> EventFilter:
    types = [t.strip() for value in event_type or [] for t in value.split(",") if t.strip()]
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown or len(types) > len(EVENT_TYPES):
        message = f"eventType must be among {', '.join(EVENT_TYPES)}"
        raise ValidationFailed(message, details=[Detail("eventType", message, "invalid_enum")])
    return EventFilter(
        session_id=session_id,
        event_types=sorted(set(types)),
        category=query_text(category, "category", 100),
        difficulty=query_text(difficulty, "difficulty", 50),
    )


def event_range(
    start: str | None = Query(None, alias="from", max_length=40, description="Date or RFC 3339 timestamp"),
    start_alias: str | None = Query(None, alias="dateFrom", max_length=40),
    end: str | None = Query(None, alias="to", max_length=40, description="Date (whole day) or timestamp"),
    end_alias: str | None = Query(None, alias="dateTo", max_length=40),
) -> Range:
    return time_range(start, start_alias, end, end_alias)


@router.post(
    "/api/progress/track",
    status_code=201,
    response_model=Envelope[TrackedEvent | NotStored],
    responses={
        200: {"description": "A repeated clientEventId (the stored event), or not stored (saveProgress off)"},
        **errors(400, 401, 404, 409, 413, 415, 429, 503),
    },
    openapi_extra=policy(auth="required", rate_class="write", idempotent=True),
)
def track_event(
    body: TrackRequest,
    request: Request,
    who: Principal = Depends(principal),
    service: TrackService = Depends(get_track_service),
) -> Response:
    event, created = service.track(who, body)
    return ok(request, event, status_code=201 if created else 200)


@router.get(
    "/api/progress/track",
    response_model=Envelope[list[TrackedEvent]] | Envelope[EventAggregation],
    responses=errors(400, 401, 429, 503),
    openapi_extra=policy(auth="required", rate_class="read"),
)
def read_events(
    request: Request,
    aggregation: Aggregation | None = Query(None, description="Per-period buckets instead of a page"),
    filters: EventFilter = Depends(event_filter),
    span: Range = Depends(event_range),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    service: TrackService = Depends(get_track_service),
) -> Response:
    if aggregation is not None:
        return ok(request, service.aggregate(who, aggregation, filters, span))
    events, block = service.events(who, filters, span, page)
    return ok(request, events, pagination=block)


app = create_app(router)
lambda_handler = make_handler(app)
