"""SQL of learning_progress, review_logs and the due queue (role ``describeit_app``).

``learning_progress`` and ``review_logs`` are the caller's own rows (RLS); items are readable when
their list is (own, shared, public). The queue queries walk ``(user_id, due)`` and the list's
``(vocabulary_list_id, created_at, id)`` index; nothing is read per item in a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from psycopg.rows import class_row

from describe_it.vocabulary.repository import ITEM_COLUMNS, PROGRESS_COLUMNS, ItemRow

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

    Conn = Connection[DictRow]


@dataclass
class ProgressRow:
    state: str
    step: int | None
    stability: float
    difficulty: float
    due: datetime
    last_review: datetime
    reps: int
    lapses: int
    correct_count: int
    incorrect_count: int
    streak_count: int
    average_response_time_ms: int | None
    first_reviewed_at: datetime
    first_mastered_at: datetime | None


@dataclass
class Learner:
    time_zone: str
    fsrs_parameters: list[float] | None


@dataclass
class QueueCounts:
    due_count: int
    overdue_count: int


_PROGRESS = """state::text AS state, step, stability, difficulty, due, last_review, reps, lapses, correct_count,
    incorrect_count, streak_count, average_response_time_ms, first_reviewed_at, first_mastered_at"""
_WRITE_COLUMNS = (
    "state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses", "correct_count",
    "incorrect_count", "streak_count", "mastery", "average_response_time_ms", "first_reviewed_at",
    "first_mastered_at",
)  # fmt: skip


def learner(conn: Conn, me: UUID) -> Learner | None:
    cur = conn.cursor(row_factory=class_row(Learner))
    return cur.execute(
        """SELECT u.time_zone, s.fsrs_parameters FROM users u LEFT JOIN user_settings s ON s.user_id = u.id
            WHERE u.id = %s""",
        [me],
    ).fetchone()


def item_readable(conn: Conn, item_id: UUID) -> bool:
    return conn.execute("SELECT 1 FROM vocabulary_items WHERE id = %s", [item_id]).fetchone() is not None


def lock_progress(conn: Conn, me: UUID, item_id: UUID) -> ProgressRow | None:
    """The caller's card for the item, locked until the transaction ends (concurrent reviews queue here)."""
    cur = conn.cursor(row_factory=class_row(ProgressRow))
    return cur.execute(
        f"SELECT {_PROGRESS} FROM learning_progress WHERE user_id = %s AND vocabulary_item_id = %s FOR UPDATE",
        [me, item_id],
    ).fetchone()


def insert_progress(conn: Conn, me: UUID, item_id: UUID, values: dict[str, Any]) -> bool:
    """The first card of (user, item); False when a concurrent first review inserted it first.

    ON CONFLICT DO NOTHING waits for that other transaction, so after a False the row is committed
    and ``lock_progress`` finds it.
    """
    columns = ", ".join(_WRITE_COLUMNS)
    row = conn.execute(
        f"""INSERT INTO learning_progress (user_id, vocabulary_item_id, {columns})
            VALUES (%(me)s, %(item)s, {_placeholders(_WRITE_COLUMNS)})
            ON CONFLICT (user_id, vocabulary_item_id) DO NOTHING RETURNING id""",
        {"me": me, "item": item_id, **values},
    ).fetchone()
    return row is not None


def _placeholder(column: str) -> str:
    return f"%({column})s" + ("::fsrs_state" if column in ("state", "state_before", "state_after") else "")


def _placeholders(columns: tuple[str, ...] | list[str]) -> str:
    return ", ".join(_placeholder(c) for c in columns)


def update_progress(conn: Conn, me: UUID, item_id: UUID, values: dict[str, Any]) -> None:
    sets = ", ".join(f"{c} = {_placeholder(c)}" for c in _WRITE_COLUMNS)
    conn.execute(
        f"UPDATE learning_progress SET {sets} WHERE user_id = %(me)s AND vocabulary_item_id = %(item)s",
        {"me": me, "item": item_id, **values},
    )


def insert_log(conn: Conn, values: dict[str, Any]) -> None:
    columns = list(values)
    conn.execute(f"INSERT INTO review_logs ({', '.join(columns)}) VALUES ({_placeholders(columns)})", values)


# --- the due queue -----------------------------------------------------------------------------------


def _list_filter(list_id: UUID | None, params: dict[str, Any]) -> str:
    if list_id is None:
        return ""
    params["list"] = list_id
    return " AND i.vocabulary_list_id = %(list)s"


def due_items(conn: Conn, me: UUID, now: datetime, list_id: UUID | None, limit: int) -> list[ItemRow]:
    """Due cards (due <= now), oldest due first, with their items (readable ones only)."""
    params: dict[str, Any] = {"me": me, "now": now, "limit": limit}
    cur = conn.cursor(row_factory=class_row(ItemRow))
    return cur.execute(
        f"""SELECT {ITEM_COLUMNS}, {PROGRESS_COLUMNS}
              FROM learning_progress p JOIN vocabulary_items i ON i.id = p.vocabulary_item_id
             WHERE p.user_id = %(me)s AND p.due <= %(now)s{_list_filter(list_id, params)}
             ORDER BY p.due, p.id LIMIT %(limit)s""",
        params,
    ).fetchall()


def _new_scope(list_id: UUID | None, params: dict[str, Any]) -> str:
    """Items never reviewed by the caller: in ``list_id``, or in the caller's own lists."""
    if list_id is not None:
        params["list"] = list_id
        scope = "i.vocabulary_list_id = %(list)s"
    else:
        scope = "EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = i.vocabulary_list_id AND l.owner_id = %(me)s)"
    return f"""{scope} AND NOT EXISTS (SELECT FROM learning_progress p
                                        WHERE p.user_id = %(me)s AND p.vocabulary_item_id = i.id)"""


def new_items(conn: Conn, me: UUID, list_id: UUID | None, limit: int) -> list[ItemRow]:
    """New items in list order (oldest first)."""
    params: dict[str, Any] = {"me": me, "limit": limit}
    cur = conn.cursor(row_factory=class_row(ItemRow))
    return cur.execute(
        f"""SELECT {ITEM_COLUMNS} FROM vocabulary_items i WHERE {_new_scope(list_id, params)}
             ORDER BY i.created_at, i.id LIMIT %(limit)s""",
        params,
    ).fetchall()


def new_available(conn: Conn, me: UUID, list_id: UUID | None) -> int:
    params: dict[str, Any] = {"me": me}
    row = conn.execute(
        f"SELECT count(*) AS n FROM vocabulary_items i WHERE {_new_scope(list_id, params)}", params
    ).fetchone()
    return int(row["n"]) if row else 0


def queue_counts(conn: Conn, me: UUID, now: datetime, today: datetime, list_id: UUID | None) -> QueueCounts:
    """Due now, and due before the start of the user's day (overdue): reads only the due cards."""
    params: dict[str, Any] = {"me": me, "now": now, "today": today}
    cur = conn.cursor(row_factory=class_row(QueueCounts))
    row = cur.execute(
        f"""SELECT count(*)::int AS due_count, (count(*) FILTER (WHERE p.due < %(today)s))::int AS overdue_count
              FROM learning_progress p JOIN vocabulary_items i ON i.id = p.vocabulary_item_id
             WHERE p.user_id = %(me)s AND p.due <= %(now)s{_list_filter(list_id, params)}""",
        params,
    ).fetchone()
    return row or QueueCounts(0, 0)


def next_due(conn: Conn, me: UUID, now: datetime, list_id: UUID | None) -> datetime | None:
    params: dict[str, Any] = {"me": me, "now": now}
    row = conn.execute(
        f"""SELECT p.due FROM learning_progress p JOIN vocabulary_items i ON i.id = p.vocabulary_item_id
             WHERE p.user_id = %(me)s AND p.due > %(now)s{_list_filter(list_id, params)}
             ORDER BY p.due LIMIT 1""",
        params,
    ).fetchone()
    return None if row is None else row["due"]


def started_between(conn: Conn, me: UUID, start: datetime, end: datetime) -> int:
    """New cards started in [start, end) — the user's day."""
    row = conn.execute(
        """SELECT count(*) AS n FROM learning_progress
            WHERE user_id = %s AND first_reviewed_at >= %s AND first_reviewed_at < %s""",
        [me, start, end],
    ).fetchone()
    return int(row["n"]) if row else 0
