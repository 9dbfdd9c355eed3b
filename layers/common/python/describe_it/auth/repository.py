"""SQL of the account tables (role ``describeit_auth``): users, refresh tokens, action tokens, outbox."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from psycopg.types.json import Jsonb

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

    Conn = Connection[DictRow]

Row = dict[str, Any]

USER_COLUMNS = """id, email::text AS email, username::text AS username, full_name, avatar_url, password_hash,
  email_verified_at, tier::text AS tier, role::text AS role, status::text AS status, time_zone,
  spanish_level::text AS spanish_level, ui_language::text AS ui_language, failed_login_count,
  locked_until, password_changed_at, last_login_at, created_at"""


def find_user_by_email(conn: Conn, email: str) -> Row | None:
    return conn.execute(f"SELECT {USER_COLUMNS} FROM users WHERE email = %s", [email]).fetchone()


def get_user(conn: Conn, user_id: UUID, *, for_update: bool = False) -> Row | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(f"SELECT {USER_COLUMNS} FROM users WHERE id = %s{lock}", [user_id]).fetchone()


def username_taken(conn: Conn, username: str, except_user: UUID | None = None) -> bool:
    row = conn.execute(
        "SELECT 1 FROM users WHERE username = %s AND id IS DISTINCT FROM %s", [username, except_user]
    ).fetchone()
    return row is not None


def insert_user(conn: Conn, values: Row) -> Row:
    row = conn.execute(
        f"""INSERT INTO users (email, username, full_name, password_hash, time_zone, spanish_level,
                               ui_language, email_verified_at)
            VALUES (%(email)s, %(username)s, %(full_name)s, %(password_hash)s, %(time_zone)s,
                    %(spanish_level)s, %(ui_language)s, %(email_verified_at)s)
            RETURNING {USER_COLUMNS}""",
        values,
    ).fetchone()
    assert row is not None
    return row


def record_lock(conn: Conn, user_id: UUID, until: datetime, failures: int, now: datetime) -> bool:
    """Note a sign-in lock on the account (the decision itself lives in ``auth.lockout``).

    Returns whether to tell the owner: the account was not already noted as locked within a day.
    """
    row = conn.execute(
        """UPDATE users u SET locked_until = %(until)s, failed_login_count = %(failures)s,
                  last_failed_login_at = %(now)s
             FROM (SELECT id, locked_until FROM users WHERE id = %(id)s FOR UPDATE) old
            WHERE u.id = old.id
        RETURNING old.locked_until IS NULL OR old.locked_until < %(now)s - interval '1 day' AS notify""",
        {"id": user_id, "until": until, "failures": failures, "now": now},
    ).fetchone()
    return bool(row and row["notify"])


def record_login(conn: Conn, user_id: UUID, new_hash: str | None) -> Row:
    row = conn.execute(
        f"""UPDATE users SET failed_login_count = 0, locked_until = NULL, last_login_at = now(),
                  last_active_at = now(), password_hash = coalesce(%s, password_hash)
            WHERE id = %s RETURNING {USER_COLUMNS}""",
        [new_hash, user_id],
    ).fetchone()
    assert row is not None
    return row


# --- refresh tokens ---------------------------------------------------------------------------

REFRESH_COLUMNS = """id, user_id, family_id, parent_id, issued_at, expires_at, family_expires_at,
  rotated_at, revoked_at, revoked_reason"""


def insert_refresh_token(conn: Conn, values: Row) -> Row:
    row = conn.execute(
        f"""INSERT INTO auth_refresh_tokens (user_id, family_id, parent_id, token_hash, issued_at, expires_at,
                                             family_expires_at, user_agent, created_ip)
            VALUES (%(user_id)s, %(family_id)s, %(parent_id)s, %(token_hash)s, %(issued_at)s, %(expires_at)s,
                    %(family_expires_at)s, %(user_agent)s, %(created_ip)s)
            RETURNING {REFRESH_COLUMNS}""",
        values,
    ).fetchone()
    assert row is not None
    return row


def find_refresh_token(conn: Conn, token_hash: bytes) -> Row | None:
    """The token row, locked: two concurrent refreshes of one token serialise here."""
    return conn.execute(
        f"SELECT {REFRESH_COLUMNS} FROM auth_refresh_tokens WHERE token_hash = %s FOR UPDATE", [token_hash]
    ).fetchone()


def mark_rotated(conn: Conn, token_id: UUID) -> None:
    conn.execute("UPDATE auth_refresh_tokens SET rotated_at = now() WHERE id = %s", [token_id])


def revoke_families(conn: Conn, family_ids: list[UUID], reason: str) -> int:
    """Revoke every live token of these families; returns how many families had live tokens."""
    rows = conn.execute(
        """UPDATE auth_refresh_tokens SET revoked_at = now(), revoked_reason = %s
            WHERE family_id = ANY(%s) AND revoked_at IS NULL RETURNING family_id""",
        [reason, family_ids],
    ).fetchall()
    return len({r["family_id"] for r in rows})


def session_is_live(conn: Conn, family_id: UUID) -> bool:
    """Whether the family still has an unrevoked token. Any role may ask: it goes through the
    ``SECURITY DEFINER`` function of migration 0003, which answers only this."""
    row = conn.execute("SELECT session_is_live(%s) AS live", [family_id]).fetchone()
    return bool(row and row["live"])


def live_families(conn: Conn, user_id: UUID, except_family: UUID | None = None) -> list[UUID]:
    rows = conn.execute(
        """SELECT DISTINCT family_id FROM auth_refresh_tokens
            WHERE user_id = %s AND revoked_at IS NULL AND family_expires_at > now()
              AND family_id IS DISTINCT FROM %s""",
        [user_id, except_family],
    ).fetchall()
    return [r["family_id"] for r in rows]


# --- action tokens and the outbox ---------------------------------------------------------------


def issue_action_token(
    conn: Conn, user_id: UUID, purpose: str, email: str, token_hash: bytes, ttl_seconds: int
) -> datetime:
    """At most one live token per user and purpose: the previous one is revoked first."""
    conn.execute(
        """UPDATE auth_action_tokens SET revoked_at = now()
            WHERE user_id = %s AND purpose = %s AND used_at IS NULL AND revoked_at IS NULL""",
        [user_id, purpose],
    )
    row = conn.execute(
        """INSERT INTO auth_action_tokens (user_id, purpose, email, token_hash, expires_at)
            VALUES (%s, %s, %s, %s, now() + make_interval(secs => %s)) RETURNING expires_at""",
        [user_id, purpose, email, token_hash, ttl_seconds],
    ).fetchone()
    assert row is not None
    return row["expires_at"]  # type: ignore[no-any-return]


def queue_email(conn: Conn, user_id: UUID, to: str, template: str, locale: str, payload: Row) -> UUID:
    row = conn.execute(
        """INSERT INTO email_outbox (user_id, to_address, template, locale, payload)
            VALUES (%s, %s, %s, %s, %s) RETURNING id""",
        [user_id, to, template, locale, Jsonb(payload)],
    ).fetchone()
    assert row is not None
    return row["id"]  # type: ignore[no-any-return]


def find_action_token(conn: Conn, token_hash: bytes, purpose: str) -> Row | None:
    return conn.execute(
        """SELECT id, user_id, email::text AS email, expires_at, used_at, revoked_at
             FROM auth_action_tokens WHERE token_hash = %s AND purpose = %s FOR UPDATE""",
        [token_hash, purpose],
    ).fetchone()


def use_action_token(conn: Conn, token_id: UUID) -> None:
    conn.execute("UPDATE auth_action_tokens SET used_at = now() WHERE id = %s", [token_id])


def mark_email_verified(conn: Conn, user_id: UUID) -> Row:
    row = conn.execute(
        f"""UPDATE users SET email_verified_at = coalesce(email_verified_at, now())
             WHERE id = %s RETURNING {USER_COLUMNS}""",
        [user_id],
    ).fetchone()
    assert row is not None
    return row


def set_password(conn: Conn, user_id: UUID, password_hash: str) -> Row:
    row = conn.execute(
        f"""UPDATE users SET password_hash = %s, password_changed_at = now(), failed_login_count = 0,
                  locked_until = NULL
             WHERE id = %s RETURNING {USER_COLUMNS}""",
        [password_hash, user_id],
    ).fetchone()
    assert row is not None
    return row


def update_profile(conn: Conn, user_id: UUID, changes: Row) -> Row:
    columns = {
        "username": "username",
        "full_name": "full_name",
        "avatar_url": "avatar_url",
        "time_zone": "time_zone",
        "spanish_level": "spanish_level",
        "ui_language": "ui_language",
    }
    assignments = ", ".join(f"{columns[k]} = %({k})s" for k in changes if k in columns)
    if not assignments:
        found = get_user(conn, user_id)
        assert found is not None
        return found
    row = conn.execute(
        f"UPDATE users SET {assignments} WHERE id = %(user_id)s RETURNING {USER_COLUMNS}",
        {**changes, "user_id": user_id},
    ).fetchone()
    assert row is not None
    return row


def delete_user(conn: Conn, user_id: UUID) -> None:
    conn.execute("DELETE FROM users WHERE id = %s", [user_id])
