"""/api/vocabulary/review (GET the due queue, POST a rating) — FSRS-6 spaced repetition (spec §10.4)."""

from uuid import UUID

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.review.models import ReviewQueue, ReviewRequest, ReviewResult
from describe_it.review.service import ReviewService, get_review_service
from describe_it.vocabulary.models import QueryBool

router = api_router()


@router.endpoint(
    "GET",
    "/api/vocabulary/review",
    ReviewQueue,
    policy(auth="required", rate_class="read"),
    errors=(404,),
)
def read_queue(
    request: Request,
    limit: int = Query(20, ge=1, le=100),
    list_id: UUID | None = Query(None, alias="listId"),
    include_new: QueryBool = Query("true", alias="includeNew"),
    new_limit: int | None = Query(None, alias="newLimit", ge=0, le=100),
    who: Principal = Depends(principal),
    service: ReviewService = Depends(get_review_service),
) -> Response:
    """Cards due for review

    Due cards (oldest first), then new items in list order up to your daily goal; "today" follows your
    time zone.
    """
    queue = service.queue(
        who, limit=limit, list_id=list_id, include_new=include_new in ("true", "1"), new_limit=new_limit
    )
    return ok(request, queue)


@router.endpoint(
    "POST",
    "/api/vocabulary/review",
    ReviewResult,
    policy(auth="required", rate_class="write", idempotent=True),
    errors=(404, 409),
)
def submit_review(
    body: ReviewRequest,
    request: Request,
    who: Principal = Depends(principal),
    service: ReviewService = Depends(get_review_service),
) -> Response:
    """Rate a card

    `again|hard|good|easy` (or 1–4, or SM-2 `quality` 0–5) schedules the item with FSRS-6. A
    `reviewedAt` older than the last review is 409 `out_of_order`.
    """
    return ok(request, service.review(who, body))


app = create_app(router)
lambda_handler = make_handler(app)
