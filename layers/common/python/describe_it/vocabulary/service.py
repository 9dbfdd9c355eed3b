"""Rules of vocabulary lists, sharing, items and saving (spec §10.1–10.3, correction 23).

Visibility: what row-level security lets the caller read is readable; anything else is 404 (never a
hint that it exists). Writes need ownership: readable but not owned is 403. Sharing is read and study
only. Deleting keeps other learners' items and history (the 0004 archive triggers).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from describe_it.clock import Clock, system_clock
from describe_it.db.tx import transaction
from describe_it.errors import Conflict, Detail, Forbidden, NotFound, ValidationFailed
from describe_it.http.pagination import Page
from describe_it.identity import Principal
from describe_it.review.scheduling import default_scheduler, learning_phase, recall
from describe_it.sessions.counters import bump
from describe_it.vocabulary import repository as repo
from describe_it.vocabulary.models import (
    BulkSaved,
    ItemDeleted,
    ItemError,
    ItemInput,
    ItemPatch,
    ItemView,
    ItemWithProgress,
    ListDeleted,
    ListProgress,
    ListView,
    ListWithProgress,
    ListWrite,
    ProgressView,
    SaveCounts,
    SaveRequest,
    SaveResultEntry,
    ShareView,
)

DEFAULT_COLLECTION = "My Vocabulary"
_FAR_FUTURE = "'9999-12-31 00:00:00+00'::timestamptz"
LIST_SORTS = {
    "createdAt": ("l.created_at", "::timestamptz"),
    "name": ('spanish_sort_key(l.name) COLLATE "C"', '::text COLLATE "C"'),
    "totalWords": ("l.total_words", "::integer"),
}
ITEM_SORTS = {
    "createdAt": ("i.created_at", "::timestamptz"),
    "spanishText": ('spanish_sort_key(i.spanish_text) COLLATE "C"', '::text COLLATE "C"'),
    "difficulty": ("i.difficulty_level", "::difficulty_level"),
    "mastery": ("coalesce(p.mastery, 0)", "::numeric"),
    "due": (f"coalesce(p.due, {_FAR_FUTURE})", "::timestamptz"),
}
LIST_ITEM_SORTS = ("createdAt", "spanishText", "difficulty", "due")


@dataclass(frozen=True)
class Sorting:
    field: str
    descending: bool


def sorting(
    sort: str | None,
    order: str | None,
    allowed: tuple[str, ...] | list[str],
    default: str,
    default_order: str,
) -> Sorting:
    """``sort`` + ``order`` (the aliases sortBy/sortOrder are merged by the route); ties broken by id."""
    field = sort or default
    if field not in allowed:
        raise ValidationFailed(
            f"sort must be one of {', '.join(allowed)}",
            details=[Detail("sort", f"Must be one of {', '.join(allowed)}", "invalid_enum")],
        )
    direction = (order or default_order).lower()
    if direction not in ("asc", "desc"):
        raise ValidationFailed(
            "order must be asc or desc", details=[Detail("order", "Must be asc or desc", "invalid_enum")]
        )
    return Sorting(field, direction == "desc")


def _key(table: dict[str, tuple[str, str]], sort: Sorting) -> repo.SortKey:
    expression, cast = table[sort.field]
    return repo.SortKey(expression, cast, sort.descending)


def _window(page: Page, scope: str) -> repo.Window:
    return repo.Window(limit=page.limit, offset=page.offset, after=page.after(scope))


def _paged(rows: list[Any], page: Page, scope: str) -> tuple[list[Any], dict[str, Any]]:
    """Rows of one page (the query read one more to learn ``hasMore``) and the pagination block."""
    shown, has_more = rows[: page.limit], len(rows) > page.limit
    after = [shown[-1].sort_key, str(shown[-1].id)] if shown else None
    return shown, page.block(None, has_more, after, scope)


# --- views -------------------------------------------------------------------------------------------


def progress_view(row: repo.ItemRow, now_: Any) -> ProgressView | None:
    """The caller's progress on the item; retrievability is computed for ``now_``."""
    if row.p_state is None:
        return None
    assert row.p_stability is not None
    assert row.p_last_review is not None
    assert row.p_due is not None
    mastery = row.p_mastery or 0.0
    return ProgressView(
        state=row.p_state,
        learning_phase=learning_phase(row.p_state, mastery),
        step=row.p_step,
        stability=row.p_stability,
        difficulty=row.p_difficulty or 0.0,
        due=row.p_due,
        last_review=row.p_last_review,
        reps=row.p_reps or 0,
        lapses=row.p_lapses or 0,
        correct_count=row.p_correct_count or 0,
        incorrect_count=row.p_incorrect_count or 0,
        streak_count=row.p_streak_count or 0,
        mastery=mastery,
        retrievability=round(recall(default_scheduler(), row.p_stability, row.p_last_review, now_), 4),
        average_response_time_ms=row.p_average_response_time_ms,
        first_reviewed_at=row.p_first_reviewed_at or row.p_last_review,
    )


def item_view(row: repo.ItemRow) -> ItemView:
    return ItemView.model_validate(row, from_attributes=True)


def item_out(row: repo.ItemRow, include_progress: bool, now_: Any) -> ItemView:
    if not include_progress:
        return item_view(row)
    return ItemWithProgress(**item_view(row).model_dump(), progress=progress_view(row, now_))


def _list_view(row: repo.ListRow, me: UUID | None, shares: list[ShareView]) -> ListView:
    return ListView(
        id=row.id,
        name=row.name,
        description=row.description,
        category=row.category,
        difficulty_level=row.difficulty_level,
        language_pair=row.language_pair,
        tags=row.tags,
        is_public=row.is_public,
        total_words=row.total_words,
        owner_id=row.owner_id,
        is_owner=me is not None and row.owner_id == me,
        shared_with=shares if me is not None and row.owner_id == me else [],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _user(principal: Principal) -> UUID:
    assert principal.user_id is not None, "this route requires authentication"
    return principal.user_id


def _not_found(what: str = "List") -> NotFound:
    return NotFound(f"{what} not found")


# --- the service -------------------------------------------------------------------------------------


class VocabularyService:
    def __init__(self, clock: Clock = system_clock) -> None:
        self.clock = clock

    # lists ------------------------------------------------------------------------------------------

    def lists(
        self,
        principal: Principal,
        *,
        scope: str,
        q: str | None,
        category: str | None,
        include_progress: bool,
        sort: Sorting,
        page: Page,
    ) -> tuple[list[ListView], dict[str, Any]]:
        me = _user(principal)
        cursor_scope = f"lists:{scope}:{sort.field}:{sort.descending}"
        with transaction("app", me) as conn:
            rows = repo.page_lists(
                conn,
                me,
                scope=scope,
                q=q,
                category=category,
                sort=_key(LIST_SORTS, sort),
                window=_window(page, cursor_scope),
            )
            shown, block = _paged(rows, page, cursor_scope)
            views = self._views(conn, me, shown, include_progress)
        return views, block

    def get_list(self, principal: Principal, list_id: UUID, include_progress: bool) -> ListView:
        me = principal.user_id
        with transaction("app", me) as conn:
            row = repo.get_list(conn, list_id)
            if row is None:
                raise _not_found()
            return self._views(conn, me, [row], include_progress and me is not None)[0]

    def create_list(self, principal: Principal, body: ListWrite) -> ListView:
        me = _user(principal)
        if body.name is None:
            raise ValidationFailed("Required", details=[Detail("name", "Required", "required")])
        fields = _list_fields(body)
        with transaction("app", me) as conn:
            share_ids = self._share_ids(conn, me, body.shared_with) if body.shared_with is not None else None
            row = repo.insert_list(conn, me, fields)
            if row is None:
                raise _duplicate_name(repo.own_list_by_name(conn, me, body.name))
            if share_ids:
                repo.replace_shares(conn, row.id, share_ids)
            return self._views(conn, me, [row], False)[0]

    def update_list(self, principal: Principal, list_id: UUID, body: ListWrite) -> ListView:
        import psycopg

        me = _user(principal)
        fields = _list_fields(body)
        with transaction("app", me) as conn:
            row = self._own_list(conn, me, list_id)
            if body.name is not None:
                other = repo.own_list_by_name(conn, me, body.name)
                if other is not None and other.id != list_id:
                    raise _duplicate_name(other)
            if body.shared_with is not None:
                repo.replace_shares(conn, list_id, self._share_ids(conn, me, body.shared_with))
            if fields:
                try:
                    updated = repo.update_list(conn, list_id, fields)
                except psycopg.errors.UniqueViolation:  # renamed concurrently to the same name
                    raise _duplicate_name(None) from None
                row = updated or row
            return self._views(conn, me, [row], False)[0]

    def delete_list(self, principal: Principal, list_id: UUID) -> ListDeleted:
        me = _user(principal)
        with transaction("app", me) as conn:
            self._own_list(conn, me, list_id)
            deleted = repo.delete_list(conn, list_id)
            if deleted is None:  # deleted concurrently
                raise _not_found()
        return ListDeleted(id=list_id, items_deleted=deleted)

    @staticmethod
    def _own_list(conn: repo.Conn, me: UUID, list_id: UUID) -> repo.ListRow:
        row = repo.get_list(conn, list_id)
        if row is None:
            raise _not_found()
        if row.owner_id != me:
            raise Forbidden("Only the owner can change this list")
        return row

    @staticmethod
    def _share_ids(conn: repo.Conn, me: UUID, usernames: list[str]) -> list[UUID]:
        found = repo.users_by_username(conn, usernames)
        details, ids = [], []
        for index, name in enumerate(usernames):
            user_id = found.get(name.lower())
            if user_id is None:
                details.append(Detail(f"sharedWith[{index}]", f"Unknown username: {name}", "not_found"))
            elif user_id == me:
                details.append(
                    Detail(f"sharedWith[{index}]", "You cannot share a list with yourself", "invalid")
                )
            elif user_id not in ids:
                ids.append(user_id)
        if details:
            raise ValidationFailed(details[0].message if len(details) == 1 else None, details=details)
        return ids

    def _views(
        self, conn: repo.Conn, me: UUID | None, rows: list[repo.ListRow], include_progress: bool
    ) -> list[ListView]:
        """List views with their shares (own lists) and, when asked, the caller's progress: 2 queries at most."""
        own = [row.id for row in rows if me is not None and row.owner_id == me]
        shares: dict[UUID, list[ShareView]] = {}
        if own:
            for share in repo.shares_of(conn, own):
                shares.setdefault(share.list_id, []).append(
                    ShareView(user_id=share.user_id, username=share.username)
                )
        views = [_list_view(row, me, shares.get(row.id, [])) for row in rows]
        if not include_progress or me is None or not rows:
            return views
        progress = {
            p.list_id: p for p in repo.list_progress(conn, me, [row.id for row in rows], self.clock())
        }
        out: list[ListView] = []
        for row, view in zip(rows, views, strict=True):
            p = progress.get(row.id)
            out.append(
                ListWithProgress(
                    **view.model_dump(),
                    progress=ListProgress(
                        studied=p.studied if p else 0,
                        mastered=p.mastered if p else 0,
                        due=p.due if p else 0,
                        average_mastery=round((p.mastery_sum if p else 0.0) / row.total_words, 3)
                        if row.total_words
                        else None,
                    ),
                )
            )
        return out

    # items ------------------------------------------------------------------------------------------

    def list_items(
        self,
        principal: Principal,
        list_id: UUID,
        filters: repo.ItemFilter,
        include_progress: bool,
        sort: Sorting,
        page: Page,
    ) -> tuple[list[ItemView], dict[str, Any], repo.ListRow]:
        me = principal.user_id
        with transaction("app", me) as conn:
            row = repo.get_list(conn, list_id)
            if row is None:
                raise _not_found()
            filters.list_id = list_id
            items, block = self._page(conn, me, filters, include_progress, sort, page, f"list:{list_id}")
        return items, block, row

    def items(
        self,
        principal: Principal,
        filters: repo.ItemFilter,
        include_progress: bool,
        sort: Sorting,
        page: Page,
    ) -> tuple[list[ItemView], dict[str, Any]]:
        """GET /api/vocabulary/items: own items across own lists, or any readable list with ``listId``."""
        me = _user(principal)
        with transaction("app", me) as conn:
            if filters.list_id is not None:
                if repo.get_list(conn, filters.list_id) is None:
                    raise _not_found()
            else:
                filters.own_lists = True
            return self._page(conn, me, filters, include_progress, sort, page, "items")

    def _page(
        self,
        conn: repo.Conn,
        me: UUID | None,
        filters: repo.ItemFilter,
        include_progress: bool,
        sort: Sorting,
        page: Page,
        scope: str,
    ) -> tuple[list[ItemView], dict[str, Any]]:
        cursor_scope = f"{scope}:{sort.field}:{sort.descending}"
        rows = repo.page_items(conn, me, filters, _key(ITEM_SORTS, sort), _window(page, cursor_scope))
        shown, block = _paged(rows, page, cursor_scope)
        now_ = self.clock()
        return [item_out(row, include_progress and me is not None, now_) for row in shown], block

    def get_item(self, principal: Principal, item_id: UUID, include_progress: bool) -> ItemView:
        me = principal.user_id
        with transaction("app", me) as conn:
            row = repo.get_item(conn, me, item_id)
        if row is None:
            raise _not_found("Item")
        return item_out(row, include_progress and me is not None, self.clock())

    def update_item(
        self, principal: Principal, item_id: UUID, body: ItemPatch, include_progress: bool
    ) -> ItemView:
        import psycopg

        me = _user(principal)
        with transaction("app", me) as conn:
            row = self._own_item(conn, me, item_id)
            fields = {
                name: value
                for name, value in body.model_dump(exclude_unset=True).items()
                if name in repo.ITEM_FIELDS and not (value is None and name in _REQUIRED_ITEM_FIELDS)
            }
            ref = self._references(conn, [body])[0]
            problem = _reference_problem(ref, "")
            if problem is not None:
                raise ValidationFailed(problem.message, details=[problem])
            for name in ("source_image_id", "source_description_id"):
                if name in ref:
                    fields[name] = ref[name]
            for name in ("examples", "tags"):
                if name in fields and fields[name] is None:
                    fields[name] = []
            if "metadata" in fields and fields["metadata"] is None:
                fields["metadata"] = {}
            target = fields.get("list_id") or row.list_id
            if target != row.list_id:
                target_list = repo.get_list(conn, target)
                if target_list is None:
                    raise NotFound(
                        "Target list not found", details=[Detail("listId", "List not found", "not_found")]
                    )
                if target_list.owner_id != me:
                    raise Forbidden("Items can only be moved into your own lists")
            else:
                fields.pop("list_id", None)
            text = fields.get("spanish_text", row.spanish_text)
            other = repo.item_in_list(conn, target, text)
            if other is not None and other != item_id:
                raise _duplicate_item("spanishText", other)
            if fields:
                try:
                    repo.update_item(conn, item_id, fields)
                except psycopg.errors.UniqueViolation:  # the same text saved concurrently
                    raise _duplicate_item("spanishText", None) from None
            updated = repo.get_item(conn, me, item_id)
        assert updated is not None
        return item_out(updated, include_progress, self.clock())

    def delete_item(self, principal: Principal, item_id: UUID) -> ItemDeleted:
        me = _user(principal)
        with transaction("app", me) as conn:
            self._own_item(conn, me, item_id)
            if not repo.delete_item(conn, item_id):
                raise _not_found("Item")
        return ItemDeleted(id=item_id)

    @staticmethod
    def _own_item(conn: repo.Conn, me: UUID, item_id: UUID) -> repo.ItemRow:
        row = repo.get_item(conn, me, item_id)
        if row is None:
            raise _not_found("Item")
        if row.owner_id != me:
            raise Forbidden("Only the list's owner can change its items")
        return row

    # saving -----------------------------------------------------------------------------------------

    def save_one(self, principal: Principal, body: SaveRequest) -> ItemView:
        me = _user(principal)
        assert body.vocabulary is not None
        with transaction("app", me) as conn:
            target = self._target_list(conn, me, body)
            refs = self._references(conn, [body.vocabulary])
            problem = _reference_problem(refs[0], "vocabulary")
            if problem is not None:
                raise ValidationFailed(problem.message, details=[problem])
            [saved] = repo.insert_items(conn, target.id, [_bulk_row(0, body.vocabulary, refs[0])])
            if saved.created_id is None:
                raise _duplicate_item("vocabulary.phrase", saved.existing_id)
            self._count_learned(conn, me, body.session_id, 1)
            [row] = repo.items_by_id(conn, me, [saved.created_id])
        return item_view(row)

    def save_many(self, principal: Principal, body: SaveRequest) -> BulkSaved:
        """Each entry validated on its own; the valid ones stored in one statement, in one transaction."""
        me = _user(principal)
        entries = body.vocabulary_items or []
        results: dict[int, SaveResultEntry] = {}
        valid: dict[int, ItemInput] = {}
        for index, raw in enumerate(entries):
            try:
                valid[index] = ItemInput.model_validate(raw)
            except ValidationError as exc:
                results[index] = _invalid(index, exc)
        with transaction("app", me) as conn:
            target = self._target_list(conn, me, body)
            refs = self._references(conn, list(valid.values()))
            rows = []
            for (index, item), ref in zip(valid.items(), refs, strict=True):
                problem = _reference_problem(ref, f"vocabularyItems[{index}]")
                if problem is not None:
                    results[index] = SaveResultEntry(
                        index=index,
                        status="invalid",
                        error=ItemError(field=problem.field, code=problem.code, message=problem.message),
                    )
                else:
                    rows.append(_bulk_row(index, item, ref))
            saved = repo.insert_items(conn, target.id, rows) if rows else []
            created_ids = [s.created_id for s in saved if s.created_id is not None]
            for s in saved:
                if s.created_id is not None:
                    results[s.idx] = SaveResultEntry(index=s.idx, status="created", id=s.created_id)
                else:
                    results[s.idx] = SaveResultEntry(
                        index=s.idx,
                        status="duplicate",
                        id=s.existing_id,
                        error=ItemError(
                            field=f"vocabularyItems[{s.idx}].phrase",
                            code="duplicate",
                            message="This word is already in the list",
                        ),
                    )
            self._count_learned(conn, me, body.session_id, len(created_ids))
            by_id = {row.id: row for row in repo.items_by_id(conn, me, created_ids)} if created_ids else {}
        ordered = [results[i] for i in sorted(results)]
        return BulkSaved(
            list_id=target.id,
            collection_name=target.name,
            created=[item_view(by_id[i]) for i in created_ids],
            results=ordered,
            counts=SaveCounts(
                requested=len(entries),
                created=len(created_ids),
                duplicates=sum(1 for r in ordered if r.status == "duplicate"),
                invalid=sum(1 for r in ordered if r.status == "invalid"),
            ),
        )

    @staticmethod
    def _target_list(conn: repo.Conn, me: UUID, body: SaveRequest) -> repo.ListRow:
        """``listId`` (own), else the own list named ``collectionName`` (created as custom if absent)."""
        if body.list_id is not None:
            row = repo.get_list(conn, body.list_id)
            if row is None:
                raise NotFound("List not found", details=[Detail("listId", "List not found", "not_found")])
            if row.owner_id != me:
                raise Forbidden("You can only save into your own lists")
            return row
        name = body.collection_name or DEFAULT_COLLECTION
        row = repo.own_list_by_name(conn, me, name)
        if row is None:
            row = repo.insert_list(conn, me, {"name": name}) or repo.own_list_by_name(conn, me, name)
        assert row is not None
        return row

    @staticmethod
    def _references(conn: repo.Conn, items: list[ItemInput] | list[ItemPatch]) -> list[dict[str, Any]]:
        """Resolve ``imageUrl`` to an image id and check that referenced images/descriptions exist.

        Batched: at most three queries for a whole bulk. A missing reference is reported by
        ``_reference_problem`` (never a foreign-key error that would fail the whole statement).
        """
        image_ids = [i.source_image_id for i in items if i.source_image_id is not None]
        hashes = [
            _url_hash(i.image_url) for i in items if i.image_url is not None and i.source_image_id is None
        ]
        description_ids = [i.source_description_id for i in items if i.source_description_id is not None]
        images = repo.existing_images(conn, image_ids) if image_ids else set()
        by_hash = repo.images_by_hash(conn, hashes) if hashes else {}
        descriptions = repo.readable_descriptions(conn, description_ids) if description_ids else set()
        out: list[dict[str, Any]] = []
        for item in items:
            ref: dict[str, Any] = {}
            if item.source_image_id is not None:
                ref["source_image_id"] = item.source_image_id
                ref["_image_missing"] = item.source_image_id not in images
            elif item.image_url is not None:
                # an image not in the catalogue is simply not linked
                ref["source_image_id"] = by_hash.get(_url_hash(item.image_url))
            if item.source_description_id is not None:
                ref["source_description_id"] = item.source_description_id
                ref["_description_missing"] = item.source_description_id not in descriptions
            out.append(ref)
        return out

    def _count_learned(self, conn: repo.Conn, me: UUID, session_id: UUID | None, created: int) -> None:
        if session_id is None:
            return
        bump(conn, me, session_id, at=self.clock(), vocabulary_learned=created)


_REQUIRED_ITEM_FIELDS = {"spanish_text", "english_translation", "part_of_speech", "difficulty", "list_id"}


def _list_fields(body: ListWrite) -> dict[str, Any]:
    """The list columns sent (None = not sent: a list's fields all have defaults or stay as they are)."""
    data = body.model_dump(exclude_unset=True)
    fields = {name: value for name, value in data.items() if name in repo.LIST_FIELDS and value is not None}
    if "description" in data and data["description"] is None:
        fields["description"] = None  # null clears the description
    return fields


def _url_hash(url: str) -> bytes:
    return hashlib.sha256(url.encode("utf-8")).digest()


def _reference_problem(ref: dict[str, Any], prefix: str) -> Detail | None:
    dot = f"{prefix}." if prefix else ""
    if ref.pop("_image_missing", False):
        return Detail(f"{dot}sourceImageId", "Image not found", "not_found")
    if ref.pop("_description_missing", False):
        return Detail(f"{dot}sourceDescriptionId", "Saved description not found", "not_found")
    return None


def _bulk_row(index: int, item: ItemInput, ref: dict[str, Any]) -> dict[str, Any]:
    """One record of ``insert_items`` (column names of vocabulary_items)."""
    return {
        "idx": index,
        "spanish_text": item.spanish_text,
        "english_translation": item.english_translation,
        "lemma": item.lemma,
        "definition": item.definition,
        "part_of_speech": item.part_of_speech or "other",
        "difficulty_level": item.difficulty or "beginner",
        "category": item.category,
        "gender": item.gender,
        "article": item.article,
        "plural_form": item.plural_form,
        "conjugation": item.conjugation,
        "context_sentence_spanish": item.context_sentence_spanish,
        "context_sentence_english": item.context_sentence_english,
        "examples": item.examples or [],
        "tags": item.tags or [],
        "pronunciation_ipa": item.pronunciation_ipa,
        "usage_notes": item.notes,
        "frequency_score": item.frequency_score,
        "source_image_id": str(ref["source_image_id"]) if ref.get("source_image_id") else None,
        "source_description_id": str(ref["source_description_id"])
        if ref.get("source_description_id")
        else None,
        "metadata": item.metadata or {},
    }


def _invalid(index: int, exc: ValidationError) -> SaveResultEntry:
    """The entry's first problem, named and coded as the error envelope would (one mapping)."""
    from describe_it.http.errors import validation_error

    errors = [{**err, "loc": ("body", "vocabularyItems", index, *err["loc"])} for err in exc.errors()]
    detail = validation_error(RequestValidationError(errors)).details[0]
    return SaveResultEntry(
        index=index,
        status="invalid",
        error=ItemError(field=detail.field, code=detail.code, message=detail.message),
    )


def _duplicate_name(existing: repo.ListRow | None) -> Conflict:
    extra = {"existingId": str(existing.id)} if existing is not None else {}
    return Conflict(
        "You already have a list with this name",
        details=[Detail("name", "A list with this name already exists", "duplicate", extra)],
    )


def _duplicate_item(field: str, existing: UUID | None) -> Conflict:
    extra = {"existingId": str(existing)} if existing is not None else {}
    return Conflict(
        "This word is already in the list",
        details=[Detail(field, "This word is already in the list", "duplicate", extra)],
    )


def get_vocabulary_service() -> VocabularyService:
    return VocabularyService()
