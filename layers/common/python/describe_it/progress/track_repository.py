"""SQL of learning events (``user_interactions``; role ``describeit_app``: read and insert own rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from describe_it.db.keyset import SortKey, Window, keyset

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

    Conn = Connection[DictRow]


@dataclass
class EventRow:
    id: UUID
    event_type: str
    event_data: dict[str, Any]
    session_id: UUID | None
    occurred_at: datetime
    local_date: date
    sort_key: str | None = None


COLUMNS = (
    """e.id, e.event_type::text AS event_type, e.event_data, e.session_id, e.occurred_at, e.local_date"""
)
NEWEST_FIRST = SortKey("e.occurred_at", "::timestamptz", descending=True)


def insert(conn: Conn, me: UUID, values: dict[str, Any]) -> EventRow | None:
    """The new event, or None when the caller already stored one with this ``client_event_id``.

    ``local_date`` is the event's day in the user's zone now (the database converts); ON CONFLICT DO
    NOTHING waits for a concurrent insert of the same client id, so after None the stored row is visible.
    """
    cur = conn.cursor(row_factory=class_row(EventRow))
    return cur.execute(
        f"""INSERT INTO user_interactions AS e (user_id, session_id, event_type, client_event_id, category,
                                                difficulty, score, correct, time_spent_ms, event_data,
                                                occurred_at, local_date)
            SELECT u.id, %(session_id)s, %(event_type)s::learning_event_type, %(client_event_id)s, %(category)s,
                   %(difficulty)s, %(score)s, %(correct)s, %(time_spent_ms)s, %(event_data)s, %(at)s,
                   (%(at)s::timestamptz AT TIME ZONE u.time_zone)::date
              FROM users u WHERE u.id = %(me)s
            ON CONFLICT (user_id, client_event_id) DO NOTHING
            RETURNING {COLUMNS}""",
        {**values, "me": me, "event_data": Jsonb(values["event_data"])},
    ).fetchone()


def by_client_id(conn: Conn, me: UUID, client_event_id: str) -> EventRow | None:
    cur = conn.cursor(row_factory=class_row(EventRow))
    return cur.execute(
        f"SELECT {COLUMNS} FROM user_interactions e WHERE e.user_id = %s AND e.client_event_id = %s",
        [me, client_event_id],
    ).fetchone()


@dataclass
class EventFilter:
    session_id: UUID | None = None
    event_types: list[str] = field(default_factory=list)
    category: str | None = None
    difficulty: str | None = None
    start: datetime | None = None
    end: datetime | None = None  # exclusive

    def sql(self, params: dict[str, Any]) -> str:
        where = []
        for name, clause in (
            ("session_id", "e.session_id = %(session_id)s"),
            ("category", "lower(e.category) = lower(%(category)s)"),
            ("difficulty", "lower(e.difficulty) = lower(%(difficulty)s)"),
            ("start", "e.occurred_at >= %(start)s"),
            ("end", "e.occurred_at < %(end)s"),
        ):
            value = getattr(self, name)
            if value is not None:
                params[name] = value
                where.append(f" AND {clause}")
        if self.event_types:
            params["event_types"] = self.event_types
            where.append(" AND e.event_type = ANY (%(event_types)s::learning_event_type[])")
        return "".join(where)


def page(conn: Conn, me: UUID, filters: EventFilter, window: Window) -> list[EventRow]:
    """Newest first, ties by id (the ``(user_id, occurred_at DESC, id DESC)`` index)."""
    params: dict[str, Any] = {"me": me}
    where = filters.sql(params)
    extra, order = keyset(NEWEST_FIRST, window, "e.id", params)
    cur = conn.cursor(row_factory=class_row(EventRow))
    return cur.execute(
        f"""SELECT {COLUMNS}, e.occurred_at::text AS sort_key FROM user_interactions e
             WHERE e.user_id = %(me)s{where}{extra}{order}""",
        params,
    ).fetchall()


@dataclass
class BucketRow:
    period: str
    start: date
    events: int
    by_type: dict[str, int]
    average_score: float | None
    time_spent_ms: int
    total_by_type: dict[str, int] | None


_LABELS = {"daily": "YYYY-MM-DD", "weekly": 'IYYY-"W"IW', "monthly": "YYYY-MM"}
_STEPS = {"daily": "1 day", "weekly": "1 week", "monthly": "1 month"}


def buckets(
    conn: Conn, me: UUID, time_zone: str, aggregation: str, first: date, last: date, filters: EventFilter
) -> list[BucketRow]:
    """One row per period from the one starting ``first`` to the one starting ``last`` (empty ones too).

    Periods are the user's local days, ISO weeks (Monday) or months; events are placed with
    ``width_bucket`` over the periods' first instants, one pass over the caller's index range.
    """
    params: dict[str, Any] = {
        "me": me, "tz": time_zone, "first": first, "last": last, "step": _STEPS[aggregation],
        "label": _LABELS[aggregation],
    }  # fmt: skip
    where = filters.sql(params)
    cur = conn.cursor(row_factory=class_row(BucketRow))
    return cur.execute(
        f"""WITH periods AS MATERIALIZED (
                SELECT g::date AS start, row_number() OVER (ORDER BY g) AS k
                  FROM generate_series(%(first)s::date, %(last)s::date, %(step)s::interval) g),
            starts AS MATERIALIZED (
                SELECT ARRAY(SELECT (start::timestamp AT TIME ZONE %(tz)s) FROM periods ORDER BY k)
                       || ((%(last)s::date + %(step)s::interval)::timestamp AT TIME ZONE %(tz)s) AS b),
            lim AS MATERIALIZED (SELECT b, b[1] AS lo, b[cardinality(b)] AS hi FROM starts),
            counted AS MATERIALIZED (
                SELECT width_bucket(e.occurred_at, (SELECT b FROM lim)) AS k, e.event_type::text AS event_type,
                       count(*)::int AS n, sum(e.score) AS score_sum, count(e.score) AS scored,
                       coalesce(sum(e.time_spent_ms), 0)::bigint AS ms
                  FROM user_interactions e
                 WHERE e.user_id = %(me)s AND e.occurred_at >= (SELECT lo FROM lim)
                   AND e.occurred_at < (SELECT hi FROM lim){where}
                 GROUP BY 1, 2),
            per AS (
                SELECT k, sum(n)::int AS events, jsonb_object_agg(event_type, n) AS by_type,
                       round(sum(score_sum) / nullif(sum(scored), 0), 3)::float8 AS average_score,
                       sum(ms)::bigint AS ms
                  FROM counted GROUP BY k)
            SELECT to_char(p.start, %(label)s) AS period, p.start, coalesce(per.events, 0) AS events,
                   coalesce(per.by_type, '{{}}') AS by_type, per.average_score, coalesce(per.ms, 0) AS time_spent_ms,
                   (SELECT jsonb_object_agg(event_type, n) FROM (SELECT event_type, sum(n)::int AS n FROM counted
                                                                   GROUP BY 1) t) AS total_by_type
              FROM periods p LEFT JOIN per ON per.k = p.k ORDER BY p.k""",
        params,
    ).fetchall()
