"""Rules of /api/progress/track (spec §11.2): learning events the server cannot see for itself.

An event is stored once per ``clientEventId`` (a repeat answers 200 with the stored event; two concurrent
repeats store one), never when the learner turned ``privacy.saveProgress`` off (200 ``{stored:false}``),
and with ``localDate`` = its day in the user's zone when stored. Events feed active days and the event
timeline, never counts or points (those come from the domain tables). ``sessionId`` must be the caller's
session; the event marks it active.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from describe_it.clock import Clock, system_clock
from describe_it.db.tx import transaction
from describe_it.errors import Detail, NotFound, ValidationFailed
from describe_it.http.pagination import Page
from describe_it.identity import Principal
from describe_it.progress import calendar
from describe_it.progress import repository as progress_repo
from describe_it.progress import track_repository as repo
from describe_it.progress.params import Range
from describe_it.progress.track_models import (
    Bucket,
    BucketTotals,
    EventAggregation,
    NotStored,
    TrackedEvent,
    TrackRequest,
)
from describe_it.sessions.counters import bump
from describe_it.user_settings.service import merged_document
from describe_it.vocabulary.repository import Window

MAX_FUTURE = timedelta(minutes=5)
MAX_PAST = timedelta(days=30)
DEFAULT_BUCKETS = 30
MAX_BUCKETS = 400


def event_view(row: repo.EventRow) -> TrackedEvent:
    return TrackedEvent.model_validate(row, from_attributes=True)


def _user(principal: Principal) -> UUID:
    assert principal.user_id is not None, "track routes require authentication"
    return principal.user_id


def period_start(day: date, aggregation: str) -> date:
    if aggregation == "weekly":
        return calendar.week_start(day)
    if aggregation == "monthly":
        return calendar.month_start(day)
    return day


def periods_between(first: date, last: date, aggregation: str) -> int:
    if aggregation == "weekly":
        return (last - first).days // 7 + 1
    if aggregation == "monthly":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return (last - first).days + 1


def periods_back(last: date, count: int, aggregation: str) -> date:
    """The start of the period ``count - 1`` periods before the one starting ``last``."""
    if aggregation == "weekly":
        return last - timedelta(weeks=count - 1)
    if aggregation == "monthly":
        months = last.year * 12 + last.month - 1 - (count - 1)
        return date(months // 12, months % 12 + 1, 1)
    return last - timedelta(days=count - 1)


class TrackService:
    def __init__(self, clock: Clock = system_clock) -> None:
        self.clock = clock

    def track(self, principal: Principal, body: TrackRequest) -> tuple[TrackedEvent | NotStored, bool]:
        """The event and whether it was stored now (False: a repeat, or not stored at all)."""
        me = _user(principal)
        now = self.clock()
        at = body.timestamp or now
        if at > now + MAX_FUTURE:
            raise _bad_time("timestamp must be at most 5 minutes in the future", "too_large")
        if at < now - MAX_PAST:
            raise _bad_time("timestamp must be within the last 30 days", "too_small")
        data = body.event_data.stored() if body.event_data else {}
        typed = body.event_data
        with transaction("app", me) as conn:
            ctx = progress_repo.context(conn, me)
            if ctx is None:
                raise NotFound("User not found")
            if not merged_document(ctx.settings)["privacy"]["saveProgress"]:
                return NotStored(), False
            if body.session_id is not None:
                bump(conn, me, body.session_id, at=now)
            values = {
                "session_id": body.session_id,
                "event_type": body.event_type,
                "client_event_id": body.client_event_id,
                "category": typed.category if typed else None,
                "difficulty": typed.difficulty if typed else None,
                "score": typed.score if typed else None,
                "correct": typed.correct if typed else None,
                "time_spent_ms": round(typed.time_spent * 1000)
                if typed and typed.time_spent is not None
                else None,
                "event_data": data,
                "at": at,
            }
            row = repo.insert(conn, me, values)
            if row is not None:
                return event_view(row), True
            assert body.client_event_id is not None  # only a client id can conflict
            stored = repo.by_client_id(conn, me, body.client_event_id)
        assert stored is not None
        return event_view(stored), False

    def events(
        self, principal: Principal, filters: repo.EventFilter, span: Range, page: Page
    ) -> tuple[list[TrackedEvent], dict[str, Any]]:
        me = _user(principal)
        scope = "events"
        window = Window(limit=page.limit, offset=page.offset, after=page.after(scope))
        with transaction("app", me) as conn:
            if span.given:
                filters.start, filters.end = span.check(progress_repo.time_zone(conn, me))
            rows = repo.page(conn, me, filters, window)
        shown, has_more = rows[: page.limit], len(rows) > page.limit
        after = [shown[-1].sort_key, str(shown[-1].id)] if shown else None
        return [event_view(r) for r in shown], page.block(None, has_more, after, scope)

    def aggregate(
        self, principal: Principal, aggregation: str, filters: repo.EventFilter, span: Range
    ) -> EventAggregation:
        me = _user(principal)
        now = self.clock()
        with transaction("app", me) as conn:
            zone = progress_repo.time_zone(conn, me)
            start, end = span.check(zone) if span.given else (None, None)
            filters.start, filters.end = start, end
            if end is not None:
                last = period_start(calendar.local_date(end - timedelta(microseconds=1), zone), aggregation)
            else:
                last = period_start(calendar.local_date(now, zone), aggregation)
            if start is not None:
                first = period_start(calendar.local_date(start, zone), aggregation)
            else:
                first = periods_back(last, DEFAULT_BUCKETS, aggregation)
            if periods_between(first, last, aggregation) > MAX_BUCKETS:
                message = f"The range spans more than {MAX_BUCKETS} {aggregation} periods; narrow it"
                raise ValidationFailed(message, details=[Detail("from", message, "too_large")])
            rows = repo.buckets(conn, me, zone, aggregation, first, last, filters)
        totals = rows[0].total_by_type if rows and rows[0].total_by_type else {}
        return EventAggregation(
            aggregation=aggregation,
            time_zone=zone,
            buckets=[
                Bucket(
                    period=r.period,
                    start=r.start,
                    events=r.events,
                    by_type=r.by_type,
                    average_score=r.average_score,
                    time_spent_ms=r.time_spent_ms,
                )
                for r in rows
            ],
            totals=BucketTotals(events=sum(totals.values()), by_type=totals),
        )


def _bad_time(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, details=[Detail("timestamp", message, code)])


def get_track_service() -> TrackService:
    return TrackService()
