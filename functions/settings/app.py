"""/api/settings (GET, PUT, DELETE) and its legacy alias /api/settings/save (GET, POST) — spec §14.2."""

from typing import Literal

from fastapi import Depends, Header, Query, Request
from starlette.responses import Response

from describe_it.http.app import api_router, create_app, make_handler
from describe_it.http.deps import principal
from describe_it.http.docs import Envelope, errors
from describe_it.http.envelope import ok
from describe_it.http.policy import policy
from describe_it.identity import Principal
from describe_it.user_settings.models import SectionName, SettingsSaved, SettingsView, SettingsWrite
from describe_it.user_settings.service import SettingsService, etag, get_settings_service

router = api_router()
QueryBool = Literal["true", "false", "1", "0"]


@router.get(
    "/api/settings",
    response_model=Envelope[SettingsView],
    responses=errors(400, 401, 429, 503),
    openapi_extra=policy(auth="required", rate_class="read"),
)
@router.get(
    "/api/settings/save",
    response_model=Envelope[SettingsView],
    responses=errors(400, 401, 429, 503),
    openapi_extra=policy(auth="required", rate_class="read"),
    summary="Alias of GET /api/settings",
)
def read_settings(
    request: Request,
    section: SectionName | None = Query(None),
    include_defaults: QueryBool = Query("true", alias="includeDefaults"),
    who: Principal = Depends(principal),
    service: SettingsService = Depends(get_settings_service),
) -> Response:
    view = service.get(who, section, include_defaults in ("true", "1"))
    return ok(request, view, headers={"ETag": etag(view.version)})


@router.put(
    "/api/settings",
    response_model=Envelope[SettingsSaved],
    responses=errors(400, 401, 412, 413, 415, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write"),
)
@router.post(
    "/api/settings/save",
    response_model=Envelope[SettingsSaved],
    responses=errors(400, 401, 412, 413, 415, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write"),
    summary="Alias of PUT /api/settings",
)
def save_settings(
    body: SettingsWrite,
    request: Request,
    if_match: str | None = Header(None),
    who: Principal = Depends(principal),
    service: SettingsService = Depends(get_settings_service),
) -> Response:
    saved = service.update(who, body, if_match)
    return ok(request, saved, headers={"ETag": etag(saved.version)})


@router.delete(
    "/api/settings",
    response_model=Envelope[SettingsSaved],
    responses=errors(400, 401, 412, 429, 503),
    openapi_extra=policy(auth="required", rate_class="write"),
)
def reset_settings(
    request: Request,
    section: list[SectionName] | None = Query(None),
    if_match: str | None = Header(None),
    who: Principal = Depends(principal),
    service: SettingsService = Depends(get_settings_service),
) -> Response:
    saved = service.reset(who, list(section) if section else None, if_match)
    return ok(request, saved, headers={"ETag": etag(saved.version)})


app = create_app(router)
lambda_handler = make_handler(app)
