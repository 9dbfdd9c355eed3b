"""The pure rules of §11: rounding, trend, milestones, recommendations, periods and time bounds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from describe_it.errors import ValidationFailed
from describe_it.progress import service
from describe_it.progress.params import Range, parse_bound, parse_instant, time_range
from describe_it.progress.track_service import period_start, periods_back, periods_between


@pytest.mark.parametrize(
    ("correct", "graded", "expected"),
    [(0, 0, None), (1, 3, 33.3), (2, 3, 66.7), (1, 8, 12.5), (247, 2000, 12.4), (1, 1, 100.0), (0, 5, 0.0)],
)
def test_accuracy_is_a_percentage_with_one_decimal_half_up(
    correct: int, graded: int, expected: float | None
) -> None:
    assert service.percent(correct, graded) == expected  # 247/2000 = 12.35 → 12.4 (a float would say 12.3)


@pytest.mark.parametrize(
    ("recent", "earlier", "expected"),
    [
        ((16, 20), (15, 20), "improving"),  # 80.0 vs 75.0: exactly +5
        ((15, 20), (16, 20), "declining"),  # exactly -5
        ((1048, 2000), (950, 2000), "stable"),  # 52.4 vs 47.5: +4.9
        ((1049, 2000), (950, 2000), "improving"),  # 52.45 shows as 52.5: compared as shown, +5.0
        ((10, 10), (0, 10), "improving"),
        ((9, 10), (1, 9), "insufficient_data"),  # 9 graded answers in the earlier window
        ((0, 9), (10, 10), "insufficient_data"),
    ],
)
def test_the_improvement_trend(recent: tuple[int, int], earlier: tuple[int, int], expected: str) -> None:
    assert service.trend(recent[0], recent[1], earlier[0], earlier[1]) == expected


@pytest.mark.parametrize(
    ("current", "target", "remaining"),
    [
        (0, 7, 7),
        (6, 7, 1),
        (7, 14, 7),
        (29, 30, 1),
        (30, 60, 30),
        (99, 100, 1),
        (100, 365, 265),
        (364, 365, 1),
    ],
)
def test_the_next_streak_milestone(current: int, target: int, remaining: int) -> None:
    milestone = service.next_streak_milestone(current)
    assert milestone is not None and (milestone.target_days, milestone.days_remaining) == (target, remaining)


def test_no_milestone_beyond_a_year() -> None:
    assert service.next_streak_milestone(365) is None and service.next_streak_milestone(1000) is None


@pytest.mark.parametrize(
    ("new_items", "goal"), [(0, 5), (58, 5), (64, 5), (65, 6), (175, 15), (233, 20), (500, 20)]
)
def test_the_daily_goal_suggestion(new_items: int, goal: int) -> None:
    # 1.2 × the mean of 14 days, half up, clamped to 5–20: 64 → 5.49 → 5; 65 → 5.57 → 6; 175 → 15.0
    assert service._daily_goal(new_items) == goal


@pytest.mark.parametrize(
    ("level", "correct", "answered", "expected"),
    [
        ("beginner", 85, 100, "intermediate"), ("beginner", 84, 100, "beginner"), ("intermediate", 60, 100, "intermediate"),
        ("intermediate", 59, 100, "beginner"), ("beginner", 0, 10, "beginner"), ("advanced", 10, 10, "advanced"),
        ("advanced", 1, 10, "intermediate"), ("intermediate", 0, 0, "intermediate"),
    ],
)  # fmt: skip
def test_the_suggested_difficulty(level: str, correct: int, answered: int, expected: str) -> None:
    assert service._suggested_level(level, correct, answered) == expected


def test_period_starts_and_counts() -> None:
    wednesday = date(2025, 11, 26)
    assert period_start(wednesday, "daily") == wednesday
    assert period_start(wednesday, "weekly") == date(2025, 11, 24)
    assert period_start(wednesday, "monthly") == date(2025, 11, 1)
    assert periods_back(date(2026, 1, 1), 30, "monthly") == date(2023, 8, 1)
    assert periods_back(date(2026, 3, 1), 3, "monthly") == date(2026, 1, 1)
    assert periods_back(date(2025, 12, 29), 2, "weekly") == date(2025, 12, 22)
    assert periods_between(date(2023, 8, 1), date(2026, 1, 1), "monthly") == 30
    assert periods_between(date(2025, 12, 1), date(2025, 12, 29), "weekly") == 5
    assert periods_between(date(2025, 1, 1), date(2025, 12, 31), "daily") == 365


def test_time_bounds() -> None:
    assert parse_bound("2025-11-24", "from") == date(2025, 11, 24)
    assert parse_bound("2025-11-24T10:00:00Z", "from") == datetime(2025, 11, 24, 10, tzinfo=UTC)
    spaced = parse_bound("2025-11-24T10:00:00 01:00", "from")  # "+" sent unencoded
    assert spaced == datetime(2025, 11, 24, 10, tzinfo=timezone(timedelta(hours=1)))
    for bad in ("2025-11-24T10:00:00", "24/11/2025", "yesterday", "2025-13-01"):
        with pytest.raises(ValidationFailed):
            parse_bound(bad, "from")
    with pytest.raises(ValidationFailed):
        parse_instant("2025-11-24", "dueBefore")
    span = time_range("2025-11-24", "2020-01-01", None, "2025-11-30")  # canonical names win over aliases
    assert span == Range(date(2025, 11, 24), date(2025, 11, 30))
    start, end = span.check("Europe/Madrid")  # whole local days: Nov 24 00:00 to Dec 1 00:00 (UTC+1)
    assert (start, end) == (datetime(2025, 11, 23, 23, tzinfo=UTC), datetime(2025, 11, 30, 23, tzinfo=UTC))
    with pytest.raises(ValidationFailed):
        Range(date(2025, 12, 1), date(2025, 11, 30)).check("UTC")
