"""/api/progress (GET) — the caller's per-item progress rows, filtered, sorted, keyset-paginated (§11.1)."""

from typing import Literal
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
from describe_it.models import rule, server_rules
from describe_it.progress.models import ProgressEntry
from describe_it.progress.params import bound_schema, parse_instant
from describe_it.progress.repository import ProgressFilter
from describe_it.progress.service import PROGRESS_SORTS, ProgressService, get_progress_service
from describe_it.vocabulary.models import State
from describe_it.vocabulary.params import ORDER, sort_param
from describe_it.vocabulary.service import Sorting, sorting

router = api_router()


def progress_filter(
    list_id: UUID | None = Query(None, alias="listId"),
    state: State | None = Query(None),
    learning_phase: Literal["learning", "review", "mastered"] | None = Query(
        None, alias="learningPhase", description="Items without progress (new) have no progress row"
    ),
    due_before: str | None = Query(
        None,
        alias="dueBefore",
        max_length=40,
        description="RFC 3339 timestamp",
        json_schema_extra=bound_schema("dueBefore", dates=False),
    ),
    vocabulary_item_id: UUID | None = Query(None, alias="vocabularyItemId"),
    vocabulary_item_id_alias: UUID | None = Query(None, alias="vocabulary_item_id"),
    min_mastery: float | None = Query(
        None,
        alias="minMastery",
        ge=0,
        le=1,
        json_schema_extra=server_rules(rule("minMastery", "not above maxMastery", code="too_large")),
    ),
    max_mastery: float | None = Query(None, alias="maxMastery", ge=0, le=1),
) -> ProgressFilter:
    if min_mastery is not None and max_mastery is not None and min_mastery > max_mastery:
        message = "minMastery must not be above maxMastery"
        raise ValidationFailed(message, details=[Detail("minMastery", message, "too_large")])
    return ProgressFilter(
        list_id=list_id,
        state=state,
        learning_phase=learning_phase,
        due_before=parse_instant(due_before, "dueBefore"),
        vocabulary_item_id=vocabulary_item_id or vocabulary_item_id_alias,
        min_mastery=min_mastery,
        max_mastery=max_mastery,
    )


def progress_sorting(
    sort: str | None = Query(None, max_length=40, json_schema_extra=sort_param(tuple(PROGRESS_SORTS))),
    sort_by: str | None = Query(
        None, alias="sortBy", max_length=40, json_schema_extra=sort_param(tuple(PROGRESS_SORTS))
    ),
    order: str | None = Query(None, max_length=10, description="Default asc", json_schema_extra=ORDER),
    sort_order: str | None = Query(None, alias="sortOrder", max_length=10, json_schema_extra=ORDER),
) -> Sorting:
    return sorting(sort or sort_by, order or sort_order, tuple(PROGRESS_SORTS), "due", "asc")


@router.endpoint("GET", "/api/progress", list[ProgressEntry], policy(auth="required", rate_class="read"))
def read_progress(
    request: Request,
    filters: ProgressFilter = Depends(progress_filter),
    sort: Sorting = Depends(progress_sorting),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    service: ProgressService = Depends(get_progress_service),
) -> Response:
    """Your progress per item

    Progress rows filtered by list, state, phase, due time and mastery, sorted and keyset-paginated (spec §11.1).
    """
    rows, block = service.page(who, filters, sort, page)
    return ok(request, rows, pagination=block)


app = create_app(router)
lambda_handler = make_handler(app)
