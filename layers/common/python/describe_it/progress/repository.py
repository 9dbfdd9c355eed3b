"""SQL of /api/progress, stats, streak and analytics (role ``describeit_app``; RLS shows the caller's rows).

Each route is two statements: the learner's context (zone, level, settings), then one statement that
aggregates everything it answers over the day series of ``progress.activity`` and a few index probes.
Nested lists (history, breakdowns) come back as JSON built in SQL; Python only maps them to models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from psycopg.rows import class_row

from describe_it.db.keyset import SortKey, Window, keyset
from describe_it.progress.activity import CURRENT, ISLANDS, LAST_ACTIVE, LONGEST, streak_reached, with_days
from describe_it.vocabulary.repository import ITEM_COLUMNS, PROGRESS_COLUMNS, ItemRow

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

    Conn = Connection[DictRow]


@dataclass
class Context:
    time_zone: str
    spanish_level: str
    settings: dict[str, Any]


def context(conn: Conn, me: UUID) -> Context | None:
    cur = conn.cursor(row_factory=class_row(Context))
    return cur.execute(
        """SELECT u.time_zone, u.spanish_level::text AS spanish_level, coalesce(s.settings, '{}') AS settings
             FROM users u LEFT JOIN user_settings s ON s.user_id = u.id WHERE u.id = %s""",
        [me],
    ).fetchone()


def time_zone(conn: Conn, me: UUID) -> str:
    """The user's zone (``from``/``to`` dates are their local days)."""
    row = conn.execute("SELECT time_zone FROM users WHERE id = %s", [me]).fetchone()
    return str(row["time_zone"]) if row else "UTC"


def day_params(
    me: UUID, time_zone: str, today: date, first: date | None, use_rollups: bool
) -> dict[str, Any]:
    """The parameters of ``progress.activity.DAYS``."""
    return {"me": me, "tz": time_zone, "today": today, "first": first, "use_rollups": use_rollups}


# --- GET /api/progress ---------------------------------------------------------------------------------


@dataclass
class ProgressFilter:
    list_id: UUID | None = None
    state: str | None = None
    learning_phase: str | None = None
    due_before: datetime | None = None
    vocabulary_item_id: UUID | None = None
    min_mastery: float | None = None
    max_mastery: float | None = None

    def sql(self, params: dict[str, Any]) -> str:
        where = []
        for name, clause in (
            ("list_id", "i.vocabulary_list_id = %(list_id)s"),
            ("state", "p.state = %(state)s::fsrs_state"),
            ("learning_phase", "p.learning_phase = %(learning_phase)s::learning_phase"),
            ("due_before", "p.due < %(due_before)s"),
            ("vocabulary_item_id", "p.vocabulary_item_id = %(vocabulary_item_id)s"),
            ("min_mastery", "p.mastery >= %(min_mastery)s"),
            ("max_mastery", "p.mastery <= %(max_mastery)s"),
        ):
            value = getattr(self, name)
            if value is not None:
                params[name] = value
                where.append(f" AND {clause}")
        return "".join(where)


@dataclass
class ProgressPageRow(ItemRow):
    """An item with the caller's progress, plus the progress row's own id."""

    progress_id: UUID | None = None


def page_progress(
    conn: Conn, me: UUID, filters: ProgressFilter, sort: SortKey, window: Window
) -> list[ProgressPageRow]:
    """One page of the caller's progress rows (the keyset walks ``(user_id, <sort>, id)``)."""
    params: dict[str, Any] = {"me": me}
    where = filters.sql(params)
    extra, order = keyset(sort, window, "p.id", params)
    cur = conn.cursor(row_factory=class_row(ProgressPageRow))
    return cur.execute(
        f"""SELECT {ITEM_COLUMNS}, {PROGRESS_COLUMNS}, p.id AS progress_id, ({sort.expression})::text AS sort_key
              FROM learning_progress p JOIN vocabulary_items i ON i.id = p.vocabulary_item_id
             WHERE p.user_id = %(me)s{where}{extra}{order}""",
        params,
    ).fetchall()


# --- GET /api/progress/stats ---------------------------------------------------------------------------


@dataclass
class StatsRow:
    # the day series: all time, today, this week, the two 7-day windows, the last 30 days
    reviews: int
    reviews_correct: int
    qa: int
    qa_correct: int
    sessions: int
    seconds: int
    points: int
    today_reviews: int
    today_qa: int
    today_seconds: int
    today_points: int
    today_new_items: int
    week_sessions: int
    week_seconds: int
    week_reviews: int
    week_qa: int
    week_graded_correct: int
    week_new_items: int
    week_points: int
    recent_graded: int
    recent_correct: int
    earlier_graded: int
    earlier_correct: int
    month_sessions: int
    month_seconds: int
    # streaks
    longest: int
    current: int
    today_active: bool
    streak_7_at: datetime | None
    streak_30_at: datetime | None
    # current state
    studied: int
    mastered: int
    learning: int
    due: int
    ever_mastered: int
    own_items: int
    descriptions: int
    words_today: int
    items_reviewed_today: int
    # achievements
    first_item_at: datetime | None
    hundredth_item_at: datetime | None
    fiftieth_mastered_at: datetime | None
    points_1000_at: datetime | None
    perfect_session_at: datetime | None


def _sum(column: str, where: str | None = None) -> str:
    filtered = f" FILTER (WHERE {where})" if where else ""
    return f"coalesce(sum({column}){filtered}, 0)"


_TODAY = "day = %(today)s::date"
_WEEK = "day >= %(week)s::date"
_RECENT = "day > %(today)s::date - 7"  # today and the 6 days before
_EARLIER = "day > %(today)s::date - 14 AND day <= %(today)s::date - 7"
_MONTH = "day > %(today)s::date - 30"
_OWN_ITEMS = """vocabulary_lists l JOIN vocabulary_items i ON i.vocabulary_list_id = l.id
                 WHERE l.owner_id = %(me)s"""
# a completed session with at least 10 graded answers, all right (the partial index's predicate)
_PERFECT = """status = 'completed' AND reviews_count + qa_attempts >= 10
               AND reviews_correct + qa_correct = reviews_count + qa_attempts"""
# The 1000th point is earned within the first 200 graded answers (each earns 5 or 10 points).
_POINTS_1000 = """(SELECT at FROM (
        SELECT at, sum(points) OVER (ORDER BY at ROWS UNBOUNDED PRECEDING) AS total
          FROM ((SELECT reviewed_at AS at, CASE WHEN rating >= 2 THEN 10 ELSE 5 END AS points
                   FROM review_logs WHERE user_id = %(me)s ORDER BY reviewed_at LIMIT 200)
                UNION ALL
                (SELECT answered_at, CASE WHEN is_correct THEN 10 ELSE 5 END
                   FROM qa_responses WHERE user_id = %(me)s ORDER BY answered_at LIMIT 200)) a) t
       WHERE total >= 1000 ORDER BY at LIMIT 1)"""
# The own items in creation order, the first 100 only (each list's own index gives its first 100).
_FIRST_ITEMS = """(SELECT o.created_at FROM vocabulary_lists l CROSS JOIN LATERAL
                     (SELECT i.created_at FROM vocabulary_items i WHERE i.vocabulary_list_id = l.id
                       ORDER BY i.created_at LIMIT 100) o
                    WHERE l.owner_id = %(me)s ORDER BY o.created_at"""

STATS = (
    with_days(
        ISLANDS,
        """
lp AS (SELECT count(*)::int AS studied,
              (count(*) FILTER (WHERE learning_phase = 'mastered'))::int AS mastered,
              (count(*) FILTER (WHERE learning_phase = 'learning'))::int AS learning
         FROM learning_progress WHERE user_id = %(me)s)""",
    )
    + f"""
SELECT {_sum("reviews")}::int AS reviews, {_sum("reviews_correct")}::int AS reviews_correct,
       {_sum("qa")}::int AS qa, {_sum("qa_correct")}::int AS qa_correct,
       {_sum("sessions")}::int AS sessions, {_sum("seconds")}::bigint AS seconds, {_sum("points")}::int AS points,
       {_sum("reviews", _TODAY)}::int AS today_reviews, {_sum("qa", _TODAY)}::int AS today_qa,
       {_sum("seconds", _TODAY)}::bigint AS today_seconds, {_sum("points", _TODAY)}::int AS today_points,
       {_sum("new_items", _TODAY)}::int AS today_new_items,
       {_sum("sessions", _WEEK)}::int AS week_sessions, {_sum("seconds", _WEEK)}::bigint AS week_seconds,
       {_sum("reviews", _WEEK)}::int AS week_reviews, {_sum("qa", _WEEK)}::int AS week_qa,
       {_sum("reviews_correct + qa_correct", _WEEK)}::int AS week_graded_correct,
       {_sum("new_items", _WEEK)}::int AS week_new_items, {_sum("points", _WEEK)}::int AS week_points,
       {_sum("reviews + qa", _RECENT)}::int AS recent_graded,
       {_sum("reviews_correct + qa_correct", _RECENT)}::int AS recent_correct,
       {_sum("reviews + qa", _EARLIER)}::int AS earlier_graded,
       {_sum("reviews_correct + qa_correct", _EARLIER)}::int AS earlier_correct,
       {_sum("sessions", _MONTH)}::int AS month_sessions, {_sum("seconds", _MONTH)}::bigint AS month_seconds,
       {LONGEST} AS longest, {CURRENT} AS current,
       coalesce(bool_or(active) FILTER (WHERE {_TODAY}), false) AS today_active,
       {streak_reached(7)} AS streak_7_at, {streak_reached(30)} AS streak_30_at,
       (SELECT studied FROM lp) AS studied, (SELECT mastered FROM lp) AS mastered,
       (SELECT learning FROM lp) AS learning,
       (SELECT count(*) FROM learning_progress WHERE user_id = %(me)s AND due <= %(now)s)::int AS due,
       (SELECT count(*) FROM learning_progress
         WHERE user_id = %(me)s AND first_mastered_at IS NOT NULL)::int AS ever_mastered,
       (SELECT coalesce(sum(total_words), 0) FROM vocabulary_lists WHERE owner_id = %(me)s)::int AS own_items,
       (SELECT count(*) FROM saved_descriptions WHERE user_id = %(me)s)::int AS descriptions,
       (SELECT count(*) FROM (
          SELECT i.id FROM {_OWN_ITEMS} AND l.archived_from IS NULL
             AND i.created_at >= %(day_start)s AND i.created_at < %(day_end)s
          UNION
          SELECT vocabulary_item_id FROM learning_progress
           WHERE user_id = %(me)s AND first_reviewed_at >= %(day_start)s AND first_reviewed_at < %(day_end)s) w
       )::int AS words_today,
       (SELECT count(DISTINCT vocabulary_item_id) FROM review_logs
         WHERE user_id = %(me)s AND reviewed_at >= %(day_start)s AND reviewed_at < %(day_end)s)::int
         AS items_reviewed_today,
       {_FIRST_ITEMS} LIMIT 1) AS first_item_at,
       {_FIRST_ITEMS} OFFSET 99 LIMIT 1) AS hundredth_item_at,
       (SELECT first_mastered_at FROM learning_progress WHERE user_id = %(me)s AND first_mastered_at IS NOT NULL
         ORDER BY first_mastered_at OFFSET 49 LIMIT 1) AS fiftieth_mastered_at,
       {_POINTS_1000} AS points_1000_at,
       least((SELECT min(ended_at) FROM sessions WHERE user_id = %(me)s AND {_PERFECT}),
             (SELECT min(ended_at) FROM sessions_archive WHERE user_id = %(me)s AND {_PERFECT})) AS perfect_session_at
  FROM days"""
)


def stats(conn: Conn, params: dict[str, Any]) -> StatsRow:
    """``params``: ``day_params`` + ``now``, ``week`` (this week's Monday), ``day_start``/``day_end`` (today)."""
    cur = conn.cursor(row_factory=class_row(StatsRow))
    row = cur.execute(STATS, params).fetchone()
    assert row is not None  # an aggregate without GROUP BY always has one row
    return row


# --- GET /api/progress/streak --------------------------------------------------------------------------


@dataclass
class StreakRow:
    longest: int
    current: int
    last_active: date | None
    history: list[dict[str, Any]]


STREAK = (
    with_days(ISLANDS)
    + f"""
SELECT {LONGEST} AS longest, {CURRENT} AS current, {LAST_ACTIVE} AS last_active,
       (SELECT json_agg(json_build_object(
                 'date', g.day, 'active', coalesce(d.active, false), 'sessions', coalesce(d.sessions, 0),
                 'reviews', coalesce(d.reviews, 0), 'qaAnswered', coalesce(d.qa, 0), 'points', coalesce(d.points, 0))
               ORDER BY g.day)
          FROM (SELECT g::date AS day FROM generate_series(%(today)s::date - (%(history_days)s - 1), %(today)s::date,
                                                          interval '1 day') g) g
          LEFT JOIN days d ON d.day = g.day) AS history"""
)


def streak(conn: Conn, params: dict[str, Any]) -> StreakRow:
    """``params``: ``day_params`` + ``history_days``."""
    cur = conn.cursor(row_factory=class_row(StreakRow))
    row = cur.execute(STREAK, params).fetchone()
    assert row is not None
    return row


# --- GET /api/progress/analytics -----------------------------------------------------------------------


@dataclass
class AnalyticsRow:
    series: list[dict[str, Any]]
    parts: list[dict[str, Any]] | None
    qa_groups: list[dict[str, Any]] | None
    lists: list[dict[str, Any]] | None
    session_types: list[dict[str, Any]] | None
    week_graded: int
    week_correct: int
    month_graded: int
    month_correct: int
    month_qa: int
    month_qa_correct: int
    fortnight_new_items: int


# Part of the local day of a graded answer: night 00–05, morning 05–12, afternoon 12–18, evening 18–24.
_PART_HOURS = (0, 5, 12, 18)
_PARTS = """
part_starts AS MATERIALIZED (
  SELECT ARRAY(SELECT ((g::date + make_interval(hours => h))::timestamp AT TIME ZONE %(tz)s)
                 FROM generate_series(%(period_first)s::date, %(today)s::date, interval '1 day') g,
                      unnest(%(part_hours)s::int[]) h
                ORDER BY 1) || ((%(today)s::date + 1)::timestamp AT TIME ZONE %(tz)s) AS b),
plim AS MATERIALIZED (SELECT b, b[1] AS lo, b[cardinality(b)] AS hi FROM part_starts),
graded AS (
  SELECT width_bucket(reviewed_at, (SELECT b FROM plim)) AS k, count(*) AS n, count(*) FILTER (WHERE rating >= 2) AS c
    FROM review_logs WHERE user_id = %(me)s
     AND reviewed_at >= (SELECT lo FROM plim) AND reviewed_at < (SELECT hi FROM plim) GROUP BY 1
  UNION ALL
  SELECT width_bucket(answered_at, (SELECT b FROM plim)), count(*), count(*) FILTER (WHERE is_correct)
    FROM qa_responses WHERE user_id = %(me)s
     AND answered_at >= (SELECT lo FROM plim) AND answered_at < (SELECT hi FROM plim) GROUP BY 1),
parts AS (
  SELECT (ARRAY['night', 'morning', 'afternoon', 'evening'])[1 + (k - 1) %% 4] AS part,
         sum(n)::int AS attempted, sum(c)::int AS correct
    FROM graded GROUP BY 1),
qa_groups AS (
  SELECT CASE WHEN grouping(category) = 0 THEN 'category' ELSE 'difficulty' END AS grouped_by,
         category, difficulty::text AS difficulty, count(*)::int AS attempted,
         (count(*) FILTER (WHERE is_correct))::int AS correct
    FROM qa_responses WHERE user_id = %(me)s AND answered_at >= %(period_start)s AND answered_at < %(period_end)s
   GROUP BY GROUPING SETS ((category), (difficulty))),
-- per own list: its items (the list's own count, kept exact by the 0004 triggers) and the caller's
-- progress rows on them; progress is joined to the items of the own lists only
per_list AS (
  SELECT i.vocabulary_list_id AS list_id, count(*)::int AS studied,
         (count(*) FILTER (WHERE p.learning_phase = 'learning'))::int AS learning,
         (count(*) FILTER (WHERE p.learning_phase = 'review'))::int AS review,
         (count(*) FILTER (WHERE p.learning_phase = 'mastered'))::int AS mastered
    FROM learning_progress p JOIN vocabulary_items i ON i.id = p.vocabulary_item_id
   WHERE p.user_id = %(me)s
     AND i.vocabulary_list_id = ANY (ARRAY(SELECT id FROM vocabulary_lists WHERE owner_id = %(me)s))
   GROUP BY 1),
lists AS (
  SELECT l.id AS list_id, l.name, l.created_at, l.total_words AS total, coalesce(c.studied, 0) AS studied,
         coalesce(c.learning, 0) AS learning, coalesce(c.review, 0) AS review, coalesce(c.mastered, 0) AS mastered
    FROM vocabulary_lists l LEFT JOIN per_list c ON c.list_id = l.id WHERE l.owner_id = %(me)s),
session_types AS (
  SELECT session_type::text AS session_type, count(*)::int AS sessions,
         sum(reviews_count + qa_attempts)::int AS graded, sum(reviews_correct + qa_correct)::int AS correct
    FROM sessions WHERE user_id = %(me)s AND status = 'completed'
     AND started_at >= %(period_start)s AND started_at < %(period_end)s GROUP BY 1)"""

ANALYTICS = (
    with_days(_PARTS)
    + f"""
SELECT (SELECT json_agg(json_build_object(
                 'date', g.day, 'reviews', coalesce(d.reviews, 0), 'correctReviews', coalesce(d.reviews_correct, 0),
                 'newItems', coalesce(d.new_items, 0), 'qaAnswered', coalesce(d.qa, 0),
                 'qaCorrect', coalesce(d.qa_correct, 0),
                 'accuracy', CASE WHEN d.reviews + d.qa > 0
                                  THEN round(100.0 * (d.reviews_correct + d.qa_correct) / (d.reviews + d.qa), 1) END,
                 'studyMinutes', round(coalesce(d.seconds, 0) / 60.0, 1),
                 'points', coalesce(d.points, 0)) ORDER BY g.day)
          FROM (SELECT g::date AS day FROM generate_series(%(period_first)s::date, %(today)s::date, interval '1 day') g) g
          LEFT JOIN days d ON d.day = g.day) AS series,
       (SELECT json_agg(p) FROM parts p) AS parts,
       (SELECT json_agg(q) FROM qa_groups q) AS qa_groups,
       (SELECT json_agg(x ORDER BY x.created_at, x.list_id) FROM lists x) AS lists,
       (SELECT json_agg(t) FROM session_types t) AS session_types,
       {_sum("reviews + qa", _RECENT)}::int AS week_graded,
       {_sum("reviews_correct + qa_correct", _RECENT)}::int AS week_correct,
       {_sum("reviews + qa", _MONTH)}::int AS month_graded,
       {_sum("reviews_correct + qa_correct", _MONTH)}::int AS month_correct,
       {_sum("qa", _MONTH)}::int AS month_qa, {_sum("qa_correct", _MONTH)}::int AS month_qa_correct,
       {_sum("new_items", "day > %(today)s::date - 14")}::int AS fortnight_new_items
  FROM days"""
)


def analytics(conn: Conn, params: dict[str, Any]) -> AnalyticsRow:
    """``params``: ``day_params`` (``first`` = the first day read) + ``period_first`` (the first day shown),
    ``period_start``/``period_end`` (UTC bounds of the period)."""
    cur = conn.cursor(row_factory=class_row(AnalyticsRow))
    row = cur.execute(ANALYTICS, {**params, "part_hours": list(_PART_HOURS)}).fetchone()
    assert row is not None
    return row
