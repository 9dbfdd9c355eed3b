"""GET /api/settings/sync — the full settings document for cross-device sync, with ETag / 304 (spec §14.2)."""

from fastapi import Depends, Header, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.user_settings.models import SettingsSync
from describe_it.user_settings.service import SettingsService, etag, etag_matches, get_settings_service

router = api_router()


@router.endpoint(
    "GET",
    "/api/settings/sync",
    SettingsSync,
    policy(auth="required", rate_class="read"),
    also={304: None},
    headers=("ETag",),
)
def sync_settings(
    request: Request,
    if_none_match: str | None = Header(None),
    who: Principal = Depends(principal),
    service: SettingsService = Depends(get_settings_service),
) -> Response:
    """Your settings for cross-device sync

    The full document with its `ETag`; `If-None-Match` naming the current version → 304 without a
    body.
    """
    document = service.sync(who)
    tag = etag(document.version)
    if etag_matches(if_none_match, document.version):
        return Response(status_code=304, headers={"ETag": tag})
    return ok(request, document, headers={"ETag": tag})


app = create_app(router)
lambda_handler = make_handler(app)
