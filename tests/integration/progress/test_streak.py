"""Streaks in the learner's calendar (spec §11.4): time zones, DST, missed days, today not yet active, what
counts as activity, and a change of zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from describe_it.db.tx import transaction
from describe_it.progress.rollups import roll_up
from describe_it.progress.service import ProgressService
from tests.integration.progress.conftest import Learner
from tests.integration.progress.history import Clock, History, who


def z(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def active_days(service: ProgressService, learner: Learner, days: int = 7) -> dict[str, bool]:
    return {str(d.date): d.active for d in service.streak(who(learner), days).history}


def one_item(h: History) -> Any:
    lst = h.own_list()
    item = h.item(lst, "palabra", z(1, 1, 12))
    h.progress(item, first=z(1, 1, 12))
    return item


def test_the_same_instants_are_different_days_in_auckland_and_los_angeles(
    make_learner: Callable[..., Learner], admin_sql: Callable[..., Any]
) -> None:
    # 11:30Z on Mar 9 is 00:30 on Mar 10 in Auckland (UTC+13) and 04:30 on Mar 9 in Los Angeles (UTC-7);
    # 09:00Z on Mar 10 is 22:00 on Mar 10 in Auckland and 02:00 on Mar 10 in Los Angeles
    kiri = make_learner("kiri", time_zone="Pacific/Auckland")
    lola = make_learner("lola", time_zone="America/Los_Angeles")
    for learner in (kiri, lola):
        h = History(admin_sql, learner)
        item = one_item(h)
        h.review(item, z(3, 9, 11, 30))
        h.review(item, z(3, 10, 9))
    clock = Clock(z(3, 10, 10))  # Mar 10, 23:00 in Auckland and 03:00 in Los Angeles
    service = ProgressService(clock)
    auckland, los_angeles = service.streak(who(kiri), 7), service.streak(who(lola), 7)
    assert (auckland.current_streak, auckland.longest_streak, auckland.time_zone) == (
        1,
        1,
        "Pacific/Auckland",
    )
    assert (los_angeles.current_streak, los_angeles.longest_streak) == (2, 2)
    assert [(str(d.date), d.active, d.reviews) for d in auckland.history[-2:]] == [
        ("2026-03-09", False, 0), ("2026-03-10", True, 2),
    ]  # fmt: skip
    assert [(str(d.date), d.active, d.reviews) for d in los_angeles.history[-2:]] == [
        ("2026-03-09", True, 1), ("2026-03-10", True, 1),
    ]  # fmt: skip
    assert auckland.today_completed and los_angeles.today_completed


def test_the_spring_forward_day_has_23_hours_and_the_fall_back_day_25(
    make_learner: Callable[..., Learner], admin_sql: Callable[..., Any]
) -> None:
    nora = make_learner("nora", time_zone="America/New_York")
    h = History(admin_sql, nora)
    item = one_item(h)
    # Mar 8, 2026 (EST → EDT) runs from 05:00Z to 04:00Z the next day
    h.review(item, z(3, 8, 5, 30))  # Mar 8, 00:30 EST
    h.review(item, z(3, 9, 3, 30))  # Mar 8, 23:30 EDT: a UTC day would call it Mar 9
    h.review(item, z(3, 9, 4, 30))  # Mar 9, 00:30 EDT: "start + 24 h" would still call it Mar 8
    # Nov 1, 2026 (EDT → EST) runs from 04:00Z to 05:00Z the next day
    h.review(item, z(11, 1, 4, 30))  # Nov 1, 00:30 EDT
    h.review(item, z(11, 2, 4, 30))  # Nov 1, 23:30 EST: "start + 24 h" would call it Nov 2
    march = ProgressService(Clock(z(3, 9, 12))).streak(who(nora), 7)
    assert [(str(d.date), d.reviews) for d in march.history[-2:]] == [("2026-03-08", 2), ("2026-03-09", 1)]
    assert march.current_streak == 2
    november = ProgressService(Clock(z(11, 2, 12))).streak(who(nora), 7)
    assert [(str(d.date), d.reviews) for d in november.history[-2:]] == [("2026-11-01", 2), ("2026-11-02", 0)]
    assert (november.current_streak, november.today_completed) == (1, False)  # Nov 1, and today not yet


def test_a_missed_day_breaks_the_streak_and_today_counts_once_active(
    make_learner: Callable[..., Learner], admin_sql: Callable[..., Any]
) -> None:
    omar = make_learner("omar", time_zone="UTC")
    h = History(admin_sql, omar)
    item = one_item(h)
    for day in (1, 2, 3, 5, 6):  # Mar 4 missed
        h.answer(z(3, day, 9), True)
    clock = Clock(z(3, 6, 20))
    service = ProgressService(clock)
    streak = service.streak(who(omar), 7)
    assert (streak.current_streak, streak.longest_streak, streak.today_completed) == (2, 3, True)
    assert str(streak.last_activity_date) == "2026-03-06"
    assert streak.next_milestone is not None
    assert (streak.next_milestone.target_days, streak.next_milestone.days_remaining) == (7, 5)
    clock.now = z(3, 7, 8)  # the next morning, nothing done yet: the streak still stands
    streak = service.streak(who(omar), 7)
    assert (streak.current_streak, streak.today_completed) == (2, False)
    h.review(item, z(3, 7, 9))
    clock.now = z(3, 7, 10)  # once active today, it counts
    assert service.streak(who(omar), 7).current_streak == 3
    clock.now = z(3, 9, 8)  # Mar 8 was missed
    streak = service.streak(who(omar), 7)
    assert (streak.current_streak, streak.longest_streak) == (0, 3)
    assert service.stats(who(omar)).stats.current_streak == 0


def test_what_counts_as_an_active_day(
    make_learner: Callable[..., Learner], admin_sql: Callable[..., Any]
) -> None:
    pia = make_learner("pia", time_zone="UTC")
    h = History(admin_sql, pia)
    lst = h.own_list()
    h.item(lst, "uno", z(3, 1, 9))  # an item created in an own list
    h.session(z(3, 2, 9), 15)  # a completed session
    h.event(z(3, 3, 9))  # a learning event
    h.answer(z(3, 4, 9), False)  # an answer, even a wrong one
    h.session(z(3, 5, 9), 15, status="abandoned")  # not: an abandoned session
    h.session(z(3, 6, 9), None)  # not: a session still going on
    h.saved_description(z(3, 6, 10))  # not: a saved description
    archive = h.own_list("Ajena (archived)")
    admin_sql("UPDATE vocabulary_lists SET archived_from = gen_random_uuid() WHERE id = %s", [archive])
    h.item(archive, "copia", z(3, 7, 9))  # not: a copy made into an archive when someone else deleted a list
    service = ProgressService(Clock(z(3, 7, 12)))
    assert active_days(service, pia) == {
        "2026-03-01": True, "2026-03-02": True, "2026-03-03": True, "2026-03-04": True,
        "2026-03-05": False, "2026-03-06": False, "2026-03-07": False,
    }  # fmt: skip
    streak = service.streak(who(pia), 7)
    assert (streak.current_streak, streak.longest_streak) == (0, 4)
    assert streak.history[1].sessions == 1 and streak.history[4].sessions == 0


def test_a_change_of_zone_puts_the_whole_history_on_the_new_zones_days(
    make_learner: Callable[..., Learner], admin_sql: Callable[..., Any]
) -> None:
    """Days are always the current zone's: every source is a UTC instant, so a change re-buckets them
    all alike (rollups computed in the old zone are not read, and the next roll-up replaces them)."""
    quim = make_learner("quim", time_zone="UTC")
    h = History(admin_sql, quim)
    item = one_item(h)
    # 23:00Z on Jan 10 and 01:00Z on Jan 12: in UTC Jan 10 and Jan 12 (a gap); in Auckland (UTC+13)
    # Jan 11 and Jan 12 (consecutive)
    h.review(item, z(1, 10, 23))
    h.review(item, z(1, 12, 1))
    clock = Clock(z(3, 20, 12))  # Jan is closed by then: rolled up
    service = ProgressService(clock)
    assert service.stats(who(quim)).stats.longest_streak == 1
    with transaction("admin") as conn:
        roll_up(conn, quim.id, clock.now)
    assert service.stats(who(quim)).stats.longest_streak == 1
    h.time_zone("Pacific/Auckland")
    assert service.stats(who(quim)).stats.longest_streak == 2  # the UTC rollups are not read
    assert ProgressService(clock, use_rollups=False).stats(who(quim)).stats.longest_streak == 2
    with transaction("admin") as conn:
        roll_up(conn, quim.id, clock.now)
    zones = admin_sql("SELECT DISTINCT time_zone FROM learning_analytics WHERE user_id = %s", [quim.id])
    assert zones == [("Pacific/Auckland",)]
    assert service.stats(who(quim)).stats.longest_streak == 2
    history = {str(d.date): d.reviews for d in service.streak(who(quim), 365).history if d.reviews}
    assert history == {"2026-01-11": 1, "2026-01-12": 1}


def test_the_streak_route(make_learner: Callable[..., Learner]) -> None:
    rosa = make_learner("rosa", time_zone="Europe/Madrid")
    lst = rosa.new_list("Hoy")
    [item] = rosa.save(lst["id"], ("hoy", "today"))
    assert rosa.call("POST", "/api/vocabulary/review", {"itemId": item["id"], "rating": "good"}).status == 200
    reply = rosa.call("GET", "/api/progress/streak")
    assert reply.status == 200, reply
    assert reply.headers["cache-control"] == "no-store"
    data = reply.data
    assert (data["currentStreak"], data["longestStreak"], data["todayCompleted"]) == (1, 1, True)
    assert data["timeZone"] == "Europe/Madrid" and len(data["history"]) == 30
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Madrid")).date()
    assert data["history"][-1] == {
        "date": str(today), "active": True, "sessions": 0, "reviews": 1, "qaAnswered": 0, "points": 10,
    }  # fmt: skip
    assert data["history"][0]["date"] == str(today - timedelta(days=29))
    assert data["nextMilestone"] == {"targetDays": 7, "daysRemaining": 6}
    assert len(rosa.call("GET", "/api/progress/streak", query="days=7").data["history"]) == 7
    assert len(rosa.call("GET", "/api/progress/streak", query="days=365").data["history"]) == 365
    for bad in ("days=6", "days=366", "days=abc", "days=7.5", "days=-1"):
        refused = rosa.call("GET", "/api/progress/streak", query=bad)
        assert refused.status == 400 and refused.json["details"][0]["field"] == "days", (bad, refused)
