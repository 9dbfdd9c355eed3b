"""/api/search/vocabulary (GET) — full-text and fuzzy search over readable vocabulary (spec §12)."""

from uuid import UUID

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.pagination import Page, page_params
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.models import NONBLANK_PATTERN
from describe_it.search.models import Scope, VocabularyHit
from describe_it.search.repository import SearchFilter
from describe_it.search.service import SearchService, get_search_service
from describe_it.vocabulary.models import Difficulty, PartOfSpeech
from describe_it.vocabulary.params import query_text, text_param

router = api_router()


@router.endpoint(
    "GET", "/api/search/vocabulary", list[VocabularyHit], policy(auth="optional", rate_class="read")
)
def search_vocabulary(
    request: Request,
    q: str = Query(
        max_length=2000,
        description="1–100 characters after trimming",
        json_schema_extra={"pattern": NONBLANK_PATTERN, "maxLength": 100},
    ),
    scope: Scope = Query("mine", description="Guests: public only"),
    difficulty: Difficulty | None = Query(None),
    category: str | None = Query(None, max_length=300, json_schema_extra=text_param(100)),
    part_of_speech: PartOfSpeech | None = Query(None, alias="partOfSpeech"),
    list_id: UUID | None = Query(None, alias="listId"),
    page: Page = Depends(page_params),
    who: Principal = Depends(principal),
    service: SearchService = Depends(get_search_service),
) -> Response:
    """Search vocabulary

    Accent- and typo-tolerant search of Spanish and English text (full text, then trigram
    similarity), best match first. Guests may search only `scope=public`.
    """
    filters = SearchFilter(scope, difficulty, query_text(category, "category"), part_of_speech, list_id)
    hits, block = service.vocabulary(who, q, filters, page)
    return ok(request, hits, pagination=block)


app = create_app(router)
lambda_handler = make_handler(app)
