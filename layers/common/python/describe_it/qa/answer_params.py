"""Query parameters of GET /api/qa/responses: filters of the caller's answers, each bounded."""

from __future__ import annotations

from uuid import UUID

from fastapi import Depends, Query

from describe_it.http.ranges import TimeRange, time_range
from describe_it.qa.answer_models import CategoryField, DifficultyField
from describe_it.qa.answers_repository import AnswerFilter
from describe_it.vocabulary.models import QueryBool, is_true


def answer_filter(
    session_id: UUID | None = Query(None, alias="sessionId"),
    image_id: UUID | None = Query(None, alias="imageId"),
    description_id: UUID | None = Query(None, alias="descriptionId"),
    difficulty: DifficultyField | None = Query(None),
    category: CategoryField | None = Query(None),
    is_correct: QueryBool | None = Query(None, alias="isCorrect"),
    period: TimeRange = Depends(time_range),
) -> AnswerFilter:
    return AnswerFilter(
        session_id=session_id,
        image_id=image_id,
        description_id=description_id,
        difficulty=difficulty,
        category=category,
        is_correct=None if is_correct is None else is_true(is_correct),
        answered_from=period.start,
        answered_before=period.end,
    )
