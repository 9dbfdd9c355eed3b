"""/api/settings (GET, PUT, DELETE) and its legacy alias /api/settings/save (GET, POST) — spec §14.2."""

from typing import Literal

from fastapi import Depends, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.user_settings.models import IF_MATCH, SectionName, SettingsSaved, SettingsView, SettingsWrite
from describe_it.user_settings.service import SettingsService, etag, get_settings_service

router = api_router()
QueryBool = Literal["true", "false", "1", "0"]


@router.endpoint(
    "GET", "/api/settings", SettingsView, policy(auth="required", rate_class="read"), headers=("ETag",)
)
@router.endpoint(
    "GET",
    "/api/settings/save",
    SettingsView,
    policy(auth="required", rate_class="read"),
    headers=("ETag",),
    summary="Your settings (legacy alias of GET /api/settings)",
)
def read_settings(
    request: Request,
    section: SectionName | None = Query(None),
    include_defaults: QueryBool = Query("true", alias="includeDefaults"),
    who: Principal = Depends(principal),
    service: SettingsService = Depends(get_settings_service),
) -> Response:
    """Your settings

    The settings document deep-merged with the defaults (`includeDefaults=false`: only what you
    changed), or one `section`. `ETag` names the version for `If-Match`.
    """
    view = service.get(who, section, include_defaults in ("true", "1"))
    return ok(request, view, headers={"ETag": etag(view.version)})


@router.endpoint(
    "PUT",
    "/api/settings",
    SettingsSaved,
    policy(auth="required", rate_class="write"),
    errors=(412,),
    headers=("ETag",),
)
@router.endpoint(
    "POST",
    "/api/settings/save",
    SettingsSaved,
    policy(auth="required", rate_class="write"),
    errors=(412,),
    headers=("ETag",),
    summary="Change your settings (legacy alias of PUT /api/settings)",
)
def save_settings(
    body: SettingsWrite,
    request: Request,
    if_match: str | None = IF_MATCH,
    who: Principal = Depends(principal),
    service: SettingsService = Depends(get_settings_service),
) -> Response:
    """Change your settings

    `{settings: {section: {field: value}}}` (bare sections accepted) deep-merges into the document:
    objects merge, arrays and scalars replace, `null` resets a field. Each change bumps the version;
    with `If-Match` naming an older version the answer is 412 (`stale_version`).
    """
    saved = service.update(who, body, if_match)
    return ok(request, saved, headers={"ETag": etag(saved.version)})


@router.endpoint(
    "DELETE",
    "/api/settings",
    SettingsSaved,
    policy(auth="required", rate_class="write"),
    errors=(412,),
    headers=("ETag",),
)
def reset_settings(
    request: Request,
    section: list[SectionName] | None = Query(None),
    if_match: str | None = IF_MATCH,
    who: Principal = Depends(principal),
    service: SettingsService = Depends(get_settings_service),
) -> Response:
    """Reset your settings

    Back to the defaults: every section, or the `section`s named (repeatable). `If-Match` as for PUT.
    """
    saved = service.reset(who, list(section) if section else None, if_match)
    return ok(request, saved, headers={"ETag": etag(saved.version)})


app = create_app(router)
lambda_handler = make_handler(app)
