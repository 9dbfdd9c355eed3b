"""/api/vocabulary/review (GET the due queue, POST a rating) — FSRS-6 spaced repetition (spec §10.4)."""

from uuid import UUID

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.review.models import ReviewQueue, ReviewRequest, ReviewResult
from describe_it.review.service import ReviewService, get_review_service
from describe_it.vocabulary.models import QueryBool

router = api_router()


@router.get(
    "/api/vocabulary/review",
    response_model=Envelope[ReviewQueue],
    responses=errors(400, 401, 404, 429, 503),
    openapi_extra=policy(auth="required", rate_class="read"),
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
    queue = service.queue(
        who, limit=limit, list_id=list_id, include_new=include_new in ("true", "1"), new_limit=new_limit
    )
    return ok(request, queue)


@router.post(
    "/api/vocabulary/review",
    response_model=Envelope[ReviewResult],
    responses=errors(400, 401, 404, 409, 413, 415, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write", idempotent=True),
)
def submit_review(
    body: ReviewRequest,
    request: Request,
    who: Principal = Depends(principal),
    service: ReviewService = Depends(get_review_service),
) -> Response:
    return ok(request, service.review(who, body))


app = create_app(router)
lambda_handler = make_handler(app)
