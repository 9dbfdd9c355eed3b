"""Response models of /api/progress, /api/progress/stats, /streak and /analytics (spec §11.1, §11.3–11.5).

Every number here is computed from the domain tables when it is asked for (``progress.activity``);
``accuracy`` values are percentages with one decimal, ``null`` when nothing was graded.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import Field

from describe_it.models import ApiModel, Timestamp
from describe_it.vocabulary.models import Difficulty, ProgressView

Trend = Literal["improving", "declining", "stable", "insufficient_data"]
Skill = Literal["vocabulary", "grammar", "culture", "comprehension", "expression"]
TimeOfDay = Literal["morning", "afternoon", "evening", "night"]
Level = Literal["beginner", "intermediate", "advanced"]
SessionType = Literal["description", "qa", "vocabulary", "review", "mixed"]
Accuracy = float | None


# --- GET /api/progress ---------------------------------------------------------------------------------


class ProgressItem(ApiModel):
    spanish_text: str
    english_translation: str
    list_id: UUID
    difficulty: Difficulty


class ProgressEntry(ProgressView):
    id: UUID
    vocabulary_item_id: UUID
    item: ProgressItem


# --- GET /api/progress/stats ---------------------------------------------------------------------------


class DashboardStats(ApiModel):
    total_points: int
    current_streak: int
    longest_streak: int
    accuracy: Accuracy
    words_today: int = Field(description="Distinct items created or first reviewed today")
    total_words: int = Field(description="Items in the learner's own lists")
    average_session_time: float | None = Field(
        description="Minutes per completed session over the last 30 days (1 decimal)"
    )


class Totals(ApiModel):
    vocabulary_items: int
    items_studied: int
    mastered: int
    learning: int
    due: int
    reviews: int
    qa_answered: int
    qa_correct: int
    sessions_completed: int
    study_minutes: float
    descriptions_saved: int
    completion_rate: float | None = Field(
        description="mastered / vocabularyItems, at most 1 (3 decimals); null without own items"
    )


class TodayStats(ApiModel):
    reviews: int
    new_items: int
    qa_answered: int
    study_minutes: float
    points: int
    daily_goal: int
    goal_met: bool = Field(description="Distinct items reviewed today >= dailyGoal")


class WeekStats(ApiModel):
    sessions: int
    study_minutes: float
    reviews: int
    qa_answered: int
    items_learned: int
    points: int
    accuracy: Accuracy


class Achievement(ApiModel):
    id: str
    name: str
    description: str
    unlocked: bool
    unlocked_at: Timestamp | None
    progress: int
    target: int


class Milestone(ApiModel):
    id: str
    name: str
    progress: int
    target: int


class ProgressStats(ApiModel):
    stats: DashboardStats
    totals: Totals
    today: TodayStats
    this_week: WeekStats
    achievements: list[Achievement]
    improvement_trend: Trend
    next_milestones: list[Milestone]


# --- GET /api/progress/streak --------------------------------------------------------------------------


class StreakDay(ApiModel):
    date: dt.date
    active: bool
    sessions: int
    reviews: int
    qa_answered: int
    points: int


class NextStreakMilestone(ApiModel):
    target_days: int
    days_remaining: int


class Streak(ApiModel):
    current_streak: int
    longest_streak: int
    today_completed: bool
    last_activity_date: dt.date | None
    time_zone: str
    history: list[StreakDay] = Field(description="Oldest to newest; the last day is today")
    next_milestone: NextStreakMilestone | None = Field(description="null beyond 365 days")


# --- GET /api/progress/analytics -----------------------------------------------------------------------


class DayProgress(ApiModel):
    date: dt.date
    reviews: int
    correct_reviews: int
    new_items: int
    qa_answered: int
    qa_correct: int
    accuracy: Accuracy
    study_minutes: float
    points: int


class SkillStats(ApiModel):
    skill: Skill
    attempted: int
    correct: int
    accuracy: Accuracy


class VocabularyBreakdown(ApiModel):
    total: int
    new: int
    learning: int
    review: int
    mastered: int


class Graded(ApiModel):
    attempted: int
    correct: int
    accuracy: Accuracy


class DifficultyBreakdown(ApiModel):
    facil: Graded
    medio: Graded
    dificil: Graded


class ListCompletion(ApiModel):
    list_id: UUID
    list_name: str
    total_items: int
    studied: int
    mastered: int
    completion: float | None = Field(description="mastered / totalItems (0–1, 3 decimals)")


class PerformanceTrends(ApiModel):
    weekly_average_accuracy: Accuracy
    monthly_average_accuracy: Accuracy
    best_time_of_day: TimeOfDay | None
    best_session_type: SessionType | None


class Recommendations(ApiModel):
    focus_areas: list[Skill]
    suggested_difficulty: Level
    daily_goal_suggestion: int


class Analytics(ApiModel):
    period: Literal["7d", "30d", "90d", "365d"]
    time_zone: str
    progress_over_time: list[DayProgress]
    skill_breakdown: list[SkillStats]
    vocabulary_breakdown: VocabularyBreakdown
    difficulty_breakdown: DifficultyBreakdown
    completion_data: list[ListCompletion]
    performance_trends: PerformanceTrends
    recommendations: Recommendations
