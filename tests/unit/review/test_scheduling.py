"""FSRS helpers and the user's day, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import fsrs

from describe_it.review import scheduling as sched
from describe_it.review.models import ReviewRequest
from describe_it.review.service import day_bounds

ITEM = UUID("6f1c2a9e-0d3b-4e5f-8a7b-9c0d1e2f3a4b")


def test_cards_get_a_stable_explicit_id_and_start_in_learning() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    card = sched.new_card(ITEM, now)
    assert card.card_id == sched.card_id(ITEM) == sched.new_card(ITEM, now + timedelta(days=1)).card_id
    assert 0 < card.card_id < 2**63
    assert card.state == fsrs.State.Learning and card.step == 0


def test_stored_datetimes_in_any_zone_become_utc_for_py_fsrs() -> None:
    from zoneinfo import ZoneInfo

    stored = sched.CardState("review", None, 5.0, 5.0, datetime(2026, 1, 3, tzinfo=ZoneInfo("UTC")),
                             datetime(2026, 1, 1, 12, tzinfo=ZoneInfo("Europe/Madrid")))  # fmt: skip
    card = sched.to_card(ITEM, stored)
    assert card.last_review is not None and card.last_review.tzinfo is UTC
    sched.build_scheduler(0.9).review_card(card, fsrs.Rating.Good, datetime(2026, 1, 4, tzinfo=UTC))


def test_mastery_is_recall_thirty_days_after_the_last_review() -> None:
    scheduler = sched.build_scheduler(0.9)
    last = datetime(2026, 1, 1, tzinfo=UTC)
    assert sched.mastery(scheduler, 30.0, last) == round(0.9, 3)  # R(t = S) = 0.9 on the FSRS curve
    assert sched.mastery(scheduler, 1.0, last) < sched.mastery(scheduler, 100.0, last)
    assert sched.learning_phase(None, 0) == "new"
    assert sched.learning_phase("relearning", 0.95) == "learning"
    assert sched.learning_phase("review", 0.8) == "mastered"
    assert sched.learning_phase("review", 0.79) == "review"


def test_fitted_parameters_out_of_bounds_fall_back_to_the_defaults() -> None:
    bad = [100.0] * 21
    assert sched.build_scheduler(0.9, bad).parameters == fsrs.scheduler.DEFAULT_PARAMETERS
    good = list(fsrs.scheduler.DEFAULT_PARAMETERS)
    good[0] = 0.5
    assert sched.build_scheduler(0.9, good).parameters[0] == 0.5


def test_sm2_qualities_map_to_ratings() -> None:
    grades = [ReviewRequest.model_validate({"itemId": str(ITEM), "quality": q}).grade for q in range(6)]
    assert grades == [1, 1, 1, 2, 3, 4]
    assert ReviewRequest.model_validate({"itemId": str(ITEM), "rating": "Easy"}).grade == 4
    assert ReviewRequest.model_validate({"itemId": str(ITEM), "rating": "2"}).grade == 2


def test_days_follow_the_time_zone_and_dst() -> None:
    # 2026-03-08 in New York has 23 hours, 2026-11-01 has 25
    start, end = day_bounds(datetime(2026, 3, 8, 12, tzinfo=UTC), "America/New_York")
    assert (start, end) == (datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 3, 9, 4, tzinfo=UTC))
    start, end = day_bounds(datetime(2026, 11, 1, 12, tzinfo=UTC), "America/New_York")
    assert end - start == timedelta(hours=25)
    start, _ = day_bounds(datetime(2026, 6, 1, 23, 30, tzinfo=UTC), "Asia/Tokyo")
    assert start == datetime(2026, 6, 1, 15, tzinfo=UTC)  # already June 2 in Tokyo
    assert day_bounds(datetime(2026, 6, 1, 10, tzinfo=UTC), "Not/AZone")[0] == datetime(
        2026, 6, 1, tzinfo=UTC
    )
