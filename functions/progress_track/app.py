"""/api/progress/track (POST a learning event, GET events or per-period buckets) — spec §11.2."""

from uuid import UUID

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.errors import Detail, ValidationFailed
from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.models import WHITESPACE, rule, server_rules
from describe_it.progress.params import Range, range_params
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
from describe_it.vocabulary.params import query_text, text_param

router = api_router()


# One ``eventType`` value: known types, comma separated (empty parts and spaces around them ignored).
_TYPE = rf"{WHITESPACE}*(?:{'|'.join(EVENT_TYPES)})?{WHITESPACE}*"
_TYPES_MESSAGE = f"eventType must be among {', '.join(EVENT_TYPES)}"
_EVENT_TYPE_SCHEMA = {
    "items": {"type": "string", "pattern": rf"^{_TYPE}(?:,{_TYPE})*$"},
    **server_rules(rule("eventType", f"at most {len(EVENT_TYPES)} types in all", message=_TYPES_MESSAGE)),
}


def event_filter(
    session_id: UUID | None = Query(None, alias="sessionId"),
    event_type: list[str] | None = Query(
        None,
        alias="eventType",
        description="Repeatable, or a comma list",
        json_schema_extra=_EVENT_TYPE_SCHEMA,
    ),
    category: str | None = Query(None, max_length=300, json_schema_extra=text_param(100)),
    difficulty: str | None = Query(None, max_length=300, json_schema_extra=text_param(50)),
) -> EventFilter:
    types = [t.strip() for value in event_type or [] for t in value.split(",") if t.strip()]
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown or len(types) > len(EVENT_TYPES):
        raise ValidationFailed(_TYPES_MESSAGE, details=[Detail("eventType", _TYPES_MESSAGE, "invalid_enum")])
    return EventFilter(
        session_id=session_id,
        event_types=sorted(set(types)),
        category=query_text(category, "category", 100),
        difficulty=query_text(difficulty, "difficulty", 50),
    )


@router.endpoint(
    "POST",
    "/api/progress/track",
    TrackedEvent | NotStored,
    policy(auth="required", rate_class="write", idempotent=True),
    status=201,
    also={200: TrackedEvent | NotStored},  # a repeated clientEventId, or not stored (saveProgress off)
    errors=(404,),
)
def track_event(
    body: TrackRequest,
    request: Request,
    who: Principal = Depends(principal),
    service: TrackService = Depends(get_track_service),
) -> Response:
    """Record a learning event

    201 with the event; a repeated `clientEventId` answers 200 with the stored one, and with `saveProgress` off nothing is stored (200).
    """
    event, created = service.track(who, body)
    return ok(request, event, status_code=201 if created else 200)


@router.endpoint(
    "GET",
    "/api/progress/track",
    list[TrackedEvent] | EventAggregation,
    policy(auth="required", rate_class="read"),
)
def read_events(
    request: Request,
    aggregation: Aggregation | None = Query(None, description="Per-period buckets instead of a page"),
    filters: EventFilter = Depends(event_filter),
    span: Range = Depends(range_params),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    service: TrackService = Depends(get_track_service),
) -> Response:
    """Your learning events

    A page of events, or per-period buckets with `aggregation` (spec §11.2).
    """
    if aggregation is not None:
        return ok(request, service.aggregate(who, aggregation, filters, span))
    events, block = service.events(who, filters, span, page)
    return ok(request, events, pagination=block)


app = create_app(router)
lambda_handler = make_handler(app)
