"""SQL of the shared image catalogue (role ``describeit_app``; every learner reads every row).

The metadata rules of correction 21 are the database's (0002's trigger, extended by 0005): a request
may fill what is empty; only a transaction marked ``app.image_source = 'provider'`` (data the server
fetched from Unsplash itself) or an admin overwrites. So the service never has to trust itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from psycopg.rows import class_row

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import DictRow

    from describe_it.images.models import ImageMeta

    Conn = Connection[DictRow]


@dataclass
class ImageRow:
    id: UUID
    source_hash: bytes
    source_type: str
    url: str | None
    unsplash_id: str | None
    alt_description: str | None
    description: str | None
    width: int | None
    height: int | None
    color: str | None
    photographer_name: str | None
    photographer_username: str | None
    photographer_url: str | None
    thumbnail_url: str | None
    usage_count: int
    last_used_at: datetime | None
    stored_sha256: bytes | None
    stored_width: int | None
    stored_height: int | None


_COLUMNS = ", ".join(f.name for f in ImageRow.__dataclass_fields__.values())


@dataclass(frozen=True)
class ProviderPhoto:
    """One Unsplash search result as a catalogue row."""

    id: UUID
    source_hash: bytes
    url: str
    unsplash_id: str
    thumbnail_url: str | None
    description: str | None
    alt_description: str | None
    width: int
    height: int
    color: str | None
    photographer_name: str | None
    photographer_username: str | None
    photographer_url: str | None


@dataclass(frozen=True)
class UsedImage:
    """An image a description is about to use: the row to create, or to count one more use on."""

    id: UUID
    source_hash: bytes
    source_type: str  # url | upload
    url: str | None
    width: int | None  # measured on the image itself: fills the row's width/height when empty
    height: int | None
    stored_sha256: bytes | None  # the kept normalised JPEG (url rows only)
    stored_width: int | None
    stored_height: int | None


def as_provider(conn: Conn) -> None:
    """Mark this transaction as writing provider data (transaction-local, like ``app.user_id``)."""
    conn.execute("SELECT set_config('app.image_source', 'provider', true)")


def find(conn: Conn, source_hash: bytes) -> ImageRow | None:
    with conn.cursor(row_factory=class_row(ImageRow)) as cur:
        cur.execute(f"SELECT {_COLUMNS} FROM images WHERE source_hash = %s", [source_hash])
        return cur.fetchone()


def upsert_provider_photos(conn: Conn, photos: Sequence[ProviderPhoto]) -> int:
    """Every photo of a search page in one statement; returns how many rows were written.

    A photo already in the catalogue (by ``unsplash_id``, or by URL where a learner used it before any
    search did) gets the provider's metadata; a new one is inserted. Rows whose metadata is unchanged are
    not rewritten. Concurrent searches inserting the same photo meet on the unique indexes and the later
    one does nothing. Needs ``as_provider`` first.
    """
    if not photos:
        return 0
    columns = list(ProviderPhoto.__dataclass_fields__)
    arrays = [[getattr(p, c) for p in photos] for c in columns]
    result = conn.execute(
        """
        WITH input AS (
          SELECT * FROM unnest(%s::uuid[], %s::bytea[], %s::text[], %s::text[], %s::text[], %s::text[],
                               %s::text[], %s::int[], %s::int[], %s::text[], %s::text[], %s::text[], %s::text[])
                 AS t (id, source_hash, url, unsplash_id, thumbnail_url, description, alt_description, width,
                       height, color, photographer_name, photographer_username, photographer_url)
        ),
        updated AS (
          UPDATE images AS i
             SET unsplash_id = input.unsplash_id, thumbnail_url = input.thumbnail_url,
                 description = input.description, alt_description = input.alt_description,
                 width = input.width, height = input.height, color = input.color,
                 photographer_name = input.photographer_name,
                 photographer_username = input.photographer_username,
                 photographer_url = input.photographer_url
            FROM input
           WHERE (i.unsplash_id = input.unsplash_id
                  OR (i.source_hash = input.source_hash AND i.unsplash_id IS NULL
                      AND NOT EXISTS (SELECT FROM images o WHERE o.unsplash_id = input.unsplash_id)))
             AND (i.unsplash_id, i.thumbnail_url, i.description, i.alt_description, i.width, i.height, i.color,
                  i.photographer_name, i.photographer_username, i.photographer_url)
                 IS DISTINCT FROM
                 (input.unsplash_id, input.thumbnail_url, input.description, input.alt_description, input.width,
                  input.height, input.color, input.photographer_name, input.photographer_username,
                  input.photographer_url)
          RETURNING input.unsplash_id
        ),
        inserted AS (
          INSERT INTO images (id, source_hash, source_type, url, unsplash_id, thumbnail_url, description,
                              alt_description, width, height, color, photographer_name, photographer_username,
                              photographer_url)
          SELECT id, source_hash, 'url', url, unsplash_id, thumbnail_url, description, alt_description, width,
                 height, color, photographer_name, photographer_username, photographer_url
            FROM input
           WHERE unsplash_id NOT IN (SELECT unsplash_id FROM updated)
          ON CONFLICT DO NOTHING
          RETURNING id
        )
        SELECT (SELECT count(*) FROM updated) + (SELECT count(*) FROM inserted) AS written
        """,
        arrays,
    ).fetchone()
    return int(result["written"]) if result else 0


def record_use(conn: Conn, image: UsedImage) -> ImageRow:
    """Create the row, or count one more use of it; fill its size and stored object where empty."""
    with conn.cursor(row_factory=class_row(ImageRow)) as cur:
        cur.execute(
            f"""
            INSERT INTO images AS i (id, source_hash, source_type, url, width, height, stored_sha256,
                                     stored_width, stored_height, usage_count, last_used_at)
            VALUES (%(id)s, %(source_hash)s, %(source_type)s, %(url)s, %(width)s, %(height)s,
                    %(stored_sha256)s, %(stored_width)s, %(stored_height)s, 1, now())
            ON CONFLICT (source_hash) DO UPDATE
               SET usage_count = i.usage_count + 1, last_used_at = now(),
                   width = coalesce(i.width, EXCLUDED.width), height = coalesce(i.height, EXCLUDED.height),
                   stored_sha256 = coalesce(i.stored_sha256, EXCLUDED.stored_sha256),
                   stored_width = CASE WHEN i.stored_sha256 IS NULL THEN EXCLUDED.stored_width
                                       ELSE i.stored_width END,
                   stored_height = CASE WHEN i.stored_sha256 IS NULL THEN EXCLUDED.stored_height
                                        ELSE i.stored_height END
            RETURNING {_COLUMNS}
            """,
            {
                "id": image.id,
                "source_hash": image.source_hash,
                "source_type": image.source_type,
                "url": image.url,
                "width": image.width,
                "height": image.height,
                "stored_sha256": image.stored_sha256,
                "stored_width": image.stored_width,
                "stored_height": image.stored_height,
            },
        )
        row = cur.fetchone()
    assert row is not None  # INSERT … ON CONFLICT DO UPDATE always returns the row
    return row


def fill_metadata(conn: Conn, image_id: UUID, meta: ImageMeta) -> bool:
    """A client's metadata into the columns that are still empty; never overwrites (correction 21).

    ``unsplash_id`` is taken only while no other row claims it. Returns whether anything was filled.
    """
    values = {
        "id": image_id,
        "unsplash_id": meta.unsplash_id,
        "alt_description": meta.alt_description,
        "description": meta.description,
        "width": meta.width,
        "height": meta.height,
        "color": meta.color,
        "photographer_name": meta.photographer_name,
        "photographer_username": meta.photographer_username,
        "photographer_url": meta.photographer_url,
    }
    result = conn.execute(
        """
        UPDATE images
           SET unsplash_id = coalesce(unsplash_id,
                 CASE WHEN NOT EXISTS (SELECT FROM images o WHERE o.unsplash_id = %(unsplash_id)s::text)
                      THEN %(unsplash_id)s::text END),
               alt_description = coalesce(alt_description, %(alt_description)s::text),
               description = coalesce(description, %(description)s::text),
               width = coalesce(width, %(width)s::int), height = coalesce(height, %(height)s::int),
               color = coalesce(color, %(color)s::text),
               photographer_name = coalesce(photographer_name, %(photographer_name)s::text),
               photographer_username = coalesce(photographer_username, %(photographer_username)s::text),
               photographer_url = coalesce(photographer_url, %(photographer_url)s::text)
         WHERE id = %(id)s
           AND (   (unsplash_id IS NULL AND %(unsplash_id)s::text IS NOT NULL
                    AND NOT EXISTS (SELECT FROM images o WHERE o.unsplash_id = %(unsplash_id)s::text))
                OR (alt_description IS NULL AND %(alt_description)s::text IS NOT NULL)
                OR (description IS NULL AND %(description)s::text IS NOT NULL)
                OR (width IS NULL AND %(width)s::int IS NOT NULL)
                OR (height IS NULL AND %(height)s::int IS NOT NULL)
                OR (color IS NULL AND %(color)s::text IS NOT NULL)
                OR (photographer_name IS NULL AND %(photographer_name)s::text IS NOT NULL)
                OR (photographer_username IS NULL AND %(photographer_username)s::text IS NOT NULL)
                OR (photographer_url IS NULL AND %(photographer_url)s::text IS NOT NULL))
        """,
        values,
    )
    return result.rowcount > 0
