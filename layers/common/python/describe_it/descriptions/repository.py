"""SQL of saved descriptions (role ``describeit_app``).

Row-level security shows a learner their own rows and everyone's public ones, and lets them write only
their own; the queries still name the owner where they mean "mine", so the planner uses the indexes.
A page is one query: the rows and their image's metadata together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
class SavedRow:
    id: UUID
    user_id: UUID
    image_id: UUID
    image_url: str | None
    image_alt_description: str | None
    image_photographer_name: str | None
    image_photographer_username: str | None
    image_width: int | None
    image_height: int | None
    image_color: str | None
    style: str
    english_description: str
    spanish_description: str
    word_count_english: int
    word_count_spanish: int
    provider: str | None
    model: str | None
    generation_id: UUID | None
    is_favorite: bool
    rating: int | None
    notes: str | None
    tags: list[str]
    is_public: bool
    session_id: UUID | None
    created_at: datetime
    updated_at: datetime
    sort_key: str | None = None


COLUMNS = """d.id, d.user_id, d.image_id, i.url AS image_url, i.alt_description AS image_alt_description,
    i.photographer_name AS image_photographer_name, i.photographer_username AS image_photographer_username,
    i.width AS image_width, i.height AS image_height, i.color AS image_color, d.style::text AS style,
    d.english_description, d.spanish_description, d.word_count_english, d.word_count_spanish, d.provider,
    d.model_version AS model, d.generation_id, d.is_favorite, d.user_rating::int AS rating,
    d.personal_notes AS notes, d.tags, d.is_public, d.session_id, d.created_at, d.updated_at"""
FROM = "saved_descriptions d JOIN images i ON i.id = d.image_id"

# PATCH field -> column
PATCH_COLUMNS = {
    "is_favorite": "is_favorite", "rating": "user_rating", "notes": "personal_notes", "tags": "tags",
    "is_public": "is_public",
}  # fmt: skip


@dataclass
class SavedFilter:
    """Filters of GET /api/descriptions/saved (own rows)."""

    favorite: bool | None = None
    style: str | None = None
    is_public: bool | None = None
    tags: list[str] | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None  # exclusive

    def sql(self, params: dict[str, Any]) -> list[str]:
        where = ["d.user_id = %(me)s"]
        if self.favorite is not None:
            params["favorite"] = self.favorite
            where.append("d.is_favorite = %(favorite)s")
        if self.style is not None:
            params["style"] = self.style
            where.append("d.style = %(style)s::description_style")
        if self.is_public is not None:
            params["is_public"] = self.is_public
            where.append("d.is_public = %(is_public)s")
        if self.tags:
            params["tags"] = self.tags
            where.append("d.tags @> %(tags)s::text[]")
        if self.created_from is not None:
            params["from"] = self.created_from
            where.append("d.created_at >= %(from)s")
        if self.created_before is not None:
            params["before"] = self.created_before
            where.append("d.created_at < %(before)s")
        return where


def page(conn: Conn, me: UUID, filters: SavedFilter, sort: SortKey, window: Window) -> list[SavedRow]:
    params: dict[str, Any] = {"me": me}
    where = filters.sql(params)
    extra, order = keyset(sort, window, "d.id", params)
    cur = conn.cursor(row_factory=class_row(SavedRow))
    return cur.execute(
        f"""SELECT {COLUMNS}, ({sort.expression})::text AS sort_key FROM {FROM}
             WHERE {" AND ".join(where)}{extra}{order}""",
        params,
    ).fetchall()


def get(conn: Conn, description_id: UUID) -> SavedRow | None:
    """The row if the caller may read it (RLS: own or public)."""
    cur = conn.cursor(row_factory=class_row(SavedRow))
    return cur.execute(f"SELECT {COLUMNS} FROM {FROM} WHERE d.id = %s", [description_id]).fetchone()


def by_ids(conn: Conn, ids: list[UUID]) -> list[SavedRow]:
    """Readable rows among ``ids`` (RLS), in no particular order."""
    cur = conn.cursor(row_factory=class_row(SavedRow))
    return cur.execute(f"SELECT {COLUMNS} FROM {FROM} WHERE d.id = ANY (%s)", [ids]).fetchall()


def by_generation(conn: Conn, me: UUID, generation_id: UUID) -> SavedRow | None:
    cur = conn.cursor(row_factory=class_row(SavedRow))
    return cur.execute(
        f"SELECT {COLUMNS} FROM {FROM} WHERE d.user_id = %s AND d.generation_id = %s", [me, generation_id]
    ).fetchone()


def insert(conn: Conn, me: UUID, values: dict[str, Any]) -> UUID | None:
    """A new row; None when the user already saved this ``generation_id`` (then nothing is written)."""
    columns = ["user_id", *values]
    row = conn.execute(
        f"""INSERT INTO saved_descriptions ({", ".join(columns)})
            VALUES (%s, {", ".join(_placeholder(c) for c in values)})
            ON CONFLICT (user_id, generation_id) WHERE generation_id IS NOT NULL DO NOTHING
            RETURNING id""",
        [me, *(Jsonb(v) if c == "generation_params" else v for c, v in values.items())],
    ).fetchone()
    return None if row is None else row["id"]


def _placeholder(column: str) -> str:
    return "%s::description_style" if column == "style" else "%s"


def update(conn: Conn, me: UUID, description_id: UUID, fields: dict[str, Any]) -> bool:
    sets = ", ".join(f"{PATCH_COLUMNS[name]} = %s" for name in fields)
    cursor = conn.execute(
        f"UPDATE saved_descriptions SET {sets} WHERE id = %s AND user_id = %s",
        [*fields.values(), description_id, me],
    )
    return cursor.rowcount == 1


def delete(conn: Conn, me: UUID, description_id: UUID) -> bool:
    """Answers and vocabulary that name the row keep theirs, with the link cleared (ON DELETE SET NULL)."""
    cursor = conn.execute(
        "DELETE FROM saved_descriptions WHERE id = %s AND user_id = %s", [description_id, me]
    )
    return cursor.rowcount == 1


# --- references ----------------------------------------------------------------------------------------


def image_exists(conn: Conn, image_id: UUID) -> bool:
    return conn.execute("SELECT FROM images WHERE id = %s", [image_id]).fetchone() is not None


def upsert_url_image(conn: Conn, image_id: UUID, source_hash: bytes, url: str) -> UUID:
    """The catalogue row of an https image (created if new); its id, which the UUIDv5 rule fixes."""
    row = conn.execute(
        """INSERT INTO images (id, source_hash, source_type, url, last_used_at)
           VALUES (%s, %s, 'url', %s, now())
           ON CONFLICT (source_hash) DO UPDATE SET last_used_at = excluded.last_used_at
           RETURNING id""",
        [image_id, source_hash, url],
    ).fetchone()
    assert row is not None
    return row["id"]  # type: ignore[no-any-return]


def own_session_exists(conn: Conn, me: UUID, session_id: UUID) -> bool:
    return (
        conn.execute("SELECT FROM sessions WHERE id = %s AND user_id = %s", [session_id, me]).fetchone()
        is not None
    )
