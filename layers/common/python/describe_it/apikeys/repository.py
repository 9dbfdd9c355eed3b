"""SQL of ``user_api_keys`` (role ``describeit_app``; RLS limits every statement to the caller's rows)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

    Conn = Connection[DictRow]

Row = dict[str, Any]

STATE_COLUMNS = "provider::text AS provider, last4, status, last_validated_at, updated_at"


def states(conn: Conn, user_id: UUID) -> list[Row]:
    """What the API may show about the stored keys: never the ciphertext."""
    return conn.execute(f"SELECT {STATE_COLUMNS} FROM user_api_keys WHERE user_id = %s", [user_id]).fetchall()


def upsert(conn: Conn, user_id: UUID, provider: str, ciphertext: bytes, key_id: str, last4: str) -> None:
    """Store (or replace) a key; a new key has not been validated yet."""
    conn.execute(
        """INSERT INTO user_api_keys (user_id, provider, ciphertext, key_id, last4)
            VALUES (%s, %s, %s, %s, %s)
            ON CONFLICT (user_id, provider) DO UPDATE
               SET ciphertext = EXCLUDED.ciphertext, key_id = EXCLUDED.key_id, last4 = EXCLUDED.last4,
                   status = 'unknown', last_validated_at = NULL""",
        [user_id, provider, ciphertext, key_id, last4],
    )


def delete(conn: Conn, user_id: UUID, providers: list[str]) -> int:
    cursor = conn.execute(
        "DELETE FROM user_api_keys WHERE user_id = %s AND provider::text = ANY(%s)", [user_id, providers]
    )
    return cursor.rowcount


def sealed(conn: Conn, user_id: UUID, provider: str) -> Row | None:
    """The encrypted key and the master key id it was sealed under."""
    return conn.execute(
        "SELECT ciphertext, key_id FROM user_api_keys WHERE user_id = %s AND provider = %s",
        [user_id, provider],
    ).fetchone()


def record_validation(conn: Conn, user_id: UUID, provider: str, status: str, ciphertext: bytes) -> None:
    """Store a validation outcome, unless the key was replaced meanwhile (blobs are unique: random nonces)."""
    conn.execute(
        """UPDATE user_api_keys SET status = %s, last_validated_at = now()
            WHERE user_id = %s AND provider = %s AND ciphertext = %s""",
        [status, user_id, provider, ciphertext],
    )
