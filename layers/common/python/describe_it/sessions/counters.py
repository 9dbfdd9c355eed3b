"""The one way to move a session's counters (spec §11.6): routes that receive ``sessionId`` call ``bump``
inside their own transaction, so the counter changes commit or roll back with the row they count.

    from describe_it.sessions.counters import bump
    bump(conn, me, body.session_id, at=now, reviews_count=1, reviews_correct=1 if correct else 0)

Deltas are added (``x = x + n``): READ COMMITTED re-applies an increment to the newest row version when
two transactions meet, so concurrent routes never lose a count. ``last_activity_at`` moves forward
(never back) to ``at``, or to the transaction's time without one; the maintenance job closes sessions
by it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from describe_it.errors import Detail, NotFound

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

COUNTERS = frozenset(
    {
        "images_processed",
        "descriptions_generated",
        "qa_attempts",
        "qa_correct",
        "reviews_count",
        "reviews_correct",
        "vocabulary_learned",
        "phrases_saved",
    }
)


def session_not_found(field: str = "sessionId") -> NotFound:
    return NotFound("Session not found", details=[Detail(field, "Session not found", "not_found")])


def bump(
    conn: Connection[DictRow],
    user_id: UUID,
    session_id: UUID,
    *,
    at: datetime | None = None,
    field: str = "sessionId",
    **deltas: int,
) -> None:
    """Add ``deltas`` to the caller's session ``session_id`` and mark it active at ``at``.

    With no deltas it only records activity (and still proves the session is the caller's). Raises
    ``NotFound`` (naming ``field``) when the session does not exist or belongs to someone else: the
    caller's transaction then rolls back whatever it wrote.
    """
    unknown = set(deltas) - COUNTERS
    if unknown:
        raise ValueError(f"not a session counter: {', '.join(sorted(unknown))}")
    if any(n < 0 for n in deltas.values()):
        raise ValueError("session counters only grow")
    names = sorted(deltas)  # a fixed column order: the statement text depends only on which counters move
    sets = [f"{name} = {name} + %({name})s" for name in names]
    sets.append("last_activity_at = greatest(last_activity_at, coalesce(%(at)s::timestamptz, now()))")
    cursor = conn.execute(
        f"UPDATE sessions SET {', '.join(sets)} WHERE id = %(id)s AND user_id = %(me)s",
        {**deltas, "at": at, "id": session_id, "me": user_id},
    )
    if cursor.rowcount != 1:
        raise session_not_found(field)
