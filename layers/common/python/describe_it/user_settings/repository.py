"""SQL of ``user_settings`` (role ``describeit_app``; RLS limits every statement to the caller's row).

The row is created by a trigger at sign-up; ``version`` is bumped by a trigger whenever ``settings``
changes, so the ETag can never disagree with the stored document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

    Conn = Connection[DictRow]

Row = dict[str, Any]


def get(conn: Conn, user_id: UUID, *, for_update: bool = False) -> Row | None:
    """``settings`` (sparse overrides), ``version``, ``updated_at``; locked when about to be changed."""
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"SELECT settings, version, updated_at FROM user_settings WHERE user_id = %s{lock}", [user_id]
    ).fetchone()


def save(conn: Conn, user_id: UUID, settings: dict[str, Any], expected_version: int) -> Row | None:
    """Store the new sparse document unless it changed since ``expected_version`` (then None)."""
    from psycopg.types.json import Jsonb

    return conn.execute(
        """UPDATE user_settings SET settings = %s WHERE user_id = %s AND version = %s
            RETURNING settings, version, updated_at""",
        [Jsonb(settings), user_id, expected_version],
    ).fetchone()
