"""POST /api/images/proxy — fetch an image safely (or decode a data URI) and re-encode it (spec §9.2)."""

from fastapi import Depends, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.envelope import ok
from describe_it.http.policy import MB, policy
from describe_it.images.models import ProxyRequest, ProxyResult
from describe_it.images.proxy import ImageProxyService, get_image_proxy_service

router = api_router()


@router.endpoint(
    "POST",
    "/api/images/proxy",
    ProxyResult,
    policy(auth="optional", rate_class="images", body_limit=5 * MB),
    errors=(403, 502, 504),
)
def proxy_image(
    body: ProxyRequest, request: Request, service: ImageProxyService = Depends(get_image_proxy_service)
) -> Response:
    """Fetch and re-encode an image

    An https URL (fetched through the hardened fetcher: public hosts only, size and type checked) or a data URI, resized and re-encoded as a data URI (spec §9.2).
    """
    return ok(request, service.proxy(body))


app = create_app(router)
lambda_handler = make_handler(app)
