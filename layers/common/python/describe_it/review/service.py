"""Spaced repetition (spec §10.4): the due queue and FSRS-6 reviews.

A review is one transaction: the card row is locked (a brand-new card's first insert is conflict-safe:
the loser of two concurrent first reviews waits, then reviews on top of the winner's card), the new
card is computed by py-fsrs, progress is upserted, the review log appended, the session counters
bumped. Days (the daily new-word limit, "overdue") are the user's, in ``users.time_zone``; one clock
serves the service and everything it calls.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import fsrs

from describe_it.clock import Clock, system_clock
from describe_it.db.tx import transaction
from describe_it.errors import Conflict, Detail, NotFound, ValidationFailed
from describe_it.identity import Principal
from describe_it.review import repository as repo
from describe_it.review import scheduling as sched
from describe_it.review.models import RATING_NAMES, QueueEntry, ReviewQueue, ReviewRequest, ReviewResult
from describe_it.sessions.counters import bump
from describe_it.user_settings import repository as settings_repo
from describe_it.user_settings.service import merged_document
from describe_it.vocabulary.repository import ItemRow
from describe_it.vocabulary.service import item_view, progress_view

MAX_FUTURE = timedelta(seconds=60)
MAX_PAST = timedelta(days=7)
DAY = timedelta(days=1)


def day_bounds(now: datetime, time_zone: str) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the user's local day containing ``now`` (23 or 25 hours across DST)."""
    try:
        zone = ZoneInfo(time_zone)
    except (KeyError, ValueError):  # the database validates time zones; a missing tzdata entry falls back
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone).date()
    start = datetime.combine(local, time(0), tzinfo=zone)
    end = datetime.combine(local + DAY, time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _days(delta: timedelta) -> float:
    return round(delta.total_seconds() / 86_400, 6)


class ReviewService:
    def __init__(self, clock: Clock = system_clock) -> None:
        self.clock = clock

    # the queue --------------------------------------------------------------------------------------

    def queue(
        self,
        principal: Principal,
        *,
        limit: int,
        list_id: UUID | None,
        include_new: bool,
        new_limit: int | None,
    ) -> ReviewQueue:
        me = _user(principal)
        now = self.clock()
        with transaction("app", me) as conn:
            if list_id is not None and not _list_readable(conn, list_id):
                raise NotFound("List not found", details=[Detail("listId", "List not found", "not_found")])
            who = repo.learner(conn, me)
            start, end = day_bounds(now, who.time_zone if who else "UTC")
            due = repo.due_items(conn, me, now, list_id, limit)
            counts = repo.queue_counts(conn, me, now, start, list_id)
            available = repo.new_available(conn, me, list_id)
            fresh: list[ItemRow] = []
            if include_new and len(due) < limit:
                if new_limit is None:
                    goal = int(_settings(conn, me)["session"]["dailyWordGoal"])
                    new_limit = max(0, goal - repo.started_between(conn, me, start, end))
                wanted = min(new_limit, limit - len(due))
                if wanted > 0:
                    fresh = repo.new_items(conn, me, list_id, wanted)
            next_due = repo.next_due(conn, me, now, list_id)
        entries = [
            QueueEntry(item=item_view(row), progress=progress_view(row, now), is_new=False) for row in due
        ]
        entries += [QueueEntry(item=item_view(row), progress=None, is_new=True) for row in fresh]
        return ReviewQueue(
            items=entries,
            due_count=counts.due_count,
            overdue_count=counts.overdue_count,
            new_available=available,
            next_due_at=next_due,
        )

    # a review ---------------------------------------------------------------------------------------

    def review(self, principal: Principal, body: ReviewRequest) -> ReviewResult:
        me = _user(principal)
        now = self.clock()
        at = sched.utc(body.reviewed_at) if body.reviewed_at is not None else sched.utc(now)
        if at > now + MAX_FUTURE or at < now - MAX_PAST:
            raise ValidationFailed(
                "reviewedAt must be within the last 7 days and not in the future",
                details=[Detail("reviewedAt", "Out of range", "too_large" if at > now else "too_small")],
            )
        grade = body.grade
        correct = grade >= fsrs.Rating.Hard
        with transaction("app", me) as conn:
            if not repo.item_readable(conn, body.item_id):
                raise NotFound("Item not found", details=[Detail("itemId", "Item not found", "not_found")])
            scheduler = self._scheduler(conn, me)
            for _ in range(2):
                before = repo.lock_progress(conn, me, body.item_id)
                if before is not None and at < before.last_review and body.reviewed_at is None:
                    # "now" was read before a concurrent review of this card committed: it is now
                    at = sched.utc(before.last_review)
                if before is not None and at < before.last_review:
                    raise Conflict(
                        "This review is older than the card's last review",
                        details=[Detail("reviewedAt", "Before the last review", "out_of_order")],
                    )
                card, values, retrievability = _reviewed(scheduler, body, before, at, grade)
                if before is not None:
                    repo.update_progress(conn, me, body.item_id, values)
                    break
                if repo.insert_progress(conn, me, body.item_id, values):
                    break
                # a concurrent first review created the card: lock it and review on top of it
            if body.session_id is not None:
                bump(conn, me, body.session_id, at=now, reviews_count=1, reviews_correct=int(correct))
            repo.insert_log(conn, _log(me, body, before, values, retrievability, at, grade))
        return ReviewResult(
            item_id=body.item_id,
            rating=grade,
            rating_name=RATING_NAMES[grade - 1],
            state=values["state"],
            learning_phase=sched.learning_phase(values["state"], values["mastery"]),
            step=card.step,
            stability=values["stability"],
            difficulty=values["difficulty"],
            due=values["due"],
            last_review=at,
            scheduled_days=_days(values["due"] - at),
            retrievability=None if retrievability is None else round(retrievability, 4),
            mastery=values["mastery"],
            reps=values["reps"],
            lapses=values["lapses"],
            points_earned=10 if correct else 5,
        )

    @staticmethod
    def _scheduler(conn: repo.Conn, me: UUID) -> fsrs.Scheduler:
        """The user's scheduler: ``advanced.desiredRetention`` and fitted parameters when there are any."""
        retention = float(_settings(conn, me)["advanced"]["desiredRetention"])
        who = repo.learner(conn, me)
        return sched.build_scheduler(retention, who.fsrs_parameters if who else None)


def _reviewed(
    scheduler: fsrs.Scheduler, body: ReviewRequest, before: repo.ProgressRow | None, at: datetime, grade: int
) -> tuple[fsrs.Card, dict[str, Any], float | None]:
    """The card after this review, the progress columns to store, and the recall probability before it."""
    if before is None:
        card, retrievability = sched.new_card(body.item_id, at), None
    else:
        stored = sched.CardState(
            before.state, before.step, before.stability, before.difficulty, before.due, before.last_review
        )
        card = sched.to_card(body.item_id, stored)
        retrievability = float(scheduler.get_card_retrievability(card, at))
    reviewed, _ = scheduler.review_card(card, fsrs.Rating(grade), at, body.response_time_ms)
    state = sched.from_card(reviewed)
    correct = grade >= fsrs.Rating.Hard
    reps = (before.reps if before else 0) + 1
    average = before.average_response_time_ms if before else None
    if body.response_time_ms is not None:
        previous = reps - 1
        average = (
            body.response_time_ms
            if average is None or previous == 0
            else round((average * previous + body.response_time_ms) / reps)
        )
    mastery = sched.mastery(scheduler, state.stability, at)
    first_mastered = before.first_mastered_at if before else None
    if first_mastered is None and sched.learning_phase(state.state, mastery) == "mastered":
        first_mastered = at  # the first review that crosses mastery (achievements, mastered per day)
    values = {
        **asdict(state),
        "reps": reps,
        "lapses": (before.lapses if before else 0)
        + (1 if before and before.state == "review" and grade == 1 else 0),
        "correct_count": (before.correct_count if before else 0) + (1 if correct else 0),
        "incorrect_count": (before.incorrect_count if before else 0) + (0 if correct else 1),
        "streak_count": ((before.streak_count if before else 0) + 1) if correct else 0,
        "mastery": mastery,
        "average_response_time_ms": average,
        "first_reviewed_at": before.first_reviewed_at if before else at,
        "first_mastered_at": first_mastered,
    }
    return reviewed, values, retrievability


def _log(
    me: UUID,
    body: ReviewRequest,
    before: repo.ProgressRow | None,
    values: dict[str, Any],
    retrievability: float | None,
    at: datetime,
    grade: int,
) -> dict[str, Any]:
    return {
        "user_id": me,
        "vocabulary_item_id": body.item_id,
        "session_id": body.session_id,
        "rating": grade,
        "source_quality": body.quality,
        "reviewed_at": at,
        "review_duration_ms": body.response_time_ms,
        "state_before": before.state if before else None,
        "state_after": values["state"],
        "stability_before": before.stability if before else None,
        "stability_after": values["stability"],
        "difficulty_before": before.difficulty if before else None,
        "difficulty_after": values["difficulty"],
        "retrievability": retrievability,
        "elapsed_days": _days(at - before.last_review) if before else None,
        "scheduled_days": _days(values["due"] - at),
        "due_after": values["due"],
    }


def _settings(conn: repo.Conn, me: UUID) -> dict[str, dict[str, Any]]:
    row = settings_repo.get(conn, me)
    return merged_document(row["settings"] if row else {})


def _list_readable(conn: repo.Conn, list_id: UUID) -> bool:
    from describe_it.vocabulary import repository as vocabulary_repo

    return vocabulary_repo.get_list(conn, list_id) is not None


def _user(principal: Principal) -> UUID:
    assert principal.user_id is not None, "review routes require authentication"
    return principal.user_id


def get_review_service() -> ReviewService:
    return ReviewService()
