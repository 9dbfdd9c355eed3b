"""GET /api/search/vocabulary (spec §12): scoped, ranked, accent- and typo-tolerant search.

Scopes: ``mine`` (default), ``public`` (the only one for guests), ``all`` (mine + shared + public).
The query is 1–100 characters of text after trimming; control characters are a 400.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from describe_it.db.tx import transaction
from describe_it.errors import AuthRequired, Detail, ValidationFailed
from describe_it.http.pagination import Page
from describe_it.identity import Principal
from describe_it.models import clean_text
from describe_it.search import repository as repo
from describe_it.search.models import VocabularyHit
from describe_it.vocabulary.repository import Window
from describe_it.vocabulary.service import item_view

MAX_QUERY = 100


def search_text(q: str | None) -> str:
    """The query as data: trimmed, NFC, 1–100 characters, no control characters."""
    if q is None or not q.strip():
        raise ValidationFailed("Required", details=[Detail("q", "Required", "required")])
    try:
        text = clean_text(q)
    except ValueError:
        raise ValidationFailed(
            "Control characters are not allowed",
            details=[Detail("q", "Control characters are not allowed", "invalid_format")],
        ) from None
    if len(text) > MAX_QUERY:
        raise ValidationFailed(
            f"q must have at most {MAX_QUERY} characters",
            details=[Detail("q", f"Must have at most {MAX_QUERY} characters", "too_long")],
        )
    return text


class SearchService:
    def vocabulary(
        self,
        principal: Principal,
        q: str | None,
        filters: repo.SearchFilter,
        page: Page,
    ) -> tuple[list[VocabularyHit], dict[str, Any]]:
        text = search_text(q)
        if principal.is_guest and filters.scope != "public":
            raise AuthRequired("Sign in to search your own vocabulary (guests: scope=public)")
        scope = f"search:{filters.scope}"
        window = Window(limit=page.limit, offset=page.offset, after=page.after(scope))
        me: UUID | None = principal.user_id
        with transaction("app", me) as conn:
            repo.set_similarity_threshold(conn)
            rows = repo.search(conn, me, text, filters, window)
        shown, has_more = rows[: page.limit], len(rows) > page.limit
        after = [shown[-1].score, str(shown[-1].id)] if shown else None
        hits = [
            VocabularyHit(
                **item_view(row).model_dump(),
                list_name=row.list_name or "",
                score=round(row.score, 6),
                matched_on=row.matched_on,
            )
            for row in shown
        ]
        return hits, page.block(None, has_more, after, scope)


def get_search_service() -> SearchService:
    return SearchService()
