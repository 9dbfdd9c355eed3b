"""/api/qa/responses (GET, POST) — the caller's recorded answers; record one (spec §6.3)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.qa.answer_models import AnswerRequest, QaResponse
from describe_it.qa.answer_params import answer_filter
from describe_it.qa.answers import AnswersService, get_answers_service
from describe_it.qa.answers_repository import AnswerFilter

router = api_router()


@router.endpoint("GET", "/api/qa/responses", list[QaResponse], policy(auth="required", rate_class="read"))
def read_answers(
    request: Request,
    filters: AnswerFilter = Depends(answer_filter),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    service: AnswersService = Depends(get_answers_service),
) -> Response:
    """Your recorded answers

    A page of your answers to comprehension questions, with filters (spec §6.3).
    """
    answers, block = service.answers(who, filters, page)
    return ok(request, answers, pagination=block)


@router.endpoint(
    "POST",
    "/api/qa/responses",
    QaResponse,
    policy(auth="required", rate_class="write", idempotent=True),
    status=201,
    errors=(404,),
)
def record_answer(
    body: AnswerRequest,
    request: Request,
    who: Principal = Depends(principal),
    service: AnswersService = Depends(get_answers_service),
) -> Response:
    """Record an answer

    One answer to a comprehension question: a free answer (`userAnswer`) or a choice (`selectedIndex`).
    """
    return ok(request, service.record(who, body), status_code=201)


app = create_app(router)
lambda_handler = make_handler(app)
