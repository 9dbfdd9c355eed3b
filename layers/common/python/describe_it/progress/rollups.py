"""Daily rollups of closed days in ``learning_analytics`` (api.md §11, §17), for the maintenance job.

Stats and streaks read a learner's whole history. Days that can no longer change are rolled up into one
``learning_analytics`` row per active day (``period_type = 'daily'``), so a request reads a few hundred
rollup rows plus only the last weeks of raw rows, never the tens of thousands of raw rows of a heavy
learner. A rollup row is written by the same SQL that computes a day from the raw tables
(``progress.activity.DAYS``), so reading it gives exactly what the raw computation gives.

- **Closed** = older than ``CLOSED_AFTER_DAYS`` (32) in the user's zone: nothing is accepted further back
  (learning events 30 days, reviews 7 days, sessions 24 hours), so such a day is final when rolled up.
- **Complete**: the rows of one user form one computation from the first activity through the newest
  rolled-up day, which always has a row (a zero row when that day was inactive), so the reader knows
  where rollups end and raw rows begin.
- **One zone**: rows carry the zone they were computed in. After a zone change they are not read (the
  history is computed raw, in the new zone) and the next roll-up replaces them.

Deleting an item (and with it its reviews) or purging old learning events does not rewrite rolled-up
days: what a learner did on a closed day stays what they did.

The job calls ``roll_up_due(now)`` (every night; it is idempotent and cheap when nothing is due), or
``roll_up(conn, user_id, now)`` for one user (as ``describeit_admin``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING
from uuid import UUID

from describe_it.progress import calendar
from describe_it.progress.activity import ISLANDS, with_days

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

CLOSED_AFTER_DAYS = 32

# raw_days: the days after the newest rolled-up one, through %(today)s (the newest closed day); their
# streak at the end of each day comes from the islands over all days, rolled and raw.
_ROLL_UP = (
    with_days(
        ISLANDS,
        """
streaks AS (SELECT day, row_number() OVER (PARTITION BY run ORDER BY day) AS streak FROM active_days),
saved AS (
  SELECT (SELECT day FROM raw_from) + (width_bucket(created_at, (SELECT b FROM lim)) - 1) AS day, count(*) AS n
    FROM saved_descriptions WHERE user_id = %(me)s
     AND created_at >= (SELECT lo FROM lim) AND created_at < (SELECT hi FROM lim) GROUP BY 1),
fresh AS (
  SELECT d.* FROM days d WHERE d.day >= (SELECT day FROM raw_from)
  UNION ALL  -- the newest closed day always has a row: it marks where the rollups end
  SELECT %(today)s::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, 0, false
   WHERE NOT EXISTS (SELECT FROM days WHERE day = %(today)s::date))""",
    )
    + """
INSERT INTO learning_analytics AS a (
    user_id, period_type, period_start, time_zone, vocabulary_learned, vocabulary_reviewed, reviews_correct,
    vocabulary_mastered, qa_total, qa_correct, sessions_count, study_minutes, study_seconds, items_created,
    descriptions_saved, events_count, points, active_days, average_accuracy, streak_days, first_activity_at,
    computed_at)
SELECT %(me)s, 'daily', f.day, %(tz)s, f.new_items, f.reviews, f.reviews_correct, f.mastered, f.qa, f.qa_correct,
       f.sessions, f.seconds / 60, f.seconds, f.items, coalesce(v.n, 0), f.events, f.points,
       CASE WHEN f.active THEN 1 ELSE 0 END,
       CASE WHEN f.reviews + f.qa > 0
            THEN round(100.0 * (f.reviews_correct + f.qa_correct) / (f.reviews + f.qa), 2) END,
       coalesce(s.streak, 0), f.first_at, %(now)s
  FROM fresh f LEFT JOIN streaks s ON s.day = f.day LEFT JOIN saved v ON v.day = f.day
ON CONFLICT (user_id, period_type, period_start) DO UPDATE SET
    time_zone = excluded.time_zone, vocabulary_learned = excluded.vocabulary_learned,
    vocabulary_reviewed = excluded.vocabulary_reviewed, reviews_correct = excluded.reviews_correct,
    vocabulary_mastered = excluded.vocabulary_mastered, qa_total = excluded.qa_total,
    qa_correct = excluded.qa_correct, sessions_count = excluded.sessions_count,
    study_minutes = excluded.study_minutes, study_seconds = excluded.study_seconds,
    items_created = excluded.items_created, descriptions_saved = excluded.descriptions_saved,
    events_count = excluded.events_count, points = excluded.points, active_days = excluded.active_days,
    average_accuracy = excluded.average_accuracy, streak_days = excluded.streak_days,
    first_activity_at = excluded.first_activity_at, computed_at = excluded.computed_at"""
)


def closed_through(now: datetime, time_zone: str) -> date:
    """The newest day that can be rolled up for a user in ``time_zone``."""
    return calendar.local_date(now, time_zone) - timedelta(days=CLOSED_AFTER_DAYS)


def roll_up(conn: Connection[DictRow], user_id: UUID, now: datetime) -> int:
    """Roll up the user's closed days not rolled up yet; returns the number of rows written.

    Rows of another zone than the user's current one are removed first (their days are other days), so
    the user's history is then rolled up from its first activity in the current zone.
    """
    row = conn.execute("SELECT time_zone FROM users WHERE id = %s FOR SHARE", [user_id]).fetchone()
    if row is None:
        return 0
    time_zone = str(row["time_zone"])
    through = closed_through(now, time_zone)
    conn.execute(
        """DELETE FROM learning_analytics
            WHERE user_id = %s AND period_type = 'daily' AND time_zone IS DISTINCT FROM %s""",
        [user_id, time_zone],
    )
    newest = conn.execute(
        """SELECT max(period_start) AS day FROM learning_analytics
            WHERE user_id = %s AND period_type = 'daily' AND time_zone = %s""",
        [user_id, time_zone],
    ).fetchone()
    if newest is not None and newest["day"] is not None and newest["day"] >= through:
        return 0  # rolled up through the newest closed day already
    params = {
        "me": user_id,
        "tz": time_zone,
        "today": through,
        "first": None,
        "use_rollups": True,
        "now": now,
    }
    written = conn.execute(_ROLL_UP, params).rowcount
    # inactive days need no row except the newest one (the marker)
    conn.execute(
        """DELETE FROM learning_analytics
            WHERE user_id = %s AND period_type = 'daily' AND active_days = 0 AND period_start < %s""",
        [user_id, through],
    )
    return max(written, 0)


def due_users(conn: Connection[DictRow], now: datetime, limit: int) -> list[UUID]:
    """Users whose newest rollup (in their current zone) is older than their newest closed day."""
    rows = conn.execute(
        """SELECT u.id FROM users u
            WHERE NOT EXISTS (
                    SELECT FROM learning_analytics a
                     WHERE a.user_id = u.id AND a.period_type = 'daily' AND a.time_zone = u.time_zone
                       AND a.period_start >= (%(now)s AT TIME ZONE u.time_zone)::date - %(closed)s)
            ORDER BY u.id LIMIT %(limit)s""",
        {"now": now, "closed": CLOSED_AFTER_DAYS, "limit": limit},
    ).fetchall()
    return [r["id"] for r in rows]


def roll_up_due(now: datetime, batch: int = 200, max_users: int = 100_000) -> int:
    """Roll up every user that is due, one transaction per user (as the admin role); returns how many."""
    from describe_it.db.tx import run_in_transaction, transaction

    done = 0
    while done < max_users:
        with transaction("admin") as conn:
            users = due_users(conn, now, min(batch, max_users - done))
        if not users:
            break
        for user_id in users:
            run_in_transaction("admin", None, partial(roll_up, user_id=user_id, now=now))
        done += len(users)
    return done
