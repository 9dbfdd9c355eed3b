"""Rules of learning sessions (spec §11.6).

A session is the caller's own: another user's session is 404 on every route. It starts ``active``;
PATCH with ``status`` (or ``ended: true``) ends it once, as ``completed`` or ``abandoned`` — ending one
that has already ended is 409 (the row is locked, so of two concurrent ends exactly one wins). The
database computes ``durationSeconds`` from ``endedAt - startedAt``. Counters move with the routes that
name the session (``sessions.counters.bump``); only ``phrasesSaved`` is the client's own count.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from describe_it.clock import Clock, system_clock
from describe_it.db.tx import transaction
from describe_it.errors import Conflict, Detail, NotFound, ValidationFailed
from describe_it.http.pagination import Page
from describe_it.identity import Principal
from describe_it.progress.params import Range
from describe_it.progress.repository import time_zone
from describe_it.sessions import repository as repo
from describe_it.sessions.models import SessionCreate, SessionPatch, SessionView
from describe_it.vocabulary.repository import Window

MAX_START_AGE = timedelta(hours=24)
CLOCK_SKEW = timedelta(seconds=60)  # a client clock slightly ahead is not an error; the time is capped at now
USER_AGENT_MAX = 512


def view(row: repo.SessionRow) -> SessionView:
    graded = row.reviews_count + row.qa_attempts
    accuracy = None
    if graded:
        correct = Decimal(100 * (row.reviews_correct + row.qa_correct)) / Decimal(graded)
        accuracy = float(correct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return SessionView.model_validate({**row.__dict__, "accuracy": accuracy})


def _not_found() -> NotFound:
    return NotFound("Session not found")


def _out_of_range(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, details=[Detail(field, message, code)])


def _user(principal: Principal) -> UUID:
    assert principal.user_id is not None, "session routes require authentication"
    return principal.user_id


class SessionService:
    def __init__(self, clock: Clock = system_clock) -> None:
        self.clock = clock

    def create(self, principal: Principal, body: SessionCreate, user_agent: str | None) -> SessionView:
        me = _user(principal)
        now = self.clock()
        started = body.started_at or now
        if started > now + CLOCK_SKEW:
            raise _out_of_range("startedAt", "startedAt must not be in the future", "too_large")
        if started < now - MAX_START_AGE:
            raise _out_of_range("startedAt", "startedAt must be within the last 24 hours", "too_small")
        with transaction("app", me) as conn:
            row = repo.insert(
                conn,
                me,
                body.session_type,
                body.device_type,
                min(started, now),
                body.metadata or {},
                user_agent[:USER_AGENT_MAX] if user_agent else None,
            )
        return view(row)

    def get(self, principal: Principal, session_id: UUID) -> SessionView:
        me = _user(principal)
        with transaction("app", me) as conn:
            row = repo.get(conn, me, session_id)
        if row is None:
            raise _not_found()
        return view(row)

    def page(
        self,
        principal: Principal,
        *,
        status: str | None,
        session_type: str | None,
        started: Range,
        page: Page,
    ) -> tuple[list[SessionView], dict[str, Any]]:
        me = _user(principal)
        scope = "sessions"
        window = Window(limit=page.limit, offset=page.offset, after=page.after(scope))
        with transaction("app", me) as conn:
            start, end = started.check(time_zone(conn, me)) if started.given else (None, None)
            rows = repo.page(conn, me, repo.SessionFilter(status, session_type, start, end), window)
        shown, has_more = rows[: page.limit], len(rows) > page.limit
        after = [shown[-1].sort_key, str(shown[-1].id)] if shown else None
        return [view(r) for r in shown], page.block(None, has_more, after, scope)

    def update(self, principal: Principal, session_id: UUID, patch: SessionPatch) -> SessionView:
        me = _user(principal)
        now = self.clock()
        changes: dict[str, Any] = {}
        with transaction("app", me) as conn:
            row = repo.get(conn, me, session_id, for_update=True)
            if row is None:
                raise _not_found()
            ending = patch.ending
            if ending is not None:
                if row.status != "active":
                    raise Conflict(
                        f"The session has already ended ({row.status})",
                        details=[Detail("status", "The session is not active", "already_ended")],
                    )
                changes["status"] = ending
                changes["ended_at"] = self._ended_at(patch.ended_at, row.started_at, now)
            elif patch.ended_at is not None:
                raise _out_of_range(
                    "endedAt", "endedAt needs status completed or abandoned", "invalid_format"
                )
            if patch.phrases_saved is not None:
                changes["phrases_saved"] = patch.phrases_saved
            if patch.metadata is not None:
                changes["metadata"] = patch.metadata
            if changes:
                row = repo.update(conn, session_id, changes)
        return view(row)

    @staticmethod
    def _ended_at(ended_at: datetime | None, started_at: datetime, now: datetime) -> datetime:
        ended = ended_at or now
        if ended > now + CLOCK_SKEW:
            raise _out_of_range("endedAt", "endedAt must not be in the future", "too_large")
        ended = min(ended, now)
        if ended < started_at:
            raise _out_of_range("endedAt", "endedAt must not be before startedAt", "too_small")
        return ended


def get_session_service() -> SessionService:
    return SessionService()
