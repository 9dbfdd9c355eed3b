"""GET /api/images/search and its alias /api/images/search-edge — photo search for learners (spec §9.1)."""

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Depends, Header, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.images.models import SearchParams, SearchResult
from describe_it.images.params import search_params
from describe_it.images.search import (
    ImageSearchService,
    cache_control,
    etag,
    etag_matches,
    get_image_search_service,
)

router = api_router()


F = TypeVar("F", bound=Callable[..., Any])


def _route(path: str, summary: str | None = None) -> Callable[[F], F]:
    return router.endpoint(
        "GET",
        path,
        SearchResult,
        policy(auth="optional", rate_class="images"),
        also={304: None},  # If-None-Match names the current page
        errors=(502, 504),
        headers=("ETag", "Cache-Control"),
        summary=summary,
    )


@_route("/api/images/search")
@_route("/api/images/search-edge", summary="Search photos (alias of /api/images/search)")
def search_images(
    request: Request,
    params: SearchParams = Depends(search_params),
    if_none_match: str | None = Header(None),
    who: Principal = Depends(principal),
    service: ImageSearchService = Depends(get_image_search_service),
) -> Response:
    """Search photos

    Unsplash search with a shared cache (or the demo catalogue without a key); `If-None-Match` with the page's `ETag` answers 304 (spec §9.1).
    """
    result = service.search(who, params)
    headers = {"ETag": etag(result), "Cache-Control": cache_control(who)}
    if etag_matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return ok(request, result, headers=headers)


app = create_app(router)
lambda_handler = make_handler(app)
