"""FSRS-6 reviews and the due queue (spec §10.4), against py-fsrs itself and the user's calendar."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import fsrs
import pytest

from describe_it.identity import user
from describe_it.review.models import ReviewRequest
from describe_it.review.service import ReviewService
from tests.integration.vocabulary.conftest import Learner


class Clock:
    """One movable clock for the service and everything it calls."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def principal(learner: Learner) -> Any:
    return user(learner.id, "free", "user", None)


def review(service: ReviewService, learner: Learner, item: str, rating: str | int, **extra: Any) -> Any:
    return service.review(
        principal(learner), ReviewRequest.model_validate({"itemId": item, "rating": rating, **extra})
    )


def logs(admin_sql: Callable[..., Any], learner: Learner) -> int:
    return int(admin_sql("SELECT count(*) FROM review_logs WHERE user_id = %s", [learner.id])[0][0])


def test_again_comes_due_sooner_than_easy_and_new_cards_start_in_learning(ana: Learner) -> None:
    lst = ana.new_list("Tarjetas")
    a, b = ana.save(lst["id"], ("uno", "one"), ("dos", "two"))
    again = ana.call("POST", "/api/vocabulary/review", {"itemId": a["id"], "rating": "again"})
    easy = ana.call("POST", "/api/vocabulary/review", {"vocabularyItemId": b["id"], "rating": 4})
    assert again.status == 200 and easy.status == 200, (again, easy)
    assert again.data["due"] < easy.data["due"]
    assert again.data["state"] == "learning" and again.data["step"] == 0
    assert again.data["retrievability"] is None  # a new card has no recall probability before its review
    assert again.data["pointsEarned"] == 5 and easy.data["pointsEarned"] == 10
    assert easy.data["state"] == "review" and easy.data["learningPhase"] in ("review", "mastered")
    assert easy.data["scheduledDays"] >= 1 > again.data["scheduledDays"]


def test_good_ratings_move_the_due_date_forward_and_each_review_is_logged(
    clean: Any, ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    lst = ana.new_list("Avance")
    [item] = ana.save(lst["id"], ("avanzar", "to advance"))
    clock = Clock(datetime(2026, 5, 4, 9, 0, tzinfo=UTC))
    service = ReviewService(clock)
    dues, intervals = [], []
    for n in range(1, 8):
        result = review(service, ana, item["id"], "good")
        assert logs(admin_sql, ana) == n  # the log grows by one per review
        dues.append(result.due)
        intervals.append(result.due - clock.now)
        clock.now = result.due  # review exactly when due
    assert dues == sorted(dues) and len(set(dues)) == len(dues)
    assert intervals[-1] > intervals[-2] > intervals[2]  # review intervals grow
    [(reps, correct, streak, state)] = admin_sql(
        "SELECT reps, correct_count, streak_count, state::text FROM learning_progress WHERE user_id = %s",
        [ana.id],
    )
    assert (reps, correct, streak, state) == (7, 7, 7, "review")


def test_stability_and_difficulty_equal_what_fsrs_computes_on_its_own(
    clean: Any, ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    assert (
        ana.call("PUT", "/api/settings", {"settings": {"advanced": {"desiredRetention": 0.85}}}).status == 200
    )
    lst = ana.new_list("Exacta")
    [item] = ana.save(lst["id"], ("exacto", "exact"))
    start = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    sequence = [(0, 3), (0.01, 3), (1.2, 1), (1.25, 3), (4, 2), (11, 4), (40, 3), (41, 1), (41.01, 4)]
    clock = Clock(start)
    service = ReviewService(clock)
    scheduler = fsrs.Scheduler(desired_retention=0.85, enable_fuzzing=False)
    card = fsrs.Card(card_id=1)
    for days, rating in sequence:
        clock.now = start + timedelta(days=days)
        ours = review(service, ana, item["id"], rating)
        card, _ = scheduler.review_card(card, fsrs.Rating(rating), clock.now)
        assert ours.stability == pytest.approx(card.stability, rel=1e-12)
        assert ours.difficulty == pytest.approx(card.difficulty, rel=1e-12)
        assert ours.state == card.state.name.lower()
        assert ours.step == card.step
    [(stability, difficulty, lapses)] = admin_sql(
        "SELECT stability, difficulty, lapses FROM learning_progress WHERE user_id = %s", [ana.id]
    )
    assert (stability, difficulty) == (pytest.approx(card.stability), pytest.approx(card.difficulty))
    assert lapses == 2  # the two "again" ratings given in the review state
    retrievability = scheduler.get_card_retrievability(card, card.last_review + timedelta(days=30))
    assert ours.mastery == round(retrievability, 3)


def test_quality_out_of_order_and_bounds(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    lst = ana.new_list("Calidad")
    items = ana.save(lst["id"], *[(f"q{i}", "q") for i in range(6)])
    names = [
        ana.call("POST", "/api/vocabulary/review", {"itemId": items[q]["id"], "quality": q}).data[
            "ratingName"
        ]
        for q in range(6)
    ]
    assert names == ["again", "again", "again", "hard", "good", "easy"]
    now = datetime.now(UTC)
    late = ana.call(
        "POST",
        "/api/vocabulary/review",
        {"itemId": items[0]["id"], "rating": "good", "reviewedAt": (now - timedelta(hours=1)).isoformat()},
    )
    assert late.status == 409 and late.json["details"][0]["code"] == "out_of_order", late
    for body in (
        {"itemId": items[0]["id"]},
        {"itemId": items[0]["id"], "rating": "good", "quality": 4},
        {"itemId": items[0]["id"], "rating": 5},
        {"itemId": items[0]["id"], "rating": "perfect"},
        {"itemId": items[0]["id"], "quality": 6},
        {"itemId": items[0]["id"], "rating": "good", "responseTimeMs": 600_001},
        {"itemId": items[0]["id"], "rating": "good", "reviewedAt": (now + timedelta(minutes=5)).isoformat()},
        {"itemId": items[0]["id"], "rating": "good", "reviewedAt": (now - timedelta(days=8)).isoformat()},
        {"itemId": items[0]["id"], "rating": "good", "reviewedAt": "2026-01-01T10:00:00"},
        {"itemId": "not-a-uuid", "rating": "good"},
    ):
        assert ana.call("POST", "/api/vocabulary/review", body).status == 400, body
    assert logs(admin_sql, ana) == 6


def test_session_counters_and_unknown_sessions(ana: Learner, admin_sql: Callable[..., Any]) -> None:
    lst = ana.new_list("Sesión")
    a, b = ana.save(lst["id"], ("a", "a"), ("b", "b"))
    [(session,)] = admin_sql(
        "INSERT INTO sessions (user_id, session_type, last_activity_at) VALUES (%s, 'review', now() - interval '1 hour')"
        " RETURNING id::text",
        [ana.id],
    )
    assert (
        ana.call(
            "POST", "/api/vocabulary/review", {"itemId": a["id"], "rating": "good", "sessionId": session}
        ).status
        == 200
    )
    assert (
        ana.call(
            "POST", "/api/vocabulary/review", {"itemId": b["id"], "rating": "again", "sessionId": session}
        ).status
        == 200
    )
    [(count, correct, recent)] = admin_sql(
        "SELECT reviews_count, reviews_correct, last_activity_at > now() - interval '1 minute' FROM sessions WHERE id = %s",
        [session],
    )
    assert (count, correct, recent) == (2, 1, True)
    assert admin_sql("SELECT count(*) FROM review_logs WHERE session_id = %s", [session]) == [(2,)]
    unknown = ana.call(
        "POST",
        "/api/vocabulary/review",
        {"itemId": a["id"], "rating": "good", "sessionId": "3f0c8d8e-5b7a-4c1e-9d2f-6a4b8c0e1f23"},
    )
    assert unknown.status == 404
    assert logs(admin_sql, ana) == 2  # the failed review changed nothing
    assert admin_sql("SELECT reps FROM learning_progress WHERE vocabulary_item_id = %s", [a["id"]]) == [(1,)]


def test_the_same_review_sent_twice_with_one_idempotency_key_is_applied_once(
    ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    lst = ana.new_list("Idem")
    [item] = ana.save(lst["id"], ("una vez", "once"))
    body = {"itemId": item["id"], "rating": "good"}
    headers = {"Idempotency-Key": "review-0b9f2d3e-7c61"}
    first = ana.call("POST", "/api/vocabulary/review", body, headers=headers)
    second = ana.call("POST", "/api/vocabulary/review", body, headers=headers)
    assert first.status == second.status == 200
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.data == first.data
    assert logs(admin_sql, ana) == 1
    assert admin_sql("SELECT reps FROM learning_progress WHERE user_id = %s", [ana.id]) == [(1,)]
    other = ana.call("POST", "/api/vocabulary/review", {**body, "rating": "easy"}, headers=headers)
    assert other.status == 409 and other.json["details"][0]["code"] == "idempotency_key_reused"


def test_concurrent_first_reviews_of_a_new_card_are_both_applied(
    clean: Any, ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    lst = ana.new_list("Carrera")
    [item] = ana.save(lst["id"], ("a la vez", "at once"))
    service = ReviewService()
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def go(rating: str) -> None:
        try:
            barrier.wait(30)
            results.append(review(service, ana, item["id"], rating))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(r,)) for r in ("good", "again")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(r.reps for r in results) == [1, 2]
    [(reps, correct, incorrect)] = admin_sql(
        "SELECT reps, correct_count, incorrect_count FROM learning_progress WHERE user_id = %s", [ana.id]
    )
    assert (reps, correct, incorrect) == (2, 1, 1)
    assert logs(admin_sql, ana) == 2
    assert admin_sql(
        "SELECT count(*) FROM review_logs WHERE user_id = %s AND state_before IS NULL", [ana.id]
    ) == [(1,)]


# --- the queue and the user's days -----------------------------------------------------------------------


def test_queue_order_due_first_oldest_first_then_new(
    clean: Any, ana: Learner, admin_sql: Callable[..., Any]
) -> None:
    lst = ana.new_list("Cola")
    items = ana.save(lst["id"], *[(f"w{i}", "w") for i in range(6)])
    clock = Clock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    service = ReviewService(clock)
    for item in items[:3]:
        review(service, ana, item["id"], "again")
    # make the three cards due at known, distinct times
    for item, minutes in zip(items[:3], (30, 90, 60), strict=True):
        admin_sql(
            "UPDATE learning_progress SET due = %s WHERE vocabulary_item_id = %s",
            [clock.now + timedelta(minutes=minutes), item["id"]],
        )
    clock.now += timedelta(hours=2)
    queue = service.queue(principal(ana), limit=20, list_id=None, include_new=True, new_limit=None)
    texts = [(e.item.spanish_text, e.is_new) for e in queue.items]
    assert texts == [("w0", False), ("w2", False), ("w1", False), ("w3", True), ("w4", True), ("w5", True)]
    assert queue.due_count == 3 and queue.new_available == 3 and queue.overdue_count == 0
    assert queue.items[0].progress is not None and queue.items[3].progress is None
    limited = service.queue(principal(ana), limit=4, list_id=None, include_new=True, new_limit=None)
    assert [e.item.spanish_text for e in limited.items] == ["w0", "w2", "w1", "w3"]
    no_new = service.queue(principal(ana), limit=20, list_id=None, include_new=False, new_limit=None)
    assert len(no_new.items) == 3
    clock.now -= timedelta(hours=2)
    early = service.queue(principal(ana), limit=20, list_id=None, include_new=False, new_limit=None)
    assert early.items == [] and early.due_count == 0
    assert early.next_due_at == datetime(2026, 6, 1, 12, 30, tzinfo=UTC)


def test_daily_new_limit_and_overdue_follow_the_users_time_zone_across_midnight_and_dst(
    clean: Any, make_learner: Callable[..., Learner], admin_sql: Callable[..., Any]
) -> None:
    # New York; 2026-03-08 is the spring-forward day (23 hours: 05:00Z to 04:00Z next day)
    eva = make_learner("eva", time_zone="America/New_York")
    assert eva.call("PUT", "/api/settings", {"settings": {"session": {"dailyWordGoal": 2}}}).status == 200
    lst = eva.new_list("Días")
    items = eva.save(lst["id"], *[(f"d{i}", "d") for i in range(8)])
    clock = Clock(datetime(2026, 3, 8, 4, 30, tzinfo=UTC))  # Mar 7, 23:30 EST
    service = ReviewService(clock)

    def new_offered() -> int:
        queue = service.queue(principal(eva), limit=50, list_id=None, include_new=True, new_limit=None)
        return sum(1 for e in queue.items if e.is_new)

    assert new_offered() == 2
    review(service, eva, items[0]["id"], "easy")
    review(service, eva, items[1]["id"], "easy")
    assert new_offered() == 0  # today's goal is met
    clock.now = datetime(2026, 3, 8, 5, 30, tzinfo=UTC)  # Mar 8, 00:30 EST: a new local day
    assert new_offered() == 2
    review(service, eva, items[2]["id"], "easy")
    review(service, eva, items[3]["id"], "easy")
    clock.now = datetime(2026, 3, 9, 3, 30, tzinfo=UTC)  # Mar 8, 23:30 EDT: still the same local day
    assert new_offered() == 0  # a UTC day would have started at 00:00Z
    clock.now = datetime(2026, 3, 9, 4, 30, tzinfo=UTC)  # Mar 9, 00:30 EDT: the 23-hour day is over
    assert new_offered() == 2  # "start + 24 h" would still say Mar 8
    # an explicit newLimit is taken as asked
    explicit = service.queue(principal(eva), limit=50, list_id=None, include_new=True, new_limit=3)
    assert sum(1 for e in explicit.items if e.is_new) == 3

    # overdue = due before the start of the user's today (Mar 9 00:00 EDT = 04:00Z)
    admin_sql("UPDATE learning_progress SET due = %s WHERE vocabulary_item_id = %s",
              [datetime(2026, 3, 9, 3, 50, tzinfo=UTC), items[0]["id"]])  # fmt: skip
    admin_sql("UPDATE learning_progress SET due = %s WHERE vocabulary_item_id = %s",
              [datetime(2026, 3, 9, 4, 10, tzinfo=UTC), items[1]["id"]])  # fmt: skip
    queue = service.queue(principal(eva), limit=50, list_id=None, include_new=False, new_limit=None)
    assert (queue.due_count, queue.overdue_count) == (2, 1)


def test_queue_of_a_readable_list_and_unknown_lists(ana: Learner, ben: Learner) -> None:
    lst = ana.new_list("De Ana", isPublic=True)
    ana.save(lst["id"], ("uno", "one"), ("dos", "two"))
    queue = ben.call("GET", "/api/vocabulary/review", query=f"listId={lst['id']}&newLimit=1")
    assert queue.status == 200, queue
    assert [(e["item"]["spanishText"], e["isNew"]) for e in queue.data["items"]] == [("uno", True)]
    assert queue.data["newAvailable"] == 2
    own = ben.call("GET", "/api/vocabulary/review")  # without listId: only ben's own lists
    assert own.data["items"] == [] and own.data["newAvailable"] == 0
    assert (
        ben.call("GET", "/api/vocabulary/review", query="listId=3f0c8d8e-5b7a-4c1e-9d2f-6a4b8c0e1f23").status
        == 404
    )
    assert ben.call("GET", "/api/vocabulary/review", query="limit=0").status == 400
    assert ben.call("GET", "/api/vocabulary/review", query="newLimit=101").status == 400
    assert UUID(lst["id"])
