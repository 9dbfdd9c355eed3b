"""GET /api/search/descriptions (spec §12): ranked full-text search of saved descriptions.

Both languages, accents and case ignored, stemmed (``spanish_unaccent``/``english_unaccent``).
Scopes: ``mine`` (default; own rows, private or public) and ``public`` (everyone's public rows, the only
scope for guests). ``favorite`` filters own rows only. Each hit carries a ``snippet``: at most 200
characters of plain text around the first match in the language that matched.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from describe_it.db.keyset import Window
from describe_it.db.tx import transaction
from describe_it.descriptions.models import SavedDescription
from describe_it.descriptions.service import view
from describe_it.errors import AuthRequired, Detail, ValidationFailed
from describe_it.http.pagination import Page
from describe_it.identity import Principal
from describe_it.search import descriptions_repository as repo
from describe_it.search.service import search_text

Scope = Literal["mine", "public"]
SNIPPET_MAX = 200
_LEAD = 60  # characters of context kept before the first match, when the text is longer than a snippet
_SPACES = re.compile(r"\s+")
_ELLIPSIS = "…"


class DescriptionHit(SavedDescription):
    score: float
    matched_on: Literal["spanish", "english"]
    snippet: str = Field(description=f"≤ {SNIPPET_MAX} characters of plain text around the first match")


def _plain(text: str) -> str:
    return _SPACES.sub(" ", text.replace(repo.MARK_START, "").replace(repo.MARK_END, "")).strip()


def snippet(marked: str, limit: int = SNIPPET_MAX) -> str:
    """Plain text of at most ``limit`` characters around the first marked word, cut at word
    boundaries, with "…" where text was left out; whitespace runs (newlines too) become one space.
    Without a mark, the start of the text."""
    plain = _plain(marked)
    if len(plain) <= limit:
        return plain
    first = marked.find(repo.MARK_START)
    match = len(_SPACES.sub(" ", marked[:first]).lstrip()) if first > 0 else 0  # its index in ``plain``
    start = max(0, match - _LEAD)
    if start > 0 and plain[start - 1] != " ":
        space = plain.find(" ", start, match + 1)  # open on a whole word, never after the match
        start = space + 1 if space >= 0 else start
    room = limit - (1 if start > 0 else 0)
    if start + room >= len(plain):
        end = len(plain)
    else:
        end = start + room - 1  # and room for the closing "…"
        space = plain.rfind(" ", start, end + 1)
        end = space if space > match else end  # close after a whole word, unless that loses the match
    head = _ELLIPSIS if start > 0 else ""
    tail = _ELLIPSIS if end < len(plain) else ""
    return f"{head}{plain[start:end].strip()}{tail}"


class DescriptionSearchService:
    def search(
        self,
        principal: Principal,
        q: str | None,
        scope: Scope,
        style: str | None,
        favorite: bool | None,
        page: Page,
    ) -> tuple[list[DescriptionHit], dict[str, Any]]:
        text = search_text(q)
        if principal.is_guest and scope != "public":
            raise AuthRequired("Sign in to search your own descriptions (guests: scope=public)")
        if favorite is not None and scope != "mine":
            message = "favorite filters your own descriptions: use scope=mine"
            raise ValidationFailed(message, details=[Detail("favorite", message, "invalid")])
        cursor_scope = f"search-descriptions:{scope}:{text}"
        window = Window(limit=page.limit, offset=page.offset, after=page.after(cursor_scope))
        me: UUID | None = principal.user_id
        with transaction("app", me) as conn:
            rows = repo.search(conn, text, repo.DescriptionSearchFilter(scope, style, favorite), window)
        shown, has_more = rows[: page.limit], len(rows) > page.limit
        after = [shown[-1].score, str(shown[-1].id)] if shown else None
        hits = [
            DescriptionHit(
                **view(row, me).model_dump(),
                score=round(row.score, 6),
                matched_on=row.matched_on,
                snippet=snippet(row.marked),
            )
            for row in shown
        ]
        return hits, page.block(None, has_more, after, cursor_scope)


def get_description_search_service() -> DescriptionSearchService:
    return DescriptionSearchService()
