"""GET /api/progress/stats and /analytics on a hand-built history: every expected number is worked out by
hand below, from the rows written, in the learner's zone (Europe/Madrid, UTC+1 in these weeks)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from describe_it.progress.service import ProgressService
from tests.integration.progress.conftest import Learner
from tests.integration.progress.history import Clock, History, who
from tests.support.api import call


def z(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A UTC instant in 2026 (Madrid is one hour ahead: 10:00Z is 11:00 local)."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


NOW = z(18, 15)  # Wednesday 18 March 2026, 16:00 in Madrid; the ISO week began Monday 16 March


@dataclass
class Built:
    list_id: UUID
    items: list[UUID]
    perfect_session: UUID


def build(h: History) -> Built:
    """The history. Active days (local): Feb 20–28 (events), Mar 2–6, Mar 9, Mar 15–18."""
    lst = h.own_list("Historia")
    i1, i2, i3 = (h.item(lst, w, z(2, 9, n)) for n, w in enumerate(("uno", "dos", "tres")))
    i4 = h.item(lst, "cuatro", z(18, 9))  # created today
    # progress: i1 mastered (first on Mar 3), i2 review, i3 learning and due, i4 learning (first review today)
    h.progress(i1, first=z(2, 10), mastery=0.9, mastered_at=z(3, 10), reps=6)
    h.progress(i2, first=z(2, 10, 5), mastery=0.5, reps=6)
    h.progress(i3, first=z(3, 10, 10), state="learning", due=z(17, 12), reps=3)
    h.progress(i4, first=z(18, 14), state="learning")
    # run A: one learning event a day, Feb 20–28 (9 days); no points
    for day in range(20, 29):
        h.event(z(day, 11, month=2))
    # Mar 2: 2 reviews (good 10, again 5) = 15
    h.review(i1, z(2, 10), 3)
    h.review(i2, z(2, 10, 5), 1)
    # Mar 3: 3 good reviews = 30
    for n, item in enumerate((i1, i2, i3)):
        h.review(item, z(3, 10, 10 + n), 3)
    # Mar 4: 2 answers (right 10, wrong 5) = 15
    h.answer(z(4, 10), True, "Vocabulario", "facil")
    h.answer(z(4, 10, 1), False, "Gramática", "facil")
    # Mar 5: a learning event only; Mar 6: a completed 20-minute session only
    h.event(z(5, 12), "translation_completed")
    h.session(z(6, 8), 20)
    # Mar 9: 10 evening answers (21:00 local), 6 right = 60 + 20 = 80
    for n in range(10):
        h.answer(z(9, 20, n), n < 6, "Gramática", "medio")
    # Mar 15 (Sunday): hard 10, good 10, again 5 = 25
    h.review(i1, z(15, 10), 2)
    h.review(i2, z(15, 10, 1), 3)
    h.review(i3, z(15, 10, 2), 1)
    # Mar 16 (Monday): a 30-minute session of 10 good reviews (100), then 2 right answers (20) = 120
    perfect = h.session(z(16, 9), 30, session_type="review", reviews_count=10, reviews_correct=10)
    for n in range(10):
        h.review((i1, i2, i3)[n % 3], z(16, 9, 1 + n), 3, session=perfect)
    h.answer(z(16, 10), True, "Vocabulario", "dificil")
    h.answer(z(16, 10, 1), True, "Vocabulario", "dificil")
    # Mar 17: an event, and a session that was abandoned (neither counts as a completed session)
    h.event(z(17, 12))
    h.session(z(17, 13), 10, status="abandoned")
    # Mar 18 (today): i4 created (above) and first reviewed, good = 10; one wrong answer = 5
    h.review(i4, z(18, 14), 3)
    h.answer(z(18, 14, 30), False, "Cultura", "medio")
    h.saved_description(z(10, 12))
    return Built(lst, [i1, i2, i3, i4], perfect)


@pytest.fixture
def madrid(make_learner: Callable[..., Learner]) -> Learner:
    learner = make_learner("marta", time_zone="Europe/Madrid")
    reply = learner.call("PUT", "/api/settings", {"settings": {"session": {"dailyWordGoal": 1}}})
    assert reply.status == 200, reply
    return learner


def test_stats_equal_the_hand_computed_values(madrid: Learner, admin_sql: Callable[..., Any]) -> None:
    built = build(History(admin_sql, madrid))
    stats = ProgressService(Clock(NOW)).stats(who(madrid)).model_dump(mode="json", by_alias=True)

    # points: reviews 17 correct × 10 + 2 × 5 = 180; answers 9 × 10 + 6 × 5 = 120
    # accuracy: (17 + 9) / (19 + 15) = 76.47 → 76.5; streaks: Mar 15–18 (4), Feb 20–28 (9)
    # average session time (last 30 days): (20 + 30) / 2 = 25.0; words today: i4 (created and first reviewed)
    assert stats["stats"] == {
        "totalPoints": 300, "currentStreak": 4, "longestStreak": 9, "accuracy": 76.5, "wordsToday": 1,
        "totalWords": 4, "averageSessionTime": 25.0,
    }  # fmt: skip
    assert stats["totals"] == {
        "vocabularyItems": 4, "itemsStudied": 4, "mastered": 1, "learning": 2, "due": 1, "reviews": 19,
        "qaAnswered": 15, "qaCorrect": 9, "sessionsCompleted": 2, "studyMinutes": 50.0, "descriptionsSaved": 1,
        "completionRate": 0.25,
    }  # fmt: skip
    # today: i4's review (10) and a wrong answer (5); goal 1 item, 1 reviewed
    assert stats["today"] == {
        "reviews": 1, "newItems": 1, "qaAnswered": 1, "studyMinutes": 0.0, "points": 15, "dailyGoal": 1,
        "goalMet": True,
    }  # fmt: skip
    # this week (Mon 16 – Wed 18): the 30-minute session; 11 reviews, 3 answers, 13 of 14 right = 92.9
    assert stats["thisWeek"] == {
        "sessions": 1, "studyMinutes": 30.0, "reviews": 11, "qaAnswered": 3, "itemsLearned": 1, "points": 135,
        "accuracy": 92.9,
    }  # fmt: skip
    # the last 7 days (Mar 12–18): 15 of 17 = 88.2; the 7 before (Mar 5–11): 6 of 10 = 60.0 → +28.2
    assert stats["improvementTrend"] == "improving"
    achievements = {
        a["id"]: (a["unlocked"], a["unlockedAt"], a["progress"], a["target"]) for a in stats["achievements"]
    }
    assert achievements == {
        "first_word": (True, "2026-03-02T09:00:00.000Z", 1, 1),  # the first own item
        "vocab_100": (False, None, 4, 100),
        "phrases_50": (False, None, 1, 50),  # i1, first mastered on Mar 3
        "streak_7": (True, "2026-02-26T11:00:00.000Z", 7, 7),  # the 7th day of Feb 20–28, its first activity
        "streak_30": (False, None, 9, 30),
        "points_1000": (False, None, 300, 1000),
        "perfect_score": (True, "2026-03-16T09:30:00.000Z", 1, 1),  # 10 graded, all right; when it ended
    }
    assert [(m["id"], m["progress"], m["target"]) for m in stats["nextMilestones"]] == [
        ("points_5000", 300, 5000), ("mastered_100", 1, 100), ("streak_30", 4, 30),
    ]  # fmt: skip
    assert built.perfect_session


def test_analytics_equal_the_hand_computed_values(madrid: Learner, admin_sql: Callable[..., Any]) -> None:
    built = build(History(admin_sql, madrid))
    data = ProgressService(Clock(NOW)).analytics(who(madrid), "30d").model_dump(mode="json", by_alias=True)
    assert data["period"] == "30d" and data["timeZone"] == "Europe/Madrid"
    days = {d["date"]: d for d in data["progressOverTime"]}
    assert len(data["progressOverTime"]) == 30 and min(days) == "2026-02-17" and max(days) == "2026-03-18"
    assert days["2026-03-16"] == {
        "date": "2026-03-16", "reviews": 10, "correctReviews": 10, "newItems": 0, "qaAnswered": 2, "qaCorrect": 2,
        "accuracy": 100.0, "studyMinutes": 30.0, "points": 120,
    }  # fmt: skip
    assert days["2026-03-02"]["newItems"] == 2 and days["2026-03-02"]["accuracy"] == 50.0
    assert days["2026-03-14"]["accuracy"] is None and days["2026-03-14"]["points"] == 0
    # Gramática: Mar 4 wrong + Mar 9 6 of 10 = 6 of 11; Vocabulario 3 of 3; Cultura 0 of 1
    assert [(s["skill"], s["attempted"], s["correct"], s["accuracy"]) for s in data["skillBreakdown"]] == [
        ("vocabulary", 3, 3, 100.0), ("grammar", 11, 6, 54.5), ("culture", 1, 0, 0.0),
        ("comprehension", 0, 0, None), ("expression", 0, 0, None),
    ]  # fmt: skip
    assert data["difficultyBreakdown"] == {
        "facil": {"attempted": 2, "correct": 1, "accuracy": 50.0},
        "medio": {"attempted": 11, "correct": 6, "accuracy": 54.5},
        "dificil": {"attempted": 2, "correct": 2, "accuracy": 100.0},
    }
    assert data["vocabularyBreakdown"] == {"total": 4, "new": 0, "learning": 2, "review": 1, "mastered": 1}
    assert data["completionData"] == [
        {"listId": str(built.list_id), "listName": "Historia", "totalItems": 4, "studied": 4, "mastered": 1,
         "completion": 0.25}
    ]  # fmt: skip
    # mornings (05–12 local): 22 graded, 19 right = 86.4; evening: 6 of 10; afternoon: 2 (< 10)
    assert data["performanceTrends"] == {
        "weeklyAverageAccuracy": 88.2, "monthlyAverageAccuracy": 76.5, "bestTimeOfDay": "morning",
        "bestSessionType": None,  # no type has 3 completed sessions
    }  # fmt: skip
    # focus: skills under 70 % with at least 5 attempts; 30-day Q&A accuracy 9 of 15 = 60.0 (not < 60):
    # the current level; new items in the last 14 days: 1 → 1.2 / 14 → clamped to 5
    assert data["recommendations"] == {
        "focusAreas": ["grammar"], "suggestedDifficulty": "beginner", "dailyGoalSuggestion": 5,
    }  # fmt: skip


def test_an_empty_history_has_zeros_and_nulls_never_placeholders(madrid: Learner) -> None:
    stats = madrid.call("GET", "/api/progress/stats")
    assert stats.status == 200, stats
    assert stats.data["stats"] == {
        "totalPoints": 0, "currentStreak": 0, "longestStreak": 0, "accuracy": None, "wordsToday": 0,
        "totalWords": 0, "averageSessionTime": None,
    }  # fmt: skip
    assert stats.data["totals"]["completionRate"] is None
    assert stats.data["improvementTrend"] == "insufficient_data"
    assert all(not a["unlocked"] and a["unlockedAt"] is None for a in stats.data["achievements"])
    analytics = madrid.call("GET", "/api/progress/analytics", query="period=7d")
    assert analytics.status == 200, analytics
    assert len(analytics.data["progressOverTime"]) == 7
    assert analytics.data["performanceTrends"]["bestTimeOfDay"] is None
    assert analytics.data["recommendations"] == {
        "focusAreas": [], "suggestedDifficulty": "beginner", "dailyGoalSuggestion": 5,
    }  # fmt: skip


def test_stats_from_rollups_equal_the_raw_computation(madrid: Learner, admin_sql: Callable[..., Any]) -> None:
    """Sixty days later most of the history is closed: rolled up, then read back, it gives the same answers."""
    from describe_it.db.tx import transaction
    from describe_it.progress.rollups import roll_up

    build(History(admin_sql, madrid))
    later = Clock(NOW + timedelta(days=60))
    raw = ProgressService(later, use_rollups=False)
    rolled = ProgressService(later, use_rollups=True)
    before = (raw.stats(who(madrid)), raw.streak(who(madrid), 365), raw.analytics(who(madrid), "365d"))
    with transaction("admin") as conn:
        assert roll_up(conn, madrid.id, later.now) > 0
        assert roll_up(conn, madrid.id, later.now) == 0  # nothing new to roll up
    rows = admin_sql(
        """SELECT count(*), max(period_start)::text, sum(points), sum(vocabulary_reviewed), bool_and(time_zone = 'Europe/Madrid')
             FROM learning_analytics WHERE user_id = %s AND period_type = 'daily'""",
        [madrid.id],
    )
    # closed = older than 32 days before May 17: every active day through Mar 18, plus the marker (Apr 15)
    assert rows == [(20, "2026-04-15", 300, 19, True)]
    assert (
        rolled.stats(who(madrid)),
        rolled.streak(who(madrid), 365),
        rolled.analytics(who(madrid), "365d"),
    ) == before
    # closed days are read from the rollups: deleting Mar 2's two reviews (15 points) does not rewrite them
    admin_sql("DELETE FROM review_logs WHERE user_id = %s AND reviewed_at < %s", [madrid.id, z(3, 0)])
    assert rolled.stats(who(madrid)).stats.total_points == 300
    assert raw.stats(who(madrid)).stats.total_points == 285
    # and when only part of the history is closed
    partial = Clock(NOW + timedelta(days=40))  # closed through Mar 27
    admin_sql("DELETE FROM learning_analytics WHERE user_id = %s", [madrid.id])
    expected = ProgressService(partial, use_rollups=False).stats(who(madrid))
    with transaction("admin") as conn:
        roll_up(conn, madrid.id, partial.now)
    assert ProgressService(partial).stats(who(madrid)) == expected


def test_the_analytics_and_stats_routes(madrid: Learner) -> None:
    for period, days in (("7d", 7), ("30d", 30), ("90d", 90), ("365d", 365)):
        reply = madrid.call("GET", "/api/progress/analytics", query=f"period={period}")
        assert reply.status == 200 and reply.data["period"] == period, reply
        assert len(reply.data["progressOverTime"]) == days
        assert reply.headers["cache-control"] == "no-store"
    assert madrid.call("GET", "/api/progress/analytics").data["period"] == "30d"
    for bad in ("period=1y", "period=30", "period=", "period=7D"):
        refused = madrid.call("GET", "/api/progress/analytics", query=bad)
        assert refused.status == 400 and refused.json["details"][0]["field"] == "period", (bad, refused)
    stats = madrid.call("GET", "/api/progress/stats", query="ignored=1")
    assert stats.status == 200 and stats.headers["cache-control"] == "no-store"
    assert call("GET", "/api/progress/stats", headers={"authorization": "Bearer nope"}).status == 401
    assert call("GET", "/api/progress/stats").status == 401
