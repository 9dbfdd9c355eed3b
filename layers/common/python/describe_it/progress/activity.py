"""The learner's activity per local day, in SQL: the one definition behind stats, streaks, analytics and
the rollups (spec §11 definitions).

``DAYS`` is a chain of CTEs ending in ``days(day, reviews, reviews_correct, qa, qa_correct, sessions,
seconds, items, events, new_items, mastered, first_at, points, active)``, one row per local day with
any of them (days without activity have no row):

- reviews / reviews_correct  review_logs (correct = rating >= hard)
- qa / qa_correct            qa_responses
- sessions / seconds         completed sessions (and archived ones), on the day they started
- items                      vocabulary items created in the learner's own lists (not archive copies:
                             an archive is made for the learner when someone else deletes a list)
- events                     learning events (user_interactions)
- new_items                  items first reviewed that day (learning_progress.first_reviewed_at)
- mastered                   items first mastered that day (learning_progress.first_mastered_at)
- first_at                   the day's first activity (review, answer, session, item or event)
- points                     10 per correct and 5 per other review or answer
- active                     at least one review, answer, completed session, item or event

Days are those of ``%(tz)s`` (the user's current zone). Timestamps are placed on days with
``width_bucket`` over an array of the local midnights of the range, computed once per query with
``AT TIME ZONE`` (23- and 25-hour days included): one binary search per row, instead of a time-zone
conversion per row, and every source read over its ``(user_id, time)`` index range only.

Closed days (``learning_analytics`` daily rows of the same zone, written by ``progress.rollups``) are
read from the rollups when ``%(use_rollups)s``; the raw tables are read only after the last rolled-up
day. Parameters: ``me``, ``tz``, ``today`` (the last day), ``first`` (the first day wanted, or NULL for
the whole history) and ``use_rollups``.
"""

from __future__ import annotations

# The learner's first activity, for "the whole history": each term is one index probe.
_FIRST_ACTIVITY = """least(
        (SELECT min(reviewed_at) FROM review_logs WHERE user_id = %(me)s),
        (SELECT min(answered_at) FROM qa_responses WHERE user_id = %(me)s),
        (SELECT min(started_at) FROM sessions WHERE user_id = %(me)s AND status = 'completed'),
        (SELECT min(started_at) FROM sessions_archive WHERE user_id = %(me)s AND status = 'completed'),
        (SELECT min(o.created_at) FROM vocabulary_lists l CROSS JOIN LATERAL
           (SELECT i.created_at FROM vocabulary_items i WHERE i.vocabulary_list_id = l.id
             ORDER BY i.created_at LIMIT 1) o
          WHERE l.owner_id = %(me)s AND l.archived_from IS NULL),
        (SELECT min(occurred_at) FROM user_interactions WHERE user_id = %(me)s))"""


def _in_range(column: str) -> str:
    return f"{column} >= (SELECT lo FROM lim) AND {column} < (SELECT hi FROM lim)"


def _bucket(column: str) -> str:
    return f"width_bucket({column}, (SELECT b FROM lim))"


DAYS = f"""
rolled_to AS MATERIALIZED (
  SELECT CASE WHEN %(use_rollups)s THEN
           (SELECT max(period_start) FROM learning_analytics
             WHERE user_id = %(me)s AND period_type = 'daily' AND time_zone = %(tz)s
               AND period_start <= %(today)s::date) END AS day),
raw_from AS MATERIALIZED (
  SELECT least(%(today)s::date,
               greatest(coalesce(%(first)s::date, (SELECT day FROM rolled_to) + 1,
                                 ({_FIRST_ACTIVITY} AT TIME ZONE %(tz)s)::date, %(today)s::date),
                        (SELECT day FROM rolled_to) + 1)) AS day),
midnights AS MATERIALIZED (
  SELECT ARRAY(SELECT (g::date::timestamp AT TIME ZONE %(tz)s)
                 FROM generate_series((SELECT day FROM raw_from), %(today)s::date + 1, interval '1 day') g
                ORDER BY g) AS b),
lim AS MATERIALIZED (SELECT b, b[1] AS lo, b[cardinality(b)] AS hi FROM midnights),
src AS (
  SELECT {_bucket("reviewed_at")} AS k, count(*) AS reviews, count(*) FILTER (WHERE rating >= 2) AS reviews_correct,
         0 AS qa, 0 AS qa_correct, 0 AS sessions, 0 AS seconds, 0 AS items, 0 AS events, 0 AS new_items,
         0 AS mastered, min(reviewed_at) AS first_at
    FROM review_logs WHERE user_id = %(me)s AND {_in_range("reviewed_at")} GROUP BY 1
  UNION ALL
  SELECT {_bucket("answered_at")}, 0, 0, count(*), count(*) FILTER (WHERE is_correct), 0, 0, 0, 0, 0, 0,
         min(answered_at)
    FROM qa_responses WHERE user_id = %(me)s AND {_in_range("answered_at")} GROUP BY 1
  UNION ALL
  SELECT {_bucket("started_at")}, 0, 0, 0, 0, count(*), sum(duration_seconds), 0, 0, 0, 0, min(started_at)
    FROM (SELECT started_at, duration_seconds FROM sessions
           WHERE user_id = %(me)s AND status = 'completed' AND {_in_range("started_at")}
          UNION ALL
          SELECT started_at, duration_seconds FROM sessions_archive
           WHERE user_id = %(me)s AND status = 'completed' AND {_in_range("started_at")}) s
   GROUP BY 1
  UNION ALL
  SELECT {_bucket("i.created_at")}, 0, 0, 0, 0, 0, 0, count(*), 0, 0, 0, min(i.created_at)
    FROM vocabulary_lists l JOIN vocabulary_items i ON i.vocabulary_list_id = l.id
   WHERE l.owner_id = %(me)s AND l.archived_from IS NULL AND {_in_range("i.created_at")} GROUP BY 1
  UNION ALL
  SELECT {_bucket("occurred_at")}, 0, 0, 0, 0, 0, 0, 0, count(*), 0, 0, min(occurred_at)
    FROM user_interactions WHERE user_id = %(me)s AND {_in_range("occurred_at")} GROUP BY 1
  UNION ALL
  SELECT {_bucket("first_reviewed_at")}, 0, 0, 0, 0, 0, 0, 0, 0, count(*), 0, NULL
    FROM learning_progress WHERE user_id = %(me)s AND {_in_range("first_reviewed_at")} GROUP BY 1
  UNION ALL
  SELECT {_bucket("first_mastered_at")}, 0, 0, 0, 0, 0, 0, 0, 0, 0, count(*), NULL
    FROM learning_progress WHERE user_id = %(me)s AND first_mastered_at IS NOT NULL
     AND {_in_range("first_mastered_at")} GROUP BY 1),
raw_days AS (
  SELECT (SELECT day FROM raw_from) + (k - 1) AS day, sum(reviews)::int AS reviews,
         sum(reviews_correct)::int AS reviews_correct, sum(qa)::int AS qa, sum(qa_correct)::int AS qa_correct,
         sum(sessions)::int AS sessions, sum(seconds)::bigint AS seconds, sum(items)::int AS items,
         sum(events)::int AS events, sum(new_items)::int AS new_items, sum(mastered)::int AS mastered,
         min(first_at) AS first_at
    FROM src GROUP BY k),
rolled AS (
  SELECT period_start AS day, vocabulary_reviewed AS reviews, reviews_correct, qa_total AS qa, qa_correct,
         sessions_count AS sessions, study_seconds AS seconds, items_created AS items, events_count AS events,
         vocabulary_learned AS new_items, vocabulary_mastered AS mastered, first_activity_at AS first_at
    FROM learning_analytics
   WHERE %(use_rollups)s AND user_id = %(me)s AND period_type = 'daily' AND time_zone = %(tz)s
     AND period_start <= (SELECT day FROM rolled_to)
     AND period_start >= coalesce(%(first)s::date, '-infinity'::date)),
days AS MATERIALIZED (
  SELECT d.*, (10 * (reviews_correct + qa_correct) + 5 * (reviews - reviews_correct + qa - qa_correct))::int AS points,
         (reviews + qa + sessions + items + events) > 0 AS active
    FROM (SELECT * FROM rolled UNION ALL SELECT * FROM raw_days) d)"""

# Runs of consecutive active days (gaps and islands), up to today: for the streaks.
ISLANDS = """
active_days AS (
  SELECT day, first_at, day - (row_number() OVER (ORDER BY day))::int AS run FROM days
   WHERE active AND day <= %(today)s::date),
islands AS (
  SELECT min(day) AS start_day, max(day) AS end_day, count(*)::int AS length FROM active_days GROUP BY run)"""

# Scalar sub-selects over ISLANDS.
LONGEST = "(SELECT coalesce(max(length), 0) FROM islands)"
# ending today, or yesterday when today is not active yet (at most one island ends on either day)
CURRENT = "(SELECT coalesce(max(length), 0) FROM islands WHERE end_day >= %(today)s::date - 1)"
LAST_ACTIVE = "(SELECT max(day) FROM active_days)"


def streak_reached(days: int) -> str:
    """When the first run of ``days`` active days was reached: the first activity of its last day."""
    return f"""(SELECT a.first_at FROM islands s JOIN active_days a ON a.day = s.start_day + {days - 1}
                 WHERE s.length >= {days} ORDER BY s.start_day LIMIT 1)"""


def with_days(*more: str) -> str:
    """``WITH`` + the day CTEs (+ more CTEs)."""
    return "WITH " + ",".join((DAYS, *more))
