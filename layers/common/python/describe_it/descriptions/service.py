"""Rules of saved descriptions (spec §5.4).

Visibility: a learner reads their own rows and everyone's public ones (row-level security); anything
else is 404, never a hint that it exists. Writes need ownership: a public row of someone else is 403,
a private one 404. What is personal about a row — favourite, rating, notes, the study session — is
shown to its owner only. The same ``generationId`` saved twice is one row: the second save answers
with the first (200), also when both arrive at once (the unique index decides).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from describe_it.db.keyset import SortKey, Window
from describe_it.db.tx import transaction
from describe_it.descriptions import repository as repo
from describe_it.descriptions.models import (
    ImageInfo,
    SavedDeleted,
    SavedDescription,
    SavedPatch,
    SaveInput,
    SaveRequest,
)
from describe_it.descriptions.words import word_count
from describe_it.errors import Detail, Forbidden, NotFound, ValidationFailed
from describe_it.http.pagination import Page
from describe_it.identity import Principal
from describe_it.images_ids import image_id_for_hash, source_hash_for_url
from describe_it.vocabulary.service import Sorting

SORTS = {
    "createdAt": ("d.created_at", "::timestamptz"),
    "rating": ("coalesce(d.user_rating, 0)", "::integer"),  # unrated rows sort as 0: last when descending
}


@dataclass(frozen=True)
class Saved:
    description: SavedDescription
    created: bool  # False: this generation was saved before, ``description`` is that row


def view(row: repo.SavedRow, me: UUID | None) -> SavedDescription:
    owner = me is not None and row.user_id == me
    image = ImageInfo(
        alt_description=row.image_alt_description,
        photographer_name=row.image_photographer_name,
        photographer_username=row.image_photographer_username,
        width=row.image_width,
        height=row.image_height,
        color=row.image_color,
    )
    return SavedDescription(
        id=row.id,
        image_id=row.image_id,
        image_url=row.image_url,
        image=image if any(v is not None for v in image.model_dump().values()) else None,
        style=row.style,
        english_description=row.english_description,
        spanish_description=row.spanish_description,
        word_count_english=row.word_count_english,
        word_count_spanish=row.word_count_spanish,
        provider=row.provider,
        model=row.model,
        generation_id=row.generation_id,
        is_favorite=row.is_favorite if owner else False,
        rating=row.rating if owner else None,
        notes=row.notes if owner else None,
        tags=row.tags,
        is_public=row.is_public,
        session_id=row.session_id if owner else None,
        is_owner=owner,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def save_description(conn: repo.Conn, user_id: UUID, data: SaveInput) -> Saved:
    """Save one description for ``user_id`` inside the caller's transaction (as ``app``, that user).

    The one way to save: ``POST /api/descriptions/saved`` and generation with ``save: true`` both call
    it. 404 for an unknown ``image_id`` or a ``session_id`` that is not the user's; 400 for an
    ``image_url`` that is not a valid https URL.
    """
    if data.generation_id is not None:
        existing = repo.by_generation(conn, user_id, data.generation_id)
        if existing is not None:
            return Saved(view(existing, user_id), created=False)
    if data.session_id is not None and not repo.own_session_exists(conn, user_id, data.session_id):
        raise NotFound("Session not found", details=[Detail("sessionId", "Session not found", "not_found")])
    image_id = _image(conn, data)
    new_id = repo.insert(conn, user_id, _values(data, image_id))
    if new_id is None:  # the same generation saved concurrently: its row won
        assert data.generation_id is not None
        existing = repo.by_generation(conn, user_id, data.generation_id)
        assert existing is not None  # committed before our insert gave way, so visible to this statement
        return Saved(view(existing, user_id), created=False)
    row = repo.get(conn, new_id)
    assert row is not None
    return Saved(view(row, user_id), created=True)


def _image(conn: repo.Conn, data: SaveInput) -> UUID:
    if data.image_id is not None:
        if not repo.image_exists(conn, data.image_id):
            raise NotFound("Image not found", details=[Detail("imageId", "Image not found", "not_found")])
        return data.image_id
    if data.image_url is None:
        message = "imageId or imageUrl is required"
        raise ValidationFailed(message, details=[Detail("imageId", message, "required")])
    from describe_it.images.urls import normalise_image_url, parse_image_url

    url = normalise_image_url(parse_image_url(data.image_url))
    source_hash = source_hash_for_url(url)
    return repo.upsert_url_image(conn, image_id_for_hash(source_hash), source_hash, url)


def _values(data: SaveInput, image_id: UUID) -> dict[str, Any]:
    """Columns of the new row (word counts computed here, so they always match the texts)."""
    return {
        "image_id": image_id,
        "session_id": data.session_id,
        "generation_id": data.generation_id,
        "style": data.style,
        "english_description": data.english_description,
        "spanish_description": data.spanish_description,
        "word_count_english": word_count(data.english_description),
        "word_count_spanish": word_count(data.spanish_description),
        "provider": data.provider,
        "model_version": data.model,
        "generation_params": data.generation_params,
        "generation_time_ms": data.generation_time_ms,
        "is_favorite": data.is_favorite,
        "user_rating": data.rating,
        "personal_notes": data.notes,
        "tags": data.tags,
        "is_public": data.is_public,
    }


def _user(principal: Principal) -> UUID:
    assert principal.user_id is not None, "this route requires authentication"
    return principal.user_id


def _not_found() -> NotFound:
    return NotFound("Saved description not found")


class DescriptionsService:
    def list_saved(
        self, principal: Principal, filters: repo.SavedFilter, sort: Sorting, page: Page
    ) -> tuple[list[SavedDescription], dict[str, Any]]:
        me = _user(principal)
        scope = f"saved:{sort.field}:{sort.descending}"
        expression, cast = SORTS[sort.field]
        window = Window(limit=page.limit, offset=page.offset, after=page.after(scope))
        with transaction("app", me) as conn:
            rows = repo.page(conn, me, filters, SortKey(expression, cast, sort.descending), window)
        shown, has_more = rows[: page.limit], len(rows) > page.limit
        after = [shown[-1].sort_key, str(shown[-1].id)] if shown else None
        return [view(row, me) for row in shown], page.block(None, has_more, after, scope)

    def save(self, principal: Principal, body: SaveRequest) -> Saved:
        me = _user(principal)
        with transaction("app", me) as conn:
            return save_description(conn, me, body.to_input())

    def get(self, principal: Principal, description_id: UUID) -> SavedDescription:
        me = principal.user_id
        with transaction("app", me) as conn:
            row = repo.get(conn, description_id)
        if row is None:
            raise _not_found()
        return view(row, me)

    def update(self, principal: Principal, description_id: UUID, body: SavedPatch) -> SavedDescription:
        me = _user(principal)
        sent = body.model_dump(exclude_unset=True)
        fields = {
            name: value
            for name, value in sent.items()
            if not (value is None and name in ("is_favorite", "is_public"))  # null: left as it is
        }
        if "tags" in fields and fields["tags"] is None:
            fields["tags"] = []
        if fields.get("notes") == "":
            fields["notes"] = None
        with transaction("app", me) as conn:
            self._own(conn, me, description_id)
            if fields and not repo.update(conn, me, description_id, fields):
                raise _not_found()  # deleted concurrently
            row = repo.get(conn, description_id)
        if row is None:
            raise _not_found()
        return view(row, me)

    def delete(self, principal: Principal, description_id: UUID) -> SavedDeleted:
        me = _user(principal)
        with transaction("app", me) as conn:
            self._own(conn, me, description_id)
            if not repo.delete(conn, me, description_id):
                raise _not_found()  # deleted concurrently
        return SavedDeleted(id=description_id)

    @staticmethod
    def _own(conn: repo.Conn, me: UUID, description_id: UUID) -> repo.SavedRow:
        row = repo.get(conn, description_id)
        if row is None:
            raise _not_found()
        if row.user_id != me:
            raise Forbidden("Only the owner can change this description")
        return row


def get_descriptions_service() -> DescriptionsService:
    return DescriptionsService()
