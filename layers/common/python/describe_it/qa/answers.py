"""Recorded answers (spec §6.3): grade, store, and move the session's counters in one transaction.

Grading follows ``qa.grading``. The session must be the caller's and the saved description one they
can read (their own or a public one); otherwise 404 and nothing is written. An answer's time is the
client's ``answeredAt`` (within the last 7 days, at most 60 s ahead: clocks drift) or now.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from describe_it.clock import Clock, system_clock
from describe_it.db.keyset import Window
from describe_it.db.tx import transaction
from describe_it.errors import Detail, NotFound, ValidationFailed
from describe_it.http.pagination import Page
from describe_it.identity import Principal
from describe_it.qa import answers_repository as repo
from describe_it.qa.answer_models import AnswerRequest, QaResponse
from describe_it.qa.grading import Ungradable, grade
from describe_it.sessions.counters import bump

MAX_AHEAD = timedelta(seconds=60)
MAX_BEHIND = timedelta(days=7)


def _user(principal: Principal) -> UUID:
    assert principal.user_id is not None, "this route requires authentication"
    return principal.user_id


def _missing(field: str, what: str) -> NotFound:
    return NotFound(f"{what} not found", details=[Detail(field, f"{what} not found", "not_found")])


class AnswersService:
    def __init__(self, clock: Clock = system_clock) -> None:
        self.clock = clock

    def record(self, principal: Principal, body: AnswerRequest) -> QaResponse:
        me = _user(principal)
        now = self.clock()
        answered_at = body.answered_at or now
        if answered_at > now + MAX_AHEAD or answered_at < now - MAX_BEHIND:
            late = answered_at > now
            raise ValidationFailed(
                "answeredAt must be within the last 7 days and not in the future",
                details=[Detail("answeredAt", "Out of range", "too_large" if late else "too_small")],
            )
        try:
            result = grade(
                correct_answer=body.correct_answer,
                user_answer=body.user_answer,
                options=body.options,
                selected_index=body.selected_index,
                correct_index=body.correct_index,
                is_correct=body.is_correct,
            )
        except Ungradable as exc:
            raise ValidationFailed(str(exc), details=[Detail(None, str(exc), "required")]) from None
        values = {
            "question_id": body.question_id,
            "question": body.question,
            "correct_answer": body.correct_answer,
            "user_answer": body.user_answer,
            "options": body.options,
            "selected_index": body.selected_index,
            "correct_index": body.correct_index,
            "is_correct": result.is_correct,
            # numeric(4,3): three decimals, rounded from the exact fraction
            "similarity_score": None if result.similarity is None else float(round(result.similarity, 3)),
            "difficulty": body.difficulty,
            "category": body.category,
            "language": body.language,
            "response_time_ms": body.response_time_ms,
            "hint_used": body.hint_used,
            "attempts_count": body.attempts,
            "session_id": body.session_id,
            "image_id": body.image_id,
            "description_id": body.description_id,
            "answered_at": answered_at,
        }
        with transaction("app", me) as conn:
            if body.description_id is not None and not repo.description_readable(conn, body.description_id):
                raise _missing("descriptionId", "Saved description")
            if body.image_id is not None and not repo.image_exists(conn, body.image_id):
                raise _missing("imageId", "Image")
            # The counters first: that UPDATE is also the check that the session is the caller's (the
            # foreign key alone would accept someone else's session; it does not see row-level security).
            if body.session_id is not None:
                bump(conn, me, body.session_id, at=now, qa_attempts=1, qa_correct=int(result.is_correct))
            row = repo.insert(conn, me, values)
        return QaResponse.model_validate(row, from_attributes=True)

    def answers(
        self, principal: Principal, filters: repo.AnswerFilter, page: Page
    ) -> tuple[list[QaResponse], dict[str, Any]]:
        me = _user(principal)
        scope = "qa-responses"
        window = Window(limit=page.limit, offset=page.offset, after=page.after(scope))
        with transaction("app", me) as conn:
            rows = repo.page(conn, me, filters, window)
        shown, has_more = rows[: page.limit], len(rows) > page.limit
        after = [shown[-1].sort_key, str(shown[-1].id)] if shown else None
        views = [QaResponse.model_validate(row, from_attributes=True) for row in shown]
        return views, page.block(None, has_more, after, scope)


def get_answers_service() -> AnswersService:
    return AnswersService()
