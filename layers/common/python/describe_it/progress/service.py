"""Rules of /api/progress, stats, streak and analytics (spec §11.1, §11.3–11.5).

The definitions of §11 as built: days and ISO weeks are the user's current zone's (``progress.calendar``);
an active day has a review, a Q&A answer, a completed session, a vocabulary item created in an own list
or a learning event; the current streak ends today, or yesterday while today is not active yet; points
are 10 per correct and 5 per other review or answer; accuracy is correct / graded (reviews + answers) as a
percentage with one decimal (half up), null with nothing graded; study minutes are the durations of
completed sessions on the day they started. All of it is aggregated in SQL (``progress.activity``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from describe_it.clock import Clock, system_clock
from describe_it.db.tx import transaction
from describe_it.errors import NotFound
from describe_it.http.pagination import Page
from describe_it.identity import Principal
from describe_it.progress import calendar
from describe_it.progress import repository as repo
from describe_it.progress.models import (
    Achievement,
    Analytics,
    DashboardStats,
    DayProgress,
    DifficultyBreakdown,
    Graded,
    ListCompletion,
    Milestone,
    NextStreakMilestone,
    PerformanceTrends,
    ProgressEntry,
    ProgressItem,
    ProgressStats,
    Recommendations,
    SkillStats,
    Streak,
    StreakDay,
    TodayStats,
    Totals,
    Trend,
    VocabularyBreakdown,
    WeekStats,
)
from describe_it.user_settings.service import merged_document
from describe_it.vocabulary import repository as vocabulary_repo
from describe_it.vocabulary.service import Sorting, progress_view

PROGRESS_SORTS = {
    "due": ("p.due", "::timestamptz"),
    "mastery": ("p.mastery", "::numeric"),
    "lastReview": ("p.last_review", "::timestamptz"),
}
PERIODS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
STREAK_TARGETS = (7, 14, 30, 60, 100, 365)
TREND_POINTS = Decimal(5)  # accuracy points between the last 7 days and the 7 before
TREND_MIN_GRADED = 10
SKILLS = {  # Q&A categories (schema) -> the skills of §11.5, in this order
    "Vocabulario": "vocabulary",
    "Gramática": "grammar",
    "Cultura": "culture",
    "Comprensión": "comprehension",
    "Expresión": "expression",
}
LEVELS = ("beginner", "intermediate", "advanced")
FOCUS_BELOW = Decimal(70)
FOCUS_MIN_ATTEMPTS = 5
BEST_MIN_ANSWERS = 10
BEST_MIN_SESSIONS = 3
TIMES_OF_DAY = ("morning", "afternoon", "evening", "night")
SESSION_TYPES = ("description", "qa", "vocabulary", "review", "mixed")


def percent(correct: int, graded: int) -> float | None:
    """correct / graded as a percentage with one decimal, half up; None when nothing was graded."""
    if graded <= 0:
        return None
    value = (Decimal(100 * correct) / Decimal(graded)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(value)


def minutes(seconds: int | Decimal) -> float:
    return float((Decimal(seconds) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def ratio(part: int, whole: int) -> float | None:
    if whole <= 0:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def trend(recent_correct: int, recent: int, earlier_correct: int, earlier: int) -> Trend:
    """The last 7 days against the 7 before, compared as shown (one decimal)."""
    if recent < TREND_MIN_GRADED or earlier < TREND_MIN_GRADED:
        return "insufficient_data"
    now, before = percent(recent_correct, recent), percent(earlier_correct, earlier)
    assert now is not None
    assert before is not None
    change = Decimal(str(now)) - Decimal(str(before))
    if change >= TREND_POINTS:
        return "improving"
    if change <= -TREND_POINTS:
        return "declining"
    return "stable"


def next_streak_milestone(current: int) -> NextStreakMilestone | None:
    for target in STREAK_TARGETS:
        if target > current:
            return NextStreakMilestone(target_days=target, days_remaining=target - current)
    return None


@dataclass(frozen=True)
class _Goal:
    id: str
    name: str
    description: str
    target: int


ACHIEVEMENTS = (
    _Goal("first_word", "First word", "Save your first vocabulary item", 1),
    _Goal("vocab_100", "Word collector", "Have 100 items in your own lists", 100),
    _Goal("phrases_50", "Fifty mastered", "Master 50 items (80 % recall a month after the review)", 50),
    _Goal("streak_7", "One-week streak", "Be active 7 days in a row", 7),
    _Goal("streak_30", "One-month streak", "Be active 30 days in a row", 30),
    _Goal("points_1000", "1,000 points", "Earn 1,000 points from reviews and answers", 1000),
    _Goal(
        "perfect_score", "Perfect session", "Complete a session of 10 or more graded answers, all correct", 1
    ),
)


def achievements(row: repo.StatsRow) -> list[Achievement]:
    """Unlocked when the threshold was first crossed: ``unlockedAt`` comes from the rows themselves."""
    reached = {
        "first_word": (row.own_items, row.first_item_at),
        "vocab_100": (row.own_items, row.hundredth_item_at),
        "phrases_50": (row.ever_mastered, row.fiftieth_mastered_at),
        "streak_7": (row.longest, row.streak_7_at),
        "streak_30": (row.longest, row.streak_30_at),
        "points_1000": (row.points, row.points_1000_at),
        "perfect_score": (1 if row.perfect_session_at else 0, row.perfect_session_at),
    }
    out = []
    for goal in ACHIEVEMENTS:
        value, at = reached[goal.id]
        out.append(
            Achievement(
                id=goal.id,
                name=goal.name,
                description=goal.description,
                unlocked=at is not None,
                unlocked_at=at,
                progress=min(value, goal.target),
                target=goal.target,
            )
        )
    return out


def _user(principal: Principal) -> UUID:
    assert principal.user_id is not None, "progress routes require authentication"
    return principal.user_id


class ProgressService:
    def __init__(self, clock: Clock = system_clock, *, use_rollups: bool = True) -> None:
        self.clock = clock
        self.use_rollups = use_rollups  # False: every day from the raw tables (tests compare the two)

    def _context(self, conn: repo.Conn, me: UUID) -> tuple[repo.Context, calendar.Today]:
        ctx = repo.context(conn, me)
        if ctx is None:  # the account was deleted while its token is still valid
            raise NotFound("User not found")
        return ctx, calendar.today(self.clock(), ctx.time_zone)

    def _days(self, me: UUID, today: calendar.Today, first: Any = None) -> dict[str, Any]:
        return repo.day_params(me, today.time_zone, today.day, first, self.use_rollups)

    # GET /api/progress ---------------------------------------------------------------------------------

    def page(
        self, principal: Principal, filters: repo.ProgressFilter, sort: Sorting, page: Page
    ) -> tuple[list[ProgressEntry], dict[str, Any]]:
        me = _user(principal)
        now = self.clock()
        scope = f"progress:{sort.field}:{sort.descending}"
        expression, cast = PROGRESS_SORTS[sort.field]
        key = vocabulary_repo.SortKey(expression, cast, sort.descending)
        window = vocabulary_repo.Window(limit=page.limit, offset=page.offset, after=page.after(scope))
        with transaction("app", me) as conn:
            rows = repo.page_progress(conn, me, filters, key, window)
        shown, has_more = rows[: page.limit], len(rows) > page.limit
        entries = []
        for row in shown:
            view = progress_view(row, now)
            assert view is not None
            assert row.progress_id is not None
            entries.append(
                ProgressEntry(
                    **view.model_dump(),
                    id=row.progress_id,
                    vocabulary_item_id=row.id,
                    item=ProgressItem(
                        spanish_text=row.spanish_text,
                        english_translation=row.english_translation,
                        list_id=row.list_id,
                        difficulty=row.difficulty,
                    ),
                )
            )
        after = [shown[-1].sort_key, str(shown[-1].progress_id)] if shown else None
        return entries, page.block(None, has_more, after, scope)

    # GET /api/progress/stats ---------------------------------------------------------------------------

    def stats(self, principal: Principal) -> ProgressStats:
        me = _user(principal)
        with transaction("app", me) as conn:
            ctx, today = self._context(conn, me)
            row = repo.stats(
                conn,
                {
                    **self._days(me, today),
                    "now": today.now,
                    "week": today.week,
                    "day_start": today.start(),
                    "day_end": today.start(today.day + calendar.DAY),
                },
            )
        goal = int(merged_document(ctx.settings)["session"]["dailyWordGoal"])
        return ProgressStats(
            stats=DashboardStats(
                total_points=row.points,
                current_streak=row.current,
                longest_streak=row.longest,
                accuracy=percent(row.reviews_correct + row.qa_correct, row.reviews + row.qa),
                words_today=row.words_today,
                total_words=row.own_items,
                average_session_time=(
                    minutes(Decimal(row.month_seconds) / row.month_sessions) if row.month_sessions else None
                ),
            ),
            totals=Totals(
                vocabulary_items=row.own_items,
                items_studied=row.studied,
                mastered=row.mastered,
                learning=row.learning,
                due=row.due,
                reviews=row.reviews,
                qa_answered=row.qa,
                qa_correct=row.qa_correct,
                sessions_completed=row.sessions,
                study_minutes=minutes(row.seconds),
                descriptions_saved=row.descriptions,
                # mastered / vocabularyItems (spec), at most 1: items mastered in shared or public
                # lists count as mastered but are not the learner's own items
                completion_rate=ratio(min(row.mastered, row.own_items), row.own_items),
            ),
            today=TodayStats(
                reviews=row.today_reviews,
                new_items=row.today_new_items,
                qa_answered=row.today_qa,
                study_minutes=minutes(row.today_seconds),
                points=row.today_points,
                daily_goal=goal,
                goal_met=row.items_reviewed_today >= goal,
            ),
            this_week=WeekStats(
                sessions=row.week_sessions,
                study_minutes=minutes(row.week_seconds),
                reviews=row.week_reviews,
                qa_answered=row.week_qa,
                items_learned=row.week_new_items,
                points=row.week_points,
                accuracy=percent(row.week_graded_correct, row.week_reviews + row.week_qa),
            ),
            achievements=achievements(row),
            improvement_trend=trend(
                row.recent_correct, row.recent_graded, row.earlier_correct, row.earlier_graded
            ),
            next_milestones=[
                Milestone(id="points_5000", name="5,000 points", progress=min(row.points, 5000), target=5000),
                Milestone(
                    id="mastered_100", name="100 items mastered", progress=min(row.mastered, 100), target=100
                ),
                Milestone(id="streak_30", name="30-day streak", progress=min(row.current, 30), target=30),
            ],
        )

    # GET /api/progress/streak --------------------------------------------------------------------------

    def streak(self, principal: Principal, days: int) -> Streak:
        me = _user(principal)
        with transaction("app", me) as conn:
            _, today = self._context(conn, me)
            row = repo.streak(conn, {**self._days(me, today), "history_days": days})
        history = [StreakDay.model_validate(day) for day in row.history]
        return Streak(
            current_streak=row.current,
            longest_streak=row.longest,
            today_completed=history[-1].active,
            last_activity_date=row.last_active,
            time_zone=today.time_zone,
            history=history,
            next_milestone=next_streak_milestone(row.current),
        )

    # GET /api/progress/analytics -----------------------------------------------------------------------

    def analytics(self, principal: Principal, period: str) -> Analytics:
        me = _user(principal)
        length = PERIODS[period]
        with transaction("app", me) as conn:
            ctx, today = self._context(conn, me)
            period_first = today.day - timedelta(days=length - 1)
            # the day series is read over at least 30 days: the monthly accuracy and 14-day mean need them
            first = min(period_first, today.day - timedelta(days=29))
            row = repo.analytics(
                conn,
                {
                    **self._days(me, today, first),
                    "period_first": period_first,
                    "period_start": today.start(period_first),
                    "period_end": today.start(today.day + calendar.DAY),
                },
            )
        return _analytics(period, today.time_zone, ctx.spanish_level, row)


def _analytics(period: str, time_zone: str, level: str, row: repo.AnalyticsRow) -> Analytics:
    categories = {g["category"]: g for g in row.qa_groups or [] if g["grouped_by"] == "category"}
    difficulties = {g["difficulty"]: g for g in row.qa_groups or [] if g["grouped_by"] == "difficulty"}
    skills = []
    for category, skill in SKILLS.items():
        group = categories.get(category, {"attempted": 0, "correct": 0})
        skills.append(
            SkillStats(
                skill=skill,
                attempted=group["attempted"],
                correct=group["correct"],
                accuracy=percent(group["correct"], group["attempted"]),
            )
        )

    def graded(level_name: str) -> Graded:
        group = difficulties.get(level_name, {"attempted": 0, "correct": 0})
        return Graded(
            attempted=group["attempted"],
            correct=group["correct"],
            accuracy=percent(group["correct"], group["attempted"]),
        )

    lists = row.lists or []
    completion = [
        ListCompletion(
            list_id=x["list_id"],
            list_name=x["name"],
            total_items=x["total"],
            studied=x["studied"],
            mastered=x["mastered"],
            completion=ratio(x["mastered"], x["total"]),
        )
        for x in lists
    ]
    breakdown = VocabularyBreakdown(
        total=sum(x["total"] for x in lists),
        new=sum(x["total"] - x["studied"] for x in lists),
        learning=sum(x["learning"] for x in lists),
        review=sum(x["review"] for x in lists),
        mastered=sum(x["mastered"] for x in lists),
    )
    focus = sorted(
        (s for s in skills if s.attempted >= FOCUS_MIN_ATTEMPTS and s.accuracy is not None),
        key=lambda s: (s.accuracy or 0.0, list(SKILLS.values()).index(s.skill)),
    )
    return Analytics(
        period=period,
        time_zone=time_zone,
        progress_over_time=[DayProgress.model_validate(day) for day in row.series],
        skill_breakdown=skills,
        vocabulary_breakdown=breakdown,
        difficulty_breakdown=DifficultyBreakdown(
            facil=graded("facil"), medio=graded("medio"), dificil=graded("dificil")
        ),
        completion_data=completion,
        performance_trends=PerformanceTrends(
            weekly_average_accuracy=percent(row.week_correct, row.week_graded),
            monthly_average_accuracy=percent(row.month_correct, row.month_graded),
            best_time_of_day=_best(
                row.parts or [], "part", "attempted", "attempted", BEST_MIN_ANSWERS, TIMES_OF_DAY
            ),
            best_session_type=_best(
                row.session_types or [],
                "session_type",
                "sessions",
                "graded",
                BEST_MIN_SESSIONS,
                SESSION_TYPES,
            ),
        ),
        recommendations=Recommendations(
            focus_areas=[s.skill for s in focus if Decimal(str(s.accuracy)) < FOCUS_BELOW],
            suggested_difficulty=_suggested_level(level, row.month_qa_correct, row.month_qa),
            daily_goal_suggestion=_daily_goal(row.fortnight_new_items),
        ),
    )


def _best(
    groups: list[dict[str, Any]], key: str, count: str, graded: str, minimum: int, order: tuple[str, ...]
) -> str | None:
    """The group with the highest accuracy among those with ``count`` >= ``minimum`` (ties: ``order``)."""
    candidates = []
    for group in groups:
        accuracy = percent(group["correct"], group[graded])
        if group[count] >= minimum and accuracy is not None:
            candidates.append((-accuracy, order.index(group[key]), group[key]))
    return str(min(candidates)[2]) if candidates else None


def _suggested_level(level: str, correct: int, answered: int) -> str:
    """30-day Q&A accuracy >= 85 % → the next level, < 60 % → the previous one, else the current one."""
    accuracy = percent(correct, answered)
    index = LEVELS.index(level) if level in LEVELS else 0
    if accuracy is not None and accuracy >= 85:
        index = min(index + 1, len(LEVELS) - 1)
    elif accuracy is not None and accuracy < 60:
        index = max(index - 1, 0)
    return LEVELS[index]


def _daily_goal(new_items_14_days: int) -> int:
    """1.2 × the mean daily new items of the last 14 days, rounded half up, clamped to 5–20."""
    suggestion = (Decimal(new_items_14_days) * Decimal("1.2") / 14).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return max(5, min(20, int(suggestion)))


def get_progress_service() -> ProgressService:
    return ProgressService()
